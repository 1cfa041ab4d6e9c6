# ruff: noqa: B023 - each lambda is called inside the iteration that made it
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

Each timed call records the graph and runs backward. microgrid's graph is freed as the
call returns, inside the clock; micrograd's is not (its closures make reference cycles,
freed by the untimed `gc.collect()` between calls). The "freed outside" figures stop
the clock before microgrid's graph is freed too: record + backward, like for like.

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


# ---------------------------------------------------------------------------
# Interleaved CPU-time measurement: warm (CPython specialises a function at its
# 8th call), every contender timed once per round, median over rounds.
# ---------------------------------------------------------------------------

WARM_UP = 8


def interleaved(
    contenders: dict[str, Callable[[], object]],
    rounds: int,
    paused: bool = False,
    freed_outside: bool = False,
) -> dict[str, float]:
    """Median CPU seconds per call of each contender, timed round by round.

    `paused`: with the garbage collector paused during each timed call (the fair
    per-op figure: most of micrograd's time at these sizes is full collections).
    `freed_outside`: the graph a call returns is freed after the clock stops, so that
    only record + backward is timed. (micrograd's graph is always freed outside: its
    closures make cycles, which only the untimed `gc.collect()` frees. Reference
    counting frees microgrid's as soon as it is dropped, so by default inside.)
    """
    gc.collect()
    for function in contenders.values():
        for _ in range(WARM_UP):
            function()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, function in contenders.items():
            # micrograd leaves cyclic garbage (closures): collect it here, untimed, so
            # that the next contender's collections do not pay for it.
            gc.collect()
            if paused:
                gc.disable()
            try:
                start = time.process_time()
                kept = function()
                if not freed_outside:
                    kept = None  # the graph is freed here, inside the clock
                times[name].append(time.process_time() - start)
                del kept  # freed here, outside the clock, when freed_outside
            finally:
                gc.enable()
    return {name: statistics.median(values) for name, values in times.items()}


def paused_ratio(
    mine: Callable[[], object],
    theirs: Callable[[], object],
    rounds: int,
    freed_outside: bool = False,
) -> float:
    """micrograd's time ÷ microgrid's, both with the collector paused."""
    t = interleaved(
        {"microgrid": mine, "micrograd": theirs}, rounds, paused=True, freed_outside=freed_outside
    )
    return t["micrograd"] / t["microgrid"]


def torch_leaf(x: float) -> Any:
    """A PyTorch 0-dim float64 tensor that requires grad: PyTorch's scalar Value."""
    import torch

    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def rebuild(build: Callable[[], tuple[Any, int]]) -> Callable[[], object]:
    """Record + backward, returning the graph (`interleaved` decides when it is freed)."""

    def forward_backward() -> object:
        loss, _ = build()
        loss.backward()
        return loss

    return forward_backward


# Hand-written plain floats: the same forward and backward passes, no graph.


def floats_a(w: list[float], xs: list[list[float]]) -> tuple[float, list[float]]:
    loss, dw = 0.0, [0.0] * len(w)
    for x in xs:
        z = 0.0
        for wi, xi in zip(w, x, strict=True):
            z += wi * xi
        zz = z * z
        loss += zz if zz > 0 else 0.0
        dz = 2 * z if zz > 0 else 0.0
        for i, xi in enumerate(x):
            dw[i] += xi * dz
    return loss, dw


def floats_c(
    layers: list[list[tuple[list[float], float]]], xs: list[list[float]], ys: list[float]
) -> tuple[float, list[list[tuple[list[float], float]]]]:
    grads = [[([0.0] * len(w), 0.0) for w, _ in layer] for layer in layers]
    loss = 0.0
    for x, y in zip(xs, ys, strict=True):
        inputs, acts = [x], []
        for depth, layer in enumerate(layers):
            last = depth == len(layers) - 1
            out = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, inputs[-1], strict=True):
                    act += wi * xi
                out.append(act if last or act > 0 else 0.0)
            acts.append(out)
            inputs.append(out)
        margin = 1 - y * acts[-1][0]
        if margin <= 0:
            continue
        loss += margin
        deltas = [-y]
        for depth in range(len(layers) - 1, -1, -1):
            below = [0.0] * len(inputs[depth])
            for j, (w, _) in enumerate(layers[depth]):
                d = deltas[j]
                last = depth == len(layers) - 1
                if not last and acts[depth][j] <= 0:
                    continue
                gw, gb = grads[depth][j]
                for i, xi in enumerate(inputs[depth]):
                    gw[i] += xi * d
                    below[i] += w[i] * d
                grads[depth][j] = (gw, gb + d)
            deltas = below
    return loss / len(xs), grads


