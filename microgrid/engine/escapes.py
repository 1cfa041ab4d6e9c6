"""A Value that becomes a plain number while a graph is recorded: said at the line.

`float(v)`, `int(v)`, `math.exp(v)` (math calls float()), `np.float64(v)` and
`np.array(values, dtype=float)` all turn a Value into a plain number. Whatever
is computed from that number is a constant to the graph, so no delta flows back
through it: the gradient silently misses that path. While a graph is recorded
(not under `no_grad()`), each such conversion warns with a `GraphEscapeWarning`
at the line of *your* code that made it, and is remembered in a short list that
`gradcheck(J)` reads.

>>> import math, warnings
>>> from microgrid import Value
>>> w = Value(1.0, label="w")
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     J = w * math.exp(2 * w)
>>> print(caught[0].message)
line 3: math.exp(2 * w) turns the Value 2 · w = 2 into a plain number...
>>> w.value, w.item(), f"{w:.2f}", round(w, 2)   # the explicit ways out: silent
(1.0, 1.0, '1.00', 1.0)

Silent on purpose: `v.value`, `v.item()`, anything under `no_grad()` or
`escapes_allowed()`, and printing or formatting (`print(v)`, `f"{v:.2f}"`,
`round(v, 2)`, `"%.2f" % v`).

The list is bounded (the last `REMEMBERED` escapes) and keeps no node, only the
leaves under it (at most `MAX_LEAVES`) and their values at that moment; how
gradcheck decides which escapes concern a graph is `escapes_into`.
"""

from __future__ import annotations

import dis
import itertools
import linecache
import re
import sys
import sysconfig
import warnings
from collections import deque
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from microgrid.engine.modes import recording_flag


class Node(Protocol):
    """What this module reads of a node (node.py's Node, which imports this module)."""

    value: float
    label: str
    op: Any  # a Primitive, which reads as its name

    @property
    def parents(self) -> tuple[Any, ...]: ...

    @property
    def constants(self) -> tuple[float | None, ...]: ...


__all__ = [
    "MAX_LEAVES",
    "REMEMBERED",
    "Escape",
    "GraphEscapeWarning",
    "collect_escapes",
    "escaped",
    "escapes_allowed",
    "escapes_into",
    "recent_escapes",
]

REMEMBERED = 32  # escapes kept for gradcheck(J); older ones are forgotten
MAX_LEAVES = 100_000  # leaves remembered per escape (a bound on memory, not on correctness)
_MAX_VISITED = 1_000_000  # nodes one merged conversion may walk before a new record starts


class GraphEscapeWarning(UserWarning):
    """A Value became a plain number while the graph was recorded: its gradient is lost.

    Make it an error with ``warnings.simplefilter("error", GraphEscapeWarning)``.
    """


@dataclass
class Escape:
    """One place where a Value left the graph: what, through which call, and where."""

    serial: int  # counts escapes since the start: later ones are larger
    node: str  # the Value, written with its parents' names: "2 · w"
    value: float
    route: str  # the call that took the number: "math.exp", "float", "np.array"
    method: str  # the Value's method it called: "float", "int" (or "item", for checkers)
    call: str  # the call as written: "math.exp(2 * w)" ("" when unknown)
    advice: str  # what to write instead
    filename: str
    lineno: int
    function: str
    source: str  # the whole line of code
    leaves: list[Node] = field(repr=False, default_factory=list)  # the leaves under the node
    leaf_values: list[float] = field(repr=False, default_factory=list)  # their values then
    node_id: int = 0  # id() of the node (never dereferenced)
    count: int = 1  # conversions merged into this one (np.array of many Values)

    def where(self) -> str:
        """'line 3 of train (train.py)'."""
        return f"line {self.lineno} of {self.function} ({Path(self.filename).name})"

    def leaf_names(self) -> str:
        """'w' or 'w, b and 3 more', the leaves whose deltas miss this path."""
        names = [leaf.label for leaf in self.leaves if leaf.label]
        if not names:
            return "the leaves under it"
        if len(names) <= 3:
            return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return f"{', '.join(names[:3])} and {len(names) - 3} more"

    def short(self) -> str:
        """One line for a report: what left the graph, where, and how."""
        shown = f": {self.source}" if self.source else ""
        more = f" ({self.count} values)" if self.count > 1 else ""
        left = f"{self.node} = {self.value:g} left the graph{more}"
        return f"{left} through {self.route}() at {self.where()}{shown}"

    def message(self) -> str:
        """The warning: the line, what left, why its gradient is missing, what to write."""
        call = self.call or self.source or "this line"
        return (
            f"line {self.lineno}: {call} turns the Value {self.node} = {self.value:g} into a "
            f"plain number, so the graph does not see what is done with it: no delta flows "
            f"back through it, and the gradient of {self.leaf_names()} misses this path. "
            f"{self.advice} To take the number out on purpose, write .value or .item(), or "
            "run the code under `with microgrid.escapes_allowed():`."
        )


