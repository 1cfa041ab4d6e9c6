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
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from microgrid.apps.explorer.graph_api import MAX_NODES, SEED_EXPRESSION, RequestError
from microgrid.apps.explorer.routes import MAX_BODY, ExplorerAPI, HTTPError
from microgrid.engine import Value

__all__ = ["MAX_BODY", "ExplorerServer"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self' http://localhost:* http://127.0.0.1:*"
)

PAGES = {"/": "graph.html", "/train": "train.html", "/exercises": "exercises.html"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
TOKEN_PLACEHOLDER = b"MICROGRID-TOKEN"
"""In the HTML pages' <meta name="microgrid-token">, replaced by the server's token."""


def _static_files() -> dict[str, bytes]:
    """The page's files, read once from the package (no network, no build step)."""
    folder = resources.files("microgrid.apps.explorer") / "static"
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.rsplit(".", 1)[-1] in ("html", "js", "css", "svg")
    }


class ExplorerServer(ExplorerAPI):
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
        request_timeout: float = 30.0,
    ) -> None:
        super().__init__(expression, values, max_nodes, max_sessions)
        self.static = _static_files()
        self.token = secrets.token_urlsafe(24)
        """Sent by this server's own pages with every API request (see docs/explorer.md)."""
        self._thread: threading.Thread | None = None
        self.httpd = _QuietServer(("127.0.0.1", port), _handler_class(self, request_timeout))
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
        self.stop_trainings()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()


