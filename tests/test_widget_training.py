"""The training widget's model, without a browser: each button (Step, Train N, Reset, a
sample) gives the training page's own numbers, and they are the engine's.

The browser side is tested in tests/test_widget_browser.py (Step changes the cost curve).
"""

from __future__ import annotations

import math
import shutil
import threading

import numpy as np
import pytest

from microgrid import logistic, networks, topological_order
from microgrid.show.notation import node_names

pytest.importorskip("anywidget", reason="the widget needs anywidget (the widget extra)")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="dot draws the pictures")

from microgrid import training_widget  # noqa: E402
from microgrid.apps.widget.training import TrainingWidget, training_module  # noqa: E402


def engine_deltas(root: object) -> dict[str, float]:
    names = node_names(root)  # type: ignore[arg-type]
    root.backward()  # type: ignore[attr-defined]
    return {names[n]: n.delta for n in topological_order(root)}  # type: ignore[arg-type]


def test_steps_move_the_state_and_the_cost_falls() -> None:
    w = training_widget("logistic", "toy")
    first = w.training
    assert first["iteration"] == 0 and first["costs"] == [] and first["model"] == "logistic"
    assert math.isclose(first["cost"], math.log(2))  # w = 0, b = 0: every a is 1/2
    w.step()
    w.step(24)
    state = w.training
    assert state["iteration"] == 25 and len(state["costs"]) == 25
    assert state["costs"][0] == pytest.approx(math.log(2))  # J before the first update
    assert all(b < a for a, b in zip(state["costs"], state["costs"][1:], strict=False))
    assert state["cost"] < state["costs"][-1] < state["costs"][0]
    assert state["accuracy"] > 0.9  # two clouds: a line separates them


def test_the_steps_are_the_engines_gradient_descent() -> None:
    w = training_widget("logistic", "toy", learning_rate=0.5)
    X, Y = w.session.X, w.session.Y
    weights, bias = np.zeros((2, 1)), 0.0
    for _ in range(3):  # the same three steps, by hand, from the Value graph's gradients
        gradients = logistic.graph_gradients(X, Y, weights, bias)
        weights, bias = weights - 0.5 * gradients.dw, bias - 0.5 * gradients.db
    w.step(3)
    shown = w.training["parameters"]
    assert shown["w"] == pytest.approx(weights[:, 0].tolist(), rel=1e-12)
    assert shown["b"] == pytest.approx(bias, rel=1e-12)


def test_the_boundary_is_a_grid_of_the_models_probabilities() -> None:
    w = training_widget("logistic", "moons")
    w.step(40)
    boundary = w.training["boundary"]
    size = boundary["size"]
    assert size == 40 and len(boundary["p"]) == size * size
    parameters = w.training["parameters"]
    x_low, x_high = boundary["x"]
    y_low, y_high = boundary["y"]
    # Row 0 is the top (the highest x2), column 0 the left (the lowest x1).
    for row, column, x1, x2 in [(0, 0, x_low, y_high), (size - 1, size - 1, x_high, y_low)]:
        z = parameters["w"][0] * x1 + parameters["w"][1] * x2 + parameters["b"]
        assert boundary["p"][row * size + column] == pytest.approx(1 / (1 + math.exp(-z)), abs=6e-4)


def test_the_sample_graph_has_the_engines_deltas() -> None:
    w = training_widget("logistic", "toy", sample=7)
    w.step(10)
    graph = w.training["sample_graph"]
    assert graph["index"] == 7 and graph["svg"].startswith("<svg")
    parameters = w.training["parameters"]
    L = logistic.single_example(graph["x"], graph["y"], parameters["w"], parameters["b"])
    shown = {node["name"]: node["delta"] for node in graph["nodes"]}
    assert shown == pytest.approx(engine_deltas(L), rel=1e-12)
    assert set(shown) >= {"x1", "x2", "w1", "w2", "b", "z", "a", "L"}


def test_the_network_on_the_flower_and_its_sample_graph() -> None:
    w = training_widget("mlp", "planar")
    assert w.training["learning_rate"] == 1.2 and w.training["hidden"] == 4
    w.step(200)
    state = w.training
    assert state["iteration"] == 200 and state["cost"] < state["costs"][0]
    graph = state["sample_graph"]
    parameters = {key: np.array(value) for key, value in state["parameters"].items()}
    L = networks.one_sample_graph(graph["x"], int(graph["y"]), parameters, "tanh")
    shown = {node["name"]: node["delta"] for node in graph["nodes"]}
    assert shown == pytest.approx(engine_deltas(L), rel=1e-9)


