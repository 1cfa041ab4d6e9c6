"""The notebook widget itself: an anywidget whose traits carry the engine's numbers.

The kernel computes everything (`GraphSession`, `ExerciseSession`); the browser
(`widget.js`, with the explorer's shared `graphview.js`) only shows it. The
browser sets ``values``, ``step`` and ``show_local``; the kernel answers with
``numbers`` (J, values, deltas, nudges, explain()'s lines) at once, and with
``svg`` (draw()'s picture, a dot call) when the browser asks for it, so a slider
never waits for dot.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from microgrid.apps.explorer.graph_api import RequestError
from microgrid.apps.widget.session import (
    ExerciseSession,
    GraphSession,
    exercise_picture,
    static_html,
)
from microgrid.course.exercises import Exercise
from microgrid.engine import Value

__all__ = ["GraphWidget", "widget_module"]

HERE = Path(__file__).resolve().parent


def widget_module() -> str:
    """The widget's one ES module: the explorer's graphview.js and exerciseview.js (shared
    with the play page), then widget.js (the controls, talking to the kernel)."""
    from microgrid.apps import explorer

    static = Path(explorer.__file__).resolve().parent / "static"
    parts = [static / "graphview.js", static / "exerciseview.js", HERE / "widget.js"]
    return "\n".join(path.read_text(encoding="utf-8") for path in parts)


class GraphWidget(anywidget.AnyWidget):
    """A graph's leaves as sliders, its values and deltas live, backprop step by step,
    and the exercises. Make one with `microgrid.widget(J)`.
    """

    _esm = traitlets.Unicode(widget_module()).tag(sync=True)
    _css = traitlets.Unicode((HERE / "widget.css").read_text(encoding="utf-8")).tag(sync=True)

    mode = traitlets.Unicode("graph").tag(sync=True)
    has_graph = traitlets.Bool(False).tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    show_local = traitlets.Bool(False).tag(sync=True)
    layers = traitlets.Bool(False).tag(sync=True)
    """The layer view: one box per layer (for a network labelled W1[j,k], b1[j], …)."""
    expand = traitlets.Int(0).tag(sync=True)
    """The layer the layer view opens into its scalar nodes (0: none)."""
    numbers = traitlets.Dict().tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    nudges = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    exercise = traitlets.Dict().tag(sync=True)
    exercise_svg = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        root: Value | None = None,
        exercise: Exercise | None = None,
        *,
        h: float = 1e-3,
        precision: int = 4,
    ) -> None:
        super().__init__()
        self.session = GraphSession(root, h=h, precision=precision) if root is not None else None
        self.exercises = ExerciseSession()
        if exercise is not None:
            self.exercises.exercise = exercise
        self.compute_ms = 0.0
        """How long the kernel took for the last numbers (ms), for the latency figures."""
        self._picture_key: tuple[Any, ...] | None = None
        self._serial = 0
        with self.hold_sync():
            self.has_graph = self.session is not None
            self.mode = "graph" if self.session is not None and exercise is None else "exercise"
            if self.session is not None:
                self.values = dict(self.session.initial)
                self._update_numbers()
                self.update_picture()
            self._update_exercise()
        self._quiet = False  # set while a browser message sets several traits at once
        self.observe(self._on_change, names=["values", "step", "show_local"])
        self.observe(self._on_layers, names=["layers", "expand"])
        self.on_msg(self._on_message)

    # -- the graph ----------------------------------------------------------------------------

    def _on_change(self, _change: dict[str, Any]) -> None:
        if not self._quiet:  # set from Python: no browser will ask for the rest
            self._update_numbers()
            self.update_picture()

    def _on_layers(self, _change: dict[str, Any]) -> None:
        self.update_picture()  # the numbers do not change: only the picture

    def update(
        self, values: dict[str, Any], step: int | None = None, show_local: bool | None = None
    ) -> None:
        """What the browser sends on each change: new leaf values (and step, check box).
        The numbers are computed once, and sent even when nothing changed (the browser
        waits for them)."""
        if self.session is not None:
            try:  # a refused value leaves the values as they were
                self.session.complete(values)
            except RequestError as error:
                self._refuse(str(error))
                return
        self._quiet = True
        try:
            self.values = dict(values)
            if step is not None:
                self.step = step
            if show_local is not None:
                self.show_local = show_local
        finally:
            self._quiet = False
        self._update_numbers()

    def _update_numbers(self) -> None:
        if self.session is None:
            return
        started = time.perf_counter()
        self._serial += 1
        try:
            numbers = self.session.numbers(self.values, self.step, self.show_local)
        except (RequestError, ValueError, TypeError) as error:
            self._refuse(str(error))
            return
        numbers["serial"] = self._serial  # every answer is news, even with equal numbers
        self.compute_ms = (time.perf_counter() - started) * 1000
        numbers["compute_ms"] = round(self.compute_ms, 1)
        self.error = ""
        self.numbers = numbers

    def _refuse(self, message: str) -> None:
        """The last good numbers stay on screen, with the message above them."""
        self._serial += 1  # an answer all the same: the browser waits for one
        self.error = message
        self.numbers = {**self.numbers, "serial": self._serial, "error": message}

    @traitlets.validate("values")
    def _check_values(self, proposal: Any) -> Any:
        """A bad value (`w.values = {"a": 10**400}`, or from the browser) is refused with
        a message naming the leaf, and the values stay as they were."""
        session = getattr(self, "session", None)  # (None while the widget is being made)
        if session is not None:
            try:
                session.complete(proposal["value"])
            except RequestError as error:
                self._refuse(str(error))
                # (under hold_trait_notifications self.values is already the proposal)
                return self._good_values
        self._good_values: dict[str, Any] = dict(proposal["value"])
        return proposal["value"]

    def update_picture(self) -> None:
        """Redraw `svg` and the `nudges` for the current values and step (the browser asks
        once the numbers are on screen: dot and two replays per leaf take longer)."""
        if self.session is None:
            return
        key = (
            tuple(sorted(self.values.items())),
            self.step,
            self.show_local,
            self.layers,
            self.expand,
        )
        if key == self._picture_key:
            return
        try:
            with self.hold_sync():
                self.nudges = {
                    "values": self.session.complete(self.values),  # what they are the nudges of
                    "leaves": self.session.nudges(self.values),
                }
                self.svg = self.session.picture(
                    self.values, self.step, self.show_local, self.layers, self.expand
                )
        except (RequestError, ValueError, TypeError) as error:
            self.error = str(error)
            return
        self._picture_key = key

    # -- the exercises --------------------------------------------------------------------------

    def answer(self, text: str) -> None:
        """Grade `text` as the answer to the current exercise (what Check does)."""
        self.exercises.submit(text)
        self._update_exercise()

    def _update_exercise(self) -> None:
        session = self.exercises
        self._serial += 1  # the same answer twice is answered twice
        self.exercise = {**session.state(picture=False), "serial": self._serial}
        self.exercise_svg = exercise_picture(session.exercise, session.revealed)

    def _on_message(self, _widget: object, content: object, _buffers: object) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "update":
            step, show_local = content.get("step"), content.get("show_local")
            values = content.get("values")
            self.update(
                values if isinstance(values, dict) else {},
                step if isinstance(step, int) and not isinstance(step, bool) else None,
                show_local if isinstance(show_local, bool) else None,
            )
        elif kind == "picture":
            self.update_picture()
        elif kind == "answer":
            self.answer(str(content.get("text", ""))[:200])
        elif kind in ("next", "again", "reveal"):
            getattr(self.exercises, str(kind))()
            self._update_exercise()

    # -- without a kernel -----------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, plus its picture as HTML for GitHub, nbviewer and HTML exports."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        if self.session is not None and self.mode == "graph":
            self.update_picture()
            caption = f"{self.numbers.get('root', 'J')} = {self.numbers.get('value_text', '')}"
            data["text/html"] = static_html(self.svg, caption)
        else:
            ex = self.exercise
            data["text/html"] = static_html(
                self.exercise_svg, f"Exercise {ex.get('number')}: {ex.get('question', '')}"
            )
        return data, metadata
