"""The engine: a `Value` node, the operators that record it, and backprop.

Read after node.py, primitives.py and backprop.py (docs/architecture.md has the
order and the map); after this file, any of the others.

Every arithmetic operation on Values records a node, so ordinary Python code
builds the computation graph (the seed's u = bc, v = a + u, J = 3v):

>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)

Each node keeps the *local derivatives* ∂node/∂parent, computed in the forward
pass. Backprop is then the chain rule, one generic loop (`propagate`):

    parent.delta += local_derivative * node.delta

Non-finite numbers follow IEEE rules: inf and NaN propagate through every op
(exp(1000) is inf, inf - inf is NaN). Only true domain errors raise: log of a
value <= 0, sqrt of a negative value, division by zero, 0 ** negative.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Union

from mypy_extensions import mypyc_attr

from microgrid.engine import node as node_module
from microgrid.engine.backprop import (
    add_back,
    fresh_deltas,
    nodes_in_order,
    propagate,
    put_back,
    refuse_recorded_deltas,
    set_aside,
)
from microgrid.engine.evaluate import (
    beyond_float,
    describe,
    evaluate,
    is_number,
    parents_only,
    real,
)
from microgrid.engine.modes import no_grad_blocks, recording_flag
from microgrid.engine.node import Node
from microgrid.engine.primitives import (
    Primitive,
    abs_forward,
    absolute,
    add,
    add_forward,
    div,
    div_forward,
    exp,
    exp_forward,
    log,
    log_forward,
    mul,
    mul_forward,
    neg,
    neg_forward,
    power,
    power_forward,
    recorders,
    relu,
    relu_forward,
    sigmoid,
    sigmoid_forward,
    sqrt,
    sqrt_forward,
    sub,
    sub_forward,
    tanh,
    tanh_forward,
)

__all__ = ["Operand", "Value", "fresh_deltas", "propagate", "topological_order"]

# A Value or a plain number, as an op takes them (`3 * v`).

Operand = Union["Value", float, int]


@mypyc_attr(allow_interpreted_subclasses=True)  # a learner may subclass Value
class Value(Node):
    """A node of the computation graph: a number and dJ/d(this number).

    >>> x = Value(2.0, label="x")
    >>> y = (x * x).named("y")
    >>> y.backward()
    >>> y.value, x.delta
    (4.0, 4.0)
    """

    # The slots are Node's (node.py); Value adds what a learner does with a node:
    # backward, and arithmetic that records a node.
    __slots__ = ()

    def backward(self, delta: object = 1.0, create_graph: object = False) -> None:
        """Backprop from this node: every node under it gets dJ/dnode added to `delta`.

        Calls accumulate, as in PyTorch (`zero_grad()` starts afresh); all or nothing.
        ``create_graph=True`` makes each delta a Value (microgrid/higher; chapter 11).
        """
        seed = backward_seed(self, delta, create_graph)  # the arguments, checked
        if seed is None:  # create_graph=True: the chain rule with Values (higher/recorded.py)
            return recorded_backward[0](self, delta)
        order = nodes_in_order(self)  # 1. every node under J, parents first
        earlier = set_aside(order)  # 2. earlier deltas noted (nothing changed yet)
        try:
            propagate(order, seed)  # 3. the chain rule: each delta is dJ/dnode now
            add_back(earlier)  # 4. earlier deltas added back: calls accumulate
        except BaseException:  # even Ctrl-C: every delta as it was
            put_back(order, earlier)
            raise

    def zero_grad(self) -> None:
        """Set `delta` to 0 on every node under (and including) this one."""
        for node in topological_order(self):
            node.set_delta(0.0)

    def _operands(self) -> tuple[Operand, ...]:
        """Parents and constants in the op's input order."""
        if not self.constants:
            return self.parents
        parents = iter(self.parents)
        return tuple(next(parents) if c is None else c for c in self.constants)

    # -- operators: each runs its primitive's math and records one node ------
    # `x * y` calls mul_forward(x.value, y.value), which gives 6.0, (2.0, 3.0) for
    # 3 and 2: the value and the local derivatives, kept in the new node (`new_node`,
    # below; `_value` is the slot that `value` reads, node.py). Exact
    # types first (the hot path); anything unusual (NumPy scalars or arrays, bools,
    # Value subclasses) takes the general path, `record`. A binary operator returns
    # `Value | Any`: anything else gets NotImplemented (so that `Value * array` lets
    # NumPy answer), and compiled, a return typed `Value` would refuse it. An int
    # goes round again as a float through `Value.__add__`, not `self.__add__`: a
    # subclass's own `__add__` has already run once.

    def __add__(self, other: object) -> Value | Any:
        given: object = other  # see `new_node`: compiled, a float kept as given
        if type(other) is Value:
            value, (da, db) = add_forward(self._value, other._value)
            return new_node(add, value, self, da, other, db)
        if type(other) is float:  # a plain number: a constant input, no local derivative kept
            value, (da, _) = add_forward(self._value, other)
            return new_node(add, value, self, da, None, 0.0, given)
        if type(other) is int:
            return Value.__add__(self, int_operand(self, add, other, reflected=False))
        if not is_operand(other):
            return NotImplemented
        return record(add, (self, other))

    def __radd__(self, other: object) -> Value | Any:
        given: object = other  # see `new_node`: compiled, a float kept as given
        if type(other) is float:  # a plain number on the left
            value, (_, db) = add_forward(other, self._value)
            return new_node(add, value, None, 0.0, self, db, given)
        if type(other) is int:
            return Value.__radd__(self, int_operand(self, add, other, reflected=True))
        if not is_operand(other):
            return NotImplemented
        return record(add, (other, self))

    def __sub__(self, other: object) -> Value | Any:
        given: object = other  # see `new_node`: compiled, a float kept as given
        if type(other) is Value:
            value, (da, db) = sub_forward(self._value, other._value)
            return new_node(sub, value, self, da, other, db)
        if type(other) is float:  # a plain number: a constant input, no local derivative kept
            value, (da, _) = sub_forward(self._value, other)
            return new_node(sub, value, self, da, None, 0.0, given)
        if type(other) is int:
            return Value.__sub__(self, int_operand(self, sub, other, reflected=False))
        if not is_operand(other):
            return NotImplemented
        return record(sub, (self, other))

    def __rsub__(self, other: object) -> Value | Any:
        given: object = other  # see `new_node`: compiled, a float kept as given
        if type(other) is float:  # a plain number on the left
            value, (_, db) = sub_forward(other, self._value)
            return new_node(sub, value, None, 0.0, self, db, given)
        if type(other) is int:
            return Value.__rsub__(self, int_operand(self, sub, other, reflected=True))
        if not is_operand(other):
            return NotImplemented
        return record(sub, (other, self))

    def __mul__(self, other: object) -> Value | Any:
        given: object = other  # see `new_node`: compiled, a float kept as given
        if type(other) is Value:
            value, (da, db) = mul_forward(self._value, other._value)
            return new_node(mul, value, self, da, other, db)
        if type(other) is float:  # a plain number: a constant input, no local derivative kept
            value, (da, _) = mul_forward(self._value, other)
            return new_node(mul, value, self, da, None, 0.0, given)
        if type(other) is int:
            return Value.__mul__(self, int_operand(self, mul, other, reflected=False))
        if not is_operand(other):
            return NotImplemented
        return record(mul, (self, other))

    def __rmul__(self, other: object) -> Value | Any:
        given: object = other  # see `new_node`: compiled, a float kept as given
        if type(other) is float:  # a plain number on the left
            value, (_, db) = mul_forward(other, self._value)
            return new_node(mul, value, None, 0.0, self, db, given)
        if type(other) is int:
            return Value.__rmul__(self, int_operand(self, mul, other, reflected=True))
        if not is_operand(other):
            return NotImplemented
        return record(mul, (other, self))

    def __truediv__(self, other: object) -> Value | Any:
        try:
            if type(other) is Value:
                value, (da, db) = div_forward(self._value, other._value)
                return new_node(div, value, self, da, other, db)
            if type(other) is float or type(other) is int:
                number = number_operand(self, div, other, reflected=False)
                value, (da, _) = div_forward(self._value, number)
                return new_node(div, value, self, da, None, 0.0, number)
        except ZeroDivisionError as error:
            raise ZeroDivisionError(f"{describe(div, (self, other))}: {error}") from None
        if not is_operand(other):
            return NotImplemented
        return record(div, (self, other))

    def __rtruediv__(self, other: object) -> Value | Any:
        if type(other) is float or type(other) is int:
            number = number_operand(self, div, other, reflected=True)
            try:
                value, (_, db) = div_forward(number, self._value)
            except ZeroDivisionError as error:
                raise ZeroDivisionError(f"{describe(div, (other, self))}: {error}") from None
            return new_node(div, value, None, 0.0, self, db, number)
        if not is_operand(other):
            return NotImplemented
        return record(div, (other, self))

    def __pow__(self, other: object) -> Value | Any:
        check_power(self, other)
        try:
            if type(other) is Value:
                value, (da, db) = power_forward(self._value, other._value)
                return new_node(power, value, self, da, other, db)
            if type(other) is float or type(other) is int:
                number = number_operand(self, power, other, reflected=False)
                value, (da, _) = power_forward(self._value, number)
                return new_node(power, value, self, da, None, 0.0, number)
        except (ValueError, ZeroDivisionError) as error:
            raise type(error)(f"{describe(power, (self, other))}: {error}") from None
        if not is_operand(other):
            return NotImplemented
        return record(power, (self, other))

    def __rpow__(self, other: object) -> Value | Any:
        check_power(other, self)
        if type(other) is float or type(other) is int:
            number = number_operand(self, power, other, reflected=True)
            try:
                value, (_, db) = power_forward(number, self._value)
            except (ValueError, ZeroDivisionError) as error:
                raise type(error)(f"{describe(power, (other, self))}: {error}") from None
            return new_node(power, value, None, 0.0, self, db, number)
        if not is_operand(other):
            return NotImplemented
        return record(power, (other, self))

    def __neg__(self) -> Value:
        value, (da,) = neg_forward(self._value)
        return new_node(neg, value, self, da)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return self.abs()

    def abs(self) -> Value:
        value, (da,) = abs_forward(self._value)
        return new_node(absolute, value, self, da)

    def exp(self) -> Value:
        value, (da,) = exp_forward(self._value)
        return new_node(exp, value, self, da)

    def log(self) -> Value:
        try:
            value, (da,) = log_forward(self._value)
        except ValueError as error:
            raise ValueError(f"{describe(log, (self,))}: {error}") from None
        return new_node(log, value, self, da)

    def sigmoid(self) -> Value:
        value, (da,) = sigmoid_forward(self._value)
        return new_node(sigmoid, value, self, da)

    def tanh(self) -> Value:
        value, (da,) = tanh_forward(self._value)
        return new_node(tanh, value, self, da)

    def relu(self) -> Value:
        value, (da,) = relu_forward(self._value)
        return new_node(relu, value, self, da)

    def sqrt(self) -> Value:
        try:
            value, (da,) = sqrt_forward(self._value)
        except ValueError as error:
            raise ValueError(f"{describe(sqrt, (self,))}: {error}") from None
        return new_node(sqrt, value, self, da)


