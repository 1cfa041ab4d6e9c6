"""The training page's sessions: a model learning 2-D data in a background thread.

Two models: logistic regression (each step the engine's Value graph and one
``backward()``), and a one-hidden-layer network from `microgrid.course.networks` (each
step the course's vectorized backprop, which the networks' tests check against
the Value graph; the chosen sample's picture is that Value graph).

Each browser tab gets its own `TrainingSession` (an id the page keeps in memory).
Start runs gradient descent in a thread that holds the session's lock only for one
step at a time, and sleeps between steps, so the page's polls (``GET
/api/train/ID``) are answered at once. Everything is bounded: iterations per run,
sessions per server, and a thread stops by itself when its page stops polling.

>>> session = TrainingSession("s1", dataset="toy", learning_rate=0.5)
>>> first = session.state()["cost"]
>>> session.step(20)
>>> session.state()["cost"] < first
True
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from microgrid.apps.explorer.graph_api import RequestError, answer_for, clipped
from microgrid.course import datasets, logistic, networks
from microgrid.engine import Value

__all__ = [
    "DATASETS",
    "MAX_ITERATIONS",
    "MODELS",
    "TrainingSession",
    "TrainingSessions",
]

DATASETS = ("toy", "planar", "moons")
MODELS = ("logistic", "mlp")
SAMPLES = 200
MAX_HIDDEN = 8
"""Hidden units of the network (its sample graph has 7 nodes per unit, plus 8)."""
MAX_ITERATIONS = 5000
"""A run stops here (Reset starts again): the page is for watching, not for long jobs."""
STEPS_PER_SECOND = 100
"""The pace of a run, slow enough to watch the boundary move."""
IDLE_SECONDS = 20.0
"""A running session pauses itself when its page has not polled for this long."""
GRID = 40
"""The decision boundary picture is GRID × GRID probabilities."""


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(f"{name} must be a number, got {repr(value)[:60]}")
    try:
        number = float(value)
    except OverflowError:  # a whole number beyond the float range (10**400)
        number = math.inf if value > 0 else -math.inf
    if not (math.isfinite(number) and low <= number <= high):
        raise RequestError(f"{name} must be from {low:g} to {high:g}, got {number:g}")
    return number


def _load(dataset: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if dataset == "toy":
        return datasets.toy_2d(SAMPLES, seed=seed)
    if dataset == "planar":  # the course's flower, with the course's seed
        X, Y = datasets.planar(400, seed=1 + seed)
        return X, Y.astype(np.float64)
    if dataset == "moons":
        X, Y = datasets.moons(SAMPLES, noise=0.1, seed=seed)
        return X, Y.astype(np.float64)
    shown = clipped(repr(dataset))
    raise RequestError(f"unknown data set {shown} (the data sets are {', '.join(DATASETS)})")


class _Logistic:
    """a = σ(w1·x1 + w2·x2 + b); a step is `logistic.graph_gradients` (Values, backward)."""

    steps_per_tick = 1
    picture: dict[str, Any] = {"show_local": True, "rankdir": "TB"}  # noqa: RUF012

    def __init__(self, n: int) -> None:
        self.w = np.zeros((n, 1))
        self.b = 0.0

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        return float(logistic.vectorized_gradients(X, Y, self.w, self.b).cost)

    def step(self, X: np.ndarray, Y: np.ndarray, rate: float) -> float:
        gradients = logistic.graph_gradients(X, Y, self.w, self.b)
        if math.isfinite(gradients.cost):
            self.w = self.w - rate * gradients.dw
            self.b = self.b - rate * gradients.db
        return float(gradients.cost)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        z = self.w.T @ X + self.b
        result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))
        return result.ravel()

    def sample_graph(self, x: list[float], y: float) -> Value:
        return logistic.single_example(x, y, self.w[:, 0].tolist(), self.b)

    def values(self) -> dict[str, Any]:
        return {"w": self.w[:, 0].tolist(), "b": self.b}

    def summary(self) -> str:
        weights = ", ".join(f"{w:.3f}" for w in self.w[:, 0])
        return f"w = [{weights}], b = {self.b:.3f}"


class _Network:
    """A [2, hidden, 1] network, tanh then σ (the course's week 3), from `course.networks`."""

    steps_per_tick = 5  # a vectorized step is ~0.3 ms: 500 steps a second
    # 35 nodes for 4 hidden units: the edge labels would crowd it.
    picture: dict[str, Any] = {"show_local": False, "rankdir": "LR"}  # noqa: RUF012

    def __init__(self, n: int, hidden: int, seed: int) -> None:
        self.hidden = hidden
        self.parameters = networks.initialize_parameters([n, hidden, 1], "course", 2 + seed)

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        return float(networks.vectorized_gradients(X, Y, self.parameters, "tanh").cost)

    def step(self, X: np.ndarray, Y: np.ndarray, rate: float) -> float:
        cost, grads = networks.vectorized_gradients(X, Y, self.parameters, "tanh")
        if math.isfinite(cost):
            self.parameters = networks.update_parameters(self.parameters, grads, rate)
        return float(cost)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        AL, _ = networks.forward_propagation(X, self.parameters, "tanh")
        result: np.ndarray = AL.ravel()
        return result

    def sample_graph(self, x: list[float], y: float) -> Value:
        return networks.one_sample_graph(x, int(y), self.parameters, "tanh")

    def values(self) -> dict[str, Any]:
        return {name: array.tolist() for name, array in self.parameters.items()}

    def summary(self) -> str:
        count = sum(int(array.size) for array in self.parameters.values())
        return f"a 2-{self.hidden}-1 network (tanh, then σ), {count} parameters"


class TrainingSession:
    """Logistic regression, a = σ(w1·x1 + w2·x2 + b), on one 2-D data set.

    Each step is one full-batch gradient from the engine's Value graph
    (`logistic.graph_gradients`: J built from Values, one ``backward()``), then
    w := w − α·dw, b := b − α·db.
    """

    def __init__(
        self,
        session_id: str,
        dataset: str = "toy",
        model: str = "logistic",
        learning_rate: float = 0.1,
        sample: int | None = None,
        seed: int = 0,
        hidden: int = 4,
    ) -> None:
        self.id = session_id
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._running = False
        self.last_seen = time.monotonic()
        self.message = ""
        self.reset(dataset, model, learning_rate, sample, seed, hidden)

    # -- settings ---------------------------------------------------------

    def reset(
        self,
        dataset: str = "toy",
        model: str = "logistic",
        learning_rate: float = 0.1,
        sample: int | None = None,
        seed: int = 0,
        hidden: int = 4,
    ) -> None:
        """Stop, and start again from the first parameters (with new settings).

        `sample` is the one whose graph is drawn; by default one of those nearest
        the line x1 + x2 = 0 between the two clouds, where its deltas stay large longest.
        """
        if model not in MODELS:
            shown = clipped(repr(model))
            raise RequestError(f"unknown model {shown} (the models are {', '.join(MODELS)})")
        rate = _number(learning_rate, "the learning rate", 1e-6, 100.0)
        seed = int(_number(seed, "the seed", 0, 2**31))
        units = _number(hidden, "the hidden size", 1, MAX_HIDDEN)
        if not units.is_integer():
            raise RequestError(f"the hidden size must be a whole number, got {units:g}")
        X, Y = _load(dataset, seed)
        self.pause()
        with self._lock:
            self.dataset, self.model, self.hidden = dataset, model, int(units)
            self.X, self.Y = X, Y
            self.learning_rate = rate
            self.network: _Logistic | _Network = (
                _Logistic(X.shape[0])
                if model == "logistic"
                else _Network(X.shape[0], int(units), seed)
            )
            self.iteration = 0
            self.costs: list[float] = []
            self.cost = self._cost()
            self.sample = 0
            self.message = ""
            self._sample_cache: tuple[tuple[int, int], float, dict[str, Any]] | None = None
        if sample is None:
            sample = int(np.argmin(np.abs(X[0] + X[1])))
        self.set_sample(sample)

    def set_learning_rate(self, learning_rate: object) -> None:
        rate = _number(learning_rate, "the learning rate", 1e-6, 100.0)
        with self._lock:
            self.learning_rate = rate

    def set_sample(self, sample: object) -> None:
        index = _number(sample, "the sample", 0, self.X.shape[1] - 1)
        if not index.is_integer():
            raise RequestError(f"the sample must be a whole number, got {index:g}")
        with self._lock:
            self.sample = int(index)

    # -- training ---------------------------------------------------------

    def _cost(self) -> float:
        return self.network.cost(self.X, self.Y)

    def _step(self) -> bool:
        """One gradient-descent step (the lock is held). False when the run must stop."""
        if self.iteration >= MAX_ITERATIONS:
            self.message = f"stopped at the limit of {MAX_ITERATIONS} iterations (Reset to rerun)"
            return False
        try:
            cost = self.network.step(self.X, self.Y, self.learning_rate)
        except (ValueError, OverflowError, ZeroDivisionError) as error:
            # The Value graph's loss L(a, y) is infinite once σ(z) rounds to 0 or 1.
            self.message = f"stopped at iteration {self.iteration}: {error}"
            return False
        if not math.isfinite(cost):
            self.message = f"the cost became {cost}: the learning rate is too large"
            return False
        self.costs.append(cost)  # J before this update, as in the course
        self.iteration += 1
        self.cost = self._cost()
        if not math.isfinite(self.cost):
            self.message = f"the cost became {self.cost}: the learning rate is too large"
            return False
        return True

    def step(self, count: object = 1) -> None:
        """Take `count` steps now (the page's Step button); pauses a run first."""
        steps = int(_number(count, "the number of steps", 1, 1000))
        self.pause()
        with self._lock:
            self.message = ""
            for _ in range(steps):
                if not self._step():
                    break

    def start(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True
            self.message = ""
            self.last_seen = time.monotonic()
            self._thread = threading.Thread(
                target=self._run, name=f"microgrid-train-{self.id}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        pause = 1.0 / STEPS_PER_SECOND
        while True:
            started = time.monotonic()
            with self._lock:
                if not self._running:
                    return
                if started - self.last_seen > IDLE_SECONDS:
                    self.message = "paused: the page stopped asking for updates"
                    self._running = False
                    return
                for _ in range(self.network.steps_per_tick):
                    if not self._step():
                        self._running = False
                        return
            # Sleeping outside the lock is what lets the polls in.
            time.sleep(max(0.0, pause - (time.monotonic() - started)))

    def pause(self) -> None:
        with self._lock:
            self._running = False
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    @property
    def running(self) -> bool:
        return self._running

    # -- what the page shows ------------------------------------------------

    def _boundary(self) -> dict[str, Any]:
        """P(y = 1) on a GRID × GRID lattice over the data (row 0 at the top)."""
        low = self.X.min(axis=1) - 0.5
        high = self.X.max(axis=1) + 0.5
        xs = np.linspace(low[0], high[0], GRID)
        ys = np.linspace(high[1], low[1], GRID)
        x1, x2 = np.meshgrid(xs, ys)
        probability = self.network.probabilities(np.stack([x1.ravel(), x2.ravel()]))
        return {
            "x": [float(low[0]), float(high[0])],
            "y": [float(low[1]), float(high[1])],
            "size": GRID,
            "p": np.round(np.nan_to_num(probability, nan=0.5), 3).ravel().tolist(),
        }

    def _sample_graph(self) -> dict[str, Any]:
        """The chosen sample's graph (x1, x2, w1, w2, b → z → a → L for logistic
        regression), after backward, as a picture.

        Redrawn at most once a second while running (a dot call each), at once otherwise.
        """
        key = (self.iteration, self.sample)
        now = time.monotonic()
        cached = self._sample_cache
        if cached is not None and (cached[0] == key or (self._running and now - cached[1] < 1.0)):
            return cached[2]
        i = self.sample
        result: dict[str, Any] = {
            "index": i,
            "x": self.X[:, i].tolist(),
            "y": float(self.Y[0, i]),
            "iteration": self.iteration,
            "svg": None,
            "nodes": [],
            "error": "",
        }
        try:
            L = self.network.sample_graph(self.X[:, i].tolist(), float(self.Y[0, i]))
            picture = answer_for(L, **self.network.picture)
        except (ValueError, OverflowError, ZeroDivisionError, RequestError) as error:
            result["error"] = f"sample {i}'s graph cannot be drawn: {error}"
        else:
            result["svg"], result["nodes"] = picture["svg"], picture["nodes"]
        self._sample_cache = (key, now, result)
        return result

    def state(self, since: int = 0, full: bool = True) -> dict[str, Any]:
        """The session as the page polls it: costs from index `since` on, and (when
        `full`) the data, the boundary and the sample's graph."""
        self.last_seen = time.monotonic()
        with self._lock:
            predictions = (self.network.probabilities(self.X) > 0.5).astype(float)
            answer: dict[str, Any] = {
                "id": self.id,
                "dataset": self.dataset,
                "model": self.model,
                "learning_rate": self.learning_rate,
                "iteration": self.iteration,
                "max_iterations": MAX_ITERATIONS,
                "running": self._running,
                "cost": self.cost if math.isfinite(self.cost) else None,
                "accuracy": float((predictions == self.Y[0]).mean()),
                "hidden": self.hidden,
                "summary": self.network.summary(),
                "parameters": _json_safe(self.network.values()),
                "costs_from": max(0, min(since, len(self.costs))),
                "costs": self.costs[max(0, since) :],
                "message": self.message,
                "sample": self.sample,
            }
            if full:
                answer["points"] = [
                    [float(x1), float(x2), float(y)]
                    for x1, x2, y in zip(self.X[0], self.X[1], self.Y[0], strict=True)
                ]
                answer["boundary"] = self._boundary()
                answer["sample_graph"] = self._sample_graph()
            return answer


def _json_safe(data: Any) -> Any:
    """JSON has no inf or NaN: a diverged parameter travels as null."""
    if isinstance(data, dict):
        return {key: _json_safe(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_json_safe(value) for value in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


class TrainingSessions:
    """At most `limit` sessions; a new one pushes out the one unseen the longest."""

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._sessions: OrderedDict[str, TrainingSession] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, session_id: str, **settings: Any) -> TrainingSession:
        session = TrainingSession(session_id, **settings)
        with self._lock:
            self._sessions[session_id] = session
            evicted = []
            while len(self._sessions) > self.limit:
                oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
                evicted.append(self._sessions.pop(oldest.id))
        for old in evicted:
            old.pause()
        return session

    def get(self, session_id: str) -> TrainingSession:
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise LookupError(
                f"no training session {session_id[:40]!r} (the server restarted, or more than "
                f"{self.limit} pages were opened): reload the page"
            )
        return session

    def stop_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
        for session in sessions:
            session.pause()

    def __len__(self) -> int:
        return len(self._sessions)
