"""`microgrid bench`: a quick engine benchmark against micrograd."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from microgrid.engine import Value, describe_engine


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        "bench",
        help="a quick engine benchmark: + and * nodes vs one dot node (vs micrograd)",
        description="Time forward+backward of loss = Σ relu(z·z), z = Σ wᵢxᵢ, written with "
        "+ and * (one node per op) and with dot and sum (one node per z); with micrograd "
        "installed (the compare extra), the same + and * graph in micrograd. The full "
        "benchmark is benchmarks/engine.py (make bench).",
        epilog="example: microgrid bench --features 1000 --samples 20",
    )
    bench.add_argument("--features", type=int, default=500, help="default: %(default)s")
    bench.add_argument("--samples", type=int, default=10, help="default: %(default)s")
    bench.add_argument("--repeats", type=int, default=3, help="best of (default: %(default)s)")

    def run(args: argparse.Namespace) -> int:
        import importlib
        import random
        import time

        import microgrid

        if min(args.features, args.samples, args.repeats) < 1:
            print(
                "microgrid bench: --features, --samples and --repeats must be >= 1", file=sys.stderr
            )
            return 2
        from microgrid.course.arguments import check_fits

        # Per feature and sample: two nodes (w·x and the running sum) of ~120 bytes each.
        check_fits(
            240.0 * args.features * args.samples + 8.0 * args.features,
            f"a benchmark of {args.features:,} features × {args.samples:,} samples",
        )
        rng = random.Random(0)
        w0 = [rng.uniform(-1, 1) for _ in range(args.features)]
        xs = [[rng.uniform(-1, 1) for _ in w0] for _ in range(args.samples)]

        def with_ops(V: Any) -> Any:  # the same code builds a microgrid or a micrograd graph
            ws = [V(wi) for wi in w0]
            loss = V(0.0)
            for x in xs:
                z = ws[0] * x[0]
                for wi, xi in zip(ws[1:], x[1:], strict=True):
                    z = z + wi * xi
                loss = loss + (z * z).relu()
            return loss

        def with_dot() -> Value:
            ws = [Value(wi) for wi in w0]
            return microgrid.sum([(microgrid.dot(ws, x) ** 2).relu() for x in xs])

        def best(build: Callable[[], Any]) -> float:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                build().backward()
                times.append(time.perf_counter() - start)
            return min(times)

        ops = (2 * args.features + 2) * args.samples
        rows = [("microgrid, + and *", best(lambda: with_ops(Value)))]
        rows.append(("microgrid, dot and sum", best(with_dot)))
        try:  # the `compare` extra
            micrograd = importlib.import_module("micrograd.engine")
        except ImportError:
            micrograd = None
        if micrograd is not None:
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 10 * ops))  # micrograd's sort is recursive
            try:
                rows.append(("micrograd 0.1.0, + and *", best(lambda: with_ops(micrograd.Value))))
            finally:
                sys.setrecursionlimit(limit)
        # Ratios against micrograd when it is there, else against microgrid's + and *.
        reference_name, reference = rows[-1] if micrograd is not None else rows[0]
        versus = "micrograd" if micrograd is not None else "+ and *"
        print(f"loss = Σ relu(z·z), z = Σ wᵢxᵢ: {args.features} features × {args.samples} samples")
        print(f"forward + backward, best of {args.repeats}; {describe_engine()}\n")
        for name, seconds in rows:
            ratio = speed_ratio(reference, seconds, versus) if name != reference_name else ""
            print(f"  {name:<26}{seconds * 1e3:9.1f} ms   {ratio}")
        if micrograd is None:
            from microgrid.show.install_hint import pip_package

            # micrograd alone: the `compare` extra would also pull torch.
            print(f"\n(micrograd is not installed: {pip_package('micrograd==0.1.0')} to compare)")
        return 0

    bench.set_defaults(run=run)


def speed_ratio(reference: float, seconds: float, versus: str) -> str:
    """'3.0× faster than micrograd', or '2.5× slower than ...' (never '0.4× faster')."""
    if min(reference, seconds) <= 0:  # below the clock's resolution: no ratio to give
        return ""
    if seconds <= reference:
        return f"{reference / seconds:.1f}× faster than {versus}"
    return f"{seconds / reference:.1f}× slower than {versus}"
