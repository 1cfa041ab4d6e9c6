"""Evaluating one primitive on numbers, the way the engine does every time.

The result is checked (a user's primitive must return one real number per input),
and a domain error is re-raised naming the inputs by their labels:

>>> from microgrid import Value
>>> from microgrid.engine.primitives import log
>>> evaluate(log, [-1.0], [Value(-1.0, label="x")])
Traceback (most recent call last):
  ...
ValueError: log(x) (x = -1): log is defined only for values > 0

Nothing here builds a node: the engine (recording), `graph.replay` and `compile`
all call it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from microgrid.engine.primitives import Primitive

Operand = Any  # a Value or a number (Values are read by `.value` and `.label`)


def is_number(x: object) -> bool:
    """A real number (a Value is not one: it is a node)."""
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def evaluate(
    op: Primitive, inputs: Sequence[float], operands: Sequence[Operand]
) -> tuple[float, Sequence[float]]:
    """Call the primitive; a domain error is re-raised naming the nodes involved."""
    forward: Any = op.forward  # (Any: compiled, a typed result would be checked before we do)
    try:
        result = forward(*inputs)
    except (ValueError, ZeroDivisionError) as error:
        raise type(error)(f"{describe(op, operands)}: {error}") from None
    return validated(op, result, len(inputs))


def validated(op: Primitive, result: object, count: int) -> tuple[float, tuple[float, ...]]:
    """A primitive's result, checked: (value, one local derivative per input), real numbers.

    The one place for these checks (evaluate, and compile's step, use it).
    """
    value: Any
    returned: Any
    try:  # a user primitive may return the wrong shape: say what was expected
        value, returned = result  # type: ignore[misc]
        derivatives: tuple[Any, ...] = tuple(returned)  # (Any: checked below)
    except (TypeError, ValueError):
        raise TypeError(
            f"primitive {str(op)!r} must return (value, (∂/∂input1, ...)), got {result!r}"
        ) from None
    if len(derivatives) != count:
        raise TypeError(
            f"primitive {str(op)!r} returned {len(derivatives)} local derivative(s) "
            f"for {count} input(s); it must return one per input"
        )
    if not op.built_in:  # built-ins return floats; any other op is checked, even one named exp
        for what, number in (("value", value), *(("a local derivative", d) for d in derivatives)):
            if not is_number(number):
                raise TypeError(
                    f"primitive {str(op)!r} returned {what} {number!r} "
                    f"({type(number).__name__}); it must be a real number"
                )
        derivatives = tuple([float(d) for d in derivatives])
    return float(value), derivatives


def parents_only(
    derivatives: Sequence[float], constants: tuple[float | None, ...]
) -> tuple[float, ...]:
    if not constants:
        return tuple(derivatives)  # the same object when it already is a tuple
    return tuple(d for d, c in zip(derivatives, constants, strict=True) if c is None)


def describe(op: Primitive, operands: Sequence[Operand]) -> str:
    """'a / b (a = 1, b = 0)': the op written with its inputs' names and values."""
    names = []
    values = []
    for operand in operands:
        if not isinstance(operand, numbers.Real):  # a Value
            if operand.label:
                names.append(operand.label)
                values.append(f"{operand.label} = {operand.value:g}")
            else:
                names.append(f"{operand.value:g}")
        else:
            names.append(f"{operand:g}")
    if op.formula and len(names) < 10:
        written = op.formula.format(*names)
    else:
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        written = f"{op}({shown})"
    return written + (f" ({', '.join(values[:6])})" if values else "")
