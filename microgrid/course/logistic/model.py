"""`LogisticRegression`: the seed's cat classifier behind `fit` / `predict` / `score`."""

from __future__ import annotations

from typing import TextIO

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.course.arguments import (
    Floats,
    as_features,
    check_data,
    check_finite,
    positive_number,
    whole_number,
)
from microgrid.course.logistic.common import ENGINES
from microgrid.course.logistic.descent import gradient_descent
from microgrid.course.logistic.vectorized import sigmoid_array


class LogisticRegression:
    """The seed's classifier: zero initialisation, full-batch gradient descent.

    `engine` picks how each gradient is computed: "vectorized" (NumPy, fast),
    "loop" (the seed's two for-loops) or "graph" (Values and backprop; slow,
    for learning). All three give the same numbers. On the cat pictures
    (12288 features, 209 samples) one iteration takes about 0.3 ms vectorized,
    0.2 s with the loop and 0.5 s with the graph (see docs/performance.md).

    While training, the cost is printed every `print_every` iterations (0: never)
    and a tqdm bar shows the current cost when stderr is a terminal;
    `verbose=False` or `print_every=0` trains silently.

    >>> from microgrid.course.datasets import toy_2d
    >>> X, Y = toy_2d(40, seed=0)
    >>> model = LogisticRegression(learning_rate=0.1, iterations=300, print_every=0).fit(X, Y)
    >>> model.w_.shape, model.score(X, Y) > 0.9
    ((2, 1), True)
    """

    def __init__(
        self,
        learning_rate: float = 0.005,
        iterations: int = 2000,
        engine: str = "vectorized",
        print_every: int = 100,
        verbose: bool = True,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(
                f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}"
            )
        self.learning_rate = positive_number(learning_rate, "learning_rate")
        self.iterations = whole_number(iterations, "iterations")
        self.engine = engine
        self.print_every = whole_number(print_every, "print_every")
        self.verbose = bool(verbose)
        self.w_: Floats | None = None
        self.b_: float | None = None
        self.costs_: list[float] = []

    def __repr__(self) -> str:
        return (
            f"LogisticRegression(learning_rate={self.learning_rate:g}, "
            f"iterations={self.iterations}, engine={self.engine!r}, "
            f"print_every={self.print_every}, verbose={self.verbose})"
        )

    def fit(self, X: ArrayLike, Y: ArrayLike, *, file: TextIO | None = None) -> LogisticRegression:
        """Train on X (n, m) and Y (1, m) from w = 0, b = 0; returns the model."""
        features, labels = check_data(X, Y)
        check_finite(features)
        quiet = not self.verbose or self.print_every == 0
        result = gradient_descent(
            features,
            labels,
            np.zeros((features.shape[0], 1)),
            0.0,
            self.learning_rate,
            self.iterations,
            engine=self.engine,
            print_every=0 if quiet else self.print_every,
            progress=not quiet,
            file=file,
        )
        self.w_, self.b_, self.costs_ = result.w, result.b, result.costs
        return self

    def _fitted(self) -> tuple[Floats, float]:
        if self.w_ is None or self.b_ is None:
            raise RuntimeError("this LogisticRegression is not trained yet: call fit(X, Y) first")
        return self.w_, self.b_

    def predict_proba(self, X: ArrayLike) -> Floats:
        """A = σ(wᵀX + b): each sample's probability of label 1, shape (1, m)."""
        w, b = self._fitted()
        features = as_features(X)
        if features.shape[0] != w.shape[0]:
            hint = " (samples must be columns: pass X.T)" if features.shape[1] == w.shape[0] else ""
            raise ValueError(
                f"X must have shape (n, m) with n = {w.shape[0]} features, "
                f"got {features.shape}{hint}"
            )
        check_finite(features)
        return sigmoid_array(w.T @ features + b)

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """1 where a > 0.5 (cat), else 0, shape (1, m)."""
        return (self.predict_proba(X) > 0.5).astype(np.int64)

    def score(self, X: ArrayLike, Y: ArrayLike) -> float:
        """Accuracy: the fraction of samples whose prediction equals the label."""
        features, labels = check_data(X, Y)
        return float(np.mean(self.predict(features) == labels))
