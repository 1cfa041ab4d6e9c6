"""Chapter 11's figures (docs/make_second_derivative_figures.py) and its benchmark
(benchmarks/forward_vs_reverse.py) show what the chapter says they show."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures() -> ModuleType:
    return load(ROOT / "docs" / "make_second_derivative_figures.py")


def test_the_derivative_graph_is_fresh_and_reuses_a(figures: ModuleType) -> None:
    assert figures.stale() == [], "run python docs/make_second_derivative_figures.py"
    source = figures.derivative_graph().source
    assert "dz = a · t1" in source and "t1 = 1 − a" in source


def test_the_squared_error_bends_down_left_of_minus_ln_2_and_the_log_loss_never(
    figures: ModuleType,
) -> None:
    edge = figures.concave_edge()
    assert math.isclose(edge, -math.log(2), rel_tol=1e-12)
    for z in (-5.0, -2.0, edge - 0.01):
        assert figures.second_derivative("squared error", z) < 0
    for z in (edge + 0.01, 0.0, 2.0):
        assert figures.second_derivative("squared error", z) > 0
    for z in (-6.0, -0.7, 0.0, 3.0):
        a = 1 / (1 + math.exp(-z))
        assert figures.second_derivative("log loss", z) == pytest.approx(a * (1 - a), rel=1e-12)


def test_the_benchmark_counts_n_sweeps_against_one() -> None:
    bench = load(ROOT / "benchmarks" / "forward_vs_reverse.py")
    row = bench.measure(n=5, m=3, repeats=1)
    assert row.forward_sweeps == 6 and row.forward_ops == 6 * row.backward_ops
    assert row.backward_ops == row.edges > 0
    assert "| 5 |" in bench.table([row])
