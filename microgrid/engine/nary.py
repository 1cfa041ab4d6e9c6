"""N-ary nodes and the course's losses: one node for many inputs.

(Read after the core: node.py, primitives.py, backprop.py, value.py.)

`sum` and `dot` make ONE node with many parents (z = w·x + b for 12288
features is one dot node, not 24575 binary nodes):

>>> from microgrid import Value
>>> w = [Value(1.0, label="w1"), Value(2.0, label="w2")]
>>> z = dot(w, [3.0, 4.0])
>>> z.value, len(z.parents)
(11.0, 2)
"""

from __future__ import annotations

from collections.abc import Sequence

from microgrid.engine.evaluate import evaluate, is_number
from microgrid.engine.primitives import bce, bce_with_logits, dot_product, summation
from microgrid.engine.value import (
    PLAIN_NUMBERS,
    Operand,
    Value,
    make_node,
    record,
    value_of_node,
)


def sum(values: Sequence[Operand]) -> Value:  # noqa: A001 - microgrid.sum, like torch.sum
    """One node for x1 + x2 + ... + xn (numbers and Values mixed).

    >>> sum([Value(1.0), 2, Value(3.0)]).value
    6.0
    """
    values = list(values)
    if not values:
        raise ValueError("sum() needs at least one input")
    return record(summation, values)


def dot(ws: Sequence[Operand], xs: Sequence[Operand]) -> Value:
    """One node for w1·x1 + ... + wn·xn: z = w·x, however many features.

    >>> w = [Value(1.0, label="w1"), Value(2.0, label="w2")]
    >>> dot(w, [3.0, 4.0]).value
    11.0
    """
    ws, xs = tuple(ws), tuple(xs)  # tuple() of a tuple is free: callers can share one
    n = len(ws)
    if n != len(xs):
        raise ValueError(f"dot() needs inputs of equal length, got {n} and {len(xs)}")
    if not n:
        raise ValueError("dot() needs at least one pair of inputs")
    kinds_of_x = set(map(type, xs))
    if kinds_of_x <= PLAIN_NUMBERS and set(map(type, ws)) == {Value}:
        # The logistic-regression case, z = w·x with Values w and plain numbers x
        # (12288 of them): the same primitive, with C-speed bookkeeping.
        numbers: tuple[float, ...] = (
            xs if kinds_of_x == {float} else tuple(map(float, xs))  # type: ignore[assignment]
        )
        parents: tuple[Value, ...] = ws  # type: ignore[assignment]
        inputs = (*map(value_of_node, parents), *numbers)
        value, derivatives = evaluate(dot_product, inputs, parents + numbers)
        template: tuple[float | None, ...] = (None,) * n + numbers
        return make_node(dot_product, value, parents, tuple(derivatives[:n]), template)
    return record(dot_product, ws + xs)


def binary_cross_entropy(a: Operand, y: Operand) -> Value:
    """The seed's loss L(a, y) = −(y·log a + (1−y)·log(1−a)) for a prediction a in (0, 1).

    >>> round(binary_cross_entropy(Value(0.8), 1).value, 4)
    0.2231
    """
    _check_label("binary_cross_entropy", y)
    return record(bce, (a, y))


def binary_cross_entropy_with_logits(z: Operand, y: Operand) -> Value:
    """L(σ(z), y) computed from z directly: finite and exact even for |z| = 1000.

    >>> binary_cross_entropy_with_logits(Value(-1000.0), 1).value
    1000.0
    """
    _check_label("binary_cross_entropy_with_logits", y)
    return record(bce_with_logits, (z, y))


def _check_label(loss: str, y: Operand) -> None:
    # A label is a probability: 0, 1 or a soft label between (NaN fails too).
    # Only a plain-number label is checked: a Value label is something being
    # differentiated, and gradcheck must be able to step it across 0 or 1
    # (the formula is linear in y there).
    if is_number(y) and not 0 <= y <= 1:
        raise ValueError(f"{loss}: the label y must lie in [0, 1], got {y:g}")
