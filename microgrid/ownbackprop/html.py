"""The report as HTML for notebooks, with a picture of each gradient: one square per entry.

Green squares are right, red ones wrong, grey ones not checked (``entries=``);
hovering a square shows the entry, yours and the true value. A big gradient
(W1 of a cat classifier is 7 × 12,288) is drawn in blocks, each red if any of
its entries is wrong. Everything shown is escaped: labels and messages are data.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from microgrid.ownbackprop.report import BackpropReport, GradientCheck

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
