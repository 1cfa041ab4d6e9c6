"""Each primitive's local derivatives written with Values, so they can be differentiated again.

(Read after recorded.py, which uses them.)

`primitives.py` gives every op its local derivatives as *numbers* (fast: the
first-order backward pass multiplies numbers). To differentiate a derivative,
the local derivative must itself be a node of a graph: ∂(x³)/∂x is not just 27,
it is 3·x², built from x. This module writes each built-in op's local
derivatives that way, with the same formulas as primitives.py (a test checks
that both forms give the same numbers for every op):

>>> from microgrid import Value
>>> x = Value(3.0, label="x")
>>> y = x**3
>>> (d,) = local_derivative_values(y)
>>> d.value, d.op, d.parents[0].op
(27.0, <op '*'>, <op '**'>)

A rule takes the node and the op's inputs in order (Values and constants) and
returns one local derivative per input, a Value or a number, like `forward`
does. Rules are found by the primitive's identity, not its name, so a user's
op named "sum" never borrows the built-in rule. A user's `@primitive` gets one
with `@value_derivatives(op)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from microgrid.engine.primitives import (
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
    relu,
    sigmoid,
    sqrt,
    sub,
    summation,
    tanh,
)
from microgrid.engine.value import Operand, Value

__all__ = [
    "Rule",
    "has_value_derivatives",
    "local_derivative_values",
    "value_derivatives",
]

Rule = Callable[..., Sequence[Value | float | int]]

# Keyed by the op itself (an op is compared by identity: two ops may share a name).
_RULES: dict[Primitive, Rule] = {}


def value_derivatives(op: Primitive) -> Callable[[Rule], Rule]:
    """Give `op` local derivatives written with Values: then create_graph can differentiate it.

    The rule gets the node and the op's inputs (Values or numbers, in order) and
    returns ∂node/∂input for every input, as Values or numbers (numbers are constants):

    >>> from microgrid import Value, grad, primitive
    >>> @primitive
    ... def cube(x):
    ...     return x**3, (3 * x**2,)
    >>> @value_derivatives(cube)
    ... def cube_derivatives(node, x):
    ...     return (3 * x**2,)
    >>> x = Value(2.0)
    >>> (dx,) = grad(cube(x), [x], create_graph=True)
    >>> grad(dx, [x])
    (12.0,)
    """
    if not isinstance(op, Primitive):
        raise TypeError(f"value_derivatives() needs a primitive, got {type(op).__name__} {op!r}")

    def register(rule: Rule) -> Rule:
        if not callable(rule):
            raise TypeError(f"value_derivatives({op!r}) needs a function, got {rule!r}")
        _RULES[op] = rule
        return rule

    return register


def has_value_derivatives(op: Primitive) -> bool:
    """Can create_graph differentiate through `op`?"""
    return op in _RULES


def local_derivative_values(node: Value) -> tuple[Value | float, ...]:
    """∂node/∂parent for each parent of `node`, as Values (recorded) or constant numbers."""
    op = node.op
    rule = _RULES.get(op)
    if rule is None:
        raise NotImplementedError(
            f"create_graph: the primitive {str(op)!r} "
            f"(defined in {getattr(op, 'module', '?')}) "
            "has its local derivatives only as numbers, so they cannot be differentiated "
            f"again. Write them with Values: @microgrid.value_derivatives({op!s}) "
            "(docs/11-second-derivatives.md)"
        )
    operands = node._operands()
    derivatives = tuple(rule(node, *operands))
    if len(derivatives) != len(operands):
        raise ValueError(
            f"the Value rule of {str(op)!r} gave {len(derivatives)} derivative(s) "
            f"for {len(operands)} input(s)"
        )
    # One per parent: a constant input gets no derivative (as in `parents_only`).
    return tuple(
        float(d) if not isinstance(d, Value) else d
        for d, operand in zip(derivatives, operands, strict=True)
        if isinstance(operand, Value)
    )


def number(x: Operand) -> float:
    """The number of an input, Value or constant."""
    return x.value if isinstance(x, Value) else float(x)


def _log(x: Operand) -> Operand:
    return x.log() if isinstance(x, Value) else math.log(x)


def _sigmoid(x: Operand) -> Operand:
    return x.sigmoid() if isinstance(x, Value) else sigmoid.forward(x)[0]


# ---------------------------------------------------------------------------
# The built-in ops: the formulas of primitives.py, with Values.
# `node` is the op's output: exp, sigmoid and tanh reuse it, as their numbers do.
# ---------------------------------------------------------------------------


def _rule(op: Primitive) -> Callable[[Rule], Rule]:
    return value_derivatives(op)


_rule(add)(lambda node, x, y: (1.0, 1.0))
_rule(sub)(lambda node, x, y: (1.0, -1.0))
_rule(mul)(lambda node, x, y: (y, x))
_rule(div)(lambda node, x, y: (1.0 / y, -node / y))
_rule(neg)(lambda node, x: (-1.0,))
_rule(exp)(lambda node, x: (node,))
_rule(log)(lambda node, x: (1.0 / x,))
_rule(sigmoid)(lambda node, x: (node * (1.0 - node),))
_rule(tanh)(lambda node, x: (1.0 - node * node,))
# A kink's slope is a constant on each side: its own derivative is 0 (as in PyTorch).
_rule(relu)(lambda node, x: (1.0 if number(x) > 0 else 0.0,))
_rule(absolute)(lambda node, x: (1.0 if number(x) > 0 else -1.0 if number(x) < 0 else 0.0,))
_rule(sqrt)(lambda node, x: (0.5 / node if node.value else math.inf,))
_rule(summation)(lambda node, *xs: (1.0,) * len(xs))


@_rule(dot_product)
def _dot(node: Value, *ws_then_xs: Operand) -> tuple[Operand, ...]:
    # ∂/∂wi = xi and ∂/∂xi = wi: the other input of each product, Value or number.
    n = len(ws_then_xs) // 2
    return ws_then_xs[n:] + ws_then_xs[:n]


@_rule(power)
def _power(node: Value, x: Operand, y: Operand) -> tuple[Operand, Operand]:
    # The cases of primitives.power, each with the same formula.
    xv, yv = number(x), number(y)
    d_base: Operand
    if yv == 0:
        d_base = 0.0  # x⁰ = 1 is flat
    elif xv != 0 or yv >= 1:
        d_base = y * x ** (y - 1)
    else:
        d_base = math.inf  # x^y at 0 for 0 < y < 1: a vertical tangent
    d_exponent: Operand = node * _log(x) if xv > 0 else (0.0 if xv == 0 else math.nan)
    return d_base, d_exponent


@_rule(bce)
def _bce(node: Value, a: Operand, y: Operand) -> tuple[Operand, Operand]:
    # ∂L/∂a = −y/a + (1−y)/(1−a); a term whose label weight is 0 (a constant label)
    # is left out, as the numbers do, so a = 0 or 1 with a matching label still works.
    av, yv = number(a), number(y)
    terms: list[Operand] = []
    if av > 0 and (isinstance(y, Value) or yv != 0):
        terms.append(-y / a)
    if av < 1 and (isinstance(y, Value) or yv != 1):
        terms.append((1 - y) / (1 - a))
    d_a: Operand = 0.0 if not terms else terms[0] if len(terms) == 1 else terms[0] + terms[1]
    # ∂L/∂y = log(1−a) − log(a); ±inf when a sits on 0 or 1.
    if 0 < av < 1:
        d_y: Operand = _log(1 - a) - _log(a)
    else:
        d_y = -math.inf if av >= 1 else math.inf
    return d_a, d_y


@_rule(bce_with_logits)
def _bce_with_logits(node: Value, z: Operand, y: Operand) -> tuple[Operand, Operand]:
    # dL/dz = (1 − y)·σ(z) − y·σ(−z), the same cancellation-free form as the numbers.
    return (1.0 - y) * _sigmoid(z) - y * _sigmoid(-z), -z
