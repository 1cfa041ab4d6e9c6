"""Pictures of networks on points in the plane (matplotlib, the `plot` extra).

`plot_decision_boundary` colours the plane by the class a model predicts there
and draws the samples on top; `plot_learning_curves` puts several cost curves
on one picture (hidden sizes, learning rates, engines).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.networks.common import Floats
from microgrid.show.plotting import picture_path, pyplot

Predict = Callable[[Floats], Any]


def _predictor(model: Any) -> Predict:
    if hasattr(model, "predict"):
        return model.predict  # type: ignore[no-any-return]
    if callable(model):
        return model  # type: ignore[no-any-return]
    raise TypeError(
        "model must have predict(X) (a NeuralNetwork, a LogisticRegression) or be a function "
        f"from X (2, k) to k labels; got {type(model).__name__}"
    )


def decision_grid(
    model: Any, X: ArrayLike, resolution: int = 200, margin: float = 0.5
) -> tuple[Floats, Floats, Floats]:
    """(xx, yy, classes): the model's predicted class at every point of a grid around X.

    >>> from microgrid.course.networks.vectorized import sigmoid
    >>> xx, yy, classes = decision_grid(lambda P: P[0] > 0, [[-1.0, 1.0], [0.0, 2.0]], 5)
    >>> xx.shape, classes[0].tolist()
    ((5, 5), [0.0, 0.0, 0.0, 1.0, 1.0])
    """
    predict = _predictor(model)
    points = np.asarray(X, dtype=np.float64)
    if points.ndim != 2 or points.shape[0] != 2 or points.shape[1] == 0:
        raise ValueError(
            f"X must have shape (2, m): two features, one sample per column; got {points.shape}"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be a whole number >= 2, got {resolution!r}")
    low, high = points.min(axis=1) - margin, points.max(axis=1) + margin
    xx, yy = np.meshgrid(
        np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    )
    grid = np.stack([xx.ravel(), yy.ravel()])
    classes = np.asarray(predict(grid), dtype=np.float64).reshape(xx.shape)
    return xx, yy, classes


def plot_decision_boundary(
    model: Any, X: ArrayLike, Y: ArrayLike, path: str | Path, title: str = ""
) -> Path:
    """Write a picture of the plane coloured by the predicted class, with the samples on top.

    `model` is anything with ``predict(X)`` for X of shape (2, k), or such a function.
    """
    plt = pyplot()
    target = picture_path(path)
    labels = np.asarray(Y).reshape(-1)
    xx, yy, classes = decision_grid(model, X, 200)
    points = np.asarray(X, dtype=np.float64)
    if labels.shape[0] != points.shape[1]:
        raise ValueError(f"Y has {labels.shape[0]} labels but X has {points.shape[1]} samples")
    figure, axes = plt.subplots(figsize=(5.5, 4.5))
    axes.contourf(xx, yy, classes, alpha=0.35, cmap="coolwarm")
    axes.scatter(points[0], points[1], c=labels, s=14, cmap="coolwarm", edgecolors="k", lw=0.4)
    axes.set_xlabel("x1")
    axes.set_ylabel("x2")
    axes.set_title(title or "decision boundary")
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)
    return target


def plot_learning_curves(
    curves: Mapping[str, Sequence[float]], path: str | Path, title: str = ""
) -> Path:
    """Write several learning curves J(iteration) on one picture, one per name."""
    if not curves or not all(len(costs) for costs in curves.values()):
        raise ValueError("plot_learning_curves needs at least one non-empty curve")
    plt = pyplot()
    target = picture_path(path)
    figure, axes = plt.subplots(figsize=(6, 4))
    for name, costs in curves.items():
        axes.plot(range(len(costs)), costs, label=name)
    axes.set_xlabel("iteration")
    axes.set_ylabel("cost J")
    axes.set_title(title or "learning curves")
    axes.grid(alpha=0.3)
    if len(curves) > 1:
        axes.legend()
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)
    return target
