"""`gradgradcheck`: check second derivatives by finite differences of the backward pass.

``backward(create_graph=True)`` gives each first derivative dJ/dxi as a Value,
a function of the inputs like any other; `gradcheck` then compares *its*
derivatives (the recorded backward pass differentiated again) with finite
differences of dJ/dxi. One gradcheck table per first derivative:

>>> from microgrid.verify.gradcheck import gradgradcheck
>>> report = gradgradcheck(lambda x, y: x * x * y, [3.0, 2.0])
>>> report.ok, [row.analytic for row in report.reports[0].rows]
(True, [4.0, 6.0])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from microgrid.engine import Value
from microgrid.engine.modes import recording_flag
from microgrid.higher import grad
from microgrid.verify.gradcheck.report import GradcheckReport, GradcheckRow

__all__ = ["GradgradcheckError", "GradgradcheckReport", "first_derivative"]


@dataclass
class GradgradcheckReport:
    """One gradcheck report per first derivative dJ/dxi; its rows are ∂(dJ/dxi)/∂xj."""

    title: str
    reports: list[GradcheckReport]

    @property
    def ok(self) -> bool:
        """True when no row of any table FAILed."""
        return all(report.ok for report in self.reports)

    @property
    def failures(self) -> list[GradcheckRow]:
        """The FAIL rows of every table."""
        return [row for report in self.reports for row in report.failures]

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        count = len(self.reports)
        head = (
            f"gradgradcheck of {self.title}: {count} first derivative{'s' if count != 1 else ''}, "
            "each differentiated by the recorded backward pass (analytic) "
            "and by finite differences (numeric)"
        )
        return "\n\n".join([head, *(str(report) for report in self.reports)])

    def __repr__(self) -> str:
        return f"GradgradcheckReport(ok={self.ok}, {len(self.reports)} tables)"

    def _repr_html_(self) -> str:
        return "".join(report._repr_html_() for report in self.reports)


class GradgradcheckError(AssertionError):
    """Raised by ``gradgradcheck(..., raise_on_failure=True)``; carries the report."""

    def __init__(self, report: GradgradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


def first_derivative(f: Callable[..., Value], i: int, name: str, top: str) -> Callable[..., Value]:
    """dJ/dxi as a function of the inputs, built by a recorded backward pass through `f`."""

    def derivative(*xs: Value) -> Value:
        # gradcheck evaluates its function under no_grad(); the backward pass needs
        # f's graph, so recording is switched on for the length of this call.
        token = recording_flag.set(True)
        try:
            root = f(*xs)
            return grad(root, list(xs), create_graph=True)[i]
        finally:
            recording_flag.reset(token)

    derivative.__name__ = derivative.__qualname__ = f"d{top}/d{name}"
    return derivative


def input_names(f: Callable[..., Value], inputs: Sequence[float | Value]) -> list[str]:
    """The rows' names: a Value's label, else f's parameter name, else x1, x2, …"""
    try:
        parameters = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        parameters = []
    names = []
    for position, x in enumerate(inputs):
        if isinstance(x, Value) and x.label:
            names.append(x.label)
        elif position < len(parameters):
            names.append(parameters[position])
        else:
            names.append(f"x{position + 1}")
    return names
