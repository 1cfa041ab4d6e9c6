"""The notes' first half in pictures (chapter 0) and chapter 5's shapes.

Loaded by docs/make_figures.py, which writes every picture registered in PLOTS
(matplotlib; written, never byte-compared). The numbers behind the pictures are
checked by tests/test_docs_figures.py. Public microgrid names only.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from microgrid import datasets

PLOTS: dict[str, Callable[[Path], object]] = {}


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
# Chapter 0: a picture becomes a column of 12288 numbers, in two orders.
# ---------------------------------------------------------------------------


@functools.cache
def _a_cat() -> np.ndarray:
    """The first cat among the synthetic pictures: (1, 64, 64, 3) uint8."""
    cats = datasets.synthetic_catvnoncat()
    first = int(np.flatnonzero(cats.train_y[0] == 1)[0])
    return cats.train_x[first : first + 1]


def _channel_strip(column: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """Each entry of a column as a colour: its value in its own channel (red, green or blue)."""
    strip = np.zeros((1, column.size, 3))
    strip[0, np.arange(column.size), channels] = column
    return strip


STRIP_BINS = 384
"""Columns of the 12288-entry strips: fewer than the strip's pixels at page width."""


def _binned_strip(column: np.ndarray, channels: np.ndarray, bins: int = STRIP_BINS) -> np.ndarray:
    """The strip averaged down to `bins` columns, each channel's entries on their own.

    Drawn entry by entry, 12288 entries squeezed into a few hundred pixels alias: the
    course's interleaved r, g, b turn into solid bands of one colour. Each column here is
    the mean red, green and blue of the entries it covers (32 of them): one colour band per
    channel in the notes' order, the picture's own colours in the course's.
    """
    groups = column.size // bins
    strip = np.zeros((1, bins, 3))
    for c in range(3):
        own = np.where(channels == c, column, 0.0).reshape(bins, groups).sum(axis=1)
        count = (channels == c).reshape(bins, groups).sum(axis=1)
        strip[0, :, c] = np.divide(own, count, out=np.zeros(bins), where=count > 0)
    return strip


