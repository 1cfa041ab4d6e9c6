"""check_backprop: the learner's NumPy backprop against the graph's, entry by entry.

The "learner code" is tests/course_networks.py (the course's week-2, -3 and -4
networks, written as a learner writes them) and the repository's own
logistic-regression module. Each planted mistake is one the course forum keeps
seeing, and each test checks the hint the report gives for it.
"""

from __future__ import annotations

import html
import inspect
import math
import re
from pathlib import Path
from typing import Any

import course_networks as course
import numpy as np
import pytest
import torch
from course_data import CAT_DIR, needs_cat_files
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid
from microgrid import Value, check_backprop, gradient_difference, logistic
from microgrid.course.logistic.vectorized import vectorized_pass
from microgrid.engine.walks import topological_order
from microgrid.verify.learner_backprop.arrays import ParameterArray, UncheckedValue, matrix_product
from microgrid.verify.testing import BackpropMismatch, assert_backprop_matches


def shallow_problem(n_x: int = 2, n_h: int = 4, m: int = 5, seed: int = 1) -> Any:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return X, Y, course.initialize_shallow(n_x, n_h, 1)


def check_shallow(mistake: str = "", **options: Any) -> microgrid.BackpropReport:
    X, Y, parameters = shallow_problem(**options)
    grads = course.shallow_gradients(X, Y, parameters, mistake)
    return check_backprop(course.shallow_cost(X, Y), parameters, grads)


def line_number(function: Any, text: str) -> int:
    """The line of `function`'s source file that contains `text`."""
    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, line in enumerate(lines) if text in line)


# ---------------------------------------------------------------------------
# Right backprop passes: the course's three networks and the repository's own.
# ---------------------------------------------------------------------------


def test_week3_shallow_network_passes_with_the_course_cost_and_float() -> None:
    report = check_shallow()
    assert report.ok, str(report)
    assert [g.gradient_name for g in report.gradients] == ["dW1", "db1", "dW2", "db2"]
    assert all(g.status == "ok" and g.wrong_count == 0 for g in report.gradients)
    # The course's compute_cost ends in float(np.squeeze(cost)): the report says so.
    cut = line_number(course.compute_cost, "cost = float(np.squeeze(cost))")
    assert any(
        f"ends in float() at line {cut} of compute_cost (course_networks.py)" in note
        for note in report.notes
    ), report.notes
    assert report.difference is not None and report.difference < 2e-7
    assert "Your backward propagation works perfectly fine!" in str(report)


