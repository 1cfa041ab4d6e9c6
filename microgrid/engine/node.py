"""What a node holds: its number, its delta, and how it was made.

Read the engine in this order (docs/architecture.md): this file (the node's
data), then primitives.py (each op's math), backprop.py (the order and the
chain rule), value.py (the operators that record a node, and `backward`).

>>> from microgrid import Value
>>> v = Value(11.0, label="v")
>>> J = 3 * v
>>> J.op, J.constants, J.parents, J.local_derivatives
(<op '*'>, (3.0, None), (Value('v', value=11, delta=0),), (3.0,))

The same source runs as plain Python and, compiled by mypyc, as a C extension
(docs/architecture.md, "One source, two runs"): so every slot has one type.
"""

from __future__ import annotations

from typing import Any, SupportsIndex, TypeVar

from mypy_extensions import mypyc_attr

from microgrid.engine.escapes import escape_hooks
from microgrid.engine.evaluate import beyond_float, is_number, real
from microgrid.engine.primitives import Primitive, leaf

__all__ = ["More", "Node"]

N = TypeVar("N", bound="Node")

# True once any delta has held a Value (backward(create_graph=True)): only then does a
# first-order backward() look for such deltas, which it cannot add numbers to.
recorded_deltas_made = False


@mypyc_attr(allow_interpreted_subclasses=True)
class Node:
    """The data of one node of the graph; `Value` (value.py) adds what a learner does with it."""

    # Nine slots, each with one meaning and one type (compiled, a float is a C double).
    # An op allocates one object, the node: no tuples (CPython's collector runs a full
    # collection every ~70,000 tracked allocations). The public names are properties.
    __slots__ = ("_value", "_delta", "_op", "_a", "_da", "_b", "_db", "_constant", "_more")  # noqa: RUF023

    _value: float  # the number computed in the forward pass (read as `value`)
    _delta: float  # dJ/d(this node) as a number, what backward() adds to (`delta`)
    _op: Primitive  # the op that computed it; `leaf` for a leaf (`op`)
    _a: Node | None  # the op's first input, when it is a node, and
    _da: float  # ∂node/∂_a
    _b: Node | None  # the same for the second input (None: the op took fewer)
    _db: float
    _constant: (
        float | None
    )  # an input that is a plain number (3 in `3 * v`): where _a or _b is None
    _more: More | None  # what most nodes do without: a label, many inputs (sum), a recorded delta

    def __init__(self, value: object, label: object = "") -> None:
        self._value = value if type(value) is float else _real_number(value, label)
        self._delta = 0.0
        self._op = leaf
        self._a = None
        self._da = 0.0
        self._b = None
        self._db = 0.0
        self._constant = None
        self._more = None if type(label) is str and not label else More(_checked_label(label))

    # -- what a learner reads and sets: checked, naming the node ------------

    # Typed `float | Any` (and `str | Any`, `Primitive | Any`): compiled, a property's
    # setter is handed only what its getter's type admits, and the check below must
    # see what was given, to name the node (mypyc's own words name none).
    @property
    def value(self) -> float | Any:
        """The number computed in the forward pass (`data` is the same)."""
        return self._value

    @value.setter
    def value(self, value: object) -> None:
        self._value = value if type(value) is float else _checked_number(self, value, "value")

    @property
    def label(self) -> str | Any:
        """A name for explanations and pictures; "" if none (`named()` sets it)."""
        more = self._more
        return "" if more is None else more.label

    @label.setter
    def label(self, label: object) -> None:
        checked = _checked_label(label)
        more = self._more
        if more is not None:
            more.label = checked
        elif checked:
            self._more = More(checked)

    @property
    def op(self) -> Primitive | Any:
        """The op that computed this node (`mul`, `exp`, ...); `leaf` for a leaf."""
        return self._op

    @op.setter
    def op(self, op: object) -> None:
        if not isinstance(op, Primitive):
            raise TypeError(
                f"op must be a microgrid primitive, got {type(op).__name__} {op!r}"[:200]
                + f" ({_who(self)}; nothing was changed)"
            )
        self._op = op

    def named(self: N, label: object) -> N:
        """Set the label and return the node: ``u = (b * c).named("u")``."""
        self.label = label
        return self

    # -- how the node was made, as tuples (read-only) ------------------------

    @property
    def parents(self: N) -> tuple[N, ...]:
        """The Values this node was computed from, in the op's input order."""
        a, b = self._a, self._b
        if a is None and b is None:
            more = self._more
            return () if more is None else more.parents  # type: ignore[return-value]
        if a is None:
            return (b,)  # type: ignore[return-value]
        return (a,) if b is None else (a, b)  # type: ignore[return-value]

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂node/∂parent for each parent, computed in the forward pass."""
        a, b = self._a, self._b
        if a is None and b is None:
            more = self._more
            return () if more is None else more.derivatives
        if a is None:
            return (self._db,)
        return (self._da,) if b is None else (self._da, self._db)

    @property
    def constants(self) -> tuple[float | None, ...]:
        """The op's inputs in order: a number for each constant, None for each parent.

        So `3 * v` keeps (3.0, None). Empty when all inputs are parents.
        """
        constant = self._constant
        if constant is None:
            more = self._more
            return () if more is None else more.constants
        return (constant, None) if self._a is None else (None, constant)

    def connect(
        self,
        parents: tuple[Node, ...],
        derivatives: tuple[float, ...],
        constants: tuple[float | None, ...],
    ) -> None:
        """Record how this node was made, from tuples (the general path, and unpickling)."""
        if len(parents) != len(derivatives):
            raise ValueError(f"{len(parents)} parent(s) need as many local derivatives")
        self._a = self._b = self._constant = None
        self._da = self._db = 0.0
        more = self._more
        if more is not None:
            more.parents, more.derivatives, more.constants = (), (), ()
        if not constants and len(parents) == 2:  # x * y
            self._a, self._da, self._b, self._db = (
                parents[0],
                derivatives[0],
                parents[1],
                derivatives[1],
            )
        elif not constants and len(parents) == 1:  # f(x)
            self._a, self._da = parents[0], derivatives[0]
        elif len(constants) == 2 and len(parents) == 1:  # x * 3 or 3 * x
            if constants[0] is None:
                self._a, self._da, self._constant = parents[0], derivatives[0], constants[1]
            else:
                self._b, self._db, self._constant = parents[0], derivatives[0], constants[0]
        elif parents or constants:  # sum, dot, or an op applied to numbers only: the tuples
            more = self._more = self._more or More("")
            more.parents, more.derivatives, more.constants = parents, derivatives, constants

    # PyTorch / micrograd spellings.
    @property
    def data(self) -> float | Any:
        return self._value

    @data.setter
    def data(self, value: object) -> None:
        self._value = value if type(value) is float else _checked_number(self, value, "data")

    @property
    def delta(self) -> Any:
        """dJ/d(this node), a float, added to by ``backward()``.

        After ``backward(create_graph=True)`` it is a Value instead, a node you can
        differentiate again (chapter 11). (Typed Any for that reason.)
        """
        more = self._more
        if more is not None and more.recorded is not None:
            return more.recorded
        return self._delta

    @delta.setter
    def delta(self, delta: object) -> None:
        number = delta if type(delta) is float or isinstance(delta, Node) else None
        if number is None:
            number = _checked_number(self, delta, "delta")
        self.set_delta(number)

    @property
    def grad(self) -> Any:
        """PyTorch's name for `delta`."""
        return self.delta

    @grad.setter
    def grad(self, delta: object) -> None:
        number = delta if type(delta) is float or isinstance(delta, Node) else None
        if number is None:
            number = _checked_number(self, delta, "grad")
        self.set_delta(number)

    def set_delta(self, delta: float | Node) -> None:
        """The delta as a number, or as a Value (recorded: higher/recorded.py)."""
        more = self._more
        if isinstance(delta, Node):
            global recorded_deltas_made
            recorded_deltas_made = True
            if more is None:
                more = self._more = More("")
            more.recorded = delta
            self._delta = 0.0  # the number is the Value's own: nothing kept to drift
            return
        self._delta = delta
        if more is not None:
            more.recorded = None

    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        delta = self.delta
        number = delta.value if isinstance(delta, Node) else delta
        return f"Value({label}value={self._value:g}, delta={number:g})"

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
        return format(self._value, spec) if spec else repr(self)

    def __round__(self, ndigits: SupportsIndex | None = None) -> float | int:
        """round(v, 2) is a float, round(v) an int, as for a float: a number for display."""
        return round(self._value) if ndigits is None else round(self._value, ndigits)

    # Comparisons compare values (so masks and np.maximum work); `==` and
    # hashing stay by identity, so Values can be dict keys.
    def __lt__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self._value < number

    def __le__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self._value <= number

    def __gt__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self._value > number

    def __ge__(self, other: object) -> bool:
        number = _compared(other)
        return NotImplemented if number is None else self._value >= number

    def __hash__(self) -> int:
        # By identity, written out: compiled, a class with comparisons inherits no hash.
        return id(self) >> 4

    # -- copying: pickling and deepcopy live in pickling.py ------------------

    def __getstate__(self) -> tuple[Any, ...]:
        """What pickle and copy save: the number, the delta, the label, and how it was made."""
        return (
            self._value, self.delta, self.label, self._op,
            self.parents, self.local_derivatives, self.constants,
        )  # fmt: skip

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        if len(state) == 8:  # written by microgrid 0.1 to 2.x: eight slots
            state = _from_eight_slots(state)
        value, delta, label, op, parents, derivatives, constants = state
        self._value, self._more = float(value), None
        self.label = str(label)
        self.delta = delta
        self._op = leaf if isinstance(op, str) and op == "" else op
        self.connect(tuple(parents), tuple(derivatives), tuple(constants))

    def __copy__(self: N) -> N:
        """A new node with the same slots: same parents, same value and delta."""
        copied: N = type(self)(self._value)
        copied.__setstate__(self.__getstate__())
        return copied


