"""What a node holds: its number, its delta, and how it was made (eight slots).

`Value` (value.py) is a `Node` that can do arithmetic and backprop; this
module is only the data and how to read it back:

>>> from microgrid import Value
>>> v = Value(11.0, label="v")
>>> J = 3 * v
>>> J.op, J.constants, J.parents, J.local_derivatives
('*', (3.0, None), (Value('v', value=11, delta=0),), (3.0,))
"""

from __future__ import annotations

from typing import Any, TypeVar

from microgrid.engine.evaluate import is_number

__all__ = ["Node"]

N = TypeVar("N", bound="Node")


class Node:
    """The data of one node of the graph; see `Value` for what a learner does with it."""

    # In reading order, not sorted: the number, its delta, then how it was made.
    #
    # How it was made is kept in slots, not tuples, so that an op allocates one
    # object, the node (CPython's garbage collector runs a full collection every
    # ~70,000 tracked allocations; a `parents` tuple per node doubled that):
    #   _a, _b   the op's first and second input: a Value, or a number (a constant)
    #   _da, _db ∂node/∂_a and ∂node/∂_b, or None when that input is a constant
    #            or absent (a one-input op has _b = _db = None; a leaf has all None)
    # An op with 0 or 3+ inputs (sum, dot) keeps tuples in the same slots: _a its
    # parents, _da their local derivatives, _b its constants (see `constants`).
    # `parents`, `local_derivatives` and `constants` read them back as tuples.
    __slots__ = ("value", "delta", "label", "op", "_a", "_da", "_b", "_db")  # noqa: RUF023

    value: float
    delta: float
    label: str
    op: str
    _a: Any  # Node | float | tuple[Node, ...] | None (Any: backward reads `_a.delta`)
    _da: Any  # float | tuple[float, ...] | None
    _b: Any  # Node | float | tuple[float | None, ...] | None
    _db: float | None

    def __init__(self, value: float, label: str = "") -> None:
        if type(value) is not float:  # the usual case first: a leaf per parameter
            if not is_number(value):
                raise TypeError(
                    f"Value{f' {label!r}' if label else ''} needs a real number, "
                    f"got {type(value).__name__} {value!r}"
                )
            value = float(value)
        if type(label) is not str:
            label = _plain_label(label)
        self.value = value
        self.delta = 0.0
        self.label = label
        self.op = ""
        self._a = self._da = self._b = self._db = None

    # -- how the node was made, as tuples (read-only) ------------------------

    @property
    def parents(self: N) -> tuple[N, ...]:
        """The Values this node was computed from, in the op's input order."""
        if type(self._da) is tuple:  # an n-ary op
            return self._a  # type: ignore[no-any-return]
        if self._db is None:
            return () if self._da is None else (self._a,)
        return (self._b,) if self._da is None else (self._a, self._b)

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂node/∂parent for each parent, computed in the forward pass."""
        if type(self._da) is tuple:
            return self._da
        if self._db is None:
            return () if self._da is None else (self._da,)
        return (self._db,) if self._da is None else (self._da, self._db)

    @property
    def constants(self) -> tuple[float | None, ...]:
        """The op's inputs in order: a number for each constant, None for each parent.

        So `3 * v` keeps (3.0, None). Empty when all inputs are parents.
        """
        if type(self._da) is tuple:
            return self._b  # type: ignore[no-any-return]
        a_is_constant = self._da is None and self._a is not None
        b_is_constant = self._db is None and self._b is not None
        if not (a_is_constant or b_is_constant):
            return ()
        if self._b is None:  # a one-input op applied to a number
            return (self._a,)
        return (self._a if a_is_constant else None, self._b if b_is_constant else None)

    # PyTorch / micrograd spellings.
    @property
    def data(self) -> float:
        return self.value

    @data.setter
    def data(self, value: float) -> None:
        if not is_number(value):
            raise TypeError(f"data must be a real number, got {type(value).__name__} {value!r}")
        self.value = float(value)

    @property
    def grad(self) -> float:
        return self.delta

    @grad.setter
    def grad(self, delta: float) -> None:
        self.delta = delta

    def named(self: N, label: str) -> N:
        """Set the label and return the node: ``u = (b * c).named("u")``."""
        self.label = label if type(label) is str else _plain_label(label)
        return self

    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        return f"Value({label}value={self.value:g}, delta={self.delta:g})"

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the number (a delta is a Value after create_graph=True)."""
        return format(self.value, spec) if spec else str(self)

    # -- plain numbers and NumPy ---------------------------------------------
    # NumPy treats a Value as an object: `Value * array` and `array * Value`
    # give object arrays of Values, and NumPy's object loops call the methods
    # below (`np.exp` calls `.exp()`, `np.maximum` compares with `>=`), so the
    # learner's vectorized code records the graph entry by entry.

    def __float__(self) -> float:
        """The number, as a plain float: this leaves the graph (no delta flows back)."""
        return self.value

    def item(self) -> float:
        """The number, as a plain float (like ``tensor.item()``): this leaves the graph."""
        return self.value

    # Comparisons compare values (so masks and np.maximum work); `==` and
    # hashing stay by identity, so Values can be dict keys.
    def __lt__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self.value < number

    def __le__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self.value <= number

    def __gt__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self.value > number

    def __ge__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self.value >= number

    __hash__ = object.__hash__

    # -- copying: pickling and deepcopy live in pickling.py ------------------

    def __getstate__(self) -> tuple[Any, ...]:
        """The eight slots, in order (what pickle and copy save)."""
        return (
            self.value, self.delta, self.label, self.op,
            self._a, self._da, self._b, self._db,
        )  # fmt: skip

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.value, self.delta, self.label, self.op,
            self._a, self._da, self._b, self._db,
        ) = state  # fmt: skip

    def __copy__(self: N) -> N:
        """A new node with the same slots: same parents, same value and delta."""
        copied: N = object.__new__(type(self))
        copied.__setstate__(self.__getstate__())
        return copied


def _plain_label(label: object) -> str:
    """A label as a plain str (a str subclass's own formatting never reaches code or pictures)."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
    return str.__str__(label)


def _compared(other: object) -> float | None:
    """The number a Value is compared with; None lets Python try the other side (an array)."""
    if isinstance(other, Node):
        return other.value
    if is_number(other):
        return float(other)  # type: ignore[arg-type]
    return None
