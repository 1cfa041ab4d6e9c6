"""The explorer's server under hostile requests: framing, cross-site use, JSON for every
answer, no traceback, no 500, and a bounded fuzz test (all on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microgrid.apps.explorer import ExplorerServer

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is needed to draw the explorer's graphs"
)


@pytest.fixture(scope="module")
def server() -> Iterator[ExplorerServer]:
    explorer = ExplorerServer(port=0, max_nodes=120, request_timeout=2.0).start()
    yield explorer
    explorer.close()


def exchange(server: ExplorerServer, data: bytes, *, wait: float = 10.0) -> bytes:
    """Send raw bytes, close our sending side, and read everything until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def responses(stream: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Split a byte stream into (status, headers, body) answers; fails on anything malformed."""
    answers = []
    while stream:
        head, separator, rest = stream.partition(b"\r\n\r\n")
        assert separator, f"an answer without the end of its headers: {stream[:200]!r}"
        lines = head.decode("iso-8859-1").split("\r\n")
        version, status, *_ = lines[0].split(" ", 2)
        assert version in ("HTTP/1.0", "HTTP/1.1"), lines[0]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        body, stream = rest[:length], rest[length:]
        assert len(body) == length
        answers.append((int(status), headers, body))
    return answers


def request(
    server: ExplorerServer,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    token: bool = True,
) -> bytes:
    """The bytes of one HTTP/1.1 request, with this server's Host and (by default) token."""
    sent = {"Host": f"127.0.0.1:{server.port}", "Content-Type": "application/json"}
    if token:
        sent["X-Microgrid-Token"] = server.token
    sent.update(headers or {})
    if body or method == "POST":
        sent.setdefault("Content-Length", str(len(body)))
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in sent.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_answers(stream: bytes) -> list[tuple[int, Any]]:
    found = []
    for status, headers, body in responses(stream):
        assert headers["content-type"].startswith("application/json"), (status, headers)
        found.append((status, json.loads(body)))
    return found


def one_answer(server: ExplorerServer, data: bytes) -> tuple[int, Any]:
    answers = json_answers(exchange(server, data))
    assert len(answers) == 1, answers
    return answers[0]


# ---------------------------------------------------------------------------
# The body is never read as a request; the API answers only its own pages.
# ---------------------------------------------------------------------------


def test_a_smuggled_request_in_an_unread_body_never_runs(server: ExplorerServer) -> None:
    sessions = len(server.trainings)
    inner = request(server, "POST", "/api/train", json.dumps({"dataset": "toy"}).encode())
    for headers in (
        {"Content-Type": "text/plain"},  # refused for its type (415)
        {"Host": "evil.example"},  # refused for its host (403)
        {"Origin": "http://evil.example"},  # refused for its origin (403)
    ):
        data = request(server, "POST", "/api/graph", inner, headers, token=False)
        answers = json_answers(exchange(server, data))
        assert [status for status, _ in answers] in ([415], [403]), answers
    get_with_body = request(server, "GET", "/api/start", inner)
    answers = json_answers(exchange(server, get_with_body))
    assert [status for status, _ in answers] == [200]  # one answer: the body was not a request
    assert len(server.trainings) == sessions


@pytest.mark.parametrize(
    ("headers", "token", "words"),
    [
        ({}, False, "lacks the explorer's token"),
        ({"X-Microgrid-Token": "guess"}, False, "lacks the explorer's token"),
        ({"Origin": "http://evil.example"}, True, "only its own pages"),
        ({"Origin": "null"}, True, "only its own pages"),
        ({"Sec-Fetch-Site": "cross-site"}, True, "only its own pages"),
        ({"Sec-Fetch-Site": "same-site"}, True, "only its own pages"),
    ],
)
def test_the_api_answers_only_its_own_pages(
    server: ExplorerServer, headers: dict[str, str], token: bool, words: str
) -> None:
    body = json.dumps({"expression": "a*b"}).encode()
    status, answer = one_answer(
        server, request(server, "POST", "/api/graph", body, headers, token=token)
    )
    assert status == 403 and words in answer["error"]


def test_the_page_carries_the_token_and_its_own_origin_is_answered(server: ExplorerServer) -> None:
    (status, headers, page), *_ = responses(
        exchange(server, request(server, "GET", "/", token=False))
    )
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert f'content="{server.token}"'.encode() in page
    own = {"Origin": f"http://127.0.0.1:{server.port}", "Sec-Fetch-Site": "same-origin"}
    body = json.dumps({"expression": "a*b", "svg": False}).encode()
    status, answer = one_answer(server, request(server, "POST", "/api/graph", body, own))
    assert status == 200 and answer["value"] == 1.0
    assert ExplorerServer(port=0).token != server.token  # one per server


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"BREW /api/graph HTTP/1.1\r\nHost: x\r\n\r\n", 501, "not implemented"),
        (b"garbage\r\n\r\n", 400, "bad request"),
        (b"GET /\r\n\r\n", 400, "http version"),
        (b"GET / HTTP/2.0\r\n\r\n", 505, "http version not supported"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "too long"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n", 431, "too large"),
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * 120 + b"\r\n", 431, "too large"),
    ],
)
def test_what_the_base_server_refuses_is_json_too(
    server: ExplorerServer, data: bytes, status: int, words: str
) -> None:
    got, answer = one_answer(server, data)
    assert got == status and words in answer["error"].lower(), answer


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "words"),
    [
        ("GET", "/api/nothing", {}, b"", 404, "no such address"),
        ("DELETE", "/api/graph", {}, b"", 405, "not allowed"),
        ("POST", "/api/graph", {"Content-Length": "²"}, b"", 400, "Content-Length"),
        ("POST", "/api/graph", {"Content-Length": "-1"}, b"", 400, "Content-Length"),
        ("POST", "/api/graph", {"Transfer-Encoding": "chunked"}, b"0\r\n\r\n", 501, "chunked"),
        ("POST", "/api/graph", {"Content-Length": "99999999"}, b"", 413, "at most 65,536"),
        ("POST", "/api/graph", {"Host": "localhost:1"}, b"{}", 403, "answers only"),
        ("GET", "/api/train/nope?since=²", {}, b"", 404, "no training session"),
    ],
)
def test_every_error_is_json_and_names_the_problem(
    server: ExplorerServer,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    words: str,
) -> None:
    got, answer = one_answer(server, request(server, method, path, body, headers))
    assert got == status and words in answer["error"], answer


