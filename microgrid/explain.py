"""The chain rule, narrated node by node, and the seed's nudge experiment.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> u = (b * c).named("u")
>>> v = (a + u).named("v")
>>> J = (3 * v).named("J")
>>> print(explain(J))
Forward pass: each node from its parents
  a = 5
  b = 3
  c = 2
  u = b · c = 3 · 2 = 6
  v = a + u = 5 + 6 = 11
  J = 3 · v = 3 · 11 = 33
Backward pass: dJ/dnode by the chain rule, from J back to the leaves
  dJ/dJ = 1
  dJ/dv = dJ/dJ · ∂J/∂v = 1 · 3 = 3
  dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3
  dJ/dc = dJ/du · ∂u/∂c = 3 · 3 = 9
  dJ/db = dJ/du · ∂u/∂b = 3 · 2 = 6
  dJ/da = dJ/dv · ∂v/∂a = 3 · 1 = 3

The naming and formula helpers here are shared with `microgrid.render`, so a
picture and its explanation always call a node by the same name.
"""

from __future__ import annotations

import html
import math
import numbers
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from microgrid.engine import Primitive, Value
from microgrid.graph import replay, topological_order

__all__ = [
    "BackwardRow",
    "Explanation",
    "ForwardRow",
    "NudgeResult",
    "backward_deltas",
    "chain_rule",
    "children_of",
    "d_name",
    "explain",
    "format_number",
    "formula",
    "node_names",
    "nudge",
    "nudge_table",
    "number_in_formula",
]

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
    if x == 0:
        return "0"  # also -0.0, which would print as a puzzling "-0"
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        text = str(int(x))
    else:
        text = f"{x:.{precision}g}"
    # One minus sign everywhere, the same as in formulas (−x); the parser reads it back.
    return text.replace("-", MINUS)


def _signed(text: str) -> str:
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
    if name == "**":
        return _power(node, wrapped)
    if name == "sum":
        return _terms(wrapped)
    if name == "dot":
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


# ---------------------------------------------------------------------------
# Backprop without touching node.delta.
# ---------------------------------------------------------------------------


