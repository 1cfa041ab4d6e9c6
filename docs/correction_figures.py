"""The numbers and pictures behind the docs' corrections (chapters 4, 5, 6 and 8).

Loaded by docs/make_figures.py, which writes everything registered here:

* GRAPHS (name -> Digraph): drawn by microgrid, DOT sources checked for staleness.
* PLOTS (name -> writer): matplotlib pictures, written, never byte-compared.
* NUMBERS (name -> text): the numbers behind a picture, checked for staleness
  like the DOT sources (tests/test_render.py).
* COURSE_NUMBERS, COURSE_PLOTS: from the course's own files (catvnoncat .h5), slow;
  written, and checked with --check --slow, only where the files are.
* MEASURED: timings; written with --measure, never compared (they are this
  machine's), quoted by the pages like performance.md.

Public microgrid names only.
"""

from __future__ import annotations

import functools
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from microgrid import (
    LogisticRegression,
    Value,
    binary_cross_entropy,
    datasets,
    dot,
    draw,
    logistic,
    topological_order,
)

GRAPHS: dict[str, Callable[[], graphviz.Digraph]] = {}
PLOTS: dict[str, Callable[[Path], object]] = {}
NUMBERS: dict[str, Callable[[], str]] = {}
COURSE_NUMBERS: dict[str, Callable[[], str]] = {}
COURSE_PLOTS: dict[str, Callable[[Path], object]] = {}
MEASURED: dict[str, Callable[[], str]] = {}

# Where the course's files are looked for: $MICROGRID_CATVNONCAT, else beside the checkout.
CAT_DIR = Path(
    os.environ.get(
        "MICROGRID_CATVNONCAT",
        Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "catvnoncat",
    )
)


def course_files_present() -> bool:
    """True when the course's train_catvnoncat.h5 and test_catvnoncat.h5 are in CAT_DIR."""
    return all((CAT_DIR / f"{split}_catvnoncat.h5").is_file() for split in ("train", "test"))


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


# ---------------------------------------------------------------------------
# Chapter 6: the step must fit the curvature, α below about 2/λmax (chapter 4's zig-zag).
# ---------------------------------------------------------------------------

RATES = (0.005, 0.001)
RATE_ITERATIONS = 600


@functools.cache
def _synthetic_cats() -> tuple[np.ndarray, np.ndarray]:
    cats = datasets.synthetic_catvnoncat()
    return datasets.flatten_images(cats.train_x), cats.train_y


def lipschitz_constant(X: np.ndarray) -> float:
    """L for the logistic cost at w = 0: the largest eigenvalue of X̃X̃ᵀ/(4m), X̃ = X with a row of 1s.

    The cost's curvature in direction v is (1/m) Σ a(1 − a)(vᵀx̃⁽ⁱ⁾)², and a(1 − a) ≤ ¼, with
    equality at w = 0, b = 0 where every a = ½.
    """
    m = X.shape[1]
    X1 = np.vstack([X, np.ones((1, m))])
    return float(np.linalg.eigvalsh(X1.T @ X1).max()) / (4 * m)  # X̃ᵀX̃ has X̃X̃ᵀ's eigenvalues


@functools.cache
def rate_costs(rate: float) -> list[float]:
    X, Y = _synthetic_cats()
    model = LogisticRegression(rate, RATE_ITERATIONS, print_every=0).fit(X, Y)
    return list(model.costs_)


def learning_rates_text() -> str:
    X, _ = _synthetic_cats()
    L = lipschitz_constant(X)
    lines = [
        "# python docs/make_figures.py: LogisticRegression on datasets.synthetic_catvnoncat()",
        f"λmax = {L:.0f} at w = 0, so 2/λmax = {2 / L:.4f}",
    ]
    for rate in RATES:
        costs = rate_costs(rate)
        ups = sum(later > earlier for earlier, later in itertools.pairwise(costs))
        lines.append(
            f"α = {rate:g}: J rises in {ups} of {len(costs) - 1} steps; "
            + ", ".join(f"J({i}) = {costs[i]:.4f}" for i in (0, 10, 100, 300, len(costs) - 1))
        )
    return "\n".join(lines) + "\n"


NUMBERS["learning_rates.txt"] = learning_rates_text


