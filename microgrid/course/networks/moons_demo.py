"""micrograd's headline demo, in microgrid: an MLP 2-16-16-1 on two moons, hinge loss, SGD.

The loop is micrograd's (its demo notebook): labels y = ±1, the loss is the
mean hinge loss max(0, 1 − y·score) plus 1e-4 · Σ p² over the parameters, and
each of the 100 steps uses the learning rate 1 − 0.9·k/100.

>>> result = train_moons(steps=3)
>>> len(result.losses), result.losses[0] > result.losses[-1]
(3, True)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NamedTuple, TextIO

import numpy as np

from microgrid.compiled import CompiledStep
from microgrid.compiled import compile as compile_graph
from microgrid.course.datasets import Floats, moons
from microgrid.engine import Value
from microgrid.engine.nary import sum as value_sum
from microgrid.nn import MLP
from microgrid.nn.losses import hinge
from microgrid.nn.optim import SGD

DEMO_ENGINES = ("graph", "compiled")
ALPHA = 1e-4


class MoonsResult(NamedTuple):
    """The trained model and, for every step, the loss and the training accuracy (0 … 1)."""

    model: MLP
    losses: list[float]
    accuracies: list[float]


def demo_loss(model: MLP, columns: list[list[float]], ys: list[float]) -> tuple[Value, list[Value]]:
    """(total loss, scores): mean hinge loss + α·Σ p², built from Values."""
    scores = [model.outputs(x)[0] for x in columns]
    data_loss = value_sum([hinge(score, y) for score, y in zip(scores, ys, strict=True)])
    data_loss = data_loss / len(scores)
    regularisation = ALPHA * value_sum([p * p for p in model.parameters()])
    return (data_loss + regularisation).named("loss"), scores


def _accuracy(scores: list[Value], ys: list[float]) -> float:
    right = sum((y > 0) == (s.value > 0) for s, y in zip(scores, ys, strict=True))
    return right / len(ys)


def _array_accuracy(model: MLP, X: Floats, ys: list[float]) -> float:
    """The same accuracy from the weights as arrays (NumPy), for the compiled engine."""
    arrays = model.arrays()
    A = X
    for l in range(1, len(model.layers) + 1):  # noqa: E741 - the course's layer index
        Z = arrays[f"W{l}"] @ A + arrays[f"b{l}"]
        A = np.maximum(Z, 0.0) if l < len(model.layers) else Z
    return float(np.mean((A[0] > 0) == (np.array(ys) > 0)))


def train_moons(
    steps: int = 100,
    engine: str = "graph",
    n: int = 100,
    noise: float = 0.1,
    data_seed: int = 0,
    init_seed: int = 0,
    print_every: int = 0,
    file: TextIO | None = None,
    on_model: Callable[[MLP], None] | None = None,
) -> MoonsResult:
    """micrograd's demo loop: MLP(2, [16, 16, 1], relu), `steps` SGD steps on `moons(n, noise)`.

    ``engine="graph"`` rebuilds the graph every step, as micrograd does;
    ``engine="compiled"`` builds it once and replays it with `microgrid.compile`
    (the accuracy then comes from the weights through NumPy: same signs).
    `on_model` is called with the fresh model before training (the benchmark
    copies its weights into micrograd's model so both start alike).
    """
    if engine not in DEMO_ENGINES:
        raise ValueError(
            f"engine must be one of {', '.join(map(repr, DEMO_ENGINES))}; got {engine!r}"
        )
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    X, Y = moons(n, noise, data_seed)
    columns = X.T.tolist()
    ys = [2.0 * y - 1.0 for y in Y[0].tolist()]  # labels ±1
    model = MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=init_seed)
    if on_model is not None:
        on_model(model)
    optimizer = SGD(model.parameters(), lr=1.0)
    out = sys.stdout if file is None else file
    losses: list[float] = []
    accuracies: list[float] = []
    step: CompiledStep | None = None
    for k in range(steps):
        if engine == "graph":
            total, scores = demo_loss(model, columns, ys)
            optimizer.zero_grad()
            total.backward()
            accuracies.append(_accuracy(scores, ys))
        else:
            if step is None:
                total, _ = demo_loss(model, columns, ys)
                step = compile_graph(total, wrt=model.parameters())
            step()  # the loss and every parameter's delta, fresh
            accuracies.append(_array_accuracy(model, X, ys))
        optimizer.lr = max(1.0 - 0.9 * k / 100, 0.1)  # micrograd stops at k = 99
        optimizer.step()
        losses.append(total.value)
        if print_every and k % print_every == 0:
            print(
                f"step {k} loss {total.value:.6f}, accuracy {100 * accuracies[-1]:.0f}%", file=out
            )
    return MoonsResult(model, losses, accuracies)
