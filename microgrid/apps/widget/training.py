"""The training view in a notebook: `microgrid.training_widget(model, data)`.

The explorer's training page, as a widget: a model learns 2-D data (logistic
regression or the course's 2-H-1 tanh network, on the toy, planar or moons data),
with the decision boundary, the cost curve and one sample's graph after
backward. The training itself is the page's own `TrainingSession`
(apps/explorer/training.py): the same steps, the same limits, the same numbers.

No thread is started: Step and Train N run in the kernel while the browser waits
for the answer (at most 1,000 steps a click, 5,000 in all until Reset), so
nothing is left running when the widget or the kernel goes away.

>>> from microgrid import training_widget
>>> w = training_widget("logistic", "toy")            # doctest: +SKIP
>>> w.step(50); w.training["iteration"]               # doctest: +SKIP
50
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from microgrid.apps.explorer.graph_api import RequestError
from microgrid.apps.explorer.training import DATASETS, MODELS, TrainingSession
from microgrid.apps.widget.session import static_html

__all__ = ["DEFAULT_RATES", "TrainingWidget", "training_module"]

HERE = Path(__file__).resolve().parent

DEFAULT_RATES = {"logistic": 0.1, "mlp": 1.2}
"""The learning rate each model starts with (the course's 1.2 for the network), as on the page."""

MAX_STEPS_PER_CLICK = 1000
"""Train N takes at most this many steps (the page's own limit for one request)."""


def training_module() -> str:
    """The training widget's ES module: the explorer's graphview.js and trainview.js (shared
    with the training page), then training.js (the widget's controls)."""
    from microgrid.apps import explorer

    static = Path(explorer.__file__).resolve().parent / "static"
    parts = [static / "graphview.js", static / "trainview.js", HERE / "training.js"]
    return "\n".join(path.read_text(encoding="utf-8") for path in parts)


class TrainingWidget(anywidget.AnyWidget):
    """Logistic regression or a 2-H-1 tanh network learning 2-D data, in a notebook.

    From Python: `step(n)` (what Step and Train N do), `reset(...)` (new settings,
    the first parameters again), `choose(i)` (sample i's graph); `training` is what
    the browser shows (iteration, cost, costs, boundary grid, the sample's graph).
    """

    _esm = traitlets.Unicode(training_module()).tag(sync=True)
    _css = traitlets.Unicode((HERE / "widget.css").read_text(encoding="utf-8")).tag(sync=True)

    training = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    models = traitlets.List(list(MODELS)).tag(sync=True)
    datasets = traitlets.List(list(DATASETS)).tag(sync=True)

    def __init__(
        self,
        model: str = "logistic",
        data: str = "toy",
        *,
        learning_rate: float | None = None,
        hidden: int = 4,
        sample: int | None = None,
        seed: int = 0,
    ) -> None:
        self._publishing = True  # `training` is written by _publish only (_kernel_only)
        super().__init__()
        rate = DEFAULT_RATES.get(model, 0.1) if learning_rate is None else learning_rate
        try:
            self.session = TrainingSession(
                "widget", data, model, rate, sample=sample, seed=seed, hidden=hidden
            )
        except RequestError as error:  # the same message the page shows, as a Python error
            raise ValueError(f"training_widget: {error}") from None
        self._serial = 0
        self._publish()
        self.on_msg(self._on_message)

    # -- what the buttons do ---------------------------------------------------------------

    def step(self, count: int = 1) -> None:
        """Take `count` gradient-descent steps (1 to 1,000): Step is 1, Train N is N."""
        self._act(self.session.step, count)

    def reset(
        self,
        model: str | None = None,
        data: str | None = None,
        *,
        learning_rate: float | None = None,
        hidden: int | None = None,
    ) -> None:
        """Start again from the first parameters; a new model gets its own default rate.
        A setting left out (None) stays as it is."""
        self._reset(model, data, learning_rate, hidden)

    def _reset(
        self, model: str | None, data: str | None, learning_rate: object, hidden: object
    ) -> None:
        # learning_rate and hidden as given (10**400, "x"): the session checks them,
        # before it changes anything
        session = self.session
        model = session.model if model is None else model
        if learning_rate is None:
            same_model = model == session.model
            learning_rate = session.learning_rate if same_model else DEFAULT_RATES.get(model, 0.1)
        self._act(
            session.reset,
            session.dataset if data is None else data,
            model,
            learning_rate,
            None,
            0,
            session.hidden if hidden is None else hidden,
        )

    def choose(self, sample: int) -> None:
        """Show sample `sample`'s graph (0 to the number of samples − 1)."""
        self._act(self.session.set_sample, sample)

    def set_learning_rate(self, rate: float) -> None:
        """The learning rate α of the next steps (10⁻⁶ to 100)."""
        self._act(self.session.set_learning_rate, rate)

    def _act(self, action: Any, *arguments: Any) -> None:
        try:
            action(*arguments)
        except RequestError as error:
            # A bad setting is shown in the widget; from Python it is also raised.
            self.error = str(error)
            self._publish(keep_error=True)
            raise ValueError(str(error)) from None
        self._publish()

    def _publish(self, keep_error: bool = False) -> None:
        state = self.session.state(since=0, full=True)
        self._serial += 1
        state["serial"] = self._serial  # a step that changes nothing is still an answer
        if not keep_error:
            self.error = ""
        self._published = state
        self._publishing = True
        try:
            self.training = state
        finally:
            self._publishing = False

    @traitlets.validate("training")
    def _kernel_only(self, proposal: Any) -> Any:
        """`training` is what the session computed: a change from elsewhere is undone."""
        if getattr(self, "_publishing", True):
            return proposal["value"]
        message = "training is the widget's own state: use step(), reset() or choose()"
        if "training" not in self._property_lock:  # set from Python: say so at once
            raise traitlets.TraitError(message)
        self.error = f"{message}; a change from the browser was undone"
        # (under hold_trait_notifications self.training is already the proposal)
        return self._published

    def _on_message(self, _widget: object, content: object, _buffers: object) -> None:
        """The browser's buttons; a bad value is answered with `error`, never raised."""
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "step":
                self.step(_whole(content.get("count"), 1, MAX_STEPS_PER_CLICK))
            elif kind == "reset":  # a setting left out stays as it is (H too)
                self._reset(
                    str(content.get("model", ""))[:20] or None,
                    str(content.get("data", ""))[:20] or None,
                    content.get("learning_rate"),
                    content.get("hidden"),
                )
            elif kind == "sample":
                self.choose(_whole(content.get("index"), 0, self.session.X.shape[1] - 1))
            elif kind == "rate":
                # as sent: 10**400 or "x" is refused by the session, with a message
                self._act(self.session.set_learning_rate, content.get("learning_rate"))
        except ValueError:
            pass  # `error` says what was wrong; the last good state stays on screen

    # -- closing, and without a kernel -------------------------------------------------------

    def close(self) -> None:
        """Close the widget. No thread runs between clicks; `pause()` makes sure of it."""
        if hasattr(self, "session"):  # not when __init__ refused the settings
            self.session.pause()
        super().close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, plus the sample's graph and the run's numbers as HTML (for GitHub,
        nbviewer and HTML exports, where no kernel runs the widget)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        state = self.training
        graph = state.get("sample_graph") or {}
        cost = state.get("cost")
        shown = round(cost, 6) if isinstance(cost, float) else cost
        caption = (
            f"{state.get('summary', '')} on the {state.get('dataset', '')} data, iteration "
            f"{state.get('iteration', 0)}, cost J = {shown}; "
            f"sample {graph.get('index', '')}'s graph"
        )
        data["text/html"] = static_html(graph.get("svg") or "", caption, "train the model")
        return data, metadata


def _whole(value: object, low: int, high: int) -> int:
    """A whole number from the browser, clipped to [low, high] (a bad one is `low`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return low
    return int(min(max(value, low), high))