# ---------------------------------------------------------------------------
# Filling in a node. The operators above pass the inputs that are Values and
# their local derivatives; `record` below is the general way, from tuples.
# ---------------------------------------------------------------------------


def new_node(
    op: Primitive,
    value: float,
    a: Value | None,
    da: float,
    b: Value | None = None,
    db: float = 0.0,
    constant: object = None,
) -> Value:
    """The node `op` made from `a` and `b` (None for the plain number `constant`),
    with ∂node/∂a and ∂node/∂b; under `no_grad()`, a number with no history."""
    node = new_object(Value) if PLAIN else Value(0.0)  # see PLAIN below
    if no_grad_blocks.count and not recording_flag.get():  # modes.is_recording() is False
        a = b = constant = None
        da = db = 0.0
    node._value, node._delta, node._op = value, 0.0, op  # threes, twos: no tuple is built
    node._a, node._da = a, da
    node._b, node._db = b, db
    node._constant, node._more = constant, None  # type: ignore[assignment]  # float | None (*)
    return node


# (*) Compiled, a float tested by `type(x) is float` is a C double: the operators
# pass the float object as given (`given`), since storing a double would copy it.
# A blank node for `new_node`: compiled, `Value(0.0)` (a C call); as plain Python,
# `object.__new__`, which skips `__init__`'s checks (a Python call per op saved).
PLAIN: Final = __file__.endswith(".py")
new_object = object.__new__


