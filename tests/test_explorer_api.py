"""The explorer's JSON API, over HTTP, against a server started on a free port.

The numbers it sends are checked three ways: against the engine's own
``backward()``, against finite differences (its nudge), and against PyTorch.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from microgrid import Value, datasets, explain, logistic, topological_order
from microgrid.apps.explorer import ExplorerServer, training
from microgrid.apps.explorer.graph_api import graph_answer
from microgrid.apps.expression import build
from microgrid.apps.notebook import explore
from microgrid.course.networks import NeuralNetwork

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is needed to draw the explorer's graphs"
)

SEED = {"expression": "u = b*c; v = a + u; J = 3*v", "values": {"a": 5, "b": 3, "c": 2}}


@pytest.fixture(scope="module")
def server() -> Iterator[ExplorerServer]:
    explorer = ExplorerServer(port=0, max_nodes=60).start()
    yield explorer
    explorer.close()


def call(
    server: ExplorerServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, http.client.HTTPResponse]:
    """One request; returns (status, decoded JSON or text, response)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = headers if headers is not None else {"Content-Type": "application/json"}
    sent = {"X-Microgrid-Token": server.token, **sent}  # what the page sends
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    kind = response.getheader("Content-Type", "")
    decoded = json.loads(payload) if kind.startswith("application/json") else payload.decode()
    return response.status, decoded, response


def graph(server: ExplorerServer, request: dict[str, Any]) -> dict[str, Any]:
    status, answer, _ = call(server, "POST", "/api/graph", request)
    assert status == 200, answer
    return answer


def error(server: ExplorerServer, request: Any, status: int = 400, **kwargs: Any) -> str:
    got, answer, response = call(server, "POST", "/api/graph", request, **kwargs)
    assert got == status, answer
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert set(answer) <= {"error", "column", "length"} and answer["error"], answer
    return str(answer["error"])


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------


def test_seed_values_deltas_and_steps(server: ExplorerServer) -> None:
    answer = graph(server, SEED)
    assert answer["root"] == "J" and answer["value"] == 33.0
    deltas = {node["name"]: node["delta"] for node in answer["nodes"]}
    assert deltas == {"a": 3.0, "b": 6.0, "c": 9.0, "u": 3.0, "v": 3.0, "J": 1.0}
    # The steps follow backward()'s order (the topological order reversed) and
    # carry explain()'s line for each node.
    J = build(SEED["expression"], SEED["values"])
    order = list(reversed(topological_order(J)))
    assert [step["name"] for step in answer["steps"]] == [n.label for n in order]
    assert [step["line"] for step in answer["steps"]] == [str(r) for r in explain(J).backward]
    assert answer["explain"] == str(explain(J))
    assert answer["svg"].startswith("<svg") and "dJ/dc" in answer["svg"]


def test_a_slider_move_changes_j_and_the_deltas_as_backward_does(server: ExplorerServer) -> None:
    before = graph(server, SEED)
    after = graph(server, {**SEED, "values": {"a": 5, "b": 3.5, "c": 2}, "svg": False})
    assert after["svg"] is None
    J = build(SEED["expression"], {"a": 5, "b": 3.5, "c": 2})
    J.backward()
    engine = {node.label: node.delta for node in topological_order(J)}
    assert after["value"] == J.value == 3 * (5 + 3.5 * 2)
    assert {n["name"]: n["delta"] for n in after["nodes"]} == engine
    c_before = next(n for n in before["nodes"] if n["name"] == "c")["delta"]
    assert c_before == 9.0 and engine["c"] == 10.5  # dJ/dc = 3b moved with b


def test_deltas_agree_with_finite_differences_and_torch(server: ExplorerServer) -> None:
    torch = pytest.importorskip("torch")
    expression = "z = w*x + b; a = sigmoid(z); J = log(1 + exp(-a)) * tanh(x) + x**3 / w"
    values = {"w": 0.7, "x": -1.3, "b": 0.4}
    answer = graph(server, {"expression": expression, "values": values, "h": 1e-6})
    leaves = {leaf["name"]: leaf for leaf in answer["leaves"]}
    w, x, b = (torch.tensor(values[k], dtype=torch.float64, requires_grad=True) for k in "wxb")
    a = torch.sigmoid(w * x + b)
    J = torch.log(1 + torch.exp(-a)) * torch.tanh(x) + x**3 / w
    J.backward()
    assert math.isclose(answer["value"], J.item(), rel_tol=1e-12)
    for name, tensor in zip("wxb", (w, x, b), strict=True):
        delta = leaves[name]["nudge"]["delta"]
        assert math.isclose(delta, tensor.grad.item(), rel_tol=1e-10), name
        # The nudge the page shows: the slope (J' − J)/h beside the delta.
        assert math.isclose(leaves[name]["nudge"]["slope"], delta, rel_tol=1e-4), name


