"""Course 2's gradient-checking assignment, through check_backprop.

The learner code is tests/course2_assignments.py (this project's own
transcription of the assignment's functions). The course's numbers: the 1-D
check J = θx gives 7.814075313343006e-11; the 3-layer network's planted bugs
(dW2 × 2, db1 × 4, 2021 edition) give 0.2850931567761623.
"""

from __future__ import annotations

from typing import Any

import course2_assignments as course2
import numpy as np
import pytest

from microgrid import check_backprop, gradient_difference

# The course's printed difference for the 3-layer case. Its last digits depend on how BLAS
# rounds the forward pass's products (each central difference divides a change of J in its
# 16th digit by 2e-7): this machine's OpenBLAS gives ...624 with its Haswell and Zen kernels,
# 0.285093156780699 with its older ones. Stable everywhere: the first 10 digits.
COURSE_DIFFERENCE_N = 0.2850931567761623


def test_the_1d_check_reproduces_the_courses_number_exactly() -> None:
    # J(θ) = θ·x at x = 3, θ = 4 (the 2021 edition); scalar arithmetic only, so every bit is stable.
    assert course2.gradient_check_1d(3.0, 4.0) == 7.814075313343006e-11
    result = gradient_difference(
        lambda p: course2.forward_propagation_1d(3.0, p["theta"]),
        {"theta": 4.0},
        {"dtheta": course2.backward_propagation_1d(3.0, 4.0)},
    )
    assert result.difference == 7.814075313343006e-11
    assert result.ok and str(result).startswith("The gradient is correct!")


def three_layer_case(bugs: bool = True) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    X, Y, parameters = course2.gradient_check_n_test_case()
    _, cache = course2.forward_propagation_n(X, Y, parameters)
    return X, Y, parameters, course2.backward_propagation_n(X, Y, cache, bugs=bugs)


def test_the_test_case_is_the_courses() -> None:
    X, Y, parameters = course2.gradient_check_n_test_case()
    assert X.shape == (4, 3) and Y.tolist() == [1, 1, 0]
    assert [parameters[k].shape for k in course2.KEYS] == [
        (5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1),
    ]  # fmt: skip
    # np.random.seed(1)'s first normal is 1.6243453636632417; W1 follows X's 12 draws.
    assert X[0, 0] == pytest.approx(1.6243453636632417, rel=1e-15)
    np.random.seed(1)
    np.random.randn(4, 3)
    np.testing.assert_array_equal(parameters["W1"], np.random.randn(5, 4))


def test_the_3layer_bugs_give_the_courses_difference_and_are_named() -> None:
    X, Y, parameters, gradients = three_layer_case()
    course_number = course2.gradient_check_n(parameters, gradients, X, Y)
    assert course_number == pytest.approx(COURSE_DIFFERENCE_N, rel=1e-10)
    report = check_backprop(
        lambda p: course2.forward_propagation_n(X, Y, p)[0], parameters, gradients
    )
    # The same central differences and norms as the course's gradient_check_n, bit for bit.
    assert report.difference == course_number
    assert "difference = 2.85e-01: There is a mistake in the backward propagation!" in str(report)
    assert [g.gradient_name for g in report.wrong] == ["db1", "dW2"]
    assert report["dW2"].hints[0].startswith("every entry of dW2 is 2 × the true value")
    assert report["db1"].hints[0].startswith("every entry of db1 is 4 × the true value")
    # m = 3 (X's columns, seen in W1 @ X): a factor 2 or 4 is no missing 1/m.
    for name, k in (("dW2", 2), ("db1", 4)):
        hint = report[name].hints[0]
        assert f"you have m = 3 samples, so it is not a missing 1/m: a stray factor {k}" in hint
        assert f"m = {k} samples" not in hint
    # db2 is right, so dZ2 is: dW2's slip stays in its own line, db1's is another.
    assert report.look_first == 2
    assert "db2 is right, so dZ2 is right and the mistake is in dW2's own line" in str(report)
    assert "db1 has a mistake of its own" in str(report)
    for right in ("dW1", "db2", "dW3", "db3"):
        assert report[right].status == "ok"


def test_the_3layer_case_with_data_knows_m_and_without_the_bugs_passes() -> None:
    X, Y, parameters, gradients = three_layer_case()
    report = check_backprop(
        lambda p, X, Y: course2.forward_propagation_n(X, Y, p)[0],
        parameters,
        gradients,
        data=(X, Y.reshape(1, -1)),
    )
    assert "so it is not a missing 1/m: a stray factor 2 in dW2's formula?" in str(report)
    _, _, _, right = three_layer_case(bugs=False)
    report = check_backprop(lambda p: course2.forward_propagation_n(X, Y, p)[0], parameters, right)
    assert report.ok, str(report)
    assert report.difference is not None and report.difference < 2e-7
    assert course2.gradient_check_n(parameters, right, X, Y) == report.difference