def _picture_to_column(path: Path) -> object:
    plt = _pyplot()
    picture = _a_cat()
    notes = datasets.flatten_images(picture)[:, 0]  # all red, then green, then blue
    course = datasets.flatten_pixels(picture)[:, 0]  # pixel by pixel: r, g, b, r, g, b, ...
    n = notes.size
    notes_channel = np.arange(n) // (n // 3)
    course_channel = np.arange(n) % 3
    figure = plt.figure(figsize=(10, 6.4))
    grid = figure.add_gridspec(4, 2, width_ratios=[1, 3.2], height_ratios=[1, 1, 1, 1])
    image = figure.add_subplot(grid[:, 0])
    image.imshow(picture[0])
    image.set_title("one picture: 64 × 64 pixels,\n3 numbers (R, G, B) each")
    image.set_xticks([0, 63])
    image.set_yticks([0, 63])
    rows = [
        ("the notes' order (flatten_images): all red, then green, then blue", notes, notes_channel),
        (
            "the course's order (flatten_pixels): r, g, b of pixel 1, then pixel 2, …",
            course,
            course_channel,
        ),
    ]
    names = "RGB"
    for k, (title, column, channel) in enumerate(rows):
        whole = figure.add_subplot(grid[2 * k, 1])
        whole.imshow(
            _binned_strip(column, channel),
            aspect="auto",
            interpolation="nearest",
            extent=(-0.5, column.size - 0.5, 0.5, -0.5),  # the axis counts entries, not bins
        )
        whole.set_yticks([])
        whole.set_xticks([0, 4096, 8192, 12287])
        whole.set_title(f"{title}: x1 … x12288", fontsize=10)
        first = figure.add_subplot(grid[2 * k + 1, 1])
        shown = 12
        first.imshow(
            _channel_strip(column[:shown], channel[:shown]), aspect="auto", interpolation="nearest"
        )
        pixels = np.arange(shown) % (n // 3) if k == 0 else np.arange(shown) // 3
        for j in range(shown):
            first.text(
                j,
                0,
                f"x{j + 1}\n{names[channel[j]]} of\npixel {pixels[j] + 1}",
                ha="center",
                va="center",
                color="white",
                fontsize=8,
            )
        first.set_xticks([])
        first.set_yticks([])
        first.set_title("the first 12 entries", fontsize=9)
    figure.text(
        0.99,
        0.005,
        f"each column of a long strip is the mean of {column.size // STRIP_BINS} entries, "
        "colour by colour",
        ha="right",
        va="bottom",
        fontsize=9,
    )
    return _save(figure, path)


PLOTS["picture_to_column.png"] = _picture_to_column


def _sigmoid_curve(path: Path) -> object:
    plt = _pyplot()
    z = np.linspace(-8, 8, 401)
    figure, axes = plt.subplots(figsize=(6.5, 3.6))
    axes.plot(z, 1 / (1 + np.exp(-z)), color="black")
    axes.axhline(0.5, color="gray", linewidth=0.8, linestyle="--")
    axes.axhline(0, color="gray", linewidth=0.8)
    axes.axhline(1, color="gray", linewidth=0.8)
    a = 1 / (1 + np.exp(-0.6))
    axes.plot([0.6], [a], "o", color="tab:red")
    axes.annotate(
        f"chapter 3: z = 0.6, a = σ(0.6) = {a:.4f}",
        (0.6, a),
        xytext=(1.5, 0.35),
        arrowprops={"arrowstyle": "->", "color": "tab:red"},
        fontsize=9,
    )
    axes.text(4.2, 0.9, "z very large: a ≈ 1", fontsize=9, ha="center")
    axes.text(-4.2, 0.07, "z very small: a ≈ 0", fontsize=9, ha="center")
    axes.set_xlabel("z = wᵀx + b")
    axes.set_ylabel("a = ŷ = σ(z) = 1 / (1 + e⁻ᶻ)")
    axes.set_title("the sigmoid: any z becomes a probability between 0 and 1")
    axes.grid(alpha=0.3)
    return _save(figure, path)


PLOTS["sigmoid.png"] = _sigmoid_curve


def _log_loss_branches(path: Path) -> object:
    plt = _pyplot()
    a = np.linspace(0.005, 0.995, 397)
    figure, axes = plt.subplots(figsize=(6.5, 3.8))
    axes.plot(a, -np.log(a), color="tab:blue", label="y = 1:  L = −log a")
    axes.plot(a, -np.log(1 - a), color="tab:orange", label="y = 0:  L = −log(1 − a)")
    a3 = 1 / (1 + np.exp(-0.6))
    axes.plot([a3], [-np.log(a3)], "o", color="tab:red")
    axes.annotate(
        f"chapter 3: y = 1, a = {a3:.4f}, L = {-np.log(a3):.4f}",
        (a3, -np.log(a3)),
        xytext=(0.3, 2.6),
        arrowprops={"arrowstyle": "->", "color": "tab:red"},
        fontsize=9,
    )
    axes.set_ylim(0, 5)
    axes.set_xlabel("a = ŷ, the predicted probability of a cat")
    axes.set_ylabel("loss L(a, y)")
    axes.set_title("the two branches of L = −(y log a + (1 − y) log(1 − a))")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=9, loc="upper center")
    return _save(figure, path)


PLOTS["log_loss_branches.png"] = _log_loss_branches


# The notes' example: dw1 = −5 at the red point. J(w1) = (w1 − 3)², so at w1 = 0.5 the slope is
# 2·(0.5 − 3) = −5; steps of w1 := w1 − α·dw1 with α = 0.1.
SLOPE_START, SLOPE_RATE, SLOPE_STEPS = 0.5, 0.1, 4


def _slope_cost(w: float) -> float:
    return (w - 3.0) ** 2


def _slope_slope(w: float) -> float:
    return 2.0 * (w - 3.0)


def slope_steps() -> list[tuple[float, float]]:
    """(w1, dw1) before each of the steps from the notes' red point, and after the last."""
    w, steps = SLOPE_START, []
    for _ in range(SLOPE_STEPS + 1):
        steps.append((w, _slope_slope(w)))
        w = w - SLOPE_RATE * _slope_slope(w)
    return steps


