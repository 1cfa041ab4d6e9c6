"""Course 2's gradient-checking assignment, through check_backprop.

The learner code is tests/course2_assignments.py (this project's own
transcription of the assignment's functions). The course's numbers: the 1-D
check J = θx gives 7.814075313343006e-11; the 3-layer network's planted bugs
(dW2 × 2, db1 × 4, 2021 edition) give 0.2850931567761623.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any

import course2_assignments as course2
import numpy as np
import pytest
from course_data import FOOTBALL_DIR

from microgrid import check_backprop, gradient_difference
from microgrid.verify.learner_backprop import check_update

REPO = Path(__file__).resolve().parents[1]

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


# ---------------------------------------------------------------------------
# Regularization: L2 and dropout slips, named.
# ---------------------------------------------------------------------------

LAMBD, KEEP_PROB = 0.7, 0.8


def regularization_problem() -> tuple[Any, Any, dict[str, Any]]:
    """Seven samples, the assignment's [2, 5, 3, 1] shape (smaller), scaled random weights."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(int)
    parameters = {}
    for l, (n, n_prev) in enumerate([(5, 2), (3, 5), (1, 3)], start=1):  # noqa: E741
        parameters[f"W{l}"] = rng.standard_normal((n, n_prev)) / np.sqrt(n_prev)
        parameters[f"b{l}"] = rng.standard_normal((n, 1)) * 0.1
    return X, Y, parameters


def check_l2(mistake: str = "", **options: Any) -> Any:
    X, Y, parameters = regularization_problem()
    _, cache = course2.forward_propagation(X, parameters)
    in_cost = mistake if mistake.startswith("cost") else ""
    gradients = course2.backward_propagation_with_regularization(
        X, Y, cache, LAMBD, "" if in_cost else mistake
    )

    def cost(p: dict[str, Any]) -> Any:
        A3, _ = course2.forward_propagation(X, p)
        return course2.compute_cost_with_regularization(A3, Y, p, LAMBD, in_cost)

    return check_backprop(cost, parameters, gradients, **options)


def test_l2_right_code_passes() -> None:
    report = check_l2()
    assert report.ok, str(report)
    assert report.difference is not None and report.difference < 2e-7


def test_l2_term_missing_from_one_dw_is_named_with_lambda() -> None:
    report = check_l2("dW2 no L2")
    assert [g.gradient_name for g in report.wrong] == ["dW2"]
    hint = report["dW2"].hints[0]
    # λ/m = 0.7 / 7 read from the graph (the squares' part of dJ/dW2), m from W1 @ X.
    assert hint.startswith("dW2 is missing the L2 term: dW2 + (λ/m)·W2 is the true gradient")
    assert "λ/m = 0.1 (λ = 0.7 with m = 7)" in hint
    assert "(lambd / m) * W2" in hint


def test_l2_term_missing_from_every_dw() -> None:
    report = check_l2("no L2")
    assert [g.gradient_name for g in report.wrong] == ["dW1", "dW2", "dW3"]
    assert all(report[k].hints[0].startswith(f"{k} is missing the L2 term") for k in ("dW1", "dW3"))


def test_l2_term_added_to_db() -> None:
    report = check_l2("db2 L2")
    assert [g.gradient_name for g in report.wrong] == ["db2"]
    assert (
        report["db2"]
        .hints[0]
        .startswith(
            "db2 − true = 0.1·b2, the λ/m = 0.1 of dW2's L2 term: L2 regularizes the weights only"
        )
    )


def test_lambda_over_m_times_w_added_to_db_broadcasts_and_is_named() -> None:
    report = check_l2("db3 λ/m·W3")
    assert report["db3"].status == "shape"
    assert report["db3"].hints == [
        "db3 is the true db3 + 0.1·W3 (the λ/m = 0.1 of your cost), broadcast to W3's shape: "
        "the L2 term belongs to dW3 only; db3 = np.sum(dZ, axis=1, keepdims=True) / m"
    ]
    assert "a column per sample" not in str(report)  # 3 columns, but m = 7


def test_the_costs_lambda_over_2m_written_lambda_over_m() -> None:
    report = check_l2("cost λ/m")
    assert [g.gradient_name for g in report.wrong] == ["dW1", "dW2", "dW3"]
    assert "dW1 has half the L2 term" in report["dW1"].hints[0]
    assert any(
        line.startswith(
            "diagnosis: dW1, dW2, dW3 each have half the L2 term your cost gives: "
            "the cost's L2 term written λ/m·Σ‖W‖² instead of λ/(2m)·Σ‖W‖²?"
        )
        for line in report.diagnosis
    ), report.diagnosis


