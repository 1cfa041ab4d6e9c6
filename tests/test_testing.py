"""microgrid.verify.testing: gradient assertions used exactly as a user's own test suite would."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from microgrid import GradcheckError, Value, primitive
from microgrid.verify.testing import assert_gradients_close


@primitive
def softplus(x: float) -> tuple[float, tuple[float]]:
    return math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)


@primitive
def bad_softplus(x: float) -> tuple[float, tuple[float]]:
    return math.log1p(math.exp(x)), (1 / (1 + math.exp(x)),)  # σ(−x): wrong sign inside


# -- as a user writes it -----------------------------------------------------


@pytest.mark.parametrize("x", [-4.0, -0.5, 0.0, 0.5, 4.0])
def test_softplus_gradients(x: float) -> None:
    assert_gradients_close(softplus, [x])


def test_a_small_network_layer() -> None:
    def neuron(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
        return softplus(x1 * w1 + x2 * w2 + b).tanh()

    assert_gradients_close(neuron, [0.5, -1.0, 0.3, 0.8, 0.1], method="richardson")


# -- what the assertion does -------------------------------------------------


def test_returns_the_report_when_close() -> None:
    report = assert_gradients_close(lambda x, w: (x * w).sigmoid(), [0.5, 2.0])
    assert report.ok and [row.status for row in report.rows] == ["ok", "ok"]


def test_failure_message_is_the_report_table() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_gradients_close(lambda x, w: bad_softplus(x * w), [0.5, 2.0])
    message = str(caught.value)
    assert isinstance(caught.value, GradcheckError)
    assert message == str(caught.value.report)
    lines = message.splitlines()
    header = next(line for line in lines if line.startswith("input"))
    assert header.split()[-1] == "status"
    table = lines[lines.index(header) + 1 : lines.index(header) + 3]
    assert [(line.split()[0], line.split()[-1]) for line in table] == [("x", "FAIL"), ("w", "FAIL")]
    assert "2 inputs: 2 FAIL" in lines
    assert "first wrong op: node J = bad_softplus(t1): ∂/∂t1 stored" in message


def test_graph_form_and_wrt() -> None:
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    J = softplus(x * w)
    J.backward()
    report = assert_gradients_close(J, wrt=[w])
    assert [row.name for row in report.rows] == ["w"]


def test_kinks_pass_unless_disallowed() -> None:
    report = assert_gradients_close(lambda x: x.relu(), [0.0])
    assert report.rows[0].status == "kink"
    with pytest.raises(AssertionError, match="kink"):
        assert_gradients_close(lambda x: x.relu(), [0.0], allow_kinks=False)
    with pytest.raises(TypeError, match="allow_kinks"):
        assert_gradients_close(lambda x: x.relu(), [0.0], allow_kinks="no")  # type: ignore[arg-type]


def test_an_undecided_row_fails_the_assertion_unless_allowed() -> None:
    # Round-off of the 1e15 inside swamps every difference: nothing was verified.
    with pytest.raises(AssertionError, match="undecided: cannot tell"):
        assert_gradients_close(lambda x: (x + 1e15) - 1e15, [1.0])
    report = assert_gradients_close(lambda x: (x + 1e15) - 1e15, [1.0], allow_undecided=True)
    assert [row.status for row in report.rows] == ["undecided"]
    assert assert_gradients_close(lambda x: (x + 1e8) - 1e8, [1.0]).ok  # a wider step settles it
    with pytest.raises(TypeError, match="allow_undecided"):
        assert_gradients_close(lambda x: x, [1.0], allow_undecided=1)  # type: ignore[arg-type]


def test_tolerances_are_passed_through() -> None:
    # Central differences on exp at 1 are good to ~1e-10 relative, not to 1e-13.
    with pytest.raises(AssertionError, match="beyond tolerance"):
        assert_gradients_close(lambda x: x.exp(), [1.0], atol=0, rtol=1e-13)
    assert_gradients_close(lambda x: x.exp(), [1.0], atol=0, rtol=1e-7)
    assert_gradients_close(lambda x: x.exp(), [1.0], atol=0, rtol=1e-11, method="richardson")


def test_pytest_shows_the_table_for_a_users_failing_test(tmp_path: Path) -> None:
    user_test = tmp_path / "test_user_ops.py"
    user_test.write_text(
        textwrap.dedent(
            """
            import math
            from microgrid import primitive
            from microgrid.verify.testing import assert_gradients_close

            @primitive
            def my_sigmoid(z):
                s = 1 / (1 + math.exp(-z))
                return s, (s * s,)  # should be s * (1 - s)

            def test_my_sigmoid():
                assert_gradients_close(my_sigmoid, [0.25])
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(user_test)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert "GradcheckError" in out and "1 failed" in out
    assert "gradcheck of my_sigmoid(z)" in out
    row = next(line for line in out.splitlines() if line.lstrip("E ").startswith("z "))
    assert row.rstrip().endswith("FAIL")
    assert "first wrong op: node J = my_sigmoid(z): ∂/∂z stored" in out
    # __tracebackhide__ points the traceback at the user's line.
    assert "assert_gradients_close(my_sigmoid, [0.25])" in out
