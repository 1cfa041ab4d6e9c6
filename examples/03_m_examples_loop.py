"""The seed's loop over m examples, then gradient descent, on two-feature data.

First the seed's pseudo-code exactly as written for two features (dw1, dw2
spelled out), then microgrid's `loop_gradients` (the same loop with an inner
loop over any number of features) and the Value graph `cost_graph`, which
must all agree. Finally a few hundred gradient-descent steps with the loop.

    python examples/03_m_examples_loop.py [--m 50] [--iterations 300] [--lr 0.1]
"""

from __future__ import annotations

import argparse
import math
import sys

from microgrid.course.datasets import toy_2d
from microgrid.course.logistic import LogisticRegression, cost_graph, loop_gradients


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=50, help="number of samples")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate α")
    args = parser.parse_args(argv)

    X, Y = toy_2d(args.m, seed=0)  # X (2, m): columns are samples; Y (1, m)
    m = X.shape[1]
    w1, w2, b = 0.3, -0.2, 0.0

    # --- the seed's pseudo-code, line by line ---------------------------------
    J = 0.0
    dw1 = 0.0
    dw2 = 0.0
    db = 0.0
    for i in range(m):
        z = w1 * X[0, i] + w2 * X[1, i] + b
        a = sigmoid(z)
        J += -(Y[0, i] * math.log(a) + (1 - Y[0, i]) * math.log(1 - a))
        dz = a - Y[0, i]
        dw1 += X[0, i] * dz
        dw2 += X[1, i] * dz
        db += dz
    J /= m
    dw1 /= m
    dw2 /= m
    db /= m
    print(f"seed's loop:      J = {J:.10f}  dw1 = {dw1:+.10f}  dw2 = {dw2:+.10f}  db = {db:+.10f}")

    # --- the same with microgrid's loop and with the Value graph -------------
    w = [[w1], [w2]]
    loop = loop_gradients(X, Y, w, b)
    print(
        f"loop_gradients:   J = {loop.cost:.10f}  dw1 = {loop.dw[0, 0]:+.10f}  "
        f"dw2 = {loop.dw[1, 0]:+.10f}  db = {loop.db:+.10f}"
    )
    graph = cost_graph(X, Y, w, b)
    graph.backward()
    print(
        f"cost_graph:       J = {graph.J.value:.10f}  dw1 = {graph.w[0].delta:+.10f}  "
        f"dw2 = {graph.w[1].delta:+.10f}  db = {graph.b.delta:+.10f}"
    )
    worst = max(
        abs(m * z_i.delta - (a_i.value - y))
        for z_i, a_i, y in zip(graph.z, graph.a, Y[0], strict=True)
    )
    print(f"in the graph, max over samples of |m·dz − (a − y)| = {worst:.1e}")
    agree = all(
        math.isclose(p, q, rel_tol=1e-10, abs_tol=1e-12)
        for p, q in [
            (J, loop.cost),
            (J, graph.J.value),
            (dw1, loop.dw[0, 0]),
            (dw1, graph.w[0].delta),
            (dw2, loop.dw[1, 0]),
            (dw2, graph.w[1].delta),
            (db, loop.db),
            (db, graph.b.delta),
        ]
    )
    print("all three agree" if agree else "MISMATCH between the three")

    # --- gradient descent with the loop ---------------------------------------
    print(f"\n{args.iterations} gradient-descent steps (engine='loop', α = {args.lr}):")
    model = LogisticRegression(args.lr, args.iterations, engine="loop", print_every=100)
    model.fit(X, Y)
    assert model.w_ is not None and model.b_ is not None
    print(f"w = {model.w_.ravel().round(4).tolist()}, b = {model.b_:.4f}")
    print(f"training accuracy: {100 * model.score(X, Y):.1f} %")
    return 0 if agree and worst < 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