def _learning_rates(path: Path) -> object:
    plt = _pyplot()
    X, _ = _synthetic_cats()
    limit = 2 / lipschitz_constant(X)
    figure, axes = plt.subplots(figsize=(7, 4))
    for rate in RATES:
        side = "above" if rate > limit else "below"
        axes.plot(
            rate_costs(rate), label=f"α = {rate:g} ({side} 2/λmax = {limit:.4f})", linewidth=1
        )
    axes.set_xlabel("iteration")
    axes.set_ylabel("cost J")
    axes.set_title("synthetic cats: a step too long for the curvature zig-zags")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=9)
    return _save(figure, path)


PLOTS["learning_rates.png"] = _learning_rates


# ---------------------------------------------------------------------------
# Chapter 4: on the course's cats J has no minimum (n > m: the pictures are separable).
# ---------------------------------------------------------------------------

NO_MINIMUM_RATE, NO_MINIMUM_ITERATIONS = 0.005, 20000
NO_MINIMUM_MARKS = (1000, 2000, 5000, 10000, 15000, 20000)


@functools.cache
def no_minimum_run(
    iterations: int = NO_MINIMUM_ITERATIONS,
) -> list[tuple[int, float, float, float, float]]:
    """(iteration, J, ‖w‖, ‖dw‖, train accuracy) every 250 steps on the course's files."""
    data = datasets.load_catvnoncat(CAT_DIR)
    X, Y = datasets.flatten_images(data.train_x), data.train_y
    w, b = np.zeros((X.shape[0], 1)), 0.0
    rows = []
    for i in range(iterations + 1):
        cost, dw, db = logistic.vectorized_gradients(X, Y, w, b)
        if i % 250 == 0:
            accuracy = float(np.mean(((w.T @ X + b) > 0) == (Y == 1)))
            rows.append((i, cost, float(np.linalg.norm(w)), float(np.linalg.norm(dw)), accuracy))
        w, b = w - NO_MINIMUM_RATE * dw, b - NO_MINIMUM_RATE * db
    return rows


def no_minimum_text() -> str:
    lines = [
        "# python docs/make_figures.py (where the course's files are): gradient descent on",
        "# train_catvnoncat.h5 (209 pictures, 12288 features), "
        f"α = {NO_MINIMUM_RATE:g}, w = 0, b = 0",
        "iteration  J       ‖w‖    ‖dw‖     train accuracy",
    ]
    for i, cost, norm_w, norm_dw, accuracy in no_minimum_run():
        if i in NO_MINIMUM_MARKS:
            lines.append(f"{i:<9}  {cost:.4f}  {norm_w:.3f}  {norm_dw:.2e}  {100 * accuracy:.1f} %")
    return "\n".join(lines) + "\n"


COURSE_NUMBERS["no_minimum.txt"] = no_minimum_text


def _no_minimum(path: Path) -> object:
    plt = _pyplot()
    rows = np.array(no_minimum_run())
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, column, title in zip(
        axes,
        (1, 2, 3),
        ("cost J: falls for ever", "‖w‖: grows for ever", "‖dw‖: never 0"),
        strict=True,
    ):
        ax.plot(rows[:, 0], rows[:, column])
        ax.set_xlabel("iteration")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[2].set_yscale("log")
    figure.suptitle(f"the course's cats, α = {NO_MINIMUM_RATE:g}: 209 pictures, 12288 features")
    return _save(figure, path)


COURSE_PLOTS["no_minimum.png"] = _no_minimum


# ---------------------------------------------------------------------------
# Chapter 5: where the speed-up comes from (measured, never compared).
# ---------------------------------------------------------------------------

_TIMING = """
import time, numpy as np
from microgrid import datasets, logistic
cats = datasets.synthetic_catvnoncat()
X, Y = datasets.flatten_images(cats.train_x), cats.train_y
w, b = np.zeros((X.shape[0], 1)), 0.0
def best(f, k):
    times = []
    for _ in range(k):
        start = time.perf_counter(); f(); times.append(time.perf_counter() - start)
    return min(times)
which = {which!r}
if which == "loop":
    print(best(lambda: logistic.loop_gradients(X, Y, w, b), 3))
elif which == "read":
    print(best(lambda: X.sum(), 50))  # one pass over X's 20 MB, one add per number
else:
    print(best(lambda: logistic.vectorized_gradients(X, Y, w, b), 50))
"""


