"""What a node holds: its number, its delta, and how it was made.

`Value` (value.py) is a `Node` that can do arithmetic and backprop; this
module is only the data and how to read it back:

>>> from microgrid import Value
>>> v = Value(11.0, label="v")
>>> J = 3 * v
>>> J.op, J.constants, J.parents, J.local_derivatives
('*', (3.0, None), (Value('v', value=11, delta=0),), (3.0,))

The same source runs as plain Python and, compiled by mypyc, as a C extension
(docs/architecture.md, "One source, two runs"): so every slot has one type.
"""

from __future__ import annotations

from typing import Any, SupportsIndex, TypeVar

from mypy_extensions import mypyc_attr

from microgrid.engine.escapes import escape_hooks
from microgrid.engine.evaluate import beyond_float, is_number, real
from microgrid.engine.primitives import Primitive, leaf

__all__ = ["ManyInputs", "Node"]

N = TypeVar("N", bound="Node")

# True once any delta has held a Value (backward(create_graph=True)): only then does a
# first-order backward() look for such deltas, which it cannot add numbers to.
recorded_deltas_made = False


@mypyc_attr(allow_interpreted_subclasses=True)
class Node:
    """The data of one node of the graph; see `Value` for what a learner does with it."""

    # In reading order, not sorted: the number, its delta, then how it was made.
    #
    # How it was made is kept in slots, not tuples, so that an op allocates one
    # object, the node (CPython's garbage collector runs a full collection every
    # ~70,000 tracked allocations; a `parents` tuple per node doubled that).
    # Each slot has one meaning and one type (compiled, a float slot is a C double):
    #   _delta    dJ/d(this node), the number backward() adds to (read it as `delta`)
    #   _recorded the same derivative as a Value, after backward(create_graph=True);
    #             else None (`delta` then gives that Value: chapter 11)
    #   _a, _da   the op's first input, when it is a node, and ∂node/∂_a
    #   _b, _db   the same for the second input (None for a one-input op)
    #   _constant an input that is a plain number: 3 in `3 * v` or `v - 3`
    #   _inputs   how many inputs the op took: 1 or 2 (0 for a leaf, or under no_grad())
    #   _many     an op with 0 or 3+ inputs, or two constants (sum, dot): its tuples
    #   _walk     the last walk that reached this node (`topological_order`'s mark)
    # `parents`, `local_derivatives` and `constants` read them back as tuples.
    __slots__ = (  # noqa: RUF023
        "value", "_delta", "label", "op",
        "_a", "_da", "_b", "_db", "_constant", "_inputs", "_many", "_walk", "_recorded",
    )  # fmt: skip

    value: float
    _delta: float
    label: str
    op: Primitive
    _a: Node | None
    _da: float
    _b: Node | None
    _db: float
    _constant: float
    _inputs: int
    _many: ManyInputs | None
    _walk: int
    _recorded: Node | None

    def __init__(self, value: object, label: object = "") -> None:
        if type(value) is float:  # the usual case first: a leaf per parameter, each node
            number: float = value
        else:
            number = _real_number(value, label)
        self.value = number
        self._delta = 0.0
        self.label = label if type(label) is str else _plain_label(label)
        self.op = leaf
        self._a = None
        self._da = 0.0
        self._b = None
        self._db = 0.0
        self._constant = 0.0
        self._inputs = 0
        self._many = None
        self._walk = 0
        self._recorded = None

    # -- how the node was made, as tuples (read-only) ------------------------

    @property
    def parents(self: N) -> tuple[N, ...]:
        """The Values this node was computed from, in the op's input order."""
        many = self._many
        if many is not None:
            return many.parents  # type: ignore[return-value]
        a, b = self._a, self._b
        if a is None:
            return () if b is None else (b,)  # type: ignore[return-value]
        return (a,) if b is None else (a, b)  # type: ignore[return-value]

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂node/∂parent for each parent, computed in the forward pass."""
        many = self._many
        if many is not None:
            return many.derivatives
        if self._a is None:
            return () if self._b is None else (self._db,)
        return (self._da,) if self._b is None else (self._da, self._db)

    @property
    def constants(self) -> tuple[float | None, ...]:
        """The op's inputs in order: a number for each constant, None for each parent.

        So `3 * v` keeps (3.0, None). Empty when all inputs are parents.
        """
        many = self._many
        if many is not None:
            return many.constants
        if self._inputs == 2:
            if self._a is None:
                return (self._constant, None)
            if self._b is None:
                return (None, self._constant)
        return ()

    def connect(
        self,
        parents: tuple[Node, ...],
        derivatives: tuple[float, ...],
        constants: tuple[float | None, ...],
    ) -> None:
        """Record how this node was made, from tuples (the general path, and unpickling)."""
        inputs = len(constants) if constants else len(parents)
        if len(parents) != len(derivatives):
            raise ValueError(f"{len(parents)} parent(s) need as many local derivatives")
        self._a, self._b, self._many = None, None, None
        self._da = self._db = self._constant = 0.0
        self._inputs = 0
        if inputs == 1 and parents:  # f(x): the first input slot
            self._a, self._da = parents[0], derivatives[0]
        elif inputs == 2 and parents and len(parents) == 2:  # x * y
            self._a, self._da, self._b, self._db = (
                parents[0],
                derivatives[0],
                parents[1],
                derivatives[1],
            )
        elif inputs == 2 and parents:  # x * 3 or 3 * x
            if constants[0] is None:
                self._a, self._da = parents[0], derivatives[0]
                self._constant = _number(constants[1])
            else:
                self._b, self._db = parents[0], derivatives[0]
                self._constant = _number(constants[0])
        elif inputs:  # sum, dot, or an op applied to numbers only: the tuples
            self._many = ManyInputs(parents, derivatives, constants)
            return
        self._inputs = inputs

    # PyTorch / micrograd spellings.
    @property
    def data(self) -> float:
        return self.value

    @data.setter
    def data(self, value: object) -> None:
        if not is_number(value):
            raise TypeError(f"data must be a real number, got {type(value).__name__} {value!r}")
        self.value = real(value, "data")

    @property
    def delta(self) -> Any:
        """dJ/d(this node), a float, added to by ``backward()``.

        After ``backward(create_graph=True)`` it is a Value instead, a node you can
        differentiate again (chapter 11). (Typed Any for that reason.)
        """
        recorded = self._recorded
        return self._delta if recorded is None else recorded

    @delta.setter
    def delta(self, delta: object) -> None:
        if type(delta) is float:  # the usual case: zero_grad, an optimizer
            self._delta = delta
        elif isinstance(delta, Node):  # a recorded derivative (higher.py)
            global recorded_deltas_made
            recorded_deltas_made = True
            self._delta = delta.value
            self._recorded = delta
            return
        else:
            self._delta = _checked_delta(self, delta, "delta")
        self._recorded = None

    @property
    def grad(self) -> Any:
        """PyTorch's name for `delta`."""
        return self.delta

    @grad.setter
    def grad(self, delta: object) -> None:
        if isinstance(delta, Node):  # a recorded derivative, as `delta` takes it
            self.delta = delta
            return
        self._delta = _checked_delta(self, delta, "grad")
        self._recorded = None

    def named(self: N, label: object) -> N:
        """Set the label and return the node: ``u = (b * c).named("u")``."""
        self.label = label if type(label) is str else _plain_label(label)
        return self

    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        return f"Value({label}value={self.value:g}, delta={self._delta:g})"

    # -- plain numbers and NumPy ---------------------------------------------
    # NumPy treats a Value as an object: `Value * array` and `array * Value`
    # give object arrays of Values, and NumPy's object loops call the methods
    # below (`np.exp` calls `.exp()`, `np.maximum` compares with `>=`), so the
    # learner's vectorized code records the graph entry by entry.

    def __float__(self) -> float:
        """The number, as a plain float: this leaves the graph, which warns while recording.

        `math.exp(v)`, `np.float64(v)` and `np.array(vs, dtype=float)` come here too;
        the hook that `import microgrid` registers says where, and what to write instead.
        """
        for hook in escape_hooks:  # none: nothing to do (microgrid/engine/escapes.py)
            hook(self, "float")
        return self.value

    def __int__(self) -> int:
        """The number, truncated to an int (as int(2.7) is 2): this leaves the graph too."""
        for hook in escape_hooks:
            hook(self, "int")
        return int(self.value)

    def item(self) -> float:
        """The number, as a plain float (like ``tensor.item()``): the silent way out."""
        for hook in escape_hooks:  # silent; check_backprop looks for a cost ending in .item()
            hook(self, "item")
        return self.value

    # Printing and formatting show the number and never warn: f"{v:.2f}", round(v, 2).
    def __format__(self, spec: str) -> str:
        return format(self.value, spec) if spec else repr(self)

    def __round__(self, ndigits: SupportsIndex | None = None) -> float | int:
        """round(v, 2) is a float, round(v) an int, as for a float: a number for display."""
        return round(self.value) if ndigits is None else round(self.value, ndigits)

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

    def __hash__(self) -> int:
        # By identity, written out (compiled, `__hash__ = object.__hash__` would be dropped).
        return id(self) >> 4

    # -- copying: pickling and deepcopy live in pickling.py ------------------

    def __getstate__(self) -> tuple[Any, ...]:
        """What pickle and copy save: the number, the delta, the label, and how it was made."""
        return (
            self.value, self.delta, self.label, self.op,
            self.parents, self.local_derivatives, self.constants,
        )  # fmt: skip

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        if len(state) == 8:  # written by microgrid 0.1 to 2.x: eight slots
            state = _from_eight_slots(state)
        value, delta, label, op, parents, derivatives, constants = state
        self.value, self.label = float(value), str(label)
        self._recorded = None
        self.delta = delta
        self.op = leaf if isinstance(op, str) and op == "" else op
        self._walk = 0
        self.connect(tuple(parents), tuple(derivatives), tuple(constants))

    def __copy__(self: N) -> N:
        """A new node with the same slots: same parents, same value and delta."""
        copied: N = type(self)(self.value, self.label)
        copied.__setstate__(self.__getstate__())
        return copied


