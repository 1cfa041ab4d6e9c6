"""The engine: a `Value` node, the primitive ops, and backprop.

Every arithmetic operation on Values records a node, so ordinary Python code
builds the computation graph (the seed's u = bc, v = a + u, J = 3v):

>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)

Each node keeps the *local derivatives* ∂node/∂parent, computed in the forward
pass. Backprop is then the chain rule, one generic loop:

    parent.delta += local_derivative * node.delta

Non-finite numbers follow IEEE rules: inf and NaN propagate through every op
(exp(1000) is inf, inf - inf is NaN). Only true domain errors raise: log of a
value <= 0, sqrt of a negative value, division by zero, 0 ** negative.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any, Union

from microgrid.evaluate import _describe, _evaluate, _is_number, _parents_only
from microgrid.modes import _recording, gc_paused, is_grad_enabled, no_grad
from microgrid.primitives import (
    Primitive,
    absolute,
    add,
    bce,
    bce_with_logits,
    div,
    dot_product,
    exp,
    log,
    mul,
    neg,
    power,
    primitive,
    relu,
    sigmoid,
    sqrt,
    sub,
    summation,
    tanh,
)

__all__ = [  # noqa: RUF022 - grouped: the node, recording, the primitives
    "Value",
    "no_grad",
    "is_grad_enabled",
    "gc_paused",
    "topological_order",
    "Primitive",
    "primitive",
    "absolute",
    "add",
    "bce",
    "bce_with_logits",
    "div",
    "dot_product",
    "exp",
    "log",
    "mul",
    "neg",
    "power",
    "relu",
    "sigmoid",
    "sqrt",
    "sub",
    "summation",
    "tanh",
]

Operand = Union["Value", float, int]

# ---------------------------------------------------------------------------
# The node.
# ---------------------------------------------------------------------------


class Value:
    """A node of the computation graph: a number and dJ/d(this number).

    >>> x = Value(2.0, label="x")
    >>> y = (x * x).named("y")
    >>> y.backward()
    >>> y.value, x.delta
    (4.0, 4.0)
    """

    # In reading order, not sorted: the number, its delta, then how it was made.
    #
    # How it was made is kept in slots, not tuples, so that an op allocates one
    # object, the node (CPython's garbage collector runs a full collection every
    # ~70,000 tracked allocations; a `parents` tuple per node doubled that):
    #   _a, _b   the op's first and second input: a Value, or a number (a constant)
    #   _da, _db ∂node/∂_a and ∂node/∂_b, or None when that input is a constant
    #            or absent (a one-input op has _b = _db = None; a leaf has all None)
    #   _more    for ops with 0 or 3+ inputs (sum, dot): the tuples
    #            (parents, local_derivatives, constants); None otherwise
    # `parents`, `local_derivatives` and `constants` read them back as tuples.
    __slots__ = ("value", "delta", "label", "op", "_a", "_da", "_b", "_db", "_more")  # noqa: RUF023

    value: float
    delta: float
    label: str
    op: str
    _a: Any  # Value | float | None (Any: backward reads `_a.delta` once `_da` is set)
    _da: float | None
    _b: Any
    _db: float | None
    _more: tuple[tuple[Value, ...], tuple[float, ...], tuple[float | None, ...]] | None

    def __init__(self, value: float, label: str = "") -> None:
        if not _is_number(value):
            raise TypeError(
                f"Value{f' {label!r}' if label else ''} needs a real number, "
                f"got {type(value).__name__} {value!r}"
            )
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
        self.value = float(value)
        self.delta = 0.0
        self.label = label
        self.op = ""
        self._a = self._da = self._b = self._db = self._more = None

    # -- how the node was made, as tuples (read-only) ------------------------

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in the op's input order."""
        if self._more is not None:
            return self._more[0]
        if self._db is None:
            return () if self._da is None else (self._a,)
        return (self._b,) if self._da is None else (self._a, self._b)

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂node/∂parent for each parent, computed in the forward pass."""
        if self._more is not None:
            return self._more[1]
        if self._db is None:
            return () if self._da is None else (self._da,)
        return (self._db,) if self._da is None else (self._da, self._db)

    @property
    def constants(self) -> tuple[float | None, ...]:
        """The op's inputs in order: a number for each constant, None for each parent.

        So `3 * v` keeps (3.0, None). Empty when all inputs are parents.
        """
        if self._more is not None:
            return self._more[2]
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
        if not _is_number(value):
            raise TypeError(f"data must be a real number, got {type(value).__name__} {value!r}")
        self.value = float(value)

    @property
    def grad(self) -> float:
        return self.delta

    @grad.setter
    def grad(self, delta: float) -> None:
        self.delta = delta

    def named(self, label: str) -> Value:
        """Set the label and return the node: ``u = (b * c).named("u")``."""
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
        self.label = label
        return self

    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        return f"Value({label}value={self.value:g}, delta={self.delta:g})"

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

    # -- pickling and copying: explicit stacks, like every walk --------------
    # Pickling a node the default way recurses into its parents, one level per
    # node (a RecursionError at depth ~200). Instead the first node pickled
    # passes its ancestors, parents first, as a list (pickle saves a list's
    # items in a loop); each of them is then saved flat, with its parents
    # already in pickle's memo. The same works for copy.deepcopy, every protocol,
    # and keeps shared nodes shared.

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        state = (
            self.value, self.delta, self.label, self.op,
            self._a, self._da, self._b, self._db, self._more,
        )  # fmt: skip
        if id(self) in _saved_flat:
            _saved_flat.discard(id(self))
            return (_restored_node, (), state)
        ancestors = topological_order(self)[:-1]
        _saved_flat.update(id(node) for node in ancestors if node.parents)
        return (_restored_node, (ancestors,), state)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.value, self.delta, self.label, self.op,
            self._a, self._da, self._b, self._db, self._more,
        ) = state  # fmt: skip

    def __copy__(self) -> Value:
        copied: Value = object.__new__(Value)
        copied.__setstate__(self.__reduce_ex__(2)[2])
        _saved_flat.difference_update(id(node) for node in topological_order(self))
        return copied

    # -- backprop ----------------------------------------------------------

    def backward(self, delta: float = 1.0) -> None:
        """Backprop from this node: every node under it gets dJ/dnode added to `delta`.

        Calls accumulate, as in PyTorch; use `zero_grad()` to start afresh. All or
        nothing: if the pass is interrupted, every delta is put back as it was.
        One graph, one thread at a time (independent graphs in threads are fine).
        """
        if not _is_number(delta):
            raise TypeError(f"backward(delta=...) needs a number, got {delta!r}")
        if self.op and not self.parents:
            name = f" {self.label!r}" if self.label else ""
            raise RuntimeError(
                f"backward(): node{name} was computed by {str(self.op)!r} under no_grad(), "
                "so it has no recorded inputs to backprop into; build it outside no_grad()"
            )
        order = topological_order(self)
        # Deltas from earlier calls are set aside so this pass computes clean
        # dJ/dnode values, then added back: repeated calls accumulate.
        earlier = [node.delta for node in order]
        accumulate = any(earlier)
        try:
            if accumulate:
                for node in order:
                    node.delta = 0.0
            self.delta = float(delta)
            for node in reversed(order):  # children before parents
                node_delta = node.delta
                # The chain rule, parent.delta += local_derivative * node.delta, for
                # each parent: the two input slots, then an n-ary node's tuples.
                if node._da is not None:
                    node._a.delta += node._da * node_delta
                if node._db is not None:
                    node._b.delta += node._db * node_delta
                if node._more is not None:
                    parents, local_derivatives, _ = node._more
                    # Aligned by construction; zip(strict=True) would double this loop's cost.
                    for parent, local in zip(parents, local_derivatives):  # noqa: B905
                        parent.delta += local * node_delta
        except BaseException:  # even KeyboardInterrupt: leave the deltas as they were
            for node, before in zip(order, earlier, strict=True):
                node.delta = before
            raise
        if accumulate:
            for node, before in zip(order, earlier, strict=True):
                node.delta += before

    def zero_grad(self) -> None:
        """Set `delta` to 0 on every node under (and including) this one."""
        for node in topological_order(self):
            node.delta = 0.0

    def recompute(self) -> None:
        """Recompute `value` and `local_derivatives` from the parents' current values.

        `replay` calls this in topological order after leaves change.
        """
        if not self.parents:
            return
        self.value, derivatives = _recomputed(self, {})
        _set_local_derivatives(self, derivatives)

    def _operands(self) -> tuple[Operand, ...]:
        """Parents and constants in the op's input order."""
        if not self.constants:
            return self.parents
        parents = iter(self.parents)
        return tuple(next(parents) if c is None else c for c in self.constants)

    # -- operators: each one records a node through its primitive ------------

    def __add__(self, other: Operand) -> Value:
        return _binary(add, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(add, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(sub, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(sub, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(mul, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(mul, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(div, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(div, other, self)

    def __pow__(self, other: Operand) -> Value:
        _check_power(self, other)
        return _binary(power, self, other)

    def __rpow__(self, other: Operand) -> Value:
        _check_power(other, self)
        return _binary(power, other, self)

    def __neg__(self) -> Value:
        return _unary(neg, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(absolute, self)

    def exp(self) -> Value:
        return _unary(exp, self)

    def log(self) -> Value:
        return _unary(log, self)

    def sigmoid(self) -> Value:
        return _unary(sigmoid, self)

    def tanh(self) -> Value:
        return _unary(tanh, self)

    def relu(self) -> Value:
        return _unary(relu, self)

    def sqrt(self) -> Value:
        return _unary(sqrt, self)

    def abs(self) -> Value:
        return _unary(absolute, self)


def topological_order(root: Value) -> list[Value]:
    """Every node under `root`, each after all of its parents; `root` is last.

    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> [n.label for n in topological_order((a * b).named("c"))]
    ['a', 'b', 'c']
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order() needs a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()
    # An explicit stack, never recursion: a graph 10^6 deep is fine. A None on
    # the stack means "the node below me has all its parents in `order`: emit
    # it" (a marker rather than (node, flag) pairs: no tuple per node, which
    # keeps the garbage collector quiet on big graphs).
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())  # type: ignore[arg-type]
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            # Reversed so the first parent is emitted first (a stable, readable order).
            # The input slots are read directly: `node.parents` would build a tuple.
            if node._more is not None:
                for parent in reversed(node._more[0]):
                    if parent not in visited:
                        stack.append(parent)
            else:
                if node._db is not None and node._b not in visited:
                    stack.append(node._b)
                if node._da is not None and node._a not in visited:
                    stack.append(node._a)
    return order


# ---------------------------------------------------------------------------
# Recording a node.
#
# These functions run once per operation, so they are the engine's hot path:
# `_binary` and `_unary` handle the everyday cases (Value op Value, Value op
# number) with exact type tests and no loops; `_record` is the general path
# for any primitive, any number of inputs. All of them end in `_node`.
# ---------------------------------------------------------------------------

# object.__new__ skips Value.__init__'s checks (the inputs are already checked);
# looked up once, here, rather than on every op.
_new = object.__new__
_PLAIN_NUMBERS = frozenset({float, int})  # numbers used as they are (others via _is_number)
_value_of_node = operator.attrgetter("value")


def _node(
    op: Primitive,
    value: float,
    parents: tuple[Value, ...],
    local_derivatives: tuple[float, ...],
    constants: tuple[float | None, ...],
) -> Value:
    """A computed node; under `no_grad()` it is connected to nothing."""
    node: Value = _new(Value)
    node.value = value
    node.delta = 0.0
    node.label = ""
    node.op = op
    node._a = node._da = node._b = node._db = node._more = None
    if not _recording.get():
        return node
    inputs = len(constants) if constants else len(parents)
    if inputs == 1 or inputs == 2:  # the input slots: one object per op
        derivatives = iter(local_derivatives)
        for position, parent in enumerate(_inputs_of(parents, constants)):
            derivative = next(derivatives) if isinstance(parent, Value) else None
            if position == 0:
                node._a, node._da = parent, derivative
            else:
                node._b, node._db = parent, derivative
    else:
        node._more = (parents, local_derivatives, constants)
    return node


def _inputs_of(
    parents: tuple[Value, ...], constants: tuple[float | None, ...]
) -> tuple[Value | float, ...]:
    """Parents and constants in the op's input order."""
    if not constants:
        return parents
    remaining = iter(parents)
    return tuple(next(remaining) if c is None else c for c in constants)


def _set_local_derivatives(node: Value, derivatives: Sequence[float]) -> None:
    """Replace `node`'s local derivatives, one per parent (replay, gradcheck)."""
    derivatives = tuple(derivatives)
    if len(derivatives) != len(node.parents):
        raise ValueError(
            f"{node!r} has {len(node.parents)} parent(s), got {len(derivatives)} local derivatives"
        )
    if node._more is not None:
        parents, _, constants = node._more
        node._more = (parents, derivatives, constants)
        return
    remaining = iter(derivatives)
    if node._da is not None:
        node._da = next(remaining)
    if node._db is not None:
        node._db = next(remaining)


def _binary(op: Primitive, left: Operand, right: Operand) -> Value:
    """Record `left op right`: every two-input operator comes here.

    (`**` checks its operands first: see `_check_power`.)
    """
    # The inputs go in the node's slots _a, _b with their local derivatives
    # _da, _db; a constant input keeps None as its derivative (see Value).
    da: float | None
    db: float | None
    try:
        if type(left) is Value:
            if type(right) is Value:  # x * y (and x * x: both edges kept)
                value, (da, db) = op.forward(left.value, right.value)
            elif type(right) is float or type(right) is int:  # x - 1
                if type(right) is int:
                    right = float(right)
                value, (da, _) = op.forward(left.value, right)
                db = None
            else:
                return _binary_general(op, left, right)
        elif type(right) is Value and (type(left) is float or type(left) is int):  # 3 * v
            if type(left) is int:
                left = float(left)
            value, (_, db) = op.forward(left, right.value)
            da = None
        else:
            return _binary_general(op, left, right)
    except (ValueError, ZeroDivisionError) as error:
        raise type(error)(f"{_describe(op, (left, right))}: {error}") from None
    # `_node`, written out: this runs for every + - * / ** in a model.
    node: Value = _new(Value)
    node.value = value
    node.delta = 0.0
    node.label = ""
    node.op = op
    node._more = None
    if _recording.get():
        node._a = left
        node._da = da
        node._b = right
        node._db = db
    else:
        node._a = node._da = node._b = node._db = None
    return node


def _binary_general(op: Primitive, left: Operand, right: Operand) -> Value:
    """`left op right` for NumPy scalars, bools, Value subclasses: the general path."""
    # For a non-number, let Python try the other operand (a NumPy array of
    # Values, say) or raise its usual TypeError.
    for operand in (left, right):
        if not isinstance(operand, Value) and not _is_number(operand):
            return NotImplemented  # type: ignore[no-any-return]
    return _record(op, (left, right))


def _unary(op: Primitive, x: Value) -> Value:
    """Record `op(x)` for the one-input methods (exp, log, relu, ...)."""
    try:
        value, derivatives = op.forward(x.value)
    except (ValueError, ZeroDivisionError) as error:
        raise type(error)(f"{_describe(op, (x,))}: {error}") from None
    node: Value = _new(Value)
    node.value = value
    node.delta = 0.0
    node.label = ""
    node.op = op
    node._b = node._db = node._more = None
    if _recording.get():
        node._a = x
        (node._da,) = derivatives
    else:
        node._a = node._da = None
    return node


def _check_power(base: Operand, exponent: Operand) -> None:
    # d(x^y)/dy = x^y · ln x needs x >= 0 once y is a Value (something we differentiate by).
    if isinstance(exponent, Value) and _value_of(base) < 0:
        raise ValueError(
            f"{_describe(power, (base, exponent))}: a Value exponent needs a base >= 0 "
            "(∂/∂exponent = base^exponent · ln(base))"
        )


# Nodes whose ancestors are already on their way into the pickle being written
# (by id; a stale entry only makes one later save one level deeper).
_saved_flat: set[int] = set()


def _restored_node(ancestors: object = None) -> Value:
    """A blank node for pickle and deepcopy to fill in (the ancestors came first)."""
    return object.__new__(Value)


def _compared(other: object) -> float | None:
    """The number a Value is compared with; None lets Python try the other side (an array)."""
    if isinstance(other, Value):
        return other.value
    if _is_number(other):
        return float(other)  # type: ignore[arg-type]
    return None


def _value_of(operand: Operand) -> float:
    return operand.value if isinstance(operand, Value) else float(operand)


def _record(op: Primitive, operands: Sequence[Operand]) -> Value:
    """Run `op` forward on the operands and, unless in no_grad, record the node.

    The general path: any primitive, Values and plain numbers mixed.
    """
    operands = tuple(operands)
    if op is power and len(operands) == 2:
        _check_power(*operands)
    constants: tuple[float | None, ...] = ()
    if set(map(type, operands)) == {Value}:  # every input is a parent (C-speed test)
        inputs: list[float] = list(map(_value_of_node, operands))
        parents: tuple[Value, ...] = operands  # type: ignore[assignment]
    else:
        inputs = []
        template: list[float | None] = []
        for position, operand in enumerate(operands, start=1):
            if isinstance(operand, Value):
                inputs.append(operand.value)
                template.append(None)
            elif _is_number(operand):
                inputs.append(float(operand))
                template.append(inputs[-1])
            else:
                raise TypeError(
                    f"{op}: input {position} is {type(operand).__name__} {operand!r}; "
                    "expected a Value or a real number"
                )
        parents = tuple(operand for operand in operands if isinstance(operand, Value))
        constants = tuple(template)
    value, derivatives = _evaluate(op, inputs, operands)
    return _node(op, value, parents, _parents_only(derivatives, constants), constants)


def _recomputed(node: Value, new_values: Mapping[Value, float]) -> tuple[float, tuple[float, ...]]:
    """`node`'s value and local derivatives from its parents' values, changing nothing.

    A parent's value is taken from `new_values` if it is there, else from the parent.
    The same checks as the operators apply (a Value exponent needs a base >= 0).
    """
    op = node.op
    assert isinstance(op, Primitive)
    parents = iter(node.parents)
    operands: list[Operand] = (
        [next(parents) if c is None else c for c in node.constants]
        if node.constants
        else list(node.parents)
    )
    inputs = [new_values.get(o, o.value) if isinstance(o, Value) else float(o) for o in operands]
    # Shown in an error with their new values (the labels are the nodes').
    shown = [
        Value(x, label=o.label) if isinstance(o, Value) else x
        for o, x in zip(operands, inputs, strict=True)
    ]
    if op is power and len(shown) == 2:
        _check_power(*shown)
    value, derivatives = _evaluate(op, inputs, shown)
    return value, _parents_only(derivatives, node.constants)


# Calling a primitive on Values (`mul(x, 2)`) records a node, without the math importing the engine.
Primitive.record = staticmethod(_record)
