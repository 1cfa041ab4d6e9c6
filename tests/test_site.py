"""The browser edition (``make site``) without a browser: what its worker loads, in CPython.

The site has no NumPy (none is built for Pyodide where the site is built). Its worker
runs browser/bootstrap.py; here the same file runs in a fresh CPython with NumPy made
unimportable, and the test fails if any module it loads reaches for NumPy. Then the
worker's `answer()` is asked what the page asks. The real browser is
tests/test_site_browser.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microgrid.apps.explorer.exercise_api import ExerciseSession
from microgrid.apps.explorer.graph_api import RequestError, svg_of, use_layout
from microgrid.course.exercises import Progress

REPO = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: NumPy blocked before anything is imported, every attempt
# to import it recorded (even one that something catches).
PROBE = r"""
import importlib.abc, json, runpy, sys

reached = []

class NoNumPy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "numpy":
            import traceback
            reached.append([name, traceback.format_stack(limit=8)[-8:-1]])
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None

sys.meta_path.insert(0, NoNumPy())
namespace = runpy.run_path(sys.argv[1])
after_import = list(reached)
answer = namespace["answer"]

def ask(method, path, body=None):
    status, text = answer(method, path, json.dumps(body))
    return status, json.loads(text)

results = {}
results["graph"] = ask("POST", "/api/graph", {
    "expression": "u = b*c; v = a + u; J = 3*v", "values": {"a": 5, "b": 3.5, "c": 2},
    "svg": False})
results["gradcheck"] = ask("POST", "/api/graph", {
    "expression": "sigmoid(w*x + b)*relu(x)", "values": {"w": 2, "x": 1.5, "b": -1},
    "svg": False, "gradcheck": True})
results["catalogue"] = ask("GET", "/api/exercises")
status, made = ask("POST", "/api/exercises", {"progress": {"solved": [1], "tried": [1, 2]}})
base = "/api/exercises/" + made["id"]
results["show"] = ask("POST", base + "/show", {"number": 5, "seed": 0})
results["wrong"] = ask("POST", base + "/answer", {"answer": "2"})
results["right"] = ask("POST", base + "/answer", {"answer": "6"})
results["numpy_exercise"] = ask("POST", base + "/show", {"number": 16, "seed": 0})
results["next_after_last"] = ask("POST", base + "/show", {"number": 10, "seed": 0})
results["next"] = ask("POST", base + "/next", {})
results["train"] = ask("POST", "/api/train", {"dataset": "toy"})
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("microgrid", "numpy"))
print(json.dumps({"after_import": after_import, "results": results, "loaded": loaded}))
"""


@pytest.fixture(scope="module")
def site_python(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    probe = tmp_path_factory.mktemp("site") / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "MICROGRID_ENGINE": "python",  # the site runs the engine's .py files
        "PYTHONWARNINGS": "ignore",
    }
    finished = subprocess.run(
        [sys.executable, str(probe), str(REPO / "browser" / "bootstrap.py")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_what_the_site_loads_never_reaches_for_numpy(site_python: dict) -> None:  # type: ignore[type-arg]
    assert site_python["after_import"] == []
    loaded = site_python["loaded"]
    assert not [name for name in loaded if name.split(".")[0] == "numpy"]
    # What the worker needs is there, through the lazy `import microgrid` (it imports no NumPy).
    for needed in (
        "microgrid.engine",
        "microgrid.apps.expression",
        "microgrid.apps.explorer.routes",
        "microgrid.show.render",
        "microgrid.course.exercises.graphs",
    ):
        assert needed in loaded
    assert "microgrid.course.logistic" not in loaded and "microgrid.nn.modules" not in loaded


def test_the_worker_answers_as_the_server_does(site_python: dict) -> None:  # type: ignore[type-arg]
    from microgrid.apps.explorer.graph_api import graph_answer

    results = site_python["results"]
    status, graph = results["graph"]
    assert status == 200
    request = {"expression": "u = b*c; v = a + u; J = 3*v", "values": {"a": 5, "b": 3.5, "c": 2}}
    expected = graph_answer(request, svg=False)  # CPython, with NumPy, in this process
    assert graph["value_text"] == expected["value_text"] == "36"
    assert [n["delta_text"] for n in graph["nodes"]] == [n["delta_text"] for n in expected["nodes"]]
    assert graph["explain"] == expected["explain"]


def test_gradcheck_in_the_worker_prints_what_cpython_prints(site_python: dict) -> None:  # type: ignore[type-arg]
    from microgrid.apps.expression import build
    from microgrid.verify.gradcheck import gradcheck

    status, answer = site_python["results"]["gradcheck"]
    assert status == 200 and answer["gradcheck"]["ok"] is True
    J = build("sigmoid(w*x + b)*relu(x)", {"w": 2.0, "x": 1.5, "b": -1.0})
    assert answer["gradcheck"]["text"] == str(gradcheck(J))
    assert "3 inputs: all ok" in answer["gradcheck"]["text"]


def test_the_exercises_without_numpy(site_python: dict) -> None:  # type: ignore[type-arg]
    from microgrid.course import exercises

    results = site_python["results"]
    status, listing = results["catalogue"]
    assert status == 200 and listing["count"] == exercises.count()
    offered = [ex["number"] for ex in listing["exercises"] if ex["available"]]
    # Chapters 1-2 (1-10) need no NumPy; 11-22 use the course's NumPy code.
    assert set(range(1, 11)) <= set(offered) and not set(offered) & set(range(11, 23))
    assert "NumPy" in listing["exercises"][15]["title"]
    assert results["wrong"][1]["verdict"]["right"] is False
    assert "the engine says 6" in results["wrong"][1]["verdict"]["lines"][0]
    right = results["right"][1]
    assert right["verdict"]["right"] is True
    # The kept progress (exercise 1 solved, 2 tried) was given back, then 5 was solved.
    assert right["record"] == {"solved": [1, 5], "tried": [1, 2, 5]}
    assert right["progress"] == f"2 of {len(offered)} solved (3 tried)"
    status, refused = results["numpy_exercise"]
    assert status == 400 and "exercise 16 needs NumPy" in refused["error"]
    after_ten = min((n for n in offered if n > 10), default=1)
    assert results["next"][1]["number"] == after_ten  # Next skips 11-22
    status, training = results["train"]
    assert status == 501 and "needs NumPy" in training["error"]


def test_a_kept_progress_is_checked() -> None:
    session = ExerciseSession(tally=Progress(total=22))
    session.restore({"solved": [3], "tried": [4]})
    assert session.tally.solved == {3} and session.tally.tried == {3, 4}
    for bad in ({"solved": [0]}, {"solved": "1"}, {"tried": [1.5]}, [1], {"solved": [10**400]}):
        with pytest.raises(RequestError):
            session.restore(bad)
    assert session.tally.solved == {3}  # a refused record changes nothing


def test_use_layout_replaces_dot_and_can_be_undone() -> None:
    class Graph:
        source = "digraph { a }"

    seen: list[str] = []

    def layout(dot: str) -> str:
        seen.append(dot)
        return '<?xml version="1.0"?>\n<svg>drawn</svg>'

    use_layout(layout)
    try:
        assert svg_of(Graph()) == "<svg>drawn</svg>"
    finally:
        use_layout(None)
    assert seen == ["digraph { a }"]
    assert svg_of(Graph()).startswith("<svg")  # dot again
