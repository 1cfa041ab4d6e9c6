"""micrograd's demo, end to end: micrograd's own loop against microgrid's (`make bench`).

micrograd's headline demo trains an MLP 2-16-16-1 (relu) on 100 two-moons points:
hinge loss max(0, 1 − y·score) averaged, plus 1e-4 · Σ p², 100 steps of SGD with
learning rate 1 − 0.9·k/100. This runs that loop three ways from the same starting
weights on the same data:

  - micrograd 0.1.0   its demo loop, written with its own `micrograd.nn.MLP` and `Value`
  - microgrid graph   the same loop with `microgrid.nn.MLP`: the graph rebuilt every step
  - microgrid compiled   the graph built once, each step replayed by `microgrid.compile`
                         (the compile time is included)

The losses must agree at every step (1e-9 relative) before any time is reported: a
benchmark of different computations is worth nothing. Times are CPU time (not wall
time: the machine may be shared), summed over the steps, which run interleaved (step k
of each loop, then step k + 1), after a warm-up of a few steps on throw-away models.

Usage: python benchmarks/networks.py [--steps 100] [--markdown]
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import microgrid
from microgrid import Value, hinge, nn
from microgrid import sum as value_sum
from microgrid.course.datasets import moons

ALPHA = 1e-4


def micrograd_model(ours: nn.MLP) -> Any:
    """micrograd's MLP(2, [16, 16, 1]) holding the same weights as `ours`."""
    import micrograd.nn

    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    for their_layer, our_layer in zip(theirs.layers, ours.layers, strict=True):
        for their_neuron, our_neuron in zip(their_layer.neurons, our_layer.neurons, strict=True):
            for w_theirs, w_ours in zip(their_neuron.w, our_neuron.w, strict=True):
                w_theirs.data = w_ours.value
            their_neuron.b.data = our_neuron.b.value
    return theirs


def micrograd_step(model: Any, X: list[list[float]], y: list[float], k: int) -> float:
    """One step of micrograd's demo loop, as its notebook writes it."""
    from micrograd.engine import Value as MicrogradValue

    inputs = [list(map(MicrogradValue, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return float(total_loss.data)


def microgrid_loss(model: nn.MLP, X: list[list[float]], y: list[float]) -> Value:
    scores = [model(x) for x in X]
    data_loss = value_sum([hinge(s, yi) for s, yi in zip(scores, y, strict=True)]) / len(y)
    return data_loss + ALPHA * value_sum([p * p for p in model.parameters()])


def graph_step(model: nn.MLP, X: list[list[float]], y: list[float], k: int) -> float:
    """The same step in microgrid: the graph rebuilt, backprop, SGD."""
    loss = microgrid_loss(model, X, y)
    model.zero_grad()
    loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.value -= learning_rate * p.delta
    return loss.value


def compiled_loop(model: nn.MLP, X: list[list[float]], y: list[float]) -> Callable[[int], float]:
    """Steps that replay one compiled graph; the first call compiles it."""
    replay: list[Any] = []
    params = model.parameters()

    def step(k: int) -> float:
        if not replay:
            replay.append(microgrid.compile(microgrid_loss(model, X, y), wrt=params))
        loss = replay[0]()  # the loss, and every parameter's delta, fresh
        learning_rate = 1.0 - 0.9 * k / 100
        for p in params:
            p.value -= learning_rate * p.delta
        return float(loss)

    return step


def cpu(function: Callable[[], float]) -> tuple[float, float]:
    gc.collect()
    start = time.process_time()
    result = function()
    return result, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="micrograd's demo: 100")
    parser.add_argument("--warmup", type=int, default=2, help="steps on throw-away models")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    try:
        import micrograd.nn  # noqa: F401
    except ImportError:
        print("micrograd is not installed: pip install 'microgrid[compare]'", file=sys.stderr)
        return 1
    sys.setrecursionlimit(10_000)  # micrograd's topological sort is recursive

    data, labels = moons(100, noise=0.1, seed=0)
    X = data.T.tolist()
    y = [2.0 * label - 1.0 for label in labels[0].tolist()]

    for _ in range(args.warmup):  # warm: CPython specialises code after a few calls
        warm = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=1)
        theirs_warm = micrograd_model(warm)
        warm_compiled = compiled_loop(nn.MLP(2, [16, 16, 1], "relu", init="uniform", seed=1), X, y)
        for k in range(2):
            micrograd_step(theirs_warm, X, y, k)
            graph_step(warm, X, y, k)
            warm_compiled(k)

    ours = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=0)
    theirs = micrograd_model(ours)
    ours_compiled = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=0)
    compiled_step = compiled_loop(ours_compiled, X, y)
    times = {"micrograd": 0.0, "graph": 0.0, "compiled": 0.0}
    first_compiled = 0.0
    for k in range(args.steps):
        loss_theirs, t = cpu(lambda k=k: micrograd_step(theirs, X, y, k))
        times["micrograd"] += t
        loss_graph, t = cpu(lambda k=k: graph_step(ours, X, y, k))
        times["graph"] += t
        loss_compiled, t = cpu(lambda k=k: compiled_step(k))
        times["compiled"] += t
        if k == 0:
            first_compiled = t
        for name, loss in (("graph", loss_graph), ("compiled", loss_compiled)):
            if not math.isclose(loss, loss_theirs, rel_tol=1e-9):
                print(f"step {k}: {name} loss {loss!r} but micrograd's {loss_theirs!r}")
                return 1
    right = sum((yi > 0) == (ours_compiled([*x])[0].value > 0) for x, yi in zip(X, y, strict=True))
    speed_graph = times["micrograd"] / times["graph"]
    speed_compiled = times["micrograd"] / times["compiled"]
    if args.markdown:
        print("| loop | CPU time | per step | speed-up |")
        print("|---|---:|---:|---:|")
        for name, label in (
            ("micrograd", "micrograd 0.1.0, its own loop"),
            ("graph", "microgrid, graph rebuilt every step"),
            ("compiled", "microgrid, compiled once, replayed"),
        ):
            speed = times["micrograd"] / times[name]
            print(
                f"| {label} | {times[name]:.2f} s | {1e3 * times[name] / args.steps:.1f} ms "
                f"| {speed:.1f}× |"
            )
        return 0
    print(f"micrograd's demo: MLP 2-16-16-1, 100 moons, {args.steps} steps")
    print(f"Python {platform.python_version()}, {platform.machine()}")
    print(f"the losses agree at every step (1e-9); final loss {loss_theirs:.6f}, ")
    print(f"training accuracy {right}/{len(y)}")
    print(f"  micrograd 0.1.0 (its own loop)   {times['micrograd']:8.2f} s CPU")
    print(
        f"  microgrid graph (rebuilt)        {times['graph']:8.2f} s CPU   "
        f"{speed_graph:.1f}× faster than micrograd"
    )
    print(
        f"  microgrid compiled (replayed)    {times['compiled']:8.2f} s CPU   "
        f"{speed_compiled:.1f}× faster (compiling: {first_compiled:.2f} s of it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
