"""What the three ways share: the engine names, the checks on w and b, and what they return."""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.arguments import Floats, check_data, check_finite

ENGINES = ("vectorized", "loop", "graph")


class Gradients(NamedTuple):
    """What one pass over the data gives: the cost J and its gradient (dw, db).

    Unpacks in the seed's names: ``J, dw, db = loop_gradients(X, Y, w, b)``.
    """

    cost: float
    dw: Floats  # shape (n, 1), like w
    db: float


def as_weights(w: ArrayLike, n: int) -> Floats:
    """w as an (n, 1) column of finite floats."""
    try:
        array = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"w must be an array of numbers of shape (n, 1): {error}") from None
    if array.shape != (n, 1):
        hint = " (use w.reshape(-1, 1))" if array.size == n else ""
        raise ValueError(
            f"w must have shape (n, 1) = ({n}, 1), a column with one weight per feature; "
            f"got shape {array.shape}{hint}"
        )
    if not np.isfinite(array).all():
        i = int(np.argwhere(~np.isfinite(array))[0][0])
        raise ValueError(f"w[{i}, 0] is {float(array[i, 0])}: weights must be finite numbers")
    return array


def as_bias(b: object, name: str = "b") -> float:
    """b (or another scalar called `name`) as a finite float; a 1-element array is accepted."""
    if isinstance(b, np.ndarray) and b.size == 1:
        b = b.item()
    if isinstance(b, bool) or not isinstance(b, numbers.Real):
        raise ValueError(f"{name} must be a single real number, got {type(b).__name__} {b!r}")
    if not math.isfinite(b):
        raise ValueError(f"{name} is {float(b)}: it must be a finite number")
    return float(b)


def check_problem(
    X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: object
) -> tuple[Floats, Floats, Floats, float]:
    """X (n, m), Y (1, m), w (n, 1) and b, checked against each other."""
    features, labels = check_data(X, Y)
    return features, labels, as_weights(w, features.shape[0]), as_bias(b)


def explain_non_finite(result: Gradients, X: Floats) -> Gradients:
    """A NaN result almost always comes from a NaN in X: name it.

    Checking the *result* costs O(n); scanning X on every call would cost as
    much as the products themselves, so X is only searched when needed.
    """
    if math.isfinite(result.cost) and np.isfinite(result.dw).all() and math.isfinite(result.db):
        return result
    check_finite(X)
    return result
