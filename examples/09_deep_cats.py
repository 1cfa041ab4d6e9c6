"""Week 4 of the course: a two-layer and an L-layer network on the cat pictures.

With `--data DIR` (the course's train_catvnoncat.h5 and test_catvnoncat.h5) this prints
the course's numbers: the two-layer [12288, 7, 1] model costs 0.6930497356599888 at
iteration 0 and 0.6464320953428849 at 100, and after 2500 iterations gets 100 % on the
training pictures and 72 % on the test pictures; the L-layer [12288, 20, 7, 5, 1] model
costs 0.771749 at 0 and 0.672053 at 100, then 98.5645933014 % and 80 %.
Without --data it trains on microgrid's synthetic cats (offline).
Each 2500-iteration run takes about 20 s of CPU time (more on a busy machine; set
OPENBLAS_NUM_THREADS=1 when the cores are shared).

    python examples/09_deep_cats.py [--data DIR] [--model two|deep|both] [--iterations 2500]
"""

from __future__ import annotations

import argparse
import sys

from microgrid.course.datasets import flatten_pixels, load_catvnoncat, synthetic_catvnoncat
from microgrid.course.networks import NeuralNetwork

MODELS = {
    # The course's two_layer_model: np.random.seed(1), W = randn · 0.01.
    "two": ([12288, 7, 1], "course"),
    # The course's L_layer_model: np.random.seed(1), W = randn / sqrt(n_prev).
    "deep": ([12288, 20, 7, 5, 1], "scaled"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="synthetic", help="'synthetic' or the course's folder")
    parser.add_argument("--model", choices=["two", "deep", "both"], default="both")
    parser.add_argument("--iterations", type=int, default=2500)
    parser.add_argument("--m-train", type=int, default=209, help="synthetic training pictures")
    parser.add_argument("--m-test", type=int, default=50, help="synthetic test pictures")
    args = parser.parse_args(argv)

    if args.data == "synthetic":
        data = synthetic_catvnoncat(args.m_train, args.m_test)
    else:
        data = load_catvnoncat(args.data)
    # The course's flattening, train_x_orig.reshape(m, -1).T / 255: pixel by pixel.
    train_x, test_x = flatten_pixels(data.train_x), flatten_pixels(data.test_x)
    print(f"train_x {train_x.shape}, test_x {test_x.shape}")

    for name in ("two", "deep") if args.model == "both" else (args.model,):
        sizes, init = MODELS[name]
        print(f"{name}-layer model {sizes}, relu, learning rate 0.0075, init {init!r}")
        model = NeuralNetwork(sizes, "relu", 0.0075, args.iterations, init, seed=1, verbose=False)
        model.fit(train_x, data.train_y)
        for i in range(0, len(model.costs_), 100):
            print(f"Cost after iteration {i}: {model.costs_[i]!r}")  # the course's full digits
        print(f"train accuracy: {100 * model.score(train_x, data.train_y)!r} %")
        print(f"test accuracy: {100 * model.score(test_x, data.test_y)!r} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
