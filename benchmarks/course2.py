"""Course 2's runs: microgrid's vectorized `NeuralNetwork` beside the course's own NumPy code.

For each run of the three assignments (initialization: He on the circles;
regularization: none, L2 λ = 0.7, dropout keep_prob = 0.86 on the football data;
optimization: gd, momentum, Adam on the moons, mini-batches of 64) this trains the
course's functions (benchmarks/course2_reference.py, written in the course's style)
and `NeuralNetwork(engine="vectorized")` from the same start, checks that every cost
agrees to 1e-9 relative (a benchmark of different computations is worth nothing), and
reports CPU time (not wall time: the machine may be shared), the best of `--repeats`
interleaved runs. The target: microgrid within 1.5× the course on every run. Then the
graph and compiled engines' time per iteration (per epoch for the moons).

Usage: python benchmarks/course2.py [--fraction 0.2] [--repeats 3] [--data DIR] [--markdown]
(--fraction 1 runs the course's full 15,000 / 30,000 iterations and 5,000 epochs.)
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import microgrid
from microgrid.course import datasets
from microgrid.course.networks import NeuralNetwork


def _load_reference() -> Any:
    """benchmarks/course2_reference.py, beside this file (benchmarks/ is not a package)."""
    path = Path(__file__).resolve().with_name("course2_reference.py")
    spec = importlib.util.spec_from_file_location("course2_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


course = _load_reference()

TARGET = 1.5
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "football"


@dataclass
class Run:
    """One of the course's runs: how the course trains it, and the same in microgrid."""

    name: str
    course: Callable[[int], list[float]]  # count → every cost
    ours: Callable[[int, str], list[float]]  # count, engine → every cost
    count: int  # the course's iterations (or epochs)
    unit: str


def full_batch_runs(football: Path | None) -> list[Run]:
    train_X, train_Y, _, _ = datasets.circles()
    runs = [
        Run(
            "initialization: He",
            lambda n: course.full_batch_model(
                train_X, train_Y, course.initialize_parameters_he([2, 10, 5, 1]), 0.01, n
            )[1],
            lambda n, engine: (
                NeuralNetwork(
                    [2, 10, 5, 1], "relu", 0.01, n, init="he", seed=3, engine=engine, verbose=False
                )
                .fit(train_X, train_Y)
                .costs_
            ),
            15000,
            "iteration",
        )
    ]
    if football is None:
        return runs
    data = datasets.load_football(football)
    for label, options in (
        ("regularization: none", {}),
        ("regularization: L2 λ = 0.7", {"l2": 0.7}),
        ("regularization: dropout 0.86", {"keep_prob": 0.86}),
    ):
        runs.append(
            Run(
                label,
                lambda n, o=options: course.full_batch_model(  # type: ignore[misc]
                    data.train_X,
                    data.train_Y,
                    course.initialize_parameters_scaled([2, 20, 3, 1]),
                    0.3,
                    n,
                    lambd=o.get("l2", 0.0),
                    keep_prob=o.get("keep_prob", 1.0),
                )[1],
                lambda n, engine, o=options: (
                    NeuralNetwork(  # type: ignore[misc]
                        [2, 20, 3, 1],
                        "relu",
                        0.3,
                        n,
                        init="scaled",
                        seed=3,
                        engine=engine,
                        verbose=False,
                        **o,
                    )
                    .fit(data.train_X, data.train_Y)
                    .costs_
                ),
                30000,
                "iteration",
            )
        )
    return runs


def mini_batch_runs() -> list[Run]:
    X, Y = datasets.course_moons()
    return [
        Run(
            f"optimization: {optimizer}",
            lambda n, o=optimizer: course.mini_batch_model(  # type: ignore[misc]
                X, Y, [2, 5, 2, 1], o, num_epochs=n
            )[1],
            lambda n, engine, o=optimizer: (
                NeuralNetwork(  # type: ignore[misc]
                    [2, 5, 2, 1],
                    "relu",
                    0.0007,
                    init="he",
                    seed=3,
                    epochs=n,
                    optimizer=o,
                    engine=engine,
                    verbose=False,
                )
                .fit(X, Y)
                .costs_
            ),
            5000,
            "epoch",
        )
        for optimizer in ("gd", "momentum", "adam")
    ]