# The last escapes, oldest first (appending to a deque is thread-safe).
_remembered: deque[Escape] = deque(maxlen=REMEMBERED)
_serials = itertools.count(1)
_allowed: ContextVar[bool] = ContextVar("microgrid_escapes_allowed", default=False)
# Set by gradcheck and check_backprop: they report the escapes themselves.
_collector: ContextVar[list[tuple[Escape, Node]] | None] = ContextVar(
    "microgrid_escape_collector", default=None
)
_MAX_COLLECTED = 100
# A conversion in progress, in this thread: the 1000 float() calls of one
# np.array(values, dtype=float) are one escape, and their graph is walked once.
_burst: ContextVar[_Burst | None] = ContextVar("microgrid_escape_burst", default=None)


@dataclass
class _Burst:
    frame: FrameType  # the learner's frame and instruction making the conversion
    offset: int
    escape: Escape
    visited: set[int]  # id() of the nodes walked so far (ids: no graph is kept alive)
    known: dict[int, float]  # id(leaf) -> its value at the escape


@contextmanager
def escapes_allowed() -> Iterator[None]:
    """Inside the block, float(v), math.* and the rest are silent: you mean them.

    >>> import math
    >>> from microgrid import Value, escapes_allowed
    >>> with escapes_allowed():
    ...     shown = math.exp(Value(1.0))
    >>> round(shown, 3)
    2.718
    """
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


@contextmanager
def collect_escapes() -> Iterator[list[tuple[Escape, Node]]]:
    """Gather the escapes made inside the block, each with its node, without warning.

    For checkers that report escapes themselves (gradcheck, check_backprop).
    """
    found: list[tuple[Escape, Node]] = []
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


def recent_escapes() -> list[Escape]:
    """The remembered escapes, oldest first."""
    return list(_remembered)


def escapes_into(root: Node, graph_leaves: Collection[Node]) -> list[Escape]:
    """The remembered escapes that may have fed the graph under `root`.

    The rule: an escape counts when its node shared a leaf with this graph and
    every shared leaf still has the value it had at the escape (so it was made
    from the same parameters: a loss logged with float() before the last update
    does not count), and it is not `root` itself (float(J) after J is built
    cannot feed J). Limits: an escape made *after* the graph was built, from
    the same leaves at the same values (logging another graph's output) counts
    too; and only the last `REMEMBERED` escapes are known.
    """
    found = []
    for escape in _remembered:
        if escape.node_id == id(root) and escape.value == root.value:
            continue
        shared = [
            (leaf, value)
            for leaf, value in zip(escape.leaves, escape.leaf_values, strict=True)
            if leaf in graph_leaves
        ]
        if shared and all(leaf.value == value for leaf, value in shared):
            found.append(escape)
    return found


