"""What `check_backprop` returns: per gradient a line, the wrong entries, and why.

``str(report)`` is plain text (a test's failure message, a terminal); in a
notebook the report shows as HTML with a small picture of each gradient,
one square per entry: green right, red wrong, grey not checked (``entries=``);
hovering a square shows the entry, yours and the true value. A big gradient
(W1 of a cat classifier is 7 × 12,288) is drawn in blocks, each red if any of
its entries is wrong. Everything shown is escaped: labels and messages are data.
The two forms live in one module because each needs the other's types.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from microgrid.verify.learner_backprop.learner import LearnerError

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

SHOWN_PER_GRADIENT = 8  # wrong entries listed in the text; the rest are in .wrong


@dataclass(frozen=True)
class WrongEntry:
    """One entry of a gradient that disagrees with backprop: yours, the true one, the course's."""

    label: str  # "dW1[2,1]"
    index: tuple[int, ...]
    yours: float
    true: float
    numeric: float | None  # the course's central difference, when computed

    @property
    def ratio(self) -> float:
        """yours / true: 3.0 for a missing 1/m with m = 3, -1.0 for a flipped sign."""
        if self.true == 0:
            return math.nan if self.yours == 0 else math.copysign(math.inf, self.yours)
        return self.yours / self.true


@dataclass
class GradientCheck:
    """One parameter's gradient: the learner's against backprop's, entry by entry."""

    name: str  # the parameter: "W1"
    key: str | None  # the learner's key: "dW1" (None when missing)
    shape: tuple[int, ...]
    their_shape: tuple[int, ...] | None
    layer: int | None
    checked: int  # entries compared
    true: Floats  # backprop's dJ/dW1, the parameter's shape; NaN where not checked
    yours: Floats | None  # the learner's, reshaped to the parameter's shape when comparable
    numeric: Floats | None  # the course's central differences (NaN where not computed)
    wrong_mask: Bools  # the parameter's shape
    status: str  # "ok", "kink", "WRONG", "shape", "missing", "unreadable"
    hints: list[str] = field(default_factory=list)
    problem: str = ""
    kink_mask: Bools | None = None  # entries that differ only because the cost sits on a kink

    @property
    def gradient_name(self) -> str:
        return self.key or "d" + self.name

    @property
    def ok(self) -> bool:
        """Every checked entry right (entries on a kink count as right)."""
        return self.status in ("ok", "kink")

    @property
    def kinks(self) -> int:
        return 0 if self.kink_mask is None else int(self.kink_mask.sum())

    @property
    def wrong(self) -> list[WrongEntry]:
        """Every wrong entry, in index order."""
        if self.yours is None:
            return []
        entries = []
        for flat in np.flatnonzero(self.wrong_mask.reshape(-1)).tolist():
            index = tuple(int(i) for i in np.unravel_index(flat, self.shape)) if self.shape else ()
            numeric = None if self.numeric is None else float(self.numeric.reshape(-1)[flat])
            label = self.gradient_name + (f"[{','.join(map(str, index))}]" if index else "")
            entries.append(
                WrongEntry(
                    label,
                    index,
                    float(self.yours.reshape(-1)[flat]),
                    float(self.true.reshape(-1)[flat]),
                    None if numeric is None or math.isnan(numeric) else numeric,
                )
            )
        return entries

    @property
    def wrong_count(self) -> int:
        return int(self.wrong_mask.sum())

    @property
    def max_error(self) -> float:
        """The largest |yours − true| over the checked entries (NaN when not comparable)."""
        if self.yours is None:
            return math.nan
        difference = np.abs(self.yours - self.true)
        checked = ~np.isnan(self.true)
        return float(difference[checked].max()) if checked.any() else math.nan

    def summary(self) -> str:
        if self.status == "missing":
            return f"{self.gradient_name}: missing from your gradients"
        if self.status in ("shape", "unreadable"):
            return f"{self.gradient_name}: {self.problem}"
        if self.status == "kink":
            return (
                f"{self.gradient_name}: right, except {self.kinks} entries where your cost sits "
                "on a kink (they agree with the course's central differences; see the note)"
            )
        if self.ok:
            return f"{self.gradient_name}: all {self.checked} entries checked are right"
        return f"{self.gradient_name}: {self.wrong_count} of {self.checked} entries wrong"


