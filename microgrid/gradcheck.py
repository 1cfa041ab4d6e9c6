"""Finite-difference gradient checks that explain what failed, row by row.

Backprop gives every input's derivative at once; a finite difference gives one
derivative by nudging one input and watching the output:

    dJ/dx ≈ (J(x + h) − J(x − h)) / 2h

`gradcheck` compares the two for every input and returns a report, one row per
input. It works on a function of Values or on a graph you already built:

>>> from microgrid import Value
>>> report = gradcheck(lambda x, w: (x * w).sigmoid(), [0.5, 2.0])
>>> report.ok, [row.status for row in report.rows]
(True, ['ok', 'ok'])
>>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
>>> gradcheck(a * b + a).ok
True

Beyond a pass/fail table it marks kinks (relu and abs switching inside the
step, where no derivative exists), names the first op whose stored local
derivative disagrees with its own function, and hints at common mistakes
(a flipped sign, a factor of 2, deltas that were never zeroed).
docs/gradient-checking.md is the guide.
"""

from __future__ import annotations

import html
import inspect
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from microgrid import engine
from microgrid.engine import Primitive, Value, _set_local_derivatives, no_grad
from microgrid.explain import formula, node_names
from microgrid.graph import replay, topological_order

__all__ = [
    "KINK_OPS",
    "METHODS",
    "GradcheckError",
    "GradcheckReport",
    "GradcheckRow",
    "GradcheckSweep",
    "SweepRow",
    "WrongOp",
    "gradcheck",
]

METHODS = ("central", "forward", "richardson")

# Ops whose derivative jumps where their input crosses 0: when a nudge makes one
# of them switch sides, the row is a kink, and the report names the node.
KINK_OPS = frozenset({"relu", "abs"})

