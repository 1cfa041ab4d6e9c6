"""`microgrid train`: a network on the course's data (flower, cats, circles, football, moons).

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

DATASETS = ("planar", "moons", "cats", "circles", "football")


@dataclass(frozen=True)
class Recipe:
    """The defaults for one dataset: the course's settings for its assignment."""

    hidden: tuple[int, ...]
    activation: str
    learning_rate: float
    iterations: int
    init: str
    seed: int
    print_every: int
    epochs: int | None = None  # mini-batch training (the course's num_epochs)


RECIPES = {
    # Week 3: [2, 4, 1], tanh, learning rate 1.2, 10,000 iterations (cost 0.693048 … 90 %).
    "planar": Recipe((4,), "tanh", 1.2, 10000, "course", 2, 1000),
    # Course 2's optimization assignment: [2, 5, 2, 1], relu, He, 5,000 epochs of 64.
    "moons": Recipe((5, 2), "relu", 0.0007, 0, "he", 3, 1000, epochs=5000),
    # Week 4's L-layer model: [12288, 20, 7, 5, 1], relu, 0.0075, 2500 iterations.
    "cats": Recipe((20, 7, 5), "relu", 0.0075, 2500, "scaled", 1, 100),
    # Course 2's initialization assignment: [2, 10, 5, 1], relu, 0.01, 15,000 iterations, He.
    "circles": Recipe((10, 5), "relu", 0.01, 15000, "he", 3, 1000),
    # Course 2's regularization assignment: [2, 20, 3, 1], relu, 0.3, 30,000 iterations.
    "football": Recipe((20, 3), "relu", 0.3, 30000, "scaled", 3, 10000),
}


@dataclass(frozen=True)
class Techniques:
    """Course 2's options as given on the command line (None: the recipe's or the default)."""

    init: str | None = None
    l2: float | None = None
    keep_prob: float | None = None
    optimizer: str | None = None
    mini_batch: int | None = None
    epochs: int | None = None
    beta: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    decay: str | None = None
    decay_rate: float | None = None
    time_interval: int | None = None