if __file__.endswith(".py"):  # plain Python: object's own identity hash, run in C (faster)
    setattr(Node, "__hash__", object.__hash__)  # noqa: B010 - compiled, the class is fixed


class More:
    """What most nodes do without: a label, many inputs (sum, dot), a recorded delta."""

    __slots__ = ("label", "parents", "derivatives", "constants", "recorded")  # noqa: RUF023

    label: str  # "" if none
    parents: tuple[Node, ...]  # an op with more than two inputs: the inputs that are nodes,
    derivatives: tuple[float, ...]  # ∂node/∂parent for each,
    constants: tuple[float | None, ...]  # and every input: a number, or None for a parent
    recorded: Node | None  # the delta as a Value, after backward(create_graph=True)

    def __init__(self, label: str) -> None:
        self.label = label
        self.parents, self.derivatives, self.constants = (), (), ()
        self.recorded = None


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


def _real_number(value: object, label: object) -> float:
    """The one check of a node's number (Value(...), node.value = ...), naming the node."""
    shown = f" {label!r}" if label else ""
    if not is_number(value):
        raise TypeError(f"Value{shown} needs a real number, got {type(value).__name__} {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise OverflowError(f"Value{shown}: {beyond_float(value)}") from None


def _checked_label(label: object) -> str:
    """A label as a plain str (a str subclass's own formatting never reaches code or pictures)."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}"[:200])
    return str.__str__(label)


def _checked_number(node: Node, delta: object, name: str) -> float:
    """A number set by hand (``node.value = ...``, ``node.grad = ...``): a real number, or an
    error that says which node's is not (the same check in both runs)."""
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


def _compared(other: object) -> float | None:
    """The number a Value is compared with; None lets Python try the other side (an array)."""
    if isinstance(other, Node):
        return other._value
    if is_number(other):
        return float(other)  # type: ignore[arg-type]
    return None