def test_an_l2_term_in_dw_with_none_in_the_cost() -> None:
    report = check_l2("cost no L2")
    assert "but your cost has no L2 term" in report["dW2"].hints[0]
    assert "λ/m = 0.1 (λ = 0.7 with m = 7)" in report["dW2"].hints[0]


def check_dropout(mistake: str = "", keep_prob: float = KEEP_PROB) -> Any:
    X, Y, parameters = regularization_problem()
    in_forward = mistake if mistake.startswith("forward") else ""
    _, cache = course2.forward_propagation_with_dropout(X, parameters, keep_prob, in_forward)
    gradients = course2.backward_propagation_with_dropout(
        X, Y, cache, keep_prob, "" if in_forward else mistake
    )

    def cost(p: dict[str, Any]) -> Any:
        A3, _ = course2.forward_propagation_with_dropout(X, p, keep_prob, in_forward)
        return course2.compute_cost(A3, Y)

    return check_backprop(cost, parameters, gradients)


def test_dropout_right_code_passes_and_the_masks_are_the_same_each_pass() -> None:
    report = check_dropout()
    assert report.ok, str(report)
    assert report.difference is not None and report.difference < 2e-7


def test_dropout_mask_not_applied_in_backward() -> None:
    report = check_dropout("no mask")
    assert [g.gradient_name for g in report.wrong] == ["dW1", "db1", "dW2", "db2"]
    assert any(
        "are exactly what backprop gives if the dropout masks D1 and D2 are not applied in the "
        "backward pass" in line
        for line in report.diagnosis
    ), report.diagnosis
    # relu′ from the masked A2 (the course's np.int64(A2 > 0)) zeroes the dropped units anyway
    assert check_dropout("no mask A").ok


def test_dropout_not_divided_by_keep_prob_in_backward() -> None:
    report = check_dropout("no /kp")
    assert report["dW2"].hints[0].startswith("every entry of dW2 is 0.8 × the true value")
    assert report["dW1"].hints[0].startswith("every entry of dW1 is 0.64 × the true value")
    text = "\n".join(report.diagnosis)
    for l in (1, 2):  # noqa: E741
        assert (
            f"at layer {l} your forward divides A{l} by keep_prob = 0.8 but your backward does "
            f"not divide dA{l} by it" in text
        )
    one = "\n".join(check_dropout("dA2 no /kp").diagnosis)
    assert "at layer 2 your forward divides A2" in one and "at layer 1" not in one


def test_dropout_not_divided_by_keep_prob_in_forward() -> None:
    report = check_dropout("forward no /kp", keep_prob=0.5)
    # 2 × and 4 × the truth, but no "m = 2 samples": m = 7, and the factors are keep_prob's
    assert report["dW2"].hints[0].startswith("every entry of dW2 is 2 × the true value")
    assert report["dW1"].hints[0].startswith("every entry of dW1 is 4 × the true value")
    assert "m = 2" not in str(report) and "m = 4" not in str(report)
    assert (
        "at layer 2 your backward divides dA2 by 0.5 (keep_prob?) but your forward never "
        "divides A2 by it" in "\n".join(report.diagnosis)
    )


# ---------------------------------------------------------------------------
# Optimization: the update steps, against microgrid's optim.
# ---------------------------------------------------------------------------


def optimization_parameters() -> dict[str, Any]:
    rng = np.random.default_rng(1)
    return {
        "W1": rng.standard_normal((3, 2)),
        "b1": rng.standard_normal((3, 1)),
        "W2": rng.standard_normal((1, 3)),
        "b2": rng.standard_normal((1, 1)),
    }


@pytest.mark.parametrize(
    ("update", "optimizer"),
    [
        (course2.update_parameters_with_gd, "gd"),
        (course2.update_parameters_with_momentum, "momentum"),
        (course2.update_parameters_with_adam, "adam"),
    ],
)
def test_the_right_update_steps_pass_and_leave_the_learners_dicts_alone(
    update: Any, optimizer: str
) -> None:
    parameters = optimization_parameters()
    before = {k: v.copy() for k, v in parameters.items()}
    report = check_update(update, parameters, optimizer, steps=4)
    assert report.ok, str(report)
    assert str(report).startswith(
        f"check_update ({optimizer}, 4 steps): every parameter is right after every step"
    )
    assert all(max(p.errors) < 1e-12 for p in report.parameters)
    for name, values in before.items():
        np.testing.assert_array_equal(parameters[name], values)  # the course's code mutates