_EPSILON = 2.0**-52  # spacing of floats near 1: the scale of round-off error
_RICHARDSON_LEVELS = 5  # central differences at h, h/2, ..., h/16
_MAX_SHRINKS = 30  # tenfold smaller steps tried near a domain edge (log x at x = 1e-20)
_MAX_POSITIONS_CHECKED = 32  # per node, when naming the wrong op of a wide node


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``; carries the report.

    It is an `AssertionError`, so pytest shows the report table as the message.
    """

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


# ---------------------------------------------------------------------------
# The report.
# ---------------------------------------------------------------------------


@dataclass
class GradcheckRow:
    """One input: its analytic (backprop) and numeric (finite-difference) derivative."""

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str  # "ok", "FAIL" or "kink"
    reason: str = ""  # why it is FAIL or kink
    notes: list[str] = field(default_factory=list)  # how the numeric value was found
    hints: list[str] = field(default_factory=list)  # likely causes of a FAIL
    left: float | None = None  # one-sided slopes (J(x) − J(x−h))/h ...
    right: float | None = None  # ... and (J(x+h) − J(x))/h
    step: float = math.nan  # the step h used (Richardson: the widest of its steps)

    @property
    def ok(self) -> bool:
        """True unless the row FAILed (a kink is not a failure)."""
        return self.status != "FAIL"


@dataclass
class WrongOp:
    """A node whose stored local derivative disagrees with its own op, or is not finite."""

    node: Value
    description: str  # "t3 = bad_cube(x)"
    input_name: str  # "x"
    input_value: float
    stored: float
    numeric: float

    @property
    def finite(self) -> bool:
        """False when the stored derivative is inf or nan (where a non-finite row starts)."""
        return math.isfinite(self.stored)

    def __str__(self) -> str:
        if not self.finite:
            return (
                f"node {self.description}: ∂/∂{self.input_name} is {_g(self.stored)} "
                f"at {self.input_name} = {_g(self.input_value)}"
            )
        return (
            f"node {self.description}: ∂/∂{self.input_name} stored {_g(self.stored)}, "
            f"numeric {_g(self.numeric)}"
        )


@dataclass
class GradcheckReport:
    """The result of `gradcheck`: one row per input, and why any of them failed.

    ``str(report)`` is a fixed-width table; in a notebook it shows as HTML.
    ``bool(report)`` is ``report.ok``, so ``assert gradcheck(f, xs)`` works.
    """

    title: str
    output: float
    rows: list[GradcheckRow]
    method: str
    eps: float
    atol: float
    rtol: float
    source: str  # where the analytic column comes from
    notes: list[str] = field(default_factory=list)
    wrong_ops: list[WrongOp] = field(default_factory=list)
    ops_checked: bool = False  # True when the node-by-node check ran
    _problem: _Problem | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when no row FAILed."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> list[GradcheckRow]:
        """The rows with status FAIL."""
        return [row for row in self.rows if row.status == "FAIL"]

    @property
    def kinks(self) -> list[GradcheckRow]:
        """The rows with status kink."""
        return [row for row in self.rows if row.status == "kink"]

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, name: str) -> GradcheckRow:
        """The row of the input called `name`: ``report["x"].numeric``."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row named {name!r}; rows: {[row.name for row in self.rows]}")

    def __repr__(self) -> str:
        counts = f"{len(self.failures)} FAIL, {len(self.kinks)} kink"
        return f"GradcheckReport(ok={self.ok}, {len(self.rows)} rows: {counts})"

    def summary(self) -> str:
        """One line: how many rows passed, failed or sit on a kink."""
        n = len(self.rows)
        parts = [f"{n} input{'s' if n != 1 else ''}"]
        if self.failures:
            parts.append(f"{len(self.failures)} FAIL")
        if self.kinks:
            parts.append(f"{len(self.kinks)} kink (not a failure)")
        if not self.failures and not self.kinks:
            parts.append("all ok")
        return ": ".join(parts[:1]) + ": " + ", ".join(parts[1:])

    def settings(self) -> str:
        """The method, step and pass rule, in words."""
        method = {
            "central": "central differences",
            "forward": "forward differences",
            "richardson": "Richardson extrapolation",
        }[self.method]
        return (
            f"{method}, eps={_g(self.eps)}; a row passes when |analytic − numeric| ≤ "
            f"{_g(self.atol)} + {_g(self.rtol)}·|numeric| (atol + rtol·|numeric|)"
        )

    def __str__(self) -> str:
        header = ["input", "value", "analytic", "numeric", "abs error", "rel error", "status"]
        cells = [
            [
                _clip(row.name, 24),
                _g(row.value, 6),
                _g(row.analytic, 10),
                _g(row.numeric, 10),
                _e(row.abs_error),
                _e(row.rel_error),
                row.status,
            ]
            for row in self.rows
        ]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
        title = _printable(self.title)
        lines = [f"gradcheck of {title} = {_g(self.output)}", self.settings(), self.source]
        lines.append(
            "  ".join(_align(h, w, i) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
        )
        for cell in cells:
            lines.append(
                "  ".join(
                    _align(c, w, i) for i, (c, w) in enumerate(zip(cell, widths, strict=True))
                )
            )
        lines.append(self.summary())
        lines.extend(self._details())
        return "\n".join(line.rstrip() for line in lines)

    def _details(self) -> list[str]:
        """The text under the table: reasons, hints, notes, the wrong op."""
        lines: list[str] = []
        for row in self.rows:
            if row.status != "ok":
                lines.append(f"{row.name}: {row.status}: {row.reason}")
            elif row.notes:
                lines.append(f"{row.name}: ok")
            lines.extend(f"    note: {note}" for note in row.notes)
            lines.extend(f"    hint: {hint}" for hint in row.hints)
        lines.extend(f"note: {note}" for note in self.notes)
        if self.wrong_ops:
            more = len(self.wrong_ops) - 1
            first = self.wrong_ops[0]
            what = "first wrong op" if first.finite else "first non-finite local derivative"
            lines.append(f"{what}: {first}")
            if more:
                lines.append(
                    f"    (and {more} more node{'s' if more > 1 else ''}: report.wrong_ops)"
                )
        elif self.ops_checked:
            lines.append(
                "no op is wrong: every node's local derivatives match its own function "
                "(see the hints, and report.sweep() for the step size)"
            )
        return lines

    def _repr_html_(self) -> str:
        esc = html.escape
        colour = {"ok": "#1a7f37", "FAIL": "#cf222e", "kink": "#9a6700"}
        head = "".join(
            f"<th>{h}</th>"
            for h in ("input", "value", "analytic", "numeric", "abs error", "rel error", "status")
        )
        body = []
        for row in self.rows:
            numbers = (
                _g(row.value, 6),
                _g(row.analytic, 10),
                _g(row.numeric, 10),
                _e(row.abs_error),
                _e(row.rel_error),
            )
            tds = "".join(f'<td style="text-align:right">{esc(n)}</td>' for n in numbers)
            status = f'<td style="color:{colour[row.status]}"><b>{esc(row.status)}</b></td>'
            body.append(f"<tr><td><code>{esc(row.name)}</code></td>{tds}{status}</tr>")
        details = "".join(f"<li>{esc(line)}</li>" for line in self._details())
        return (
            f"<div><p><b>gradcheck of {esc(self.title)} = {esc(_g(self.output))}</b><br>"
            f"{esc(self.settings())}<br>{esc(self.source)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{esc(self.summary())}</p>" + (f"<ul>{details}</ul>" if details else "") + "</div>"
        )

    def sweep(self, steps: Sequence[float] | None = None) -> GradcheckSweep:
        """The error of central and forward differences for h from 1e-1 to 1e-10.

        Truncation error (∝ h² for central, ∝ h for forward differences) falls as
        h shrinks; round-off error (∝ ε·|J|/h) rises. The best h sits between:

        >>> from microgrid import Value
        >>> s = gradcheck(lambda x: x.exp(), [1.0]).sweep()
        >>> 1e-7 <= s.best_step("x") <= 1e-4
        True
        """
        if self._problem is None:
            raise ValueError("this report has no function to re-evaluate")
        chosen = [10.0**-k for k in range(1, 11)] if steps is None else list(steps)
        for h in chosen:
            if not _is_number(h) or not 0 < h < math.inf:
                raise ValueError(f"sweep: every step must be a positive number, got {h!r}")
        return _sweep(self, self._problem, chosen)


@dataclass
class SweepRow:
    """One input's finite-difference errors, step by step."""

    name: str
    value: float
    analytic: float
    steps: list[float]
    central_error: list[float]  # |central difference − analytic|; nan where undefined
    forward_error: list[float]  # |forward difference − analytic|

    @property
    def best_step(self) -> float:
        """The step with the smallest central-difference error."""
        finite = [
            (e, h) for e, h in zip(self.central_error, self.steps, strict=True) if math.isfinite(e)
        ]
        if not finite:
            raise ValueError(f"{self.name}: the central difference is undefined at every step")
        return min(finite)[1]


@dataclass
class GradcheckSweep:
    """Finite-difference error against step size, for each input of a report."""

    rows: list[SweepRow]

    def best_step(self, name: str) -> float:
        """The step with the smallest central-difference error for input `name`."""
        for row in self.rows:
            if row.name == name:
                return row.best_step
        raise KeyError(f"no row named {name!r}")

    def __str__(self) -> str:
        lines = ["Error |numeric − analytic| as the step h shrinks."]
        for row in self.rows:
            lines.append("")
            lines.append(f"{row.name} = {_g(row.value)}, analytic {_g(row.analytic, 10)}")
            lines.append(f"{'h':>8}  {'central':>9}  {'forward':>9}  central error, log scale")
            for h, c, f in zip(row.steps, row.central_error, row.forward_error, strict=True):
                lines.append(f"{h:>8.0e}  {_e(c):>9}  {_e(f):>9}  {_bar(c)}")
            try:
                lines.append(f"smallest central error at h = {row.best_step:.0e}")
            except ValueError as error:
                lines.append(str(error))
        lines.append("")
        lines.append(
            "Large h: truncation error (∝ h² central, ∝ h forward) dominates. Small h: "
            "round-off (∝ ε·|J|/h, ε ≈ 2e-16) dominates. eps = 1e-6 sits near the bottom."
        )
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"

    def plot(self, ax: Any = None) -> Any:
        """Log-log plot of the central-difference error against h (needs matplotlib)."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        for row in self.rows:
            ax.loglog(row.steps, row.central_error, marker="o", label=f"{row.name} (central)")
            ax.loglog(row.steps, row.forward_error, ls="--", label=f"{row.name} (forward)")
        ax.set_xlabel("step h")
        ax.set_ylabel("|numeric − analytic|")
        ax.invert_xaxis()
        ax.legend()
        return ax


# ---------------------------------------------------------------------------
# gradcheck itself.
# ---------------------------------------------------------------------------


def gradcheck(
    f_or_root: Callable[..., Value] | Value,
    inputs: Sequence[float | Value] | float | Value | None = None,
    *,
    wrt: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    method: str = "central",
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Compare backprop's derivatives with finite differences, one row per input.

    Two forms:

    - ``gradcheck(f, inputs)``: `f` takes Values positionally and returns a Value;
      `inputs` are numbers or Values (their labels name the rows). `f` is called
      again at every nudged point, so Python branches in `f` are honoured.
    - ``gradcheck(J)``: an already-built graph. Every leaf under `J` (or those in
      `wrt`) is nudged through `replay`; afterwards every value, local derivative
      and delta in the graph is exactly as before. If ``J.backward()`` already
      ran, the deltas on the graph are what gets checked.

    The step is ``h = eps·max(1, |x|)``. A row passes when
    ``|analytic − numeric| ≤ atol + rtol·|numeric|``. `method` is ``"central"``,
    ``"forward"`` or ``"richardson"`` (extrapolation over several steps, accurate
    to ~1e-10 on smooth functions). `wrt` picks the inputs to check: leaves of
    the graph, or names / positions of f's inputs.

    >>> report = gradcheck(lambda x: x * x * x, [2.0])
    >>> row = report.rows[0]
    >>> row.analytic, round(row.numeric, 6), row.status
    (12.0, 12.0, 'ok')
    """
    settings = _Settings.validated(eps, atol, rtol, method)
    if not isinstance(raise_on_failure, bool):
        raise TypeError(f"raise_on_failure must be True or False, got {raise_on_failure!r}")
    if isinstance(f_or_root, Value):
        problem = _graph_problem(f_or_root, inputs, wrt)
    elif callable(f_or_root):
        problem = _function_problem(f_or_root, inputs, wrt)
    else:
        raise TypeError(
            "gradcheck needs a function of Values (gradcheck(f, inputs)) or a built graph's "
            f"root Value (gradcheck(J)); got {type(f_or_root).__name__} {f_or_root!r}"
        )
    with problem.session():
        report = _check(problem, settings)
    if raise_on_failure and not report.ok:
        raise GradcheckError(report)
    return report


@dataclass(frozen=True)
class _Settings:
    eps: float
    atol: float
    rtol: float
    method: str

    @staticmethod
    def validated(eps: object, atol: object, rtol: object, method: object) -> _Settings:
        for name, x in (("eps", eps), ("atol", atol), ("rtol", rtol)):
            if not _is_number(x):
                raise TypeError(f"gradcheck: {name} must be a number, got {x!r}")
        assert isinstance(eps, (int, float)) and isinstance(atol, (int, float))
        assert isinstance(rtol, (int, float))
        if not 0 < eps < math.inf:
            raise ValueError(f"gradcheck: eps must be a positive step, got {eps!r}")
        if eps >= 1:
            raise ValueError(f"gradcheck: eps={eps!r} is not a small step; try 1e-6")
        if eps < _EPSILON:  # x + eps·max(1, |x|) would round back to x
            raise ValueError(
                f"gradcheck: eps={eps!r} is below float precision ({_EPSILON:.1e}): "
                "x + h would equal x; try 1e-6"
            )
        for name, x in (("atol", atol), ("rtol", rtol)):
            if not 0 <= x < math.inf:
                raise ValueError(f"gradcheck: {name} must be a number >= 0, got {x!r}")
        if method not in METHODS:
            raise ValueError(f"gradcheck: method must be one of {METHODS}, got {method!r}")
        assert isinstance(method, str)
        return _Settings(float(eps), float(atol), float(rtol), method)

    def close(self, analytic: float, numeric: float) -> bool:
        return abs(analytic - numeric) <= self.atol + self.rtol * abs(numeric)


# ---------------------------------------------------------------------------
# A problem: the inputs, the analytic derivatives, and a way to re-evaluate.
# ---------------------------------------------------------------------------


@dataclass
class _Problem:
    title: str  # "f(x, w)" or "J"
    names: list[str]  # one per row
    x0: list[float]  # the rows' input values
    analytic: list[float]
    fresh: list[float]  # what a fresh backward gives (differs from analytic only for
    # a graph whose deltas were already there)
    output: float
    source: str
    evaluate: Callable[[int, float], float]  # output with row i's input set to t
    session: Callable[[], AbstractContextManager[None]]
    graph: _Replayer  # the recorded graph: to name kinks and the wrong op
    function_form: bool
    root_delta: float = 0.0  # the root's delta before the check (graph form)
    stale: bool = False  # the graph's values did not match its leaves (graph form)
    notes: list[str] = field(default_factory=list)


class _Replayer:
    """Nudges one leaf of a recorded graph at a time through `replay`."""

    def __init__(self, root: Value, leaves: list[Value], x0: list[float]) -> None:
        self.root = root
        self.order = topological_order(root)
        self.leaves = leaves
        self.x0 = x0
        self.moved: int | None = None  # the row whose leaf is away from x0

    def at(self, row: int, t: float) -> float:
        changes = {self.leaves[row]: t}
        if self.moved is not None and self.moved != row:
            changes[self.leaves[self.moved]] = self.x0[self.moved]
        self.moved = row
        return replay(self.root, changes)

    def home(self) -> None:
        if self.moved is not None:
            moved, self.moved = self.moved, None
            replay(self.root, {self.leaves[moved]: self.x0[moved]})

    @contextmanager
    def preserved(self) -> Iterator[None]:
        """Restore every value and local derivative afterwards, exactly."""
        saved = [(node.value, node.local_derivatives) for node in self.order]
        try:
            yield
        finally:
            self.moved = None
            for node, (value, locals_) in zip(self.order, saved, strict=True):
                node.value = value
                _set_local_derivatives(node, locals_)


def _fresh_deltas(root: Value, order: list[Value], rows: list[Value]) -> list[float]:
    """dJ/d(row) from a clean backward pass; every delta is restored afterwards."""
    saved = [node.delta for node in order]
    try:
        for node in order:
            node.delta = 0.0
        root.backward()
        return [leaf.delta for leaf in rows]
    finally:
        for node, delta in zip(order, saved, strict=True):
            node.delta = delta


@contextmanager
def _recording() -> Iterator[None]:
    # gradcheck needs a recorded graph even when called inside no_grad().
    token = engine._recording.set(True)
    try:
        yield
    finally:
        engine._recording.reset(token)


def _function_problem(f: Callable[..., Value], inputs: Any, wrt: Any) -> _Problem:
    if inputs is None:
        raise TypeError(
            "gradcheck(f, inputs): the function form needs the input values, "
            "e.g. gradcheck(f, [0.5, 2.0])"
        )
    if isinstance(inputs, Value) or _is_number(inputs):
        inputs = [inputs]
    elif isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise TypeError(
            f"gradcheck: inputs must be a list of numbers or Values, got "
            f"{type(inputs).__name__} {inputs!r}"
        )
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck: inputs is empty; f needs at least one input to check")
    values: list[float] = []
    labels: list[str] = []
    for position, item in enumerate(inputs, start=1):
        if isinstance(item, Value):
            values.append(item.value)
            labels.append(item.label)
        elif _is_number(item):
            values.append(float(item))
            labels.append("")
        else:
            raise TypeError(
                f"gradcheck: input {position} is {type(item).__name__} {item!r}; "
                "expected a number or a Value (pass arrays element by element)"
            )
    fname = _function_name(f)
    parameters = _check_arity(f, fname, len(values))
    names = [
        label or (parameters[i] if i < len(parameters) else f"x{i + 1}")
        for i, label in enumerate(labels)
    ]
    rows = _select_inputs(wrt, names, inputs)

    with _recording():
        leaves = [Value(x, label=name) for x, name in zip(values, names, strict=True)]
        root = f(*leaves)
    if not isinstance(root, Value):
        extra = " (did it use .value, float() or math.*? use Value ops: x.exp())"
        raise TypeError(
            f"gradcheck: {fname} must return a Value, got {type(root).__name__} {root!r}"
            + (extra if _is_number(root) else "")
        )
    order = topological_order(root)
    analytic = _fresh_deltas(root, order, [leaves[i] for i in rows])
    # The shared names (explain, draw) where the graph has the input; an input
    # f ignores is not in the graph and keeps its own name.
    shared = node_names(root)
    names = _unique([shared.get(leaf, name) for leaf, name in zip(leaves, names, strict=True)])

    def evaluate(row: int, t: float) -> float:
        args = list(values)
        args[rows[row]] = t
        with no_grad():  # values only: faster, and f runs exactly as the user wrote it
            out = f(*(Value(a, label=n) for a, n in zip(args, names, strict=True)))
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: {fname} returned {type(out).__name__} {out!r}")
        return out.value

    return _Problem(
        title=f"{fname}({', '.join(names)})",
        names=[names[i] for i in rows],
        x0=[values[i] for i in rows],
        analytic=analytic,
        fresh=analytic,
        output=root.value,
        source="analytic: backward() through the graph that f records",
        evaluate=evaluate,
        session=nullcontext,
        graph=_Replayer(root, [leaves[i] for i in rows], [values[i] for i in rows]),
        function_form=True,
    )


def _function_name(f: Callable[..., Any]) -> str:
    if isinstance(f, Primitive):
        return str(f)
    name = getattr(f, "__name__", "")
    return name if name and name.isidentifier() else "f"


def _check_arity(f: Callable[..., Any], fname: str, count: int) -> list[str]:
    """The names of f's positional parameters; a TypeError if `count` inputs don't fit."""
    target = f.forward if isinstance(f, Primitive) else f
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # some builtins have no signature: let the call decide
        return []
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    try:
        signature.bind(*range(count))
    except TypeError:
        wanted = ", ".join(p.name for p in positional) or "no positional inputs"
        raise TypeError(
            f"gradcheck: {fname} takes {len(positional)} input(s) ({wanted}) but {count} were given"
        ) from None
    return [p.name for p in positional]


def _select_inputs(wrt: Any, names: list[str], inputs: list[Any]) -> list[int]:
    """Positions of the inputs to check: all, or those `wrt` names (str, int or Value)."""
    if wrt is None:
        return list(range(len(names)))
    items = [wrt] if isinstance(wrt, (str, int, Value)) else list(wrt)
    chosen: list[int] = []
    for item in items:
        if isinstance(item, bool):
            raise TypeError(f"gradcheck: wrt={item!r} is not an input name or position")
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"gradcheck: wrt names {item!r}, but f's inputs are {names}")
            index = names.index(item)
        elif isinstance(item, int):
            if not 0 <= item < len(names):
                raise ValueError(
                    f"gradcheck: wrt position {item} is out of range for {len(names)} inputs"
                )
            index = item
        elif isinstance(item, Value):
            matches = [i for i, x in enumerate(inputs) if x is item]
            if not matches:
                raise ValueError(f"gradcheck: wrt Value {item!r} is not one of the inputs")
            index = matches[0]
        else:
            raise TypeError(
                f"gradcheck: wrt items must be input names, positions or Values, got {item!r}"
            )
        if index not in chosen:
            chosen.append(index)
    if not chosen:
        raise ValueError("gradcheck: wrt is empty; nothing to check")
    return chosen


