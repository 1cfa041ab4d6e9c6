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
from collections.abc import Callable, Mapping, Sequence
from itertools import filterfalse
from typing import ClassVar, Union

from microgrid.engine.evaluate import (
    beyond_float,
    describe,
    evaluate,
    is_number,
    parents_only,
    real,
)
from microgrid.engine.modes import recording_flag
from microgrid.engine.node import Node
from microgrid.engine.primitives import (
    Primitive,
    absolute,
    add,
    div,
    exp,
    log,
    mul,
    neg,
    power,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
)

__all__ = ["Operand", "Value", "topological_order"]

Operand = Union["Value", float, int]

# ---------------------------------------------------------------------------
# How an operator records a node.
#
# `x * y` runs the primitive's forward on the two numbers, x.value and y.value,
# and keeps the result in one new node together with its inputs and their local
# derivatives (mul.forward(3.0, 2.0) is 6.0, (2.0, 3.0)). Each operator of Value
# below is made from its primitive by one of these three functions. They run
# once per operation, the engine's hot path, so they test exact types and fill
# in the node by hand (the same few lines in each: a shared helper would add a
# Python call per op); anything unusual (NumPy scalars or arrays, bools, Value
# subclasses) takes the general path, `record`.
# ---------------------------------------------------------------------------

# object.__new__ skips Value.__init__'s checks (the inputs are already checked);
# looked up once, here, rather than on every op.
_new = object.__new__


def _binary_operator(op: Primitive) -> Callable[[Value, Operand], Value]:
    """The method for `x op y` with the Value x on the left: `__mul__ = _binary_operator(mul)`."""
    forward, recording = op.forward, recording_flag.get

    def record_binary(self: Value, other: Operand) -> Value:
        da: float | None
        db: float | None
        if type(other) is not Value and type(other) is not float and type(other) is not int:
            return _binary_general(op, self, other)
        try:
            if type(other) is Value:  # x * y (and x * x: both edges kept)
                value, (da, db) = forward(self.value, other.value)
            else:  # x - 1: a constant input
                if type(other) is int:
                    other = float(other)
                value, (da, _) = forward(self.value, other)
                db = None  # a constant gets no local derivative
        except (ValueError, ZeroDivisionError) as error:
            raise type(error)(f"{describe(op, (self, other))}: {error}") from None
        except OverflowError:  # float(other): a whole number too large for a float
            shown = self.label or f"{self.value:g}"
            raise OverflowError(f"{shown} {op} n: n = {beyond_float(other)}") from None
        node: Value = _new(Value)
        node.value = value
        node.delta = 0.0
        node.label = ""
        node.op = op
        if recording():
            node._a = self
            node._da = da
            node._b = other
            node._db = db
        else:  # no_grad(): a number with no history
            node._a = node._da = node._b = node._db = None
        return node

    record_binary.__doc__ = f"Record `x {op} y`: one node, its value and local derivatives."
    return record_binary


def _reflected_operator(op: Primitive) -> Callable[[Value, Operand], Value]:
    """The method for `c op x` with a number c on the left: `__rmul__` (3 * x)."""
    forward, recording = op.forward, recording_flag.get

    def record_reflected(self: Value, other: Operand) -> Value:
        if type(other) is not float and type(other) is not int:
            return _binary_general(op, other, self)
        try:
            if type(other) is int:
                other = float(other)
            value, (_, db) = forward(other, self.value)
        except (ValueError, ZeroDivisionError) as error:
            raise type(error)(f"{describe(op, (other, self))}: {error}") from None
        except OverflowError:  # float(other): a whole number too large for a float
            shown = self.label or f"{self.value:g}"
            raise OverflowError(f"n {op} {shown}: n = {beyond_float(other)}") from None
        node: Value = _new(Value)
        node.value = value
        node.delta = 0.0
        node.label = ""
        node.op = op
        if recording():
            node._a = other
            node._da = None  # the constant on the left gets no local derivative
            node._b = self
            node._db = db
        else:
            node._a = node._da = node._b = node._db = None
        return node

    record_reflected.__doc__ = f"Record `c {op} x` for a number c: one node."
    return record_reflected


