"""The seed's chapter "计算图" (computation graph), in code.

    python examples/01_computation_graph.py [OUTPUT_DIR]

J = 3(a + bc) with a = 5, b = 3, c = 2, split into small steps u = bc,
v = a + u, J = 3v. The forward pass computes J = 33; the backward pass
(the red arrows in the course) computes dJ/d(every node). The seed checks
the derivatives by nudging: v += 0.001 makes J grow by 0.003, so dJ/dv = 3;
a += 0.001 makes J grow by 0.003 too (the chain rule: dJ/da = dJ/dv · dv/da
= 3 · 1). Finally the graph is drawn, with the chain rule on its edges, and
as a flip-book page that steps through backprop one node at a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from microgrid import (
    GraphvizNotFoundError,
    Value,
    explain,
    nudge,
    nudge_table,
    render,
    topological_order,
    write_flipbook,
)


def main(output_dir: Path) -> None:
    # Forward pass: each step is a node that remembers its parents.
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    J = (3 * v).named("J")
    print(f"forward pass: u = {u.value:g}, v = {v.value:g}, J = {J.value:g}")

    # The seed's first derivative by hand: J = 3v, so nudging v by 0.001 moves J by 0.003.
    # (v is computed, so we nudge a copy of the last step where v is an input.)
    v_leaf = Value(v.value, label="v")
    J_of_v = (3 * v_leaf).named("J")
    by_hand = nudge(J_of_v, v_leaf, h=0.001)
    print(
        f"v: {v.value:g} → {v.value + 0.001:g} moves J: {by_hand.before:g} → "
        f"{by_hand.after:.6g}, so dJ/dv ≈ {by_hand.slope:.6g}"
    )

    # Backward pass: one call fills in every node's delta = dJ/dnode.
    J.backward()
    print("backward pass: " + ", ".join(f"d{n.label} = {n.delta:g}" for n in topological_order(J)))

    # The chain rule, narrated node by node.
    print()
    print(explain(J))

    # The nudge experiment for every input: the slope matches the delta.
    print()
    print(nudge_table(J))

    # Pictures: the graph with ∂child/∂parent on each edge, and the flip-book page.
    print()
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        picture = render(J, output_dir / "computation_graph.svg", show_local=True)
        page = write_flipbook(J, output_dir / "backprop_flipbook.html")
    except GraphvizNotFoundError as error:
        print(f"no pictures: {error}")
    else:
        print(f"wrote {picture} and {page} (open them in a browser)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
