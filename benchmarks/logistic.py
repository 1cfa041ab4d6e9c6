"""Logistic-regression benchmark: one full-batch gradient three ways (`make bench`).

The seed says vectorization makes logistic regression "hundreds of times"
faster than for-loops. This measures one gradient (J, dw, db) at the cat
classifier's size, n = 12288 features, m = 209 pictures, with

  - the seed's loop     `loop_gradients` (plain Python floats, loops over samples and features)
  - the Value graph     `graph_gradients` (one `dot` node per sample, then backprop)
  - vectorized NumPy    `vectorized_gradients`
  - the floor           just the two matrix-vector products wᵀX and X dZᵀ on the same X,
                        which any vectorized gradient must do

Each time is the best of several runs (the least disturbed by other work).
Targets (issue 5): vectorized ≥ 300× the loop and within 1.5× of the floor;
the graph within 3× of the loop. The graph's time is also split into building
the graph (forward) and backprop, to show where it goes.

Usage: python benchmarks/logistic.py [--quick] [--data DIR] [--markdown]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from microgrid import Value
from microgrid.course.datasets import flatten_images, load_catvnoncat, synthetic_cats
from microgrid.course.logistic import graph_gradients, loop_gradients, vectorized_gradients
from microgrid.course.logistic.graph import build_cost_graph, weight_leaves

TARGET_VECTOR_VS_LOOP = 300.0
TARGET_VECTOR_VS_FLOOR = 1.5
TARGET_GRAPH_VS_LOOP = 3.0


def best_of(function: Callable[[], Any], repeats: int, number: int = 1) -> float:
    """Seconds per call: the best of `repeats` batches of `number` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--data", help="the course's folder (default: synthetic pictures)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    slow_repeats, fast_repeats = (1, 5) if args.quick else (3, 20)

    if args.data:
        images, Y = load_catvnoncat(args.data)[:2]
        source = f"the course's pictures ({args.data})"
    else:
        images, Y = synthetic_cats(209, seed=0)
        source = "synthetic pictures"
    X = flatten_images(images)  # (12288, 209)
    n, m = X.shape
    rng = np.random.default_rng(0)
    w, b = rng.normal(0.0, 1e-3, size=(n, 1)), 0.1

    # The answers first: a benchmark of wrong numbers is worth nothing.
    reference = vectorized_gradients(X, Y, w, b)
    for way in (loop_gradients, graph_gradients):
        cost, dw, db = way(X, Y, w, b)
        assert np.isclose(cost, reference.cost, rtol=1e-10), way.__name__
        assert np.allclose(dw, reference.dw, rtol=1e-9, atol=1e-13), way.__name__
        assert np.isclose(db, reference.db, rtol=1e-10), way.__name__

    dZ = rng.random((1, m))
    # Floor and vectorized batches alternate, so that both see the same
    # machine load (other processes, CPU frequency) and the ratio is fair.
    floor = vectorized = float("inf")
    for _ in range(fast_repeats):
        floor = min(floor, best_of(lambda: (w.T @ X, X @ dZ.T), 1, number=20))
        vectorized = min(vectorized, best_of(lambda: vectorized_gradients(X, Y, w, b), 1, 20))
    loop = best_of(lambda: loop_gradients(X, Y, w, b), slow_repeats)
    graph = best_of(lambda: graph_gradients(X, Y, w, b), slow_repeats)

    # Where the graph's time goes: building (forward, incl. X → lists) vs backprop.
    columns, labels, weights = X.T.tolist(), Y[0].tolist(), w[:, 0].tolist()
    build_times, backward_times = [], []
    for _ in range(slow_repeats):
        start = time.perf_counter()
        cost_graph = build_cost_graph(columns, labels, weight_leaves(weights), Value(b, "b"))
        built = time.perf_counter()
        cost_graph.backward()
        build_times.append(built - start)
        backward_times.append(time.perf_counter() - built)
    build, backward = min(build_times), min(backward_times)

    rows = [
        ("floor: wᵀX and X dZᵀ (NumPy)", floor, "1×"),
        ("vectorized_gradients", vectorized, f"{vectorized / floor:.2f}× floor"),
        ("loop_gradients (the seed's loop)", loop, f"{loop / vectorized:.0f}× vectorized"),
        ("graph_gradients (Values + backprop)", graph, f"{graph / loop:.2f}× loop"),
        ("  of which building the graph", build, f"{build / graph:.0%} of graph"),
        ("  of which backward()", backward, f"{backward / graph:.0%} of graph"),
        ("  (the rest: X → Python lists, checks)", graph - build - backward, ""),
    ]
    checks = [
        (
            f"vectorized ≥ {TARGET_VECTOR_VS_LOOP:.0f}× faster than the loop",
            loop / vectorized,
            loop / vectorized >= TARGET_VECTOR_VS_LOOP,
        ),
        (
            f"vectorized within {TARGET_VECTOR_VS_FLOOR}× of the floor",
            vectorized / floor,
            vectorized / floor <= TARGET_VECTOR_VS_FLOOR,
        ),
        (
            f"graph within {TARGET_GRAPH_VS_LOOP:.0f}× of the loop",
            graph / loop,
            graph / loop <= TARGET_GRAPH_VS_LOOP,
        ),
    ]

    print(
        f"One full-batch gradient, n = {n} features, m = {m} samples, {source}; "
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}; best of {slow_repeats} (slow) / {fast_repeats}×20 (fast) runs"
    )
    if args.markdown:
        print("\n| gradient | time | ratio |\n|---|---:|---:|")
        for name, seconds, ratio in rows:
            print(f"| {name.strip()} | {_ms(seconds)} | {ratio} |")
        print("\n| target | measured | met |\n|---|---:|:---:|")
        for name, value, ok in checks:
            print(f"| {name} | {value:.2f}× | {'yes' if ok else '**no**'} |")
    else:
        for name, seconds, ratio in rows:
            print(f"  {name:<38} {_ms(seconds):>12}   {ratio}")
        for name, value, ok in checks:
            print(f"  target: {name:<44} {value:9.2f}×   {'PASS' if ok else 'MISS'}")
    return 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.0f} ms"


if __name__ == "__main__":
    sys.exit(main())