def _time_in_subprocess(which: str, threads: str | None) -> float:
    """Seconds for one gradient, best of several, in a fresh Python (BLAS threads set first)."""
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(name, None)
        if threads is not None:
            env[name] = threads
    done = subprocess.run(
        [sys.executable, "-c", _TIMING.format(which=which)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def vectorization_speed_text() -> str:
    loop = _time_in_subprocess("loop", "1")
    vectorized = _time_in_subprocess("vectorized", "1")
    read = _time_in_subprocess("read", "1")
    multiply_adds = 2 * 12288 * 209
    megabytes = 12288 * 209 * 8 / 1e6
    return (
        "\n".join(
            [
                "# python docs/make_figures.py --measure: one gradient on the synthetic cats",
                f"# (n = 12288, m = 209: {multiply_adds:,} multiply-adds), "
                "one thread, best of several",
                f"# runs, {time.strftime('%Y-%m-%d')}, a machine with {os.cpu_count()} cores",
                f"the seed's loop in Python: {1e3 * loop:.0f} ms, "
                f"{1e9 * loop / multiply_adds:.0f} ns per multiply-add",
                f"vectorized_gradients (NumPy): {1e3 * vectorized:.2f} ms, "
                f"{1e9 * vectorized / multiply_adds:.2f} ns per multiply-add",
                f"one pass over X ({megabytes:.0f} MB, X.sum()): {1e3 * read:.2f} ms",
                f"loop / vectorized: {loop / vectorized:.0f}×; "
                f"vectorized / one pass over X: {vectorized / read:.1f}×",
            ]
        )
        + "\n"
    )


MEASURED["vectorization_speed.txt"] = vectorization_speed_text


# ---------------------------------------------------------------------------
# Chapter 8: the [2, 4, 1] network on one sample, in two pieces that fit the page
# (the whole graph, network_2_4_1.svg, is 2000 pt wide: labels of 5 px on a page).
# ---------------------------------------------------------------------------


@functools.cache
def network_sample() -> tuple[list[float], int, dict[str, np.ndarray], dict[str, Value]]:
    """The flower's first sample, the course's starting weights, and the whole graph's nodes."""
    from microgrid.course.networks import initialize_parameters, one_sample_graph

    X, Y = datasets.planar()
    x, y = X[:, 0].round(3).tolist(), int(Y[0, 0])
    parameters = initialize_parameters([2, 4, 1], init="course", seed=2)
    L = one_sample_graph(x, y, parameters, "tanh")
    L.backward()
    return x, y, parameters, {node.label: node for node in topological_order(L)}


def network_output_piece() -> Value:
    """a1[0..3], W2, b2 → z2[0] → a2[0] → L; the a1[j] are leaves with the whole graph's values."""
    _, y, parameters, nodes = network_sample()
    a1 = [Value(nodes[f"a1[{j}]"].value, label=f"a1[{j}]") for j in range(4)]
    W2 = [Value(float(parameters["W2"][0, j]), label=f"W2[0,{j}]") for j in range(4)]
    b2 = Value(float(parameters["b2"][0, 0]), label="b2[0]")
    a2 = (dot(W2, a1) + b2).named("z2[0]").sigmoid().named("a2[0]")
    L = binary_cross_entropy(a2, y).named("L")
    L.backward()
    return L


def network_unit_piece() -> Value:
    """x1, x2, W1[0,·], b1[0] → z1[0] → a1[0], backprop started from the whole graph's dL/da1[0]."""
    x, _, parameters, nodes = network_sample()
    xs = [Value(value, label=f"x{k}") for k, value in enumerate(x, start=1)]
    W1 = [Value(float(parameters["W1"][0, k]), label=f"W1[0,{k}]") for k in range(2)]
    b1 = Value(float(parameters["b1"][0, 0]), label="b1[0]")
    a1 = (dot(W1, xs) + b1).named("z1[0]").tanh().named("a1[0]")
    a1.backward(nodes["a1[0]"].delta)
    return a1


def _node_ids(picture: graphviz.Digraph) -> dict[str, str]:
    """Each drawn node's name (the bold first line of its label) -> its DOT id."""
    import re

    ids = {}
    for line in picture.body:
        found = re.match(r"\s*(n\d+) \[label=<.*?<B>(.*?)</B>", line)
        if found:
            ids[found.group(2).split(" = ")[0]] = found.group(1)
    return ids


def network_output() -> graphviz.Digraph:
    picture = draw(network_output_piece(), precision=3, rankdir="TB")
    ids = _node_ids(picture)
    for j in range(4):  # W2[0,j] above a1[j]: two rows of four instead of one of nine
        picture.edge(ids[f"W2[0,{j}]"], ids[f"a1[{j}]"], style="invis")
    return picture


def network_unit() -> graphviz.Digraph:
    return draw(network_unit_piece(), precision=3, rankdir="TB")


GRAPHS["network_2_4_1_output"] = network_output
GRAPHS["network_2_4_1_unit"] = network_unit
