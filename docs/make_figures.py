"""Draw the figures in docs/figures/ with microgrid itself.

    python docs/make_figures.py           # write every figure (.dot always, .svg with Graphviz)
    python docs/make_figures.py --check   # exit 1 if a checked-in .dot source is stale

Each figure is a function decorated with ``@figure("name")`` that returns a
graphviz Digraph (or a list of them, written as one .gv file with one graph per
frame). Its DOT source is checked in next to the SVG, and
tests/test_render.py fails when a source no longer matches what microgrid
draws, so the pictures in the docs cannot drift from the code. Pages (the
flip-book) are written from the same figures.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import graphviz
import numpy as np

from microgrid import (
    LogisticRegression,
    NeuralNetwork,
    Value,
    datasets,
    draw,
    draw_backward_steps,
    logistic,
    write_flipbook,
)

FIGURES_DIR = Path(__file__).resolve().parent / "figures"

Figure = graphviz.Digraph | list[graphviz.Digraph]
FIGURES: dict[str, Callable[[], Figure]] = {}
PAGES: dict[str, Callable[[Path], object]] = {}


def figure(name: str) -> Callable[[Callable[[], Figure]], Callable[[], Figure]]:
    """Register a figure function under `name` (files name.dot and name.svg)."""

    def register(function: Callable[[], Figure]) -> Callable[[], Figure]:
        if name in FIGURES:
            raise ValueError(f"two figures are called {name!r}")
        FIGURES[name] = function
        return function

    return register


def seed_graph() -> Value:
    """The seed's J = 3(a + bc) with a = 5, b = 3, c = 2, labelled as in the course."""
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (3 * v).named("J")


@figure("seed_forward")
def seed_forward() -> graphviz.Digraph:
    """Before backward(): values only, every delta still '?'."""
    return draw(seed_graph())


@figure("seed_graph")
def seed_backprop() -> graphviz.Digraph:
    """After J.backward(): values and deltas."""
    J = seed_graph()
    J.backward()
    return draw(J)


@figure("seed_graph_local")
def seed_local() -> graphviz.Digraph:
    """The chain rule on the picture: ∂child/∂parent and the delta flowing on each edge."""
    J = seed_graph()
    J.backward()
    return draw(J, show_local=True)


@figure("seed_flipbook_frames")
def seed_frames() -> list[graphviz.Digraph]:
    """The backprop flip-book, one frame per node (drawn into seed_flipbook.html too)."""
    return draw_backward_steps(seed_graph())


def _seed_flipbook(path: Path) -> object:
    return write_flipbook(
        seed_graph(), path, title="Backprop through the seed's J = 3(a + bc), one node at a time"
    )


PAGES["seed_flipbook.html"] = _seed_flipbook


def _seed_flipbook_frame(step: int, path: Path) -> object:
    """One frame of the flip-book as a still SVG, for where the HTML page does not open."""
    frame = draw_backward_steps(seed_graph())[step - 1]
    path.write_bytes(frame.pipe(format="svg"))
    return path


for _step in range(1, 7):  # the seed's graph has six nodes, one frame each
    PAGES[f"seed_flipbook_step{_step}.svg"] = functools.partial(_seed_flipbook_frame, _step)


# ---------------------------------------------------------------------------
# Logistic regression (docs chapters 3-5): the single-example graph, and a model
# trained on the synthetic cats, whose numbers are checked like DOT sources.
# ---------------------------------------------------------------------------

# Text files (name -> function returning the text), compared by stale_figures().
NUMBERS: dict[str, Callable[[], str]] = {}
# Pictures drawn by matplotlib (name -> writer); written, never byte-compared.
PLOTS: dict[str, Callable[[Path], object]] = {}

# Short enough for the staleness test: the synthetic cats, the course's learning
# rate, fewer iterations than the course's 2000 (the curve has the same shape).
CATS_ITERATIONS = 600
CATS_LEARNING_RATE = 0.005


@figure("logistic_one_example")
def logistic_one_example() -> graphviz.Digraph:
    """The seed's x1, x2, w1, w2, b → z → a → L after backward, with local derivatives."""
    L = logistic.single_example([1.5, 2.0], 1, [0.4, -0.1], 0.2)
    L.backward()
    # Top to bottom: nine boxes side by side would shrink the labels to 7 px at page width.
    return draw(L, show_local=True, rankdir="TB")