def _slope_and_step(path: Path) -> object:
    plt = _pyplot()
    ws = np.linspace(-0.3, 4.2, 200)
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot(ws, [_slope_cost(w) for w in ws], color="black", label="J(w1)")
    w0, d0 = slope_steps()[0]
    tangent = np.linspace(w0 - 0.6, w0 + 0.8, 2)
    axes.plot(
        tangent,
        _slope_cost(w0) + d0 * (tangent - w0),
        color="tab:red",
        label=f"the slope at the red point: dw1 = {d0:g}",
    )
    axes.plot(
        [w0, w0 + 0.2, w0 + 0.2],
        [_slope_cost(w0), _slope_cost(w0), _slope_cost(w0) + 0.2 * d0],
        color="tab:red",
        linewidth=1,
    )
    axes.text(
        w0 + 0.24,
        _slope_cost(w0) - 0.6,
        "0.2 right, 1 down:\nslope −5",
        fontsize=8,
        color="tab:red",
    )
    steps = slope_steps()
    for (w, _), (w_next, _) in itertools.pairwise(steps):
        axes.annotate(
            "",
            (w_next, _slope_cost(w_next)),
            (w, _slope_cost(w)),
            arrowprops={"arrowstyle": "->", "color": "tab:blue"},
        )
    axes.plot(
        [w for w, _ in steps],
        [_slope_cost(w) for w, _ in steps],
        "o",
        color="tab:blue",
        markersize=4,
        label=f"w1 := w1 − α·dw1, α = {SLOPE_RATE:g}",
    )
    axes.plot([w0], [_slope_cost(w0)], "o", color="tab:red", markersize=7)
    first = steps[1][0]
    axes.text(
        -0.25,
        0.3,
        f"first step: w1 = {w0:g} − {SLOPE_RATE:g}·({d0:g}) = {first:g}\n"
        "steep slope, long step; flatter slope, shorter step",
        fontsize=9,
    )
    axes.plot([3], [0], "*", color="tab:green", markersize=12, label="the minimum: dw1 = 0")
    axes.set_xlabel("w1")
    axes.set_ylabel("J")
    axes.set_title("the notes' dw1 = −5: the sign says which way, the size how far")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper right")
    return _save(figure, path)


PLOTS["slope_and_step.png"] = _slope_and_step


# ---------------------------------------------------------------------------
# Chapter 5: the shapes of the vectorized pass.
# ---------------------------------------------------------------------------


def _box(axes: Any, x: float, y: float, w: float, h: float, label: str, colour: str) -> None:
    from matplotlib.patches import Rectangle

    axes.add_patch(Rectangle((x, y), w, h, facecolor=colour, edgecolor="black", linewidth=1))
    axes.text(x + w / 2, y + h / 2, label, ha="center", va="center", fontsize=11)


def _vectorization_shapes(path: Path) -> object:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(10, 6))
    n, m, u = 5, 8, 0.45  # drawn sizes: n features, m samples, u per number
    # Row 1: Z = wᵀX + b, one z per sample.
    top = 4.2
    _box(axes, 0, top + (n - 1) * u, n * u, u, "wᵀ", "#dbeafe")
    axes.text(n * u / 2, top + (n - 1) * u - 0.3, "(1, n)", ha="center", va="top", fontsize=10)
    axes.text(2.5, top + n * u / 2, "·", fontsize=22, ha="center", va="center")
    _box(axes, 2.9, top, m * u, n * u, "X  (n, m)\none column\nper sample", "#f3f4f6")
    axes.text(7.3, top + (n - 0.5) * u, "+ b =", fontsize=13, ha="center", va="center")
    _box(axes, 8.1, top + (n - 1) * u, m * u, u, "Z", "#fde68a")
    axes.text(
        8.1 + m * u / 2, top + (n - 1) * u - 0.3, "(1, m)", ha="center", va="top", fontsize=10
    )
    axes.text(
        8.1,
        top + 1.0,
        "entry i: wᵀx⁽ⁱ⁾ + b,\nsample i's z;\nb (a number) is\nbroadcast to (1, m)",
        fontsize=10,
        va="top",
    )
    # Row 2: dw = X dZᵀ / m, one number per feature.
    low = 0.0
    _box(axes, 0, low, u, n * u, "", "#dbeafe")
    axes.text(u / 2, low - 0.3, "dw\n(n, 1)", ha="center", va="top", fontsize=10)
    axes.text(0.95, low + n * u / 2, "=", fontsize=16, ha="center", va="center")
    _box(axes, 1.4, low, m * u, n * u, "X  (n, m)", "#f3f4f6")
    axes.text(5.3, low + n * u / 2, "·", fontsize=22, ha="center", va="center")
    _box(axes, 5.6, low + n * u - m * u, u, m * u, "", "#fecaca")
    axes.text(5.6 + u + 0.15, low + n * u - m * u + 0.2, "dZᵀ\n(m, 1)", fontsize=10)
    axes.text(6.9, low + n * u / 2, "/ m", fontsize=14, ha="center", va="center")
    axes.text(
        8.1,
        low + n * u,
        "dZ = A − Y, (1, m)\n\nrow j of X times dZᵀ:\n"
        "Σᵢ xⱼ⁽ⁱ⁾ dz⁽ⁱ⁾, the seed's\ndwj += xj(i)·dz(i)\nfor every i at once\n\n"
        "db = Σ dZ / m: a number",
        fontsize=10,
        va="top",
    )
    axes.set_xlim(-0.3, 12.2)
    axes.set_ylim(-2.2, top + n * u + 0.3)
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_title(f"drawn with n = {n} features, m = {m} samples (the cats: n = 12288, m = 209)")
    return _save(figure, path)


PLOTS["vectorization_shapes.png"] = _vectorization_shapes
