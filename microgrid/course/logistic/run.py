"""`run_logreg`: train the cat classifier and report, as `microgrid logreg` does."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from microgrid.course.logistic.model import LogisticRegression
from microgrid.course.logistic.pictures import plot_costs, save_weights_image
from microgrid.show.plotting import picture_path, pyplot

if TYPE_CHECKING:
    from microgrid.course.datasets import CatData


def run_logreg(
    data: str = "synthetic",
    engine: str = "vectorized",
    iterations: int = 2000,
    learning_rate: float = 0.005,
    plot: str | None = None,
    weights_image: str | None = None,
    print_every: int = 100,
    file: TextIO | None = None,
) -> LogisticRegression:
    """Train the cat classifier and report, as `microgrid logreg` does.

    `data` is "synthetic" (built in, offline) or a directory with the course's
    train_catvnoncat.h5 and test_catvnoncat.h5.
    """
    from microgrid.course import datasets

    out = sys.stdout if file is None else file
    # Settings are checked before the (possibly slow) loading of the pictures.
    model = LogisticRegression(learning_rate, iterations, engine, print_every)
    if plot and not model.iterations:
        raise ValueError("--plot needs at least one iteration to draw a learning curve")
    for picture, image in ((plot, False), (weights_image, True)):
        if picture:
            pyplot()  # a clear ImportError without matplotlib
            picture_path(picture, image)
    cats: CatData = (
        datasets.synthetic_catvnoncat() if data == "synthetic" else datasets.load_catvnoncat(data)
    )
    train_x, test_x = datasets.flatten_images(cats.train_x), datasets.flatten_images(cats.test_x)
    print(
        f"data: {data} — {train_x.shape[1]} training and {test_x.shape[1]} test pictures, "
        f"{train_x.shape[0]} features each; engine: {engine}",
        file=out,
    )
    model.fit(train_x, cats.train_y, file=out)
    train_accuracy = 100 * model.score(train_x, cats.train_y)
    test_accuracy = 100 * model.score(test_x, cats.test_y)
    print(f"train accuracy: {train_accuracy} %", file=out)
    print(f"test accuracy: {test_accuracy} %", file=out)
    if plot:
        plot_costs(model.costs_, plot, f"learning rate {learning_rate:g}, {engine} engine")
        print(f"learning curve written to {plot}", file=out)
    if weights_image:
        assert model.w_ is not None
        height, width = cats.train_x.shape[1:3]
        save_weights_image(model.w_, weights_image, height, width)
        print(f"weights picture written to {weights_image} (red: cat, blue: not cat)", file=out)
    return model
