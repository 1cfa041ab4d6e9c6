"""The notebook widget's model, without a browser: what the kernel sends for each change
the browser makes (values, step, show_local, the exercise buttons) is the engine's.

The browser itself is tested in tests/test_widget_browser.py (JupyterLab and chromium).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from microgrid import Value, exercises, explain, nudge, topological_order
from microgrid.show.notation import format_number, node_names

pytest.importorskip("anywidget", reason="the widget needs anywidget (the widget extra)")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="dot draws the pictures")

from microgrid import widget  # noqa: E402
from microgrid.apps.widget.model import GraphWidget, widget_module  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_progress() -> Iterator[None]:
    exercises.restart()
    yield
    exercises.restart()


def seed_graph(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> Value:
    A, B, C = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
    u = (B * C).named("u")
    v = (A + u).named("v")
    return (3 * v).named("J")


def engine_deltas(root: Value) -> dict[str, float]:
    names = node_names(root)
    root.zero_grad()
    root.backward()
    return {names[n]: n.delta for n in topological_order(root)}


def shown_deltas(w: GraphWidget) -> dict[str, float]:
    return {node["name"]: node["delta"] for node in w.numbers["nodes"]}


def test_the_first_numbers_and_picture_are_the_engines() -> None:
    J = seed_graph()
    w = widget(J)
    assert w.numbers["value"] == 33.0
    assert shown_deltas(w) == engine_deltas(seed_graph())
    assert w.values == {"a": 5.0, "b": 3.0, "c": 2.0}
    assert w.svg.startswith("<svg") and w.svg.count('class="node"') == 6
    assert w.mode == "graph" and w.has_graph


@pytest.mark.parametrize("values", [{"b": 4.5}, {"a": -1.0, "c": 0.25}, {"a": 0, "b": 0, "c": 0}])
def test_moving_leaves_recomputes_values_deltas_and_nudges(values: dict[str, float]) -> None:
    J = seed_graph()
    w = widget(J)
    w.values = {**w.values, **values}
    expected_root = seed_graph(**{**{"a": 5.0, "b": 3.0, "c": 2.0}, **values})
    assert w.numbers["value"] == expected_root.value
    assert shown_deltas(w) == engine_deltas(expected_root)
    assert w.nudges["values"] == {"a": 5.0, "b": 3.0, "c": 2.0, **values}
    for name, leaf in w.nudges["leaves"].items():
        result = nudge(expected_root, name, 1e-3)
        assert leaf["nudge"]["after"] == result.after
        assert leaf["nudge"]["slope"] == result.slope
    # The learner's own graph never moves.
    assert [n.value for n in topological_order(J)] == [5.0, 3.0, 2.0, 6.0, 11.0, 33.0]
    assert all(n.delta == 0 for n in topological_order(J))


def test_one_browser_message_sets_values_step_and_check_box_at_once() -> None:
    w = widget(seed_graph())
    sent = []
    w.observe(lambda change: sent.append(change["new"]["serial"]), names=["numbers"])
    w._on_message(w, {"type": "update", "values": {"b": 4.0}, "step": 2, "show_local": True}, [])
    assert len(sent) == 1  # one computation, one answer
    assert (w.values["b"], w.step, w.show_local) == (4.0, 2, True)
    assert w.numbers["value"] == 39.0 and w.numbers["step"] == 2
    assert "nudge" not in w.numbers["leaves"][0]  # the nudges come with the picture
    w._on_message(w, {"type": "picture"}, [])
    assert w.nudges["values"]["b"] == 4.0 and w.nudges["leaves"]["c"]["nudge"]["delta"] == 12.0
    w._on_message(w, {"type": "update", "values": {"b": 4.0}, "step": 2}, [])
    assert len(sent) == 2  # nothing changed, and still an answer: the browser waits for it
    w._on_message(w, {"type": "update", "values": {"b": 4.0}, "step": 99}, [])
    assert "step" in w.numbers["error"] and w.numbers["value"] == 39.0


def test_the_picture_follows_when_the_browser_asks() -> None:
    w = widget(seed_graph())
    w._on_message(w, {"type": "update", "values": {"a": 5.0, "b": 4.0, "c": 2.0}}, [])
    assert w.numbers["value"] == 39.0
    assert ">39<" not in w.svg  # numbers first; the dot call waits for the browser
    w._on_message(w, {"type": "picture"}, [])
    assert ">39<" in w.svg and ">12<" in w.svg  # J = 39, dJ/dc = 3·4


def test_stepping_sends_explains_line_for_each_step() -> None:
    J = seed_graph()
    w = widget(J)
    lines = [str(row) for row in explain(J).backward]
    for step in range(1, len(lines) + 1):
        w.step = step
        assert w.numbers["step"] == step
        assert w.numbers["steps"][step - 1]["line"] == lines[step - 1]
    w.step = 3
    w.update_picture()
    assert "dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3" in w.svg.replace("&#183;", "·")
    assert w.svg.count(">?<") == 3  # a, b, c not reached yet


def test_show_local_puts_the_local_derivatives_on_the_edges() -> None:
    w = widget(seed_graph())
    plain = w.svg
    w.show_local = True
    w.update_picture()
    assert w.svg != plain and "∂" in w.svg and "∂" not in plain


def test_bad_values_are_reported_not_raised() -> None:
    w = widget(seed_graph())
    w.values = {"a": 5.0, "zz": 1.0}
    assert "no leaf named 'zz'" in w.error
    w.values = {"a": math.nan}
    assert "the value of a must be finite" in w.error
    w.values = {"a": "5"}
    assert "the value of a must be a number" in w.error
    w.values = {"a": 1.0}
    assert w.error == "" and w.numbers["value"] == 3 * (1 + 6)


def test_a_domain_error_is_shown() -> None:
    x = Value(2.0, label="x")
    w = widget(x.log().named("y"))
    w.values = {"x": -1.0}
    assert "log" in w.error


def test_the_exercises_in_the_widget() -> None:
    w = widget(exercises.get(5))
    assert w.mode == "exercise"
    assert w.exercise["number"] == 5 and "dJ/db" in w.exercise["question"]
    assert ">?<" in w.exercise_svg  # backprop stopped before b's delta
    w._on_message(w, {"type": "answer", "text": "2"}, [])
    verdict = w.exercise["verdict"]
    assert verdict["right"] is False
    assert "You gave 2 = ∂u/∂b; the delta also needs dJ/du = 3: 3 · 2 = 6." in verdict["lines"]
    w._on_message(w, {"type": "answer", "text": "6"}, [])
    assert w.exercise["verdict"]["right"] is True
    assert w.exercise["progress"] == f"1 of {exercises.count()} solved (1 tried)"
    assert ">?<" not in w.exercise_svg  # answered: the finished graph
    w._on_message(w, {"type": "answer", "text": "six"}, [])
    assert "not a number" in w.exercise["error"]
    w._on_message(w, {"type": "again"}, [])
    assert (w.exercise["number"], w.exercise["seed"]) == (5, 6 - 5)
    w._on_message(w, {"type": "next"}, [])
    assert (w.exercise["number"], w.exercise["seed"], w.exercise["verdict"]) == (6, 0, None)
    w._on_message(w, {"type": "reveal"}, [])
    assert "dJ/dc = dJ/du · ∂u/∂c = 3 · 3 = 9" in w.exercise["reveal"]


def test_the_exercises_alone_and_from_the_last_to_the_first() -> None:
    w = widget()
    assert (w.mode, w.has_graph, w.exercise["number"]) == ("exercise", False, 1)
    assert w.exercise_svg == ""  # a value question: no picture before the answer
    shape = widget(exercises.get(22))
    assert shape.exercise_svg == ""  # a shape question has no graph
    shape._on_message(shape, {"type": "answer", "text": "(12288, 1)"}, [])
    assert shape.exercise["verdict"]["right"] is True
    last = widget(exercises.get(exercises.count()))
    last._on_message(last, {"type": "next"}, [])
    assert last.exercise["number"] == 1


def test_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="widget\\(\\) needs a Value"):
        widget("3*(a+b)")
    x = Value(1.0, label="x")
    y = x
    for _ in range(210):
        y = y + 1
    with pytest.raises(ValueError, match="211 nodes, more than 200"):
        widget(y)


def test_without_a_kernel_the_notebook_keeps_the_picture() -> None:
    hostile = Value(2.0, label="<img src=x onerror=alert(1)>")
    w = widget((hostile * 3).named("J"))
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    html = data["text/html"]
    assert html.count("<svg") == 1 and "J = 6" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    quiz = widget(exercises.get(5))
    assert "Exercise 5" in quiz._repr_mimebundle_()[0]["text/html"]


def test_the_module_joins_the_shared_view_and_the_widget() -> None:
    module = widget_module()
    shared = (ROOT / "microgrid" / "apps" / "explorer" / "static" / "graphview.js").read_text()
    assert module.startswith(shared) and module.rstrip().endswith("export default { render };")
    assert "http" not in module.replace("https://", "").split("//")[0]  # nothing fetched
    assert "fetch(" not in module and "import(" not in module
    page = (ROOT / "microgrid" / "apps" / "explorer" / "static" / "graph.html").read_text()
    assert '<script src="/static/graphview.js">' in page  # the explorer uses the same file
    # The exercise panel is one file too, on the play page's Exercises tab and here.
    static = ROOT / "microgrid" / "apps" / "explorer" / "static"
    assert (static / "exerciseview.js").read_text() in module
    assert '<script src="/static/exerciseview.js">' in (static / "exercises.html").read_text()
    assert "mg-answer" not in (ROOT / "microgrid" / "apps" / "widget" / "widget.js").read_text()


def test_an_html_export_shows_the_picture(tmp_path: Path) -> None:
    """A notebook saved without its widget state (JupyterLab's default) exports as HTML with
    draw()'s picture where the widget was, not an error."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from microgrid import Value, widget\n"
            "x = Value(2.0, label='x')\n"
            "widget((x * x + 1).named('y'))"
        )
    ]
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", store_widget_state=False
    ).execute(cwd=str(ROOT))
    outputs = notebook.cells[0].outputs
    assert any("text/html" in out.get("data", {}) for out in outputs), json.dumps(outputs)[:300]
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert "microgrid-widget-static" in body and body.count('class="node"') == 3  # x, x·x, y
    assert format_number(5.0) in body  # y = x·x + 1 = 5


@pytest.mark.parametrize("huge", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_a_value_past_the_float_range_is_refused_and_changes_nothing(huge: int) -> None:
    """10**400 raised OverflowError out of the message handler and poisoned the picture
    (issue 30); now a message naming the leaf, and the values stay as they were."""
    w = widget(seed_graph())
    numbers = w.numbers
    w._on_message(w, {"type": "update", "values": {"a": huge, "b": 3.0, "c": 2.0}}, [])
    assert "the value of a must be within the float range" in w.error
    assert w.values == {"a": 5.0, "b": 3.0, "c": 2.0}
    assert w.numbers["value"] == numbers["value"] and w.numbers["serial"] > numbers["serial"]
    w._on_message(w, {"type": "picture"}, [])  # no exception
    w.values = {"a": huge}  # from Python (or a browser's sync): the same
    assert "float range" in w.error and w.values["a"] == 5.0
    w._on_message(w, {"type": "update", "values": {"a": 4.0}}, [])  # later updates work
    w._on_message(w, {"type": "picture"}, [])
    assert w.error == "" and w.numbers["value"] == 3 * (4 + 6) and w.nudges["values"]["a"] == 4.0