def test_two_host_headers_and_two_lengths_are_refused(server: ExplorerServer) -> None:
    data = request(server, "GET", "/api/start").replace(
        b"\r\n\r\n", b"\r\nHost: 127.0.0.1:1\r\n\r\n"
    )
    status, answer = one_answer(server, data)
    assert status == 400 and "one Host" in answer["error"]
    data = request(server, "POST", "/api/graph", b"{}").replace(
        b"\r\n\r\n", b"\r\nContent-Length: 5\r\n\r\n"
    )
    status, answer = one_answer(server, data)
    assert status == 400 and "one Content-Length" in answer["error"]


def test_a_post_without_a_length_is_411(server: ExplorerServer) -> None:
    data = request(server, "POST", "/api/graph").replace(b"Content-Length: 0\r\n", b"")
    assert one_answer(server, data)[0] == 411


# ---------------------------------------------------------------------------
# No 500 and no traceback.
# ---------------------------------------------------------------------------


def post(server: ExplorerServer, path: str, data: dict[str, Any]) -> tuple[int, Any]:
    body = json.dumps(data).encode()
    return one_answer(server, request(server, "POST", path, body))


def test_an_infinite_constant_is_shown_as_inf(server: ExplorerServer) -> None:
    for expression in ("1e999", "2**2**2**99", "a * 1e999"):
        status, answer = post(server, "/api/graph", {"expression": expression, "svg": False})
        assert status == 200, answer
        assert answer["value"] is None and answer["value_text"] == "inf"
    status, answer = post(server, "/api/graph", {"expression": "1e999", "svg": False})
    assert answer["leaves"][0]["value"] is None and answer["leaves"][0]["value_text"] == "inf"


@pytest.mark.parametrize("key", ["seed", "sample", "learning_rate", "hidden"])
def test_huge_whole_numbers_in_training_requests_are_400s(server: ExplorerServer, key: str) -> None:
    status, answer = post(server, "/api/train", {"dataset": "toy", key: 10**400})
    assert status == 400 and "must be from" in answer["error"], answer


