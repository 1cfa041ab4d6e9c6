"""The seed's single example: x1, x2, w1, w2, b → z → a → L, forward then backward.

The seed computes, for one picture with two features,

    z = w1·x1 + w2·x2 + b,   a = σ(z),   L = −(y·log a + (1 − y)·log(1 − a))

and then, from right to left, da = −y/a + (1 − y)/(1 − a), dz = a − y,
dw1 = x1·dz, dw2 = x2·dz, db = dz. Here microgrid builds that graph from
Values, backprops through it, and we check each of the seed's formulas.

    python examples/02_single_example.py               # print the passes and the checks
    python examples/02_single_example.py --draw L.svg  # and draw the graph (.svg/.png/.dot)
"""

from __future__ import annotations

import argparse
import math
import sys

from microgrid import explain, render, topological_order
from microgrid.course.logistic import single_example


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draw", metavar="FILE", help="draw the graph to FILE (.svg .png .dot)")
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate for one step")
    args = parser.parse_args(argv)

    x1, x2, y = 1.5, 2.0, 1  # one sample: two features and its label (1 = cat)
    w1, w2, b = 0.4, -0.1, 0.2  # the current parameters

    L = single_example([x1, x2], y, [w1, w2], b)
    L.backward()
    print(explain(L))

    node = {n.label: n for n in topological_order(L)}
    a, dz = node["a"].value, node["z"].delta
    print("\nThe seed's formulas against the graph's deltas:")
    checks = [
        ("da = −y/a + (1−y)/(1−a)", -y / a + (1 - y) / (1 - a), node["a"].delta),
        ("dz = a − y", a - y, dz),
        ("dw1 = x1 · dz", x1 * dz, node["w1"].delta),
        ("dw2 = x2 · dz", x2 * dz, node["w2"].delta),
        ("db = dz", dz, node["b"].delta),
    ]
    all_ok = True
    for formula, by_hand, from_graph in checks:
        ok = math.isclose(by_hand, from_graph, rel_tol=1e-12, abs_tol=1e-15)
        all_ok &= ok
        print(
            f"  {formula:<26} by hand {by_hand:+.6f}   graph {from_graph:+.6f}   "
            + ("ok" if ok else "MISMATCH")
        )

    # One gradient-descent step on this single sample: w := w − α·dw.
    step = [w1 - args.lr * node["w1"].delta, w2 - args.lr * node["w2"].delta]
    L_after = single_example([x1, x2], y, step, b - args.lr * node["b"].delta)
    print(f"\nOne step with learning rate {args.lr}: L {L.value:.6f} → {L_after.value:.6f}")

    if args.draw:
        render(L, args.draw, show_local=True)
        print(f"graph drawn to {args.draw}")
    return 0 if all_ok and L_after.value < L.value else 1


if __name__ == "__main__":
    sys.exit(main())
