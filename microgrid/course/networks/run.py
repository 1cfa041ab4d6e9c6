"""`microgrid train`: a network on the flower, the moons or the cats, with the course's settings.

Every option is checked (picture paths included) before any data is loaded or
any training starts, so a typo costs nothing.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from numpy.typing import ArrayLike

from microgrid.course.arguments import check_fits
from microgrid.course.logistic.pictures import plot_costs
from microgrid.course.networks.common import Floats
from microgrid.course.networks.model import NeuralNetwork
from microgrid.show.plotting import picture_path, pyplot

if TYPE_CHECKING:
    from microgrid.course.datasets import CatData

DATASETS = ("planar", "moons", "cats")


@dataclass(frozen=True)
class Recipe:
    """The defaults for one dataset: the course's (planar, cats) or a quick one (moons)."""

    hidden: tuple[int, ...]
    activation: str
    learning_rate: float
    iterations: int
    init: str
    seed: int
    print_every: int


RECIPES = {
    # Week 3: [2, 4, 1], tanh, learning rate 1.2, 10,000 iterations (cost 0.693048 … 90 %).
    "planar": Recipe((4,), "tanh", 1.2, 10000, "course", 2, 1000),
    # micrograd's data; 200 points, two hidden layers of 16 as in its demo.
    "moons": Recipe((16, 16), "tanh", 0.5, 2000, "scaled", 1, 200),
    # Week 4's L-layer model: [12288, 20, 7, 5, 1], relu, 0.0075, 2500 iterations.
    "cats": Recipe((20, 7, 5), "relu", 0.0075, 2500, "scaled", 1, 100),
}


def parse_layers(text: str) -> tuple[int, ...]:
    """'20,7,5' → (20, 7, 5): the hidden layers' sizes; a clear ValueError otherwise.

    >>> parse_layers("20, 7,5")
    (20, 7, 5)
    """
    parts = [part.strip() for part in text.split(",")]
    # ASCII digits only ("²".isdigit() is True), and no more than 18 of them.
    if not text.strip() or not all(re.fullmatch(r"0*[1-9][0-9]{0,17}", part) for part in parts):
        shown = text if len(text) <= 60 else text[:59] + "…"
        raise ValueError(
            f"--layers takes hidden-layer sizes as whole numbers >= 1 separated by commas "
            f"(e.g. 20,7,5), got {shown!r}"
        )
    return tuple(int(part) for part in parts)


