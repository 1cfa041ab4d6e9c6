"""The notes' open questions in pictures (chapters 2, 4 and 6; issue 14).

Loaded by docs/make_figures.py, which writes everything registered here:

* PLOTS (name -> writer): matplotlib pictures, written, never byte-compared.
* NUMBERS (name -> text): the numbers behind each picture, checked for staleness
  like the DOT sources (tests/test_render.py).

tests/test_seed_questions_figures.py checks the captions' claims on these numbers.
Public microgrid names only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from microgrid import logistic, replay

PLOTS: dict[str, Callable[[Path], object]] = {}
NUMBERS: dict[str, Callable[[], str]] = {}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ---------------------------------------------------------------------------
# The notes' open questions (docs chapters 2, 4 and 6; issue 14). Six samples
# with one feature that no threshold separates (x = -0.5 is a cat between two
# non-cats, x = 0.5 a non-cat between two cats), so no w, b gets all six right and the
# cost has a proper minimum.
# The numbers behind each picture are written to a .txt and checked like DOT.
# ---------------------------------------------------------------------------

SIX_X = np.array([[-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]])
SIX_Y = np.array([[0, 0, 1, 0, 1, 1]])


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-Z))


def _log_loss(w: float, b: float = 0.0) -> float:
    return logistic.vectorized_gradients(SIX_X, SIX_Y, np.array([[w]]), b).cost


def _log_loss_slope(w: float) -> float:
    """dJ/dw of the log loss with b = 0: (1/m) Σ (a − y) x."""
    A = _sigmoid(w * SIX_X)
    return float(np.mean((A - SIX_Y) * SIX_X))


def _squared_error(w: float) -> float:
    """J(w) = (1/m) Σ ½ (σ(w·x) − y)², the notes' first loss (b = 0)."""
    A = _sigmoid(w * SIX_X)
    return float(np.mean((A - SIX_Y) ** 2) / 2)


def _squared_error_slope(w: float) -> float:
    """dJ/dw = (1/m) Σ (a − y) · a(1 − a) · x: the sigmoid's a(1 − a) flattens it."""
    A = _sigmoid(w * SIX_X)
    return float(np.mean((A - SIX_Y) * A * (1 - A) * SIX_X))


LOSS_START, LOSS_RATE, LOSS_STEPS = -6.0, 1.0, 200


def _descent_1d(slope: Callable[[float], float]) -> list[float]:
    """w after 0, 1, …, LOSS_STEPS steps of w := w − α·dJ/dw from the bad start."""
    ws = [LOSS_START]
    for _ in range(LOSS_STEPS):
        ws.append(ws[-1] - LOSS_RATE * slope(ws[-1]))
    return ws


LOSSES: dict[str, tuple[str, Callable[[float], float], Callable[[float], float]]] = {
    "squared error": ("squared error ½(a − y)²", _squared_error, _squared_error_slope),
    "log loss": ("log loss −(y log a + (1 − y) log(1 − a))", _log_loss, _log_loss_slope),
}


def loss_comparison_text() -> str:
    lines = [
        "# python docs/make_figures.py: J(w) on the six samples, b = 0",
        f"gradient descent from w = {LOSS_START:g}, learning rate {LOSS_RATE:g}",
    ]
    for name, (_, cost, slope) in LOSSES.items():
        ws = _descent_1d(slope)
        lines.append(
            f"{name}: at w = {LOSS_START:g} J = {cost(LOSS_START):.4f}, "
            f"dJ/dw = {slope(LOSS_START):.5f}; after {LOSS_STEPS} steps w = {ws[-1]:.4f}, "
            f"J = {cost(ws[-1]):.4f}"
        )
    return "\n".join(lines) + "\n"


NUMBERS["loss_comparison.txt"] = loss_comparison_text


