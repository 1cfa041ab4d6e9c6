"""check_backprop benchmark: the week-4 two-layer network on cat-sized pictures.

Times `check_backprop` (CPU time, warm, median of the repeats, `numeric=False`)
on the course's 12288 → 7 → 1 relu network with 86,031 parameters, for the
settings docs/10-check-your-own-backprop.md quotes, and, interleaved with the
same forward pass run by NumPy's own entry-by-entry products on object arrays,
the ratio that microgrid's one `dot` node per entry buys (on a few pictures:
NumPy's way needs 24,575 nodes per entry of Z1).

Usage: python benchmarks/ownbackprop.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from microgrid import Value, check_backprop
from microgrid.course.datasets import flatten_images, synthetic_cats


def sigmoid(Z: Any) -> Any:
    return 1 / (1 + np.exp(-Z))


def cost(p: dict[str, Any], X: Any, Y: Any) -> Any:
    A1 = np.maximum(0, np.dot(p["W1"], X) + p["b1"])
    A2 = sigmoid(np.dot(p["W2"], A1) + p["b2"])
    return np.squeeze(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / Y.shape[1])


def gradients(p: dict[str, Any], X: Any, Y: Any) -> dict[str, Any]:
    m = X.shape[1]
    Z1 = np.dot(p["W1"], X) + p["b1"]
    A1 = np.maximum(0, Z1)
    dZ2 = sigmoid(np.dot(p["W2"], A1) + p["b2"]) - Y
    dZ1 = np.dot(p["W2"].T, dZ2) * (Z1 > 0)
    return {
        "dW1": dZ1 @ X.T / m,
        "db1": dZ1.sum(axis=1, keepdims=True) / m,
        "dW2": dZ2 @ A1.T / m,
        "db2": dZ2.sum(axis=1, keepdims=True) / m,
    }


def cpu_seconds(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def numpy_object_arrays(parameters: dict[str, Any], X: Any, Y: Any) -> None:
    """The same check by hand with plain object arrays: NumPy's products, entry by entry."""
    leaves = {
        k: np.array([Value(v) for v in a.ravel()], dtype=object).reshape(a.shape)
        for k, a in parameters.items()
    }
    cost(leaves, X, Y)[()].backward()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer pictures, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    m = 20 if args.quick else 209
    pictures, labels = synthetic_cats(m, seed=0)
    X, Y = flatten_images(pictures) / 255, labels.astype(float)
    rng = np.random.default_rng(3)
    parameters = {
        "W1": rng.standard_normal((7, 12288)) / np.sqrt(12288),
        "b1": np.zeros((7, 1)),
        "W2": rng.standard_normal((1, 7)) / np.sqrt(7),
        "b2": np.zeros((1, 1)),
    }
    print(
        f"check_backprop, 12288 → 7 → 1 relu network, {m} pictures, Python {sys.version.split()[0]}"
    )
    settings: list[dict[str, Any]] = [
        {"samples": 4, "entries": 20},
        {"entries": 20},
        {"samples": 16},
    ]
    settings.append({})
    for options in settings:

        def run(options: dict[str, Any] = options) -> object:
            report = check_backprop(
                cost, parameters, gradients, data=(X, Y), numeric=False, **options
            )
            assert report.ok, str(report)
            return report

        run()  # warm
        times = [cpu_seconds(run) for _ in range(repeats)]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        label = ", ".join(f"{k}={v}" for k, v in options.items()) or "every entry, every picture"
        print(f"  {label:<28} {statistics.median(times):6.2f} s   (peak RSS so far {peak} MB)")

    few = 4
    Xs, Ys = X[:, :few], Y[:, :few]
    ours, numpys = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        ours.append(
            cpu_seconds(
                lambda: check_backprop(cost, parameters, gradients, data=(Xs, Ys), numeric=False)
            )
        )
        numpys.append(cpu_seconds(lambda: numpy_object_arrays(parameters, Xs, Ys)))
    a, b = statistics.median(ours), statistics.median(numpys)
    print(
        f"on {few} pictures: check_backprop {a:.2f} s; the same forward + backward through "
        f"NumPy's own object-array products {b:.2f} s: {b / a:.1f}× slower"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