@functools.cache
def _cats_model() -> tuple[LogisticRegression, float, float]:
    """The cat classifier on the synthetic pictures: (model, train accuracy, test accuracy)."""
    cats = datasets.synthetic_catvnoncat()
    train_x = datasets.flatten_images(cats.train_x)
    test_x = datasets.flatten_images(cats.test_x)
    model = LogisticRegression(CATS_LEARNING_RATE, CATS_ITERATIONS, print_every=0)
    model.fit(train_x, cats.train_y)
    return model, model.score(train_x, cats.train_y), model.score(test_x, cats.test_y)


def cats_training_text() -> str:
    """The numbers behind the learning curve, rounded so that BLAS differences do not show."""
    model, train, test = _cats_model()
    costs = model.costs_
    lines = [
        "# python docs/make_figures.py: LogisticRegression on datasets.synthetic_catvnoncat()",
        f"learning_rate {CATS_LEARNING_RATE:g}, iterations {CATS_ITERATIONS}, w = 0, b = 0",
        *(f"cost after iteration {i}: {costs[i]:.4f}" for i in range(0, len(costs), 100)),
        f"cost after iteration {len(costs) - 1}: {costs[-1]:.4f}",
        f"train accuracy: {100 * train:.1f} %",
        f"test accuracy: {100 * test:.1f} %",
    ]
    return "\n".join(lines) + "\n"


NUMBERS["cats_training.txt"] = cats_training_text


def _cats_learning_curve(path: Path) -> object:
    model = _cats_model()[0]
    title = f"synthetic cats, learning rate {CATS_LEARNING_RATE:g}"
    return logistic.plot_costs(model.costs_, path, title)


def _cats_weights(path: Path) -> object:
    model = _cats_model()[0]
    assert model.w_ is not None  # fitted above
    return logistic.save_weights_image(model.w_, path)


PLOTS["cats_learning_curve.png"] = _cats_learning_curve
PLOTS["cats_weights.png"] = _cats_weights


@figure("cost_graph_local")
def cost_graph_local() -> graphviz.Digraph:
    """Chapter 4's three-sample J = (1/m) Σ L after backward: 1/m on each L, sums at w1, w2, b."""
    X = np.array([[1.0, 2.0, -1.0], [3.0, 0.5, -2.0]])
    Y = np.array([[1, 0, 1]])
    graph = logistic.cost_graph(X, Y, np.array([[0.1], [-0.2]]), 0.3)
    graph.backward()
    # Top to bottom, 3 digits: the three samples side by side. The edge labels
    # (∂child/∂parent and the delta flowing back) are what the chapter reads, so they are
    # drawn as large as the nodes' text (12 pt, not 10), and the widest texts are wrapped
    # (the same words, on more lines) so that the picture is narrower: 774 pt, not 886.
    picture = draw(graph.J, show_local=True, rankdir="TB", precision=3)
    picture.body = [_narrower(line) for line in picture.body]
    picture.graph_attr.update(nodesep="0.05", ranksep="0.3")
    return picture


def _narrower(line: str) -> str:
    """One DOT line of `cost_graph_local` with larger edge labels and long texts wrapped."""
    if line.lstrip().startswith("edge ["):
        return line.replace("fontsize=10", "fontsize=12")
    if "->" in line:  # "← 0.2 · 2 = 0.399" becomes "← 0.2 · 2" over "= 0.399"
        return re.sub(r"(← [^>]*?) = ([^<>]*?)>\]$", r'\1<BR ALIGN="CENTER"/>= \2>]', line)
    return line.replace(" + (1−", " +<BR/>(1−")  # L(i) = −(y·log a + (1−y)·log(1−a))


# The notes' open questions (docs chapters 2, 4 and 6): the loss, the cost bowl, stale
# forward values and a kink, in docs/loss_figures.py (registered below).


# ---------------------------------------------------------------------------
# Neural networks (docs chapters 8-9): the [2, 4, 1] network's graph for one
# sample, decision boundaries, and the course's hidden-layer-size experiment.
# ---------------------------------------------------------------------------

# Text files too slow for every test run (the hidden-size table trains seven
# networks for 5000 iterations): written here, checked with --check --slow.
SLOW_NUMBERS: dict[str, Callable[[], str]] = {}

HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
HIDDEN_ITERATIONS = 5000


@figure("network_2_4_1")
def network_2_4_1() -> graphviz.Digraph:
    """The course's [2, 4, 1] tanh network on the flower's first sample, after backward."""
    from microgrid.course.networks import initialize_parameters, one_sample_graph

    X, Y = datasets.planar()
    parameters = initialize_parameters([2, 4, 1], init="course", seed=2)
    L = one_sample_graph(X[:, 0].round(3).tolist(), int(Y[0, 0]), parameters, "tanh")
    L.backward()
    return draw(L, precision=3)


