"""Running the learner's code: where it failed, and where it left the graph.

A learner's cost raises from deep inside NumPy (``loop of ufunc does not
support argument 0 of type Value``) or from microgrid itself; what they need is
the line of *their* code that did it. `run_learner_code` catches the
exception and keeps the innermost frame that is neither microgrid's nor
NumPy's: that line.

`float(v)` and `v.item()` work on a Value but give a plain number, which leaves
the graph. `watch_float_calls` reruns the cost under a profiler that notes
every such call and the learner's line that made it, so the report can say
"line 12: ``cost = float(np.squeeze(cost))``".
"""

from __future__ import annotations

import functools
import linecache
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType, TracebackType
from typing import Any

import numpy as np

from microgrid.engine import Value

# Frames from these are never the learner's: NumPy, the engine, and this package.
# (Other microgrid modules, logistic say, can be the code under check.)
_PACKAGE = Path(__file__).resolve().parents[2]  # microgrid/ (this file is verify/learner_backprop/)
_OURS = (
    str(Path(np.__file__).resolve().parent),
    str(_PACKAGE / "engine"),
    str(_PACKAGE / "verify" / "learner_backprop"),
)
# The methods through which a Value becomes a plain number: each one leaves the graph.
_CONVERSIONS = ("__float__", "item", "__int__", "__index__", "__complex__")
_MAX_FLOAT_CALLS = 100  # remembered per run; the first few are the ones worth showing


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

    method: str  # "__float__", "item", ...
    node: Value
    line: CodeLine | None

    @property
    def written(self) -> str:
        return "float()" if self.method == "__float__" else f".{self.method}()"


def _conversion_codes() -> dict[CodeType, str]:
    codes: dict[CodeType, str] = {}
    for name in _CONVERSIONS:
        code = getattr(getattr(Value, name, None), "__code__", None)
        if isinstance(code, CodeType):
            codes.setdefault(code, name)
    return codes


@contextmanager
def watch_float_calls() -> Iterator[list[FloatCall]]:
    """Note every float()/.item() on a Value made in this thread while the block runs.

    A profiler sees each Python call; it keeps the conversions (Value.__float__,
    Value.item) with the innermost calling line that is the learner's.
    """
    calls: list[FloatCall] = []
    codes = _conversion_codes()
    previous = sys.getprofile()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or len(calls) >= _MAX_FLOAT_CALLS:
            return
        method = codes.get(frame.f_code)
        if method is None:
            return
        node = frame.f_locals.get("self")
        if not isinstance(node, Value):
            return
        caller = frame.f_back
        while caller is not None and _is_ours(caller.f_code.co_filename):
            caller = caller.f_back
        calls.append(FloatCall(method, node, CodeLine.of_frame(caller) if caller else None))

    if not codes:  # this engine has no conversions: nothing can be called
        yield calls
        return
    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(previous)


def run_learner_code(function: str, call: Callable[[], Any]) -> tuple[Any, LearnerError | None]:
    """Call the learner's code; an exception becomes a `LearnerError` naming their line."""
    try:
        return call(), None
    except Exception as error:  # their code can raise anything: report it, don't crash
        return None, explain_exception(function, error)
