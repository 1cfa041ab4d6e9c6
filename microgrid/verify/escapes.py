"""A Value that becomes a plain number while a graph is recorded: said at the line.

`float(v)`, `int(v)`, `math.exp(v)` (math calls float()), `np.float64(v)` and
`np.array(values, dtype=float)` all turn a Value into a plain number. Whatever
is computed from that number is a constant to the graph, so no delta flows back
through it: the gradient silently misses that path. While a graph is recorded
(not under `no_grad()`), each such conversion warns with a `GraphEscapeWarning`
at the line of *your* code that made it (once per line, as Python's warnings
are), and is remembered in a short list that `gradcheck(J)` reads.

>>> import math, warnings
>>> from microgrid import Value
>>> w = Value(1.0, label="w")
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     J = w * math.exp(2 * w)
>>> print(caught[0].message)
line 3: math.exp(2 * w) turns the Value 2 · w into a plain number...
>>> w.value, w.item(), f"{w:.2f}", round(w, 2), math.isfinite(w)   # silent
(1.0, 1.0, '1.00', 1.0, True)

Silent on purpose, because they only look at the number: `v.value`, `v.item()`,
anything under `no_grad()` or `escapes_allowed()`, printing and formatting
(`print(v)`, `f"{v:.2f}"`, `round(v, 2)`, `"%.2f" % v`, `logging.info("%f", v)`),
`math.isnan`, `isfinite`, `isinf` and `isclose`, and a conversion made inside
another installed library (matplotlib's `plt.plot(values)`, a progress bar).

The engine calls `escaped` through its hook (`microgrid.engine.escapes`);
`import microgrid` registers it (`install`). The list is bounded (the last
`REMEMBERED` escapes) and keeps no node, only the leaves under it (at most
`MAX_LEAVES`) and their values at that moment; which escapes concern a graph is
`escapes_into`.
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
from types import CodeType, FrameType
from typing import Any

from microgrid.engine import Value, is_grad_enabled
from microgrid.engine.escapes import GraphEscapeWarning, escape_hooks, escapes_are_allowed

__all__ = [
    "MAX_LEAVES",
    "REMEMBERED",
    "Escape",
    "collect_escapes",
    "escaped",
    "escapes_into",
    "install",
    "recent_escapes",
]

REMEMBERED = 32  # escapes kept for gradcheck(J); older ones are forgotten
MAX_LEAVES = 100_000  # leaves remembered per escape (a bound on memory, not on correctness)
_MAX_VISITED = 1_000_000  # nodes one merged conversion may walk before a new record starts
_MAX_NODES = 64  # converted nodes remembered per escape (to tell a look at J's own nodes)


@dataclass
class Escape:
    """One place where a Value left the graph: what, through which call, and where."""

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
    leaves: list[Value] = field(repr=False, default_factory=list)  # the leaves under the node
    leaf_values: list[float] = field(repr=False, default_factory=list)  # their values then
    # (id, value, op) of the converted nodes (never dereferenced: no graph is kept alive).
    nodes: list[tuple[int, float, str]] = field(repr=False, default_factory=list)
    count: int = 1  # conversions merged into this one (np.array of many Values)
    # The learner's names for the first unlabelled leaves ('x' after x = Value(0.5)).
    own_names: dict[int, str] = field(repr=False, default_factory=dict)

    def where(self) -> str:
        """'line 3 of train (train.py)'."""
        return f"line {self.lineno} of {self.function} ({Path(self.filename).name})"

    def leaf_names(self) -> str:
        """'w' or 'w, b and 3 more', the leaves whose deltas miss this path."""
        names = [leaf.label or self.own_names.get(id(leaf), "") for leaf in self.leaves]
        names = [name for name in names if name]
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
        """The warning: the line, what left, why its gradient is missing, what to write.

        No number in it: the same line warns once, as Python's warnings do, even
        when the value differs every epoch.
        """
        call = self.call or self.source or "this line"
        return (
            f"line {self.lineno}: {call} turns the Value {self.node} into a "
            f"plain number, so the graph does not see what is done with it: no delta flows "
            f"back through it, and the gradient of {self.leaf_names()} misses this path. "
            f"{self.advice} To take the number out on purpose, write .value or .item(), or "
            "run the code under `with microgrid.escapes_allowed():`."
        )


# The last escapes, oldest first (appending to a deque is thread-safe).
_remembered: deque[Escape] = deque(maxlen=REMEMBERED)
# Set by gradcheck and check_backprop: they report the escapes themselves.
_collector: ContextVar[list[tuple[Escape, Value]] | None] = ContextVar(
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


def install() -> None:
    """Register `escaped` with the engine (once; `import microgrid` does it)."""
    if escaped not in escape_hooks:
        escape_hooks.append(escaped)


@contextmanager
def collect_escapes() -> Iterator[list[tuple[Escape, Value]]]:
    """Gather the escapes made inside the block, each with its node, without warning.

    For checkers that report escapes themselves (gradcheck, check_backprop).
    """
    found: list[tuple[Escape, Value]] = []
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


def recent_escapes() -> list[Escape]:
    """The remembered escapes, oldest first."""
    return list(_remembered)


def escapes_into(root: Value, graph: Collection[Value]) -> list[Escape]:
    """The remembered escapes that may have fed the graph under `root`.

    `graph` is every node under `root`. The rule: an escape counts when its node
    shared a leaf with this graph and every shared leaf still has the value it
    had at the escape (so it was made from the same parameters: a loss logged
    with float() before the last update does not count), and the Value converted
    is not itself a node of this graph (`float(J)`, or `math.isfinite(w)` for a
    leaf w, looks at the graph: the graph already has that number's path).
    Limits: an escape made after the graph was built, from the same leaves at
    the same values, counts too; and only the last `REMEMBERED` escapes are known.
    """
    by_id = {id(node): node for node in graph}
    found = []
    for escape in _remembered:
        if any(_same_node(by_id.get(key), value, op) for key, value, op in escape.nodes):
            continue  # a look at one of this graph's own nodes
        shared = [
            (leaf, value)
            for leaf, value in zip(escape.leaves, escape.leaf_values, strict=True)
            if id(leaf) in by_id and by_id[id(leaf)] is leaf
        ]
        if shared and all(leaf.value == value for leaf, value in shared):
            found.append(escape)
    return found


def _same_node(node: Value | None, value: float, op: str) -> bool:
    # ids are reused once a node is gone: the value and op must match too.
    return node is not None and node.value == value and str(node.op) == op


def escaped(node: Value, method: str) -> None:
    """`node` is being turned into a plain number by `method` ("float", "int", "item").

    The engine's hook: Node.__float__, __int__ and item call it. Under `no_grad()`
    or `escapes_allowed()`, and for a look (see the module's docstring), it does
    nothing; `.item()` only a checker inside `collect_escapes` sees.
    """
    if escapes_are_allowed() or not is_grad_enabled():
        return
    collector = _collector.get()
    if method == "item" and collector is None:  # the explicit way out: silent
        return  # (check_backprop still sees it, to find a cost that ends in .item())
    converter = _outside_microgrid(sys._getframe(1))  # the frame that asked for the number
    frame = _learner_frame(converter)
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
        if len(burst.escape.nodes) < _MAX_NODES:
            burst.escape.nodes.append((id(node), node.value, str(node.op)))
        if collector is not None and len(collector) < _MAX_COLLECTED:
            collector.append((burst.escape, node))
        return  # warned once, for the first Value
    if converter is not frame and _a_look_inside(converter):
        return
    call, formatting = _call_at(frame)
    if formatting or _PREDICATE.match(call):  # "%.2f" % v, math.isfinite(v): a look
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

_PACKAGE = str(Path(__file__).resolve().parents[1]) + "/"  # microgrid/
# Calls that only ask about the number: True or False, never a number that feeds a graph.
_PREDICATE = re.compile(r"\s*(math\.)?(isnan|isfinite|isinf|isclose)\s*\(")


@lru_cache(maxsize=512)
def _where_from(filename: str) -> str:
    """'learner', 'microgrid', 'numpy', 'stdlib' or 'package' (another installed one)."""
    if filename.startswith("<"):  # <stdin>, <doctest ...>, <string>: the learner's
        return "learner"
    try:
        path = str(Path(filename).resolve())
    except (OSError, ValueError):
        return "learner"
    for kind, folders in _folders():
        if path.startswith(folders):
            return kind
    return "learner"


@lru_cache(maxsize=1)
def _folders() -> tuple[tuple[str, tuple[str, ...]], ...]:
    paths = sysconfig.get_paths()
    numpy = sys.modules.get("numpy")
    numpy_folder = getattr(numpy, "__file__", None) if numpy is not None else None

    def folders(*names: str) -> tuple[str, ...]:
        return tuple(str(Path(paths[name]).resolve()) + "/" for name in names)

    found: list[tuple[str, tuple[str, ...]]] = [("microgrid", (_PACKAGE,))]
    if numpy_folder:  # first: NumPy sits inside site-packages
        found.append(("numpy", (str(Path(numpy_folder).resolve().parent) + "/",)))
    found.append(("package", folders("purelib", "platlib")))
    found.append(("stdlib", folders("stdlib", "platstdlib")))
    return tuple(found)


def _outside_microgrid(frame: FrameType | None) -> FrameType | None:
    while frame is not None and _where_from(frame.f_code.co_filename) == "microgrid":
        frame = frame.f_back
    return frame


def _learner_frame(frame: FrameType | None) -> FrameType | None:
    """The first frame outside microgrid, NumPy, the standard library and installed packages."""
    while frame is not None and _where_from(frame.f_code.co_filename) != "learner":
        frame = frame.f_back
    return frame


def _a_look_inside(converter: FrameType | None) -> bool:
    """A conversion made by a library for display: logging's "%f" % v, a plot, a progress bar."""
    if converter is None:
        return False
    kind = _where_from(converter.f_code.co_filename)
    return kind == "package" or (kind == "stdlib" and _formatting(converter))


_BINARY_OP = dis.opmap.get("BINARY_OP", -1)
_REMAINDER = (6, 19)  # BINARY_OP's argument for % and %= (str % args is formatting)


def _formatting(frame: FrameType) -> bool:
    """Whether `frame` is running `str % args` (a Value has no %, so a % converting it is)."""
    code, offset = frame.f_code.co_code, frame.f_lasti
    if not 0 <= offset < len(code) - 1:
        return False
    return code[offset] == _BINARY_OP and code[offset + 1] in _REMAINDER


def _call_at(frame: FrameType | None) -> tuple[str, bool]:
    """The expression being run at `frame`'s instruction, and whether it is `str % args`."""
    if frame is None:
        return "", False
    if _formatting(frame):
        return "", True
    code, offset = frame.f_code, frame.f_lasti
    positions = getattr(code, "co_positions", None)  # Python 3.11+
    if positions is None or offset < 0:
        return _decompiled(code, offset), False
    where = next(itertools.islice(positions(), offset // 2, None), None)
    lines = []
    if where is not None and None not in where:
        first, last = where[0], where[1]
        assert first is not None and last is not None
        lines = linecache.getlines(code.co_filename, frame.f_globals)[first - 1 : last]
    if not lines or where is None:  # no source (the plain REPL): read the instructions
        return _decompiled(code, offset), False
    _, _, start, end = where
    assert start is not None and end is not None
    if len(lines) == 1:
        text = lines[0].encode()[start:end].decode(errors="replace")
    else:
        pieces = [lines[0].encode()[start:].decode(errors="replace")]
        pieces += [line.strip() for line in lines[1:-1]]
        pieces.append(lines[-1].encode()[:end].decode(errors="replace").strip())
        text = " ".join(piece.strip() for piece in pieces)
    return " ".join(text.split()), False


_LOADS = {"LOAD_NAME", "LOAD_GLOBAL", "LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE"}
_IGNORED = {"RESUME", "PRECALL", "PUSH_NULL", "CACHE", "NOP", "EXTENDED_ARG", "COPY_FREE_VARS"}


def _decompiled(code: CodeType, offset: int) -> str:
    """The call at `offset` written back from the instructions: 'math.exp(2 * w)'.

    For code whose source Python did not keep (the plain REPL's <stdin>). Only
    loads, attributes, subscripts, arithmetic and calls are read; anything else
    gives "" (the message then names the node instead).
    """
    stack: list[str] = []
    keywords: tuple[str, ...] = ()
    for instruction in dis.get_instructions(code):
        if instruction.offset > offset:
            break
        name, argument = instruction.opname, instruction.argval
        try:
            if name in _LOADS:
                stack.append(str(argument))
            elif name == "LOAD_CONST":
                stack.append(repr(argument))
            elif name in ("LOAD_ATTR", "LOAD_METHOD"):
                stack.append(f"{stack.pop()}.{argument}")
            elif name == "BINARY_OP":
                right, left = stack.pop(), stack.pop()
                stack.append(f"{left} {instruction.argrepr} {right}")
            elif name == "UNARY_NEGATIVE":
                stack.append(f"-{stack.pop()}")
            elif name == "BINARY_SUBSCR":
                index, target = stack.pop(), stack.pop()
                stack.append(f"{target}[{index}]")
            elif name == "KW_NAMES":
                keywords = tuple(code.co_consts[instruction.arg or 0])
            elif name == "CALL":
                count = instruction.arg or 0
                arguments = [stack.pop() for _ in range(count)][::-1]
                for position, keyword in enumerate(keywords, start=count - len(keywords)):
                    arguments[position] = f"{keyword}={arguments[position]}"
                keywords = ()
                stack.append(f"{stack.pop()}({', '.join(arguments)})")
            elif name not in _IGNORED:
                stack.clear()  # a statement ended, or something this reader does not know
        except IndexError:
            return ""
        if instruction.offset == offset:
            return stack[-1] if stack and name == "CALL" else ""
    return ""


_CALLEE = re.compile(r"\s*([A-Za-z_][\w.]*)\s*\((.*)\)\s*$", re.DOTALL)
# math functions that a Value has as a method (math.fabs is abs).
_METHODS = {"exp": "exp", "log": "log", "tanh": "tanh", "sqrt": "sqrt", "fabs": "abs"}


def _advice(route: str, arguments: str, own_name: str) -> str:
    """What to write instead of the conversion, for the call that made it."""
    name = route.rsplit(".", 1)[-1]
    argument = _first_argument(arguments) if arguments else own_name or "x"
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
    if name in ("float", "int", "float64", "float32", "double", "item"):
        named = argument if arguments or own_name else "itself"
        return f"Use the Value {named} in the expression instead."
    return (
        f"{route}() needs plain numbers; keep the computation in Value ops "
        "(x.exp(), np.exp on an array of Values, microgrid.sum) instead."
    )


def _first_argument(arguments: str) -> str:
    """'Value(2.0, label="w")' of 'Value(2.0, label="w"), 3': the first, brackets kept whole."""
    depth = 0
    for position, character in enumerate(arguments):
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif character == "," and depth == 0:
            return arguments[:position].strip()
    return arguments.strip()


def _own_name(node: Value, frame: FrameType | None) -> str:
    """The learner's name for `node` in `frame` ('x' after x = Value(0.5)), or ""."""
    if frame is None:
        return ""
    for names in (frame.f_locals, frame.f_globals):
        for key, held in list(names.items()):
            if held is node and key.isidentifier() and not key.startswith("_"):
                return key
    return ""


def _node_written(node: Value, frame: FrameType | None) -> str:
    """The node's label or the learner's name for it, or its op with its inputs: '2 · w'."""
    own = node.label or _own_name(node, frame)
    if own:
        return own
    if not node.op:
        return f"Value({node.value:g})"
    parents = iter(node.parents)
    names = []
    for constant in node.constants or (None,) * len(node.parents):
        if constant is None:
            parent = next(parents)
            written = parent.label or _own_name(parent, frame)
            names.append(written or (f"Value({parent.value:g})" if not parent.op else "…"))
        else:
            names.append(f"{constant:g}")
    formula = getattr(node.op, "formula", None)
    if formula and len(names) < 10:
        return str(formula.format(*names))
    return f"{node.op}({', '.join(names[:4])}{', …' if len(names) > 4 else ''})"


def _recorded(node: Value, method: str, frame: FrameType | None, call: str) -> Escape:
    """A new escape, remembered (and the conversion it starts, for its other Values)."""
    match = _CALLEE.match(call)
    route, arguments = (match.group(1), match.group(2)) if match else ("", "")
    own_name = _own_name(node, frame)
    if not route:
        route = method
    if frame is not None:
        code = frame.f_code
        filename, lineno, function = code.co_filename, frame.f_lineno, code.co_name
        source = linecache.getline(filename, lineno, frame.f_globals).strip()
    else:
        filename, lineno, function, source = "<unknown>", 0, "<unknown>", ""
    escape = Escape(
        node=_node_written(node, frame),
        value=node.value,
        route=route,
        method=method,
        call=call,
        advice=_advice(route, arguments, own_name),
        filename=filename,
        lineno=lineno,
        function=function,
        source=source,
        nodes=[(id(node), node.value, str(node.op))],
    )
    fresh = _Burst(frame, frame.f_lasti, escape, set(), {}) if frame is not None else None
    _walk(fresh or _Burst(sys._getframe(), 0, escape, set(), {}), node)
    for leaf in escape.leaves[:4]:
        if not leaf.label and (own := _own_name(leaf, frame)):
            escape.own_names[id(leaf)] = own
    if method != "item":  # .item() is meant: gradcheck(J) does not count it
        _remembered.append(escape)
    _burst.set(fresh)
    return escape


def _walk(burst: _Burst, node: Value) -> bool:
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
