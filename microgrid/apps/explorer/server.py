"""The explorer's web server: the standard library's ThreadingHTTPServer on 127.0.0.1.

Why not a framework: the page needs a dozen JSON routes and some static files
for one learner on their own machine. ``http.server`` does that with no new
dependency, one thread per request (so a poll is answered while a dot call
runs), and the few guards a local server needs written out here where they can
be read: the loopback address only, a Host check (a web page elsewhere cannot
reach the server through DNS tricks), JSON bodies of at most 64 KB sent as
``application/json`` (which a cross-site form cannot send without asking),
a Content-Security-Policy that allows only this server's own scripts, and every
error as JSON. Nothing is loaded from the network: the page's files are package data.

>>> server = ExplorerServer(port=0)
>>> server.url.startswith("http://127.0.0.1:")
True
>>> server.close()
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from microgrid.apps.explorer.graph_api import (
    MAX_NODES,
    SEED_EXPRESSION,
    SEED_VALUES,
    GraphStore,
    RequestError,
    graph_answer,
)
from microgrid.apps.explorer.training import TrainingSessions
from microgrid.engine import Value

__all__ = ["MAX_BODY", "ExplorerServer"]

MAX_BODY = 64 * 1024
"""Request bodies above this many bytes are refused (an expression is at most 10,000 characters)."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self' http://localhost:* http://127.0.0.1:*"
)

PAGES = {"/": "graph.html", "/train": "train.html"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_TRAIN_ROUTE = re.compile(r"^/api/train/([A-Za-z0-9_-]{1,64})(?:/([a-z_]+))?$")


def _static_files() -> dict[str, bytes]:
    """The page's files, read once from the package (no network, no build step)."""
    folder = resources.files("microgrid.apps.explorer") / "static"
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.rsplit(".", 1)[-1] in ("html", "js", "css", "svg")
    }


class HTTPError(Exception):
    """An answer other than 200, with the message the page shows."""

    def __init__(self, status: HTTPStatus, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}


class ExplorerServer:
    """The explorer on ``http://127.0.0.1:PORT`` (a free port when `port` is 0).

    `expression` and `values` are what the graph page opens on (the seed by
    default). `serve_forever()` blocks (Ctrl-C raises KeyboardInterrupt in it);
    `start()` serves in a background thread instead (the notebook's way).
    """

    def __init__(
        self,
        port: int = 0,
        expression: str = SEED_EXPRESSION,
        values: dict[str, float] | None = None,
        max_nodes: int = MAX_NODES,
        max_sessions: int = 8,
    ) -> None:
        self.expression = expression
        self.values = dict(SEED_VALUES if values is None else values)
        self.max_nodes = max_nodes
        self.graphs = GraphStore()
        self.trainings = TrainingSessions(max_sessions)
        self.static = _static_files()
        self._thread: threading.Thread | None = None
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
        self.httpd.daemon_threads = True  # a stuck client never keeps the process alive
        self.port: int = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"

    def add_graph(self, root: Value) -> str:
        """Keep a copy of `root` for the page; returns the page's address for it."""
        return f"{self.url}?graph={self.graphs.add(root)}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> ExplorerServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="microgrid-explorer", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the training threads and the server, and free the port."""
        self.trainings.stop_all()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()

    # -- the JSON API (each returns what is sent as JSON) ---------------------

    def api_get(self, path: str, query: dict[str, list[str]]) -> Any:
        if path == "/api/start":
            return {
                "expression": self.expression,
                "values": self.values,
                "max_nodes": self.max_nodes,
                "max_body": MAX_BODY,
            }
        match = _TRAIN_ROUTE.match(path)
        if match and match.group(2) is None:
            session = self._session(match.group(1))
            since = query.get("since", ["0"])[0]
            full = query.get("full", ["1"])[0] != "0"
            return session.state(since=int(since) if since.isdigit() else 0, full=full)
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no such address: GET {path[:100]}")

    def api_post(self, path: str, body: Any) -> Any:
        if not isinstance(body, dict):
            raise RequestError("the request body must be a JSON object")
        if path == "/api/graph":
            return graph_answer(body, store=self.graphs, max_nodes=self.max_nodes)
        if path == "/api/train":
            settings = {
                key: body[key]
                for key in ("dataset", "model", "learning_rate", "sample", "seed", "hidden")
                if key in body
            }
            session = self.trainings.create(secrets.token_urlsafe(12), **settings)
            return session.state()
        match = _TRAIN_ROUTE.match(path)
        if match and match.group(2):
            session = self._session(match.group(1))
            action = match.group(2)
            if action == "start":
                session.start()
            elif action == "pause":
                session.pause()
            elif action == "step":
                session.step(body.get("count", 1))
            elif action == "reset":
                settings = {
                    key: body[key]
                    for key in ("dataset", "model", "learning_rate", "sample", "seed", "hidden")
                    if key in body
                }
                session.reset(**settings)
            elif action == "set":
                if "learning_rate" in body:
                    session.set_learning_rate(body["learning_rate"])
                if "sample" in body:
                    session.set_sample(body["sample"])
            else:
                raise HTTPError(HTTPStatus.NOT_FOUND, f"no training action {action!r}")
            return session.state()
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no such address: POST {path[:100]}")

    def _session(self, session_id: str) -> Any:
        try:
            return self.trainings.get(session_id)
        except LookupError as error:
            raise HTTPError(HTTPStatus.NOT_FOUND, str(error)) from None