def test_true_gradients_match_torch_and_the_closed_form() -> None:
    X, Y, parameters = shallow_problem(n_x=3, n_h=5, m=7, seed=4)
    grads = course.shallow_gradients(X, Y, parameters)
    report = check_backprop(course.shallow_cost(X, Y), parameters, grads)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in parameters.items()}
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    A1 = torch.tanh(tensors["W1"] @ Xt + tensors["b1"])
    A2 = torch.sigmoid(tensors["W2"] @ A1 + tensors["b2"])
    J = -(Yt * torch.log(A2) + (1 - Yt) * torch.log(1 - A2)).sum() / X.shape[1]
    J.backward()
    for name, tensor in tensors.items():
        true = report.true_gradients["d" + name]
        assert tensor.grad is not None
        np.testing.assert_allclose(true, tensor.grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(true, grads["d" + name], rtol=1e-10, atol=1e-15)
        numeric = report["d" + name].numeric
        assert numeric is not None
        np.testing.assert_allclose(numeric, true, rtol=1e-5, atol=1e-8)
    assert report.cost == pytest.approx(J.item(), rel=1e-14)


def test_week4_deep_network_passes() -> None:
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((5, 6)), (rng.random((1, 6)) > 0.5).astype(float)
    parameters = course.initialize_deep([5, 4, 3, 1])
    grads = course.deep_gradients(X, Y, parameters)
    report = check_backprop(course.deep_cost(X, Y), parameters, grads)
    assert report.ok, str(report)
    assert len(report.gradients) == 6
    assert report.unused_keys == ["dA2", "dA1", "dA0"]  # the course's grads keep dA too


def test_week2_logistic_passes_with_the_course_code_and_with_microgrid_logistic() -> None:
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((4, 9)), (rng.random((1, 9)) > 0.5).astype(float)
    w, b = rng.standard_normal((4, 1)) * 0.3, 0.2

    def cost(p: dict[str, Any]) -> Any:
        return course.propagate(p["w"], p["b"], X, Y)[1]

    grads, _ = course.propagate(w, b, X, Y)
    report = check_backprop(cost, {"w": w, "b": b}, grads)
    assert report.ok, str(report)
    assert report["db"].shape == ()  # b is a plain number, as in the course
    # The repository's vectorized formulas (dw = X dZᵀ / m, db = Σ dZ / m) as the learner's.
    J, dw, db = logistic.vectorized_gradients(X, Y, w, b)
    report = check_backprop(cost, {"w": w, "b": b}, {"dw": dw, "db": db})
    assert report.ok, str(report)
    assert report.cost == pytest.approx(J, rel=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_networks_module_backward_passes(activation: str) -> None:
    # microgrid.course.networks' own forward (σ written with np.where and exp(−|Z|)) runs on
    # Values unchanged; its hand-written backward_propagation is the learner's.
    from microgrid.course.networks import vectorized as networks

    # Seeds where no unit sits exactly on relu's kink. A sample that switches off a whole
    # layer gives the next one Z = b = 0 exactly, where np.maximum(Z, 0) passes a slope
    # of 1 and the learner's (Z > 0) a slope of 0: both one-sided derivatives, and the
    # check, seeing no relu node there, would call it wrong.
    rng = np.random.default_rng(10)
    X, Y = rng.standard_normal((3, 7)), (rng.random((1, 7)) > 0.5).astype(float)
    parameters = networks.initialize_parameters([3, 4, 2, 1], init="scaled", seed=2)
    _, caches = networks.forward_propagation(X, parameters, activation)
    assert all((cache.Z != 0).all() for cache in caches)
    AL, caches = networks.forward_propagation(X, parameters, activation)
    grads = networks.backward_propagation(AL, Y, caches, activation)

    def cost(p: dict[str, Any]) -> Any:
        return course.compute_deep_cost(networks.forward_propagation(X, p, activation)[0], Y)

    report = check_backprop(cost, parameters, grads)
    assert report.ok, str(report)
    assert [g.checked for g in report.gradients] == [12, 4, 8, 2, 2, 1]


def test_a_cost_sitting_on_a_kink_is_not_called_wrong() -> None:
    # σ written as 1 / (1 + exp(−|Z|)) for Z >= 0: at w = 0, b = 0 every Z is exactly 0,
    # where abs has no derivative (the graph takes 0). The learner's dZ = A − Y is right.
    def sigmoid(Z: Any) -> Any:
        E = np.exp(-np.abs(Z))
        return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))

    X, Y = np.array([[1.0, -2.0, 0.5]]), np.array([[1.0, 0.0, 0.0]])

    def cost(p: dict[str, Any]) -> Any:
        A = sigmoid(np.dot(p["w"].T, X) + p["b"])
        return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 3

    parameters = {"w": np.zeros((1, 1)), "b": np.zeros((1, 1))}
    dZ = 0.5 - Y
    grads = {"dw": X @ dZ.T / 3, "db": np.sum(dZ, keepdims=True) / 3}
    report = check_backprop(cost, parameters, grads)
    assert report.ok, str(report)
    assert report["db"].status == "kink" and report["db"].kinks == 1
    assert "3 abs/relu nodes sit exactly on the kink" in str(report)
    blind = check_backprop(cost, parameters, grads, numeric=False)
    assert not blind.ok and "numeric=True tells them apart" in str(blind)


def test_microgrid_logistic_vectorized_pass_names_its_own_line() -> None:
    # logistic's own forward uses np.log1p, which has no Value method: the report
    # names that line of microgrid/logistic/vectorized.py (the code under check), not NumPy.
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((2, 4)), np.array([[1.0, 0.0, 1.0, 0.0]])
    w, b = np.zeros((2, 1)), 0.0
    _, dw, db = logistic.vectorized_gradients(X, Y, w, b)
    report = check_backprop(
        lambda p: vectorized_pass(X, Y, p["w"], p["b"]).cost,
        {"w": w, "b": b},
        {"dw": dw, "db": db},
    )
    assert not report.ok and report.error is not None
    assert report.error.line is not None
    assert report.error.line.filename.endswith(str(Path("logistic", "vectorized.py")))
    assert "log1p" in str(report.error.exception) and "np.log1p(E)" in report.error.line.source


@settings(max_examples=25)
@given(
    n_x=st.integers(1, 4),
    n_h=st.integers(1, 4),
    m=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    which=st.integers(0, 3),
    where=st.integers(0, 15),
)
def test_any_small_network_passes_and_one_nudged_entry_is_found(
    n_x: int, n_h: int, m: int, seed: int, which: int, where: int
) -> None:
    X, Y, parameters = shallow_problem(n_x=n_x, n_h=n_h, m=m, seed=seed)
    grads = course.shallow_gradients(X, Y, parameters)
    cost = course.shallow_cost(X, Y)
    assert check_backprop(cost, parameters, grads, numeric=False).ok
    name = ["dW1", "db1", "dW2", "db2"][which]
    flat = where % grads[name].size
    grads[name].flat[flat] += 1e-3 * (1 + abs(grads[name].flat[flat]))
    report = check_backprop(cost, parameters, grads, numeric=False)
    assert [g.gradient_name for g in report.wrong] == [name]
    wrong = report[name].wrong
    assert len(wrong) == 1
    assert wrong[0].index == tuple(int(i) for i in np.unravel_index(flat, grads[name].shape))


