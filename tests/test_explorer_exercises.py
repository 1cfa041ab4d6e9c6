"""The play page's Exercises tab: list, show and grade `microgrid.exercises` over the JSON API,
with the progress of each page, and the same guards as every other endpoint (the token,
Origin and Sec-Fetch-Site, JSON only, the body read first, bounded sizes and sessions).
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from microgrid import exercises
from microgrid.apps.explorer import ExplorerServer
from microgrid.apps.explorer.exercise_api import MAX_ANSWER, ExerciseSession
from microgrid.course.exercises import Progress

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="dot draws the exercises")


@pytest.fixture(scope="module")
def server() -> Iterator[ExplorerServer]:
    explorer = ExplorerServer(port=0, max_sessions=3, request_timeout=5.0).start()
    yield explorer
    explorer.close()


def send(
    server: ExplorerServer,
    method: str,
    path: str,
    body: object = None,
    headers: dict[str, str] | None = None,
    *,
    token: bool = True,
) -> tuple[int, Any]:
    """One request as raw bytes (so any header can be sent or left out); (status, JSON)."""
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Host": f"127.0.0.1:{server.port}", "Content-Type": "application/json"}
    if token:
        sent["X-Microgrid-Token"] = server.token
    sent.update(headers or {})
    if method == "POST":
        sent["Content-Length"] = str(len(data))
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in sent.items())]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower(), head
    return status, json.loads(payload)


def ok(server: ExplorerServer, method: str, path: str, body: object = None) -> Any:
    status, answer = send(server, method, path, body)
    assert status == 200, answer
    return answer


def test_the_list_is_the_catalogue(server: ExplorerServer) -> None:
    answer = ok(server, "GET", "/api/exercises")
    assert answer["count"] == exercises.count() == len(answer["exercises"])
    lines = [f"{e['number']}. (chapter {e['chapter']}) {e['title']}" for e in answer["exercises"]]
    assert lines == exercises.catalogue()


def test_show_and_grade_with_a_seed_and_the_pages_progress(server: ExplorerServer) -> None:
    exercises.restart()
    state = ok(server, "POST", "/api/exercises", {"number": 5})
    page = state["id"]
    assert state["number"] == 5 and state["seed"] == 0 and state["verdict"] is None
    assert state["question"] == exercises.get(5).question
    assert ">?<" in state["svg"]  # backprop stopped before the hidden delta
    assert state["progress"] == f"0 of {exercises.count()} solved (0 tried)"

    wrong = ok(server, "POST", f"/api/exercises/{page}/answer", {"answer": "2"})
    assert wrong["verdict"]["right"] is False
    assert (
        "You gave 2 = ∂u/∂b; the delta also needs dJ/du = 3: 3 · 2 = 6."
        in (wrong["verdict"]["lines"])
    )
    right = ok(server, "POST", f"/api/exercises/{page}/answer", {"answer": 6})
    assert right["verdict"]["right"] is True and right["solved"] == 1
    assert right["progress"] == f"1 of {exercises.count()} solved (1 tried)"
    assert ">?<" not in right["svg"]  # answered: the finished graph

    # A seeded variant: the same question as exercises.get(5, seed=3), graded by its truth.
    variant = exercises.get(5, seed=3)
    shown = ok(server, "POST", f"/api/exercises/{page}/show", {"number": 5, "seed": 3})
    assert (shown["seed"], shown["question"]) == (3, variant.question)
    truth = variant.truth
    assert isinstance(truth, float)
    graded = ok(server, "POST", f"/api/exercises/{page}/answer", {"answer": truth + 1})
    assert graded["verdict"]["right"] is False

    # Progress is the page's: another page starts at 0, and Python's own is untouched.
    other = ok(server, "POST", "/api/exercises", {})
    assert other["number"] == 1 and other["solved"] == 0
    assert len(exercises.progress.tried) == 0
    assert ok(server, "GET", f"/api/exercises/{page}")["solved"] == 1

    moved = ok(server, "POST", f"/api/exercises/{page}/next", {})
    assert (moved["number"], moved["seed"], moved["verdict"]) == (6, 0, None)
    again = ok(server, "POST", f"/api/exercises/{page}/again", {})
    assert (again["number"], again["seed"]) == (6, 1)
    revealed = ok(server, "POST", f"/api/exercises/{page}/reveal", {})
    assert revealed["reveal"].startswith("The engine's answer:")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"answer": "3*2"}, "not a number"),  # read, never evaluated
        ({"answer": "x" * (MAX_ANSWER + 1)}, f"at most {MAX_ANSWER} characters"),
        ({"answer": None}, "send the answer as"),
        ({"answer": True}, "send the answer as"),
        ({"answer": [1, 2]}, "send the answer as"),
    ],
)
def test_bad_answers_are_messages(server: ExplorerServer, body: object, words: str) -> None:
    page = ok(server, "POST", "/api/exercises", {})["id"]
    status, answer = send(server, "POST", f"/api/exercises/{page}/answer", body)
    # A text that is not a number is graded as no answer (200, the verdict box's message);
    # a body that is not an answer at all is a 400. Either way the message says why.
    assert status in (200, 400) and words in answer["error"], answer
    assert answer.get("verdict") is None


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/exercises", {"number": 0}, 400, "from 1 to"),
        ("/api/exercises", {"number": 2.5}, 400, "whole number"),
        ("/api/exercises", {"number": 10**400}, 400, "whole number"),
        ("/api/exercises", {"number": 1, "seed": -1}, 400, "seed"),
        ("/api/exercises", [1], 400, "JSON object"),
        ("/api/exercises/nope", {}, 404, "no such address"),  # GET reads a session
        ("/api/exercises/nope/answer", {"answer": 1}, 404, "no exercise session"),
    ],
)
def test_bad_requests_are_json_errors(
    server: ExplorerServer, path: str, body: object, status: int, words: str
) -> None:
    got, answer = send(server, "POST", path, body)
    assert got == status and words in answer["error"], answer


def test_an_unknown_action_is_404(server: ExplorerServer) -> None:
    page = ok(server, "POST", "/api/exercises", {})["id"]
    status, answer = send(server, "POST", f"/api/exercises/{page}/grade_all", {})
    assert status == 404 and "no exercise action" in answer["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/exercises"), ("POST", "/api/exercises"), ("POST", "/api/exercises/X/answer")],
)
@pytest.mark.parametrize(
    ("headers", "token", "words"),
    [
        ({}, False, "lacks the explorer's token"),
        ({"X-Microgrid-Token": "guess"}, False, "lacks the explorer's token"),
        ({"Origin": "http://evil.example"}, True, "only its own pages"),
        ({"Sec-Fetch-Site": "cross-site"}, True, "only its own pages"),
        ({"Sec-Fetch-Site": "same-site"}, True, "only its own pages"),
    ],
)
def test_a_cross_site_request_or_a_missing_token_is_refused(
    server: ExplorerServer,
    method: str,
    path: str,
    headers: dict[str, str],
    token: bool,
    words: str,
) -> None:
    page = ok(server, "POST", "/api/exercises", {"number": 5})["id"]
    body = {"answer": "6"} if method == "POST" else None
    status, answer = send(server, method, path.replace("X", page), body, headers, token=token)
    assert status == 403 and words in answer["error"], answer
    # …and nothing happened: the page's exercise is unanswered.
    assert ok(server, "GET", f"/api/exercises/{page}")["verdict"] is None


def test_a_cross_site_form_post_is_refused_before_grading(server: ExplorerServer) -> None:
    # A form can send text/plain without a preflight: no token, and the wrong type.
    page = ok(server, "POST", "/api/exercises", {"number": 5})["id"]
    status, answer = send(
        server,
        "POST",
        f"/api/exercises/{page}/answer",
        {"answer": "6"},
        {"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"},
        token=False,
    )
    assert status == 403 and "only its own pages" in answer["error"]
    assert ok(server, "GET", f"/api/exercises/{page}")["verdict"] is None


def test_sessions_are_bounded(server: ExplorerServer) -> None:
    first = ok(server, "POST", "/api/exercises", {})["id"]
    for _ in range(server.exercises.limit):
        ok(server, "POST", "/api/exercises", {})
    assert len(server.exercises) == server.exercises.limit
    status, answer = send(server, "GET", f"/api/exercises/{first}")
    assert status == 404 and "reload the page" in answer["error"]


def test_the_page_is_served_with_its_scripts(server: ExplorerServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            f"GET /exercises HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        page = b""
        while chunk := connection.recv(65536):
            page += chunk
    assert b"200 OK" in page.split(b"\r\n", 1)[0]
    assert f'content="{server.token}"'.encode() in page
    for script in ("graphview.js", "common.js", "exerciseview.js", "exercises.js"):
        assert f'<script src="/static/{script}"></script>'.encode() in page


def test_a_session_of_its_own_counts_in_its_own_tally() -> None:
    exercises.restart()
    tally = Progress(total=exercises.count())
    session = ExerciseSession(5, tally=tally)
    assert session.submit("6") is not None and tally.solved == {5}
    assert exercises.progress.solved == set()
    widget_like = ExerciseSession(5)  # the notebook's: Python's own progress
    widget_like.submit("6")
    assert exercises.progress.solved == {5}
    exercises.restart()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"10" + b"0" * 399, "must be a finite number, got 1000"),  # past the float range
        (b"-" + b"9" * 400, "must be a finite number, got -999"),
        (b"1e400", "must be a finite number, got inf"),  # JSON's 1e400 reads as inf
    ],
)
def test_an_answer_beyond_the_float_range_is_a_400_json_error(
    server: ExplorerServer, raw: bytes, words: str
) -> None:
    """10**400 answered 500 (OverflowError from ExerciseSession.submit); now 400, as 1e400."""
    page = ok(server, "POST", "/api/exercises", {"number": 5})["id"]
    status, answer = send(
        server, "POST", f"/api/exercises/{page}/answer", b'{"answer": ' + raw + b"}"
    )
    assert status == 400 and words in answer["error"], answer
    # …and nothing was graded: the exercise is as it was.
    state = ok(server, "GET", f"/api/exercises/{page}")
    assert state["verdict"] is None and state["progress"].endswith("(0 tried)")