def _handler_class(explorer: ExplorerServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_state = explorer

    return Handler


class _Handler(BaseHTTPRequestHandler):
    server_state: ExplorerServer
    server_version = "microgrid-explorer"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stops sending mid-request lets go of its thread

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass  # the terminal stays quiet; errors go to the page

    # -- answering ----------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _handle(self, method: str) -> None:
        try:
            self._check_host()
            parts = urlsplit(self.path)
            path = parts.path
            if method == "GET":
                if path in PAGES or path.startswith("/static/"):
                    self._static(path)
                    return
                result = self.server_state.api_get(path, parse_qs(parts.query))
            else:
                result = self.server_state.api_post(path, self._body())
            self._send_json(HTTPStatus.OK, result)
        except HTTPError as error:
            self._send_json(error.status, error.body)
        except RequestError as error:
            self._send_json(HTTPStatus.BAD_REQUEST, error.as_json())
        except Exception as error:  # a bug of ours: still JSON, and the server lives on
            message = f"the explorer failed: {type(error).__name__}: {error}"[:500]
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message})

    def _check_host(self) -> None:
        host = (self.headers.get("Host") or "").lower()
        port = self.server_state.port
        if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            raise HTTPError(HTTPStatus.FORBIDDEN, f"the explorer answers only 127.0.0.1:{port}")

    def _static(self, path: str) -> None:
        name = PAGES.get(path) or path[len("/static/") :]
        data = self.server_state.static.get(name)
        if data is None:
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no such file: {path[:100]}")
        suffix = "." + name.rsplit(".", 1)[-1]
        self._send(HTTPStatus.OK, data, CONTENT_TYPES.get(suffix, "application/octet-stream"))

    def _body(self) -> Any:
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
        length = int(length_text)
        if length > MAX_BODY:
            self._discard(length)
            raise HTTPError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {length:,} bytes; the explorer takes at most {MAX_BODY:,} "
                "(an expression is at most 10,000 characters)",
            )
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise HTTPError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"send JSON with Content-Type: application/json (got {kind[:60] or 'none'})",
            )
        raw = self.rfile.read(length)
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except UnicodeDecodeError:
            raise RequestError("the request body is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise RequestError(f"the request body is not valid JSON: {error}") from None
        except RecursionError:
            raise RequestError("the request body is nested too deeply") from None
        except ValueError as error:  # a number of more than 4300 digits, ...
            raise RequestError(f"the request body cannot be read: {error}"[:300]) from None

    def _discard(self, length: int) -> None:
        """Read (and drop) a too-large body, so the browser sees the answer and not a
        reset connection; past 16 MB the connection is simply closed."""
        self.close_connection = True
        if length <= 16 * 1024 * 1024:
            while length > 0:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    break
                length -= len(chunk)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _not_allowed(self) -> None:
        self._send_json(
            HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{self.command} is not allowed here"}
        )

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed


def _refuse_constant(name: str) -> None:
    """JSON has no NaN or Infinity; Python's reader accepts them unless told not to."""
    raise RequestError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")