def test_each_step_is_the_sum_of_its_edge_terms(server: ExplorerServer) -> None:
    answer = graph(server, {"expression": "y = x*x + x; J = y*w", "values": {"x": 2, "w": 3}})
    x_step = next(step for step in answer["steps"] if step["name"] == "x")
    flows = [float(term["flow"]) for term in x_step["terms"]]
    assert len(flows) == 3  # x feeds x*x twice and the + once: three edges
    assert math.isclose(sum(flows), x_step["delta"]) and x_step["delta"] == 3 * (2 * 2 + 1)


def test_step_k_draws_the_flip_book_frame_with_later_deltas_unknown(
    server: ExplorerServer,
) -> None:
    total = len(graph(server, {**SEED, "svg": False})["steps"])
    for step in (1, 3, total):
        svg = graph(server, {**SEED, "step": step})["svg"]
        assert svg.count(">?<") == total - step, step
    assert "out of range" not in error(server, {**SEED, "step": total + 1})


def test_new_names_start_at_one_and_unused_values_are_dropped(server: ExplorerServer) -> None:
    answer = graph(server, {"expression": "p*q + a", "values": {"a": 2, "zz": 7}, "svg": False})
    assert {leaf["name"]: leaf["value"] for leaf in answer["leaves"]} == {
        "p": 1.0,
        "q": 1.0,
        "a": 2.0,
    }
    assert answer["value"] == 3.0


def test_show_local_writes_the_edge_terms(server: ExplorerServer) -> None:
    assert "∂v/∂u" not in graph(server, SEED)["svg"]
    assert "∂v/∂u" in graph(server, {**SEED, "show_local": True})["svg"]


# ---------------------------------------------------------------------------
# Bad input: always a JSON error with a message, the server lives on
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("3 * x.real", "attribute access is not allowed at column 5"),
        ('__import__("os").system("true")', "not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("3 *", "the expression ends with * at column 3"),
        ("log(x)", "log"),  # x starts at 1 ... then -1 below
        ("(" * 4000 + "x" + ")" * 4000, "nested"),
        ("-" * 9000 + "x", "nested"),
        ("x + " * 2600 + "x", "the limit is 10,000"),
    ],
)
def test_hostile_expressions_get_the_parsers_messages(
    server: ExplorerServer, expression: str, words: str
) -> None:
    if expression == "log(x)":
        message = error(server, {"expression": expression, "values": {"x": -1}})
    else:
        message = error(server, {"expression": expression})
    assert words in message


def test_an_error_points_at_the_column(server: ExplorerServer) -> None:
    _, answer, _ = call(server, "POST", "/api/graph", {"expression": "a + b.c", "values": {}})
    assert answer["column"] == 4 and answer["length"] == 3


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"expression": "a", "values": {"a": NaN}}', "NaN is not a JSON number"),
        (b'{"expression": "a", "values": {"a": 1e400}}', "must be finite"),
        (b'{"expression": "a", "values": {"a": 1' + b"0" * 400 + b"}}", "must be finite"),
        (b'{"expression": "a", "values": {"a": null}}', "must be a number, got null"),
        (b'{"expression": "a", "values": {"a": "5"}}', "must be a number"),
        (b'{"expression": "a", "values": [1, 2]}', '"values" must be an object'),
        (b'{"expression": 3}', 'needs an "expression"'),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"expression": "a"', "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_00 + b"]" * 100_00, "nested too deeply"),
        (b'{"expression": "a", "step": "two"}', '"step" must be a int'),
    ],
)
def test_malformed_requests_are_clear_400s(server: ExplorerServer, raw: bytes, words: str) -> None:
    assert words in error(server, None, raw=raw)