def _graph_problem(root: Value, inputs: Any, wrt: Any) -> _Problem:
    if inputs is not None:
        raise TypeError(
            "gradcheck(J): a built graph takes no inputs (its leaves are the inputs); "
            "choose leaves with wrt=[...]"
        )
    order = topological_order(root)
    names = node_names(root)
    all_leaves = [node for node in order if not node.parents]
    if wrt is None:
        rows = all_leaves
    else:
        items = [wrt] if isinstance(wrt, Value) else wrt
        if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
            raise TypeError(f"gradcheck: wrt must be a leaf Value or a list of them, got {wrt!r}")
        under_root = set(order)
        rows = []
        for item in items:
            if not isinstance(item, Value):
                raise TypeError(
                    f"gradcheck: wrt items must be leaf Values of the graph, got "
                    f"{type(item).__name__} {item!r}"
                )
            if item not in under_root:
                raise ValueError(
                    f"gradcheck: wrt {item!r} is not a node of the graph under {names[root]}"
                )
            if item.parents:
                raise ValueError(
                    f"gradcheck: wrt {names[item]!r} is computed by {str(item.op)!r}, not a "
                    "leaf; gradcheck nudges leaves (inputs and parameters)"
                )
            if item not in rows:
                rows.append(item)
        if not rows:
            raise ValueError("gradcheck: wrt is empty; nothing to check")
    x0 = [leaf.value for leaf in rows]
    root_name = names[root]
    replayer = _Replayer(root, rows, x0)
    problem = _Problem(
        title=root_name,
        names=_unique([names[leaf] for leaf in rows]),
        x0=x0,
        analytic=[],
        fresh=[],
        output=root.value,
        source="",
        evaluate=replayer.at,
        session=lambda: _graph_session(problem, replayer, all_leaves),
        graph=replayer,
        function_form=False,
        root_delta=root.delta,
    )
    return problem


