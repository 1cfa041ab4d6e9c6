"""Evaluating one primitive on numbers, the way the engine does every time.

The result is checked (a user's primitive must return one real number per input),
and a domain error is re-raised naming the inputs by their labels:

>>> from microgrid import Value
>>> from microgrid.engine.primitives import log
>>> evaluate(log, [-1.0], [Value(-1.0, label="x")])
Traceback (most recent call last):
  ...
ValueError: log(x) (x = -1): log is defined only for values > 0

Nothing here builds a node: the engine (recording), `replay` and `compile` all
call it. (Read after the four core files: node, primitives, backprop, value.)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from microgrid.engine.primitives import Primitive


def is_number(x: object) -> bool:
    """A real number (a Value is not one: it is a node)."""
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def real(x: object, what: str) -> float:
    """`x` as a float; a whole number beyond the float range gets a message saying so.

    >>> real(10**400, "Value 'x'")
    Traceback (most recent call last):
      ...
    OverflowError: Value 'x': 10000000… (401 digits) is beyond the float range (about ±1.8e308)
    """
    try:
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        separator = " " if what.endswith("=") else ": "
        raise OverflowError(f"{what}{separator}{beyond_float(x)}") from None


def beyond_float(n: object) -> str:
    """The words for a whole number too large for a float, its first digits and its length."""
    if not isinstance(n, int):
        return f"{n!r}"[:40] + " is beyond the float range (about ±1.8e308)"
    bits = abs(n).bit_length()
    if bits < 14_000:  # str() of an int is limited to 4300 digits
        text = str(n)
        shown = f"{text[:8]}… ({len(text.lstrip('-')):,} digits)"
    else:
        sign = "a negative" if n < 0 else "an"
        shown = f"{sign} integer of about {int(bits * 0.30103):,} digits"
    return f"{shown} is beyond the float range (about ±1.8e308)"


def evaluate(
    op: Primitive, inputs: Sequence[float], operands: Sequence[Any]
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
    if not is_built_in(op):  # the built-ins return floats; a user's op is checked
        for what, number in (("value", value), *(("a local derivative", d) for d in derivatives)):
            if not is_number(number):
                raise TypeError(
                    f"primitive {str(op)!r} returned {what} {number!r} "
                    f"({type(number).__name__}); it must be a real number"
                )
        derivatives = tuple([float(d) for d in derivatives])
    return float(value), derivatives


def is_built_in(op: object) -> bool:
    """True for microgrid's own primitives (their one flag): a user's op named ``exp`` is not one.

    >>> from microgrid import primitive
    >>> from microgrid.engine.primitives import exp
    >>> @primitive(name="exp")
    ... def my_exp(x):
    ...     return x, (1.0,)
    >>> is_built_in(exp), is_built_in(my_exp), str(my_exp) == str(exp)
    (True, False, True)
    """
    return isinstance(op, Primitive) and op.built_in


def parents_only(
    derivatives: Sequence[float], constants: tuple[float | None, ...]
) -> tuple[float, ...]:
    if not constants:
        return tuple(derivatives)  # the same object when it already is a tuple
    return tuple(d for d, c in zip(derivatives, constants, strict=True) if c is None)


def describe(op: Primitive, operands: Sequence[Any]) -> str:
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
