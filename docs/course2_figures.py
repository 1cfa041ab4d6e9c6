"""The pictures of chapters 9b and 9c (course 2: initialization, regularization, optimization).

    python docs/course2_figures.py                  # write every figure of the two chapters
    python docs/course2_figures.py --only NAME …    # a few (e.g. dropout_graph.svg)

Loaded by docs/make_figures.py too, which writes everything registered here:

* GRAPHS (name -> Digraph): drawn by microgrid, DOT sources checked for staleness.
* NUMBERS (name -> text): the numbers behind a picture, checked for staleness
  like the DOT sources (tests/test_render.py).
* PLOTS (name -> writer): matplotlib pictures, written, never byte-compared. The
  decision boundaries train the course's full runs (15,000 and 30,000 iterations:
  a minute or two); the football picture only where the course's data.mat is
  ($MICROGRID_FOOTBALL, else ../shared/data/football beside the checkout).

Public microgrid names only.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from microgrid import NeuralNetwork, Value, binary_cross_entropy, datasets, dot, draw, logistic
from microgrid.course.networks import (
    backward_propagation,
    course_loss_sum,
    forward_propagation,
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    one_sample_graph,
    random_mini_batches,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from microgrid.course.networks.pictures import decision_grid

FIGURES_DIR = Path(__file__).resolve().parent / "figures"

GRAPHS: dict[str, Callable[[], graphviz.Digraph]] = {}
NUMBERS: dict[str, Callable[[], str]] = {}
PLOTS: dict[str, Callable[[Path], object]] = {}

FOOTBALL_DIR = Path(
    os.environ.get(
        "MICROGRID_FOOTBALL",
        Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "football",
    )
)


def football_present() -> bool:
    """True when the course's regularization data, data.mat, is in FOOTBALL_DIR."""
    return (FOOTBALL_DIR / "data.mat").is_file()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path)
    _pyplot().close(figure)
    return path


def _boundary_panel(
    axes: Any, model: NeuralNetwork, X: np.ndarray, Y: np.ndarray, title: str
) -> None:
    xx, yy, classes = decision_grid(model, X, 200)
    axes.contourf(xx, yy, classes, alpha=0.35, cmap="coolwarm")
    axes.scatter(X[0], X[1], c=Y[0], s=10, cmap="coolwarm", edgecolors="k", lw=0.3)
    axes.set_title(title, fontsize=10)
    axes.set_xticks([])
    axes.set_yticks([])


# ---------------------------------------------------------------------------
# Chapter 9b: zero initialisation on the graph.
# ---------------------------------------------------------------------------


def zero_init_sample() -> Value:
    """The course's relu network, [2, 2, 1] here, initialised to zeros, on the first circle."""
    train_X, train_Y, _, _ = datasets.circles()
    parameters = initialize_parameters([2, 2, 1], init="zeros", seed=3)
    L = one_sample_graph(train_X[:, 0].tolist(), int(train_Y[0, 0]), parameters, "relu")
    L.backward()
    return L


def zero_init_graph() -> graphviz.Digraph:
    return draw(zero_init_sample(), rankdir="TB")


GRAPHS["zero_init_graph"] = zero_init_graph


# ---------------------------------------------------------------------------
# Chapter 9b: dropout on the graph, the dropped unit greyed.
# ---------------------------------------------------------------------------

DROPOUT_KEEP_PROB = 0.86  # the course's
DROPOUT_MASK = (True, False)  # D1 for this sample: unit 1 (counting from 0) is off
DROPOUT_SAMPLE = 1  # a circle where both relu units are on: only dropout stops a delta