@functools.cache
def _hidden_sizes() -> dict[int, NeuralNetwork]:
    """The course's experiment: one hidden layer of 1 … 50 tanh units, 5000 iterations."""
    X, Y = datasets.planar()
    models = {}
    for size in HIDDEN_SIZES:
        model = NeuralNetwork([2, size, 1], "tanh", 1.2, HIDDEN_ITERATIONS, print_every=0)
        models[size] = model.fit(X, Y)
    return models


def hidden_sizes_text() -> str:
    X, Y = datasets.planar()
    lines = [
        "# python docs/make_figures.py: NeuralNetwork([2, n_h, 1]) on datasets.planar()",
        f"tanh, learning rate 1.2, init 'course', seed 2, {HIDDEN_ITERATIONS} iterations",
        "| hidden units n_h | cost at the end | accuracy |",
        "|---:|---:|---:|",
    ]
    for size, model in _hidden_sizes().items():
        lines.append(f"| {size} | {model.costs_[-1]:.4f} | {100 * model.score(X, Y):.2f} % |")
    return "\n".join(lines) + "\n"


SLOW_NUMBERS["planar_hidden_sizes.txt"] = hidden_sizes_text


def _planar_learning_curves(path: Path) -> object:
    from microgrid.course.networks.pictures import plot_learning_curves

    curves = {f"n_h = {size}": model.costs_ for size, model in _hidden_sizes().items()}
    return plot_learning_curves(curves, path, "the flower: one hidden layer of n_h tanh units")


def _planar_boundary(path: Path) -> object:
    from microgrid.course.networks.pictures import plot_decision_boundary

    X, Y = datasets.planar()
    model = _hidden_sizes()[4]
    return plot_decision_boundary(model, X, Y, path, "the flower: [2, 4, 1], tanh")


def _moons_boundary(path: Path) -> object:
    from microgrid.course.networks.moons_demo import train_moons
    from microgrid.course.networks.pictures import plot_decision_boundary
    from microgrid.course.networks.vectorized import forward_propagation

    result = train_moons(steps=100, engine="compiled")
    X, Y = datasets.moons(100, 0.1, seed=0)
    arrays = result.model.arrays()

    def predict(points: object) -> object:
        return forward_propagation(points, arrays, "relu")[0] > 0.5  # type: ignore[arg-type]

    return plot_decision_boundary(predict, X, Y, path, "micrograd's demo: MLP 2-16-16-1, 100 steps")


PLOTS["planar_boundary.png"] = _planar_boundary
PLOTS["planar_learning_curves.png"] = _planar_learning_curves
PLOTS["moons_boundary.png"] = _moons_boundary


def _load_sibling(name: str) -> ModuleType:
    """docs/NAME.py, loaded by path (this script is run as a file and loaded by tests)."""
    path = Path(__file__).resolve().parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Chapter 0's pictures, the notes' open questions (chapters 2, 4 and 6), and the
# numbers behind chapters 4-6's and 8's corrections.
NOTES = _load_sibling("notes_figures")
LOSS_FIGURES = _load_sibling("loss_figures")
CORRECTIONS = _load_sibling("correction_figures")
FIGURES.update(CORRECTIONS.GRAPHS)
# Chapter 5b's layer view: the network one box per layer, a layer opened, the cats' network.
LAYER_FIGURES = _load_sibling("layer_figures")
FIGURES.update(LAYER_FIGURES.GRAPHS)
PLOTS.update(NOTES.PLOTS)
PLOTS.update(LOSS_FIGURES.PLOTS)
PLOTS.update(CORRECTIONS.PLOTS)
NUMBERS.update(LOSS_FIGURES.NUMBERS)
NUMBERS.update(CORRECTIONS.NUMBERS)
# Chapters 9b and 9c (course 2): graphs and numbers checked like the rest; the plots train
# the course's full runs (a minute or two; the football one only where its data.mat is).
COURSE2 = _load_sibling("course2_figures")
FIGURES.update(COURSE2.GRAPHS)
NUMBERS.update(COURSE2.NUMBERS)
PLOTS.update(COURSE2.PLOTS)


def course_numbers() -> dict[str, Callable[[], str]]:
    """The numbers made from the course's own files: none where the files are absent."""
    return dict(CORRECTIONS.COURSE_NUMBERS) if CORRECTIONS.course_files_present() else {}


