"""Way 2: the seed's pseudo-code, line by line, in plain Python floats (two for-loops)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.logistic.common import Gradients, check_problem, explain_non_finite


def sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^−z) for one number, without overflow for any z."""
    # Two forms so that exp never overflows: exp(-z) for z >= 0, exp(z) below.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def log_sigmoid(z: float) -> float:
    """log σ(z) = −log(1 + e^−z), finite even where σ(z) rounds to 0 or 1.

    log a = log σ(z) and log(1 − a) = log σ(−z), so the seed's loss needs no log(0).
    """
    if z >= 0:
        return -math.log1p(math.exp(-z))
    return z - math.log1p(math.exp(z))


def loop_gradients(X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: float) -> Gradients:
    """The seed's pseudo-code: one loop over samples, an inner loop over features.

    >>> loop_gradients([[1.0], [2.0]], [[1]], [[0.0], [0.0]], 0.0)
    Gradients(cost=0.693147..., dw=array([[-0.5], [-1. ]]), db=-0.5)
    """
    features, labels, weights, bias = check_problem(X, Y, w, b)
    result = loop_pass(features.T.tolist(), labels[0].tolist(), weights[:, 0].tolist(), bias)
    return explain_non_finite(result, features)


def loop_pass(
    columns: list[list[float]], labels: list[float], w: list[float], b: float
) -> Gradients:
    m, n = len(columns), len(w)
    J = 0.0
    dw = [0.0] * n
    db = 0.0
    for i in range(m):
        x, y = columns[i], labels[i]
        z = b
        for j in range(n):  # z(i) = wᵀx(i) + b
            z += w[j] * x[j]
        a = sigmoid(z)
        # J += −[y log a + (1 − y) log(1 − a)], with log a and log(1 − a) taken
        # from z so that a rounding to exactly 0 or 1 cannot give log(0).
        J += -(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))
        dz = a - y
        for j in range(n):  # dw1 += x1(i) dz(i); dw2 += x2(i) dz(i); …
            dw[j] += x[j] * dz
        db += dz
    J /= m
    for j in range(n):
        dw[j] /= m
    db /= m
    return Gradients(J, np.array(dw, dtype=np.float64).reshape(n, 1), db)