def _loss_comparison(path: Path) -> object:
    plt = _pyplot()
    grid = np.linspace(-8, 8, 321)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (title, cost, slope) in zip(axes, LOSSES.values(), strict=True):
        ws = _descent_1d(slope)
        ax.plot(grid, [cost(w) for w in grid], color="black", linewidth=1.5)
        ax.plot(
            ws,
            [cost(w) for w in ws],
            "o",
            color="tab:red",
            markersize=3,
            label=f"gradient descent, {LOSS_STEPS} steps",
        )
        ax.plot([ws[0]], [cost(ws[0])], "s", color="tab:blue", label=f"start w = {LOSS_START:g}")
        ax.annotate(
            f"after {LOSS_STEPS} steps: w = {ws[-1]:.2f}",
            (ws[-1], cost(ws[-1])),
            xytext=(0.45, 0.55),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->", "color": "tab:red"},
            fontsize=9,
        )
        ax.set_title(title)
        ax.set_xlabel("w  (b = 0)")
        ax.set_ylabel("cost J(w)")
        ax.grid(alpha=0.3)
    axes[0].axvspan(-8, -3, color="tab:orange", alpha=0.15, label="flat: dJ/dw ≈ 0")
    for ax in axes:
        ax.legend(loc="upper center", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


PLOTS["loss_comparison.png"] = _loss_comparison


BOWL_START, BOWL_RATE, BOWL_STEPS = (-3.0, 3.0), 1.0, 50


def _bowl_path() -> list[tuple[float, float, float]]:
    """(w, b, J) along gradient descent on the log loss over both parameters."""
    w, b = np.array([[BOWL_START[0]]]), BOWL_START[1]
    path = []
    for _ in range(BOWL_STEPS + 1):
        cost, dw, db = logistic.vectorized_gradients(SIX_X, SIX_Y, w, b)
        path.append((float(w[0, 0]), b, cost))
        w, b = w - BOWL_RATE * dw, b - BOWL_RATE * db
    return path


def cost_bowl_text() -> str:
    path = _bowl_path()
    rows = [
        f"step {i}: w = {w:.4f}, b = {b:.4f}, J = {J:.4f}"
        for i, (w, b, J) in enumerate(path)
        if i in (0, 1, 2, 5, 10, 20, BOWL_STEPS)
    ]
    return (
        "\n".join(
            [
                "# python docs/make_figures.py: the log loss J(w, b) on the six samples",
                f"gradient descent from (w, b) = {BOWL_START}, learning rate {BOWL_RATE:g}",
                *rows,
            ]
        )
        + "\n"
    )


NUMBERS["cost_bowl.txt"] = cost_bowl_text


def _cost_bowl(path: Path) -> object:
    plt = _pyplot()
    ws, bs = np.linspace(-4, 5, 91), np.linspace(-4, 4, 81)
    W, B = np.meshgrid(ws, bs)
    J = np.vectorize(_log_loss)(W, B)
    steps = np.array(_bowl_path())
    figure = plt.figure(figsize=(11, 4.8))
    # The path is drawn after the surface and above it (no depth sorting), thick and red,
    # so that it stays visible where the surface is in front of it.
    surface = figure.add_subplot(1, 2, 1, projection="3d", computed_zorder=False)
    surface.plot_surface(W, B, J, cmap="viridis", alpha=0.55, linewidth=0, zorder=1)
    surface.plot(
        steps[:, 0],
        steps[:, 1],
        steps[:, 2] + 0.05,
        "o-",
        color="red",
        markersize=4,
        linewidth=2.5,
        zorder=10,
    )
    surface.set_xlabel("w")
    surface.set_ylabel("b")
    surface.set_zlabel("J(w, b)")
    surface.set_title("the bowl: J(w, b) is convex")
    contour = figure.add_subplot(1, 2, 2)
    levels = np.linspace(float(J.min()), float(J.max()), 25)
    filled = contour.contourf(W, B, J, levels=levels, cmap="viridis")
    figure.colorbar(filled, ax=contour, label="J(w, b)")
    contour.plot(
        steps[:, 0],
        steps[:, 1],
        "o-",
        color="red",
        markersize=4,
        linewidth=2.5,
        label=f"gradient descent, α = {BOWL_RATE:g}",
    )
    contour.plot(
        [steps[-1, 0]],
        [steps[-1, 1]],
        "*",
        color="white",
        markersize=12,
        label=f"after {BOWL_STEPS} steps",
    )
    contour.set_xlabel("w")
    contour.set_ylabel("b")
    contour.set_title("seen from above: level curves and the path")
    # At page width (about 830 px for this 1100 px picture) 13 pt stays about 12 px tall.
    contour.legend(loc="lower left", fontsize=13, framealpha=0.9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


PLOTS["cost_bowl.png"] = _cost_bowl


STALE_RATE, STALE_STEPS = 1.0, 40
# How often the forward pass is redone: every iteration, every 10th, never after iteration 0.
STALE_RUNS = {
    "forward pass every iteration": 1,
    "every 10th iteration": 10,
    "never (iteration 0's local derivatives)": 0,
}


def _stale_run(every: int) -> list[float]:
    """True cost per iteration when backward() reuses local derivatives `every` iterations old."""
    graph = logistic.cost_graph(SIX_X, SIX_Y, np.zeros((1, 1)), 0.0)
    params = [*graph.w, graph.b]
    costs = []
    for i in range(STALE_STEPS):
        if every and i % every == 0:
            replay(graph.J, {p: p.value for p in params})
        costs.append(_log_loss(params[0].value, params[1].value))
        graph.J.zero_grad()
        graph.J.backward()
        for p in params:
            p.value -= STALE_RATE * p.delta
    return costs


def stale_forward_text() -> str:
    runs = [_stale_run(every) for every in STALE_RUNS.values()]
    lines = [
        "# python docs/make_figures.py: training on the six samples, learning rate "
        f"{STALE_RATE:g}, from w = 0, b = 0;",
        "# the true cost J at each iteration when the forward pass is redone:",
        "iteration  every iteration  every 10th  never",
        *(
            f"{i:<9}  {runs[0][i]:<15.4f}  {runs[1][i]:<10.4f}  {runs[2][i]:.4f}"
            for i in range(0, STALE_STEPS, 5)
        ),
    ]
    return "\n".join(lines) + "\n"


NUMBERS["stale_forward.txt"] = stale_forward_text


def _stale_forward(path: Path) -> object:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.5, 4))
    for name, every in STALE_RUNS.items():
        axes.plot(range(STALE_STEPS), _stale_run(every), label=name)
    axes.set_xlabel("iteration")
    axes.set_ylabel("cost J (measured with a fresh forward pass)")
    axes.set_title("training without a fresh forward pass")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