def floats_d(depth: int) -> tuple[float, float]:
    x = y = 0.5
    for _ in range(depth // 2):
        y = y * 0.999 + 0.001
    dy = 1.0
    for _ in range(depth // 2):
        dy = 0.999 * dy
    return y + x, dy + 1.0


def mlp_parameters(model: MicrogridMLP) -> list[Value]:
    return [p for layer in model.layers for w, b in layer for p in [*w, b]]


def demo_loop_micrograd(steps: int, xs: list[list[float]], ys: list[float]) -> float:
    """micrograd's demo: MLP 2-16-16-1, hinge loss + L2, SGD, rebuilt each step."""
    random.seed(2)
    model = micrograd.nn.MLP(2, [16, 16, 1])
    V = micrograd.engine.Value
    total = 0.0
    for k in range(steps):
        scores = [model([V(xi) for xi in x]) for x in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        total = loss.data
    return total


def demo_loop_compiled(steps: int, xs: list[list[float]], ys: list[float]) -> float:
    """The same loop, built once with microgrid and replayed with compile()."""
    model = MicrogridMLP([2, 16, 16, 1])
    params = mlp_parameters(model)
    scores = [model([Value(xi) for xi in x]) for x in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    loss = microgrid.sum(losses) * (1.0 / len(losses)) + 1e-4 * microgrid.sum(
        [p * p for p in params]
    )
    step = microgrid.compile(loss, wrt=params)
    total = 0.0
    for k in range(steps):
        total = step()
        for p in params:
            p.value -= (1.0 - 0.9 * k / 100) * p.delta
    return total


def run(quick: bool, repeats: int, markdown: bool = False) -> int:
    rounds = max(5, repeats)
    sizes_a = [(200, 5), (500, 10)] if quick else [(500, 10), (FEATURES, SAMPLES)]
    sizes_c = [10, 20] if quick else [50, MLP_POINTS]
    sizes_d = [10_000, 20_000] if quick else [20_000, 50_000]
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)  # micrograd's topological sort is recursive
    rows: list[list[str]] = []
    compile_rows: list[list[str]] = []
    figures: dict[str, float] = {}

    def add(case: str, mine: float, theirs: float | None, floats: float | None) -> None:
        cells = [case, f"{mine * 1e3:.2f} ms"]
        cells += [f"{theirs * 1e3:.1f} ms", f"{theirs / mine:.1f}×"] if theirs else ["—", "—"]
        cells += [f"{mine / floats:.2f}×"] if floats else ["—"]
        rows.append(cells)

    try:
        for features, samples in sizes_a:
            w, xs = linear_data(features, samples)
            contenders: dict[str, Callable[[], object]] = {
                "microgrid": rebuild(lambda: build_a(Value, w, xs)),
                "dot/sum": rebuild(lambda: build_b(w, xs)),
            }
            if HAVE_MICROGRAD:
                contenders["micrograd"] = rebuild(lambda: build_a(micrograd.engine.Value, w, xs))
            try:
                import torch  # noqa: F401 - the `compare` extra

                contenders["torch"] = rebuild(lambda: build_a(torch_leaf, w, xs))
            except ImportError:
                pass
            t = interleaved(contenders, rounds)
            if HAVE_MICROGRAD:
                figures[f"a-paused {features}×{samples}"] = paused_ratio(
                    contenders["microgrid"], contenders["micrograd"], rounds
                )
                figures[f"a-paused, freed outside {features}×{samples}"] = paused_ratio(
                    contenders["microgrid"], contenders["micrograd"], rounds, freed_outside=True
                )
            if "torch" in t:
                figures[f"a-torch {features}×{samples}"] = t["torch"] / t["microgrid"]
            step = microgrid.compile(build_a(Value, w, xs)[0])
            t |= interleaved({"compiled": step, "floats": lambda: floats_a(w, xs)}, rounds)
            del step
            mg = t.get("micrograd")
            size = f"{features}×{samples}"
            add(f"(a) {size}, + and *", t["microgrid"], mg, None)
            add(f"(b) {size}, dot and sum", t["dot/sum"], mg, None)
            add(f"(a) {size}, compiled replay", t["compiled"], mg, t["floats"])
            figures[f"a {size}"] = mg / t["microgrid"] if mg else 0.0
            figures[f"b {size}"] = mg / t["dot/sum"] if mg else 0.0
            figures[f"a-compiled {size}"] = mg / t["compiled"] if mg else 0.0
            figures[f"a-floats {size}"] = t["compiled"] / t["floats"]

        for points in sizes_c:
            mx, my = moons(points)
            ours = MicrogridMLP([2, 16, 16, 1])
            plain = [[([p.value for p in w], b.value) for w, b in layer] for layer in ours.layers]
            contenders = {"microgrid": rebuild(lambda: build_c(ours, Value, mx, my))}
            if HAVE_MICROGRAD:
                random.seed(2)
                theirs = micrograd.nn.MLP(2, [16, 16, 1])
                contenders["micrograd"] = rebuild(
                    lambda: build_c(theirs, micrograd.engine.Value, mx, my)
                )
            t = interleaved(contenders, rounds)
            if HAVE_MICROGRAD:
                figures[f"c-paused {points}"] = paused_ratio(
                    contenders["microgrid"], contenders["micrograd"], rounds
                )
                figures[f"c-paused, freed outside {points}"] = paused_ratio(
                    contenders["microgrid"], contenders["micrograd"], rounds, freed_outside=True
                )
            step = microgrid.compile(build_c(ours, Value, mx, my)[0], wrt=mlp_parameters(ours))
            t |= interleaved({"compiled": step, "floats": lambda: floats_c(plain, mx, my)}, rounds)
            del step
            mg = t.get("micrograd")
            add(f"(c) MLP 2-16-16-1, {points} points", t["microgrid"], mg, None)
            add(f"(c) {points} points, compiled replay", t["compiled"], mg, t["floats"])
            figures[f"c {points}"] = mg / t["microgrid"] if mg else 0.0
            figures[f"c-compiled {points}"] = mg / t["compiled"] if mg else 0.0
            figures[f"c-floats {points}"] = t["compiled"] / t["floats"]

        for depth in sizes_d:
            contenders = {"microgrid": rebuild(lambda: build_d(Value, depth))}
            if HAVE_MICROGRAD:
                contenders["micrograd"] = rebuild(lambda: build_d(micrograd.engine.Value, depth))
            t = interleaved(contenders, rounds)
            if HAVE_MICROGRAD:
                figures[f"d-paused {depth}"] = paused_ratio(
                    contenders["microgrid"], contenders["micrograd"], rounds
                )
                figures[f"d-paused, freed outside {depth}"] = paused_ratio(
                    contenders["microgrid"], contenders["micrograd"], rounds, freed_outside=True
                )
            step = microgrid.compile(build_d(Value, depth)[0])
            t |= interleaved({"compiled": step, "floats": lambda: floats_d(depth)}, rounds)
            del step
            mg = t.get("micrograd")
            add(f"(d) chain, depth {depth:,}", t["microgrid"], mg, None)
            add(f"(d) depth {depth:,}, compiled replay", t["compiled"], mg, t["floats"])
            figures[f"d {depth}"] = mg / t["microgrid"] if mg else 0.0
            figures[f"d-compiled {depth}"] = mg / t["compiled"] if mg else 0.0
            figures[f"d-floats {depth}"] = t["compiled"] / t["floats"]

        # Compile time per 100k nodes, on (a), (c) and (d): CPU time, median of 3
        # compilations of the same graph (each after an untimed gc.collect()).
        mlp = MicrogridMLP([2, 16, 16, 1])
        for name, build in (
            ("(a)", lambda: build_a(Value, *linear_data(*sizes_a[-1]))[0]),
            ("(c)", lambda: build_c(mlp, Value, *moons(sizes_c[-1]))[0]),
            ("(d)", lambda: build_d(Value, sizes_d[-1])[0]),
        ):
            loss = build()
            nodes = len(microgrid.topological_order(loss))
            runs = []
            for _ in range(3):
                gc.collect()
                start = time.process_time()
                microgrid.compile(loss)
                runs.append(time.process_time() - start)
            seconds = statistics.median(runs)
            figures[f"compile {name}"] = seconds * 1e5 / nodes
            compile_rows.append(
                [name, f"{nodes:,}", f"{seconds:.2f} s", f"{seconds * 1e5 / nodes:.2f} s"]
            )

        if HAVE_MICROGRAD:
            mx, my = moons(MLP_POINTS)
            steps = 3 if quick else 10
            t_mg = min(_cpu(lambda: demo_loop_micrograd(steps, mx, my)) for _ in range(2))
            t_ours = min(_cpu(lambda: demo_loop_compiled(100, mx, my)) for _ in range(3))
            figures["demo"] = t_mg / steps * 100 / t_ours
            compile_rows.append(
                ["demo loop, 100 steps", "—", f"{t_ours:.2f} s (compiled, build included)",
                 f"micrograd {t_mg / steps * 100:.1f} s (from {steps} steps), "
                 f"{figures['demo']:.0f}×"]
            )  # fmt: skip
    finally:
        sys.setrecursionlimit(old_limit)

    print(f"microgrid engine benchmark — Python {platform.python_version()}, {platform.machine()}")
    print(f"microgrid {microgrid.engine.describe_engine()}")
    print(f"CPU time, {WARM_UP} warm-up calls, median of {rounds} interleaved rounds\n")
    print_table(["case", "microgrid", "micrograd", "speed-up", "÷ plain floats"], rows, markdown)
    print()
    print_table(["compile", "nodes", "time", "per 100k nodes"], compile_rows, markdown)
    print()
    memory_rows = []
    w, xs = linear_data(*sizes_a[-1])
    mx, my = moons(sizes_c[-1])
    ours = MicrogridMLP([2, 16, 16, 1])
    for name, build in (
        ("(a)", lambda: build_a(Value, w, xs)),
        ("(c)", lambda: build_c(ours, Value, mx, my)),
        ("(d)", lambda: build_d(Value, sizes_d[-1])),
    ):
        memory_rows.append([name, f"{_bytes_per_op(build):.0f}"])
    print_table(["case", "microgrid bytes per op"], memory_rows, markdown)
    print()
    ratios = [
        [name, f"{value:.1f}×"]
        for name, value in figures.items()
        if "paused" in name or "torch" in name or name.startswith(("a ", "c ", "d "))
    ]
    print_table(["figure", "ratio (micrograd ÷ microgrid; torch ÷ microgrid)"], ratios, markdown)
    return 0


def _cpu(function: Callable[[], object]) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def _bytes_per_op(build: Callable[[], tuple[Any, int]]) -> float:
    gc.collect()
    tracemalloc.start()
    loss, ops = build()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del loss
    return held / ops


def old_run(quick: bool, repeats: int, markdown: bool = False) -> int:
    """The previous benchmark: wall time, collector on and off, bytes per op vs micrograd."""
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
    print(f"microgrid {microgrid.engine.describe_engine()}")
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
    parser.add_argument(
        "--memory", action="store_true", help="the older table: bytes per op vs micrograd"
    )
    args = parser.parse_args()
    if args.memory:
        return old_run(args.quick, args.repeats, args.markdown)
    return run(args.quick, args.repeats, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
