"""Draw chapter 11's figures with microgrid itself (second derivatives).

    python docs/make_second_derivative_figures.py          # write the figures
    python docs/make_second_derivative_figures.py --check  # exit 1 if a DOT source is stale

- figures/derivative_graph.dot/.svg: the graph of dσ/dz that backward(create_graph=True)
  records; it reuses the forward pass's node a = σ(z);
- figures/squared_error_second_derivative.png: ½(σ(z) − 1)² and its second derivative,
  computed by microgrid, negative (not convex) for z < −ln 2; the log loss's beside it.

tests/test_second_derivatives_doc.py checks the DOT source for staleness and the
claims of the picture on the numbers behind it.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

import graphviz

from microgrid import Value, binary_cross_entropy, draw, grad

FIGURES_DIR = Path(__file__).resolve().parent / "figures"


def derivative_graph() -> graphviz.Digraph:
    """The recorded derivative dz = da/dz of a = σ(z) at z = 0.5: a · (1 − a)."""
    z = Value(0.5, label="z")
    a = z.sigmoid().named("a")
    a.backward(create_graph=True)
    dz = z.delta
    assert isinstance(dz, Value)
    return draw(dz.named("dz"), show_delta=False)


def second_derivative(loss: str, z0: float, y: float = 1.0) -> float:
    """d²L/dz² at z0 for one sample with label y, by two backward passes."""
    z = Value(z0, label="z")
    a = z.sigmoid()
    L = 0.5 * (a - y) ** 2 if loss == "squared error" else binary_cross_entropy(a, y)
    (dz,) = grad(L, [z], create_graph=True)
    return grad(dz, [z])[0]


def loss_value(loss: str, z0: float, y: float = 1.0) -> float:
    a = Value(z0).sigmoid()
    L = 0.5 * (a - y) ** 2 if loss == "squared error" else binary_cross_entropy(a, y)
    return L.value


def concave_edge(lo: float = -3.0, hi: float = 0.0) -> float:
    """Where d²/dz² of the squared error (y = 1) changes sign, by bisection on microgrid's value."""
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if second_derivative("squared error", mid) < 0 else (lo, mid)
    return (lo + hi) / 2


def squared_error_plot(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = [-6 + 12 * i / 240 for i in range(241)]
    edge = concave_edge()
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for loss, color in (("squared error", "tab:red"), ("log loss", "tab:blue")):
        axes[0].plot(grid, [loss_value(loss, z) for z in grid], color=color, label=loss)
        axes[1].plot(grid, [second_derivative(loss, z) for z in grid], color=color, label=loss)
    for ax in axes:
        ax.axvspan(-6, edge, color="tab:orange", alpha=0.15)
        ax.set_xlabel("z  (one sample, label y = 1; a = σ(z))")
        ax.grid(alpha=0.3)
    axes[0].set_title("the loss L(z)")
    axes[0].set_ylim(0, 2.5)
    axes[1].set_title("its second derivative d²L/dz², by microgrid")
    axes[1].axhline(0, color="black", linewidth=0.8)
    axes[1].annotate(
        f"z = −ln 2 ≈ {edge:.4f}\nleft of it the squared error\nbends down: not convex",
        (edge, 0),
        xytext=(0.66, 0.6),
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "tab:orange"},
        fontsize=8,
    )
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def stale() -> list[str]:
    path = FIGURES_DIR / "derivative_graph.dot"
    fresh = derivative_graph().source
    return [] if path.exists() and path.read_text(encoding="utf-8") == fresh else [path.name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the DOT source")
    args = parser.parse_args(argv)
    if args.check:
        for name in stale():
            print(f"stale: {name} (run python {Path(__file__).name})", file=sys.stderr)
        return 1 if stale() else 0
    graph = derivative_graph()
    (FIGURES_DIR / "derivative_graph.dot").write_text(graph.source, encoding="utf-8")
    if shutil.which("dot"):
        (FIGURES_DIR / "derivative_graph.svg").write_bytes(graph.pipe(format="svg"))
    squared_error_plot(FIGURES_DIR / "squared_error_second_derivative.png")
    assert math.isclose(concave_edge(), -math.log(2), rel_tol=1e-12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