def escaped(node: Node, method: str) -> None:
    """`node` is being turned into a plain number by `method` ("float", "int").

    Node.__float__ and Node.__int__ call this (and Node.item, which only a
    checker inside `collect_escapes` sees); under `no_grad()` or
    `escapes_allowed()` it does nothing.
    """
    if not recording_flag.get() or _allowed.get():
        return
    collector = _collector.get()
    if method == "item" and collector is None:  # the explicit way out: silent
        return  # (check_backprop still sees it, to find a cost that ends in .item())
    frame = _learner_frame(sys._getframe(1))
    burst = _burst.get()
    if (  # one more Value of the same conversion (np.array(values, dtype=float)): count it
        burst is not None
        and frame is not None
        and burst.frame is frame
        and burst.offset == frame.f_lasti
        and len(burst.visited) < _MAX_VISITED
        and _walk(burst, node)
    ):
        burst.escape.count += 1
        if collector is not None and len(collector) < _MAX_COLLECTED:
            collector.append((burst.escape, node))
        return  # warned once, for the first Value
    call, formatting = _call_at(frame)
    if formatting:  # "%.2f" % v: printing, not computing
        return
    escape = _recorded(node, method, frame, call)
    if collector is not None:
        if len(collector) < _MAX_COLLECTED:
            collector.append((escape, node))
        return
    # stacklevel: the number of frames from here up to the learner's line.
    level, current = 1, sys._getframe(0)
    while frame is not None and current is not frame and current.f_back is not None:
        level, current = level + 1, current.f_back
    warnings.warn(escape.message(), GraphEscapeWarning, stacklevel=level if frame else 3)


# ---------------------------------------------------------------------------
# Where and how: the learner's frame, the call being made, what to write instead.
# ---------------------------------------------------------------------------

_PACKAGE = str(Path(__file__).resolve().parents[1])  # microgrid/


@lru_cache(maxsize=512)
def _not_learners(filename: str) -> bool:
    """Frames of microgrid, NumPy, the standard library and installed packages are skipped."""
    if filename.startswith("<"):  # <stdin>, <doctest ...>, <string>: the learner's
        return False
    try:
        path = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return path.startswith(_skipped_dirs())