def dropout_sample() -> tuple[Value, list[Value]]:
    """One circle through [2, 2, 1] (relu, He weights, seed 3) with D1 = (1, 0).

    Returns L after backward and the nodes that the dropped unit alone feeds
    (its weights in and out, bias, z1[1], a1[1] and ã1[1]): their deltas are all 0.
    """
    train_X, train_Y, _, _ = datasets.circles()
    parameters = initialize_parameters([2, 2, 1], init="he", seed=3)
    sample = train_X[:, DROPOUT_SAMPLE]
    x = [Value(float(v), label=f"x{k}") for k, v in enumerate(sample, start=1)]
    dropped_nodes: list[Value] = []
    outputs = []
    for j, kept in enumerate(DROPOUT_MASK):
        W = [Value(float(w), label=f"W1[{j},{k}]") for k, w in enumerate(parameters["W1"][j])]
        b = Value(float(parameters["b1"][j, 0]), label=f"b1[{j}]")
        t = dot(W, x)
        z = (t + b).named(f"z1[{j}]")
        a = z.relu().named(f"a1[{j}]")
        # The course's two lines, A1 = A1 * D1 and A1 = A1 / keep_prob, as one constant factor.
        out = (a * ((1.0 if kept else 0.0) / DROPOUT_KEEP_PROB)).named(f"ã1[{j}]")
        outputs.append(out)
        if not kept:
            dropped_nodes += [*W, b, t, z, a, out]
    W2 = [Value(float(w), label=f"W2[0,{j}]") for j, w in enumerate(parameters["W2"][0])]
    dropped_nodes += [w for w, kept in zip(W2, DROPOUT_MASK, strict=True) if not kept]
    z2 = (dot(W2, outputs) + Value(0.0, label="b2[0]")).named("z2[0]")
    a2 = z2.sigmoid().named("a2[0]")
    L = binary_cross_entropy(a2, int(train_Y[0, DROPOUT_SAMPLE])).named("L")
    L.backward()
    return L, dropped_nodes


def dropout_graph() -> graphviz.Digraph:
    L, dropped = dropout_sample()
    return draw(L, rankdir="TB", precision=3, dimmed=dropped)


GRAPHS["dropout_graph"] = dropout_graph


# ---------------------------------------------------------------------------
# Chapter 9b: the three initialisations and the three regularization runs.
# ---------------------------------------------------------------------------

INITS = ("zeros", "large", "he")


@functools.cache
def init_run(init: str) -> NeuralNetwork:
    """The course's initialization assignment: [2, 10, 5, 1], relu, α = 0.01, 15,000 steps."""
    train_X, train_Y, _, _ = datasets.circles()
    model = NeuralNetwork([2, 10, 5, 1], "relu", 0.01, 15000, init=init, seed=3, verbose=False)
    return model.fit(train_X, train_Y)


def _init_boundaries(path: Path) -> object:
    plt = _pyplot()
    train_X, train_Y, test_X, test_Y = datasets.circles()
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    for ax, init in zip(axes, INITS, strict=True):
        model = init_run(init)
        train, test = model.score(train_X, train_Y), model.score(test_X, test_Y)
        _boundary_panel(
            ax, model, train_X, train_Y, f'init="{init}": train {train:.1%}, test {test:.0%}'
        )
    figure.suptitle("the circles after 15,000 iterations, [2, 10, 5, 1] relu, α = 0.01")
    return _save(figure, path)


PLOTS["init_boundaries.png"] = _init_boundaries

REGULARIZATIONS: dict[str, dict[str, float]] = {
    "no regularization": {},
    "L2, λ = 0.7": {"l2": 0.7},
    "dropout, keep_prob = 0.86": {"keep_prob": 0.86},
}


def regularization_run(options: dict[str, float]) -> NeuralNetwork:
    """The course's regularization assignment: [2, 20, 3, 1], relu, α = 0.3, 30,000 steps."""
    data = datasets.load_football(FOOTBALL_DIR)
    model = NeuralNetwork(
        [2, 20, 3, 1], "relu", 0.3, 30000, init="scaled", seed=3, verbose=False, **options
    )
    return model.fit(data.train_X, data.train_Y)


def _regularization_boundaries(path: Path) -> object:
    plt = _pyplot()
    data = datasets.load_football(FOOTBALL_DIR)
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    for ax, (name, options) in zip(axes, REGULARIZATIONS.items(), strict=True):
        model = regularization_run(options)
        train = model.score(data.train_X, data.train_Y)
        test = model.score(data.test_X, data.test_Y)
        _boundary_panel(
            ax, model, data.train_X, data.train_Y, f"{name}\ntrain {train:.1%}, test {test:.1%}"
        )
    figure.suptitle("the football data after 30,000 iterations, [2, 20, 3, 1] relu, α = 0.3")
    return _save(figure, path)


if football_present():
    PLOTS["regularization_boundaries.png"] = _regularization_boundaries


# ---------------------------------------------------------------------------
# Chapter 9b: L2 gives a separable problem's cost a minimum (chapter 4's four samples).
# ---------------------------------------------------------------------------

