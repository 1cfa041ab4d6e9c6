"""Gradient descent with any of the three ways (the course's `optimize`)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from typing import NamedTuple, TextIO

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.arguments import Floats, check_finite, positive_number, whole_number
from microgrid.course.logistic.common import ENGINES, Gradients, check_problem
from microgrid.course.logistic.graph import graph_pass
from microgrid.course.logistic.loop import loop_pass
from microgrid.course.logistic.vectorized import vectorized_pass
from microgrid.course.progress import progress_bar, report_cost


class Descent(NamedTuple):
    """The end of gradient descent: final w and b, the last gradient, every cost.

    ``costs[i]`` is J before update i (``costs[0]`` is the starting cost), and
    dw, db are the last gradient computed (the one used for the final update).
    """

    w: Floats
    b: float
    dw: Floats
    db: float
    costs: list[float]


def gradient_function(engine: str, X: Floats, Y: Floats) -> Callable[[Floats, float], Gradients]:
    """One full-batch gradient per call; X is converted once, not every iteration."""
    if engine == "vectorized":
        return lambda w, b: vectorized_pass(X, Y, w, b)
    if engine in ("loop", "graph"):
        columns, labels = X.T.tolist(), Y[0].tolist()
        one_pass = loop_pass if engine == "loop" else graph_pass
        return lambda w, b: one_pass(columns, labels, w[:, 0].tolist(), b)
    raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")


def gradient_descent(
    X: ArrayLike,
    Y: ArrayLike,
    w: ArrayLike,
    b: float,
    learning_rate: float,
    iterations: int,
    engine: str = "vectorized",
    print_every: int = 0,
    progress: bool = False,
    file: TextIO | None = None,
) -> Descent:
    """Repeat: J, dw, db = gradient; w := w − α·dw; b := b − α·db (the course's `optimize`).

    Prints "Cost after iteration i: J" every `print_every` iterations (0: never);
    `progress=True` shows a tqdm bar with the current cost when stderr is a terminal.

    >>> d = gradient_descent([[1.0, -1.0]], [[1, 0]], [[0.0]], 0.0, 0.5, 100)
    >>> d.costs[0] > d.costs[-1], bool(d.w[0, 0] > 0)
    (True, True)
    """
    features, labels, weights, bias = check_problem(X, Y, w, b)
    check_finite(features)
    rate = positive_number(learning_rate, "learning_rate")
    count = whole_number(iterations, "iterations")
    every = whole_number(print_every, "print_every")
    gradient = gradient_function(engine, features, labels)
    out = sys.stdout if file is None else file
    weights = weights.copy()
    costs: list[float] = []
    dw, db = np.zeros_like(weights), 0.0
    bar = progress_bar(count, engine) if progress else None
    steps: Iterable[int] = range(count) if bar is None else bar
    # Overflow is caught below as a non-finite cost, with a clearer message
    # than NumPy's RuntimeWarning.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for i in steps:
                cost, dw, db = gradient(weights, bias)
                if not math.isfinite(cost):
                    raise ValueError(
                        f"the cost became {cost} at iteration {i}: the learning rate "
                        f"{rate:g} is probably too large"
                    )
                costs.append(cost)
                weights -= rate * dw
                bias -= rate * db
                report_cost(bar, i, cost, bool(every) and i % every == 0, out)
        finally:
            if bar is not None:
                bar.close()
    return Descent(weights, bias, dw, db, costs)
