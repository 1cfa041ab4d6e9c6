"""Course 2's optimization assignment in NumPy: mini-batches, momentum, Adam, learning-rate decay.

Each function has the course's name and arguments, works on the course's dicts
(``parameters`` {W1, b1, …}, ``grads`` {dW1, db1, …}) for any number of layers,
and returns new dicts (the caller's arrays are never changed in place). For
each parameter θ with gradient dθ, step t = 1, 2, … and learning rate α:

    gd:        θ := θ − α dθ
    momentum:  v := β v + (1 − β) dθ;                 θ := θ − α v
    Adam:      v := β1 v + (1 − β1) dθ,   s := β2 s + (1 − β2) dθ²
               v̂ = v / (1 − β1ᵗ),  ŝ = s / (1 − β2ᵗ);  θ := θ − α v̂ / (√ŝ + ε)

>>> import numpy as np
>>> parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.5]])}
>>> grads = {"dW1": np.array([[0.2, -0.4]]), "db1": np.array([[0.1]])}
>>> v, s = initialize_adam(parameters)
>>> parameters, v, s = update_parameters_with_adam(parameters, grads, v, s, t=1, learning_rate=0.1)
>>> np.round(parameters["W1"], 6).tolist()   # the first Adam step moves every entry by ≈ α
[[0.9, -0.9]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from microgrid.course.networks.common import Floats, Parameters, legacy_random

__all__ = [
    "initialize_adam",
    "initialize_velocity",
    "random_mini_batches",
    "schedule_lr_decay",
    "update_lr",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
]


def random_mini_batches(
    X: Floats, Y: Floats, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[Floats, Floats]]:
    """The samples shuffled after ``np.random.seed(seed)``, cut into batches of columns.

    Every batch has `mini_batch_size` samples except the last, which keeps the
    rest (m mod mini_batch_size of them) when m is not a multiple. NumPy's global
    random state is left alone.

    >>> X, Y = np.arange(10.0).reshape(2, 5), np.array([[0, 1, 0, 1, 1]])
    >>> [batch_X.shape[1] for batch_X, _ in random_mini_batches(X, Y, 2, seed=0)]
    [2, 2, 1]
    """
    m = X.shape[1]
    permutation = legacy_random(seed).permutation(m)
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    batches = []
    complete = math.floor(m / mini_batch_size)
    for k in range(complete):
        columns = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        batches.append((shuffled_X[:, columns], shuffled_Y[:, columns]))
    if m % mini_batch_size != 0:
        batches.append(
            (
                shuffled_X[:, complete * mini_batch_size :],
                shuffled_Y[:, complete * mini_batch_size :],
            )
        )
    return batches


def update_parameters_with_gd(
    parameters: Mapping[str, Floats], grads: Mapping[str, Floats], learning_rate: float
) -> Parameters:
    """θ := θ − α dθ for every W[l] and b[l]."""
    return {name: value - learning_rate * grads[f"d{name}"] for name, value in parameters.items()}


def initialize_velocity(parameters: Mapping[str, Floats]) -> Parameters:
    """v = {dW1: 0, db1: 0, …}, zeros shaped like each parameter."""
    return {f"d{name}": np.zeros_like(value) for name, value in parameters.items()}


def update_parameters_with_momentum(
    parameters: Mapping[str, Floats],
    grads: Mapping[str, Floats],
    v: Mapping[str, Floats],
    beta: float,
    learning_rate: float,
) -> tuple[Parameters, Parameters]:
    """v := β v + (1 − β) dθ, then θ := θ − α v: the new (parameters, v)."""
    new_v = {key: beta * v[key] + (1 - beta) * grads[key] for key in v}
    new = {name: value - learning_rate * new_v[f"d{name}"] for name, value in parameters.items()}
    return new, new_v


def initialize_adam(parameters: Mapping[str, Floats]) -> tuple[Parameters, Parameters]:
    """(v, s): the first and second moments, zeros shaped like each parameter."""
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters: Mapping[str, Floats],
    grads: Mapping[str, Floats],
    v: Mapping[str, Floats],
    s: Mapping[str, Floats],
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Parameters, Parameters, Parameters]:
    """One Adam step t (counted from 1): the new (parameters, v, s).

    v and s start at 0, so early on they are too small by the factors 1 − β1ᵗ and
    1 − β2ᵗ: the bias correction divides them back up.
    """
    new_v = {key: beta1 * v[key] + (1 - beta1) * grads[key] for key in v}
    new_s = {key: beta2 * s[key] + (1 - beta2) * (grads[key] ** 2) for key in s}
    new = {}
    for name, value in parameters.items():
        v_corrected = new_v[f"d{name}"] / (1 - beta1**t)
        s_corrected = new_s[f"d{name}"] / (1 - beta2**t)
        new[name] = value - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return new, new_v, new_s


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """α = α0 / (1 + decay_rate · epoch): decay after every epoch.

    >>> update_lr(0.5, 2, 1)
    0.16666666666666666
    """
    return 1 / (1 + decay_rate * epoch_num) * learning_rate0


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """α = α0 / (1 + decay_rate · ⌊epoch / time_interval⌋): decay in steps.

    >>> schedule_lr_decay(0.5, 1999, 1), schedule_lr_decay(0.5, 2000, 1)
    (0.25, 0.16666666666666666)
    """
    return float(1 / (1 + decay_rate * np.floor(epoch_num / time_interval)) * learning_rate0)