X4 = np.array([[-2.0, -1.0, 1.0, 2.0]])
Y4 = np.array([[0, 0, 1, 1]])
LAMBDAS = (0.0, 0.1, 0.5)


def l2_cost(w: float, lambd: float) -> float:
    """Chapter 4's J(w) (b = 0) plus λ/(2m)·w²."""
    cost, _, _ = logistic.vectorized_gradients(X4, Y4, np.array([[w]]), 0.0)
    return float(cost) + lambd / (2 * X4.shape[1]) * w * w


def l2_minimum(lambd: float, rate: float = 1.0, steps: int = 2000) -> tuple[float, float]:
    """Gradient descent on J + λ/(2m)·w² from w = 0 (b stays 0: the data are symmetric)."""
    w = 0.0
    m = X4.shape[1]
    for _ in range(steps):
        _, dw, _ = logistic.vectorized_gradients(X4, Y4, np.array([[w]]), 0.0)
        w -= rate * (float(dw[0, 0]) + lambd / m * w)
    _, dw, _ = logistic.vectorized_gradients(X4, Y4, np.array([[w]]), 0.0)
    return w, float(dw[0, 0]) + lambd / m * w


def l2_minimum_text() -> str:
    lines = ["# python docs/course2_figures.py: chapter 4's four samples, b = 0, from w = 0, α = 1"]
    lines.append("λ     w after 2000 steps  dJ/dw      J")
    for lambd in LAMBDAS:
        w, slope = l2_minimum(lambd)
        # A slope that is 0 up to round-off (a few 1e-16, machine-dependent) is written 0.
        shown = "0" if abs(slope) < 1e-12 else f"{slope:.1e}"
        lines.append(f"{lambd:<5g} {w:<19.4f} {shown:<10} {l2_cost(w, lambd):.4f}")
    return "\n".join(lines) + "\n"


NUMBERS["l2_minimum.txt"] = l2_minimum_text


def _l2_minimum(path: Path) -> object:
    plt = _pyplot()
    ws = np.linspace(0, 10, 201)
    figure, axes = plt.subplots(figsize=(6.5, 3.8))
    for lambd in LAMBDAS:
        costs = [l2_cost(w, lambd) for w in ws]
        label = "no L2: falls for ever" if lambd == 0 else f"λ = {lambd:g}"
        (line,) = axes.plot(ws, costs, label=label)
        if lambd:
            w_min, _ = l2_minimum(lambd)
            axes.plot([w_min], [l2_cost(w_min, lambd)], "o", color=line.get_color())
    axes.set_xlabel("w")
    axes.set_ylabel("J(w) + λ/(2m)·w²")
    axes.set_title("chapter 4's separable samples: L2 puts a minimum at a finite w")
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


PLOTS["l2_minimum.png"] = _l2_minimum

# The course's cats (chapter 4's no-minimum case), where its files are: the direction
# gradient descent finds (5000 steps from 0 at α = 0.005 separate every training picture),
# and the cost along it, with and without the L2 term.
CAT_DIR = Path(
    os.environ.get(
        "MICROGRID_CATVNONCAT",
        Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "catvnoncat",
    )
)
CAT_LAMBDAS = (0.0, 0.7, 3.0)


def cats_present() -> bool:
    return all((CAT_DIR / f"{split}_catvnoncat.h5").is_file() for split in ("train", "test"))


@functools.cache
def cats_direction(steps: int = 5000) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(ŵ, b̂, X, Y): w and b after `steps` of chapter 4's descent, scaled to ‖w‖ = 1."""
    data = datasets.load_catvnoncat(CAT_DIR)
    X, Y = datasets.flatten_images(data.train_x), data.train_y
    w, b = np.zeros((X.shape[0], 1)), 0.0
    for _ in range(steps):
        _, dw, db = logistic.vectorized_gradients(X, Y, w, b)
        w, b = w - 0.005 * dw, b - 0.005 * db
    norm = float(np.linalg.norm(w))
    return w / norm, b / norm, X, Y


