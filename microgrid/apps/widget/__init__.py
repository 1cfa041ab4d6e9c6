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

__all__ = ["widget"]

INSTALL_HINT = (
    "microgrid.widget needs anywidget: pip install 'microgrid[widget]' "
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
        if error.name in ("anywidget", "ipywidgets", "traitlets"):
            raise ImportError(INSTALL_HINT) from error
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
