"""Argument checks shared by the models: every mistake gets a message saying what was expected.

Samples are columns (the course's convention): X has shape (n, m), Y has shape (1, m).

>>> features, labels = check_data([[1.0, 2.0], [3.0, 4.0]], [[1, 0]])
>>> features.shape, labels.shape
((2, 2), (1, 2))
>>> check_data([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[1, 0, 1]])
Traceback (most recent call last):
...
ValueError: X has shape (3, 2) but Y has 3 labels: X looks like one sample per row (m, n); ...
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]


def as_features(X: ArrayLike, name: str = "X") -> Floats:
    """X as a 2-D float array (n, m) with at least one feature and one sample."""
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers of shape (n, m): {error}") from None
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n, m): one column per sample "
            f"(got {array.ndim}-D shape {array.shape})"
        )
    if array.size == 0:
        raise ValueError(f"{name} must have at least one feature and one sample, got {array.shape}")
    return array


def as_labels(Y: ArrayLike, m: int | None = None) -> Floats:
    """Y as a (1, m) float array of 0/1 labels (m checked when given)."""
    try:
        array = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Y must be an array of 0/1 labels of shape (1, m): {error}") from None
    if array.ndim != 2 or array.shape[0] != 1:
        hint = " (use Y.reshape(1, -1))" if array.ndim in (1, 2) and array.size else ""
        raise ValueError(
            f"Y must have shape (1, m): one row of labels, one per sample; "
            f"got shape {array.shape}{hint}"
        )
    if m is not None and array.shape[1] != m:
        raise ValueError(f"Y has {array.shape[1]} labels but X has {m} samples (columns)")
    bad = np.flatnonzero((array != 0) & (array != 1))
    if bad.size:
        j = int(bad[0])
        raise ValueError(
            f"labels must be 0 or 1 (1 = cat, 0 = not cat); Y[0, {j}] is {float(array[0, j])!r}"
        )
    return array


def check_data(X: ArrayLike, Y: ArrayLike) -> tuple[Floats, Floats]:
    """X (n, m) and Y (1, m), with a hint when X looks transposed."""
    features = as_features(X)
    labels = as_labels(Y)
    m = labels.shape[1]
    n_rows, n_columns = features.shape
    if n_columns != m:
        if n_rows == m:
            raise ValueError(
                f"X has shape {features.shape} but Y has {m} labels: X looks like one sample "
                f"per row (m, n); microgrid puts samples in columns, X of shape (n, m) = "
                f"({n_columns}, {m}): pass X.T"
            )
        raise ValueError(
            f"X must have shape (n, m) with m = {m} columns (one per label in Y), "
            f"got {features.shape}"
        )
    return features, labels


def check_finite(X: Floats) -> None:
    """Raise naming the first NaN or infinity in X (one pass over X)."""
    if not np.isfinite(X).all():
        i, j = (int(k) for k in np.argwhere(~np.isfinite(X))[0])
        raise ValueError(
            f"X[{i}, {j}] is {float(X[i, j])}: features must be finite numbers "
            "(a missing value? pixels should be in [0, 1])"
        )


def positive_number(value: object, name: str) -> float:
    """`value` as a float if it is a real number > 0 and finite (a learning rate, say)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def whole_number(value: object, name: str) -> int:
    """`value` as an int if it is a whole number >= 0 (a count of iterations, say)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def physical_memory() -> int | None:
    """This machine's memory in bytes (None where the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not on every system
        return None


def check_fits(estimate: float, what: str) -> None:
    """Refuse, before allocating, a job whose memory `estimate` (bytes) exceeds this machine's.

    >>> check_fits(8e15, "training [2, 10**7, 10**7, 1]")
    Traceback (most recent call last):
    ...
    ValueError: training [2, 10**7, 10**7, 1] needs about 8,000,000 GB of memory, more than ...
    """
    memory = physical_memory() or 64 * 2**30
    if estimate > memory:
        raise ValueError(
            f"{what} needs about {estimate / 1e9:,.0f} GB of memory, more than this "
            f"machine's {memory / 1e9:,.0f} GB: choose smaller sizes"
        )