def _l2_cats(path: Path) -> object:
    plt = _pyplot()
    w_hat, b_hat, X, Y = cats_direction()
    m = X.shape[1]
    separated = bool(np.all(((w_hat.T @ X + b_hat) > 0) == (Y == 1)))
    ts = np.linspace(0, 12, 121)
    cross_entropy = [
        float(logistic.vectorized_gradients(X, Y, t * w_hat, t * b_hat)[0]) for t in ts
    ]
    figure, axes = plt.subplots(figsize=(6.5, 3.8))
    for lambd in CAT_LAMBDAS:
        costs = np.array(cross_entropy) + lambd / (2 * m) * ts**2  # ‖t·ŵ‖² = t²
        label = "no L2: falls for ever" if lambd == 0 else f"λ = {lambd:g}"
        (line,) = axes.plot(ts, costs, label=label)
        if lambd:
            k = int(np.argmin(costs))
            axes.plot([ts[k]], [costs[k]], "o", color=line.get_color())
    axes.set_xlabel("t (w = t·ŵ, b = t·b̂)")
    axes.set_ylabel("J + λ/(2m)·‖w‖²")
    axes.set_ylim(0, 0.75)
    axes.set_title(
        "the course's cats along descent's direction"
        + (" (separating all 209)" if separated else "")
    )
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


if cats_present():
    PLOTS["l2_cats.png"] = _l2_cats


# ---------------------------------------------------------------------------
# Chapter 9c: mini-batch cost curves.
# ---------------------------------------------------------------------------

MINI_BATCH_EPOCHS = 300


def mini_batch_costs(size: int | None) -> tuple[list[float], list[float]]:
    """(each step's batch cost, each epoch's cost): [2, 5, 2, 1] on the moons, gd, α = 0.05.

    `size` None: full batch (one step per epoch).
    """
    X, Y = datasets.course_moons()
    m = X.shape[1]
    parameters = initialize_parameters([2, 5, 2, 1], init="he", seed=3)
    steps, epochs = [], []
    for epoch in range(MINI_BATCH_EPOCHS):
        batches = random_mini_batches(X, Y, size or m, seed=10 + epoch + 1)
        total = 0.0
        for batch_X, batch_Y in batches:
            AL, caches = forward_propagation(batch_X, parameters, "relu")
            loss_sum = course_loss_sum(AL, batch_Y)
            steps.append(loss_sum / batch_X.shape[1])
            total += loss_sum
            grads = backward_propagation(AL, batch_Y, caches, "relu")
            parameters = update_parameters_with_gd(parameters, grads, 0.05)
        epochs.append(total / m)
    return steps, epochs


def _mini_batch_costs(path: Path) -> object:
    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    batch_steps, batch_epochs = mini_batch_costs(64)
    _, full_epochs = mini_batch_costs(None)
    axes[0].plot(range(len(batch_steps)), batch_steps, lw=0.6)
    axes[0].set_xlabel("step (one mini-batch of 64)")
    axes[0].set_ylabel("that mini-batch's cost")
    axes[0].set_title("each mini-batch's cost: noisy, falling")
    axes[1].plot(range(len(full_epochs)), full_epochs, label="full batch: 1 step per epoch")
    axes[1].plot(range(len(batch_epochs)), batch_epochs, label="mini-batches of 64: 5 steps")
    axes[1].set_xlabel("epoch (one pass over the 300 samples)")
    axes[1].set_ylabel("cost of the epoch")
    axes[1].set_title("per epoch: mini-batches learn faster")
    axes[1].legend()
    for ax in axes:
        ax.grid(alpha=0.3)
    figure.suptitle("gradient descent on the moons, [2, 5, 2, 1] relu, α = 0.05")
    return _save(figure, path)


PLOTS["mini_batch_costs.png"] = _mini_batch_costs


# ---------------------------------------------------------------------------
# Chapter 9c: gd, momentum and Adam on a 2-D cost surface.
# ---------------------------------------------------------------------------

START = (-4.0, 1.5)
PATH_STEPS = 60
PATH_RATES = {"gd": 0.9, "momentum": 0.9, "adam": 0.3}


def surface_cost(w1: Value | float, w2: Value | float) -> Value | float:
    """A long, narrow bowl: J = 0.05·w1² + w2² (steep across, shallow along)."""
    return 0.05 * w1 * w1 + w2 * w2