def _unary_operator(op: Primitive) -> Callable[[Value], Value]:
    """The method for a one-input op: `exp = _unary_operator(exp)` makes `x.exp()`."""
    forward, recording = op.forward, recording_flag.get

    def record_unary(self: Value) -> Value:
        try:
            value, (da,) = forward(self.value)
        except (ValueError, ZeroDivisionError) as error:
            raise type(error)(f"{describe(op, (self,))}: {error}") from None
        node: Value = _new(Value)
        node.value = value
        node.delta = 0.0
        node.label = ""
        node.op = op
        node._b = node._db = None
        if recording():
            node._a = self
            node._da = da
        else:
            node._a = node._da = None
        return node

    record_unary.__doc__ = f"Record `{op}(x)`: one node, its value and local derivative."
    return record_unary


# ---------------------------------------------------------------------------
# The node.
# ---------------------------------------------------------------------------


class Value(Node):
    """A node of the computation graph: a number and dJ/d(this number).

    >>> x = Value(2.0, label="x")
    >>> y = (x * x).named("y")
    >>> y.backward()
    >>> y.value, x.delta
    (4.0, 4.0)
    """

    # The slots are Node's (node.py): what a node holds and how to read it. Value
    # adds what a learner does with one: arithmetic that records a node, backward.
    __slots__ = ()

    # Installed by higher.py: backward(create_graph=True), the chain rule with Values.
    record_backward: ClassVar[Callable[[Value, float], None]]

    # -- backprop ----------------------------------------------------------

    def backward(self, delta: float = 1.0, create_graph: bool = False) -> None:
        """Backprop from this node: every node under it gets dJ/dnode added to `delta`.

        Calls accumulate, as in PyTorch; use `zero_grad()` to start afresh. All or
        nothing: if the pass is interrupted, every delta is put back as it was.
        One graph, one thread at a time (independent graphs in threads are fine).
        With ``create_graph=True`` each delta is a Value, itself differentiable
        (higher.py; chapter 11).
        """
        if not is_number(delta) and not create_graph:
            raise TypeError(f"backward(delta=...) needs a number, got {delta!r}"[:200])
        if self.op and not self.parents:
            name = f" {self.label!r}" if self.label else ""
            raise RuntimeError(
                f"backward(): node{name} was computed by {str(self.op)!r} under no_grad(), "
                "so it has no recorded inputs to backprop into; build it outside no_grad()"
            )
        if create_graph:
            Value.record_backward(self, delta)
            return
        seed = real(delta, "backward(delta=...)")
        order = topological_order(self)
        # Deltas from earlier calls are set aside so this pass computes clean
        # dJ/dnode values, then added back: repeated calls accumulate.
        earlier = list(map(_delta_of_node, order))
        if not _FLOAT_ONLY.issuperset(map(type, earlier)):  # one C-speed pass
            _check_deltas(order, earlier)  # a delta set by hand: checked before any change
        accumulate = any(earlier)
        try:
            if accumulate:
                for node in order:
                    node.delta = 0.0
            self.delta = seed
            for node in reversed(order):  # children before parents
                node_delta = node.delta
                # The chain rule, parent.delta += local_derivative * node.delta, for
                # each parent: the two input slots, or an n-ary node's tuples.
                local = node._da
                if local is not None:
                    if type(local) is tuple:  # sum, dot: every parent at once
                        # Aligned by construction; zip(strict=True) would double this loop's cost.
                        for parent, derivative in zip(node._a, local):  # noqa: B905
                            parent.delta += derivative * node_delta
                    else:
                        node._a.delta += local * node_delta
                local = node._db
                if local is not None:
                    node._b.delta += local * node_delta
            if accumulate:  # inside the `try`: an interrupt here is undone too
                for node, before in zip(order, earlier, strict=True):
                    node.delta += before
        except BaseException:  # even KeyboardInterrupt: leave the deltas as they were
            for node, before in zip(order, earlier, strict=True):
                node.delta = before
            raise

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
        self.value, derivatives = recomputed(self, {})
        set_local_derivatives(self, derivatives)

    def _operands(self) -> tuple[Operand, ...]:
        """Parents and constants in the op's input order."""
        if not self.constants:
            return self.parents
        parents = iter(self.parents)
        return tuple(next(parents) if c is None else c for c in self.constants)

    # -- operators: each one records a node through its primitive ------------

    __add__ = _binary_operator(add)
    __radd__ = _reflected_operator(add)
    __sub__ = _binary_operator(sub)
    __rsub__ = _reflected_operator(sub)
    __mul__ = _binary_operator(mul)
    __rmul__ = _reflected_operator(mul)
    __truediv__ = _binary_operator(div)
    __rtruediv__ = _reflected_operator(div)

    def __pow__(self, other: Operand) -> Value:
        _check_power(self, other)
        return _raised(self, other)

    def __rpow__(self, other: Operand) -> Value:
        _check_power(other, self)
        return _raised_reflected(self, other)

    __neg__ = _unary_operator(neg)
    __abs__ = _unary_operator(absolute)

    def __pos__(self) -> Value:
        return self

    # On the right, `exp` is still the primitive imported from primitives.py: the
    # class body sees module names until it defines its own.
    exp = _unary_operator(exp)
    log = _unary_operator(log)
    sigmoid = _unary_operator(sigmoid)
    tanh = _unary_operator(tanh)
    relu = _unary_operator(relu)
    sqrt = _unary_operator(sqrt)
    abs = _unary_operator(absolute)


