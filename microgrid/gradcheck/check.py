"""Each row of a check: its numeric derivative, then its verdict.

A row is "ok" when ``|analytic − numeric| ≤ atol + rtol·|numeric|``, "kink" when a
relu or abs switches within the step, and "FAIL" otherwise; a FAIL then runs the
node-by-node op check (diagnosis.py) to name the first wrong op.
"""

from __future__ import annotations

import math

from microgrid.gradcheck.diagnosis import (
    add_delta_notes,
    failure_hints,
    find_wrong_ops,
    kink_row,
    subgradient_check,
    switching_kink,
)
from microgrid.gradcheck.differences import Estimate, numeric_derivative, refine
from microgrid.gradcheck.formatting import fmt
from microgrid.gradcheck.problem import Problem
from microgrid.gradcheck.report import GradcheckReport, GradcheckRow
from microgrid.gradcheck.settings import Settings


def check_rows(problem: Problem, settings: Settings) -> GradcheckReport:
    """Estimate every row of `problem`, give each its verdict, and name a wrong op on a FAIL."""
    rows: list[GradcheckRow] = []
    for i, name in enumerate(problem.names):
        x, analytic = problem.x0[i], problem.analytic[i]

        def g(t: float, i: int = i) -> float:
            return problem.evaluate(i, t)

        estimate = numeric_derivative(g, x, problem.output, settings)
        switch = ""
        if estimate.rough:
            # relu or abs switching within ±h is a kink by definition, even if a
            # smaller step would find a clean slope on x's side of it.
            switch = switching_kink(problem, i, x, settings)
            estimate.kink = bool(switch)
        if estimate.kind == "central" and not estimate.kink:
            if not settings.close(analytic, estimate.numeric):
                refine(g, x, problem.output, estimate, settings)
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
    add_delta_notes(report, problem, settings)
    failing = [i for i, row in enumerate(rows) if row.status == "FAIL"]
    if failing:
        report.wrong_ops = find_wrong_ops(problem, failing, settings)
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
        kink_row(row, problem, i, settings, switch)
    elif not settings.close(analytic, numeric):
        switch = switching_kink(problem, i, x, settings)
        if switch:
            row.status, row.reason = "kink", switch
            subgradient_check(row, settings)
        else:
            allowed = settings.atol + settings.rtol * abs(numeric)
            row.status = "FAIL"
            row.reason = (
                f"beyond tolerance: |analytic − numeric| = {fmt(abs_error, 3)} > "
                f"atol + rtol·|numeric| = {fmt(allowed, 3)}"
            )
            row.hints = failure_hints(problem, i, row, estimate, settings)
    return row