@contextmanager
def _graph_session(
    problem: _Problem, replayer: _Replayer, all_leaves: list[Value]
) -> Iterator[None]:
    """Work on the user's graph; leave values, local derivatives and deltas as they were."""
    root = replayer.root
    stored_output = root.value
    with replayer.preserved():
        # Recompute everything once from the leaves: a graph whose leaves were
        # changed after the forward pass (w.value -= ...) is checked where its
        # leaves now are.
        output = replay(root, {leaf: leaf.value for leaf in all_leaves})
        for leaf, x in zip(replayer.leaves, problem.x0, strict=True):
            if leaf.value != x:  # the sweep of an old report: go back to its point
                output = replay(root, dict(zip(replayer.leaves, problem.x0, strict=True)))
                break
        problem.output = output
        if not problem.analytic:
            _graph_analytic(problem, replayer, stored_output)
        yield


def _graph_analytic(problem: _Problem, replayer: _Replayer, stored_output: float) -> None:
    root, rows = replayer.root, replayer.leaves
    name = problem.title
    problem.fresh = _fresh_deltas(root, replayer.order, rows)
    if problem.root_delta != 0.0:
        # backward() already ran: check the deltas the user has.
        problem.analytic = [leaf.delta for leaf in rows]
        problem.source = (
            f"analytic: the deltas already on the graph ({name}.backward() had run; "
            f"{name}.delta = {_g(problem.root_delta)})"
        )
    else:
        problem.analytic = list(problem.fresh)
        problem.source = "analytic: a fresh backward pass (the graph's deltas were restored)"
    if not _same(stored_output, problem.output):
        problem.stale = True
        problem.notes.append(
            f"the graph was stale: {name}.value was {_g(stored_output)} but its leaves give "
            f"{_g(problem.output)} (a leaf changed after the forward pass); checked at the "
            "leaves' current values, and the stale values were put back"
        )


