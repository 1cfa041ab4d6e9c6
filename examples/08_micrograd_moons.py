"""micrograd's demo in microgrid: an MLP 2-16-16-1 on two moons, hinge loss, SGD.

The loop from micrograd's demo notebook: 100 points, labels ±1, loss = mean hinge
max(0, 1 − y·score) + 1e-4 · Σ p², learning rate 1 − 0.9·k/100 at step k. It
reaches 100 % training accuracy. Written out here with microgrid's nn, optim and
hinge, so you can compare it line by line with micrograd's.

    python examples/08_micrograd_moons.py [--steps 100] [--plot boundary.png]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from microgrid import hinge, nn, optim
from microgrid import sum as value_sum
from microgrid.course.datasets import moons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="the weights' seed")
    parser.add_argument("--plot", metavar="PNG", help="write the decision boundary")
    args = parser.parse_args(argv)

    X, Y = moons(100, noise=0.1, seed=0)
    samples = X.T.tolist()  # one [x1, x2] per sample
    ys = [2.0 * y - 1.0 for y in Y[0]]  # micrograd's labels: −1 or +1

    model = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=args.seed)
    print(model, f"with {len(model.parameters())} parameters")
    optimizer = optim.SGD(model.parameters(), lr=1.0)

    for k in range(args.steps):
        scores = [model(x) for x in samples]  # the logits: one output unit, so one Value
        data_loss = value_sum([hinge(s, y) for s, y in zip(scores, ys, strict=True)]) / len(ys)
        reg_loss = 1e-4 * value_sum([p * p for p in model.parameters()])
        loss = data_loss + reg_loss
        accuracy = np.mean([(y > 0) == (s.value > 0) for s, y in zip(scores, ys, strict=True)])

        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / 100
        optimizer.step()
        print(f"step {k} loss {loss.value:.6f}, accuracy {100 * accuracy:.0f}%")

    if args.plot:
        from microgrid.course.networks.pictures import plot_decision_boundary
        from microgrid.course.networks.vectorized import forward_propagation

        def predict(points: np.ndarray) -> np.ndarray:
            # The trained weights as the course's arrays: 40,000 grid points at NumPy speed.
            # (The output goes through σ there: σ(score) > 0.5 exactly when score > 0.)
            return forward_propagation(points, model.arrays(), "relu")[0] > 0.5

        plot_decision_boundary(predict, X, Y, args.plot, "micrograd's demo: MLP 2-16-16-1")
        print(f"decision boundary written to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