def check_same(run: Run, theirs: list[float], ours: list[float], rtol: float = 1e-9) -> None:
    """Refuse to time different computations: every cost must agree."""
    a, b = np.array(theirs), np.array(ours)
    same = (a == b) | np.isclose(a, b, rtol=rtol, atol=0)
    if a.shape != b.shape or not same.all():
        where = int(np.argmin(same)) if a.shape == b.shape else -1
        raise SystemExit(f"{run.name}: the costs differ at {run.unit} {where}: not timed")


def cpu_time(function: Callable[[], Any]) -> float:
    gc.collect()
    start = time.process_time()
    function()
    return time.process_time() - start


def time_vectorized(run: Run, count: int, repeats: int) -> tuple[float, float]:
    """The best CPU time of each side over interleaved repeats: (course, microgrid)."""
    check_same(run, run.course(min(count, 50)), run.ours(min(count, 50), "vectorized"))
    check_same(run, run.course(count), run.ours(count, "vectorized"))
    theirs, ours = math.inf, math.inf
    for _ in range(repeats):
        theirs = min(theirs, cpu_time(lambda: run.course(count)))
        ours = min(ours, cpu_time(lambda: run.ours(count, "vectorized")))
    return theirs, ours


def time_per_step(run: Run, engine: str, steps: int) -> float:
    """CPU seconds per iteration (or epoch) of `engine`, its costs checked against the course's.

    The time of 1 + `steps` steps less the time of 1: what each further step costs,
    without the setup (for the compiled engine, writing and compiling its code).
    """
    check_same(run, run.course(steps + 1), run.ours(steps + 1, engine), rtol=1e-12)
    first = cpu_time(lambda: run.ours(1, engine))
    return max(cpu_time(lambda: run.ours(steps + 1, engine)) - first, 0.0) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.2, help="of the course's counts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--graph-steps", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with data.mat")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    football = args.data if (args.data / "data.mat").is_file() else None
    if football is None:
        print(f"(no data.mat in {args.data}: the regularization runs are left out)")
    runs = full_batch_runs(football) + mini_batch_runs()
    print(
        f"microgrid {microgrid.__version__} ({microgrid.engine.describe_engine()}), "
        f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}; "
        f"CPU time, best of {args.repeats}; {args.fraction:g} of the course's counts"
    )
    rows = []
    worst = 0.0
    for run in runs:
        count = max(1, round(run.count * args.fraction))
        theirs, ours = time_vectorized(run, count, args.repeats)
        steps = args.graph_steps if run.unit == "iteration" else 1
        graph = time_per_step(run, "graph", steps)
        compiled = time_per_step(run, "compiled", steps) if run.unit == "iteration" else None
        ratio = ours / theirs
        worst = max(worst, ratio)
        rows.append((run, count, theirs, ours, ratio, graph, compiled))
    header = (
        "| run | count | course's NumPy | microgrid vectorized | ratio | graph per step "
        "| compiled per step |"
    )
    if args.markdown:
        print(header)
        print("|---|---:|---:|---:|---:|---:|---:|")
    for run, count, theirs, ours, ratio, graph, compiled in rows:
        compiled_text = "—" if compiled is None else f"{compiled * 1000:.0f} ms"
        cells = [
            run.name,
            f"{count:,} {run.unit}s",
            f"{theirs:.2f} s",
            f"{ours:.2f} s",
            f"{ratio:.2f}×",
            f"{graph * 1000:.0f} ms",
            compiled_text,
        ]
        print(("| " + " | ".join(cells) + " |") if args.markdown else "  ".join(cells))
    verdict = "within" if worst <= TARGET else "OVER"
    print(f"worst ratio {worst:.2f}×: {verdict} the target of {TARGET}×")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
