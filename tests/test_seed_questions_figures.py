"""The pictures that answer the notes' open questions (docs/loss_figures.py, written by
docs/make_figures.py) show what the docs say they show: each claim in the captions is checked
on the numbers behind the picture, and each picture is drawn."""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures() -> ModuleType:
    return _load("loss_figures")


def test_the_six_samples_contradict_each_other_so_the_best_cost_is_above_zero(
    figures: ModuleType,
) -> None:
    # x = -0.5 is labelled 1 and x = 0.5 is labelled 0: no threshold separates them.
    x, y = figures.SIX_X[0], figures.SIX_Y[0]
    assert y[list(x).index(-0.5)] == 1 and y[list(x).index(0.5)] == 0
    best = figures._bowl_path()[-1]
    assert best[2] > 0.4


def test_the_squared_error_stalls_where_the_log_loss_does_not(figures: ModuleType) -> None:
    squared = figures._descent_1d(figures._squared_error_slope)
    log_loss = figures._descent_1d(figures._log_loss_slope)
    assert abs(squared[-1] - figures.LOSS_START) < 0.2  # stuck on the plateau
    assert abs(figures._log_loss_slope(log_loss[-1])) < 1e-6  # at the log loss's minimum
    # The plateau really is flat, and the slopes agree with finite differences.
    for cost, slope in (
        (figures._squared_error, figures._squared_error_slope),
        (figures._log_loss, figures._log_loss_slope),
    ):
        for w in (-6.0, -1.0, 0.5, 3.0):
            h = 1e-6
            numeric = (cost(w + h) - cost(w - h)) / (2 * h)
            assert slope(w) == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    assert abs(figures._squared_error_slope(-6.0)) < 1e-3 < abs(figures._log_loss_slope(-6.0))


def test_the_squared_error_is_not_convex_and_the_log_loss_is(figures: ModuleType) -> None:
    sq, log = figures._squared_error, figures._log_loss
    assert sq((-6 + 1) / 2) > (sq(-6) + sq(1)) / 2  # the chord passes below the curve
    rng = np.random.default_rng(1)
    for p, q in rng.uniform(-8, 8, size=(200, 2)):
        assert log((p + q) / 2) <= (log(p) + log(q)) / 2 + 1e-12


def test_gradient_descent_goes_down_the_bowl(figures: ModuleType) -> None:
    costs = [J for _, _, J in figures._bowl_path()]
    assert all(later <= earlier for earlier, later in itertools.pairwise(costs))
    w, b, _ = figures._bowl_path()[-1]
    assert w == pytest.approx(1.3511, abs=1e-3) and abs(b) < 1e-2


def test_training_on_stale_forward_values_walks_past_the_minimum(figures: ModuleType) -> None:
    fresh = figures._stale_run(1)
    lagged = figures._stale_run(10)
    never = figures._stale_run(0)
    assert fresh[0] == lagged[0] == never[0] == pytest.approx(math.log(2))
    assert all(later <= earlier + 1e-12 for earlier, later in itertools.pairwise(fresh))
    assert min(never[:5]) < never[0] < never[-1]  # down at first, then up for ever
    assert never[-1] > 2 * fresh[-1]
    assert max(lagged) > lagged[-1] and lagged[-1] < 1.01 * fresh[-1] + 0.01


def test_the_kink_keeps_the_steps_from_shrinking(figures: ModuleType) -> None:
    smooth, kinked = figures._kink_runs().values()
    assert abs(smooth[-1] - 1) < 1e-3
    tail = kinked[-4:]
    assert {round(w, 9) for w in tail} == {0.9, 1.2}


def test_every_question_picture_is_drawn(figures: ModuleType, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    names = ["loss_comparison.png", "cost_bowl.png", "stale_forward.png", "smooth_vs_kink.png"]
    for name in names:
        figures.PLOTS[name](tmp_path / name)
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG", name
    # make_figures.py writes each, and each is shown in the docs.
    assert set(names) <= set(_load("make_figures").PLOTS)
    docs = "".join(p.read_text(encoding="utf-8") for p in DOCS.glob("0*.md"))
    assert all(f"figures/{name}" in docs for name in names)