# ---------------------------------------------------------------------------
# Numeric derivatives.
# ---------------------------------------------------------------------------


@dataclass
class _Estimate:
    numeric: float
    left: float | None = None
    right: float | None = None
    kink: bool = False
    failure: str = ""  # non-empty when no numeric derivative could be formed
    notes: list[str] = field(default_factory=list)
    noise: float = 0.0  # round-off uncertainty of `numeric`
    step: float = math.nan
    kind: str = "central"  # or "forward", "one-sided", "richardson"
    rough: bool = False  # not smooth within ±h, smooth closer in: see _kink_test
    central: float = math.nan  # the central difference, whatever the method


def _try(g: Callable[[float], float], t: float) -> tuple[float | None, str]:
    """g(t), or None and the reason when g is undefined there (a domain error)."""
    try:
        return g(t), ""
    except (ArithmeticError, ValueError) as error:
        return None, str(error) or type(error).__name__


def _estimate(g: Callable[[float], float], x: float, gx: float, settings: _Settings) -> _Estimate:
    """dg/dx at x by finite differences, with kink detection and fallbacks."""
    h = settings.eps * max(1.0, abs(x))
    gp, why_p = _try(g, x + h)
    gm, why_m = _try(g, x - h)
    if gp is None and gm is None:
        return _Estimate(
            math.nan,
            failure=f"the output is undefined at x ± h ({why_p}); try a smaller eps",
        )
    notes = []
    if gp is None or gm is None:
        # x is within h of the edge of the domain (log near 0, say): a smaller
        # step may fit inside it; if none does, use a one-sided difference.
        why, first_h = why_m or why_p, h
        side = 1.0 if gm is None else -1.0  # the side where the domain goes on
        for _ in range(_MAX_SHRINKS):
            h /= 10
            if h <= 4 * _EPSILON * abs(x):  # x ± h would round to x: x is on the edge
                break
            gp, _ = _try(g, x + h)
            gm, _ = _try(g, x - h)
            if gp is not None and gm is not None:
                break
        if gp is None or gm is None or h <= 4 * _EPSILON * abs(x):
            return _one_sided(g, x, gx, first_h, side, why)
        notes.append(
            f"step shrunk to h = {_g(h)}: the output is undefined at ±{_g(first_h)} ({why})"
        )
    hp, hm = (x + h) - x, x - (x - h)  # the steps floats actually took
    right, left = (gp - gx) / hp, (gx - gm) / hm
    noise = 2 * _EPSILON * max(abs(gp), abs(gm), abs(gx)) / h
    numeric = (gp - gm) / (hp + hm) if settings.method != "forward" else right
    estimate = _Estimate(numeric, left=left, right=right, noise=noise, notes=notes, step=h)
    estimate.central = (gp - gm) / (hp + hm)
    estimate.kind = settings.method if settings.method == "forward" else "central"
    if not all(map(math.isfinite, (gp, gm, gx))):
        return estimate
    shape = _kink_test(g, x, gx, h, (left, right, noise), settings)
    estimate.kink = shape == "kink"
    estimate.rough = shape == "rough"
    if notes and not estimate.kink:
        # Near a domain edge the function bends sharply (log x near 0): make
        # sure the central difference has settled at this step.
        _refine(g, x, gx, estimate, settings)
    if settings.method == "richardson" and shape == "smooth" and not notes:
        better = _richardson(g, x, gx, settings)
        if better is None:
            estimate.notes.append(
                "Richardson needs room: the output is not smooth or not defined over "
                "a wider step here, so this is a plain central difference"
            )
        else:
            estimate.numeric, estimate.step = better
            estimate.kind = "richardson"
            estimate.noise = noise * h / estimate.step
    return estimate


def _refine(
    g: Callable[[float], float], x: float, gx: float, estimate: _Estimate, settings: _Settings
) -> None:
    """Shrink the step while the central difference has not settled.

    Where the function bends sharply (log x at x = 1e-5), the h² error at the
    default step is large. A tenfold smaller step tells: if the estimate moves
    by more than the tolerance, the first one was not to be trusted.
    """
    first, h, d = estimate.step, estimate.step, estimate.numeric
    if not math.isfinite(d):
        return
    noise = estimate.noise
    for _ in range(4):
        small = h / 10
        gp, _ = _try(g, x + small)
        gm, _ = _try(g, x - small)
        width = (x + small) - (x - small)  # 0 when the step is lost in x's rounding
        if not width or gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            break
        d_small = (gp - gm) / width
        noise_small = 2 * _EPSILON * max(abs(gp), abs(gm), abs(gx)) / small
        tolerance = settings.atol + settings.rtol * abs(d_small)
        if noise_small > tolerance / 4:
            break  # round-off would swamp the smaller step
        settled = abs(d_small - d) <= tolerance / 4
        if settled and h == first:
            return  # the first estimate was already good: the analytic is what differs
        h, d, noise = small, d_small, noise_small
        if settled:
            break
    if h != first:
        estimate.notes.append(
            f"step refined to h = {_g(h)}: at h = {_g(first)} the difference quotient had "
            "not settled (the function bends sharply here)"
        )
        estimate.numeric, estimate.step, estimate.noise = d, h, noise