def test_a_failure_of_ours_is_a_json_500_naming_no_path(
    server: ExplorerServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise OSError(2, "No such file or directory", "/home/learner/secret/file.svg")

    monkeypatch.setattr("microgrid.apps.explorer.routes.graph_answer", broken)
    status, answer = post(server, "/api/graph", {"expression": "a"})
    assert status == 500 and "FileNotFoundError" in answer["error"]
    assert "/home" not in answer["error"]
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and len(printed.strip().splitlines()) == 1


def test_a_long_product_with_edge_terms_draws_in_time(server: ExplorerServer) -> None:
    started = time.monotonic()
    request_body = {"expression": "*".join(["x"] * 100), "show_local": True}
    status, answer = post(server, "/api/graph", {**request_body, "values": {"x": 1.001}})
    assert status == 200, answer
    assert answer["svg"].startswith("<svg")
    assert time.monotonic() - started < 10  # it took 30 s, then a 500


def test_stalled_and_vanishing_clients_print_nothing(
    server: ExplorerServer, capfd: pytest.CaptureFixture[str]
) -> None:
    sockets = []
    for index in range(30):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        partial = request(server, "POST", "/api/graph", b'{"expression": "a"}')
        connection.sendall(partial[: 20 + index * 3])  # a request cut short: then silence
        sockets.append(connection)
    for connection in sockets[::2]:
        connection.close()  # half of them hang up
    time.sleep(server_timeout(server) + 1.0)  # the others are timed out by the server
    for connection in sockets[1::2]:
        connection.close()
    assert post(server, "/api/graph", {"expression": "a*b", "svg": False})[0] == 200
    printed = capfd.readouterr().err
    assert "Traceback" not in printed and printed.count("\n") <= 1, printed


def server_timeout(server: ExplorerServer) -> float:
    return float(server.httpd.RequestHandlerClass.timeout or 0)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# A bounded fuzz test: request lines, headers and bodies from hypothesis.
# ---------------------------------------------------------------------------

METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW", "get", ""])
PATHS = st.sampled_from(
    ["/", "/train", "/api/graph", "/api/start", "/api/train", "/api/train/x/step", "/static/a"]
) | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=30)
VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/1.x", "", "http/1.1"])
HEADER_NAMES = st.sampled_from(
    ["Host", "Content-Length", "Content-Type", "Origin", "Sec-Fetch-Site", "Transfer-Encoding",
     "X-Microgrid-Token", "Expect", "Connection", "X"]
)  # fmt: skip
HEADER_VALUES = st.sampled_from(
    ["127.0.0.1:PORT", "application/json", "text/plain", "0", "5", "²", "-1", "99999999",
     "chunked", "100-continue", "close", "keep-alive", "http://evil.example", "TOKEN", ""]
) | st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20)  # fmt: skip
BODIES = st.sampled_from(
    [b"", b"{}", b'{"expression": "a*b", "svg": false}', b'{"expression": "1e999"}',
     b'{"dataset": "toy", "seed": 1' + b"0" * 400 + b"}", b"[" * 50, b"\xff\xfe",
     b"GET /api/start HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]
) | st.binary(max_size=200)  # fmt: skip


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=METHODS,
    path=PATHS,
    version=VERSIONS,
    headers=st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6),
    body=BODIES,
    line_end=st.sampled_from(["\r\n", "\n"]),
)
def test_fuzz_every_answer_is_json_and_the_server_keeps_serving(
    server: ExplorerServer,
    capfd: pytest.CaptureFixture[str],
    method: str,
    path: str,
    version: str,
    headers: list[tuple[str, str]],
    body: bytes,
    line_end: str,
) -> None:
    own = {"PORT": str(server.port), "TOKEN": server.token}
    lines = [" ".join(part for part in (method, path, version) if part)]
    for name, value in headers:
        for placeholder, real in own.items():
            value = value.replace(placeholder, real)
        lines.append(f"{name}: {value}")
    data = (line_end.join(lines) + line_end * 2).encode("latin-1") + body
    for status, answer_headers, payload in responses(exchange(server, data)):
        kind = answer_headers["content-type"]
        if status == 200 and not kind.startswith("application/json"):
            continue  # a page or script of the explorer
        assert kind.startswith("application/json"), (status, kind)
        answer = json.loads(payload)
        assert status not in (500, 502, 503), answer  # 501 and 505: not HTTP we speak
        assert status == 200 or answer["error"], answer
    # The server keeps serving, and printed no traceback.
    status, answer = post(server, "/api/graph", {"expression": "a*b", "svg": False})
    assert status == 200 and answer["value"] == 1.0
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("path", "request_body"),
    [
        ("/api/graph", {"expression": "a", "values": {"x" * 30_000: "no"}}),
        ("/api/graph", {"expression": "a", "values": {"x" * 30_000: 1e999}}),
        ("/api/graph", {"graph": "g" * 30_000}),
        ("/api/graph", {"expression": "a", "h": 10**400}),
        ("/api/train", {"dataset": "d" * 30_000}),
        ("/api/train", {"model": ["m" * 1000] * 20}),
    ],
)
def test_echoed_inputs_are_clipped_and_huge_numbers_are_400s(
    server: ExplorerServer, path: str, request_body: dict[str, Any]
) -> None:
    status, answer = post(server, path, request_body)
    assert status == 400 and len(answer["error"]) < 300, answer
