"""The explorer's JSON API as plain function calls: a path and a body in, JSON out.

`ExplorerAPI` answers every ``/api/...`` address the pages use. The web server
(server.py) calls it after its checks (Host, Origin, token, body size), and the
browser edition (``make site``) calls the very same methods from a Web Worker
running microgrid in Pyodide; only the way a request arrives differs.

>>> api = ExplorerAPI()
>>> api.api_post("/api/graph", {"expression": "3*x", "values": {"x": 2}, "svg": False})["value"]
6.0
>>> api.api_get("/api/nowhere", {})
Traceback (most recent call last):
  ...
microgrid.apps.explorer.routes.HTTPError: no such address: GET /api/nowhere
"""

from __future__ import annotations

import re
import secrets
from http import HTTPStatus
from typing import Any

from microgrid.apps.explorer.exercise_api import ExerciseSessions, catalogue
from microgrid.apps.explorer.graph_api import (
    MAX_NODES,
    SEED_EXPRESSION,
    SEED_VALUES,
    GraphStore,
    RequestError,
    graph_answer,
)

__all__ = ["MAX_BODY", "ExplorerAPI", "HTTPError"]

MAX_BODY = 64 * 1024
"""Request bodies above this many bytes are refused (an expression is at most 10,000 characters)."""

_TRAIN_ROUTE = re.compile(r"^/api/train/([A-Za-z0-9_-]{1,64})(?:/([a-z_]+))?$")
_EXERCISE_ROUTE = re.compile(r"^/api/exercises/([A-Za-z0-9_-]{1,64})(?:/([a-z_]+))?$")
_LENGTH = re.compile(r"[0-9]{1,15}")  # ASCII digits only: "²".isdigit() is True
_TRAINING_SETTINGS = ("dataset", "model", "learning_rate", "sample", "seed", "hidden")


class HTTPError(Exception):
    """An answer other than 200, with the message the page shows."""

    def __init__(self, status: HTTPStatus, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}


class ExplorerAPI:
    """What the explorer's pages ask for, answered: graphs, training sessions, exercises.

    `expression` and `values` are what the graph page opens on (the seed by default).
    The training sessions are made on first use: they need NumPy, which the rest
    of the API does not (the browser edition has no NumPy and answers the training
    page with an error that says so).
    """

    def __init__(
        self,
        expression: str = SEED_EXPRESSION,
        values: dict[str, float] | None = None,
        max_nodes: int = MAX_NODES,
        max_sessions: int = 8,
    ) -> None:
        self.expression = expression
        self.values = dict(SEED_VALUES if values is None else values)
        self.max_nodes = max_nodes
        self.max_sessions = max_sessions
        self.graphs = GraphStore()
        self.exercises = ExerciseSessions(max_sessions)
        self._trainings: Any = None
        self._catalogue: list[dict[str, Any]] | None = None

    @property
    def trainings(self) -> Any:
        """The training sessions (`training.TrainingSessions`), made on first use."""
        if self._trainings is None:
            try:
                from microgrid.apps.explorer.training import TrainingSessions
            except ImportError as error:  # the browser edition: no NumPy
                raise HTTPError(
                    HTTPStatus.NOT_IMPLEMENTED,
                    f"the training page needs NumPy ({error}); it runs in the installed "
                    "microgrid: pip install microgrid-autograd, then microgrid play",
                ) from None
            self._trainings = TrainingSessions(self.max_sessions)
        return self._trainings

    def stop_trainings(self) -> None:
        """Stop every training thread (nothing to do when none was made)."""
        if self._trainings is not None:
            self._trainings.stop_all()

    def api_get(self, path: str, query: dict[str, list[str]]) -> Any:
        """The answer to ``GET path?query`` (`query` as `urllib.parse.parse_qs` gives it)."""
        if path == "/api/start":
            return {
                "expression": self.expression,
                "values": self.values,
                "max_nodes": self.max_nodes,
                "max_body": MAX_BODY,
            }
        if path == "/api/exercises":
            if self._catalogue is None:  # 22 small graphs built once
                self._catalogue = catalogue()
            return {"exercises": self._catalogue, "count": len(self._catalogue)}
        match = _EXERCISE_ROUTE.match(path)
        if match and match.group(2) is None:
            exercise = self._exercise(match.group(1))
            with exercise.lock:
                return {**exercise.state(), "id": match.group(1)}
        match = _TRAIN_ROUTE.match(path)
        if match and match.group(2) is None:
            session = self._session(match.group(1))
            since = query.get("since", ["0"])[0]
            full = query.get("full", ["1"])[0] != "0"
            start = int(since) if _LENGTH.fullmatch(since) else 0
            return session.state(since=start, full=full)
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no such address: GET {path[:100]}")

    def api_post(self, path: str, body: Any) -> Any:
        """The answer to ``POST path`` with `body` (already decoded from JSON)."""
        if not isinstance(body, dict):
            raise RequestError("the request body must be a JSON object")
        if path == "/api/graph":
            return graph_answer(body, store=self.graphs, max_nodes=self.max_nodes)
        if path == "/api/train":
            settings = {key: body[key] for key in _TRAINING_SETTINGS if key in body}
            session = self.trainings.create(secrets.token_urlsafe(12), **settings)
            return session.state()
        if path == "/api/exercises":  # a new page: its own exercise and progress
            session_id = secrets.token_urlsafe(12)
            exercise = self.exercises.create(session_id)
            with exercise.lock:
                body = dict(body)
                if "progress" in body:  # a progress the page kept (the browser edition)
                    exercise.restore(body.pop("progress"))
                state = exercise.act("show", body) if body else exercise.state()
            return {**state, "id": session_id}
        match = _EXERCISE_ROUTE.match(path)
        if match and match.group(2):
            exercise = self._exercise(match.group(1))
            with exercise.lock:  # one request at a time changes a session
                try:
                    state = exercise.act(match.group(2), body)
                except LookupError as error:
                    raise HTTPError(HTTPStatus.NOT_FOUND, str(error)) from None
            return {**state, "id": match.group(1)}
        match = _TRAIN_ROUTE.match(path)
        if match and match.group(2):
            return self._training_action(match.group(1), match.group(2), body)
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no such address: POST {path[:100]}")

    def _training_action(self, session_id: str, action: str, body: dict[str, Any]) -> Any:
        session = self._session(session_id)
        if action == "start":
            session.start()
        elif action == "pause":
            session.pause()
        elif action == "step":
            session.step(body.get("count", 1))
        elif action == "reset":
            session.reset(**{key: body[key] for key in _TRAINING_SETTINGS if key in body})
        elif action == "set":
            if "learning_rate" in body:
                session.set_learning_rate(body["learning_rate"])
            if "sample" in body:
                session.set_sample(body["sample"])
        else:
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no training action {action!r}")
        return session.state()

    def _exercise(self, session_id: str) -> Any:
        try:
            return self.exercises.get(session_id)
        except LookupError as error:
            raise HTTPError(HTTPStatus.NOT_FOUND, str(error)) from None

    def _session(self, session_id: str) -> Any:
        try:
            return self.trainings.get(session_id)
        except LookupError as error:
            raise HTTPError(HTTPStatus.NOT_FOUND, str(error)) from None