def _one_sided(
    g: Callable[[float], float], x: float, gx: float, h: float, side: float, why: str
) -> _Estimate:
    # A second-order one-sided difference, when one side is outside the domain:
    # (−3g(x) + 4g(x+h) − g(x+2h)) / 2h, mirrored for the left side.
    g1, _ = _try(g, x + side * h)
    g2, _ = _try(g, x + side * 2 * h)
    where = "x − h" if side > 0 else "x + h"
    if g1 is None or g2 is None:
        return _Estimate(math.nan, failure=f"the output is undefined at {where} ({why})")
    numeric = side * (-3 * gx + 4 * g1 - g2) / (2 * h)
    noise = 8 * _EPSILON * max(abs(gx), abs(g1), abs(g2)) / h
    note = f"one-sided difference: the output is undefined at {where} ({why})"
    return _Estimate(numeric, noise=noise, notes=[note], step=h, kind="one-sided")


def _smooth_at(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    slopes: tuple[float, float, float] | None,
    settings: _Settings,
) -> bool:
    """Do the one-sided slopes at steps h, h/2, h/4 behave like a smooth function's?

    For a smooth g, right − left ≈ h·g''(x): halving h halves the gap. At a kink
    the gap stays (relu at 0: slopes 0 and 1 at every h) or jumps about.
    `slopes` is (left, right, noise) at h when the caller has them already.
    """
    if slopes is None:
        gp, _ = _try(g, x + h)
        gm, _ = _try(g, x - h)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return False
        left, right = (gx - gm) / h, (gp - gx) / h
        noise = 2 * _EPSILON * max(abs(gp), abs(gm), abs(gx)) / h
    else:
        left, right, noise = slopes
    gap = right - left
    if abs(gap) <= max(settings.atol + settings.rtol * max(abs(left), abs(right)), 16 * noise):
        return True  # the slopes agree to within the check's own tolerance
    curvature = gap / h
    for k in (2, 4):
        step = h / k
        gp, _ = _try(g, x + step)
        gm, _ = _try(g, x - step)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return False
        c = ((gp - gx) - (gx - gm)) / (step * step)
        slack = 0.25 * abs(curvature) + 16 * noise * k * k / h
        if abs(c - curvature) > slack:
            return False
    return True


def _kink_test(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    slopes: tuple[float, float, float],
    settings: _Settings,
) -> str:
    """Classify g near x as "smooth", "kink", or "rough" (smooth only at a smaller step).

    "rough" is a function that bends sharply within ±h (log x just above
    x = h), or a kink near x but not at it (relu at x = 0.3h): smooth at x.
    """
    if _smooth_at(g, x, gx, h, slopes, settings):
        return "smooth"
    for smaller in (h / 10, h / 100):
        if _smooth_at(g, x, gx, smaller, None, settings):
            return "rough"
    return "kink"


def _richardson(
    g: Callable[[float], float], x: float, gx: float, settings: _Settings
) -> tuple[float, float] | None:
    """Richardson extrapolation of central differences: (value, first step) or None.

    D(h) = g' + c₂h² + c₄h⁴ + ...; combining D(h), D(h/2), ... cancels the h², h⁴
    terms one by one. It starts from a wide step (0.1·max(1, |x|)) so round-off
    stays small, and shrinks the start tenfold if g is not smooth or not defined
    that far out.
    """
    scale = max(1.0, abs(x))
    start = 0.1 * scale
    while start >= 100 * settings.eps * scale:
        table = _richardson_table(g, x, gx, start, settings)
        if table is not None:
            return table, start
        start /= 10
    return None


def _richardson_table(
    g: Callable[[float], float], x: float, gx: float, start: float, settings: _Settings
) -> float | None:
    steps = [start / 2**k for k in range(_RICHARDSON_LEVELS)]
    plus: list[float] = []
    minus: list[float] = []
    for h in steps:
        gp, _ = _try(g, x + h)
        gm, _ = _try(g, x - h)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return None
        plus.append(gp)
        minus.append(gm)
    # Smooth over the whole stencil? The second difference / h² must agree across steps.
    # (A kink inside the stencil makes the narrower curvatures grow like 1/h.)
    curvatures = [
        ((p - gx) - (gx - m)) / (h * h) for p, m, h in zip(plus, minus, steps, strict=True)
    ]
    central = [(p - m) / (2 * h) for p, m, h in zip(plus, minus, steps, strict=True)]
    noise = 2 * _EPSILON * max(map(abs, [*plus, *minus, gx]))
    for c, h in zip(curvatures, steps, strict=True):
        slack = 1e-3 * (abs(central[-1]) + abs(curvatures[-1]) * h) + 1e-9 + 64 * noise / h
        if abs(c - curvatures[-1]) * h > slack:
            return None
    # The Richardson table: row k starts with D(h/2^k); column j cancels h^(2j).
    rows = [[d] for d in central]
    for k in range(1, len(rows)):
        for j in range(1, k + 1):
            factor = 4.0**j
            rows[k].append((factor * rows[k][j - 1] - rows[k - 1][j - 1]) / (factor - 1))
    diagonal = [rows[k][k] for k in range(len(rows))]
    # Pick the diagonal entry that changed least from the one before: later
    # entries cancel more truncation error but amplify round-off.
    changes = [abs(diagonal[k] - diagonal[k - 1]) for k in range(1, len(diagonal))]
    best = min(range(len(changes)), key=changes.__getitem__)
    return float(diagonal[best + 1])


# ---------------------------------------------------------------------------
# Rows, hints and the wrong op.
# ---------------------------------------------------------------------------