# ---------------------------------------------------------------------------
# Planted mistakes and the named hints.
# ---------------------------------------------------------------------------


def test_shape_mismatch_says_transposed() -> None:
    report = check_shallow("dW1 transposed")
    assert not report.ok
    assert report["dW1"].status == "shape"
    assert report["dW1"].problem == "dW1 is (2, 4) but W1 is (4, 2): transposed?"
    assert "dW1ᵀ is the true gradient" in str(report)
    assert [g.gradient_name for g in report.wrong] == ["dW1"]


def test_missing_one_over_m_names_the_factor() -> None:
    report = check_shallow("dW1 no 1/m")  # m = 5
    wrong = report["dW1"].wrong
    assert len(wrong) == 8 and all(e.ratio == pytest.approx(5.0) for e in wrong)
    assert "exactly 5 times too big; if you have m = 5 samples, the 1/m is missing" in str(report)
    assert report["db1"].ok and report["dW2"].ok


def test_missing_one_over_m_with_data_knows_m() -> None:
    X, Y, parameters = shallow_problem(m=6)

    def cost(p: dict[str, Any], X: Any, Y: Any) -> Any:
        return course.compute_cost(course.forward_propagation(X, p)[0], Y)

    def gradients(p: dict[str, Any], X: Any, Y: Any) -> Any:
        return course.shallow_gradients(X, Y, p, "dW1 no 1/m")

    report = check_backprop(cost, parameters, gradients, data=(X, Y))
    assert "m = 6 times too big, the 1/m is missing" in report["dW1"].hints[0]


def test_divided_by_m_twice() -> None:
    X, Y, parameters = shallow_problem(m=4)
    grads = course.shallow_gradients(X, Y, parameters)
    grads["dW2"] = grads["dW2"] / 4
    report = check_backprop(course.shallow_cost(X, Y), parameters, grads)
    assert "exactly 4 times too small; if you have m = 4 samples, you divided by m twice" in str(
        report
    )


def test_sign_flipped_in_one_gradient() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)
    grads["dW2"] = -grads["dW2"]
    report = check_backprop(course.shallow_cost(X, Y), parameters, grads)
    assert [g.gradient_name for g in report.wrong] == ["dW2"]
    assert report["dW2"].hints[0].startswith("sign flipped: every entry of dW2 is -1 ×")


def test_sign_flipped_at_the_start_of_backprop_is_said_once() -> None:
    report = check_shallow("sign dZ2")
    assert len(report.wrong) == 4
    text = str(report)
    assert "every gradient is -1 × the true one: the mistake is where backprop starts" in text
    assert "sign flipped: every entry" not in text  # not repeated for each gradient


def test_deep_network_sign_of_dAL() -> None:
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((3, 4)), np.array([[1.0, 0.0, 0.0, 1.0]])
    parameters = course.initialize_deep([3, 3, 1])
    grads = course.deep_gradients(X, Y, parameters, "sign dAL")
    report = check_backprop(course.deep_cost(X, Y), parameters, grads)
    assert "every gradient is -1 × the true one" in str(report)


def test_transposed_with_the_same_shape() -> None:
    report = check_shallow("dW1 transposed", n_x=3, n_h=3)  # W1 is square: (3, 3)
    assert report["dW1"].status == "WRONG"
    assert any("is the transpose of the true gradient" in h for h in report["dW1"].hints)


@pytest.mark.parametrize(("mistake", "written"), [("tanh A1", "A1"), ("tanh Z1", "Z1")])
def test_tanh_derivative_written_wrong(mistake: str, written: str) -> None:
    report = check_shallow(mistake)
    assert [g.gradient_name for g in report.wrong] == ["dW1", "db1"]
    assert report.look_first == 1
    diagnosis = "\n".join(report.diagnosis)
    assert f"tanh′ at layer 1 is written {written} instead of 1 − A1²" in diagnosis
    assert "1 - np.power(A1, 2)" in diagnosis


