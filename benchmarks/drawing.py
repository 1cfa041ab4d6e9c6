"""How long `dot` takes to lay out microgrid's pictures: nodes → seconds (`make bench`).

Four kinds of graph, each built from Values and drawn to SVG with `render`
(so with the large-graph layout of `microgrid.show.layout` above 100 nodes):

  - chain       x → x + 1 → (x + 1) · 1.01 → …   (one long path)
  - wide sum    x·0 + x·1 + … + x·k              (the leaf x feeds every rank)
  - MLP         a 2-4-1 tanh net, squared error summed over s samples
  - cost graph  logistic regression's `cost_graph`, n = 2 features, m samples

For each, the CPU seconds of `dot` itself (the child process) and the wall
time of the whole `render` call. The default max_nodes is 500: every kind must
lay out in well under 10 s there, and the max_nodes hint (microgrid.show.layout.
MAX_DRAWABLE_NODES) must stay within what the slowest kind does in 30 s.

Usage: python benchmarks/drawing.py [--quick] [--markdown]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from microgrid import Value, render
from microgrid.course.logistic import cost_graph
from microgrid.engine.walks import topological_order
from microgrid.show.layout import dot_available


def chain(nodes: int) -> Value:
    y = Value(0.5, label="x")
    for step in range(nodes - 1):
        y = y * 1.01 if step % 2 else y + 1
    return y


def wide_sum(nodes: int) -> Value:
    x = Value(1.0, label="x")
    y = x * 0
    for k in range(1, nodes // 2):
        y = y + x * k
    return y


def mlp(nodes: int) -> Value:
    """A 2-4-1 tanh net on enough samples for about `nodes` nodes (33 per sample)."""
    rng = random.Random(0)
    W1 = [[Value(rng.uniform(-1, 1), label=f"W1[{i},{j}]") for j in range(2)] for i in range(4)]
    b1 = [Value(0.0, label=f"b1[{i}]") for i in range(4)]
    W2 = [Value(rng.uniform(-1, 1), label=f"W2[{i}]") for i in range(4)]
    b2 = Value(0.0, label="b2")
    total: Value | None = None
    for _ in range(max(1, (nodes - 17) // 33)):
        x = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
        A1 = [(W1[i][0] * x[0] + W1[i][1] * x[1] + b1[i]).tanh() for i in range(4)]
        A2 = (W2[0] * A1[0] + W2[1] * A1[1] + W2[2] * A1[2] + W2[3] * A1[3] + b2).tanh()
        loss = (A2 - 1.0) ** 2
        total = loss if total is None else total + loss
    assert total is not None
    return total


def logistic_cost(nodes: int) -> Value:
    """`cost_graph` with n = 2 features and m samples (4 nodes per sample)."""
    m = max(1, (nodes - 5) // 4)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return cost_graph(X, Y, [[0.1], [-0.2]], 0.0).J


KINDS: dict[str, Callable[[int], Value]] = {
    "chain": chain,
    "wide sum": wide_sum,
    "MLP 2-4-1": mlp,
    "cost graph": logistic_cost,
}


def measure(root: Value, folder: Path) -> tuple[int, float, float]:
    """(nodes, dot's CPU seconds, wall seconds of render)."""
    nodes = len(topological_order(root))
    root.backward()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    render(root, folder / "g.svg", max_nodes=None, timeout=600, progress=None)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return nodes, cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the sizes up to 500 nodes")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    if not dot_available():
        print("needs Graphviz's dot", file=sys.stderr)
        return 1
    sizes = [100, 500] if args.quick else [100, 500, 2000, 5000]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind, build in KINDS.items():
            for size in sizes:
                nodes, cpu, wall = measure(build(size), Path(folder))
                rows.append((kind, nodes, cpu, wall))
                if not args.markdown:
                    print(f"{kind:<11} {nodes:>6} nodes  dot {cpu:6.2f} s CPU  {wall:6.2f} s wall")
    if args.markdown:
        print("| graph | nodes | dot, CPU s | render, wall s |")
        print("|---|---:|---:|---:|")
        for kind, nodes, cpu, wall in rows:
            print(f"| {kind} | {nodes:,} | {cpu:.2f} | {wall:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
