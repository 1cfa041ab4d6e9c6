"""The live graph inside a notebook: `microgrid.widget(J)` (needs the `widget` extra).

One ES module shipped in the package, no CDN, no server of ours: it runs
wherever Jupyter widgets run (JupyterLab, Notebook 7, VS Code, Colab). The kernel
computes every number with the engine; the browser only shows them. Without a
kernel (GitHub, nbviewer, an HTML export) the notebook keeps draw()'s picture.

>>> from microgrid import Value, widget
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> w = widget((3 * (a + b * c)).named("J"))     # doctest: +SKIP
>>> w.values = {"a": 5, "b": 4, "c": 2}; w.numbers["value"]   # doctest: +SKIP
39.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microgrid.apps.widget.model import GraphWidget
    from microgrid.apps.widget.training import TrainingWidget

__all__ = ["training_widget", "widget"]

INSTALL_HINT = (
    "microgrid.widget needs anywidget: pip install 'microgrid-autograd[widget]' "
    "(or pip install anywidget), then restart the kernel"
)


def widget(target: Any = None, *, h: float = 1e-3, precision: int = 4) -> GraphWidget:
    """A live widget for a graph (`widget(J)`), an exercise (`widget(exercises.get(5))`),
    or the exercises from the first (`widget()` or `widget(microgrid.exercises)`).

    `h` is the nudge's step and `precision` the significant digits shown.
    """
    try:
        from microgrid.apps.widget.model import GraphWidget
    except ImportError as error:
        _explain_missing(error)
        raise
    from microgrid.course import exercises
    from microgrid.course.exercises import Exercise
    from microgrid.engine import Value

    if isinstance(target, Value):
        return GraphWidget(target, h=h, precision=precision)
    if isinstance(target, Exercise):
        return GraphWidget(target.root, exercise=target, h=h, precision=precision)
    if target is None or target is exercises:
        return GraphWidget(None, h=h, precision=precision)
    raise TypeError(
        "widget() needs a Value (a graph), an exercise, or nothing (the exercises), "
        f"got {type(target).__name__}"
    )


def training_widget(
    model: str = "logistic",
    data: str = "toy",
    *,
    learning_rate: float | None = None,
    hidden: int = 4,
    sample: int | None = None,
    seed: int = 0,
) -> TrainingWidget:
    """The training view: `model` ("logistic" or "mlp", the 2-H-1 tanh network) learning
    `data` ("toy", "planar" or "moons"), with Step, Train N and Reset, the decision
    boundary, the cost curve, and one sample's graph after backward.

    `learning_rate` defaults to 0.1 for logistic regression and the course's 1.2 for the
    network; `hidden` is H (1 to 8); `sample` is the sample whose graph is shown.

    >>> w = training_widget("mlp", "planar")      # doctest: +SKIP
    >>> w.step(100); w.training["cost"] < w.training["costs"][0]   # doctest: +SKIP
    True
    """
    try:
        from microgrid.apps.widget.training import TrainingWidget
    except ImportError as error:
        _explain_missing(error)
        raise
    return TrainingWidget(
        model, data, learning_rate=learning_rate, hidden=hidden, sample=sample, seed=seed
    )


def _explain_missing(error: ImportError) -> None:
    """anywidget missing: say how to install it (the `widget` extra)."""
    if error.name in ("anywidget", "ipywidgets", "traitlets"):
        raise ImportError(INSTALL_HINT) from error