@lru_cache(maxsize=1)
def _skipped_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = [_PACKAGE] + [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    numpy = sys.modules.get("numpy")
    if numpy is not None and getattr(numpy, "__file__", None):
        dirs.append(str(Path(numpy.__file__).resolve().parent))  # type: ignore[arg-type]
    return tuple(str(Path(d).resolve()) + "/" for d in dirs)


def _learner_frame(frame: FrameType | None) -> FrameType | None:
    while frame is not None and _not_learners(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


_BINARY_OP = dis.opmap.get("BINARY_OP", -1)
_REMAINDER = (6, 19)  # BINARY_OP's argument for % and %= (str % args is formatting)


def _call_at(frame: FrameType | None) -> tuple[str, bool]:
    """The expression being run at `frame`'s instruction, and whether it is `str % args`."""
    if frame is None:
        return "", False
    code, offset = frame.f_code, frame.f_lasti
    if 0 <= offset < len(code.co_code) - 1:
        if code.co_code[offset] == _BINARY_OP and code.co_code[offset + 1] in _REMAINDER:
            return "", True  # Value has no %, so a % that converts it is formatting
    positions = getattr(code, "co_positions", None)  # Python 3.11+
    if positions is None or offset < 0:
        return "", False
    where = next(itertools.islice(positions(), offset // 2, None), None)
    if where is None or None in where:
        return "", False
    first, last, start, end = where
    assert first is not None and last is not None and start is not None and end is not None
    lines = linecache.getlines(code.co_filename, frame.f_globals)[first - 1 : last]
    if not lines:
        return "", False
    if len(lines) == 1:
        text = lines[0].encode()[start:end].decode(errors="replace")
    else:
        pieces = [lines[0].encode()[start:].decode(errors="replace")]
        pieces += [line.strip() for line in lines[1:-1]]
        pieces.append(lines[-1].encode()[:end].decode(errors="replace").strip())
        text = " ".join(piece.strip() for piece in pieces)
    return " ".join(text.split()), False


_CALLEE = re.compile(r"\s*([A-Za-z_][\w.]*)\s*\((.*)\)\s*$", re.DOTALL)
# math functions that a Value has as a method (math.fabs is abs).
_METHODS = {"exp": "exp", "log": "log", "tanh": "tanh", "sqrt": "sqrt", "fabs": "abs"}


def _advice(route: str, arguments: str, method: str) -> str:
    """What to write instead of the conversion, for the call that made it."""
    name = route.rsplit(".", 1)[-1]
    argument = arguments.split(",")[0].strip() if arguments else "x"
    simple = re.fullmatch(r"[\w.\[\]]+", argument) is not None
    shown = argument if simple else f"({argument})"
    if route.startswith("math."):
        if name in _METHODS:
            method_name = _METHODS[name]
            return (
                f"Write {shown}.{method_name}() instead (or microgrid.{method_name}({argument}), "
                f"or np.{method_name} on an array of Values), which records the op."
            )
        if name == "pow":
            return "Write x ** y instead, which records the op."
        return (
            f"A Value has no {name}: write it with Value ops, or give microgrid the op "
            "with @microgrid.primitive (docs/07-your-own-primitive.md)."
        )
    if name in ("array", "asarray", "astype", "asanyarray", "fromiter"):
        return (
            "Leave out dtype=float: np.array(values) keeps an array of Values (dtype=object), "
            "and np.exp, np.dot, np.sum, @ work on it."
        )
    if name in ("float", "int", "float64", "float32", "double", "item") or not route:
        return f"Use the Value {argument if route else 'itself'} in the expression instead."
    return (
        f"{route}() needs plain numbers; keep the computation in Value ops "
        "(x.exp(), np.exp on an array of Values, microgrid.sum) instead."
    )


def _node_written(node: Node) -> str:
    """The node's label, or its op written with its inputs: '2 · w'."""
    if node.label:
        return node.label
    op = node.op
    if not op:
        return "a leaf"
    parents = iter(node.parents)
    names = []
    for constant in node.constants or (None,) * len(node.parents):
        if constant is None:
            parent = next(parents)
            names.append(parent.label or f"{parent.value:g}")
        else:
            names.append(f"{constant:g}")
    formula = getattr(op, "formula", None)
    if formula and len(names) < 10:
        return str(formula.format(*names))
    return f"{op}({', '.join(names[:4])}{', …' if len(names) > 4 else ''})"


def _recorded(node: Node, method: str, frame: FrameType | None, call: str) -> Escape:
    """A new escape, remembered (and the conversion it starts, for its other Values)."""
    match = _CALLEE.match(call)
    route, arguments = (match.group(1), match.group(2)) if match else ("", "")
    if not route:
        route = method
    if frame is not None:
        code = frame.f_code
        filename, lineno, function = code.co_filename, frame.f_lineno, code.co_name
        source = linecache.getline(filename, lineno, frame.f_globals).strip()
    else:
        filename, lineno, function, source = "<unknown>", 0, "<unknown>", ""
    escape = Escape(
        serial=next(_serials),
        node=_node_written(node),
        value=node.value,
        route=route,
        method=method,
        call=call,
        advice=_advice(route, arguments, method),
        filename=filename,
        lineno=lineno,
        function=function,
        source=source,
        node_id=id(node),
    )
    fresh = _Burst(frame, frame.f_lasti, escape, set(), {}) if frame is not None else None
    _walk(fresh or _Burst(sys._getframe(), 0, escape, set(), {}), node)
    if method != "item":  # .item() is meant: gradcheck(J) does not count it
        _remembered.append(escape)
    _burst.set(fresh)
    return escape


def _walk(burst: _Burst, node: Node) -> bool:
    """Add the leaves under `node` to the burst's escape; False if a known leaf moved.

    An explicit stack (no recursion); nodes already walked in this conversion are
    skipped, so converting 1000 Values of one graph walks it once. A leaf whose
    value changed since means a new step: a new escape, not the same one.
    """
    escape, visited, known = burst.escape, burst.visited, burst.known
    stack: list[Any] = [node]
    added: list[Any] = []
    while stack:
        current = stack.pop()
        key = id(current)
        parents = current.parents
        if not parents:
            before = known.get(key)
            if before is not None and before != current.value:
                return False
            if key not in visited:
                visited.add(key)
                added.append(current)
            continue
        if key in visited:
            continue
        visited.add(key)
        stack.extend(parents)
    room = MAX_LEAVES - len(escape.leaves)
    for leaf in added[:room]:
        escape.leaves.append(leaf)
        escape.leaf_values.append(leaf.value)
        known[id(leaf)] = leaf.value
    return True
