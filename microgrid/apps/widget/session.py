"""What the notebook widget computes, kept apart from the widget (and from anywidget).

`GraphSession` holds a copy of the learner's graph and answers "these leaf
values, this backprop step": the numbers (J, every value and delta, the nudge,
`explain()`'s line per step) and, separately, the picture (`draw()`, a dot
call). It is the explorer's own answer (`graph_api.GraphStore`), so the widget
and the page show the same numbers. `ExerciseSession` (the explorer's
`exercise_api`, shared with the play page) walks through `microgrid.exercises`.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> session = GraphSession((3 * (a + b * c)).named("J"))
>>> numbers = session.numbers({"b": 3.5})
>>> numbers["value"], [leaf["name"] for leaf in numbers["leaves"]]
(36.0, ['a', 'b', 'c'])
>>> round(session.nudges({"b": 3.5})["c"]["nudge"]["slope"], 6)   # dJ/dc = 3·b
10.5
>>> b.value                      # the learner's graph is untouched
3.0
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

# The exercises' session is the explorer's (its page has an Exercises tab too).
from microgrid.apps.explorer.exercise_api import ExerciseSession, exercise_picture
from microgrid.apps.explorer.graph_api import MAX_NODES, GraphStore, RequestError
from microgrid.engine import Value, topological_order
from microgrid.show.notation import node_names

__all__ = ["ExerciseSession", "GraphSession", "exercise_picture", "static_html"]


class GraphSession:
    """A copy of `root`'s graph, answered for any leaf values and backprop step."""

    def __init__(self, root: Value, *, h: float = 1e-3, precision: int = 4) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"widget() needs a Value (or an exercise), got {type(root).__name__}")
        size = len(topological_order(root))
        if size > MAX_NODES:
            raise ValueError(
                f"widget: the graph has {size} nodes, more than {MAX_NODES}: too many boxes "
                "to read; draw it with microgrid.draw(J, max_nodes=None) instead"
            )
        self._store = GraphStore(limit=1)
        self._id = self._store.add(root)
        self.h = h
        self.precision = precision
        names = node_names(root)
        self.initial = {names[n]: n.value for n in topological_order(root) if not n.parents}

    def numbers(
        self, values: Mapping[str, float], step: int = 0, show_local: bool = False
    ) -> dict[str, Any]:
        """J, every node's value and delta, the steps; no picture and no nudges (both take
        longer: `picture`, `nudges`)."""
        return self._store.answer(
            self._id,
            self.complete(values),
            svg=False,
            show_local=show_local,
            step=step,
            h=self.h,
            precision=self.precision,
            max_nodes=MAX_NODES,
            nudges=False,
        )

    def nudges(self, values: Mapping[str, float]) -> dict[str, dict[str, Any]]:
        """Each leaf's nudge (J before and after leaf + h, the slope, the delta), by name."""
        answer = self._store.answer(
            self._id,
            self.complete(values),
            svg=False,
            show_local=False,
            step=0,
            h=self.h,
            precision=self.precision,
            max_nodes=MAX_NODES,
        )
        return {
            leaf["name"]: {key: leaf[key] for key in ("nudge", "nudge_error") if key in leaf}
            for leaf in answer["leaves"]
        }

    def picture(
        self,
        values: Mapping[str, float],
        step: int = 0,
        show_local: bool = False,
        layers: bool = False,
        expand: int = 0,
    ) -> str:
        """`draw()`'s SVG for these values (backprop's frame `step`, 0 = the finished graph);
        ``layers=True``: the layer view, with layer `expand` opened (0: none)."""
        answer = self._store.answer(
            self._id,
            self.complete(values),
            svg=True,
            show_local=show_local,
            step=step,
            h=self.h,
            precision=self.precision,
            max_nodes=MAX_NODES,
            layers=layers,
            expand=expand,
        )
        return str(answer["svg"])

    def complete(self, values: Mapping[str, float]) -> dict[str, float]:
        """Every leaf's value: the ones given, the graph's own for the rest."""
        unknown = [name for name in values if name not in self.initial]
        if unknown:
            raise RequestError(f"the graph has no leaf named {unknown[0]!r}")
        checked = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise RequestError(f"the value of {name} must be a number, got {value!r}"[:100])
            try:
                number = float(value)
            except OverflowError:  # 10**400 (and str() of 10**5000 fails: its bits)
                raise RequestError(
                    f"the value of {name} must be within the float range (about ±1.8e308), "
                    f"got a whole number of {abs(int(value)).bit_length()} bits"
                ) from None
            if not math.isfinite(number):
                raise RequestError(f"the value of {name} must be finite, got {number}")
            checked[name] = number
        return {**self.initial, **checked}


def static_html(svg: str, caption: str, todo: str = "move the leaves") -> str:
    """The picture a notebook keeps when no kernel is attached (GitHub, nbviewer, HTML export)."""
    return (
        '<div class="microgrid-widget-static">'
        f"{svg}<p>{html.escape(caption)}</p>"
        f"<p><i>(a picture of microgrid's live widget: run the notebook to {html.escape(todo)})"
        "</i></p></div>"
    )
