"""Engine benchmark: microgrid vs micrograd 0.1.0 on the same graphs (`make bench`).

Four cases, each timed as forward + backward (median of several repeats) with
memory measured by tracemalloc while the graph is built:

  (a) 1000 features × 20 samples, z = Σ wᵢxᵢ written with `+`/`*`, loss Σ relu(z·z)
  (b) the same loss with microgrid's n-ary `dot` and `sum` (one node per z)
  (c) a micrograd-style MLP 2-16-16-1 on 100 points (hinge loss, as in micrograd's demo)
  (d) a 100,000-deep chain (micrograd needs the recursion limit raised; it runs in a
      subprocess so that a crash cannot take the benchmark down)

"bytes/op" is the memory held by the recorded graph divided by the number of ops
(the number of `+`, `*`, relu ... applications), which is the same for both
libraries on (a), (c), (d): it charges micrograd for the leaf Values it wraps
around plain numbers, just as it charges microgrid for its constants.

Usage: python benchmarks/engine.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import microgrid
from microgrid import Value

try:
    import micrograd.engine
    import micrograd.nn

    HAVE_MICROGRAD = True
except ImportError:  # the `compare` extra is not installed
    HAVE_MICROGRAD = False

FEATURES, SAMPLES = 1000, 20
MLP_POINTS = 100
CHAIN_DEPTH = 100_000

# ---------------------------------------------------------------------------
# Shared data (fixed seeds: both libraries see the same numbers).
# ---------------------------------------------------------------------------


def linear_data(features: int, samples: int) -> tuple[list[float], list[list[float]]]:
    rng = random.Random(0)
    w = [rng.uniform(-1, 1) for _ in range(features)]
    xs = [[rng.uniform(-1, 1) for _ in range(features)] for _ in range(samples)]
    return w, xs


def moons(points: int) -> tuple[list[list[float]], list[float]]:
    """Two interleaved half-circles, labels ±1 (micrograd's demo data, without sklearn)."""
    import math

    rng = random.Random(1)
    xs, ys = [], []
    for i in range(points):
        t = math.pi * rng.random()
        if i % 2:
            xs.append([math.cos(t) + rng.gauss(0, 0.1), math.sin(t) + rng.gauss(0, 0.1)])
            ys.append(1.0)
        else:
            xs.append([1 - math.cos(t) + rng.gauss(0, 0.1), 0.5 - math.sin(t) + rng.gauss(0, 0.1)])
            ys.append(-1.0)
    return xs, ys


# ---------------------------------------------------------------------------
# The graphs. Each builder returns (loss, number of ops recorded).
# `V` is the library's Value class; the code is identical for both libraries.
# ---------------------------------------------------------------------------


def build_a(V: Any, w: list[float], xs: list[list[float]]) -> tuple[Any, int]:
    ws = [V(wi) for wi in w]
    loss = V(0.0)
    ops = 0
    for x in xs:
        z = ws[0] * x[0]
        for wi, xi in zip(ws[1:], x[1:], strict=True):
            z = z + wi * xi
        loss = loss + (z * z).relu()
        ops += 2 * len(x) - 1 + 3
    return loss, ops


def build_b(w: list[float], xs: list[list[float]]) -> tuple[Value, int]:
    ws = [Value(wi) for wi in w]
    zs = [microgrid.dot(ws, x) for x in xs]
    loss = microgrid.sum([(z * z).relu() for z in zs])
    # Counted as the ops of (a), the same computation: bytes/op then compares
    # the memory each way of writing the loss needs (the graph has 81 nodes).
    return loss, (2 * len(w) - 1 + 3) * len(xs)


class MicrogridMLP:
    """micrograd.nn.MLP's structure, written with microgrid Values."""

    def __init__(self, sizes: list[int]) -> None:
        rng = random.Random(2)
        self.layers = [
            [([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(0.0)) for _ in range(nout)]
            for nin, nout in itertools.pairwise(sizes)
        ]

    def __call__(self, x: list[Any]) -> Value:
        for depth, layer in enumerate(self.layers):
            last = depth == len(self.layers) - 1
            out = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, x, strict=True):
                    act = act + wi * xi  # the same ops micrograd's sum(...) records
                out.append(act if last else act.relu())
            x = out
        return x[0]


def build_c(model: Any, V: Any, xs: list[list[float]], ys: list[float]) -> tuple[Any, int]:
    loss = V(0.0)
    for x, y in zip(xs, ys, strict=True):
        score = model([V(xi) for xi in x])
        loss = loss + (1 + -y * score).relu()  # micrograd's max-margin loss
    # Per point: layer 1: 16 × (2 muls + 2 adds + relu), layer 2: 16 × (16 + 16 + 1),
    # output: 16 + 16; then neg-mul, add, relu, add into the loss.
    per_point = 16 * 5 + 16 * 33 + 32 + 4
    return loss * (1.0 / len(xs)), per_point * len(xs) + 1


def build_d(V: Any, depth: int) -> tuple[Any, int]:
    y = x = V(0.5)
    for _ in range(depth // 2):
        y = y * 0.999 + 0.001
    return y + x, 2 * (depth // 2) + 1


# ---------------------------------------------------------------------------
# Measuring.
# ---------------------------------------------------------------------------


@dataclass
class Result:
    seconds: float  # median forward+backward, garbage collector on (as in real use)
    paused: float  # the same with the collector paused (timeit's convention)
    bytes_per_op: float
    ops: int


def _median_time(build: Callable[[], tuple[Any, int]], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        loss, _ = build()
        loss.backward()
        times.append(time.perf_counter() - start)
        del loss
    return statistics.median(times)


def measure(build: Callable[[], tuple[Any, int]], repeats: int) -> Result:
    """Median forward+backward time over `repeats` (collector on, then paused), bytes per op."""
    seconds = _median_time(build, repeats)
    gc.disable()
    try:
        paused = _median_time(build, repeats)
    finally:
        gc.enable()
    gc.collect()
    tracemalloc.start()
    loss, ops = build()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del loss
    return Result(seconds, paused, held / ops, ops)


MICROGRAD_CHAIN = """
import gc, sys, time, tracemalloc
sys.setrecursionlimit(10 * {depth} + 1000)
from micrograd.engine import Value
def build():
    y = x = Value(0.5)
    for _ in range({depth} // 2):
        y = y * 0.999 + 0.001
    return y + x
def median_time():
    times = []
    for _ in range({repeats}):
        gc.collect()
        start = time.perf_counter()
        loss = build()
        loss.backward()
        times.append(time.perf_counter() - start)
        del loss
    times.sort()
    return times[len(times) // 2]
seconds = median_time()
gc.disable()
paused = median_time()
gc.enable()
gc.collect()
tracemalloc.start()
loss = build()
held, _ = tracemalloc.get_traced_memory()
print(seconds, paused, held)
"""


def micrograd_chain(depth: int, repeats: int) -> Result | str:
    """micrograd's recursive topological sort on a deep chain, in a subprocess."""
    script = MICROGRAD_CHAIN.format(depth=depth, repeats=repeats)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
        )
    except subprocess.TimeoutExpired:
        return "timed out"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return f"crashed ({last[:60]})"
    seconds, paused, held = map(float, done.stdout.split())
    ops = 2 * (depth // 2) + 1
    return Result(seconds, paused, held / ops, ops)


def run(quick: bool, repeats: int, markdown: bool = False) -> int:
    features, samples = (200, 5) if quick else (FEATURES, SAMPLES)
    points = 20 if quick else MLP_POINTS
    depth = 10_000 if quick else CHAIN_DEPTH
    w, xs = linear_data(features, samples)
    mx, my = moons(points)
    old_limit = sys.getrecursionlimit()

    rows: list[tuple[str, Result, Result | str | None]] = []

    def micrograd_in_process(build: Callable[[], tuple[Any, int]]) -> Result | str:
        sys.setrecursionlimit(100_000)  # micrograd's topological sort is recursive
        try:
            return measure(build, repeats)
        except RecursionError:
            return "RecursionError"
        finally:
            sys.setrecursionlimit(old_limit)

    mg_a = (
        micrograd_in_process(lambda: build_a(micrograd.engine.Value, w, xs))
        if HAVE_MICROGRAD
        else None
    )
    rows.append(
        (
            f"(a) {features}×{samples}, + and *",
            measure(lambda: build_a(Value, w, xs), repeats),
            mg_a,
        )
    )
    rows.append(
        (f"(b) {features}×{samples}, dot and sum", measure(lambda: build_b(w, xs), repeats), mg_a)
    )

    ours = MicrogridMLP([2, 16, 16, 1])
    mg_c: Result | str | None = None
    if HAVE_MICROGRAD:
        random.seed(2)
        theirs = micrograd.nn.MLP(2, [16, 16, 1])
        mg_c = micrograd_in_process(lambda: build_c(theirs, micrograd.engine.Value, mx, my))
    rows.append(
        (
            f"(c) MLP 2-16-16-1, {points} points",
            measure(lambda: build_c(ours, Value, mx, my), repeats),
            mg_c,
        )
    )

    mg_d = micrograd_chain(depth, max(1, repeats // 2)) if HAVE_MICROGRAD else None
    rows.append(
        (
            f"(d) chain, depth {depth:,}",
            measure(lambda: build_d(Value, depth), max(1, repeats // 2)),
            mg_d,
        )
    )

    report(rows, repeats, markdown)
    print()
    breakdown(
        {"(a)": lambda: build_a(Value, w, xs), "(c)": lambda: build_c(ours, Value, mx, my)},
        repeats,
        markdown,
    )
    return 0


def breakdown(
    cases: dict[str, Callable[[], tuple[Any, int]]], repeats: int, markdown: bool
) -> None:
    """Where microgrid's time goes, per op: building the graph, sorting it, the chain rule."""
    rows = []
    for name, build in cases.items():
        samples: dict[str, list[float]] = {
            "build": [],
            "build, gc off": [],
            "sort": [],
            "chain": [],
        }
        for _ in range(repeats):
            gc.collect()
            start = time.perf_counter()
            loss, ops = build()
            samples["build"].append(time.perf_counter() - start)
            start = time.perf_counter()
            microgrid.topological_order(loss)
            samples["sort"].append(time.perf_counter() - start)
            start = time.perf_counter()
            loss.backward()  # sorts again, then the chain-rule loop
            samples["chain"].append(time.perf_counter() - start - samples["sort"][-1])
            del loss
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                loss, ops = build()
                samples["build, gc off"].append(time.perf_counter() - start)
            finally:
                gc.enable()
            del loss
        per_op = {k: statistics.median(v) / ops * 1e9 for k, v in samples.items()}
        gc_share = per_op["build"] - per_op["build, gc off"]
        rows.append(
            [name, f"{per_op['build, gc off']:.0f} ns", f"{gc_share:.0f} ns",
             f"{per_op['sort']:.0f} ns", f"{per_op['chain']:.0f} ns",
             f"{per_op['build'] + per_op['sort'] + per_op['chain']:.0f} ns"]
        )  # fmt: skip
    columns = ["microgrid, per op", "build", "+ collector", "sort", "chain rule", "total"]
    print_table(columns, rows, markdown)


def report(
    rows: list[tuple[str, Result, Result | str | None]], repeats: int, markdown: bool
) -> None:
    """The comparison table, then each target with what was measured."""
    columns = [
        "case", "ops", "microgrid", "micrograd", "speed-up", "gc off: microgrid",
        "gc off: micrograd", "gc off: speed-up", "B/op", "micrograd B/op", "memory",
    ]  # fmt: skip
    table = []
    for name, mine, theirs in rows:
        cells = [name, f"{mine.ops:,}", f"{mine.seconds * 1e3:.1f} ms"]
        if isinstance(theirs, Result):
            cells += [
                f"{theirs.seconds * 1e3:.0f} ms",
                f"{theirs.seconds / mine.seconds:.1f}×",
                f"{mine.paused * 1e3:.1f} ms",
                f"{theirs.paused * 1e3:.0f} ms",
                f"{theirs.paused / mine.paused:.1f}×",
                f"{mine.bytes_per_op:.0f}",
                f"{theirs.bytes_per_op:.0f}",
                f"{mine.bytes_per_op / theirs.bytes_per_op:.2f}×",
            ]
        else:
            cells += [theirs or "not installed", "—", f"{mine.paused * 1e3:.1f} ms", "—", "—"]
            cells += [f"{mine.bytes_per_op:.0f}", "—", "—"]
        table.append(cells)

    print(f"microgrid engine benchmark — Python {platform.python_version()}, {platform.machine()}")
    print(f"forward+backward, median of {repeats} runs; memory held by the graph (tracemalloc)\n")
    print_table(columns, table, markdown)

    ratios = {name[:3]: (mine, theirs) for name, mine, theirs in rows}
    targets = []

    def target(what: str, measured: float | None, goal: float, at_least: bool) -> None:
        if measured is None:
            targets.append([what, "—", "not measured"])
            return
        met = measured >= goal if at_least else measured <= goal
        targets.append([what, f"{measured:.2f}×", "yes" if met else "no"])

    def speed(case: str, against: str | None = None) -> float | None:
        mine, _ = ratios[case]
        theirs = ratios[against or case][1]
        return theirs.seconds / mine.seconds if isinstance(theirs, Result) else None

    def memory(case: str) -> float | None:
        mine, theirs = ratios[case]
        return mine.bytes_per_op / theirs.bytes_per_op if isinstance(theirs, Result) else None

    target("(a) ≥ 10× micrograd's speed", speed("(a)"), 10, True)
    target("(c) ≥ 10× micrograd's speed", speed("(c)"), 10, True)
    target("(b) ≥ 50× micrograd's speed on (a)", speed("(b)", "(a)"), 50, True)
    for case in ("(a)", "(c)", "(d)"):
        target(f"{case} ≤ ¼ of micrograd's bytes per op", memory(case), 0.25, False)
    print()
    print_table(["target", "measured", "met"], targets, markdown)
    print(
        "\nspeed-up = micrograd time ÷ microgrid time with the garbage collector on, as in a\n"
        "real training loop; the gc-off columns time both with the collector paused (timeit's\n"
        "convention). (b) is compared with micrograd's (a): the same loss, written the way each\n"
        "library allows, its ops counted as in (a). memory = microgrid B/op ÷ micrograd B/op."
    )


def print_table(columns: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(columns) + " |")
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    line = "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(columns, widths, strict=True))
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per case (median)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    return run(args.quick, args.repeats, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
