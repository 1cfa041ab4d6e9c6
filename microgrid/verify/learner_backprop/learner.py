"""Running the learner's code: where it failed, and where it left the graph.

A learner's cost raises from deep inside NumPy (``loop of ufunc does not
support argument 0 of type Value``) or from microgrid itself; what they need is
the line of *their* code that did it. `run_learner_code` catches the
exception and keeps the innermost frame that is neither microgrid's nor
NumPy's: that line.

`float(v)` and `v.item()` work on a Value but give a plain number, which leaves
the graph. `watch_float_calls` collects every such call with the learner's
line that made it (the escape record, verify/escapes.py), so the report can
say "line 12: ``cost = float(np.squeeze(cost))``".
"""

from __future__ import annotations

import functools
import linecache
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import numpy as np

from microgrid.engine import Value
from microgrid.verify.escapes import Escape, collect_escapes

# Frames from these are never the learner's: NumPy, the engine, and this package.
# (Other microgrid modules, logistic say, can be the code under check.)
_PACKAGE = Path(__file__).resolve().parents[2]  # microgrid/ (this file is verify/learner_backprop/)
_OURS = (
    str(Path(np.__file__).resolve().parent),
    str(_PACKAGE / "engine"),
    str(_PACKAGE / "verify" / "learner_backprop"),
)


@functools.lru_cache(maxsize=256)
def _is_ours(filename: str) -> bool:
    try:
        path = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return path.startswith(_OURS)


@dataclass(frozen=True)
class CodeLine:
    """A line of the learner's code: file, line number, function and the source text."""

    filename: str
    lineno: int
    function: str
    source: str

    def __str__(self) -> str:
        where = f'File "{self.filename}", line {self.lineno}, in {self.function}'
        return f"{where}: {self.source}" if self.source else where

    def short(self) -> str:
        """'line 57 of compute_cost (course.py): return float(cost)'."""
        where = f"line {self.lineno} of {self.function} ({Path(self.filename).name})"
        return f"{where}: {self.source}" if self.source else where

    @staticmethod
    def of_frame(frame: FrameType, lineno: int | None = None) -> CodeLine:
        code = frame.f_code
        line = frame.f_lineno if lineno is None else lineno
        source = linecache.getline(code.co_filename, line, frame.f_globals).strip()
        return CodeLine(code.co_filename, line, code.co_name, source)


@dataclass(frozen=True)
class LearnerError:
    """The learner's code raised: the exception, and the line of their code that raised it.

    ``calls`` are their frames from the outermost to the innermost (``line`` is
    the last one): the path from their cost function down to the failing line.
    """

    function: str  # "cost" or "gradients"
    exception: BaseException
    line: CodeLine | None
    calls: tuple[CodeLine, ...]
    hint: str = ""

    @property
    def kind(self) -> str:
        return type(self.exception).__name__

    def lines(self) -> list[str]:
        message = str(self.exception).strip() or "(no message)"
        out = [f"your {self.function} raised {self.kind}: {message}"]
        if self.line is not None:
            out.append(f"  at {self.line}")
            callers = self.calls[:-1]
            if callers:
                out.append("  called from " + " ← ".join(_short(c) for c in reversed(callers)))
        else:
            out.append("  (inside microgrid or NumPy; no line of your code is on the stack)")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _short(line: CodeLine) -> str:
    return f"{line.function} (line {line.lineno})"


def learner_frames(tb: TracebackType | None) -> tuple[CodeLine, ...]:
    """The traceback's frames that are the learner's: not microgrid's, not NumPy's."""
    frames = []
    for frame, lineno in traceback.walk_tb(tb):
        if not _is_ours(frame.f_code.co_filename):
            frames.append(CodeLine.of_frame(frame, lineno))
    return tuple(frames)


def explain_exception(function: str, error: BaseException) -> LearnerError:
    """A `LearnerError` for an exception raised by the learner's `function`."""
    calls = learner_frames(error.__traceback__)
    return LearnerError(
        function=function,
        exception=error,
        line=calls[-1] if calls else None,
        calls=calls,
        hint=_hint_for(error),
    )


def _hint_for(error: BaseException) -> str:
    text = str(error)
    missing = re.search(r"type Value which has no callable (\w+) method", text)
    if missing:
        name = missing.group(1)
        return (
            f"np.{name} has no Value version: on an array of objects NumPy calls .{name}() "
            f"on each entry, and a Value has no .{name}(); write it with functions that work "
            "on Values (np.exp, np.log, np.tanh, np.sqrt, np.abs, np.dot, np.sum, "
            "np.maximum, ...), listed in docs/10-check-your-own-backprop.md"
        )
    if isinstance(error, TypeError) and "Value" in text:
        return (
            "your cost ran on arrays of microgrid Values, and this line needs plain numbers; "
            "docs/10-check-your-own-backprop.md lists what works on Values"
        )
    return ""


@dataclass(frozen=True)
class FloatCall:
    """One place where the learner's code turned a Value into a plain number."""

    method: str  # "float", "int", "item"
    node: Value
    line: CodeLine | None
    escape: Escape

    @property
    def written(self) -> str:
        """How the learner wrote it: 'float()', 'math.exp()', '.item()'."""
        return ".item()" if self.method == "item" else f"{self.escape.route}()"

    def depends_on(self, leaves: set[Value]) -> bool:
        """True if the Value that left the graph was computed from any of `leaves`."""
        return any(leaf in leaves for leaf in self.escape.leaves)


@contextmanager
def watch_float_calls() -> Iterator[list[FloatCall]]:
    """Note every float(), int(), math.* and .item() on a Value made while the block runs.

    The engine reports them (microgrid/verify/escapes.py, the same record behind
    the GraphEscapeWarning); here each one keeps its Value and the learner's line.
    """
    calls: list[FloatCall] = []
    with collect_escapes() as caught:
        yield calls
    for escape, node in caught:
        if not isinstance(node, Value):
            continue
        line = (
            CodeLine(escape.filename, escape.lineno, escape.function, escape.source)
            if escape.lineno
            else None
        )
        calls.append(FloatCall(escape.method, node, line, escape))


def cut_by_escape(
    calls: list[FloatCall], cost: Value, parameters: set[Value]
) -> LearnerError | None:
    """An error if a Value computed from the parameters left the graph before the cost.

    Backprop through the cost's graph is the truth the check compares with; a path
    cut by float() or math.* is missing from it, so there is nothing true to compare.
    The cost itself turned into a number at the very end is fine (it is rescued).
    """
    cuts = [call for call in calls if call.node is not cost and call.depends_on(parameters)]
    if not cuts:
        return None
    first = cuts[0]
    escape = first.escape
    message = (
        f"{first.written} turned the Value {escape.node} = {escape.value:g}, computed from "
        f"{escape.leaf_names()}, into a plain number: the graph misses that path, so "
        "backprop through your cost (the truth this check compares with) would be wrong too"
    )
    lines = (first.line,) if first.line else ()
    return LearnerError("cost", TypeError(message), first.line, lines, hint=escape.advice)


def run_learner_code(function: str, call: Callable[[], Any]) -> tuple[Any, LearnerError | None]:
    """Call the learner's code; an exception becomes a `LearnerError` naming their line."""
    try:
        return call(), None
    except Exception as error:  # their code can raise anything: report it, don't crash
        return None, explain_exception(function, error)