def dot_source(made: Figure) -> str:
    """One DOT file: a figure's source, or every frame's source one after another."""
    if isinstance(made, list):
        return "".join(frame.source for frame in made)
    return str(made.source)


def dot_path(name: str, made: Figure) -> Path:
    return FIGURES_DIR / f"{name}.{'gv' if isinstance(made, list) else 'dot'}"


def stale_figures(slow: bool = False) -> list[str]:
    """Names of figures whose checked-in DOT source differs from a fresh drawing.

    ``slow=True`` also checks the slow text files (`SLOW_NUMBERS`).
    """
    stale = []
    for name, make in FIGURES.items():
        made = make()
        path = dot_path(name, made)
        if not path.exists() or path.read_text(encoding="utf-8") != dot_source(made):
            stale.append(name)
    slow_texts = {**SLOW_NUMBERS, **course_numbers()} if slow else {}
    for name, make_text in {**NUMBERS, **slow_texts}.items():
        path = FIGURES_DIR / name
        if not path.exists() or path.read_text(encoding="utf-8") != make_text():
            stale.append(name)
    return stale


def write_figures(measure: bool = False) -> list[Path]:
    """Write every figure's DOT source, its SVG (needs dot) and the pages.

    The course's files, where present, add their (slow) numbers and pictures;
    ``measure=True`` also writes the timings (MEASURED), which are this machine's.
    """
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    have_dot = shutil.which("dot") is not None
    written = []
    for name, make in FIGURES.items():
        made = make()
        path = dot_path(name, made)
        path.write_text(dot_source(made), encoding="utf-8")
        written.append(path)
        if have_dot and not isinstance(made, list):
            svg = FIGURES_DIR / f"{name}.svg"
            svg.write_bytes(made.pipe(format="svg"))
            written.append(svg)
    texts = {**NUMBERS, **SLOW_NUMBERS, **course_numbers()}
    if measure:
        texts.update(CORRECTIONS.MEASURED)
    for name, make_text in texts.items():
        (FIGURES_DIR / name).write_text(make_text(), encoding="utf-8")
        written.append(FIGURES_DIR / name)
    plots = {**PLOTS, **(CORRECTIONS.COURSE_PLOTS if CORRECTIONS.course_files_present() else {})}
    for name, plot in plots.items():
        plot(FIGURES_DIR / name)  # needs matplotlib (the `plot` extra)
        written.append(FIGURES_DIR / name)
    if have_dot:
        for page, write in PAGES.items():
            write(FIGURES_DIR / page)
            written.append(FIGURES_DIR / page)
    else:
        print("Graphviz's dot is not installed: wrote DOT sources only", file=sys.stderr)
    return written


def write_only(names: list[str]) -> int:
    """Write the named files alone (a picture while you work on it): 1 if a name is unknown."""
    texts = {**NUMBERS, **SLOW_NUMBERS, **CORRECTIONS.COURSE_NUMBERS, **CORRECTIONS.MEASURED}
    plots = {**PLOTS, **CORRECTIONS.COURSE_PLOTS}
    for name in names:
        stem = name.rsplit(".", 1)[0]
        if name in texts:
            (FIGURES_DIR / name).write_text(texts[name](), encoding="utf-8")
        elif name in plots:
            plots[name](FIGURES_DIR / name)
        elif name in PAGES:
            PAGES[name](FIGURES_DIR / name)
        elif stem in FIGURES:
            made = FIGURES[stem]()
            dot_path(stem, made).write_text(dot_source(made), encoding="utf-8")
            if not isinstance(made, list) and shutil.which("dot") is not None:
                (FIGURES_DIR / f"{stem}.svg").write_bytes(made.pipe(format="svg"))
        else:
            print(f"no figure called {name!r}", file=sys.stderr)
            return 1
        print(f"wrote docs/figures/{name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check for stale sources")
    parser.add_argument(
        "--slow", action="store_true", help="with --check: the slow tables too (planar sizes)"
    )
    parser.add_argument(
        "--measure", action="store_true", help="also time the loop and NumPy (chapter 5)"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="write only these files (e.g. sigmoid.png)"
    )
    args = parser.parse_args(argv)
    if args.only:
        return write_only(args.only)
    if args.check:
        stale = stale_figures(slow=args.slow)
        for name in stale:
            print(f"stale: {name} (run python docs/make_figures.py)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_figures(measure=args.measure):
        print(f"wrote {path.relative_to(FIGURES_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