def test_the_truth_is_the_courses_formulas_written_out() -> None:
    # microgrid's optim.Adam against Adam written out for one number, by hand, and against torch.
    torch = pytest.importorskip("torch")
    parameters = {"W1": np.array([[0.5, -1.0]]), "b1": np.array([[0.0]])}
    grads = [
        {"dW1": np.array([[0.3, -2.0]]), "db1": np.array([[1.0]])},
        {"dW1": np.array([[-0.1, 0.4]]), "db1": np.array([[2.0]])},
    ]
    report = check_update(course2.update_parameters_with_adam, parameters, "adam", grads=grads)
    assert report.ok
    W, v, s = 0.5, 0.0, 0.0
    for t, g in enumerate((0.3, -0.1), start=1):
        v, s = 0.9 * v + 0.1 * g, 0.999 * s + 0.001 * g * g
        W -= 0.01 * (v / (1 - 0.9**t)) / (math.sqrt(s / (1 - 0.999**t)) + 1e-8)
    assert report["W1"].true[1][0, 0] == pytest.approx(W, rel=1e-13)
    tensor = torch.tensor([[0.5, -1.0]], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([tensor], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for step in grads:
        tensor.grad = torch.tensor(step["dW1"], dtype=torch.float64)
        opt.step()
    np.testing.assert_allclose(report["W1"].true[1], tensor.detach().numpy(), rtol=1e-13)


def test_adam_without_bias_correction_is_named() -> None:
    report = check_update(
        partial(course2.update_parameters_with_adam, mistake="no bias correction"),
        optimization_parameters(),
        "adam",
    )
    assert not report.ok and [p.first_wrong for p in report.parameters] == [1, 1, 1, 1]
    (line,) = report.diagnosis
    assert line.startswith(
        "diagnosis: your steps are exactly those of Adam without bias correction"
    )
    assert "v_corrected = v / (1 - beta1**t)" in line
    # At t = 1, v/√s = 0.1·g/√(0.001·g²) = √10 × the corrected step's sign(g).
    assert "(at t = 1 your step is 3.162 × the right one)" in line
    one = check_update(
        partial(course2.update_parameters_with_adam, mistake="v not corrected"),
        optimization_parameters(),
        "adam",
    )
    assert "Adam without bias correction of v:" in one.diagnosis[0]


def test_momentum_beta_on_the_gradient_is_named() -> None:
    report = check_update(
        partial(course2.update_parameters_with_momentum, mistake="β on dW"),
        optimization_parameters(),
        "momentum",
        beta=0.9,
        learning_rate=0.01,
    )
    assert not report.ok
    assert report.diagnosis == [
        "diagnosis: your steps are exactly those of momentum's β applied to the gradient instead "
        "of the velocity: you wrote v = β·dW + (1 − β)·v; the velocity keeps β of itself, "
        "v = beta * v + (1 - beta) * dW (at t = 1 your step is 9 × the right one)"
    ]


def test_pytorchs_momentum_and_a_gd_sign_are_named() -> None:
    def update_torch_style(parameters: Any, grads: Any, v: Any, beta: float, lr: float) -> Any:
        for key in parameters:
            v["d" + key] = beta * v["d" + key] + grads["d" + key]
            parameters[key] = parameters[key] - lr * v["d" + key]
        return parameters, v

    report = check_update(update_torch_style, optimization_parameters(), "momentum")
    assert "v = β·v + dW, without (1 − β) on the gradient" in report.diagnosis[0]

    def gd_up(parameters: Any, grads: Any, learning_rate: float) -> Any:
        return {k: parameters[k] + learning_rate * grads["d" + k] for k in parameters}

    report = check_update(gd_up, optimization_parameters(), "gd")
    assert "the step goes up the cost" in report.diagnosis[0]


def test_check_update_reports_the_learners_line_and_bad_returns() -> None:
    def broken(parameters: Any, grads: Any, v: Any, s: Any, t: int, *rest: Any) -> Any:
        return parameters["W3"]  # no such layer

    report = check_update(broken, optimization_parameters(), "adam")
    assert not report.ok and report.error is not None
    assert "KeyError" in str(report) and 'return parameters["W3"]' in str(report)

    def forgets_v(parameters: Any, grads: Any, v: Any, beta: float, lr: float) -> Any:
        return parameters

    report = check_update(forgets_v, optimization_parameters(), "momentum")
    assert "your update returned dict, not (parameters, v) (dicts)" in str(report)
    with pytest.raises(ValueError, match="optimizer must be one of 'gd', 'momentum', 'adam'"):
        check_update(forgets_v, optimization_parameters(), "rmsprop")
    with pytest.raises(ValueError, match="beta1 must satisfy 0 < beta1 < 1"):
        check_update(forgets_v, optimization_parameters(), "adam", beta1=1.0)
    with pytest.raises(ValueError, match=r"grads\[0\]\['dW1'\] is missing"):
        check_update(forgets_v, optimization_parameters(), "momentum", grads={"dW2": 1})


def test_a_factor_is_a_missing_one_over_m_only_when_m_could_be_it() -> None:
    import course_networks as course

    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((2, 5)), (rng.random((1, 5)) > 0.5).astype(float)
    parameters = course.initialize_shallow(2, 4, 1)
    cost = course.shallow_cost(X, Y)
    grads = course.shallow_gradients(X, Y, parameters)
    halved = {**grads, "dW1": grads["dW1"] / 2}
    hint = check_backprop(cost, parameters, halved)["dW1"].hints[0]
    assert hint.endswith(
        "exactly 2 times too small; you have m = 5 samples, so it is not 1/m twice: "
        "a stray 1/2 in dW1's formula?"
    )
    # m = 5 and a factor 5: the 1/m is missing (as before), with or without data=
    times_m = {**grads, "dW1": grads["dW1"] * 5}
    assert "if you have m = 5 samples, the 1/m is missing" in str(
        check_backprop(cost, parameters, times_m)
    )
    # Two plain arrays of different widths multiplied by parameters: m is not known, so
    # the factor is said with an "if".
    wide = np.ones((1, 3))

    def two_widths(p: dict[str, Any]) -> Any:
        A2, _ = course.forward_propagation(X, p)
        J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / 5
        return J + np.sum(np.dot(p["W2"].T, wide)) * 0.0

    doubled = {**grads, "dW1": grads["dW1"] * 2}
    assert "if you have m = 2 samples, the 1/m is missing" in str(
        check_backprop(two_widths, parameters, doubled)
    )


def football() -> tuple[Any, Any, dict[str, Any]]:
    """The regularization assignment's training set and its [2, 20, 3, 1] network at iteration 0."""
    if not (FOOTBALL_DIR / "data.mat").exists():
        pytest.skip(f"the course's football data is not in {FOOTBALL_DIR}")
    io = pytest.importorskip("scipy.io")
    data = io.loadmat(str(FOOTBALL_DIR / "data.mat"))
    X, Y = data["X"].T, data["y"].T
    np.random.seed(3)  # the assignment's initialize_parameters: randn / √n_prev, b = 0
    dims, parameters = [2, 20, 3, 1], {}
    for l in range(1, 4):  # noqa: E741
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return X, Y, parameters


def test_the_football_network_gives_the_courses_first_costs_and_its_slips_are_named() -> None:
    X, Y, parameters = football()
    A3, cache = course2.forward_propagation(X, parameters)
    # The course's printed costs after iteration 0: this transcription is its algorithm.
    assert course2.compute_cost(A3, Y) == pytest.approx(0.6557412523481002, rel=1e-12)
    with_l2 = course2.compute_cost_with_regularization(A3, Y, parameters, 0.7)
    assert with_l2 == pytest.approx(0.6974484493131264, rel=1e-12)
    A3_dropout, cache_dropout = course2.forward_propagation_with_dropout(X, parameters, 0.86)
    assert course2.compute_cost(A3_dropout, Y) == pytest.approx(0.6543912405149825, rel=1e-12)

    def l2_cost(p: dict[str, Any]) -> Any:
        return course2.compute_cost_with_regularization(
            course2.forward_propagation(X, p)[0], Y, p, 0.7
        )

    right = course2.backward_propagation_with_regularization(X, Y, cache, 0.7)
    assert check_backprop(l2_cost, parameters, right).ok
    slipped = course2.backward_propagation_with_regularization(X, Y, cache, 0.7, "dW2 no L2")
    hint = check_backprop(l2_cost, parameters, slipped)["dW2"].hints[0]
    assert "missing the L2 term" in hint and "(λ = 0.7 with m = 211)" in hint

    def dropout_cost(p: dict[str, Any]) -> Any:
        return course2.compute_cost(course2.forward_propagation_with_dropout(X, p, 0.86)[0], Y)

    right = course2.backward_propagation_with_dropout(X, Y, cache_dropout, 0.86)
    assert check_backprop(dropout_cost, parameters, right).ok
    slipped = course2.backward_propagation_with_dropout(X, Y, cache_dropout, 0.86, "no /kp")
    report = check_backprop(dropout_cost, parameters, slipped)
    assert "at layer 1 your forward divides A1 by keep_prob = 0.86 but your backward does not" in (
        "\n".join(report.diagnosis)
    )
