"""The chain rule narrated forwards, from one input up to J: ``explain(J, wrt=a, mode="forward")``.

The seed reasons this way: "a changes a little, so v changes as much, so J
changes 3 times as much". Each line is one node that depends on a:

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> v = (a + b * c).named("v")
>>> J = (3 * v).named("J")
>>> for row in tangent_rows(J, a):
...     print(row)
da/da = 1
dv/da = ∂v/∂a · da/da = 1 · 1 = 1
dJ/da = ∂J/∂v · dv/da = 3 · 1 = 3

Nodes that do not depend on a (b, c, b·c) have d/da = 0 and are left out.
"""

from __future__ import annotations

from microgrid.engine import Value
from microgrid.engine.walks import topological_order
from microgrid.show.notation import (
    MAX_TERMS,
    ChainRuleRow,
    d_name,
    format_number,
    node_names,
    number_in_formula,
)

__all__ = ["tangent_rows"]


def tangent_rows(
    root: Value, wrt: Value, precision: int = 4, names: dict[Value, str] | None = None
) -> list[ChainRuleRow]:
    """d(node)/d(wrt) for every node between `wrt` and `root`, parents first."""
    order = topological_order(root)
    if wrt not in set(order):
        raise ValueError(f"explain(wrt=...): {wrt!r} is not a node of the graph under {root!r}")
    if names is None:
        names = node_names(root)
    me = d_name(names[wrt])
    tangents: dict[Value, float] = {wrt: 1.0}
    rows = [ChainRuleRow(f"d{me}/d{me}", "", "", "1")]
    for node in order[order.index(wrt) + 1 :]:
        # Only the edges from parents that depend on wrt carry a change.
        edges = [
            (parent, local)
            for parent, local in zip(node.parents, node.local_derivatives, strict=True)
            if parent in tangents
        ]
        if not edges:
            continue
        tangent = 0.0
        symbols, numbers = [], []
        child = d_name(names[node])
        for parent, local in edges:
            tangent += local * tangents[parent]
            name = d_name(names[parent])
            symbols.append(f"∂{child}/∂{name} · d{name}/d{me}")
            numbers.append(
                f"{number_in_formula(local, precision)} · "
                f"{number_in_formula(tangents[parent], precision)}"
            )
        tangents[node] = tangent
        if len(symbols) > MAX_TERMS:
            count = len(symbols)
            symbols = [f"Σ over {count} edges: {symbols[0]}", symbols[1], "…", symbols[-1]]
            numbers = [*numbers[:2], "…", numbers[-1]]
        rows.append(
            ChainRuleRow(
                f"d{child}/d{me}",
                " + ".join(symbols),
                " + ".join(numbers),
                format_number(tangent, precision),
            )
        )
    return rows
