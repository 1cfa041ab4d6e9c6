"""Forward mode against backprop on the logistic cost: n sweeps against one.

The cost J(w, b) = (1/m) Σ L(σ(w·x + b), y) has n + 1 parameters. A forward
sweep (microgrid.higher.forward_tangents) carries d(node)/dθ for ONE parameter θ
through the graph: the gradient needs n + 1 sweeps. A backward sweep gives
dJ/dθ for every θ at once. Both do one multiply-add per edge per sweep, so the
multiply-adds are counted exactly (edges × sweeps) and the sweeps are timed
(median of several repeats) on the same recorded graph.

Usage: python benchmarks/forward_vs_reverse.py [--sizes 10 100 1000] [--samples M] [--repeats N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import microgrid
from microgrid import Value
from microgrid.engine import graph_stats, topological_order
from microgrid.higher import forward_tangents

SIZES = (10, 100, 1000)
SAMPLES = 10


def logistic_cost(n: int, m: int) -> tuple[Value, list[Value]]:
    """The seed's cost for n features and m samples (fixed random data): J and [w1..wn, b]."""
    rng = random.Random(0)
    w = [Value(rng.uniform(-0.1, 0.1), label=f"w{i + 1}") for i in range(n)]
    b = Value(0.0, label="b")
    losses = []
    for _ in range(m):
        x = [rng.uniform(-1, 1) for _ in range(n)]
        a = (microgrid.dot(w, x) + b).sigmoid()
        losses.append(microgrid.binary_cross_entropy(a, float(rng.random() < 0.5)))
    return microgrid.sum(losses) / m, [*w, b]


@dataclass
class Row:
    n: int
    nodes: int
    edges: int
    forward_sweeps: int
    forward_ops: int
    backward_ops: int
    forward_seconds: float
    backward_seconds: float


def _median(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(n: int, m: int = SAMPLES, repeats: int = 3) -> Row:
    """Gradient of the n-feature cost: n + 1 forward sweeps, then one backward sweep."""
    J, parameters = logistic_cost(n, m)
    order = topological_order(J)
    edges = graph_stats(J).edges

    def forward_mode() -> list[float]:
        return [forward_tangents(J, {p: 1.0}, order)[J] for p in parameters]

    def reverse_mode() -> list[float]:
        J.zero_grad()
        J.backward()
        return [p.delta for p in parameters]

    # Same gradient both ways (to rounding): the two modes compute one thing.
    for f, r in zip(forward_mode(), reverse_mode(), strict=True):
        assert abs(f - r) <= 1e-12 * (1 + abs(r)), (f, r)
    return Row(
        n=n,
        nodes=len(order),
        edges=edges,
        forward_sweeps=len(parameters),
        forward_ops=edges * len(parameters),
        backward_ops=edges,
        forward_seconds=_median(forward_mode, repeats),
        backward_seconds=_median(reverse_mode, repeats),
    )


def table(rows: list[Row]) -> str:
    head = (
        "| n | nodes | edges | forward: sweeps | forward: multiply-adds | forward: time "
        "| backward: multiply-adds | backward: time | forward / backward (time) |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r.n} | {r.nodes} | {r.edges} | {r.forward_sweeps} | {r.forward_ops:,} "
            f"| {r.forward_seconds * 1e3:.1f} ms | {r.backward_ops:,} "
            f"| {r.backward_seconds * 1e3:.2f} ms "
            f"| {r.forward_seconds / r.backward_seconds:.0f}× |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--samples", type=int, default=SAMPLES, help="m, the samples")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per mode (median)")
    args = parser.parse_args()
    print(f"the logistic cost, m = {args.samples} samples; the gradient of n + 1 parameters")
    print(table([measure(n, args.samples, args.repeats) for n in args.sizes]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