def check_techniques(data: str, t: Techniques, iterations: int | None) -> dict[str, object]:
    """NeuralNetwork settings for `t` on `data`; a ValueError for an option that would be ignored.

    >>> check_techniques("moons", Techniques(optimizer="adam", mini_batch=64), None)["optimizer"]
    'adam'
    """
    recipe = RECIPES[data]
    epochs = t.epochs if t.epochs is not None else recipe.epochs
    if epochs is not None and iterations is not None:
        raise ValueError(
            f"--iterations counts full-batch steps, but {data} trains on mini-batches for "
            f"--epochs (the course's num_epochs); give --epochs N instead"
            if t.epochs is None
            else "give --iterations (full batch) or --epochs (mini-batches), not both"
        )
    if t.mini_batch is not None and epochs is None:
        raise ValueError(
            f"--mini-batch trains on mini-batches, {data} on the full batch: give --epochs N "
            "too (the course's num_epochs)"
        )
    optimizer = t.optimizer or "gd"
    if t.beta is not None and optimizer != "momentum":
        raise ValueError(f"--beta is momentum's β: add --optimizer momentum (not {optimizer})")
    for name, value in (("--beta1", t.beta1), ("--beta2", t.beta2)):
        if value is not None and optimizer != "adam":
            raise ValueError(f"{name} is Adam's: add --optimizer adam (not {optimizer})")
    if t.decay is None and (t.decay_rate is not None or t.time_interval is not None):
        raise ValueError("--decay-rate and --time-interval need --decay update or schedule")
    if t.time_interval is not None and t.decay != "schedule":
        raise ValueError("--time-interval is for --decay schedule (update decays every epoch)")
    settings: dict[str, object] = {"init": t.init or recipe.init, "optimizer": optimizer}
    if epochs is not None:
        settings["epochs"] = epochs
        settings["mini_batch_size"] = 64 if t.mini_batch is None else t.mini_batch
    optional = {
        "l2": t.l2,
        "keep_prob": t.keep_prob,
        "beta": t.beta,
        "beta1": t.beta1,
        "beta2": t.beta2,
        "decay": t.decay,
        "decay_rate": t.decay_rate,
        "time_interval": t.time_interval,
    }
    settings.update({name: value for name, value in optional.items() if value is not None})
    return settings


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
    techniques: Techniques | None = None,
    football: str | None = None,
) -> NeuralNetwork:
    """Train a `NeuralNetwork` on `data` and report, as `microgrid train` does.

    `hidden` (one hidden layer of that size) or `layers` (several) replace the
    recipe's hidden layers; `plot` writes the decision boundary (not the cats);
    `curve` the learning curve; `cats` is "synthetic" or the course's folder;
    `football` the folder holding the course's data.mat; `techniques` course 2's
    options (initialisation, L2, dropout, optimizer, mini-batches, decay).
    """

    out = sys.stdout if file is None else file
    if data not in RECIPES:
        raise ValueError(f"data must be one of {', '.join(DATASETS)}; got {data!r}")
    recipe = RECIPES[data]
    if hidden is not None and layers is not None:
        raise ValueError("give --hidden N (one hidden layer) or --layers A,B,… , not both")
    sizes = (hidden,) if hidden is not None else tuple(layers or recipe.hidden)
    n_x = 12288 if data == "cats" else 2
    settings = check_techniques(data, techniques or Techniques(), iterations)
    mini_batches = "epochs" in settings
    if data == "football" and football is None:
        raise ValueError(
            "football needs the course's data.mat: --data DIR (the regularization "
            "assignment's datasets/ folder)"
        )
    _check_size([n_x, *sizes, 1], SAMPLES[data], engine)
    model = NeuralNetwork(
        [n_x, *sizes, 1],
        activation or recipe.activation,
        recipe.learning_rate if learning_rate is None else learning_rate,
        None if mini_batches else (recipe.iterations if iterations is None else iterations),
        seed=recipe.seed,
        engine=engine,
        print_every=recipe.print_every,
        **settings,  # type: ignore[arg-type]
    )
    if engine == "compiled" and data == "cats":
        raise ValueError(
            "--engine compiled writes every pixel of every picture into its code "
            "(12288 · 209 · n_1 numbers): use --engine vectorized for the cats"
        )
    if plot and data == "cats":
        raise ValueError(
            "--plot draws a decision boundary in the plane (planar, moons, circles, football); "
            "for the cats' learning curve use --curve costs.png"
        )
    if curve and not (model.epochs if mini_batches else model.iterations):
        raise ValueError("--curve needs at least one iteration to draw a learning curve")
    for picture in (plot, curve):
        if picture:
            pyplot()  # a clear ImportError without matplotlib
            picture_path(picture)
    X, Y, test, source = _load(data, cats, football)
    print(
        f"data: {source}: {X.shape[1]} samples, {X.shape[0]} features; network "
        f"{model.layer_sizes}, {model.hidden_activation}, learning rate {model.learning_rate:g}, "
        f"engine {engine}" + _describe(model, data in COURSE_2 or model.init != recipe.init),
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


COURSE_2 = ("circles", "football", "moons")


def _describe(model: NeuralNetwork, show_init: bool) -> str:
    """Course 2's settings in force, for the first line: init, L2, dropout, optimizer, batches.

    Nothing for weeks 3–4's plain runs (their first line stays as it was).
    """
    parts = [f"init {model.init}"] if show_init else []
    if model.l2:
        parts.append(f"L2 λ = {model.l2:g}")
    if model.keep_prob != 1:
        parts.append(f"dropout keep_prob = {model.keep_prob:g}")
    if model.optimizer != "gd" or model.epochs is not None:
        parts.append(f"optimizer {model.optimizer}")
    if model.epochs is not None:
        parts.append(f"{model.epochs} epochs of mini-batches of {model.mini_batch_size}")
    if model.decay is not None:
        parts.append(f"learning-rate decay {model.decay!r} (rate {model.decay_rate:g})")
    return "; " + ", ".join(parts) if parts else ""


def _load(
    data: str, cats: str, football: str | None
) -> tuple[Floats, ArrayLike, tuple[Floats, ArrayLike] | None, str]:
    """X, Y, the test set (or None) and where they come from."""
    from microgrid.course import datasets

    if data == "planar":
        X, Y = datasets.planar()
        return X, Y, None, "the course's flower (datasets.planar)"
    if data == "moons":
        X, Y = datasets.course_moons()
        return X, Y, None, "the course's moons (datasets.course_moons: course 2, optimization)"
    if data == "circles":
        train_X, train_Y, test_X, test_Y = datasets.circles()
        source = "the course's circles (datasets.circles: course 2, initialization)"
        return train_X, train_Y, (test_X, test_Y), source
    if data == "football":
        assert football is not None  # checked by run_train before the model is made
        train_X, train_Y, test_X, test_Y = datasets.load_football(football)
        return train_X, train_Y, (test_X, test_Y), f"the course's football data ({football})"
    if cats == "synthetic":
        pictures = datasets.synthetic_catvnoncat()
        source = "synthetic cats (datasets.synthetic_catvnoncat)"
    else:
        pictures = _load_cats(cats)
        source = f"the course's cat pictures ({cats})"
    # The course's own flattening (pixel by pixel): its week-4 numbers need it.
    X, Y = datasets.flatten_pixels(pictures.train_x), pictures.train_y
    return X, Y, (datasets.flatten_pixels(pictures.test_x), pictures.test_y), source


SAMPLES = {"planar": 400, "moons": 300, "cats": 209, "circles": 300, "football": 211}
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
