"""This working tree's engine against a committed one, interleaved in one process.

The committed `microgrid` package is taken out with `git archive` into a temporary folder
and imported first; the working tree's is imported second, under the same name (the first
one's modules are set aside, its classes stay alive). Each round times one forward +
backward of each, in alternating order, as CPU time; the report is the median per-round
ratio new/old and its spread. On a loaded machine the spread is wide: read the median.

Usage: python benchmarks/engine_versus_commit.py COMMIT [--rounds N]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path) -> ModuleType:
    """Import the `microgrid` package found in `path`, whatever was imported before."""
    for name in [n for n in sys.modules if n == "microgrid" or n.startswith("microgrid.")]:
        del sys.modules[name]
    sys.path.insert(0, str(path))
    try:
        return importlib.import_module("microgrid")
    finally:
        sys.path.remove(str(path))


def committed(commit: str, folder: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "microgrid"], check=True, capture_output=True
    ).stdout
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.10.12+
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, **safe)  # type: ignore[arg-type]
    return folder


def cases(mg: Any) -> dict[str, Callable[[], None]]:
    """(a) + and * nodes, (b) dot and sum, (c) micrograd's MLP on 100 points, (d) a chain."""
    rng = random.Random(0)
    w0 = [rng.uniform(-1, 1) for _ in range(1000)]
    xs = [[rng.uniform(-1, 1) for _ in range(1000)] for _ in range(20)]
    points = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(100)]
    ys = [1.0 if x * y > 0 else -1.0 for x, y in points]
    V = mg.Value
    model = mg.nn.MLP(2, [16, 16, 1], activation="relu")

    def a() -> None:
        w = [V(x) for x in w0]
        loss = V(0.0)
        for row in xs:
            z = w[0] * row[0]
            for wi, xi in zip(w[1:], row[1:], strict=True):
                z = z + wi * xi
            loss = loss + (z * z).relu()
        loss.backward()

    def b() -> None:
        w = [V(x) for x in w0]
        mg.sum([(mg.dot(w, row) ** 2).relu() for row in xs]).backward()

    def c() -> None:
        scores = []
        for x, y in points:
            out = model([x, y])
            scores.append(out[0] if isinstance(out, list) else out)  # old: a list
        losses = [(1 + -t * s).relu() for t, s in zip(ys, scores, strict=True)]
        (mg.sum(losses) * (1.0 / len(losses))).backward()

    def d() -> None:
        y = V(0.5)
        for _ in range(100_000):
            y = (y * 1.0001 + 0.0001).tanh()
        y.backward()

    return {"a": a, "b": b, "c": c, "d": d}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the engine to compare with, e.g. main or b83d094")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = cases(load(committed(args.commit, Path(folder))))
        new = cases(load(ROOT))
        print(f"new/old CPU time per forward + backward, median of {args.rounds} rounds")
        for name in old:
            runs = (old[name], new[name])
            for run in runs * 2:  # warm up
                run()
            ratios = []
            for k in range(args.rounds):
                took = []
                for run in runs if k % 2 == 0 else runs[::-1]:
                    gc.collect()
                    start = time.process_time()
                    run()
                    took.append(time.process_time() - start)
                ratios.append(took[1] / took[0] if k % 2 == 0 else took[0] / took[1])
            print(
                f"({name}) {statistics.median(ratios):.3f} "
                f"(rounds {min(ratios):.3f}–{max(ratios):.3f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