def test_a_million_characters_is_refused_before_reading(server: ExplorerServer) -> None:
    huge = {"expression": "x" * 1_000_000}
    message = error(server, huge, status=413)
    assert "at most 65,536" in message
    assert graph(server, SEED)["value"] == 33.0  # and the server still answers


def test_graphs_over_max_nodes_are_refused(server: ExplorerServer) -> None:
    expression = " + ".join(f"x{i}*y{i}" for i in range(25))  # 25·3 + 24 = 99 nodes
    message = error(server, {"expression": expression})
    assert "99 nodes" in message and "limit of 60" in message


def test_routes_methods_hosts_and_content_types(server: ExplorerServer) -> None:
    status, answer, _ = call(server, "GET", "/api/nothing")
    assert status == 404 and "no such address" in answer["error"]
    status, answer, _ = call(server, "GET", "/static/../server.py")
    assert status == 404 and "no such file" in answer["error"]
    status, answer, _ = call(server, "PUT", "/api/graph", SEED)
    assert status == 405
    assert "Content-Type" in error(server, SEED, status=415, headers={"Content-Type": "text/plain"})
    status, answer, _ = call(server, "GET", "/", headers={"Host": "evil.example:80"})
    assert status == 403 and "127.0.0.1" in answer["error"]


def test_pages_are_served_with_a_content_security_policy(server: ExplorerServer) -> None:
    for path in ("/", "/train", "/static/graph.js", "/static/explorer.css"):
        status, text, response = call(server, "GET", path)
        assert status == 200, path
        policy = response.getheader("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        # Nothing from elsewhere: no http(s) address in the page's files.
        assert not re.search(r"(src|href)=\"https?:", text), path
    status, text, _ = call(server, "GET", "/")
    assert "<script>" not in text  # every script is a file of the package


def test_many_requests_at_once(server: ExplorerServer) -> None:
    results: list[float] = []

    def ask(b: float) -> None:
        results.append(graph(server, {**SEED, "values": {"a": 5, "b": b, "c": 2}})["value"])

    threads = [threading.Thread(target=ask, args=(float(b),)) for b in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [3 * (5 + 2 * b) for b in range(8)]


# ---------------------------------------------------------------------------
# Graphs from Python: explore(J)
# ---------------------------------------------------------------------------


def test_a_python_graph_is_copied_and_never_changed(server: ExplorerServer) -> None:
    w = Value(2.0, label="w")
    hostile = Value(3.0, label="<img src=x onerror=alert(1)>")
    J = (w * hostile).named("J")
    graph_id = server.add_graph(J).split("graph=")[1]
    answer = graph(server, {"graph": graph_id, "values": {"w": 4.0}})
    assert answer["value"] == 12.0
    assert {leaf["name"] for leaf in answer["leaves"]} == {"w", "<img src=x onerror=alert(1)>"}
    assert "&lt;img src=x onerror=alert(1)&gt;" in answer["svg"]  # text, not markup
    assert "<img" not in answer["svg"]
    assert (w.value, w.delta, J.value, J.delta) == (2.0, 0.0, 6.0, 0.0)  # the learner's own graph
    again = graph(server, {"graph": graph_id, "values": {}, "svg": False})
    assert again["value"] == 6.0  # each request starts from the graph as it was given
    assert "no leaf named" in error(server, {"graph": graph_id, "values": {"nope": 1}})
    assert "no graph" in error(server, {"graph": "g999"})


def test_explore_returns_an_iframe_page() -> None:
    x = Value(1.5, label="x")
    page = explore((x * x).named("y"))
    assert page.url.startswith("http://127.0.0.1:") and "?graph=g" in page.url
    assert page._repr_html_().startswith('<iframe src="http://127.0.0.1:')
    with pytest.raises(TypeError, match="needs a Value"):
        explore(3.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Training sessions
# ---------------------------------------------------------------------------


def train(server: ExplorerServer, action: str, session: str = "", **body: Any) -> dict[str, Any]:
    path = "/api/train" + (f"/{session}/{action}" if session else "")
    status, answer, _ = call(server, "POST", path, body)
    assert status == 200, answer
    return answer


def test_steps_are_the_engines_gradient_descent(server: ExplorerServer) -> None:
    state = train(server, "", learning_rate=0.3)
    state = train(server, "step", state["id"], count=40)
    assert state["iteration"] == 40 and not state["running"]
    X, Y = datasets.toy_2d(training.SAMPLES, seed=0)
    descent = logistic.gradient_descent(X, Y, [[0.0], [0.0]], 0.0, 0.3, 40, engine="graph")
    assert state["costs"] == pytest.approx(descent.costs, rel=1e-12)
    assert state["parameters"]["w"] == pytest.approx(descent.w[:, 0].tolist(), rel=1e-12)
    assert state["costs"][-1] < state["costs"][0]
    sample = state["sample_graph"]
    assert sample["svg"].startswith("<svg")
    dz = next(node["delta"] for node in sample["nodes"] if node["name"] == "z")
    a = next(node["value"] for node in sample["nodes"] if node["name"] == "a")
    assert math.isclose(dz, a - sample["y"], rel_tol=1e-9)  # the course's dz = a − y


def test_the_network_is_the_courses_week_3(server: ExplorerServer) -> None:
    state = train(server, "", dataset="planar", model="mlp", hidden=4, learning_rate=1.2)
    assert state["summary"].startswith("a 2-4-1 network")
    state = train(server, "step", state["id"], count=1000)
    # The course's planar example: cost 0.693048 at iteration 0, 0.288083 at 1000.
    model = NeuralNetwork([2, 4, 1], learning_rate=1.2, iterations=1000, print_every=0)
    model.fit(*datasets.planar())
    assert state["costs"] == pytest.approx(model.costs_, rel=1e-12)
    assert round(state["costs"][0], 6) == 0.693048 and round(state["cost"], 6) == 0.288083
    assert state["accuracy"] > 0.85
    nodes = {node["name"]: node for node in state["sample_graph"]["nodes"]}
    a, z = nodes["a2[0]"], nodes["z2[0]"]
    assert math.isclose(z["delta"], a["value"] - state["sample_graph"]["y"], rel_tol=1e-9)


def test_start_runs_in_the_background_and_pause_stops_it(server: ExplorerServer) -> None:
    session = train(server, "", learning_rate=0.5)["id"]
    train(server, "start", session)
    deadline = time.monotonic() + 20
    state: dict[str, Any] = {"iteration": 0}
    while state["iteration"] < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
        state = call(server, "GET", f"/api/train/{session}?full=0")[1]  # answered while it runs
    assert state["running"] and state["iteration"] >= 10
    paused = train(server, "pause", session)
    time.sleep(0.2)
    later = call(server, "GET", f"/api/train/{session}?full=0&since=5")[1]
    assert not paused["running"] and later["iteration"] == paused["iteration"]
    assert later["costs_from"] == 5 and len(later["costs"]) == later["iteration"] - 5


def test_two_sessions_do_not_share_state(server: ExplorerServer) -> None:
    one, two = train(server, "")["id"], train(server, "")["id"]
    train(server, "step", one, count=5)
    assert call(server, "GET", f"/api/train/{two}?full=0")[1]["iteration"] == 0
    assert call(server, "GET", f"/api/train/{one}?full=0")[1]["iteration"] == 5


@pytest.mark.parametrize(
    ("action", "body", "words"),
    [
        ("set", {"learning_rate": 0}, "learning rate must be from"),
        ("set", {"learning_rate": "fast"}, "must be a number"),
        ("set", {"sample": 10_000}, "sample must be from 0 to 199"),
        ("set", {"sample": 1.5}, "whole number"),
        ("step", {"count": 10**6}, "number of steps must be from 1 to 1000"),
        ("reset", {"dataset": "mnist"}, "unknown data set 'mnist'"),
        ("reset", {"model": "gpt"}, "unknown model 'gpt'"),
        ("reset", {"model": "mlp", "hidden": 0}, "hidden size must be from 1 to 8"),
        ("reset", {"model": "mlp", "hidden": 2.5}, "whole number"),
        ("jump", {}, "no training action"),
    ],
)
def test_bad_training_requests(
    server: ExplorerServer, action: str, body: dict[str, Any], words: str
) -> None:
    session = train(server, "")["id"]
    status, answer, _ = call(server, "POST", f"/api/train/{session}/{action}", body)
    assert status in (400, 404) and words in answer["error"], answer


def test_unknown_sessions_and_the_session_limit() -> None:
    explorer = ExplorerServer(max_sessions=2).start()
    try:
        first = train(explorer, "")["id"]
        time.sleep(0.01)
        train(explorer, "")
        train(explorer, "")  # pushes out the first
        status, answer, _ = call(explorer, "GET", f"/api/train/{first}")
        assert status == 404 and "reload the page" in answer["error"]
        assert len(explorer.trainings) == 2
    finally:
        explorer.close()


def test_a_run_stops_when_its_page_stops_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "IDLE_SECONDS", 0.2)
    session = training.TrainingSession("idle", learning_rate=0.1)
    session.start()
    time.sleep(1.0)
    assert not session.running
    assert "stopped asking" in session.message
    assert 0 < session.iteration < training.MAX_ITERATIONS


def test_a_run_stops_at_the_iteration_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "MAX_ITERATIONS", 5)
    session = training.TrainingSession("short")
    session.step(20)
    assert session.iteration == 5 and "limit of 5 iterations" in session.message


def test_a_diverging_run_stops_with_a_message(server: ExplorerServer) -> None:
    session = train(server, "", dataset="planar", learning_rate=100)["id"]
    state = train(server, "step", session, count=50)  # σ(z) saturates at once
    assert state["iteration"] < 50 and "stopped at iteration" in state["message"]
    assert "infinite in floating point" in state["message"]
    status, again, _ = call(server, "GET", f"/api/train/{session}")
    assert status == 200 and again["iteration"] == state["iteration"]


def test_graph_answer_without_http() -> None:
    answer = graph_answer(SEED, svg=False)
    assert answer["value"] == 33.0 and answer["svg"] is None


# ---------------------------------------------------------------------------
# microgrid play
# ---------------------------------------------------------------------------


def test_play_prints_the_address_and_stops_cleanly_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "microgrid", "play", "x*y", "x=2", "y=3", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        connection.request("GET", "/")  # the page carries the token its scripts send
        page = connection.getresponse().read().decode()
        token = re.search(r'name="microgrid-token" content="([^"]+)"', page)
        assert token and token.group(1) != "MICROGRID-TOKEN", page[:400]
        connection.request("GET", "/api/start", headers={"X-Microgrid-Token": token.group(1)})
        start = json.loads(connection.getresponse().read())
        assert start["expression"] == "x*y" and start["values"] == {"x": 2.0, "y": 3.0}
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "stopped" in stderr


def test_play_refuses_a_bad_expression_before_serving() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "microgrid", "play", "x +", "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("microgrid play: error: the expression ends with +")


def test_play_says_when_the_port_is_taken(server: ExplorerServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "microgrid", "play", "--port", str(server.port), "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and f"cannot listen on port {server.port}" in result.stderr


def test_package_data_is_in_the_package() -> None:
    static = Path(training.__file__).parent / "static"
    assert {"graph.html", "train.html", "graph.js", "train.js", "common.js"} <= {
        p.name for p in static.iterdir()
    }


@pytest.mark.parametrize(
    ("expression", "values", "typo", "meant"),
    [
        ("u = b*c; v = a + u; J = 3*vv", {"a": 5, "b": 3, "c": 2}, "vv", "v"),
        ("u = b*c; v = a + u; J = 3*vv", {}, "vv", "v"),
        ("z1 = w*x; J = tanh(z)", {}, "z", "z1"),
    ],
)
def test_a_new_leaf_that_is_a_typo_of_an_unused_named_node_is_refused(
    expression: str, values: dict[str, float], typo: str, meant: str
) -> None:
    """The page made `vv` a new leaf at 1 while u and v vanished; the command line says
    "did you mean v?": the page's answer now says the same, pointing at the typo."""
    from microgrid.apps.explorer.graph_api import RequestError

    with pytest.raises(RequestError, match=f"unknown variable '{typo}' .*did you mean {meant}?"):
        graph_answer({"expression": expression, "values": values}, svg=False)
    try:
        graph_answer({"expression": expression, "values": values}, svg=False)
    except RequestError as error:
        assert error.column == expression.rindex(typo) and error.length == len(typo)


@pytest.mark.parametrize(
    "expression",
    ["u = b*c; v = a + u; J = 3*v", "J = a1*x + a2", "a1 = w*x; J = a1 + a2", "J = 3*vv"],
)
def test_new_leaves_close_to_nothing_unused_are_still_welcome(expression: str) -> None:
    answer = graph_answer({"expression": expression, "values": {}}, svg=False)
    assert all(leaf["value"] == 1.0 for leaf in answer["leaves"])