def _handler_class(explorer: ExplorerServer, timeout: float) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_state = explorer

    Handler.timeout = timeout  # a client that stops sending lets go of its thread after this

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that prints no traceback when a client stalls or goes away."""

    daemon_threads = True  # a stuck client never keeps the process alive

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return  # a client that stalled or hung up: nothing to do, nothing to print
        # A bug of ours: one line, no traceback (the learner cannot act on one).
        print(
            f"microgrid explorer: a request failed: {_clipped(repr(error), 200)}",
            file=sys.stderr,
        )


_LENGTH = re.compile(r"[0-9]{1,15}")  # ASCII digits only: "²".isdigit() is True


class _Handler(BaseHTTPRequestHandler):
    server_state: ExplorerServer
    server_version = "microgrid-explorer"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30.0
    raw_body = b""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass  # the terminal stays quiet; errors go to the page

    # -- answering ----------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        if status >= 400:
            # An error answer ends the connection: whatever the client sent after
            # it (an unread body, a pipelined request) is never read as a request.
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every error the base class answers itself (a garbage request line, 414, 431,
        501 for an unknown method) is JSON too, and ends the connection."""
        if self.request_version in ("HTTP/0.9", ""):
            self.request_version = "HTTP/1.0"  # so the status line and headers are sent
        try:
            phrase = HTTPStatus(code).phrase.lower()
        except ValueError:
            phrase = "error"
        detail = _clipped(message or phrase, 120)
        self._send_json(code, {"error": f"{phrase}: {detail}" if message else phrase})

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(HTTPStatus.BAD_REQUEST, "a request line needs an HTTP version")
            return False
        return True

    def handle_expect_100(self) -> bool:
        return True  # no "100 Continue": the answer comes after the whole body

    def _handle(self, method: str) -> None:
        try:
            self._read_body()
            self._check_origin()
            parts = urlsplit(self.path)
            path = parts.path
            if method == "GET" and (path in PAGES or path.startswith("/static/")):
                self._static(path)
                return
            self._check_token(path)
            if method == "GET":
                result = self.server_state.api_get(path, parse_qs(parts.query))
            elif method == "POST":
                result = self.server_state.api_post(path, self._json_body())
            else:
                raise HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed here")
            self._send_json(HTTPStatus.OK, result)
        except HTTPError as error:
            self._send_json(error.status, error.body)
        except RequestError as error:
            self._send_json(HTTPStatus.BAD_REQUEST, error.as_json())
        except (ConnectionError, TimeoutError):
            raise  # the client went away: nothing to answer (the server stays quiet)
        except Exception as error:  # a bug of ours: still JSON, and the server lives on
            # The type only: a message can name files of this machine.
            print(
                f"microgrid explorer: {type(error).__name__} answering {method} "
                f"{_clipped(self.path, 80)}: {_clipped(str(error), 200)}",
                file=sys.stderr,
            )
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": f"the explorer failed ({type(error).__name__}); the terminal says more"},
            )

    # -- the checks, in order ----------------------------------------------

    def _read_body(self) -> None:
        """Read the whole body first, whatever the answer will be: an unread body
        would be parsed as the next request on a kept-alive connection."""
        if "Transfer-Encoding" in self.headers:
            raise HTTPError(
                HTTPStatus.NOT_IMPLEMENTED, "send the body with a Content-Length, not chunked"
            )
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "a request may have one Content-Length")
        if not lengths:
            self.raw_body = b""
            return
        if not _LENGTH.fullmatch(lengths[0].strip()):
            raise HTTPError(
                HTTPStatus.BAD_REQUEST,
                f"Content-Length must be a number of bytes, got {_clipped(lengths[0], 20)!r}",
            )
        length = int(lengths[0])
        if length > MAX_BODY:
            self._discard(length)
            raise HTTPError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {length:,} bytes; the explorer takes at most {MAX_BODY:,} "
                "(an expression is at most 10,000 characters)",
            )
        self.raw_body = self.rfile.read(length)
        if len(self.raw_body) < length:  # the client hung up mid-body
            self.close_connection = True
            raise HTTPError(HTTPStatus.BAD_REQUEST, "the request body ended early")

    def _check_origin(self) -> None:
        """Only this server's own pages (and the learner typing its address) get answers."""
        hosts = self.headers.get_all("Host") or []
        port = self.server_state.port
        own = (f"127.0.0.1:{port}", f"localhost:{port}")
        if len(hosts) != 1:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "a request needs exactly one Host header")
        if hosts[0].strip().lower() not in own:
            raise HTTPError(HTTPStatus.FORBIDDEN, f"the explorer answers only 127.0.0.1:{port}")
        origin = self.headers.get("Origin")
        if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in own}:
            raise HTTPError(
                HTTPStatus.FORBIDDEN,
                f"the explorer answers only its own pages, not {_clipped(origin, 60)!r}",
            )

    def _check_token(self, path: str) -> None:
        """The API needs this server's token, which only its own pages carry."""
        site = (self.headers.get("Sec-Fetch-Site") or "same-origin").strip().lower()
        if site not in ("same-origin", "none"):
            raise HTTPError(HTTPStatus.FORBIDDEN, "the explorer answers only its own pages")
        token = self.headers.get("X-Microgrid-Token") or ""
        if not secrets.compare_digest(token.encode(), self.server_state.token.encode()):
            raise HTTPError(
                HTTPStatus.FORBIDDEN,
                "this request lacks the explorer's token: open the page the server printed "
                "(microgrid play) and use it",
            )

    def _static(self, path: str) -> None:
        name = PAGES.get(path) or path[len("/static/") :]
        data = self.server_state.static.get(name)
        if data is None:
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no such file: {_clipped(path, 100)}")
        if name.endswith(".html"):  # the page carries the token to its scripts
            data = data.replace(TOKEN_PLACEHOLDER, self.server_state.token.encode())
        suffix = "." + name.rsplit(".", 1)[-1]
        self._send(HTTPStatus.OK, data, CONTENT_TYPES.get(suffix, "application/octet-stream"))

    def _json_body(self) -> Any:
        if "Content-Length" not in self.headers:
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            got = _clipped(kind, 60) or "none"
            raise HTTPError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"send JSON with Content-Type: application/json (got {got})",
            )
        try:
            return json.loads(self.raw_body.decode("utf-8"), parse_constant=_refuse_constant)
        except UnicodeDecodeError:
            raise RequestError("the request body is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise RequestError(f"the request body is not valid JSON: {error}"[:300]) from None
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

    def do_PUT(self) -> None:
        self._handle("PUT")

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT


def _clipped(text: str, limit: int) -> str:
    """An echoed input, cut to `limit` characters (a 20,000-character name is not repeated)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse_constant(name: str) -> None:
    """JSON has no NaN or Infinity; Python's reader accepts them unless told not to."""
    raise RequestError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")
