"""The notation every layer prints with: node names, numbers, and formulas.

A picture, an explanation, a gradient check and the command line all call a
node by the same name and write its op the same way, because they all use
this module:

>>> from microgrid import Value
>>> b, c = Value(3.0, label="b"), Value(2.0, label="c")
>>> u = (b * c).named("u")
>>> names = node_names(u)
>>> formula(u, names), format_number(u.value), d_name("x1")
('b · c', '6', 'x1')
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from microgrid.engine import Primitive, Value, dot_product, power, summation
from microgrid.engine.walks import topological_order

__all__ = [
    "MAX_TERMS",
    "MINUS",
    "ChainRuleRow",
    "d_name",
    "format_number",
    "formula",
    "node_names",
    "number_in_formula",
    "signed",
]


@dataclass(frozen=True)
class ChainRuleRow:
    """One step of the chain rule, backwards (``dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3``) or
    forwards (``dJ/da = ∂J/∂v · dv/da = 3 · 1 = 3``): the parts that are there, joined by =."""

    derivative: str
    symbols: str
    numbers: str
    value: str

    def __str__(self) -> str:
        parts = [self.derivative, self.symbols, self.numbers, self.value]
        return " = ".join(part for part in parts if part)


MINUS = "\u2212"
"""The minus sign in numbers and formulas (−), not the hyphen."""

# n-ary nodes (sum, dot) and long path sums are written in full up to this many terms.
MAX_TERMS = 4

_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# ---------------------------------------------------------------------------
# Names and numbers.
# ---------------------------------------------------------------------------


def node_names(root: Value) -> dict[Value, str]:
    """A name for every node under `root`: its label, or t1, t2, … in topological order.

    An unlabelled root is called J (the seed's name for the cost) unless a label
    already uses J. Automatic names skip any name a label already uses. A label
    shared by several nodes gets subscripts (z₁, z₂, …) so no two nodes share a name.

    >>> from microgrid import Value
    >>> a = Value(2.0, label="a")
    >>> y = (a * a + 1).exp()
    >>> names = node_names(y)
    >>> [names[node] for node in topological_order(y)]
    ['a', 't1', 't2', 'J']
    """
    order = topological_order(root)
    uses = Counter(node.label for node in order if node.label)
    taken = set(uses)
    seen: Counter[str] = Counter()
    names: dict[Value, str] = {}
    counter = 0
    for node in order:
        if node.label and uses[node.label] == 1:
            names[node] = node.label
        elif node.label:
            seen[node.label] += 1
            names[node] = node.label + str(seen[node.label]).translate(_SUBSCRIPTS)
        elif node is root and "J" not in taken:
            names[node] = "J"
        else:
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            names[node] = f"t{counter}"
    return names


def format_number(x: float, precision: int = 4) -> str:
    """A number for people: whole numbers in full, others to `precision` significant digits.

    >>> format_number(33.0), format_number(0.7310585786), format_number(-0.0), format_number(-2e-9)
    ('33', '0.7311', '0', '−2e−09')
    """
    # A delta may be a Value (backward(create_graph=True)): its number, read as .value
    # (float() would say the Value left the graph).
    x = x.value if isinstance(x, Value) else float(x)
    if x == 0:
        return "0"  # also -0.0, which would print as a puzzling "-0"
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        text = str(int(x))
    else:
        text = f"{x:.{precision}g}"
    # One minus sign everywhere, the same as in formulas (−x); the parser reads it back.
    return text.replace("-", MINUS)


def signed(text: str) -> str:
    """A number printed by Python, with the minus sign of `format_number`."""
    return text.replace("-", MINUS)


def number_in_formula(x: float, precision: int) -> str:
    """A number inside a formula: negative numbers in parentheses, ``3 · (−2)``."""
    text = format_number(x, precision)
    return f"({text})" if text.startswith(MINUS) else text


def d_name(name: str) -> str:
    """``u`` as it appears after a d or ∂: plain names bare, anything else in parentheses."""
    return name if name.replace("_", "a").isalnum() else f"({name})"


# ---------------------------------------------------------------------------
# Formulas: a node's op written with its inputs' names (or values).
# ---------------------------------------------------------------------------


def formula(
    node: Value,
    names: dict[Value, str],
    precision: int = 4,
    values: bool = False,
) -> str:
    """The op of `node` written with its parents' names: ``b · c``, ``σ(z)``, ``x²``.

    Constants sit in their positions (``3 · v``). With ``values=True`` the parents'
    values replace their names (``3 · 11``). Leaves have no formula (``""``).

    >>> from microgrid import Value
    >>> x = Value(3.0, label="x")
    >>> y = x**2
    >>> formula(y, {x: "x"}), formula(y, {x: "x"}, values=True)
    ('x²', '3²')
    """
    if not node.parents:
        return ""
    raw: list[str] = []  # each input as written: a name, or a number as is
    for operand in node._operands():
        if isinstance(operand, Value) and not values:
            raw.append(names[operand])
        else:
            number = operand.value if isinstance(operand, Value) else operand
            raw.append(format_number(number, precision))
    # Negative numbers get parentheses, 3 · (−2), except where the formula
    # already encloses them: σ(−2), |−2|, f(−2, 1).
    wrapped = [f"({text})" if text.startswith(MINUS) else text for text in raw]
    op = node.op
    name = str(op)
    if op is power:  # the ops themselves: a user's op named "dot" is written f(…)
        return _power(node, wrapped)
    if op is summation:
        return _terms(wrapped)
    if op is dot_product:
        half = len(wrapped) // 2
        pairs = zip(wrapped[:half], wrapped[half:], strict=True)
        return _terms([f"{w} · {x}" for w, x in pairs])
    template = op.formula if isinstance(op, Primitive) else None
    if template:
        operands = [
            text if f"({{{i}}})" in template or f"|{{{i}}}|" in template else wrapped[i]
            for i, text in enumerate(raw)
        ]
        try:
            return template.format(*operands)
        except (IndexError, KeyError, ValueError):
            pass  # a user primitive whose formula does not fit its inputs
    shown = raw if len(raw) <= 6 else [*raw[:3], "…", raw[-1]]
    return f"{name}({', '.join(shown)})"


def _power(node: Value, operands: list[str]) -> str:
    base, exponent = operands
    constants = node.constants
    if constants and constants[1] is not None:
        value = constants[1]
        # Small whole exponents as superscripts: x², x³, x⁻¹ read like the textbook.
        if value.is_integer() and -9 <= value <= 9:
            return f"{base}{str(int(value)).translate(_SUPERSCRIPTS)}"
        exponent = format_number(value)
        if exponent.startswith(MINUS):
            exponent = f"({exponent})"
    # ** as the expressions are typed (the engine's template says ^, which they refuse).
    return f"{base}**{exponent}"


def _terms(terms: list[str]) -> str:
    if len(terms) <= MAX_TERMS:
        return " + ".join(terms)
    return f"{terms[0]} + {terms[1]} + … + {terms[-1]} ({len(terms)} terms)"
