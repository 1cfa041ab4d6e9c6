"""gradgradcheck: second derivatives against finite differences of the backward pass."""

from __future__ import annotations

import pytest

import microgrid
from microgrid import Value
from microgrid.verify.gradcheck import GradgradcheckError, gradgradcheck


def logistic(w1: Value, w2: Value, b: Value) -> Value:
    z = [microgrid.dot([w1, w2], x) + b for x in ((0.5, -1.2), (1.5, 0.2), (-2.0, 0.9))]
    losses = [
        microgrid.binary_cross_entropy(zi.sigmoid(), y) for zi, y in zip(z, (1, 0, 1), strict=True)
    ]
    return microgrid.sum(losses) / 3


@pytest.mark.parametrize(
    ("f", "inputs"),
    [
        (logistic, [0.3, -0.7, 0.1]),
        (lambda x, y: (x / (y * y + 1)).tanh() * (x**y), [0.8, 1.3]),
        (lambda x: microgrid.cross_entropy([x, x * x, 2 * x], 1), [0.4]),
        (lambda x, y: microgrid.softmax([x, y, x * y])[2].sqrt().log(), [0.4, -0.3]),
    ],
)
def test_builtin_ops_pass(f, inputs) -> None:  # type: ignore[no-untyped-def]
    report = gradgradcheck(f, inputs, method="richardson")
    assert report.ok, str(report)
    assert len(report.reports) == len(inputs)
    assert all(row.status == "ok" for r in report.reports for row in r.rows)


def test_a_rule_that_leaves_the_graph_fails_and_the_report_says_where() -> None:
    @microgrid.primitive
    def cube(x: float) -> tuple[float, tuple[float]]:
        return x**3, (3 * x**2,)

    # The right number, but a constant: its own derivative is lost (the float() mistake).
    @microgrid.value_derivatives(cube)
    def cube_values(node: Value, x: Value) -> tuple[Value]:
        return (Value(3 * x.value**2),)

    def f(x: Value) -> Value:
        return cube(x)

    report = gradgradcheck(f, [2.0])
    assert not report.ok
    (row,) = report.failures
    assert (row.name, row.analytic, round(row.numeric, 4)) == ("x", 0.0, 12.0)
    text = str(report)
    assert text.startswith("gradgradcheck of f(x)") and "gradcheck of df/dx" in text
    with pytest.raises(GradgradcheckError, match="FAIL"):
        gradgradcheck(f, [2.0], raise_on_failure=True)


def test_needs_a_function() -> None:
    with pytest.raises(TypeError, match="gradgradcheck needs a function"):
        gradgradcheck(Value(1.0), [1.0])  # type: ignore[arg-type]
