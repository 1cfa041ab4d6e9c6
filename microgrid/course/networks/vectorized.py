"""The course's networks in NumPy: forward propagation, the cost, backward propagation by hand.

Samples are columns. For layers l = 1 … L, with A0 = X and g = tanh or relu
for the hidden layers and σ for the output:

    Z[l] = W[l] A[l−1] + b[l],     A[l] = g(Z[l])

and backward, from dZ[L] = A[L] − Y (the sigmoid and the cross-entropy together):

    dW[l] = dZ[l] A[l−1]ᵀ / m,   db[l] = Σ dZ[l] / m,   dZ[l−1] = W[l]ᵀ dZ[l] ∗ g′(Z[l−1])

where g′(Z) = 1 − A² for tanh and (Z > 0) for relu. The course's week-3 example:

>>> from microgrid.course.datasets import planar
>>> X, Y = planar()
>>> parameters = initialize_parameters([2, 4, 1], init="course", seed=2)
>>> AL, caches = forward_propagation(X, parameters, "tanh")
>>> round(compute_cost(AL, Y), 6)
0.693048
>>> grads = backward_propagation(AL, Y, caches, "tanh")
>>> sorted(grads), grads["dW1"].shape
(['dW1', 'dW2', 'db1', 'db2'], (4, 2))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.course.networks.common import (
    Floats,
    Gradients,
    Parameters,
    check_activation,
    check_data,
    check_parameters,
    legacy_random,
)
from microgrid.nn import initial_arrays


class Cache(NamedTuple):
    """What layer l's forward step keeps for its backward step: A[l−1], W[l], Z[l], A[l]."""

    A_prev: Floats
    W: Floats
    Z: Floats
    A: Floats


def initialize_parameters(
    layer_sizes: list[int], init: str = "course", seed: int = 1
) -> Parameters:
    """The course's dict {W1, b1, …}: ``np.random.seed(seed)``, then each W in order.

    ``init="course"``: W = randn(n_l, n_l−1) · 0.01 (weeks 3 and 4's two-layer model);
    ``"scaled"``: randn(n_l, n_l−1) / √n_l−1 (week 4's L-layer model); course 2's
    ``"zeros"`` (W = 0), ``"large"`` (randn · 10) and ``"he"`` (randn · √(2 / n_l−1)).
    Biases are 0.

    >>> p = initialize_parameters([2, 4, 1], seed=2)
    >>> p["W1"].shape, p["b2"].tolist()
    ((4, 2), [[0.0]])
    """
    return initial_arrays(layer_sizes, init, seed)


def sigmoid(Z: Floats) -> Floats:
    """σ(Z) = 1 / (1 + e^−Z) elementwise, the course's formula.

    Where Z < −709, e^−Z overflows to inf and σ is 0, its limit (silently: no warning).
    """
    with np.errstate(over="ignore"):
        result: Floats = 1.0 / (1.0 + np.exp(-Z))
    return result


def _g(Z: Floats, activation: str) -> Floats:
    result: Floats = np.tanh(Z) if activation == "tanh" else np.maximum(Z, 0.0)
    return result


def forward_propagation(
    X: Floats,
    parameters: Mapping[str, Floats],
    hidden_activation: str = "tanh",
    masks: Sequence[NDArray[np.bool_]] | None = None,
    keep_prob: float = 1.0,
) -> tuple[Floats, list[Cache]]:
    """A[L] (the predictions, (1, m)) and one `Cache` per layer.

    With `masks` (one (n_l, m) array per hidden layer, see `dropout_masks`), inverted
    dropout as the course writes it: A[l] = A[l] ∗ D[l], then A[l] = A[l] / keep_prob.
    Each cache keeps A[l] before dropout; the next layer's A_prev is the dropped one.
    """
    L = len(parameters) // 2
    A = X
    caches = []
    for l in range(1, L + 1):  # noqa: E741 - the course's layer index
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        A_next = _g(Z, hidden_activation) if l < L else sigmoid(Z)
        caches.append(Cache(A, W, Z, A_next))
        if masks is not None and l < L:
            A_next = A_next * masks[l - 1]  # units switched off for these samples
            A_next = A_next / keep_prob  # the rest scaled up: the expected A is unchanged
        A = A_next
    return A, caches


def dropout_masks(
    layer_sizes: Sequence[int], m: int, keep_prob: float, seed: int = 1
) -> list[NDArray[np.bool_]]:
    """D[1], D[2], … for the hidden layers: ``np.random.rand(n_l, m) < keep_prob``.

    Drawn in the course's order after ``np.random.seed(seed)`` (its dropout
    assignment seeds 1 at the start of every forward pass, so every iteration
    draws the same masks). NumPy's global state is left alone.

    >>> [D.shape for D in dropout_masks([2, 20, 3, 1], 5, 0.86)]
    [(20, 5), (3, 5)]
    """
    random = legacy_random(seed)
    return [random.rand(n, m) < keep_prob for n in layer_sizes[1:-1]]


