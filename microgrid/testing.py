"""Gradient assertions for your own test suite (pytest, unittest, or a plain script).

>>> from microgrid.testing import assert_gradients_close
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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from microgrid.engine import Value
from microgrid.gradcheck import GradcheckError, GradcheckReport, gradcheck

__all__ = ["GradcheckError", "assert_gradients_close"]


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

    Takes the same arguments as `microgrid.gradcheck` (a function and its inputs,
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
    microgrid.gradcheck.GradcheckError: gradcheck of f(x) = 0
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