@pytest.mark.parametrize("bad_layer", [1, 2])
def test_a_deep_tanh_network_names_the_layer_whose_derivative_is_wrong(bad_layer: int) -> None:
    from microgrid.course.networks import vectorized as networks

    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((3, 7)), (rng.random((1, 7)) > 0.5).astype(float)
    parameters = {
        k: v + 0.1 for k, v in networks.initialize_parameters([3, 4, 3, 1], "scaled", 1).items()
    }
    AL, caches = networks.forward_propagation(X, parameters, "tanh")
    m, grads, dZ = X.shape[1], {}, AL - Y
    for l in (3, 2, 1):  # noqa: E741 - the course's backward loop, g′ written Z at bad_layer
        A_prev, W, _, _ = caches[l - 1]
        grads[f"dW{l}"], grads[f"db{l}"] = dZ @ A_prev.T / m, dZ.sum(1, keepdims=True) / m
        if l > 1:
            _, _, Z, A = caches[l - 2]
            dZ = W.T @ dZ * (Z if l - 1 == bad_layer else 1 - A**2)

    def cost(p: dict[str, Any]) -> Any:
        return course.compute_deep_cost(networks.forward_propagation(X, p, "tanh")[0], Y)

    report = check_backprop(cost, parameters, grads)
    assert report.look_first == bad_layer
    assert {g.layer for g in report.wrong} == set(range(1, bad_layer + 1))
    l = bad_layer  # noqa: E741
    assert f"tanh′ at layer {l} is written Z{l} instead of 1 − A{l}²" in report.diagnosis[1]
    assert f"dZ{l} = W{l + 1}ᵀ dZ{l + 1} * g′(Z{l})" in report.diagnosis[1]


def test_a_later_layer_mistake_points_at_the_latest_wrong_layer() -> None:
    # dZ2 = (A2 − Y) · A2(1 − A2): σ′ applied twice. Layer 1 inherits the error.
    report = check_shallow("sigmoid twice")
    assert {g.gradient_name for g in report.wrong} == {"dW1", "db1", "dW2", "db2"}
    assert report.look_first == 2
    assert report.diagnosis[0].startswith("look first at layer 2 (dW2, db2)")
    assert "dW1, db1 may be right once layer 2 is fixed" in report.diagnosis[0]


def test_deep_network_mistake_in_layer_1_only() -> None:
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((4, 5)), (rng.random((1, 5)) > 0.5).astype(float)
    parameters = course.initialize_deep([4, 3, 2, 1])
    grads = course.deep_gradients(X, Y, parameters, "relu backward skipped")
    report = check_backprop(course.deep_cost(X, Y), parameters, grads)
    assert {g.gradient_name for g in report.wrong} == {"dW1", "db1"}
    assert report.look_first == 1


def test_db_without_keepdims() -> None:
    report = check_shallow("db1 no keepdims")
    assert report["db1"].problem == "db1 is (4,) but b1 is (4, 1)"
    assert "the numbers are right, only the shape is not" in report["db1"].hints[0]
    assert "keepdims=True" in report["db1"].hints[0]


def test_db_summed_over_everything() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)
    grads["db1"] = np.sum(grads["db1"])
    report = check_backprop(course.shallow_cost(X, Y), parameters, grads)
    assert "db1 is one number but b1 has 4 entries" in report["db1"].hints[0]


def test_missing_and_swapped_gradients() -> None:
    X, Y, parameters = shallow_problem(n_x=4, n_h=4)
    grads = course.shallow_gradients(X, Y, parameters)
    del grads["db2"]
    grads["W1"] = grads.pop("dW1")  # keys without the d are fine
    report = check_backprop(course.shallow_cost(X, Y), parameters, grads)
    assert report["W1"].ok and report["W1"].key == "W1"
    assert report["db2"].status == "missing"
    assert "your gradients have no 'db2' (nor 'b2')" in report["db2"].hints[0]
    assert report.difference is None  # the course's vector cannot be built


def test_swapped_gradients_are_named() -> None:
    rng = np.random.default_rng(9)
    X, Y = rng.standard_normal((3, 4)), np.array([[1.0, 0.0, 0.0, 1.0]])
    parameters = course.initialize_deep([3, 3, 3, 1])
    grads = course.deep_gradients(X, Y, parameters)
    grads["dW1"], grads["dW2"] = grads["dW2"], grads["dW1"]
    report = check_backprop(course.deep_cost(X, Y), parameters, grads)
    assert report["dW1"].hints == [
        "dW1 is the true dW2: swapped, or the same array stored under two names?"
    ]
    assert report["dW2"].hints[0].startswith("dW2 is the true dW1")


def test_all_zeros_and_nan() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)
    grads["dW1"] = np.zeros_like(grads["dW1"])
    grads["dW2"] = grads["dW2"] * np.nan
    report = check_backprop(course.shallow_cost(X, Y), parameters, grads)
    assert "dW1 is all zeros" in report["dW1"].hints[0]
    assert "non-finite entries" in report["dW2"].hints[0]


def test_wrong_entries_list_yours_true_numeric_and_ratio() -> None:
    report = check_shallow("dW1 no 1/m")
    entry = report["dW1"].wrong[0]
    assert entry.label == "dW1[0,0]" and entry.index == (0, 0)
    assert entry.numeric == pytest.approx(entry.true, rel=1e-5)
    assert entry.yours == pytest.approx(5 * entry.true)
    row = re.search(r"dW1\[0,0\]\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", str(report))
    assert row is not None and float(row.group(4)) == pytest.approx(5.0)