def children_of(order: Sequence[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """For each node, the (child, parent position) pairs that use it: one per edge."""
    children: dict[Value, list[tuple[Value, int]]] = {node: [] for node in order}
    for node in order:
        for position, parent in enumerate(node.parents):
            children[parent].append((node, position))
    return children


def backward_deltas(root: Value, order: Sequence[Value] | None = None) -> dict[Value, float]:
    """dJ/dnode for every node under `root`, as one fresh ``root.backward()`` would give.

    Computed into a dict: the nodes' own ``delta`` (which accumulates across
    backward calls) is left alone.

    >>> from microgrid import Value
    >>> x = Value(3.0)
    >>> backward_deltas(x * x)[x]
    6.0
    """
    if order is None:
        order = topological_order(root)
    deltas = dict.fromkeys(order, 0.0)
    deltas[root] = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_derivatives, strict=True):
            deltas[parent] += local * deltas[node]
    return deltas


def chain_rule(
    node: Value,
    root: Value,
    names: dict[Value, str],
    deltas: dict[Value, float],
    children: dict[Value, list[tuple[Value, int]]],
    precision: int = 4,
) -> tuple[str, str]:
    """dJ/dnode as a sum over the edges out of `node`: (symbols, numbers).

    For the seed's u: ``("dJ/dv · ∂v/∂u", "3 · 1")``. The root gives ``("", "")``.
    """
    if node is root:
        return "", ""
    top = d_name(names[root])
    me = d_name(names[node])
    symbols, numbers = [], []
    for child, position in children[node]:
        kid = d_name(names[child])
        symbols.append(f"d{top}/d{kid} · ∂{kid}/∂{me}")
        local = child.local_derivatives[position]
        numbers.append(
            f"{number_in_formula(deltas[child], precision)} · {number_in_formula(local, precision)}"
        )
    count = len(symbols)
    if count > MAX_TERMS:
        # w used by 1000 samples: show the pattern, not 1000 terms.
        symbols = [*symbols[:2], "…", symbols[-1]]
        numbers = [*numbers[:2], "…", numbers[-1]]
        return (
            f"Σ over {count} paths: " + " + ".join(symbols),
            " + ".join(numbers),
        )
    return " + ".join(symbols), " + ".join(numbers)


# ---------------------------------------------------------------------------
# explain()
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ForwardRow:
    """One node of the forward pass: ``u = b · c = 3 · 2 = 6``."""

    name: str
    formula: str
    substituted: str
    value: str

    def __str__(self) -> str:
        parts = [self.name]
        if self.formula:
            parts.append(self.formula)
            if self.substituted != self.formula:
                parts.append(self.substituted)
        parts.append(self.value)
        return " = ".join(parts)


@dataclass(frozen=True)
class BackwardRow:
    """One node of the backward pass: ``dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3``."""

    derivative: str
    symbols: str
    numbers: str
    value: str

    def __str__(self) -> str:
        parts = [self.derivative, self.symbols, self.numbers, self.value]
        return " = ".join(part for part in parts if part)


@dataclass(frozen=True)
class Explanation:
    """The forward pass, then the backward pass, one line per node. ``str()`` it or show it
    in a notebook (an HTML table)."""

    root: str
    forward: tuple[ForwardRow, ...]
    backward: tuple[BackwardRow, ...]

    def lines(self) -> list[str]:
        """Every line of ``str(self)``."""
        return [
            "Forward pass: each node from its parents",
            *(f"  {row}" for row in self.forward),
            f"Backward pass: d{self.root}/dnode by the chain rule, "
            f"from {self.root} back to the leaves",
            *(f"  {row}" for row in self.backward),
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """Two tables for Jupyter; every piece of text is escaped (labels are data)."""

        def cell(text: str, tag: str = "td") -> str:
            return f"<{tag}>{html.escape(text)}</{tag}>"

        def table(caption: str, head: Sequence[str], rows: list[Sequence[str]]) -> str:
            header = "".join(cell(h, "th") for h in head)
            body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
            return (
                f"<table><caption>{html.escape(caption)}</caption>"
                f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
            )

        forward = table(
            "Forward pass",
            ["node", "formula", "with numbers", "value"],
            [(r.name, r.formula, r.substituted, r.value) for r in self.forward],
        )
        backward = table(
            f"Backward pass (chain rule, d{self.root}/dnode)",
            ["derivative", "chain rule", "with numbers", "value"],
            [(r.derivative, r.symbols, r.numbers, r.value) for r in self.backward],
        )
        return f'<div class="microgrid-explain">{forward}{backward}</div>'


def explain(root: Value, precision: int = 4) -> Explanation:
    """Narrate the forward pass and the chain rule for every node under `root`.

    The derivatives are computed afresh (as one ``root.backward()`` would give),
    so it works before ``backward()`` and does not change any node.

    >>> from microgrid import Value
    >>> x = Value(3.0, label="x")
    >>> print(explain((x * x).named("y")).backward[-1])
    dy/dx = dy/dy · ∂y/∂x + dy/dy · ∂y/∂x = 1 · 3 + 1 · 3 = 6
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain() needs a Value, got {type(root).__name__}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be a whole number from 1 to 17, got {precision!r}")
    order = topological_order(root)
    names = node_names(root)
    deltas = backward_deltas(root, order)
    children = children_of(order)
    forward = tuple(
        ForwardRow(
            names[node],
            formula(node, names, precision),
            formula(node, names, precision, values=True),
            format_number(node.value, precision),
        )
        for node in order
    )
    top = d_name(names[root])
    backward = []
    for node in reversed(order):
        symbols, numbers = chain_rule(node, root, names, deltas, children, precision)
        backward.append(
            BackwardRow(
                f"d{top}/d{d_name(names[node])}",
                symbols,
                numbers,
                format_number(deltas[node], precision),
            )
        )
    return Explanation(names[root], forward, tuple(backward))


# ---------------------------------------------------------------------------
# nudge(): the seed's experiment, a += 0.001 and watch J.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeResult:
    """J before and after nudging one leaf by h, the slope, and dJ/dleaf from backprop."""

    root: str
    leaf: str
    h: float
    before: float
    after: float
    slope: float
    delta: float

    def __str__(self) -> str:
        top, leaf = d_name(self.root), d_name(self.leaf)
        return "\n".join(
            [
                f"nudge {self.leaf} by h = {_signed(f'{self.h:g}')}: "
                f"{self.root} goes from {_signed(f'{self.before:.10g}')} "
                f"to {_signed(f'{self.after:.10g}')}",
                f"  slope ({self.root}' − {self.root})/h = {_signed(f'{self.slope:.6g}')}",
                f"  d{top}/d{leaf} by backprop    = {_signed(f'{self.delta:.6g}')}",
            ]
        )


def nudge(root: Value, leaf: Value | str, h: float = 1e-3) -> NudgeResult:
    """Add `h` to `leaf`, recompute `root` (via replay), and compare the slope with dJ/dleaf.

    `leaf` is a leaf Value or its label. Every value and local derivative is put
    back afterwards, even if the nudged value hits a domain error.

    >>> from microgrid import Value
    >>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    >>> J = 3 * (a + b * c)
    >>> result = nudge(J, a)
    >>> round(result.after, 6), round(result.slope, 6), result.delta, a.value, J.value
    (33.003, 3.0, 3.0, 5.0, 33.0)
    """
    if not isinstance(h, numbers.Real) or isinstance(h, bool) or not math.isfinite(h) or h == 0:
        raise ValueError(f"nudge needs a finite, nonzero step h, got {h!r}")
    order = topological_order(root)
    names = node_names(root)
    target = _find_leaf(order, names, leaf)
    original = target.value
    # Recomputed, not read: after a hand-made `a.value = 5.001` the graph still
    # holds the old values, and `after` (a replay) would be compared with them.
    before = replay(root, {target: original})
    try:
        after = replay(root, {target: original + h})
    finally:
        # Recomputing with the original value restores values and local
        # derivatives exactly: the primitives are deterministic.
        replay(root, {target: original})
    delta = backward_deltas(root, order)[target]
    return NudgeResult(
        names[root], names[target], float(h), before, after, (after - before) / h, delta
    )


def _find_leaf(order: Sequence[Value], names: dict[Value, str], leaf: Value | str) -> Value:
    if isinstance(leaf, str):
        matches = [node for node in order if not node.parents and names[node] == leaf]
        if len(matches) != 1:
            leaves = ", ".join(names[n] for n in order if not n.parents)
            problem = "no leaf" if not matches else f"{len(matches)} leaves"
            raise ValueError(f"nudge: {problem} named {leaf!r} in the graph (leaves: {leaves})")
        return matches[0]
    if not isinstance(leaf, Value):
        raise TypeError(f"nudge: leaf must be a Value or a label, got {type(leaf).__name__}")
    if leaf not in names:
        raise ValueError(f"nudge: {leaf!r} is not a node of the graph under the root")
    if leaf.parents:
        raise ValueError(f"nudge: {names[leaf]!r} is computed by {str(leaf.op)!r}, not a leaf")
    return leaf


def nudge_table(root: Value, h: float = 1e-3) -> str:
    """The nudge experiment for every leaf, as a table: the slope beside dJ/dleaf.

    >>> from microgrid import Value
    >>> x, y = Value(2.0, label="x"), Value(5.0, label="y")
    >>> print(nudge_table((x * y).named("J"), h=1e-6))
    leaf  value  J before   J after  slope (J' − J)/h  dJ/dleaf
    x         2        10  10.000005                5         5
    y         5        10  10.000002                2         2
    """
    order = topological_order(root)
    leaves = [node for node in order if not node.parents]
    results = [nudge(root, leaf, h) for leaf in leaves]
    top = results[0].root if results else node_names(root)[root]
    header = ["leaf", "value", f"{top} before", f"{top} after", f"slope ({top}' − {top})/h"]
    header.append(f"d{d_name(top)}/dleaf")
    rows = [
        [
            r.leaf,
            format_number(leaf.value, 6),
            _signed(f"{r.before:.10g}"),
            _signed(f"{r.after:.10g}"),
            _signed(f"{r.slope:.6g}"),
            _signed(f"{r.delta:.6g}"),
        ]
        for r, leaf in zip(results, leaves, strict=True)
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # The name column is left-aligned, the numbers right-aligned.
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return "\n".join(line(cells) for cells in [header, *rows])
