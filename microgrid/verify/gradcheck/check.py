"""Each row of a check: its numeric derivative, then its verdict.

A row is "ok" when ``|analytic − numeric| ≤ atol + rtol·|numeric|``, "kink" when a
relu or abs switches within the step, "undecided" when no step gives a numeric
value good enough to judge by (round-off swamps it, or it never settles), and
"FAIL" otherwise; a FAIL then runs the node-by-node op check (diagnosis.py) to
name the first wrong op. Only a FAIL makes ``report.ok`` False.
"""

from __future__ import annotations

import math

from microgrid.show.notation import node_names
from microgrid.verify.gradcheck.diagnosis import (
    add_delta_notes,
    escaped_rows,
    failure_hints,
    find_wrong_ops,
    kink_row,
    subgradient_check,
    switching_kink,
)
from microgrid.verify.gradcheck.differences import (
    Estimate,
    near_estimate,
    numeric_derivative,
    settle,
)
from microgrid.verify.gradcheck.formatting import describe, fmt
from microgrid.verify.gradcheck.problem import Problem
from microgrid.verify.gradcheck.report import GradcheckReport, GradcheckRow
from microgrid.verify.gradcheck.richardson import improve_by_richardson
from microgrid.verify.gradcheck.settings import EPSILON, Settings


def check_rows(problem: Problem, settings: Settings) -> GradcheckReport:
    """Estimate every row of `problem`, give each its verdict, and name a wrong op on a FAIL."""
    rows: list[GradcheckRow] = []
    for i, name in enumerate(problem.names):
        x, analytic = problem.x0[i], problem.analytic[i]

        def g(t: float, i: int = i) -> float:
            return problem.evaluate(i, t)

        roundoff = problem.roundoff[i][0] if problem.roundoff else 0.0
        estimate = numeric_derivative(g, x, problem.output, settings, roundoff)
        if settings.method == "richardson":
            improve_by_richardson(g, x, problem.output, estimate, settings)
        switch = ""
        near = None
        if estimate.rough:
            # relu or abs switching within ±h is a kink by definition, even if a
            # smaller step would find a clean slope on x's side of it.
            switch = switching_kink(problem, i, x, settings)
            estimate.kink = bool(switch)
            near = near_estimate(g, x, problem.output, estimate, settings) if switch else None
        if estimate.kind == "central" and not estimate.kink:
            if not settings.close(analytic, estimate.numeric):
                settle(g, x, problem.output, estimate, settings)
        rows.append(_row(problem, i, name, x, analytic, estimate, settings, switch, near))
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
    add_delta_notes(report, problem, settings)
    escaped_rows(report, problem)
    failing = [i for i, row in enumerate(rows) if row.status == "FAIL"]
    if failing:
        report.wrong_ops, report.undecided_ops = find_wrong_ops(problem, failing, settings)
        report.ops_checked = True
    return report


def _row(
    problem: Problem,
    i: int,
    name: str,
    x: float,
    analytic: float,
    estimate: Estimate,
    settings: Settings,
    switch: str,
    near: Estimate | None = None,
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
        row.status, row.reason = "FAIL", f"non-finite analytic ({fmt(analytic)})"
    elif not math.isfinite(numeric):
        row.status, row.reason = (
            "FAIL",
            f"non-finite numeric ({fmt(numeric)}): the output is "
            + ("not finite near x" if not math.isfinite(problem.output) else "not finite at x ± h"),
        )
    elif estimate.kink:
        kink_row(row, problem, i, settings, switch, estimate.slope_noise, near)
    elif not settings.close(analytic, numeric):
        switch = switching_kink(problem, i, x, settings)
        wide_switch = "" if switch else switching_kink(problem, i, x, settings, estimate.step)
        allowed = settings.atol + settings.rtol * abs(numeric)
        # With atol = rtol = 0 nothing can settle "to within the tolerance": every
        # difference counts, as asked, and only round-off leaves a row undecided.
        has_tolerance = settings.atol + settings.rtol > 0
        unsettled = estimate.kind in ("central", "one-sided") and not estimate.settled
        if switch:
            row.status, row.reason = "kink", switch
            subgradient_check(row, settings, estimate.slope_noise)
        elif wide_switch:  # only the step widened for round-off crosses it: no verdict
            row.status, row.reason = "kink", wide_switch
        elif (unsettled and has_tolerance) or abs_error <= allowed + 2 * estimate.noise:
            _undecided(row, problem, i, estimate, settings)
        else:
            row.status = "FAIL"
            row.reason = (
                f"beyond tolerance: |analytic − numeric| = {fmt(abs_error, 3)} > "
                f"atol + rtol·|numeric| = {fmt(allowed, 3)}"
            )
            row.hints = failure_hints(problem, i, row, estimate, settings)
    return row


def _undecided(
    row: GradcheckRow, problem: Problem, i: int, estimate: Estimate, settings: Settings
) -> None:
    """No step gives a numeric value to judge by: say why, instead of failing."""
    row.status = "undecided"
    allowed = settings.atol + settings.rtol * abs(row.numeric)
    if row.abs_error <= allowed + 2 * estimate.noise:
        row.reason = (
            f"cannot tell: |analytic − numeric| = {fmt(row.abs_error, 3)} is beyond tolerance "
            f"({fmt(allowed, 3)}) but within the numeric value's round-off "
            f"(±{fmt(estimate.noise, 2)} at h = {fmt(estimate.step)})"
        )
        doubt = "round-off"
    else:
        doubt = estimate.doubt or "the numeric value could not be confirmed with another step"
        row.reason = f"cannot tell: {doubt}"
    size, node = problem.roundoff[i] if problem.roundoff else (0.0, None)
    if node is not None and "round-off" in doubt:
        names = node_names(problem.graph.root)
        row.notes.append(
            f"the round-off comes mostly from {describe(node, names)} = {fmt(node.value, 3)}: "
            f"each evaluation of the output is off by up to ~{fmt(size, 2)}"
        )
    if estimate.kind == "forward":
        row.hints.append("try method='central': its error is h² rather than h")
    elif doubt != "round-off" and "round-off" not in doubt:
        row.hints.append(
            "the output bends too sharply here for floats: check at an input a little "
            "further from the edge"
        )
    elif node is not None and size > 4 * EPSILON * abs(problem.output):
        row.hints.append(
            "the analytic value may well be right: the output cancels intermediate values "
            "far larger than itself; check at inputs where it does not, or rewrite the function so "
            "that it does not cancel them"
        )
    else:
        row.hints.append(
            "the tolerance is tighter than differences of this output can resolve: try "
            "method='richardson', or a larger rtol"
        )