class ManyInputs:
    """The inputs of an op with many (sum, dot): parents, their local derivatives, constants."""

    parents: tuple[Node, ...]
    derivatives: tuple[float, ...]
    constants: tuple[float | None, ...]  # empty when every input is a parent

    def __init__(
        self,
        parents: tuple[Node, ...],
        derivatives: tuple[float, ...],
        constants: tuple[float | None, ...],
    ) -> None:
        self.parents = parents
        self.derivatives = derivatives
        self.constants = constants


def _from_eight_slots(state: tuple[Any, ...]) -> tuple[Any, ...]:
    """A node as microgrid 0.1 pickled it (_a/_da/_b/_db changed meaning) as the new state."""
    value, delta, label, op, a, da, b, db = state
    if type(da) is tuple:  # sum, dot: the tuples were in the slots
        return (value, delta, label, op, a, da, b)
    inputs = [(a, da), (b, db)] if (b is not None or db is not None) else [(a, da)]
    if a is None and da is None and len(inputs) == 1:
        return (value, delta, label, op, (), (), ())  # a leaf, or made under no_grad()
    parents = tuple(x for x, d in inputs if d is not None)
    derivatives = tuple(d for _, d in inputs if d is not None)
    constants = tuple(None if d is not None else x for x, d in inputs)
    return (
        value,
        delta,
        label,
        op,
        parents,
        derivatives,
        () if all(c is None for c in constants) else constants,
    )


def _number(constant: float | None) -> float:
    assert constant is not None
    return constant


def _real_number(value: object, label: object) -> float:
    shown = f" {label!r}" if label else ""
    if not is_number(value):
        raise TypeError(f"Value{shown} needs a real number, got {type(value).__name__} {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise OverflowError(f"Value{shown}: {beyond_float(value)}") from None


def _checked_delta(node: Node, delta: object, name: str) -> float:
    """A delta set by hand (``node.grad = ...``) must be a real number: say which node's is not."""
    if not is_number(delta) or type(delta) is bool:
        shown = f"{type(delta).__name__} {delta!r}"[:200]
        raise TypeError(
            f"{name} must be a real number, got {shown} ({_who(node)}; nothing was changed)"
        )
    try:
        return real(delta, name)
    except OverflowError as error:  # x.delta = 10**400: which node, as for a TypeError
        raise OverflowError(f"{error} ({_who(node)}; nothing was changed)") from None


def _who(node: Node) -> str:
    return f"node {node.label!r}" if node.label else repr(node)


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