def test_the_browsers_messages() -> None:
    w = training_widget()
    w._on_message(w, {"type": "step", "count": 5}, [])
    assert w.training["iteration"] == 5
    serial = w.training["serial"]
    w._on_message(w, {"type": "sample", "index": 3}, [])
    assert w.training["sample"] == 3 and w.training["sample_graph"]["index"] == 3
    assert w.training["serial"] > serial
    # Train N is capped at 1,000 steps a click; a count that is not a number is one step.
    w._on_message(w, {"type": "step", "count": "9; import os"}, [])
    assert w.training["iteration"] == 6
    w._on_message(w, {"type": "reset", "model": "mlp", "data": "moons", "hidden": 3}, [])
    state = w.training
    assert (state["model"], state["dataset"], state["hidden"], state["iteration"]) == (
        "mlp",
        "moons",
        3,
        0,
    )
    assert state["learning_rate"] == 1.2  # the network's own rate
    # A bad setting is a message in the widget, never an exception in the kernel.
    w._on_message(w, {"type": "reset", "data": "cats"}, [])
    assert "unknown data set 'cats'" in w.error
    assert w.training["dataset"] == "moons"  # the last good state stays
    w._on_message(w, {"type": "rate", "learning_rate": 1e9}, [])
    assert "the learning rate must be from" in w.error
    w._on_message(w, {"type": "step", "count": 1}, [])
    assert w.error == "" and w.training["iteration"] == 1


def test_bad_settings_from_python_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown model 'svm'"):
        training_widget("svm")
    with pytest.raises(ValueError, match="unknown data set"):
        training_widget(data="cats")
    w = training_widget()
    with pytest.raises(ValueError, match="the number of steps must be from 1 to 1000"):
        w.step(5000)


def test_iterations_are_capped_and_no_thread_outlives_the_widget() -> None:
    before = {t.name for t in threading.enumerate()}
    w = training_widget("mlp", "toy", hidden=1)
    for _ in range(6):
        w.step(1000)
    assert w.training["iteration"] == 5000  # MAX_ITERATIONS: the run stops there
    assert "the limit of 5000 iterations" in w.training["message"]
    started = {t.name for t in threading.enumerate()} - before
    assert not [name for name in started if name.startswith("microgrid-train")]
    w.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("microgrid-train")]


def test_the_module_shares_the_pages_drawing_and_the_static_picture() -> None:
    module = training_module()
    # trainview.js draws the boundary and the costs on the page and in the widget.
    assert "var microgridTrainView" in module and "var microgridView" in module
    assert module.rstrip().endswith("export default { render };")
    assert "fetch(" not in module and "http" not in module.replace("https://", "")
    w = training_widget()
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "<svg" in data["text/html"] and "iteration 0" in data["text/html"]
    assert isinstance(w, TrainingWidget)


def test_a_rate_past_the_float_range_is_refused_and_changes_nothing() -> None:
    """10**400 raised OverflowError out of the message handler; now a message, and the
    widget goes on as it was (issue 30)."""
    w = training_widget("mlp", "toy", hidden=3, learning_rate=0.5)
    w.step(2)
    before = {k: v for k, v in w.training.items() if k != "serial"}
    for message in (
        {"type": "rate", "learning_rate": 10**400},
        {"type": "reset", "learning_rate": 10**400},
        {"type": "rate", "learning_rate": "x"},
        {"type": "reset", "hidden": 10**400},
        {"type": "reset", "hidden": "x"},
    ):
        w._on_message(w, message, [])  # never raises
        assert w.error.startswith("the "), (message, w.error)
        after = {k: v for k, v in w.training.items() if k != "serial"}
        assert after == before and w.session.learning_rate == 0.5 and w.session.hidden == 3
    with pytest.raises(ValueError, match="the learning rate must be from"):
        w.set_learning_rate(10**400)
    w._on_message(w, {"type": "step", "count": 1}, [])  # and later updates still work
    assert w.error == "" and w.training["iteration"] == 3


def test_reset_without_hidden_keeps_h() -> None:
    """A Reset message without `hidden` set H to 1; a setting left out stays as it is."""
    w = training_widget("mlp", "toy", hidden=5)
    w.step(3)
    w._on_message(w, {"type": "reset"}, [])
    state = w.training
    assert (state["hidden"], state["iteration"], w.session.hidden) == (5, 0, 5)
    w.reset()
    assert w.training["hidden"] == 5
    w._on_message(w, {"type": "reset", "hidden": 2}, [])
    assert w.training["hidden"] == 2


def test_the_browser_cannot_rewrite_the_training_state() -> None:
    """A front-end `training.cost = "x"` broke the repr; now the kernel's state is put
    back (and sent back to the browser), with a message."""
    w = training_widget("mlp", "toy", hidden=3)
    before = dict(w.training)
    sent: list[dict[str, object]] = []
    w._send = lambda message, buffers=None: sent.append(message)  # type: ignore[method-assign]
    w.set_state({"training": {**w.training, "cost": "x"}})  # what a browser's update does
    assert w.training == before and "a change from the browser was undone" in w.error
    assert any("training" in m.get("state", {}) for m in sent)  # type: ignore[operator]
    bundle = w._repr_mimebundle_()
    assert bundle is not None and "cost J = 0.69" in bundle[0]["text/html"]
    import traitlets

    with pytest.raises(traitlets.TraitError, match="use step"):
        w.training = {"cost": "x"}
    w.step()
    assert w.training["iteration"] == 1 and w.error == ""
