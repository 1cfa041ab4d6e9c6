"""Course 2's printed numbers, from the full runs: 15,000 and 30,000 iterations, 5,000 epochs.

Each run takes 2–6 s of CPU time (about 45 s for the ten), so they are marked ``slow``:
``make test`` and CI run them, a quick run leaves them out (``-m "not slow"``).
Which digits are asserted, and why only those, is in docs/testing.md ("Course 2's runs")
(the costs to 1e-9 relative, the 6-decimal printed costs exactly, the accuracies exactly;
for the "large" initialisation only what does not hang on the last bit of ``exp``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from course_data import FOOTBALL_DIR, needs_football

from microgrid.course import datasets
from microgrid.course.networks import NeuralNetwork

pytestmark = pytest.mark.slow


def initialization_run(init: str) -> tuple[NeuralNetwork, float, float]:
    train_X, train_Y, test_X, test_Y = datasets.circles()
    model = NeuralNetwork([2, 10, 5, 1], "relu", 0.01, 15000, init=init, seed=3, verbose=False)
    model.fit(train_X, train_Y)
    return model, model.score(train_X, train_Y), model.score(test_X, test_Y)


def test_he_initialization() -> None:
    model, train, test = initialization_run("he")
    assert math.isclose(model.costs_[0], 0.8830537463419761, rel_tol=1e-9)
    assert math.isclose(model.costs_[14000], 0.07357895962677366, rel_tol=1e-9)
    assert (train, test) == (0.9933333333333333, 0.96)


def test_zero_initialization_never_moves() -> None:
    model, train, test = initialization_run("zeros")
    assert len(model.costs_) == 15000
    assert np.allclose(model.costs_, 0.6931471805599453, rtol=1e-9, atol=0)
    assert (train, test) == (0.5, 0.5)


def test_large_initialization() -> None:
    model, train, test = initialization_run("large")
    costs = np.array(model.costs_)
    # inf at 0: some outputs are exactly 0 or 1 (|z| in the hundreds) on the wrong label.
    assert costs[0] == math.inf
    # Stable: the cost is finite from iteration 1000 on and falls to 0.38 (two editions of
    # the course print 0.3827… and 0.3827…/0.3828…: the digits after that hang on exp's last bit).
    assert np.isfinite(costs[1000:]).all() and round(float(costs[14000]), 2) == 0.38
    assert (train, test) == (0.83, 0.86)


@needs_football
@pytest.mark.parametrize(
    ("options", "first", "train", "test"),
    [
        ({}, 0.6557412523481002, 0.9478672985781991, 0.915),
        ({"l2": 0.7}, 0.6974484493131264, None, 0.93),
        ({"keep_prob": 0.86}, 0.6543912405149825, None, 0.95),
    ],
)
def test_regularization(
    options: dict[str, float], first: float, train: float | None, test: float
) -> None:
    data = datasets.load_football(FOOTBALL_DIR)
    model = NeuralNetwork(
        [2, 20, 3, 1], "relu", 0.3, 30000, init="scaled", seed=3, verbose=False, **options
    ).fit(data.train_X, data.train_Y)
    assert math.isclose(model.costs_[0], first, rel_tol=1e-9)
    if train is not None:
        assert model.score(data.train_X, data.train_Y) == train
    assert model.score(data.test_X, data.test_Y) == test


@pytest.mark.parametrize(
    ("options", "printed", "accuracy"),
    [
        ({"optimizer": "gd"}, ["0.702405", None, None, None, "0.573367"], 0.7166666666666667),
        ({"optimizer": "momentum"}, ["0.702413", None, None, None, "0.573444"], 0.7166666666666667),
        (
            {"optimizer": "adam"},
            ["0.702166", "0.167845", "0.141316", "0.138788", "0.136066"],
            0.9433333333333334,
        ),
        (
            {"optimizer": "gd", "learning_rate": 0.1, "decay": "schedule"},
            [None] * 5,
            0.9433333333333334,
        ),
    ],
)
def test_optimization(
    options: dict[str, object], printed: list[str | None], accuracy: float
) -> None:
    X, Y = datasets.course_moons()
    settings: dict[str, object] = {"learning_rate": 0.0007, **options}
    model = NeuralNetwork(
        [2, 5, 2, 1],
        "relu",
        init="he",
        seed=3,
        epochs=5000,
        mini_batch_size=64,
        verbose=False,
        **settings,  # type: ignore[arg-type]
    ).fit(X, Y)
    assert len(model.costs_) == 5000
    for epoch, text in zip(range(0, 5000, 1000), printed, strict=True):
        if text is not None:
            assert f"{model.costs_[epoch]:f}" == text, epoch
    assert model.score(X, Y) == accuracy