PLOTS["stale_forward.png"] = _stale_forward


KINK_RATE, KINK_STEPS = 0.3, 12


def _kink_runs() -> dict[str, list[float]]:
    """w along gradient descent from w = 0 on a smooth and on a kinked cost, both minimal at 1."""
    slopes: dict[str, Callable[[float], float]] = {
        "J = (w − 1)²  (smooth)": lambda w: 2 * (w - 1),
        "J = |w − 1|  (a kink at 1)": lambda w: float(np.sign(w - 1)),
    }
    runs = {}
    for name, slope in slopes.items():
        ws = [0.0]
        for _ in range(KINK_STEPS):
            ws.append(ws[-1] - KINK_RATE * slope(ws[-1]))
        runs[name] = ws
    return runs


def smooth_vs_kink_text() -> str:
    lines = [f"# python docs/make_figures.py: w from w = 0, learning rate {KINK_RATE:g}"]
    for name, ws in _kink_runs().items():
        lines.append(f"{name}: " + " ".join(f"{w:.3f}" for w in ws))
    return "\n".join(lines) + "\n"


NUMBERS["smooth_vs_kink.txt"] = smooth_vs_kink_text


def _smooth_vs_kink(path: Path) -> object:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.5, 3.8))
    for name, ws in _kink_runs().items():
        axes.plot(range(len(ws)), ws, "o-", label=name)
    axes.axhline(1.0, color="gray", linestyle="--", linewidth=1, label="the minimum, w = 1")
    axes.set_xlabel("iteration")
    axes.set_ylabel("w")
    axes.set_title(f"gradient descent, α = {KINK_RATE:g}: the kink never lets the steps shrink")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


PLOTS["smooth_vs_kink.png"] = _smooth_vs_kink