# ---------------------------------------------------------------------------
# The learner's code fails, or leaves the graph: their line, not microgrid's.
# ---------------------------------------------------------------------------


def test_an_exception_names_the_learners_line() -> None:
    X, Y, parameters = shallow_problem()

    def cost(p: dict[str, Any]) -> Any:
        Z1 = np.dot(p["W1"], X) + p["b1"]
        A1 = np.sin(Z1)  # no Value.sin: NumPy raises from its object loop
        return np.sum(A1)

    report = check_backprop(cost, parameters, course.shallow_gradients(X, Y, parameters))
    assert not report.ok and report.error is not None
    assert report.error.kind == "TypeError"
    assert report.error.line is not None
    assert report.error.line.filename == __file__
    assert report.error.line.lineno == line_number(cost, "np.sin(Z1)")
    assert report.error.line.source.startswith("A1 = np.sin(Z1)")
    text = str(report)
    assert "your cost raised TypeError" in text and "np.sin has no Value version" in text
    assert text.count('File "') == 1 and "engine.py" not in text and "site-packages" not in text


def test_float_in_the_middle_cuts_the_graph_and_says_where() -> None:
    X, Y, parameters = shallow_problem()

    def cost(p: dict[str, Any]) -> Any:
        A2, _ = course.forward_propagation(X, p)
        A2 = np.array([[float(a) for a in A2.ravel()]])  # leaves the graph
        return course.compute_cost(A2, Y)

    report = check_backprop(cost, parameters, course.shallow_gradients(X, Y, parameters))
    assert report.error is not None and report.error.line is not None
    assert report.error.line.lineno == line_number(cost, "float(a) for a")
    assert "float() turned a Value into a plain number" in str(report)


def test_item_at_the_end_is_rescued() -> None:
    X, Y, parameters = shallow_problem()

    def cost(p: dict[str, Any]) -> Any:
        A2, _ = course.forward_propagation(X, p)
        J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / 5  # np.sum gives a Value
        return J.item()  # a plain float: microgrid takes the Value it came from

    report = check_backprop(cost, parameters, course.shallow_gradients(X, Y, parameters))
    assert report.ok, str(report)
    assert any(
        ".item()" in note and f"at line {line_number(cost, 'J.item()')} of cost" in note
        for note in report.notes
    )


def test_an_array_cost_and_a_missing_return_are_explained() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)
    report = check_backprop(lambda p: course.forward_propagation(X, p)[0], parameters, grads)
    assert report.error is not None and "shape (1, 5), not one number" in str(report)
    report = check_backprop(lambda p: None, parameters, grads)
    assert report.error is not None and "a missing return?" in str(report)


def test_a_cost_that_ignores_its_parameters() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)
    report = check_backprop(
        lambda p: course.compute_cost(course.forward_propagation(X, parameters)[0], Y),
        parameters,
        grads,
    )
    assert report.error is not None and "does it use the parameters it is given" in str(report)


def test_a_parameter_the_cost_never_uses() -> None:
    import copy

    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)

    def cost(p: dict[str, Any]) -> Any:
        p = {**p, "W2": copy.deepcopy(p["W2"])}  # new Values: not the ones microgrid watches
        return course.compute_cost(course.forward_propagation(X, p)[0], Y)

    report = check_backprop(cost, parameters, grads)
    assert [g.gradient_name for g in report.wrong] == ["dW2"]
    assert report["dW2"].hints[0].startswith("your cost never uses the W2 it is given")


def test_their_gradients_function_failing_is_reported() -> None:
    X, Y, parameters = shallow_problem()

    def gradients(p: dict[str, Any], X: Any, Y: Any) -> Any:
        return {"dW1": p["W9"]}

    report = check_backprop(
        lambda p, X, Y: course.compute_cost(course.forward_propagation(X, p)[0], Y),
        parameters,
        gradients,
        data=(X, Y),
    )
    assert report.error is not None and report.error.function == "gradients"
    assert report.error.kind == "KeyError"
    assert report.error.line is not None and report.error.line.source == 'return {"dW1": p["W9"]}'


def test_the_learners_arrays_are_left_alone() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters, "tanh A1")
    before = {k: v.copy() for k, v in parameters.items()}, {k: v.copy() for k, v in grads.items()}
    check_backprop(course.shallow_cost(X, Y), parameters, grads)
    for k, v in before[0].items():
        np.testing.assert_array_equal(parameters[k], v)
        assert parameters[k].dtype == np.float64
    for k, v in before[1].items():
        np.testing.assert_array_equal(grads[k], v)


