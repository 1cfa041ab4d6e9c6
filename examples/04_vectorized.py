"""Vectorization: the seed's loop against NumPy on 64×64×3 pictures.

The seed says vectorized code can be "hundreds of times" faster than for-loops.
This times one full-batch gradient both ways on the (synthetic) cat pictures,
n = 12288 features, and checks they give the same J, dw and db. First the
course's warm-up: a dot product of two 1,000,000-long vectors.

    python examples/04_vectorized.py [--m 209] [--size 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from microgrid.course.datasets import flatten_images, synthetic_cats
from microgrid.course.logistic import loop_gradients, vectorized_gradients


def best_time(function: object, repeats: int) -> float:
    """The fastest of `repeats` runs, in seconds (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=209, help="number of pictures")
    parser.add_argument("--size", type=int, default=1_000_000, help="length of the warm-up vectors")
    args = parser.parse_args(argv)

    # The course's warm-up: c = Σ a_i·b_i with a for-loop and with np.dot.
    rng = np.random.default_rng(0)
    a, b = rng.random(args.size), rng.random(args.size)
    a_list, b_list = a.tolist(), b.tolist()

    def for_loop() -> float:
        c = 0.0
        for i in range(len(a_list)):
            c += a_list[i] * b_list[i]
        return c

    loop_time = best_time(for_loop, 1)
    dot_time = best_time(lambda: np.dot(a, b), 5)
    print(
        f"dot product of {args.size:,} numbers: for-loop {1000 * loop_time:.1f} ms, "
        f"np.dot {1000 * dot_time:.3f} ms ({loop_time / dot_time:.0f}× faster)"
    )

    # One gradient of logistic regression on m pictures.
    images, Y = synthetic_cats(args.m, seed=0)
    X = flatten_images(images)  # (12288, m)
    w, bias = np.full((X.shape[0], 1), 1e-3), 0.0
    loop_time = best_time(lambda: loop_gradients(X, Y, w, bias), 1)
    vector_time = best_time(lambda: vectorized_gradients(X, Y, w, bias), 20)
    J_loop, dw_loop, db_loop = loop_gradients(X, Y, w, bias)
    J_vec, dw_vec, db_vec = vectorized_gradients(X, Y, w, bias)
    print(
        f"one gradient, n = {X.shape[0]}, m = {X.shape[1]}: seed's loop {1000 * loop_time:.1f} ms, "
        f"vectorized {1000 * vector_time:.3f} ms ({loop_time / vector_time:.0f}× faster)"
    )
    print(f"  J:  loop {J_loop:.12f}  vectorized {J_vec:.12f}")
    print(f"  db: loop {db_loop:+.12f}  vectorized {db_vec:+.12f}")
    print(f"  largest |dw difference| = {np.max(np.abs(dw_loop - dw_vec)):.1e}")
    same = (
        np.isclose(J_loop, J_vec, rtol=1e-10)
        and np.isclose(db_loop, db_vec, rtol=1e-10, atol=1e-15)
        and np.allclose(dw_loop, dw_vec, rtol=1e-9, atol=1e-13)
    )
    print("same numbers, computed both ways" if same else "MISMATCH")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