@dataclass
class BackpropReport:
    """The result of `check_backprop`: is the learner's backprop right, and if not, where.

    ``report.ok``; ``report["dW1"]`` (or ``report["W1"]``) is that gradient's
    `GradientCheck`; ``report.true_gradients`` are backprop's; ``report.look_first``
    is the layer to fix first; ``str(report)`` is the whole story as text.
    """

    gradients: list[GradientCheck]
    cost: float | None  # J, as the graph computed it
    error: LearnerError | None = None
    diagnosis: list[str] = field(default_factory=list)
    look_first: int | None = None
    notes: list[str] = field(default_factory=list)
    difference: float | None = None  # the course's ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)
    epsilon: float = 1e-7
    threshold: float = 2e-7
    rtol: float = 1e-5
    atol: float = 1e-8
    samples: int | None = None  # columns used, when data= was given
    samples_total: int | None = None
    unused_keys: list[str] = field(default_factory=list)
    seconds: float = 0.0  # CPU time the check took

    @property
    def ok(self) -> bool:
        """True when the cost ran and every checked entry of every gradient is right."""
        return self.error is None and bool(self.gradients) and all(g.ok for g in self.gradients)

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, name: str) -> GradientCheck:
        for gradient in self.gradients:
            if name in (gradient.name, gradient.gradient_name):
                return gradient
        raise KeyError(f"no gradient {name!r}; have {[g.gradient_name for g in self.gradients]}")

    @property
    def wrong(self) -> list[GradientCheck]:
        return [g for g in self.gradients if not g.ok]

    @property
    def true_gradients(self) -> dict[str, Floats]:
        """Backprop's gradients, keyed like the learner's (``dW1``); NaN where not checked."""
        return {g.gradient_name: g.true for g in self.gradients}

    def __repr__(self) -> str:
        wrong = ", ".join(g.gradient_name for g in self.wrong)
        state = "ok" if self.ok else ("error" if self.error else f"wrong: {wrong}")
        return f"BackpropReport({state}, {len(self.gradients)} gradients)"

    # -- text --------------------------------------------------------------

    def headline(self) -> str:
        if self.error is not None:
            return f"check_backprop: your {self.error.function} did not run"
        n = len(self.gradients)
        wrong = self.wrong
        if not wrong:
            return f"check_backprop: all {n} gradients are right"
        names = ", ".join(g.gradient_name for g in wrong)
        return f"check_backprop: {len(wrong)} of {n} gradients are wrong ({names})"

    def setting(self) -> str:
        """What was compared with what, in one line."""
        checked = sum(g.checked for g in self.gradients)
        total = sum(int(np.prod(g.shape)) for g in self.gradients)
        entries = (
            f"{checked:,} entries" if checked == total else f"{checked:,} of {total:,} entries"
        )
        on = ""
        if self.samples is not None and self.samples_total is not None:
            on = (
                f" on all {self.samples} samples"
                if self.samples == self.samples_total
                else f" on {self.samples} of {self.samples_total} samples"
            )
        cost = "" if self.cost is None else f"J = {_g(self.cost)}; "
        return f"{cost}{entries} compared with microgrid's backprop{on}"

    def course_line(self) -> str:
        """The course's one number, and its verdict."""
        if self.difference is None:
            return ""
        verdict = (
            "There is a mistake in the backward propagation!"
            if self.difference > self.threshold
            else "Your backward propagation works perfectly fine!"
        )
        return (
            f"the course's check (central differences, epsilon = {_g(self.epsilon)}): "
            f"difference = {_e(self.difference)}: {verdict}"
        )

    def course_note(self) -> str:
        """Why the course's line and microgrid's verdict disagree, when they do ("" if not)."""
        if self.difference is None or self.error is not None or not self.gradients:
            return ""
        course_says_wrong = self.difference > self.threshold
        if course_says_wrong and self.ok:
            return (
                f"the two verdicts differ: microgrid compared every entry with its own backprop "
                f"(exact up to rounding; rtol = {_g(self.rtol)}, atol = {_g(self.atol)}) and all "
                f"are right. The course's number compares with central differences, whose own "
                f"error (about epsilon² times the third derivative, plus the rounding of "
                f"J(θ ± epsilon)) is of the same size as its threshold {_g(self.threshold)}: "
                f"{_e(self.difference)} says more about the numeric estimate than your code"
            )
        if not course_says_wrong and not self.ok:
            return (
                f"the two verdicts differ: the course's one number is below its threshold "
                f"{_g(self.threshold)} because it measures the whole vector at once, and a few "
                f"wrong entries (or small ones) barely move it; microgrid checks each entry, "
                f"and the table shows which are wrong"
            )
        return ""

    def table(self) -> list[str]:
        header = ["gradient", "shape", "checked", "wrong", "max error", "status"]
        cells = [
            [
                g.gradient_name,
                shape_text(g.their_shape if g.their_shape is not None else g.shape),
                str(g.checked),
                str(g.wrong_count) if g.yours is not None else "-",
                _e(g.max_error),
                g.status,
            ]
            for g in self.gradients
        ]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
        lines = ["  ".join(_pad(h, w, i) for i, (h, w) in enumerate(zip(header, widths)))]  # noqa: B905
        for cell in cells:
            lines.append("  ".join(_pad(c, w, i) for i, (c, w) in enumerate(zip(cell, widths))))  # noqa: B905
        return [line.rstrip() for line in lines]

    def entry_lines(self, gradient: GradientCheck, limit: int = SHOWN_PER_GRADIENT) -> list[str]:
        wrong = gradient.wrong
        if not wrong:
            return []
        header = ["entry", "yours", "true", "numeric", "yours/true"]
        rows = [
            [
                e.label,
                _g(e.yours),
                _g(e.true),
                "-" if e.numeric is None else _g(e.numeric),
                _g(e.ratio, 4),
            ]
            for e in wrong[:limit]
        ]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = [
            "    " + "  ".join(_pad(c, w, i) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: B905
            for r in [header, *rows]
        ]
        if len(wrong) > limit:
            lines.append(
                f"    ... and {len(wrong) - limit} more (report[{gradient.gradient_name!r}].wrong)"
            )
        return [line.rstrip() for line in lines]

    def __str__(self) -> str:
        lines = [self.headline()]
        if self.error is not None:
            lines.extend(self.error.lines())
            lines.extend(f"note: {note}" for note in self.notes)
            return "\n".join(lines)
        lines.append(self.setting())
        if self.course_line():
            lines.append(self.course_line())
        if self.course_note():
            lines.append(self.course_note())
        lines.append("")
        lines.extend(self.table())
        if self.diagnosis:
            lines.append("")
            lines.extend(self.diagnosis)
        for gradient in self.gradients:
            if gradient.status == "ok":
                continue
            lines.append("")
            lines.append(gradient.summary())
            lines.extend(self.entry_lines(gradient))
            lines.extend(f"  hint: {hint}" for hint in gradient.hints)
        if self.notes:
            lines.append("")
            lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return report_html(self)


def _pad(text: str, width: int, column: int) -> str:
    return text.ljust(width) if column == 0 else text.rjust(width)


def shape_text(shape: tuple[int, ...]) -> str:
    if not shape:
        return "()"
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def _g(x: float, digits: int = 6) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def _e(x: float) -> str:
    if math.isnan(x):
        return "-"
    return f"{x:.2e}" if x else "0"


# ---------------------------------------------------------------------------
# The report as HTML for notebooks.
# ---------------------------------------------------------------------------

MAX_ROWS, MAX_COLUMNS = 24, 48  # squares drawn; bigger gradients are drawn in blocks
_CELL = 12  # pixels
_COLOURS = {
    "ok": "#2da44e",
    "wrong": "#cf222e",
    "kink": "#d4a72c",
    "unchecked": "#d0d7de",
    "shape": "#bf8700",
}
_STATUS_COLOURS = {"ok": "#1a7f37", "kink": "#9a6700", "WRONG": "#cf222e"}


def _grid_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    return shape[0], int(np.prod(shape[1:]))


def gradient_svg(check: GradientCheck) -> str:
    """An inline SVG of the gradient's entries: where the wrong ones are."""
    rows, columns = _grid_shape(check.shape)
    wrong = check.wrong_mask.reshape(rows, columns)
    checked = (~np.isnan(check.true)).reshape(rows, columns)
    kinks = (
        np.zeros((rows, columns), dtype=bool)
        if check.kink_mask is None
        else check.kink_mask.reshape(rows, columns)
    )
    row_step = math.ceil(rows / MAX_ROWS)
    column_step = math.ceil(columns / MAX_COLUMNS)
    shown_rows = math.ceil(rows / row_step)
    shown_columns = math.ceil(columns / column_step)
    width, height = shown_columns * _CELL, shown_rows * _CELL
    cells = []
    for i in range(shown_rows):
        for j in range(shown_columns):
            r0, c0 = i * row_step, j * column_step
            block = (slice(r0, r0 + row_step), slice(c0, c0 + column_step))
            n_wrong = int(wrong[block].sum())
            n_checked = int(checked[block].sum())
            if check.status in ("shape", "missing", "unreadable"):
                colour = _COLOURS["shape"]
            elif n_wrong:
                colour = _COLOURS["wrong"]
            elif kinks[block].any():
                colour = _COLOURS["kink"]
            elif n_checked:
                colour = _COLOURS["ok"]
            else:
                colour = _COLOURS["unchecked"]
            title = _cell_title(check, block, n_wrong, n_checked, row_step * column_step == 1)
            cells.append(
                f'<rect x="{j * _CELL}" y="{i * _CELL}" width="{_CELL - 1}" '
                f'height="{_CELL - 1}" fill="{colour}"><title>{html.escape(title)}</title></rect>'
            )
    label = html.escape(f"{check.gradient_name}: where the wrong entries are")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}">{"".join(cells)}</svg>'
    )


