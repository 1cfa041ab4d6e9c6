"""Pictures of a trained model (matplotlib, the `plot` extra): the learning curve, the weights."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.arguments import whole_number
from microgrid.show.plotting import picture_path, pyplot


def plot_costs(costs: Sequence[float], path: str | Path, title: str = "") -> Path:
    """Write the learning curve J(iteration) to an image file (format from the suffix)."""
    if not len(costs):
        raise ValueError("plot_costs needs at least one cost (train for 1+ iterations)")
    plt = pyplot()
    target = picture_path(path)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(range(len(costs)), costs)
    axes.set_xlabel("iteration")
    axes.set_ylabel("cost J")
    axes.set_title(title or "learning curve")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)
    return target


def save_weights_image(
    w: ArrayLike, path: str | Path, height: int = 64, width: int = 64, scale: int = 4
) -> Path:
    """Write w as a height×width picture: red pixels vote "cat", blue ones "not cat".

    A pixel's vote is its three weights added (R + G + B planes): how much a
    brighter pixel there pushes z up (towards cat) or down. White is 0. Each
    pixel is drawn as a `scale`×`scale` block so that the picture is visible.
    """
    from microgrid.course.datasets import pixel_votes

    votes = pixel_votes(w, height, width)
    size = whole_number(scale, "scale")
    if size < 1:
        raise ValueError(f"scale must be a whole number >= 1, got {scale!r}")
    votes = np.repeat(np.repeat(votes, size, axis=0), size, axis=1)
    limit = float(np.max(np.abs(votes))) or 1.0
    plt = pyplot()
    target = picture_path(path, image=True)
    # bwr: blue (−) … white (0) … red (+), symmetric so 0 is white.
    plt.imsave(target, votes, cmap="bwr", vmin=-limit, vmax=limit)
    return target
