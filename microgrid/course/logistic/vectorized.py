"""Way 3: the course's vectorized NumPy form, A = σ(wᵀX + b), dZ = A − Y, dw = X dZᵀ / m."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.arguments import Floats
from microgrid.course.logistic.common import Gradients, check_problem, explain_non_finite


def vectorized_gradients(X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: float) -> Gradients:
    """A = σ(wᵀX + b), dZ = A − Y, dw = X dZᵀ / m, db = Σ dZ / m, and the cost.

    The cost is computed from Z (log σ(z) never takes log 0), so it stays
    finite where A rounds to 0 or 1.

    >>> vectorized_gradients([[1.0], [2.0]], [[1]], [[0.0], [0.0]], 0.0).dw
    array([[-0.5],
           [-1. ]])
    """
    features, labels, weights, bias = check_problem(X, Y, w, b)
    result = vectorized_pass(features, labels, weights, bias)
    return explain_non_finite(result, features)


def vectorized_pass(X: Floats, Y: Floats, w: Floats, b: float) -> Gradients:
    m = X.shape[1]
    Z = w.T @ X + b  # (1, m): every sample's z at once
    E = np.exp(-np.abs(Z))  # in (0, 1]: never overflows
    A = np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))  # σ(Z), two stable forms
    log_A = -(np.maximum(-Z, 0.0) + np.log1p(E))  # log σ(Z)
    log_1_minus_A = -(np.maximum(Z, 0.0) + np.log1p(E))  # log σ(−Z) = log(1 − A)
    cost = float(-np.sum(Y * log_A + (1.0 - Y) * log_1_minus_A) / m)
    dZ = A - Y
    dw = X @ dZ.T / m  # (n, m) @ (m, 1) → (n, 1)
    db = float(np.sum(dZ) / m)
    return Gradients(cost, dw, db)


def sigmoid_array(Z: Floats) -> Floats:
    """σ(Z) elementwise, in the two stable forms (exp never overflows)."""
    E = np.exp(-np.abs(Z))
    result: Floats = np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))
    return result
