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
step, where no derivative exists), says "undecided" where no finite
difference is good enough to judge by (round-off from large values inside
the graph), names the first op whose stored local derivative disagrees with
its own function, and hints at common mistakes (a flipped sign, a factor of 2,
deltas that were never zeroed).
docs/gradient-checking.md is the guide.

The package, read in this order:

- this file: `gradcheck` itself and `GradcheckError`;
- ``check.py``: each row's numeric derivative and verdict;
- ``problem.py``: the two forms (a function, a built graph) as one problem;
- ``differences.py``: the finite-difference numerics: steps, domain edges, settling;
- ``roundoff.py``: how much round-off each row's differences carry;
- ``richardson.py``: Richardson extrapolation (``method="richardson"``);
- ``diagnosis.py``: kinks, the wrong op, hints for familiar mistakes;
- ``report.py``, ``sweep.py``, ``formatting.py``: what you get back, and how it prints;
- ``settings.py``: eps, atol, rtol and method, checked once;
- ``gradgrad.py``: `gradgradcheck`, second derivatives (backward(create_graph=True)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from microgrid.engine import Value
from microgrid.verify.gradcheck.check import check_rows
from microgrid.verify.gradcheck.diagnosis import KINK_OPS
from microgrid.verify.gradcheck.gradgrad import (
    GradgradcheckError,
    GradgradcheckReport,
    first_derivative,
    input_names,
)
from microgrid.verify.gradcheck.problem import function_problem, graph_problem
from microgrid.verify.gradcheck.report import GradcheckReport, GradcheckRow, WrongOp
from microgrid.verify.gradcheck.settings import METHODS, Settings
from microgrid.verify.gradcheck.sweep import GradcheckSweep, SweepRow

__all__ = [
    "KINK_OPS",
    "METHODS",
    "GradcheckError",
    "GradcheckReport",
    "GradcheckRow",
    "GradcheckSweep",
    "GradgradcheckError",
    "GradgradcheckReport",
    "SweepRow",
    "WrongOp",
    "gradcheck",
    "gradgradcheck",
]


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``; carries the report.

    It is an `AssertionError`, so pytest shows the report table as the message.
    """

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


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
    settings = Settings.validated(eps, atol, rtol, method)
    if not isinstance(raise_on_failure, bool):
        raise TypeError(f"raise_on_failure must be True or False, got {raise_on_failure!r}")
    if isinstance(f_or_root, Value):
        problem = graph_problem(f_or_root, inputs, wrt)
    elif callable(f_or_root):
        problem = function_problem(f_or_root, inputs, wrt)
    else:
        raise TypeError(
            "gradcheck needs a function of Values (gradcheck(f, inputs)) or a built graph's "
            f"root Value (gradcheck(J)); got {type(f_or_root).__name__} {f_or_root!r}"
        )
    with problem.session():
        report = check_rows(problem, settings)
    if raise_on_failure and not report.ok:
        raise GradcheckError(report)
    return report


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    method: str = "central",
    raise_on_failure: bool = False,
) -> GradgradcheckReport:
    """Check second derivatives: each dJ/dxi, recorded by ``create_graph=True``, is gradchecked.

    For every input xi, ``gradcheck`` compares the derivatives of dJ/dxi (the
    recorded backward pass, differentiated again) with finite differences of
    dJ/dxi. The settings are gradcheck's. Function form only: `f` is called again
    at every nudged point.

    >>> report = gradgradcheck(lambda x: x * x * x, [2.0])
    >>> row = report.reports[0].rows[0]
    >>> row.name, row.analytic, round(row.numeric, 6), report.ok
    ('x', 12.0, 12.0, True)
    """
    if not callable(f) or isinstance(f, Value):
        raise TypeError(
            f"gradgradcheck needs a function of Values (gradgradcheck(f, inputs)), got {f!r}"
        )
    values = list(inputs) if isinstance(inputs, Sequence) else [inputs]
    names = input_names(f, values)
    leaves = [
        Value(x.value if isinstance(x, Value) else x, label=n)
        for x, n in zip(values, names, strict=True)
    ]
    top = getattr(f, "__name__", "f")
    top = "J" if top == "<lambda>" else top
    reports = [
        gradcheck(
            first_derivative(f, i, name, top),
            leaves,
            eps=eps,
            atol=atol,
            rtol=rtol,
            method=method,
        )
        for i, name in enumerate(names)
    ]
    for report_i, name in zip(reports, names, strict=True):
        report_i.title = f"d{top}/d{name}"
        report_i.source = "analytic: backward() through the recorded backward pass of f"
    report = GradgradcheckReport(f"{top}({', '.join(names)})", reports)
    if raise_on_failure and not report.ok:
        raise GradgradcheckError(report)
    return report