def run_train(
    data: str = "planar",
    hidden: int | None = None,
    layers: Sequence[int] | None = None,
    engine: str = "vectorized",
    iterations: int | None = None,
    learning_rate: float | None = None,
    plot: str | None = None,
    curve: str | None = None,
    activation: str | None = None,
    cats: str = "synthetic",
    file: TextIO | None = None,
) -> NeuralNetwork:
    """Train a `NeuralNetwork` on `data` and report, as `microgrid train` does.

    `hidden` (one hidden layer of that size) or `layers` (several) replace the
    recipe's hidden layers; `plot` writes the decision boundary (planar, moons);
    `curve` the learning curve; `cats` is "synthetic" or the course's folder.
    """
    from microgrid.course import datasets

    out = sys.stdout if file is None else file
    if data not in RECIPES:
        raise ValueError(f"data must be one of {', '.join(DATASETS)}; got {data!r}")
    recipe = RECIPES[data]
    if hidden is not None and layers is not None:
        raise ValueError("give --hidden N (one hidden layer) or --layers A,B,… , not both")
    sizes = (hidden,) if hidden is not None else tuple(layers or recipe.hidden)
    n_x = 12288 if data == "cats" else 2
    _check_size([n_x, *sizes, 1], SAMPLES[data], engine)
    model = NeuralNetwork(
        [n_x, *sizes, 1],
        activation or recipe.activation,
        recipe.learning_rate if learning_rate is None else learning_rate,
        recipe.iterations if iterations is None else iterations,
        init=recipe.init,
        seed=recipe.seed,
        engine=engine,
        print_every=recipe.print_every,
    )
    if engine == "compiled" and data == "cats":
        raise ValueError(
            "--engine compiled writes every pixel of every picture into its code "
            "(12288 · 209 · n_1 numbers): use --engine vectorized for the cats"
        )
    if plot and data == "cats":
        raise ValueError(
            "--plot draws a decision boundary in the plane (planar, moons); for the cats' "
            "learning curve use --curve costs.png"
        )
    if curve and not model.iterations:
        raise ValueError("--curve needs at least one iteration to draw a learning curve")
    for picture in (plot, curve):
        if picture:
            pyplot()  # a clear ImportError without matplotlib
            picture_path(picture)
    test: tuple[Floats, ArrayLike] | None = None
    X: Floats
    Y: ArrayLike
    if data == "planar":
        X, Y = datasets.planar()
        source = "the course's flower (datasets.planar)"
    elif data == "moons":
        X, Y = datasets.moons(200, 0.1, seed=0)
        test = datasets.moons(200, 0.1, seed=1)
        source = "two moons (datasets.moons, 200 points, noise 0.1)"
    else:
        if cats == "synthetic":
            pictures = datasets.synthetic_catvnoncat()
            source = "synthetic cats (datasets.synthetic_catvnoncat)"
        else:
            pictures = _load_cats(cats)
            source = f"the course's cat pictures ({cats})"
        # The course's own flattening (pixel by pixel): its week-4 numbers need it.
        X, Y = datasets.flatten_pixels(pictures.train_x), pictures.train_y
        test = (datasets.flatten_pixels(pictures.test_x), pictures.test_y)
    print(
        f"data: {source}: {X.shape[1]} samples, {X.shape[0]} features; network "
        f"{model.layer_sizes}, {model.hidden_activation}, learning rate {model.learning_rate:g}, "
        f"engine {engine}",
        file=out,
    )
    model.fit(X, Y, file=out)
    print(f"train accuracy: {100 * model.score(X, Y):g} %", file=out)
    if test is not None:
        print(f"test accuracy: {100 * model.score(*test):g} %", file=out)
    if plot:
        from microgrid.course.networks.pictures import plot_decision_boundary

        title = f"{data}: {model.layer_sizes}, {model.hidden_activation}"
        plot_decision_boundary(model, X, Y, plot, title)
        print(f"decision boundary written to {plot}", file=out)
    if curve:
        plot_costs(model.costs_, curve, f"{data}: {model.layer_sizes}, lr {model.learning_rate:g}")
        print(f"learning curve written to {curve}", file=out)
    return model


SAMPLES = {"planar": 400, "moons": 200, "cats": 209}
"""The training samples of each data set (the course's cats: 209 pictures)."""


def _check_size(layer_sizes: list[int], m: int, engine: str) -> None:
    """Refuse a network that cannot fit in memory, before anything is allocated.

    The vectorized engine keeps each number in 8 bytes: the parameters three times
    (them, their gradients, the update) and four activations per unit and sample; a
    Value graph keeps about 100 bytes per weight and sample (a node, its edges).
    """
    weights = sum(a * b + b for a, b in itertools.pairwise(layer_sizes))
    units = sum(layer_sizes[1:])
    estimate = 8 * (3 * weights + 4 * units * m)
    if engine != "vectorized":
        estimate += 100 * weights * m
    check_fits(estimate, f"training the network {layer_sizes} on {m} samples ({engine})")


def _load_cats(folder: str) -> CatData:
    from microgrid.course import datasets

    path = Path(folder)
    if not (path / "train_catvnoncat.h5").is_file():
        raise FileNotFoundError(
            f"no train_catvnoncat.h5 in {path}: --data takes the folder holding the course's "
            "train_catvnoncat.h5 and test_catvnoncat.h5 (from the course's week-4 assignment), "
            "or 'synthetic' for microgrid's built-in pictures"
        )
    return datasets.load_catvnoncat(path)
