"""Chapters 5 and 5b: shapes in the vectorized code, read off the engine's own arrays.

The hidden layer's shapes (Z1, dW1, db1: exercises 19–21) belong to chapter 5b, which
derives them; the cat classifier's dw (22) to chapter 5.

The truth is the shape of what `networks.vectorized_gradients` (a 2-H-1 tanh
network) or `logistic.vectorized_gradients` return for data of the sizes asked.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from microgrid.course.exercises.core import Exercise, Mistake, Progress

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BUILDERS"]


def _sizes(seed: int) -> tuple[int, int, int]:
    """(n_x, n_h, m): the course's planar network (2 features, 4 units, 400 samples) for 0."""
    if seed == 0:
        return 2, 4, 400
    rng = random.Random(seed)
    n_x, n_h = rng.sample(range(2, 9), 2)
    return n_x, n_h, rng.choice([5, 10, 50, 200, 400])


def _network_grads(seed: int) -> dict[str, np.ndarray]:
    import numpy as np  # NumPy and the course's models: imported when asked

    from microgrid.course import networks

    n_x, n_h, m = _sizes(seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    parameters = networks.initialize_parameters([n_x, n_h, 1], seed=seed)
    _, grads = networks.vectorized_gradients(X, Y, parameters)
    return {name: np.asarray(value) for name, value in grads.items()}


def _network_question(seed: int) -> str:
    n_x, n_h, m = _sizes(seed)
    return (
        f"A network with one hidden layer (the course's week 3): n_x = {n_x} features, "
        f"n_h = {n_h} tanh units, one sigmoid output, m = {m} samples as the columns of X "
        f"({n_x}, {m})."
    )


def shape_dW1(number: int, seed: int, progress: Progress | None) -> Exercise:
    n_x, n_h, m = _sizes(seed)
    truth = tuple(_network_grads(seed)["dW1"].shape)
    return Exercise(
        number=number,
        chapter="5b",
        title="the shape of dW1",
        question=f"{_network_question(seed)} What shape is dW1, and why?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"dW1 = (1/m) dZ1 · Xᵀ: ({n_h}, {m}) · ({m}, {n_x}) = ({n_h}, {n_x}). It has W1's "
            "shape, one delta per weight: row j holds unit j's weights, one column per feature.",
        ),
        mistakes=(
            Mistake(
                (n_x, n_h),
                "That is W1 transposed: W1 maps n_x features to n_h units, so "
                "it is (n_h, n_x), and dW1 has W1's shape.",
            ),
            Mistake((n_h, m), "That is dZ1's shape; · Xᵀ sums over the m samples."),
        ),
        make=lambda s: shape_dW1(number, s, progress),
        progress=progress,
    )


def shape_dZ1(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course import networks

    n_x, n_h, m = _sizes(seed)
    X = np.random.default_rng(seed).normal(size=(n_x, m))
    parameters = networks.initialize_parameters([n_x, n_h, 1], seed=seed)
    _, caches = networks.forward_propagation(X, parameters)
    truth = tuple(np.asarray(caches[0].Z).shape)
    return Exercise(
        number=number,
        chapter="5b",
        title="the shape of Z1 and dZ1",
        question=f"{_network_question(seed)} What shape is Z1 = W1·X + b1 (and so dZ1)?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"W1 · X is ({n_h}, {n_x}) · ({n_x}, {m}) = ({n_h}, {m}): one column per sample, "
            f"one row per unit; b1 ({n_h}, 1) is broadcast over the columns. dZ1 has Z1's "
            "shape.",
        ),
        mistakes=(
            Mistake((n_h, 1), "That is b1's shape; Z1 keeps one column per sample."),
            Mistake((m, n_h), "Samples are columns in the course's notation: (n_h, m)."),
        ),
        make=lambda s: shape_dZ1(number, s, progress),
        progress=progress,
    )


def shape_db1(number: int, seed: int, progress: Progress | None) -> Exercise:
    _, n_h, m = _sizes(seed)
    truth = tuple(_network_grads(seed)["db1"].shape)
    return Exercise(
        number=number,
        chapter="5b",
        title="the shape of db1",
        question=f"{_network_question(seed)} What shape is db1 = (1/m) Σ dZ1 over the "
        "samples (np.sum(dZ1, axis=1, keepdims=True) / m)?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"Summing dZ1 ({n_h}, {m}) over axis 1 with keepdims=True leaves ({n_h}, 1): "
            "b1's shape, one delta per unit's bias.",
        ),
        mistakes=(
            Mistake(
                (n_h,),
                "Without keepdims=True it would be (n_h,); the course keeps b1's "
                "column shape (n_h, 1).",
            ),
            Mistake((n_h, m), "That is dZ1; the sum over samples removes the m columns."),
        ),
        make=lambda s: shape_db1(number, s, progress),
        progress=progress,
    )


def shape_logistic_dw(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course import logistic

    n, _, m = _sizes(seed)
    n = 12288 if seed == 0 else n
    m = 209 if seed == 0 else m
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m)) * 0.01
    Y = (rng.random((1, m)) > 0.5).astype(float)
    result = logistic.vectorized_gradients(X, Y, np.zeros((n, 1)), 0.0)
    truth = tuple(np.asarray(result.dw).shape)
    return Exercise(
        number=number,
        chapter="5",
        title="the shape of dw in logistic regression",
        question=f"Logistic regression, vectorized: X is ({n}, {m}) (n = {n} features, m = {m} "
        f"samples), w is ({n}, 1). What shape is dw = (1/m) X · dZᵀ?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"X · dZᵀ is ({n}, {m}) · ({m}, 1) = ({n}, 1): w's shape, one delta per weight.",
        ),
        mistakes=(
            Mistake((1, n), "That is wᵀ; dw has w's own shape (n, 1)."),
            Mistake((1, m), "That is dZ = A − Y; X · dZᵀ sums over the samples."),
        ),
        make=lambda s: shape_logistic_dw(number, s, progress),
        progress=progress,
    )


BUILDERS = [shape_dZ1, shape_dW1, shape_db1, shape_logistic_dw]
