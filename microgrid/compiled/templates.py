"""The templates `compile()` writes code from: one per built-in primitive.

A template turns an op and the text of its inputs into two things: the forward
expression, and one local derivative ∂out/∂input per input, each written as the
primitive computes it (the same expression, in the same order):

>>> from microgrid import primitives as P
>>> template(P.mul, ["b", "c"], "u", ())
('b * c', ['c', 'b'])
>>> template(P.exp, ["x"], "e", ())
('exp(x)', ['e'])

Both writers (`compiled/readable.py`, one named line per node, and
`compiled/registers.py`, for big graphs) use these, so each op's code is written
once. An op with no template (a user primitive, a Value exponent) returns None:
the writers then call its forward function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from microgrid.engine import primitives as P

__all__ = [
    "BINDING",
    "HELPERS",
    "READS_INPUT_TWICE",
    "RESERVED",
    "TEMPLATES",
    "grouped",
    "number",
    "template",
]

# Names the generated code uses for its helpers: never given to a node.
HELPERS: dict[str, Any] = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sqrt": math.sqrt,
    "abs": abs,
    "fsum": P.exact_sum,  # math.fsum with IEEE's inf and NaN where fsum raises
    "inf": math.inf,
    "nan": math.nan,
    # One definition of the math: these call the primitive itself.
    "sigmoid": lambda x: P.sigmoid.forward(x)[0],
    "bce": lambda a, y: P.bce.forward(a, y)[0],
    "bce_with_logits": lambda z, y: P.bce_with_logits.forward(z, y)[0],
}
RESERVED = frozenset({*HELPERS, "leaves", "step"})

Written = tuple[str, list[str]] | None
Template = Callable[[Sequence[str], str, Sequence[float | None]], Written]


def template(
    op: object, x: Sequence[str], out: str, constants: Sequence[float | None]
) -> tuple[str, list[str]] | None:
    """(forward expression, ∂out/∂input for each input), or None: no template.

    `x` are the inputs' texts (names, numbers, or bracketed expressions), `out`
    the node's own name (some derivatives are written with the result, as
    exp's is), `constants` the node's `constants` (which inputs are numbers).
    """
    write = TEMPLATES.get(op)  # type: ignore[call-overload]
    return None if write is None else write(x, out, constants)


def _power(x: Sequence[str], out: str, constants: Sequence[float | None]) -> Written:
    k = constants[1] if len(constants) == 2 else None
    if k is None or not float(k).is_integer():
        return None  # a Value exponent, or a fractional one: the primitive's own checks
    if k == 0:
        slope = "0.0"  # x ** 0 is flat, as the primitive says
    elif k == 2:
        slope = f"{number(k)} * {x[0]}"
    else:
        slope = f"{number(k)} * {x[0]} ** {number(k - 1)}"
    return f"{x[0]} ** {x[1]}", [slope, "nan"]


def _bce(x: Sequence[str], out: str, constants: Sequence[float | None]) -> Written:
    if len(constants) != 2 or constants[1] is None:
        return None  # a label that is itself a Value: the primitive computes ∂L/∂y too
    a, y, label = x[0], constants[1], x[1]
    if y == 1:
        slope = f"-1 / {a}"
    elif y == 0:
        slope = f"1 / (1 - {a})"
    else:
        slope = f"-{label} / {a} + (1 - {label}) / (1 - {a})"
    return f"bce({a}, {label})", [slope, "nan"]


def _bce_with_logits(
    x: Sequence[str], out: str, constants: Sequence[float | None]
) -> tuple[str, list[str]] | None:
    if len(constants) != 2 or constants[1] is None:
        return None
    z, y = x
    return f"bce_with_logits({z}, {y})", [f"(1 - {y}) * sigmoid({z}) - {y} * sigmoid(-{z})", "nan"]


def _dot(x: Sequence[str], out: str, constants: Sequence[float | None]) -> tuple[str, list[str]]:
    n = len(x) // 2
    products = [f"{w} * {v}" for w, v in zip(x[:n], x[n:], strict=True)]
    return f"fsum({_tuple(products)})", [*x[n:], *x[:n]]


TEMPLATES: dict[P.Primitive, Template] = {
    P.add: lambda x, out, c: (f"{x[0]} + {x[1]}", ["1", "1"]),
    P.sub: lambda x, out, c: (f"{x[0]} - {x[1]}", ["1", "-1"]),
    P.mul: lambda x, out, c: (f"{x[0]} * {x[1]}", [x[1], x[0]]),
    P.div: lambda x, out, c: (
        f"{x[0]} / {x[1]}",
        [f"1 / {x[1]}", f"-{out} / {x[1]}"],  # −(x/y)/y, as the primitive computes it
    ),
    P.power: _power,
    P.neg: lambda x, out, c: (f"-{x[0]}", ["-1"]),
    P.exp: lambda x, out, c: (f"exp({x[0]})", [out]),
    P.log: lambda x, out, c: (f"log({x[0]})", [f"1 / {x[0]}"]),
    P.tanh: lambda x, out, c: (f"tanh({x[0]})", [f"1 - {out} * {out}"]),
    P.sqrt: lambda x, out, c: (f"sqrt({x[0]})", [f"0.5 / {out}"]),
    P.sigmoid: lambda x, out, c: (f"sigmoid({x[0]})", [f"{out} * (1 - {out})"]),
    # relu(NaN) is NaN, as the primitive says: `not x <= 0` is true for NaN. The
    # slope is read from the result (out > 0 exactly when x > 0), so x can be dropped.
    P.relu: lambda x, out, c: (f"({x[0]} if not {x[0]} <= 0 else 0.0)", [f"({out} > 0)"]),
    P.absolute: lambda x, out, c: (
        f"abs({x[0]})",
        [f"(1.0 if {x[0]} > 0 else -1.0 if {x[0]} < 0 else 0.0)"],
    ),
    P.summation: lambda x, out, c: (f"fsum({_tuple(x)})", ["1"] * len(x)),
    P.dot_product: _dot,
    P.bce: _bce,
    P.bce_with_logits: _bce_with_logits,
}
# Ops whose forward expression reads an input twice: that input must be a name.
READS_INPUT_TWICE = frozenset({P.relu})

# How tightly a template's result binds (Python's precedence, loosest first), and
# how tightly an input written into it must bind to need no brackets: the
# compact writer brackets only where Python would otherwise group differently
# (a + b + c is (a + b) + c, as the graph adds it; a + (b + c) keeps its brackets).
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
_CALL = (ATOM, None)  # None: any input as it is (an argument needs no brackets)
BINDING: dict[P.Primitive, tuple[int, tuple[int, ...] | None]] = {
    P.add: (SUM, (SUM, PRODUCT)),
    P.sub: (SUM, (SUM, PRODUCT)),
    P.mul: (PRODUCT, (PRODUCT, UNARY)),
    P.div: (PRODUCT, (PRODUCT, UNARY)),
    P.neg: (UNARY, (UNARY,)),
    P.power: (POWER, (ATOM, ATOM)),
    **{
        op: _CALL
        for op in (P.exp, P.log, P.tanh, P.sqrt, P.sigmoid, P.absolute, P.summation, P.bce)
    },
    P.bce_with_logits: _CALL,
}


def grouped(expression: str) -> str:
    """Parenthesised if it has a top-level + or − (so that `* delta` binds to all of it)."""
    depth = 0
    for position, char in enumerate(expression):
        depth += (char == "(") - (char == ")")
        if depth == 0 and char in "+-" and expression[position - 1 : position] == " ":
            return f"({expression})"
    return expression


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def number(c: float) -> str:
    """A constant as Python source: 3 for 3.0, (-2) for -2.0, inf, nan."""
    if math.isnan(c):
        return "nan"
    if c == 0:
        return "0.0" if math.copysign(1.0, c) > 0 else "(-0.0)"
    if math.isinf(c):
        return "inf" if c > 0 else "(-inf)"
    text = str(int(c)) if c.is_integer() and abs(c) < 2**53 else repr(c)
    return f"({text})" if c < 0 or text.startswith("-") else text
