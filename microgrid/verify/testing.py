"""Gradient assertions for your own test suite (pytest, unittest, or a plain script).

>>> from microgrid.verify.testing import assert_gradients_close
>>> report = assert_gradients_close(lambda x, w: (x * w).tanh(), [0.5, -1.5])
>>> report.ok
True

When a derivative is wrong, the `AssertionError` message is the gradcheck
table, so the test output shows which input failed and by how much::

    @primitive
    def softplus(x):
        return math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)

    def test_softplus():
        assert_gradients_close(softplus, [0.3])

For a hand-written NumPy backward pass (the course's assignments),
`assert_backprop_matches` fails with the `check_backprop` report: which entry
of which gradient is wrong, and why::

    def test_backward_propagation():
        grads = backward_propagation(parameters, cache, X, Y)
        assert_backprop_matches(
            lambda p: compute_cost(forward_propagation(X, p)[0], Y), parameters, grads
        )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from microgrid.engine import Value
from microgrid.verify.gradcheck import GradcheckError, GradcheckReport, gradcheck
from microgrid.verify.learner_backprop import BackpropReport, check_backprop

__all__ = [
    "BackpropMismatch",
    "GradcheckError",
    "assert_backprop_matches",
    "assert_gradients_close",
]


class BackpropMismatch(AssertionError):
    """Raised by `assert_backprop_matches`; the message is the report, ``.report`` the object."""

    def __init__(self, report: BackpropReport) -> None:
        super().__init__(str(report))
        self.report = report


def assert_gradients_close(
    f: Callable[..., Value] | Value,
    inputs: Sequence[float | Value] | float | Value | None = None,
    *,
    wrt: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    method: str = "central",
    allow_kinks: bool = True,
    allow_undecided: bool = False,
) -> GradcheckReport:
    """Assert that backprop's derivatives match finite differences; return the report.

    Takes the same arguments as `microgrid.verify.gradcheck` (a function and its inputs,
    or a built graph). Raises `GradcheckError`, an `AssertionError` whose message
    is the report table, when a row FAILs, when a row is undecided (no finite
    difference could verify it: round-off or a bend too sharp; a test that
    verified nothing should not pass, unless ``allow_undecided=True``), or, with
    ``allow_kinks=False``, when an input sits on a kink (relu or abs switching
    within the step).

    >>> from microgrid import Value
    >>> assert_gradients_close(lambda x: x.relu(), [0.0], allow_kinks=False)
    Traceback (most recent call last):
    ...
    microgrid.verify.gradcheck.GradcheckError: gradcheck of f(x) = 0
    ...
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not this one
    for name, flag in (("allow_kinks", allow_kinks), ("allow_undecided", allow_undecided)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    report = gradcheck(f, inputs, wrt=wrt, eps=eps, atol=atol, rtol=rtol, method=method)
    if (
        not report.ok
        or (report.kinks and not allow_kinks)
        or (report.undecided and not allow_undecided)
    ):
        raise GradcheckError(report)
    return report


def assert_backprop_matches(
    cost: Callable[..., Any],
    parameters: Mapping[str, Any],
    gradients: Mapping[str, Any] | Callable[..., Any],
    **options: Any,
) -> BackpropReport:
    """Assert that a hand-written backward pass matches backprop; return the report.

    Takes the arguments of `microgrid.check_backprop` (the learner's cost, the
    parameters, their gradients, and ``data=``, ``samples=``, ``entries=``, ...).
    Raises `BackpropMismatch`, an `AssertionError` whose message is the report,
    when an entry is wrong or the cost did not run.

    >>> import numpy as np
    >>> x = np.array([[2.0]])
    >>> assert_backprop_matches(lambda p: np.sum(p["theta"] * x), {"theta": [[4.0]]},
    ...                         {"dtheta": [[2.0]]}).ok
    True
    >>> assert_backprop_matches(lambda p: np.sum(p["theta"] * x), {"theta": [[4.0]]},
    ...                         {"dtheta": [[-2.0]]})
    Traceback (most recent call last):
    ...
    microgrid.verify.testing.BackpropMismatch: check_backprop: 1 of 1 gradients are wrong (dtheta)
    ...
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not this one
    report = check_backprop(cost, parameters, gradients, **options)
    if not report.ok:
        raise BackpropMismatch(report)
    return report