def is_operand(x: object) -> bool:
    """A Value or a real number; anything else (a NumPy array) gets NotImplemented."""
    return isinstance(x, Value) or is_number(x)


def int_operand(node: Value, op: Primitive, n: int, reflected: bool) -> float:
    """A whole number as a float; one beyond the float range is named: ``x * 10**400``."""
    try:
        return float(n)
    except OverflowError:
        shown = node.label or f"{node.value:g}"
        written = f"n {op} {shown}" if reflected else f"{shown} {op} n"
        raise OverflowError(f"{written}: n = {beyond_float(n)}") from None


def number_operand(node: Value, op: Primitive, n: object, reflected: bool) -> float:
    """`n` (a float or an int) as a float, for the operators that take either at once."""
    return n if type(n) is float else int_operand(node, op, n, reflected)  # type: ignore[arg-type]


def check_power(base: object, exponent: object) -> None:
    """d(x^y)/dy = x^y · ln x needs x >= 0 once y is a Value (something we differentiate by)."""
    if not isinstance(base, Value) and not is_number(base):
        return  # not a number at all: Python's own TypeError follows
    number = base.value if isinstance(base, Value) else real(base, "n ** x: n =")
    if isinstance(exponent, Value) and number < 0:
        raise ValueError(
            f"{describe(power, (base, exponent))}: a Value exponent needs a base >= 0 "
            "(∂/∂exponent = base^exponent · ln(base))"
        )