def _check(problem: _Problem, settings: _Settings) -> GradcheckReport:
    rows: list[GradcheckRow] = []
    for i, name in enumerate(problem.names):
        x, analytic = problem.x0[i], problem.analytic[i]

        def g(t: float, i: int = i) -> float:
            return problem.evaluate(i, t)

        estimate = _estimate(g, x, problem.output, settings)
        switch = ""
        if estimate.rough:
            # relu or abs switching within ±h is a kink by definition, even if a
            # smaller step would find a clean slope on x's side of it.
            switch = _switching_kink(problem, i, x, settings)
            estimate.kink = bool(switch)
        if estimate.kind == "central" and not estimate.kink:
            if not settings.close(analytic, estimate.numeric):
                _refine(g, x, problem.output, estimate, settings)
        rows.append(_row(problem, i, name, x, analytic, estimate, settings, switch))
    problem.graph.home()
    report = GradcheckReport(
        title=problem.title,
        output=problem.output,
        rows=rows,
        method=settings.method,
        eps=settings.eps,
        atol=settings.atol,
        rtol=settings.rtol,
        source=problem.source,
        notes=list(problem.notes),
        _problem=problem,
    )
    _delta_notes(report, problem, settings)
    failing = [i for i, row in enumerate(rows) if row.status == "FAIL"]
    if failing:
        report.wrong_ops = _wrong_ops(problem, failing, settings)
        report.ops_checked = True
    return report


def _row(
    problem: _Problem,
    i: int,
    name: str,
    x: float,
    analytic: float,
    estimate: _Estimate,
    settings: _Settings,
    switch: str,
) -> GradcheckRow:
    numeric = estimate.numeric
    abs_error = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    rel_error = abs_error / scale if scale > 0 else 0.0 if abs_error == 0 else math.nan
    row = GradcheckRow(
        name, x, analytic, numeric, abs_error, rel_error, "ok", notes=list(estimate.notes)
    )
    row.left, row.right, row.step = estimate.left, estimate.right, estimate.step
    if estimate.failure:
        row.status, row.reason = "FAIL", f"no numeric derivative: {estimate.failure}"
    elif not math.isfinite(analytic):
        row.status, row.reason = "FAIL", f"non-finite analytic ({_g(analytic)})"
    elif not math.isfinite(numeric):
        row.status, row.reason = (
            "FAIL",
            f"non-finite numeric ({_g(numeric)}): the output is "
            + ("not finite near x" if not math.isfinite(problem.output) else "not finite at x ± h"),
        )
    elif estimate.kink:
        _kink_row(row, problem, i, settings, switch)
    elif not settings.close(analytic, numeric):
        switch = _switching_kink(problem, i, x, settings)
        if switch:
            row.status, row.reason = "kink", switch
            _subgradient_check(row, settings)
        else:
            allowed = settings.atol + settings.rtol * abs(numeric)
            row.status = "FAIL"
            row.reason = (
                f"beyond tolerance: |analytic − numeric| = {_g(abs_error, 3)} > "
                f"atol + rtol·|numeric| = {_g(allowed, 3)}"
            )
            row.hints = _hints(problem, i, row, estimate, settings)
    return row


def _kink_row(
    row: GradcheckRow, problem: _Problem, i: int, settings: _Settings, switch: str
) -> None:
    row.status = "kink"
    assert row.left is not None and row.right is not None  # a kink is found from both sides
    switch = switch or _switching_kink(problem, i, row.value, settings)
    slopes = f"one-sided slopes disagree: left {_g(row.left)}, right {_g(row.right)}"
    row.reason = f"{switch}; {slopes}" if switch else f"not differentiable here: {slopes}"
    _subgradient_check(row, settings)


def _subgradient_check(row: GradcheckRow, settings: _Settings) -> None:
    # At a kink any slope between the one-sided ones is defensible (relu'(0) = 0
    # is PyTorch's choice); one outside them is wrong whatever the convention.
    if row.left is None or row.right is None:
        return
    low, high = sorted((row.left, row.right))
    slack = settings.atol + settings.rtol * max(abs(low), abs(high))
    if low - slack <= row.analytic <= high + slack:
        return
    row.status = "FAIL"
    row.reason += (
        f"; the analytic {_g(row.analytic)} is not between the one-sided slopes, "
        "so it is wrong whichever side is meant"
    )


def _switching_kink(problem: _Problem, i: int, x: float, settings: _Settings) -> str:
    """Name a relu/abs node whose input crosses 0 while row i's input moves by ±h."""
    graph = problem.graph
    kinks = [node for node in graph.order if node.parents and node.op in KINK_OPS]
    if not kinks:
        return ""
    h = settings.eps * max(1.0, abs(x))
    names = node_names(graph.root)
    found = ""
    graph.home()
    with graph.preserved():
        signs: dict[Value, set[float]] = {node: set() for node in kinks}
        inputs: dict[Value, list[float]] = {node: [] for node in kinks}
        for t in (x - h, x, x + h):
            try:
                graph.at(i, t)
            except (ArithmeticError, ValueError):
                continue
            for node in kinks:
                u = node.parents[0].value
                signs[node].add(math.copysign(1.0, u) if u != 0 else 0.0)
                inputs[node].append(u)
        for node in kinks:
            if len(signs[node]) > 1 or 0.0 in signs[node]:
                low, high = min(inputs[node]), max(inputs[node])
                found = (
                    f"{node.op} at {names[node]} switches: its input goes from "
                    f"{_g(low, 3)} to {_g(high, 3)} within ±h of {problem.names[i]}"
                )
                break
    return found


def _hints(
    problem: _Problem, i: int, row: GradcheckRow, estimate: _Estimate, settings: _Settings
) -> list[str]:
    a, n, name = row.analytic, row.numeric, row.name
    hints: list[str] = []
    if row.abs_error <= 16 * estimate.noise:
        hints.append(
            f"round-off: at this step the numeric value is only good to about "
            f"{_g(estimate.noise, 2)} (the output is large next to eps); try a larger eps "
            "or method='richardson' (see report.sweep())"
        )
    if estimate.kind == "forward" and settings.close(a, estimate.central):
        hints.append(
            f"the central difference {_g(estimate.central)} agrees: forward differences are "
            "off by about h·J''/2, so try method='central'"
        )
        return hints
    if not problem.function_form and problem.root_delta not in (0.0, 1.0):
        k = problem.root_delta
        if settings.close(a, k * n):
            times = f"{int(k)} times" if float(k).is_integer() and k > 1 else f"with delta={_g(k)}"
            hints.append(
                f"analytic is {_g(k)}× numeric: backward() ran {times} without zero_grad() "
                "in between, so every delta is that multiple of dJ/dnode"
            )
            return hints
    if not problem.function_form and problem.analytic[i] != problem.fresh[i]:
        fresh = problem.fresh[i]
        if settings.close(fresh, n):
            why = (
                "was computed before the leaves changed (rebuild the graph, or replay it, "
                "and run backward() again)"
                if problem.stale
                else "accumulated from an earlier backward() (call zero_grad() before "
                "backward()), or it was set by hand"
            )
            hints.append(
                f"a fresh backward gives {_g(fresh)}, which matches: the delta on {name} {why}"
            )
            return hints
    if a == 0 and n != 0:
        if problem.function_form:
            hints.append(
                f"analytic is 0 but the output moves with {name}: its effect does not reach "
                "the output through recorded ops (was .value, float() or no_grad() used "
                "inside f?), or a local derivative on the way is 0"
            )
        else:
            hints.append(
                f"analytic is 0 but the output moves with {name}: a local derivative on the "
                "way is 0 (see the op check below)"
            )
        return hints
    for factor, words in (
        (-1.0, "sign flipped: analytic = −numeric (a lost minus sign?)"),
        (2.0, "analytic is 2× numeric (a factor 2 too many?)"),
        (0.5, "analytic is ½ of numeric (a factor 2 missing, e.g. d/dx x² written as x?)"),
        (-2.0, "analytic is −2× numeric (a flipped sign and a factor 2?)"),
        (-0.5, "analytic is −½ of numeric (a flipped sign and a missing factor 2?)"),
    ):
        if n != 0 and settings.close(a, factor * n):
            hints.append(words)
            break
    return hints


