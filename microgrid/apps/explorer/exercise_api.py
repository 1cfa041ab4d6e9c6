"""The exercises the engine grades, for the play page's Exercises tab and the notebook widget.

`ExerciseSession` is one learner's walk through `microgrid.exercises`: the
current exercise (a number and a seed), the last verdict, and the progress
("n of 58 solved"). The widget counts in the Python session's
`exercises.progress`; each page of `microgrid play` gets a session, and a
progress, of its own. `ExerciseSessions` keeps at most a few of them (a server
serves one learner; a new tab pushes out the one unseen longest).

>>> session = ExerciseSession(tally=Progress(total=count()))
>>> session.go(5)
>>> session.submit("2").right, session.submit("6").right
(False, True)
>>> session.state(picture=False)["progress"]
'1 of 58 solved (1 tried)'
"""

from __future__ import annotations

import functools
import math
import pickle
import threading
import time
from collections import OrderedDict
from typing import Any

from microgrid.apps.explorer.graph_api import RequestError, clipped, svg_of
from microgrid.course import exercises as course_exercises
from microgrid.course.exercises import Exercise, Progress, Verdict, count
from microgrid.show.flipbook import draw_backward_steps
from microgrid.show.render import draw

__all__ = [
    "MAX_ANSWER",
    "NEEDS_NUMPY",
    "ExerciseSession",
    "ExerciseSessions",
    "available",
    "catalogue",
    "exercise_picture",
]

MAX_ANSWER = 200
"""An answer longer than this many characters is refused (a shape is a few characters)."""

NEEDS_NUMPY = (
    "needs NumPy: the installed microgrid has it (pip install microgrid-autograd; microgrid play)"
)
"""Said of an exercise that cannot be built where NumPy is missing (the browser edition)."""


def _build(number: int, seed: int, tally: Progress | None) -> Exercise:
    """Exercise `number`, variant `seed`; one that needs NumPy, where it is missing, gets a
    RequestError saying so (chapters 3-5 use the course's NumPy code; 1-2 do not)."""
    try:
        return course_exercises.get(number, seed, tally=tally)
    except ImportError as error:
        if (error.name or "").split(".")[0] != "numpy":
            raise
        raise RequestError(f"exercise {number} {NEEDS_NUMPY}") from None


@functools.cache
def available() -> tuple[int, ...]:
    """The numbers of the exercises that can be built here (all of them where NumPy is)."""
    numbers = []
    for number in range(1, count() + 1):
        try:
            _build(number, 0, Progress(total=count()))
        except RequestError:
            continue
        numbers.append(number)
    return tuple(numbers)


def exercise_picture(exercise: Exercise, revealed: bool) -> str:
    """The exercise's graph: backprop stopped before the hidden delta, or finished.

    An exercise whose picture would give the answer away (a value question) shows
    no picture until it is answered; a shape question has none.
    """
    if exercise.root is None or (not revealed and exercise.picture_step == 0):
        return ""
    root = pickle.loads(pickle.dumps(exercise.root))  # the exercise keeps its own nodes
    if not revealed:
        frames = draw_backward_steps(root, show_local=False)
        return svg_of(frames[exercise.picture_step - 1])
    root.zero_grad()
    root.backward()
    return svg_of(draw(root))


def catalogue() -> list[dict[str, Any]]:
    """Every exercise's number, chapter and title (what the page's list shows); one that
    cannot be built here has ``"available": false`` and says why in its title."""
    entries: list[dict[str, Any]] = []
    for number in range(1, count() + 1):
        if number not in available():
            entries.append(
                {"number": number, "chapter": None, "title": NEEDS_NUMPY, "available": False}
            )
            continue
        ex = course_exercises.get(number)
        entries.append(
            {"number": number, "chapter": ex.chapter, "title": ex.title, "available": True}
        )
    return entries