def test_a_check_too_big_for_memory_says_what_to_do() -> None:
    X, Y, parameters = shallow_problem(n_x=300, n_h=5, m=40)
    report = check_backprop(
        course.shallow_cost(X, Y),
        parameters,
        course.shallow_gradients(X, Y, parameters),
        max_edges=10_000,
        numeric=False,
    )
    assert report.error is not None and report.error.kind == "CheckTooBig"
    assert report.error.line is not None and "np.dot(W1, X)" in report.error.line.source
    assert "(5, 300) @ (300, 40) alone needs 60,000" in str(report)
    assert "samples=" in str(report) and "entries=" in str(report)


def test_gradient_difference_names_the_learners_line() -> None:
    from microgrid.verify.learner_backprop import LearnerCodeError

    def cost(p: dict[str, Any]) -> Any:
        return p["theta"] * undefined_name  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(LearnerCodeError, match="your cost raised NameError") as raised:
        gradient_difference(cost, {"theta": 4.0}, {"dtheta": 2.0})
    assert raised.value.learner_error.line is not None
    assert raised.value.learner_error.line.lineno == line_number(cost, "undefined_name")


def test_bad_arguments_are_named() -> None:
    X, Y, parameters = shallow_problem()
    grads = course.shallow_gradients(X, Y, parameters)
    cost = course.shallow_cost(X, Y)
    with pytest.raises(TypeError, match="parameters must be a dict of arrays"):
        check_backprop(cost, [1.0], grads)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cost must be a function"):
        check_backprop(3, parameters, grads)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="entries must be a whole number >= 1"):
        check_backprop(cost, parameters, grads, entries=0)
    with pytest.raises(ValueError, match="samples= needs data="):
        check_backprop(cost, parameters, grads, samples=2)
    with pytest.raises(TypeError, match="samples= needs gradients as a function"):
        check_backprop(cost, parameters, grads, data=(X, Y), samples=2)
    with pytest.raises(ValueError, match=r"parameters\['W1'\] holds a non-finite number"):
        check_backprop(cost, {**parameters, "W1": parameters["W1"] * np.inf}, grads)
    with pytest.raises(TypeError, match="is a Value; pass the plain numbers"):
        check_backprop(cost, {"w": Value(1.0)}, grads)
    with microgrid.no_grad(), pytest.raises(RuntimeError, match="outside `with microgrid"):
        check_backprop(cost, parameters, grads)


# ---------------------------------------------------------------------------
# The course's number.
# ---------------------------------------------------------------------------


def test_gradient_difference_reproduces_the_courses_1d_example() -> None:
    x = 2.0
    result = gradient_difference(lambda p: p["theta"] * x, {"theta": 4.0}, {"dtheta": x})
    assert result.difference < 1e-7
    assert result.ok and float(result) == result.difference
    assert str(result).startswith("The gradient is correct! difference = ")
    wrong = gradient_difference(lambda p: p["theta"] * x, {"theta": 4.0}, {"dtheta": 2.5})
    assert not wrong.ok and str(wrong).startswith("The gradient is wrong!")
    # (2.5 − 2) / (2.5 + 2), up to the finite difference's own error
    assert wrong.difference == pytest.approx(0.5 / 4.5, rel=1e-6)


def test_gradient_difference_for_the_network_and_beside_the_report() -> None:
    X, Y, parameters = shallow_problem()
    cost = course.shallow_cost(X, Y)
    right = gradient_difference(cost, parameters, course.shallow_gradients(X, Y, parameters))
    assert right.difference < 2e-7 and right.threshold == 2e-7
    assert str(right).startswith("Your backward propagation works perfectly fine!")
    grads = course.shallow_gradients(X, Y, parameters, "tanh A1")
    wrong = gradient_difference(cost, parameters, grads)
    assert wrong.difference > 1e-3
    assert str(wrong).startswith("There is a mistake in the backward propagation!")
    report = check_backprop(cost, parameters, grads)
    assert report.difference == pytest.approx(wrong.difference, rel=1e-9)
    assert f"difference = {wrong.difference:.2e}" in str(report)
    np.testing.assert_allclose(report["dW1"].numeric, wrong.gradapprox["W1"], rtol=1e-12)


def test_numeric_can_be_switched_off_and_is_skipped_when_big() -> None:
    report = check_backprop(*_shallow_args(), numeric=False)
    assert report.difference is None and report["dW1"].numeric is None
    X, Y, parameters = shallow_problem(n_x=700, n_h=3, m=2)
    report = check_backprop(
        course.shallow_cost(X, Y), parameters, course.shallow_gradients(X, Y, parameters)
    )
    assert report.ok and report.difference is None
    assert any("numeric check was skipped: 2,107 entries" in note for note in report.notes)


def _shallow_args() -> tuple[Any, Any, Any]:
    X, Y, parameters = shallow_problem()
    return course.shallow_cost(X, Y), parameters, course.shallow_gradients(X, Y, parameters)