def _delta_notes(report: GradcheckReport, problem: _Problem, settings: _Settings) -> None:
    k = problem.root_delta
    if problem.function_form or k in (0.0, 1.0):
        return
    name = problem.title
    if float(k).is_integer() and k > 1:
        report.notes.append(
            f"{name}.delta is {_g(k)}, not 1: backward() ran {int(k)} times without "
            f"zero_grad(), so deltas accumulated; call {name}.zero_grad() before backward()"
        )
    else:
        report.notes.append(
            f"{name}.delta is {_g(k)}, not 1: the deltas are {_g(k)}× dJ/dnode "
            f"(backward(delta={_g(k)}), or {name} was not the node backward() started from)"
        )


def _wrong_ops(problem: _Problem, failing: list[int], settings: _Settings) -> list[WrongOp]:
    """Check each node's stored ∂node/∂input against a central difference of its op."""
    graph = problem.graph
    names = node_names(graph.root)
    central = _Settings(settings.eps, settings.atol, settings.rtol, "central")
    # Only nodes downstream of a failing input can explain it.
    affected = {graph.leaves[i] for i in failing}
    wrong: list[WrongOp] = []
    for node in graph.order:
        if not node.parents or not any(p in affected for p in node.parents):
            continue
        affected.add(node)
        op = node.op
        if not isinstance(op, Primitive):
            continue
        operands = node._operands()
        inputs = [o.value if isinstance(o, Value) else float(o) for o in operands]
        positions = [j for j, o in enumerate(operands) if isinstance(o, Value)]
        checked = 0
        for parent_index, j in enumerate(positions):
            parent = node.parents[parent_index]
            if parent not in affected or checked >= _MAX_POSITIONS_CHECKED:
                continue
            checked += 1
            stored = node.local_derivatives[parent_index]
            input_name = names[parent]
            if [p for p in node.parents if names[p] == input_name][1:]:
                input_name += f" (input {j + 1})"
            description = _describe(node, names)
            if not math.isfinite(stored):  # where an inf or nan delta comes from
                wrong.append(WrongOp(node, description, input_name, inputs[j], stored, math.nan))
                continue

            g = _op_slice(op, inputs, j)
            estimate = _estimate(g, inputs[j], node.value, central)
            if estimate.failure or estimate.kink or not math.isfinite(estimate.numeric):
                continue  # no trustworthy slope to compare with
            if not central.close(stored, estimate.numeric):
                _refine(g, inputs[j], node.value, estimate, central)
            if not central.close(stored, estimate.numeric):
                wrong.append(
                    WrongOp(node, description, input_name, inputs[j], stored, estimate.numeric)
                )
    return wrong


def _op_slice(op: Primitive, inputs: list[float], j: int) -> Callable[[float], float]:
    """The op's value as a function of its input j alone, the others held fixed."""

    def g(t: float) -> float:
        nudged = list(inputs)
        nudged[j] = t
        return float(op.forward(*nudged)[0])

    return g


# ---------------------------------------------------------------------------
# The sweep.
# ---------------------------------------------------------------------------


def _sweep(report: GradcheckReport, problem: _Problem, steps: list[float]) -> GradcheckSweep:
    rows: list[SweepRow] = []
    with problem.session():
        f0 = problem.output
        for i, row in enumerate(report.rows):
            scale = max(1.0, abs(row.value))
            central: list[float] = []
            forward: list[float] = []

            def g(t: float, i: int = i) -> float:
                return problem.evaluate(i, t)

            for step in steps:
                h = step * scale
                gp, _ = _try(g, row.value + h)
                gm, _ = _try(g, row.value - h)
                c = math.nan if gp is None or gm is None else (gp - gm) / (2 * h)
                fwd = math.nan if gp is None else (gp - f0) / h
                central.append(abs(c - row.analytic))
                forward.append(abs(fwd - row.analytic))
            rows.append(
                SweepRow(
                    row.name, row.value, row.analytic, [s * scale for s in steps], central, forward
                )
            )
        problem.graph.home()
    return GradcheckSweep(rows)


# ---------------------------------------------------------------------------
# Naming and formatting.
# ---------------------------------------------------------------------------


def _describe(node: Value, names: dict[Value, str]) -> str:
    """'t3 = bad_cube(x)': the node's name and its op written with its inputs."""
    return f"{names[node]} = {formula(node, names)}"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return result


def _is_number(x: object) -> bool:
    return engine._is_number(x) and not isinstance(x, bool)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _g(x: float, digits: int = 6) -> str:
    return f"{x:.{digits}g}"


def _e(x: float) -> str:
    return f"{x:.1e}" if math.isfinite(x) else f"{x}"


def _printable(text: str) -> str:
    """Control characters written as escapes: a label "a\nb" must not break the table."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _clip(text: str, width: int) -> str:
    text = _printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _align(text: str, width: int, column: int) -> str:
    # Names and status left-aligned, numbers right-aligned.
    return text.ljust(width) if column in (0, 6) else text.rjust(width)


def _bar(error: float) -> str:
    if not math.isfinite(error):
        return "(undefined)"
    if error == 0:
        return ""
    return "#" * max(1, round(17 + math.log10(error)))
