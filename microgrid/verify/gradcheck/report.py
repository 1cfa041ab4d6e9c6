"""What `gradcheck` returns: a report with one row per input, as a table or HTML.

>>> from microgrid import gradcheck
>>> report = gradcheck(lambda x: x * x, [3.0])
>>> report.ok, report["x"].analytic, report.summary()
(True, 6.0, '1 input: all ok')
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from microgrid.engine import Value
from microgrid.verify.escapes import Escape
from microgrid.verify.gradcheck.formatting import align, clip, fmt, fmt_error, printable
from microgrid.verify.gradcheck.problem import Problem
from microgrid.verify.gradcheck.settings import is_number
from microgrid.verify.gradcheck.sweep import GradcheckSweep, measure_sweep


@dataclass
class GradcheckRow:
    """One input: its analytic (backprop) and numeric (finite-difference) derivative."""

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    status: str  # "ok", "FAIL", "kink", "undecided" or "escaped"
    reason: str = ""  # why it is FAIL, kink, undecided or escaped
    notes: list[str] = field(default_factory=list)  # how the numeric value was found
    hints: list[str] = field(default_factory=list)  # likely causes of a FAIL
    left: float | None = None  # one-sided slopes (J(x) − J(x−h))/h ...
    right: float | None = None  # ... and (J(x+h) − J(x))/h
    step: float = math.nan  # the step h used (Richardson: the widest of its steps)

    @property
    def ok(self) -> bool:
        """True unless the row FAILed or escaped (a kink or an undecided row is not a failure).

        "escaped": the numbers agree, but a Value computed from this input left the
        recorded graph, so the check cannot vouch for the gradient.
        """
        return self.status not in ("FAIL", "escaped")


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
                f"node {self.description}: ∂/∂{self.input_name} is {fmt(self.stored)} "
                f"at {self.input_name} = {fmt(self.input_value)}"
            )
        return (
            f"node {self.description}: ∂/∂{self.input_name} stored {fmt(self.stored)}, "
            f"numeric {fmt(self.numeric)}"
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
    undecided_ops: list[str] = field(default_factory=list)  # nodes the op check could not judge
    # Values that left the graph while it was recorded: a dependency backprop cannot see.
    escapes: list[Escape] = field(default_factory=list)
    _problem: Problem | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when no row FAILed or escaped."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> list[GradcheckRow]:
        """The rows with status FAIL."""
        return [row for row in self.rows if row.status == "FAIL"]

    @property
    def kinks(self) -> list[GradcheckRow]:
        """The rows with status kink."""
        return [row for row in self.rows if row.status == "kink"]

    @property
    def undecided(self) -> list[GradcheckRow]:
        """The rows no finite difference could judge (round-off, or a bend too sharp)."""
        return [row for row in self.rows if row.status == "undecided"]

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
        if self.undecided:
            counts += f", {len(self.undecided)} undecided"
        return f"GradcheckReport(ok={self.ok}, {len(self.rows)} rows: {counts})"

    def summary(self) -> str:
        """One line: how many rows passed, failed, sit on a kink or could not be judged."""
        n = len(self.rows)
        parts = [f"{n} input{'s' if n != 1 else ''}"]
        if self.failures:
            parts.append(f"{len(self.failures)} FAIL")
        if self.kinks:
            parts.append(f"{len(self.kinks)} kink (not a failure)")
        if self.undecided:
            parts.append(f"{len(self.undecided)} undecided (cannot tell; not a failure)")
        escaped = sum(row.status == "escaped" for row in self.rows)
        if escaped:
            parts.append(f"{escaped} escaped (a Value computed from it left the graph; not ok)")
        if not self.failures and not self.kinks and not self.undecided and not escaped:
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
            f"{method}, eps={fmt(self.eps)}; a row passes when |analytic − numeric| ≤ "
            f"{fmt(self.atol)} + {fmt(self.rtol)}·|numeric| (atol + rtol·|numeric|)"
        )

    def __str__(self) -> str:
        header = ["input", "value", "analytic", "numeric", "abs error", "rel error", "status"]
        cells = [
            [
                clip(row.name, 24),
                fmt(row.value, 6),
                fmt(row.analytic, 10),
                fmt(row.numeric, 10),
                fmt_error(row.abs_error),
                fmt_error(row.rel_error),
                row.status,
            ]
            for row in self.rows
        ]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
        title = printable(self.title)
        lines = [f"gradcheck of {title} = {fmt(self.output)}", self.settings(), self.source]
        lines.append(
            "  ".join(align(h, w, i) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
        )
        for cell in cells:
            lines.append(
                "  ".join(align(c, w, i) for i, (c, w) in enumerate(zip(cell, widths, strict=True)))
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
        lines.extend(escape_lines(self.escapes, self.source))
        if self.wrong_ops:
            more = len(self.wrong_ops) - 1
            first = self.wrong_ops[0]
            what = "first wrong op" if first.finite else "first non-finite local derivative"
            lines.append(f"{what}: {first}")
            if more:
                lines.append(
                    f"    (and {more} more node{'s' if more > 1 else ''}: report.wrong_ops)"
                )
        elif self.escapes:
            pass  # said above: the graph itself is incomplete, whatever its ops
        elif self.ops_checked and not self.undecided_ops:
            lines.append(
                "no op is wrong: every node's local derivatives match its own function "
                "(see the hints, and report.sweep() for the step size)"
            )
        elif self.ops_checked:
            lines.append(
                "no op is shown wrong, but the op check could not judge "
                + "; ".join(self.undecided_ops[:3])
                + (
                    f" (and {len(self.undecided_ops) - 3} more)"
                    if len(self.undecided_ops) > 3
                    else ""
                )
            )
        return lines

    def _repr_html_(self) -> str:
        esc = html.escape
        colour = {
            "ok": "#1a7f37",
            "FAIL": "#cf222e",
            "kink": "#9a6700",
            "undecided": "#57606a",
            "escaped": "#9a6700",
        }
        head = "".join(
            f"<th>{h}</th>"
            for h in ("input", "value", "analytic", "numeric", "abs error", "rel error", "status")
        )
        body = []
        for row in self.rows:
            numbers = (
                fmt(row.value, 6),
                fmt(row.analytic, 10),
                fmt(row.numeric, 10),
                fmt_error(row.abs_error),
                fmt_error(row.rel_error),
            )
            tds = "".join(f'<td style="text-align:right">{esc(n)}</td>' for n in numbers)
            status = f'<td style="color:{colour[row.status]}"><b>{esc(row.status)}</b></td>'
            body.append(f"<tr><td><code>{esc(row.name)}</code></td>{tds}{status}</tr>")
        details = "".join(f"<li>{esc(line)}</li>" for line in self._details())
        return (
            f"<div><p><b>gradcheck of {esc(self.title)} = {esc(fmt(self.output))}</b><br>"
            f"{esc(self.settings())}<br>{esc(self.source)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{esc(self.summary())}</p>" + (f"<ul>{details}</ul>" if details else "") + "</div>"
        )

    def sweep(self, steps: Sequence[float] | None = None) -> GradcheckSweep:
        """The error of central and forward differences for h from 1e-1 to 1e-10.

        Truncation error (∝ h² for central, ∝ h for forward differences) falls as
        h shrinks; round-off error (∝ ε·|J|/h) rises. The best h sits between:

        >>> from microgrid import gradcheck
        >>> s = gradcheck(lambda x: x.exp(), [1.0]).sweep()
        >>> 1e-7 <= s.best_step("x") <= 1e-4
        True
        """
        if self._problem is None:
            raise ValueError("this report has no function to re-evaluate")
        chosen = [10.0**-k for k in range(1, 11)] if steps is None else list(steps)
        for h in chosen:
            if not is_number(h) or not 0 < h < math.inf:
                raise ValueError(f"sweep: every step must be a positive number, got {h!r}")
        return measure_sweep(self._problem, chosen)


def escape_lines(escapes: Sequence[Escape], source: str) -> list[str]:
    """What left the graph, where, and what to write instead."""
    if not escapes:
        return []
    replayed = (
        ""
        if source.startswith("analytic: backward() through the graph that f")
        else (" (the numeric column replays the recorded graph, so it would miss the path too)")
    )
    verdict = "is" if not replayed else "may be"
    lines = [
        f"the graph {verdict} missing a dependency: backprop sees only recorded ops, and a "
        f"Value left the graph while it was recorded{replayed}:"
    ]
    for escape in escapes[:3]:
        lines.append(f"    {escape.short()}")
        lines.append(f"    fix: {escape.advice}")
    if len(escapes) > 3:
        lines.append(f"    (and {len(escapes) - 3} more: report.escapes)")
    return lines