_raised = _binary_operator(power)  # x ** y, after `_check_power`
_raised_reflected = _reflected_operator(power)

# The operators made above take their names from the class, so that help(Value),
# tracebacks and pickling a bound method (pickle.dumps(x.exp)) find them.
for _name, _method in list(vars(Value).items()):
    if getattr(_method, "__name__", "") in ("record_binary", "record_reflected", "record_unary"):
        _method.__name__, _method.__qualname__ = _name, f"Value.{_name}"


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
            if type(node._da) is tuple:  # sum, dot: the parents are a tuple in _a
                # The unvisited ones, at C speed (a dot node can have 12288 parents).
                stack.extend(filterfalse(visited.__contains__, reversed(node._a)))
            else:
                if node._db is not None and node._b not in visited:
                    stack.append(node._b)
                if node._da is not None and node._a not in visited:
                    stack.append(node._a)
    return order


# ---------------------------------------------------------------------------
# Recording a node, the general way: any primitive, any number of inputs
# (`mul(x, 2)`, `sum`, `dot`, a user's `@primitive`). `record` checks and
# evaluates the inputs; `make_node` fills in the slots.
# ---------------------------------------------------------------------------

PLAIN_NUMBERS = frozenset({float, int})  # numbers used as they are (others via is_number)
value_of_node = operator.attrgetter("value")
_delta_of_node = operator.attrgetter("delta")
_FLOAT_ONLY = frozenset({float})


def _check_deltas(order: list[Value], deltas: list[object]) -> None:
    """A delta set by hand (``node.delta = ...``) must be a real number; say which one is not."""
    for node, delta in zip(order, deltas, strict=True):
        if not is_number(delta) or type(delta) is bool:
            name = f"node {node.label!r}" if node.label else repr(node)
            raise TypeError(
                f"backward(): {name} has delta {delta!r} ({type(delta).__name__}), set by "
                "hand; a delta must be a real number (nothing was changed)"[:300]
            )