def backward_seed(node: Value, delta: object, create_graph: object) -> float | None:
    """backward()'s arguments, checked: the number J's delta starts from (None: create_graph)."""
    if type(create_graph) is not bool:  # (typed object: compiled, `bool` refuses 1 cryptically)
        raise TypeError(f"backward(create_graph=...) must be True or False, got {create_graph!r}")
    if not is_number(delta) and not create_graph:
        raise TypeError(f"backward(delta=...) needs a number, got {delta!r}"[:200])
    if node._op and not node.parents:
        name = f" {node.label!r}" if node.label else ""
        if node.constants:  # `mul(2, 3)`: recorded, but no input is a Value
            raise RuntimeError(
                f"backward(): node{name} was computed by {str(node._op)!r} from only "
                "numbers, no Value: there is nothing under it to backprop into"
            )
        raise RuntimeError(
            f"backward(): node{name} was computed by {str(node._op)!r} under no_grad(), "
            "so it has no recorded inputs to backprop into; build it outside no_grad()"
        )
    if node_module.recorded_deltas_made and not create_graph:  # once create_graph was used
        refuse_recorded_deltas(nodes_in_order(node))
    return None if create_graph else real(delta, "backward(delta=...)")


def topological_order(root: object) -> list[Value]:
    """Every node under `root`, each after all of its parents; `root` is last.

    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> [n.label for n in topological_order((a * b).named("c"))]
    ['a', 'b', 'c']
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order() needs a Value, got {type(root).__name__}")
    return nodes_in_order(root)


# ---------------------------------------------------------------------------
# Recording a node, the general way: any primitive, any number of inputs
# (`mul(x, 2)`, `sum`, `dot`, a user's `@primitive`). `record` checks and
# evaluates the inputs; `make_node` fills in the slots.
# ---------------------------------------------------------------------------

PLAIN_NUMBERS = frozenset({float, int})  # numbers used as they are (others via is_number)


value_of_node = operator.attrgetter("_value")


def make_node(
    op: Primitive,
    value: float,
    parents: tuple[Value, ...],
    local_derivatives: tuple[float, ...],
    constants: tuple[float | None, ...],
) -> Value:
    """A computed node; under `no_grad()` it is connected to nothing."""
    node = Value(0.0)
    node._value = value
    node._op = op
    if no_grad_blocks.count == 0 or recording_flag.get():  # modes.is_recording()
        node.connect(parents, local_derivatives, constants)
    return node


def set_local_derivatives(node: Value, derivatives: Sequence[float]) -> None:
    """Replace `node`'s local derivatives, one per parent (replay, gradcheck)."""
    given = tuple([float(d) for d in derivatives])
    if len(given) != len(node.parents):
        raise ValueError(
            f"{node!r} has {len(node.parents)} parent(s), got {len(given)} local derivatives"
        )
    if node._a is None and node._b is None:  # sum, dot: the tuples
        more = node._more
        if more is not None:
            more.derivatives = given
        return
    position = 0
    if node._a is not None:
        node._da = given[0]
        position = 1
    if node._b is not None:
        node._db = given[position]


