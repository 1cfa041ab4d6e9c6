"""The seed's cat classifier: logistic regression on 64×64×3 pictures.

Synthetic pictures by default (built in, no download); `--data DIR` uses the
course's train_catvnoncat.h5 and test_catvnoncat.h5 from DIR, and should print
the course's numbers: cost 0.693147 at iteration 0, 0.584508 at 100, train
accuracy 99.04306220095694 %, test accuracy 70.0 %.

    python examples/05_cat_classifier.py [--data DIR] [--iterations 2000] [--lr 0.005]
        [--engine vectorized|loop|graph] [--plot costs.png] [--weights-image w.png]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from microgrid.course.datasets import flatten_images, load_catvnoncat, synthetic_catvnoncat
from microgrid.course.logistic import LogisticRegression, plot_costs, save_weights_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="synthetic", help="'synthetic' or the course's folder")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.005, help="learning rate")
    parser.add_argument("--engine", choices=["vectorized", "loop", "graph"], default="vectorized")
    parser.add_argument("--m-train", type=int, default=209, help="synthetic training pictures")
    parser.add_argument("--m-test", type=int, default=50, help="synthetic test pictures")
    parser.add_argument("--plot", metavar="PNG", help="write the learning curve")
    parser.add_argument("--weights-image", metavar="PNG", help="write w as a picture")
    args = parser.parse_args(argv)

    if args.data == "synthetic":
        data = synthetic_catvnoncat(args.m_train, args.m_test)
    else:
        data = load_catvnoncat(args.data)

    # 1. Pictures → columns: (m, 64, 64, 3) uint8 → (12288, m) in [0, 1], R then G then B.
    train_x, test_x = flatten_images(data.train_x), flatten_images(data.test_x)
    print(
        f"train_x {train_x.shape}, train_y {data.train_y.shape}, "
        f"test_x {test_x.shape}, test_y {data.test_y.shape}"
    )
    print(f"cats: {int(data.train_y.sum())} of {data.train_y.shape[1]} training pictures")

    # 2. Train from w = 0, b = 0, printing the cost every 100 iterations.
    model = LogisticRegression(args.lr, args.iterations, args.engine, print_every=100)
    model.fit(train_x, data.train_y)

    # 3. Accuracy, as the course prints it.
    print(f"train accuracy: {100 * model.score(train_x, data.train_y)} %")
    print(f"test accuracy: {100 * model.score(test_x, data.test_y)} %")
    wrong = np.flatnonzero(model.predict(test_x)[0] != data.test_y[0])
    names = [data.classes[y].decode() for y in data.test_y[0, wrong]]
    listed = ", ".join(f"#{i} ({name})" for i, name in zip(wrong, names, strict=True))
    print(f"misclassified test pictures: {listed or 'none'}")

    if args.plot:
        plot_costs(model.costs_, args.plot, f"learning rate {args.lr:g}")
        print(f"learning curve written to {args.plot}")
    if args.weights_image:
        assert model.w_ is not None
        save_weights_image(model.w_, args.weights_image, *data.train_x.shape[1:3])
        print(f"weights written to {args.weights_image}: red pixels vote cat, blue not cat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