class ExerciseSession:
    """The current exercise, its last verdict, and moving on (Next, Again).

    `tally` counts the answers (None: the Python session's `exercises.progress`).
    """

    def __init__(self, number: int = 1, seed: int = 0, tally: Progress | None = None) -> None:
        self.tally = course_exercises.progress if tally is None else tally
        self.exercise = _build(number, seed, self.tally)
        self.verdict: Verdict | None = None
        self.revealed = False
        self.error = ""
        self.lock = threading.Lock()
        """Held by the server while it answers for this session (one request at a time)."""
        self.last_seen = time.monotonic()

    def submit(self, text: object) -> Verdict | None:
        """Grade `text` (what the learner typed); a text that is not an answer is an error."""
        try:
            self.verdict = self.exercise.answer(text)
        except (TypeError, ValueError) as error:
            self.error = str(error)
            return None
        self.error = ""
        self.revealed = self.revealed or self.verdict.right
        return self.verdict

    def reveal(self) -> None:
        self.revealed = True

    def go(self, number: int, seed: int = 0) -> None:
        """Exercise `number` (wrapping around), variant `seed`."""
        self.exercise = _build((number - 1) % count() + 1, seed, self.tally)
        self.verdict, self.revealed, self.error = None, False, ""

    def next(self) -> None:
        """The next exercise that can be built here (after the last, the first)."""
        later = [n for n in available() if n > self.exercise.number]
        self.go(later[0] if later else available()[0])

    def again(self) -> None:
        self.go(self.exercise.number, self.exercise.seed + 1)

    def state(self, picture: bool = True) -> dict[str, Any]:
        """What the widget and the page show: question, hint, verdict, progress (JSON), and
        with `picture` the graph as SVG (a dot call)."""
        ex = self.exercise
        answer: dict[str, Any] = {
            "number": ex.number,
            "count": count(),
            "chapter": ex.chapter,
            "title": ex.title,
            "question": ex.question,
            "hint": ex.hint(),
            "seed": ex.seed,
            "kind": ex.kind,
            "verdict": None
            if self.verdict is None
            else {"right": self.verdict.right, "lines": list(self.verdict.lines)},
            "reveal": ex.reveal() if self.revealed else "",
            "error": self.error,
            "progress": str(self.tally),
            "solved": len(self.tally.solved),
            "record": {"solved": sorted(self.tally.solved), "tried": sorted(self.tally.tried)},
        }
        if picture:
            answer["svg"] = exercise_picture(ex, self.revealed)
        return answer

    # -- a request of the page: {"number": 5, "seed": 2}, {"answer": "6"}, ... ------------------

    def restore(self, record: object) -> None:
        """Take back a progress the page kept (``state()["record"]``: the browser edition
        keeps it in the browser's storage). Numbers outside 1..count() are refused."""
        if not isinstance(record, dict):
            raise RequestError('"progress" must be {"solved": [1, 5], "tried": [1, 2, 5]}')
        lists = {}
        for key in ("solved", "tried"):
            numbers = record.get(key, [])
            if not isinstance(numbers, list) or len(numbers) > count():
                raise RequestError(f'"progress" needs "{key}" as a list of exercise numbers')
            lists[key] = {_whole(n, f"{key} exercise", 1, count()) for n in numbers}
        self.tally.solved = lists["solved"]
        self.tally.tried = lists["tried"] | lists["solved"]

    def act(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Do what the page asked (show, answer, reveal, next, again); the new state."""
        if action == "show":
            number = _whole(body.get("number", self.exercise.number), "number", 1, count())
            self.go(number, _whole(body.get("seed", 0), "seed", 0, 2**31))
        elif action == "answer":
            given = body.get("answer")
            if isinstance(given, bool) or not isinstance(given, (str, int, float)):
                raise RequestError('send the answer as {"answer": "6"} (a text or a number)')
            if isinstance(given, str) and len(given) > MAX_ANSWER:
                raise RequestError(f"an answer has at most {MAX_ANSWER} characters")
            if not isinstance(given, str) and not _finite(given):
                # JSON's 1e400 reads as inf; a whole number of 400 digits as itself
                shown = "inf" if isinstance(given, float) else clipped(str(given), 40)
                raise RequestError(f"the answer must be a finite number, got {shown}")
            self.submit(given)
        elif action in ("reveal", "next", "again"):
            getattr(self, action)()
        else:
            raise LookupError(f"no exercise action {action[:20]!r}")
        return self.state()


def _finite(number: float) -> bool:
    """Whether `number` is a finite float, or a whole number within the float range."""
    try:
        return math.isfinite(number)
    except OverflowError:  # 10**400: float() and isfinite() cannot take it
        return False


def _whole(value: object, name: str, low: int, high: int) -> int:
    """A whole number in [low, high] from a request (10**400 and 2.5 get a message)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 5.0 is 5 (a float that is not whole stays, and is refused)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        shown = clipped(repr(value), 40)  # 10**400 is not repeated in full
        raise RequestError(f"the {name} must be a whole number from {low} to {high}, got {shown}")
    return value


class ExerciseSessions:
    """At most `limit` sessions, one per page; a new one pushes out the one unseen longest."""

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._sessions: OrderedDict[str, ExerciseSession] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, session_id: str) -> ExerciseSession:
        session = ExerciseSession(tally=Progress(total=len(available())))
        with self._lock:
            self._sessions[session_id] = session
            while len(self._sessions) > self.limit:
                oldest = min(self._sessions, key=lambda key: self._sessions[key].last_seen)
                del self._sessions[oldest]
        return session

    def get(self, session_id: str) -> ExerciseSession:
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise LookupError(
                f"no exercise session {session_id[:40]!r} (the server restarted, or more than "
                f"{self.limit} pages were opened): reload the page"
            )
        session.last_seen = time.monotonic()
        return session

    def __len__(self) -> int:
        return len(self._sessions)
