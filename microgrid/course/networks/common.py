"""What the three engines share: the checks on X, Y and the parameters, and what they return."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.course import arguments as checks

Floats = NDArray[np.float64]
Parameters = dict[str, Floats]

HIDDEN_ACTIVATIONS = ("tanh", "relu")


class Gradients(NamedTuple):
    """One pass over the data: the cost J and the course's dict {dW1, db1, …, dWL, dbL}."""

    cost: float
    grads: dict[str, Floats]


def check_data(X: ArrayLike, Y: ArrayLike) -> tuple[Floats, Floats]:
    """X (n_x, m) of finite numbers and Y (1, m) of 0/1 labels (as for logistic regression)."""
    features, labels = checks.check_data(X, Y)
    checks.check_finite(features)
    return features, labels


def check_activation(activation: object) -> str:
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(
            f"hidden_activation must be one of {', '.join(map(repr, HIDDEN_ACTIVATIONS))}; "
            f"got {activation!r}"
        )
    return str(activation)


def check_parameters(parameters: Mapping[str, ArrayLike], n_x: int | None = None) -> Parameters:
    """The course's dict W1, b1, …, WL, bL as float arrays whose shapes chain, with n_y = 1."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"parameters must be a dict {{'W1': …, 'b1': …}}, got {type(parameters).__name__}"
        )
    L = len(parameters) // 2
    expected = [name for l in range(1, L + 1) for name in (f"W{l}", f"b{l}")]  # noqa: E741
    if L < 1 or sorted(parameters) != sorted(expected):
        raise ValueError(
            "parameters must hold W1, b1, …, WL, bL (the course's dict); "
            f"got keys {sorted(parameters)}"
        )
    checked: Parameters = {}
    n_prev = n_x
    for l in range(1, L + 1):  # noqa: E741 - the course's layer index
        W = np.asarray(parameters[f"W{l}"], dtype=np.float64)
        b = np.asarray(parameters[f"b{l}"], dtype=np.float64)
        if W.ndim != 2 or W.size == 0:
            raise ValueError(f"W{l} must be a 2-D (n{l}, n{l - 1}) array, got shape {W.shape}")
        if n_prev is not None and W.shape[1] != n_prev:
            what = "features in X" if l == 1 else f"units in layer {l - 1}"
            raise ValueError(
                f"W{l} has shape {W.shape} but there are {n_prev} {what}: "
                f"W{l} must be ({W.shape[0]}, {n_prev})"
            )
        if b.shape != (W.shape[0], 1):
            raise ValueError(
                f"b{l} must have shape ({W.shape[0]}, 1) like W{l}'s rows, got {b.shape}"
            )
        for name, array in ((f"W{l}", W), (f"b{l}", b)):
            if not np.isfinite(array).all():
                raise ValueError(f"{name} holds {array[~np.isfinite(array)][0]}: must be finite")
        checked[f"W{l}"], checked[f"b{l}"] = W, b
        n_prev = W.shape[0]
    if n_prev != 1:
        raise ValueError(
            f"the output layer has {n_prev} units; these networks end in one sigmoid unit "
            "(n_y = 1) for 0/1 labels (use nn.MLP with cross_entropy for several classes)"
        )
    return checked


_local = threading.local()


def legacy_random(seed: int) -> np.random.RandomState:
    """NumPy's legacy generator after ``seed(seed)``: the course's ``np.random.seed`` stream.

    One generator per thread is re-seeded (making a new RandomState costs about
    0.4 ms, 50 times a re-seed: the dropout assignment seeds at every iteration);
    NumPy's global state is left alone.
    """
    random: np.random.RandomState | None = getattr(_local, "random", None)
    if random is None:
        random = _local.random = np.random.RandomState(seed)
    else:
        random.seed(seed)
    return random