def cost_from_logits(ZL: Floats, Y: Floats) -> float:
    """J = −(1/m) Σ (y log a + (1 − y) log(1 − a)) with a = σ(z), computed from z.

    log σ(z) = −(max(−z, 0) + log(1 + e^−|z|)): finite even where a rounds to 0 or 1.
    """
    m = Y.shape[1]
    E = np.log1p(np.exp(-np.abs(ZL)))
    log_A = -(np.maximum(-ZL, 0.0) + E)
    log_1_minus_A = -(np.maximum(ZL, 0.0) + E)
    return float(-np.sum(Y * log_A + (1.0 - Y) * log_1_minus_A) / m)


def compute_cost(AL: Floats, Y: Floats) -> float:
    """The course's cost from the predictions A[L]; inf where a label meets a = 0 or 1 exactly.

    `vectorized_gradients` uses `cost_from_logits`, the same number computed from Z[L];
    `NeuralNetwork` reports course 2's `course_loss_sum` / m.
    """
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.where(Y == 1, np.log(AL), np.log1p(-AL))
    return float(-np.sum(logprobs) / m)


def backward_propagation(
    AL: Floats,
    Y: Floats,
    caches: list[Cache],
    hidden_activation: str = "tanh",
    masks: Sequence[NDArray[np.bool_]] | None = None,
    keep_prob: float = 1.0,
    l2: float = 0.0,
) -> dict[str, Floats]:
    """The course's grads dict {dW1, db1, …}, from dZ[L] = A[L] − Y down to layer 1.

    `masks` and `keep_prob`: the forward pass's dropout, applied again to each dA
    (dA[l] ∗ D[l] / keep_prob). `l2` (the course's lambd): dW[l] += λ/m · W[l].
    """
    m = Y.shape[1]
    L = len(caches)
    grads: dict[str, Floats] = {}
    dZ = AL - Y
    for l in range(L, 0, -1):  # noqa: E741
        A_prev, W, _, _ = caches[l - 1]
        dW = dZ @ A_prev.T / m
        grads[f"dW{l}"] = dW + (l2 / m) * W if l2 else dW
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:  # dA[0] = dX is never needed: skip the biggest product
            dA_prev = W.T @ dZ
            if masks is not None:
                dA_prev = dA_prev * masks[l - 2]  # no delta through a dropped unit
                dA_prev = dA_prev / keep_prob
            _, _, Z_prev, A_prev_act = caches[l - 2]
            if hidden_activation == "tanh":
                dZ = dA_prev * (1.0 - A_prev_act**2)  # g′(Z) = 1 − tanh²(Z) = 1 − A²
            else:
                dZ = dA_prev * (Z_prev > 0)  # relu′(Z) = 1 where Z > 0, else 0
    return grads


def course_loss_sum(AL: Floats, Y: Floats) -> float:
    """Σ of the samples' losses −(y log a + (1 − y) log(1 − a)), as course 2 sums them.

    ``np.nansum``: a sample whose a is exactly its label (0 · log 0) adds nothing; one
    whose a is exactly the wrong label adds inf (course 2's "large" initialisation
    starts so). Divide by m for the cost.

    >>> course_loss_sum(np.array([[0.5, 1.0, 0.0]]), np.array([[1, 1, 1]]))
    inf
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(AL), Y) + np.multiply(-np.log(1 - AL), 1 - Y)
    return float(np.nansum(logprobs))


def l2_sum(parameters: Mapping[str, Floats]) -> float:
    """Σ over layers of ‖W[l]‖² (the sum of every weight squared; biases are not penalised)."""
    L = len(parameters) // 2
    return float(sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, L + 1)))  # noqa: E741


def update_parameters(
    parameters: Mapping[str, Floats], grads: Mapping[str, Floats], learning_rate: float
) -> Parameters:
    """A new dict: W[l] := W[l] − α dW[l], b[l] := b[l] − α db[l]."""
    return {name: value - learning_rate * grads[f"d{name}"] for name, value in parameters.items()}


def gradients(X: Floats, Y: Floats, parameters: Mapping[str, Floats], activation: str) -> Gradients:
    """The cost and grads for checked inputs (the training loop's inner call)."""
    AL, caches = forward_propagation(X, parameters, activation)
    cost = cost_from_logits(caches[-1].Z, Y)
    return Gradients(cost, backward_propagation(AL, Y, caches, activation))


def vectorized_gradients(
    X: ArrayLike,
    Y: ArrayLike,
    parameters: Mapping[str, ArrayLike],
    hidden_activation: str = "tanh",
) -> Gradients:
    """J and the grads dict for the network `parameters` on X (n_x, m), Y (1, m).

    >>> X, Y = np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[1, 0]])
    >>> J, grads = vectorized_gradients(X, Y, initialize_parameters([2, 3, 1], seed=0))
    >>> round(J, 6), grads["dW2"].shape
    (0.693045, (1, 3))
    """
    features, labels = check_data(X, Y)
    checked = check_parameters(parameters, features.shape[0])
    return gradients(features, labels, checked, check_activation(hidden_activation))
