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

Names, numbers and formulas come from `notation.py`, shared with the pictures,
so a picture and its explanation always call a node by the same name. The
seed's nudge experiment is in `nudge.py`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from microgrid.engine import Value, fresh_deltas
from microgrid.engine.walks import topological_order
from microgrid.show.forward_mode import tangent_rows
from microgrid.show.notation import (
    MAX_TERMS,
    ChainRuleRow,
    d_name,
    format_number,
    formula,
    node_names,
    number_in_formula,
)

__all__ = [
    "Explanation",
    "ForwardRow",
    "backward_deltas",
    "chain_rule",
    "children_of",
    "explain",
]

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

    The engine's `fresh_deltas` computes them (the chain rule in the one place
    backward uses); the nodes' own ``delta`` (which accumulates across backward
    calls) is left as it was.

    >>> from microgrid import Value
    >>> x = Value(3.0)
    >>> backward_deltas(x * x)[x]
    6.0
    """
    nodes = list(order) if order is not None else topological_order(root)
    if not nodes or nodes[-1] is not root:  # fresh_deltas needs J last
        nodes = topological_order(root)
    return dict(zip(nodes, fresh_deltas(nodes), strict=True))


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
class Explanation:
    """The forward pass, then the backward pass, one line per node. ``str()`` it or show it
    in a notebook (an HTML table)."""

    root: str
    forward: tuple[ForwardRow, ...]
    backward: tuple[ChainRuleRow, ...]
    # mode="forward": d(node)/d(wrt) from wrt up to the root, instead of `backward`.
    wrt: str = ""
    tangents: tuple[ChainRuleRow, ...] = ()

    def lines(self) -> list[str]:
        """Every line of ``str(self)``."""
        lines = ["Forward pass: each node from its parents", *(f"  {r}" for r in self.forward)]
        if self.wrt:
            return [
                *lines,
                f"Forward mode: dnode/d{self.wrt} by the chain rule, "
                f"from {self.wrt} up to {self.root}",
                *(f"  {row}" for row in self.tangents),
            ]
        return [
            *lines,
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
        rows = self.tangents if self.wrt else self.backward
        caption = (
            f"Forward mode (chain rule, dnode/d{self.wrt})"
            if self.wrt
            else f"Backward pass (chain rule, d{self.root}/dnode)"
        )
        backward = table(
            caption,
            ["derivative", "chain rule", "with numbers", "value"],
            [(r.derivative, r.symbols, r.numbers, r.value) for r in rows],
        )
        return f'<div class="microgrid-explain">{forward}{backward}</div>'


def explain(
    root: Value, precision: int = 4, *, wrt: Value | None = None, mode: str = "backward"
) -> Explanation:
    """Narrate the forward pass and the chain rule for every node under `root`.

    The derivatives are computed afresh (as one ``root.backward()`` would give),
    so it works before ``backward()`` and does not change any node. With
    ``mode="forward", wrt=a`` the chain rule runs forwards instead, the seed's
    way: d(node)/da for each node from a up to the root (forward_mode.py).

    >>> from microgrid import Value
    >>> x = Value(3.0, label="x")
    >>> print(explain((x * x).named("y")).backward[-1])
    dy/dx = dy/dy · ∂y/∂x + dy/dy · ∂y/∂x = 1 · 3 + 1 · 3 = 6
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain() needs a Value, got {type(root).__name__}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be a whole number from 1 to 17, got {precision!r}")
    if mode not in ("backward", "forward"):
        raise ValueError(f"mode must be 'backward' or 'forward', got {mode!r}")
    if (mode == "forward") != (wrt is not None):
        raise ValueError(
            "explain(J, wrt=a, mode='forward') narrates dnode/da from one input a; "
            "the backward mode needs no wrt"
        )
    order = topological_order(root)
    names = node_names(root)
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
    if wrt is not None:
        tangents = tuple(tangent_rows(root, wrt, precision, names))
        return Explanation(names[root], forward, (), names[wrt], tangents)
    deltas = backward_deltas(root, order)
    top = d_name(names[root])
    backward = []
    for node in reversed(order):
        symbols, numbers = chain_rule(node, root, names, deltas, children, precision)
        backward.append(
            ChainRuleRow(
                f"d{top}/d{d_name(names[node])}",
                symbols,
                numbers,
                format_number(deltas[node], precision),
            )
        )
    return Explanation(names[root], forward, tuple(backward))