def make_node(
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
    node._a = node._da = node._b = node._db = None
    if not recording_flag.get():
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
    else:  # sum, dot: the tuples, in the same slots
        node._a, node._da, node._b = parents, tuple(local_derivatives), constants
    return node


def _inputs_of(
    parents: tuple[Value, ...], constants: tuple[float | None, ...]
) -> tuple[Value | float, ...]:
    """Parents and constants in the op's input order."""
    if not constants:
        return parents
    remaining = iter(parents)
    return tuple(next(remaining) if c is None else c for c in constants)


def set_local_derivatives(node: Value, derivatives: Sequence[float]) -> None:
    """Replace `node`'s local derivatives, one per parent (replay, gradcheck)."""
    derivatives = tuple(derivatives)
    if len(derivatives) != len(node.parents):
        raise ValueError(
            f"{node!r} has {len(node.parents)} parent(s), got {len(derivatives)} local derivatives"
        )
    if type(node._da) is tuple:  # sum, dot
        node._da = derivatives
        return
    remaining = iter(derivatives)
    if node._da is not None:
        node._da = next(remaining)
    if node._db is not None:
        node._db = next(remaining)


def _binary_general(op: Primitive, left: Operand, right: Operand) -> Value:
    """`left op right` for NumPy scalars, bools, Value subclasses: the general path."""
    # For a non-number, let Python try the other operand (a NumPy array of
    # Values, say) or raise its usual TypeError.
    for operand in (left, right):
        if not isinstance(operand, Value) and not is_number(operand):
            return NotImplemented  # type: ignore[no-any-return]
    return record(op, (left, right))


def _check_power(base: Operand, exponent: Operand) -> None:
    # d(x^y)/dy = x^y · ln x needs x >= 0 once y is a Value (something we differentiate by).
    if not isinstance(base, Value) and not is_number(base):
        return  # not a number at all: Python's own TypeError follows
    if isinstance(exponent, Value) and _value_of(base) < 0:
        raise ValueError(
            f"{describe(power, (base, exponent))}: a Value exponent needs a base >= 0 "
            "(∂/∂exponent = base^exponent · ln(base))"
        )


def _value_of(operand: Operand) -> float:
    return operand.value if isinstance(operand, Value) else real(operand, "x ** n: n =")


def record(op: Primitive, operands: Sequence[Operand]) -> Value:
    """Run `op` forward on the operands and, unless in no_grad, record the node.

    The general path: any primitive, Values and plain numbers mixed.
    """
    operands = tuple(operands)
    if op is power and len(operands) == 2:
        _check_power(*operands)
    constants: tuple[float | None, ...] = ()
    if set(map(type, operands)) == {Value}:  # every input is a parent (C-speed test)
        inputs: list[float] = list(map(value_of_node, operands))
        parents: tuple[Value, ...] = operands  # type: ignore[assignment]
    else:
        inputs = []
        template: list[float | None] = []
        for position, operand in enumerate(operands, start=1):
            if isinstance(operand, Value):
                inputs.append(operand.value)
                template.append(None)
            elif is_number(operand):
                try:
                    inputs.append(float(operand))
                except OverflowError:
                    too_big = beyond_float(operand)
                    raise OverflowError(f"{op}: input {position}: {too_big}") from None
                template.append(inputs[-1])
            else:
                raise TypeError(
                    f"{op}: input {position} is {type(operand).__name__} {operand!r}; "
                    "expected a Value or a real number"
                )
        parents = tuple(operand for operand in operands if isinstance(operand, Value))
        constants = tuple(template)
    value, derivatives = evaluate(op, inputs, operands)
    return make_node(op, value, parents, parents_only(derivatives, constants), constants)


def recomputed(node: Value, new_values: Mapping[Value, float]) -> tuple[float, tuple[float, ...]]:
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
    value, derivatives = evaluate(op, inputs, shown)
    return value, parents_only(derivatives, node.constants)


# Calling a primitive on Values (`mul(x, 2)`) records a node, without the math importing the engine.
Primitive.record = staticmethod(record)