def surface_gradient(point: np.ndarray) -> np.ndarray:
    """dJ/dw1, dJ/dw2 at `point`, by building J from Values and calling backward()."""
    w1, w2 = Value(float(point[0, 0]), label="w1"), Value(float(point[0, 1]), label="w2")
    J = surface_cost(w1, w2)
    assert isinstance(J, Value)
    J.backward()
    return np.array([[w1.delta, w2.delta]])


def optimizer_path(optimizer: str, steps: int = PATH_STEPS) -> list[tuple[float, float]]:
    """The points W = (w1, w2) visited, with the course's update functions."""
    parameters = {"W": np.array([START])}
    v = initialize_velocity(parameters)
    v_adam, s_adam = initialize_adam(parameters)
    rate = PATH_RATES[optimizer]
    path = [START]
    for t in range(1, steps + 1):
        grads = {"dW": surface_gradient(parameters["W"])}
        if optimizer == "gd":
            parameters = update_parameters_with_gd(parameters, grads, rate)
        elif optimizer == "momentum":
            parameters, v = update_parameters_with_momentum(parameters, grads, v, 0.9, rate)
        else:
            parameters, v_adam, s_adam = update_parameters_with_adam(
                parameters, grads, v_adam, s_adam, t, rate
            )
        path.append((float(parameters["W"][0, 0]), float(parameters["W"][0, 1])))
    return path


def optimizer_paths_text() -> str:
    lines = [
        f"# python docs/course2_figures.py: J = 0.05·w1² + w2² from {START}, "
        + ", ".join(f"{name} α = {rate:g}" for name, rate in PATH_RATES.items()),
        "optimizer  after 1 step          after 10              after 60",
    ]
    for name in PATH_RATES:
        path = optimizer_path(name)
        cells = [f"({w1:.3f}, {w2:.3f})" for w1, w2 in (path[1], path[10], path[60])]
        lines.append(f"{name:<10} " + " ".join(f"{cell:<21}" for cell in cells).rstrip())
    return "\n".join(lines) + "\n"


NUMBERS["optimizer_paths.txt"] = optimizer_paths_text


def _optimizer_paths(path: Path) -> object:
    plt = _pyplot()
    w1s, w2s = np.meshgrid(np.linspace(-4.6, 1.5, 200), np.linspace(-1.8, 1.8, 200))
    figure, axes = plt.subplots(figsize=(8, 4.4))
    axes.contour(w1s, w2s, surface_cost(w1s, w2s), levels=15, colors="#9ca3af", linewidths=0.7)
    for name, marker in (("gd", "o"), ("momentum", "s"), ("adam", "^")):
        points = np.array(optimizer_path(name, 30))
        label = f"{name}, α = {PATH_RATES[name]:g}"
        axes.plot(points[:, 0], points[:, 1], marker=marker, ms=3, lw=1, label=label)
    axes.plot([0], [0], "k*", ms=10)
    axes.set_xlabel("w1")
    axes.set_ylabel("w2")
    axes.set_title("30 steps on J = 0.05·w1² + w2² from (−4, 1.5): the minimum is the star")
    axes.set_aspect("equal")
    axes.legend(loc="lower right", fontsize=8)
    return _save(figure, path)


PLOTS["optimizer_paths.png"] = _optimizer_paths


# ---------------------------------------------------------------------------
# Running this file by itself.
# ---------------------------------------------------------------------------


def write(names: list[str] | None = None) -> int:
    """Write the named files (all when None); 1 if a name is unknown."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    everything = [*(f"{g}.svg" for g in GRAPHS), *NUMBERS, *PLOTS]
    for name in names or everything:
        stem = name.rsplit(".", 1)[0]
        if name in NUMBERS:
            (FIGURES_DIR / name).write_text(NUMBERS[name](), encoding="utf-8")
        elif name in PLOTS:
            PLOTS[name](FIGURES_DIR / name)
        elif stem in GRAPHS:
            made = GRAPHS[stem]()
            (FIGURES_DIR / f"{stem}.dot").write_text(made.source, encoding="utf-8")
            if shutil.which("dot") is not None:
                (FIGURES_DIR / f"{stem}.svg").write_bytes(made.pipe(format="svg"))
        else:
            known = ", ".join(everything)
            print(f"no figure called {name!r} (known: {known})", file=sys.stderr)
            return 1
        print(f"wrote docs/figures/{name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="write only these files")
    return write(parser.parse_args(argv).only)


if __name__ == "__main__":
    sys.exit(main())