# ---------------------------------------------------------------------------
# Big networks: entries= and samples=.
# ---------------------------------------------------------------------------


def test_entries_checks_a_seeded_random_subset_of_each_parameter() -> None:
    X, Y, parameters = shallow_problem(n_x=30, n_h=6, m=4)
    grads = course.shallow_gradients(X, Y, parameters, "dW1 no 1/m")
    cost = course.shallow_cost(X, Y)
    report = check_backprop(cost, parameters, grads, entries=5, seed=3)
    assert [g.checked for g in report.gradients] == [5, 5, 5, 1]
    assert report["dW1"].wrong_count == 5 and report["db1"].ok
    assert "exactly 4 times too big" in report["dW1"].hints[0]
    again = check_backprop(cost, parameters, grads, entries=5, seed=3)
    np.testing.assert_array_equal(np.isnan(again["dW1"].true), np.isnan(report["dW1"].true))
    other = check_backprop(cost, parameters, grads, entries=5, seed=4)
    assert not np.array_equal(np.isnan(other["dW1"].true), np.isnan(report["dW1"].true))
    full = check_backprop(cost, parameters, grads)
    checked = ~np.isnan(report["dW1"].true)
    np.testing.assert_allclose(report["dW1"].true[checked], full["dW1"].true[checked], rtol=1e-12)
    assert "16 of 193 entries compared" in str(report)


def test_samples_checks_on_a_subset_of_the_columns() -> None:
    X, Y, parameters = shallow_problem(m=40)

    def cost(p: dict[str, Any], X: Any, Y: Any) -> Any:
        return course.compute_cost(course.forward_propagation(X, p)[0], Y)

    def gradients(p: dict[str, Any], X: Any, Y: Any) -> Any:
        assert X.shape == (2, 6)  # their backward pass runs on the same columns
        return course.shallow_gradients(X, Y, p)

    report = check_backprop(cost, parameters, gradients, data=(X, Y), samples=6, seed=1)
    assert report.ok and (report.samples, report.samples_total) == (6, 40)
    assert "on 6 of 40 samples" in str(report)
    columns = np.sort(np.random.default_rng(1).choice(40, size=6, replace=False))
    direct = course.shallow_gradients(X[:, columns], Y[:, columns], parameters)
    np.testing.assert_allclose(report.true_gradients["dW1"], direct["dW1"], rtol=1e-10)
    report = check_backprop(
        cost,
        parameters,
        lambda p, X, Y: course.shallow_gradients(X, Y, p),
        data=(X, Y),
        samples=[0, 5],
    )
    assert report.ok and report.samples == 2


def test_the_two_layer_cat_network_in_seconds() -> None:
    # The course's week-4 two-layer model, 12288 → 7 → 1 (relu, sigmoid), on
    # pictures of the course's size; samples= and entries= keep it small.
    rng = np.random.default_rng(0)
    X = rng.random((12288, 20))
    Y = (rng.random((1, 20)) > 0.6).astype(float)
    parameters = course.initialize_deep([12288, 7, 1])

    def cost(p: dict[str, Any], X: Any, Y: Any) -> Any:
        return course.compute_deep_cost(course.L_model_forward(X, p)[0], Y)

    def gradients(p: dict[str, Any], X: Any, Y: Any) -> Any:
        return course.deep_gradients(X, Y, p)

    report = check_backprop(
        cost, parameters, gradients, data=(X, Y), samples=4, entries=20, numeric=False
    )
    assert report.ok, str(report)
    assert [g.checked for g in report.gradients] == [20, 7, 7, 1]


@needs_cat_files
def test_the_real_cat_pictures() -> None:
    from microgrid import datasets

    data = datasets.load_catvnoncat(CAT_DIR)
    X = datasets.flatten_images(data.train_x) / 255
    Y = data.train_y.astype(float)
    parameters = course.initialize_deep([X.shape[0], 7, 1], seed=1)
    right = check_backprop(
        lambda p, X, Y: course.compute_deep_cost(course.L_model_forward(X, p)[0], Y),
        parameters,
        lambda p, X, Y: course.deep_gradients(X, Y, p),
        data=(X, Y),
        samples=3,
        entries=10,
    )
    assert right.ok, str(right)
    wrong = check_backprop(
        lambda p, X, Y: course.compute_deep_cost(course.L_model_forward(X, p)[0], Y),
        parameters,
        lambda p, X, Y: course.deep_gradients(X, Y, p, "sign dAL"),
        data=(X, Y),
        samples=3,
        entries=10,
    )
    assert "every gradient is -1 × the true one" in str(wrong)


# ---------------------------------------------------------------------------
# Matrix products as one node per entry.
# ---------------------------------------------------------------------------