def record(op: Primitive, operands: Sequence[object]) -> Value:
    """Run `op` forward on the operands and, unless in no_grad, record the node.

    The general path: any primitive, Values and plain numbers mixed.
    """
    operands = tuple(operands)
    if op is power and len(operands) == 2:
        check_power(operands[0], operands[1])
    constants: tuple[float | None, ...] = ()
    if set(map(type, operands)) == {Value}:  # every input is a parent (C-speed test)
        parents: tuple[Value, ...] = operands  # type: ignore[assignment]
        inputs: list[float] = list(map(value_of_node, parents))
    else:
        inputs = []
        template: list[float | None] = []
        for position, operand in enumerate(operands, start=1):
            if isinstance(operand, Value):
                inputs.append(operand._value)
                template.append(None)
            elif is_number(operand):
                inputs.append(real(operand, f"{op}: input {position}"))
                template.append(inputs[-1])
            else:
                raise TypeError(
                    f"{op}: input {position} is {type(operand).__name__} {operand!r}; "
                    "expected a Value or a real number"
                )
        parents = tuple([operand for operand in operands if isinstance(operand, Value)])
        constants = tuple(template)
    value, derivatives = evaluate(op, inputs, operands)
    return make_node(op, value, parents, parents_only(derivatives, constants), constants)


def recomputed(node: Value, new_values: Mapping[Value, float]) -> tuple[float, tuple[float, ...]]:
    """`node`'s value and local derivatives from its parents' values, changing nothing.

    A parent's value is taken from `new_values` if it is there, else from the parent.
    The same checks as the operators apply (a Value exponent needs a base >= 0).
    """
    op = node.op
    operands = list(node._operands())
    inputs = [new_values.get(o, o._value) if isinstance(o, Value) else float(o) for o in operands]
    # Shown in an error with their new values (the labels are the nodes').
    shown: list[object] = [
        Value(x, label=o.label) if isinstance(o, Value) else x
        for o, x in zip(operands, inputs)  # noqa: B905 - same length
    ]
    if op is power and len(shown) == 2:
        check_power(shown[0], shown[1])
    value, derivatives = evaluate(op, inputs, shown)
    return value, parents_only(derivatives, node.constants)


# Calling a primitive on Values (`mul(x, 2)`) records a node, without the math importing the engine.
recorders.append(record)

# backward(create_graph=True) runs the chain rule with Values: higher/recorded.py appends
# it here, so that this module imports nothing that builds on it.
recorded_backward: list[Callable[[Value, Any], None]] = []