def _cell_title(
    check: GradientCheck,
    block: tuple[slice, slice],
    n_wrong: int,
    n_checked: int,
    single: bool,
) -> str:
    rows, columns = _grid_shape(check.shape)
    if not single:
        r, c = block
        r_end, c_end = min(r.stop, rows) - 1, min(c.stop, columns) - 1
        return (
            f"rows {r.start}–{r_end}, columns {c.start}–{c_end}: "
            f"{n_wrong} wrong of {n_checked} checked"
        )
    flat = block[0].start * columns + block[1].start
    index = np.unravel_index(flat, check.shape) if check.shape else ()
    label = check.gradient_name + (f"[{','.join(str(int(i)) for i in index)}]" if index else "")
    true = float(check.true.reshape(-1)[flat])
    if math.isnan(true):
        return f"{label}: not checked"
    yours = "" if check.yours is None else f"yours {check.yours.reshape(-1)[flat]:.6g}, "
    verdict = "WRONG" if n_wrong else "ok"
    return f"{label}: {yours}true {true:.6g}: {verdict}"


def report_html(report: BackpropReport) -> str:
    esc = html.escape
    parts = [f"<div><p><b>{esc(report.headline())}</b>"]
    if report.error is not None:
        lines = "<br>".join(esc(line) for line in report.error.lines())
        parts.append(f'<br><span style="color:#cf222e">{lines}</span></p>')
        parts.extend(f"<p>note: {esc(note)}</p>" for note in report.notes)
        return "".join(parts) + "</div>"
    parts.append(f"<br>{esc(report.setting())}")
    if report.course_line():
        parts.append(f"<br>{esc(report.course_line())}")
    if report.course_note():
        parts.append(f"<br>{esc(report.course_note())}")
    parts.append("</p>")
    head = "".join(
        f"<th>{h}</th>"
        for h in ("gradient", "shape", "checked", "wrong", "max error", "status", "where")
    )
    body = []
    for check in report.gradients:
        shape = check.their_shape if check.their_shape is not None else check.shape
        colour = _STATUS_COLOURS.get(check.status, "#9a6700")
        wrong = str(check.wrong_count) if check.yours is not None else "-"
        max_error = "-" if math.isnan(check.max_error) else f"{check.max_error:.2e}"
        body.append(
            f"<tr><td><code>{esc(check.gradient_name)}</code></td><td>{esc(str(shape))}</td>"
            f'<td style="text-align:right">{check.checked}</td>'
            f'<td style="text-align:right">{wrong}</td>'
            f'<td style="text-align:right">{max_error}</td>'
            f'<td style="color:{colour}"><b>{esc(check.status)}</b></td>'
            f"<td>{gradient_svg(check)}</td></tr>"
        )
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    if report.diagnosis:
        items = "".join(f"<li>{esc(line)}</li>" for line in report.diagnosis)
        parts.append(f"<ul>{items}</ul>")
    for check in report.gradients:
        if check.status == "ok":
            continue
        parts.append(f"<p><b>{esc(check.summary())}</b></p>")
        entries = report.entry_lines(check)
        if entries:
            parts.append("<pre>" + esc("\n".join(line[4:] for line in entries)) + "</pre>")
        if check.hints:
            parts.append(
                "<ul>" + "".join(f"<li>hint: {esc(h)}</li>" for h in check.hints) + "</ul>"
            )
    if report.notes:
        parts.append("<ul>" + "".join(f"<li>note: {esc(n)}</li>" for n in report.notes) + "</ul>")
    return "".join(parts) + "</div>"
