"""Parameter arrays: object arrays of Values whose matrix products make one node per entry.

NumPy multiplies object arrays entry by entry with Python's ``*`` and ``+``,
so ``np.dot(W1, X)`` for a (7, 12288) ``W1`` records 12,288 products and
12,287 sums for each entry of ``Z1``: 24,575 nodes where the math has one
dot product. `ParameterArray` is an ordinary object ndarray of Values that
overrides only ``np.dot``, ``@`` and ``.dot``: each entry of the product is one
`microgrid.dot` node (the engine's n-ary op). The entries that ``entries=``
does not check are `UncheckedValue` leaves: Values, so that ``np.tanh`` and
friends work on every entry, but a product treats them as plain numbers that
NumPy sums as floats. The values are the same (to rounding); the graph is
smaller by the width of the layer.

>>> import numpy as np
>>> from microgrid import Value
>>> W = ParameterArray.of([[Value(1.0, label="w1"), Value(2.0, label="w2")]])
>>> Z = np.dot(W, np.array([[3.0], [4.0]]))
>>> Z[0, 0].op, Z[0, 0].value, len(Z[0, 0].parents)
(<op 'dot'>, 11.0, 2)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from microgrid.engine import Value
from microgrid.engine.nary import dot

__all__ = [
    "CheckTooBig",
    "ParameterArray",
    "UncheckedValue",
    "data_columns",
    "edge_budget",
    "matrix_product",
]

# Edges (parent references) products may still record in this check; None: no limit.
_edges_left: ContextVar[list[int] | None] = ContextVar("microgrid_edges_left", default=None)
# The column counts of plain-number arrays multiplied by a parameter (W1 @ X: X's m).
_columns_seen: ContextVar[set[int] | None] = ContextVar("microgrid_columns_seen", default=None)


class CheckTooBig(MemoryError):
    """The products of this check would record more edges than its budget allows."""


@contextmanager
def edge_budget(edges: int | None) -> Iterator[None]:
    """Let the matrix products inside record at most `edges` edges (about 60 bytes each)."""
    token = _edges_left.set(None if edges is None else [edges])
    try:
        yield
    finally:
        _edges_left.reset(token)


@contextmanager
def data_columns() -> Iterator[set[int]]:
    """Collect the column counts of the plain arrays that parameters multiply (X in W1 @ X).

    One count is the number of samples m the learner's cost runs on; the check's
    hints use it ("m = 3, so not a missing 1/m") when ``data=`` was not given.
    """
    seen: set[int] = set()
    token = _columns_seen.set(seen)
    try:
        yield seen
    finally:
        _columns_seen.reset(token)


def _spend(edges: int, A: np.ndarray, B: np.ndarray) -> None:
    left = _edges_left.get()
    if left is None:
        return
    left[0] -= edges
    if left[0] < 0:
        raise CheckTooBig(
            f"this check would record more edges than max_edges allows: the product "
            f"{A.shape} @ {B.shape} alone needs {edges:,} (about 60 bytes each); check on "
            "fewer columns (samples=) or fewer entries (entries=), or raise max_edges"
        )


class UncheckedValue(Value):
    """A parameter entry that is not checked: a Value to NumPy, a constant to a product."""

    __slots__ = ()


class ParameterArray(np.ndarray):
    """An object array of Values (and plain numbers) whose dot products are n-ary nodes."""

    @staticmethod
    def of(entries: Any) -> ParameterArray:
        array = np.empty(np.shape(entries), dtype=object)
        array[...] = entries
        return array.view(ParameterArray)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.dot and len(args) == 2 and not kwargs:
            product = matrix_product(args[0], args[1])
            if product is not None:
                return product
        return super().__array_function__(func, types, args, kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if ufunc is np.matmul and method == "__call__" and len(inputs) == 2 and not kwargs:
            product = matrix_product(inputs[0], inputs[1])
            if product is not None:
                return product
        # Any other ufunc: on plain views, so results are ordinary arrays.
        plain = tuple(x.view(np.ndarray) if isinstance(x, ParameterArray) else x for x in inputs)
        if "out" in kwargs:
            kwargs["out"] = tuple(
                x.view(np.ndarray) if isinstance(x, ParameterArray) else x for x in kwargs["out"]
            )
        return getattr(ufunc, method)(*plain, **kwargs)

    def dot(self, b: Any, out: Any = None) -> Any:
        if out is None:
            return np.dot(self, b)
        return self.view(np.ndarray).dot(b, out)

    def __reduce__(self) -> Any:  # pickles as a plain object array
        return self.view(np.ndarray).__reduce__()


def _as_matrix(x: Any) -> np.ndarray | None:
    array = x.view(np.ndarray) if isinstance(x, np.ndarray) else np.asarray(x)
    if array.ndim not in (1, 2) or array.size == 0:
        return None
    return array


def _value_mask(array: np.ndarray) -> np.ndarray | None:
    """True where the entry is a Value; None when some entry is not a number at all."""
    if array.dtype != object:
        return np.zeros(array.shape, dtype=bool) if array.dtype.kind in "biuf" else None
    kinds = np.frompyfunc(_kind, 1, 1)(array)
    if np.any(kinds == 2):  # (np.any: NumPy 2.5's stubs type `kinds == 2` as bool | Any)
        return None
    return np.asarray(kinds == 1, dtype=bool)


def _kind(x: object) -> int:
    if isinstance(x, Value):
        return 0 if type(x) is UncheckedValue else 1
    if isinstance(x, (int, float, np.integer, np.floating)):
        return 0
    return 2


def _number(x: object) -> object:
    return x.value if isinstance(x, Value) else x


_numbers_of = np.frompyfunc(_number, 1, 1)


def _floats(array: np.ndarray) -> np.ndarray:
    """The numbers of an array (an UncheckedValue gives its value; no float() on a Value)."""
    if array.dtype != object:
        return array.astype(np.float64)
    return np.asarray(_numbers_of(array), dtype=np.float64)


def matrix_product(a: Any, b: Any) -> Any:
    """``a @ b`` (1-D or 2-D, as ``np.dot``) with one `dot` node per entry that involves Values.

    Returns None when it does not apply (no Values, other ranks, mismatched
    shapes, entries that are not numbers): NumPy then does the product itself,
    and raises its own error for a shape mismatch.
    """
    A, B = _as_matrix(a), _as_matrix(b)
    if A is None or B is None or (A.dtype != object and B.dtype != object):
        return None
    A2 = A.reshape(1, -1) if A.ndim == 1 else A
    B2 = B.reshape(-1, 1) if B.ndim == 1 else B
    if A2.shape[1] != B2.shape[0]:
        return None
    mask_a, mask_b = _value_mask(A2), _value_mask(B2)
    if mask_a is None or mask_b is None:
        return None
    if not mask_b.any():
        if not mask_a.any() and (_has_values(A2) or _has_values(B2)):
            return None  # unchecked entries only: NumPy's own product records them
        _spend(int(mask_a.sum()) * B2.shape[1], A2, B2)
        seen = _columns_seen.get()
        if seen is not None and B.ndim == 2 and B.dtype != object:
            seen.add(B.shape[1])  # parameters @ data: the data's columns are the samples
        product = _values_times_numbers(A2, mask_a, _floats(B2))
    elif not mask_a.any():  # numbers @ Values: (Bᵀ Aᵀ)ᵀ, the same products
        _spend(int(mask_b.sum()) * A2.shape[0], A2, B2)
        product = _values_times_numbers(B2.T, mask_b.T, _floats(A2.T)).T
    else:
        _spend(2 * A2.shape[0] * A2.shape[1] * B2.shape[1], A2, B2)
        product = _values_times_values(A2, B2)
    if A.ndim == 1 and B.ndim == 1:
        return product[0, 0]
    if A.ndim == 1:
        return product[0]
    if B.ndim == 1:
        return product[:, 0]
    return product


def _has_values(array: np.ndarray) -> bool:
    return array.dtype == object and any(isinstance(x, Value) for x in array.flat)


def _values_times_numbers(
    A: np.ndarray,
    mask: np.ndarray,
    B: np.ndarray,
) -> np.ndarray:
    """A (Values and numbers) @ B (numbers): z[i, j] = dot(Values of row i, their x's) + rest.

    Every entry of the result is a Value (a constant one where the row has no
    checked entry), so that NumPy's object loops (np.tanh, np.exp) find a method.
    """
    rows, columns = A.shape[0], B.shape[1]
    out = np.empty((rows, columns), dtype=object)
    numbers_only = _floats(np.where(mask, 0.0, A)) @ B  # the plain-number part
    has_numbers = np.asarray((~mask).any(axis=1), dtype=bool)
    for i in range(rows):
        positions = np.flatnonzero(mask[i])
        if positions.size == 0:
            out[i] = [Value(r) for r in numbers_only[i].tolist()]
            continue
        weights = tuple(A[i, positions])  # shared by every node of the row
        xs = B[positions].T.tolist()
        if has_numbers[i]:
            rest = numbers_only[i].tolist()
            out[i] = [dot(weights, x) + r for x, r in zip(xs, rest, strict=True)]
        else:
            out[i] = [dot(weights, x) for x in xs]
    return out


def _values_times_values(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Values on both sides (W2 @ A1): one dot node per entry, numbers kept as constants."""
    out = np.empty((A.shape[0], B.shape[1]), dtype=object)
    columns = [tuple(B[:, j]) for j in range(B.shape[1])]
    for i in range(A.shape[0]):
        row = tuple(A[i])
        out[i] = [dot(row, column) for column in columns]
    return out