def test_matrix_product_matches_numpy_and_makes_one_node_per_entry() -> None:
    rng = np.random.default_rng(7)
    W, X = rng.standard_normal((3, 50)), rng.standard_normal((50, 4))
    leaves = ParameterArray.of([[Value(w) for w in row] for row in W])
    Z = np.dot(leaves, X)
    assert Z.shape == (3, 4) and type(Z) is np.ndarray
    np.testing.assert_allclose([[z.value for z in row] for row in Z], W @ X, rtol=1e-12)
    assert all(str(z.op) == "dot" and len(z.parents) == 50 for z in Z.ravel())
    J = microgrid.sum(list((leaves @ X).ravel()))
    J.backward()
    np.testing.assert_allclose(
        [[w.delta for w in row] for row in leaves], np.tile(X.sum(1), (3, 1))
    )
    assert len(topological_order(J)) == 150 + 12 + 1
    # numbers @ Values and Values @ Values: the same values as NumPy's
    B = rng.standard_normal((50, 2))
    B_values = np.array([[Value(b) for b in row] for row in B], dtype=object)
    for product, expected in ((X.T @ leaves.T, X.T @ W.T), (leaves @ B_values, W @ B)):
        assert all(str(z.op) == "dot" for z in product.ravel())
        np.testing.assert_allclose([[z.value for z in r] for r in product], expected, rtol=1e-12)
    v = np.dot(leaves[0], X[:, 0])
    assert isinstance(v, Value) and v.value == pytest.approx(W[0] @ X[:, 0])
    assert matrix_product(np.ones((2, 2)), np.ones((2, 2))) is None  # no Values: NumPy's


def test_unchecked_entries_are_numbers_to_a_product_and_values_to_numpy() -> None:
    W = ParameterArray.of([[Value(1.0, label="w"), UncheckedValue(2.0)], [UncheckedValue(3.0)] * 2])
    Z = np.dot(W, np.array([[1.0], [10.0]]))
    assert [z.value for z in Z.ravel()] == [21.0, 33.0]
    assert [len(z.parents) for z in Z.ravel()] == [1, 0]  # dot(w) + 20, and a constant
    assert str(Z[0, 0].op) == "+" and str(Z[0, 0].parents[0].op) == "dot"
    assert all(isinstance(a, Value) for a in np.tanh(Z).ravel())  # np.tanh finds .tanh()


# ---------------------------------------------------------------------------
# The HTML form and the testing helper.
# ---------------------------------------------------------------------------


def test_html_draws_one_square_per_entry_red_where_wrong() -> None:
    report = check_shallow("tanh A1")
    page = report._repr_html_()
    assert page.count("<svg") == 4
    assert page.count("<rect") == 17
    assert page.count('fill="#cf222e"') == 12  # dW1's 8 and db1's 4
    assert "dW1[2,1]: yours " in page and "WRONG" in page
    assert html.escape("tanh′ at layer 1 is written A1 instead of 1 − A1²") in page


def test_html_escapes_names_and_draws_big_gradients_in_blocks() -> None:
    X, Y = np.ones((1, 2)), np.array([[1.0, 0.0]])
    name = "<script>alert(1)</script>"

    def cost(p: dict[str, Any]) -> Any:
        A = 1 / (1 + np.exp(-(np.dot(p[name].T, X) + 0.5)))
        return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 2

    report = check_backprop(cost, {name: np.zeros((1, 1))}, {"d" + name: np.ones((1, 1))})
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    X, Y, parameters = shallow_problem(n_x=300, n_h=30, m=2)
    report = check_backprop(
        course.shallow_cost(X, Y),
        parameters,
        course.shallow_gradients(X, Y, parameters),
        entries=50,
        numeric=False,
    )
    svg = report._repr_html_().split("<svg")[1]
    assert svg.count("<rect") <= 24 * 48 and "rows 0–1, columns 0–6: " in svg


def test_assert_backprop_matches() -> None:
    X, Y, parameters = shallow_problem()
    cost = course.shallow_cost(X, Y)
    report = assert_backprop_matches(cost, parameters, course.shallow_gradients(X, Y, parameters))
    assert report.ok
    with pytest.raises(BackpropMismatch) as raised:
        assert_backprop_matches(
            cost, parameters, course.shallow_gradients(X, Y, parameters, "tanh Z1")
        )
    assert isinstance(raised.value, AssertionError)
    assert str(raised.value) == str(raised.value.report)
    assert "tanh′ at layer 1 is written Z1 instead of 1 − A1²" in str(raised.value)


def test_report_repr_and_lookup() -> None:
    report = check_shallow("dW1 no 1/m")
    assert repr(report) == "BackpropReport(wrong: dW1, 4 gradients)"
    assert report["W1"] is report["dW1"]
    with pytest.raises(KeyError, match="no gradient 'dW9'"):
        report["dW9"]
    assert not report and bool(check_shallow())
    assert math.isnan(report["dW1"].true[0, 0]) is False
