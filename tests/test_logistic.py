"""Logistic regression three ways: agreement, the course's numbers, the model, the command."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from course_data import CAT_DIR, needs_cat_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgrid import Value, topological_order
from microgrid.course.datasets import flatten_images, load_catvnoncat, synthetic_catvnoncat, toy_2d
from microgrid.course.logistic import (
    CostGraph,
    LogisticRegression,
    cost_graph,
    gradient_descent,
    graph_gradients,
    loop_gradients,
    plot_costs,
    save_weights_image,
    single_example,
    vectorized_gradients,
)

REPO = Path(__file__).resolve().parents[1]
WAYS = {"graph": graph_gradients, "loop": loop_gradients, "vectorized": vectorized_gradients}

# The course's worked example (the assignment's propagate / optimize cells).
COURSE_X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
COURSE_Y = np.array([[1, 0, 1]])
COURSE_W = np.array([[1.0], [2.0]])
COURSE_B = 2.0


def textbook(
    X: np.ndarray, Y: np.ndarray, w: np.ndarray, b: float
) -> tuple[float, np.ndarray, float]:
    """The closed form written out independently, straight from the formulas (moderate z only)."""
    m = X.shape[1]
    A = 1.0 / (1.0 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return float(cost), X @ (A - Y).T / m, float(np.sum(A - Y) / m)


# ---------------------------------------------------------------------------
# The course's published numbers, by each of the three ways.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("way", WAYS)
def test_course_gradient(way: str) -> None:
    cost, dw, db = WAYS[way](COURSE_X, COURSE_Y, COURSE_W, COURSE_B)
    np.testing.assert_allclose(dw, [[0.99845601], [2.39507239]], atol=5e-9)
    assert db == pytest.approx(0.00145557813678, abs=5e-15)
    assert cost == pytest.approx(5.801545319394553, rel=1e-14)


@pytest.mark.parametrize("engine", WAYS)
def test_course_optimize_100_steps(engine: str) -> None:
    result = gradient_descent(
        COURSE_X, COURSE_Y, COURSE_W, COURSE_B, learning_rate=0.009, iterations=100, engine=engine
    )
    np.testing.assert_allclose(result.w, [[0.19033591], [0.12259159]], atol=5e-9)
    assert result.b == pytest.approx(1.92535983008, abs=5e-12)
    np.testing.assert_allclose(result.dw, [[0.67752042], [1.41625495]], atol=5e-9)
    assert result.db == pytest.approx(0.219194504541, abs=5e-13)
    assert len(result.costs) == 100
    assert result.costs[0] == pytest.approx(5.801545319394553, rel=1e-14)
    # The caller's w is not modified in place.
    assert COURSE_W.tolist() == [[1.0], [2.0]]


# ---------------------------------------------------------------------------
# The three agree, and match independent references.
# ---------------------------------------------------------------------------


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    n = draw(st.integers(1, 50))
    m = draw(st.integers(1, 40))
    unit = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)
    X = draw(hnp.arrays(np.float64, (n, m), elements=unit))
    Y = draw(hnp.arrays(np.int64, (1, m), elements=st.integers(0, 1)))
    # |z| <= 6 here: the seed's L(a, y) from a = σ(z) is well-conditioned, so
    # "agree to 1e-10" tests the algorithms, not the rounding of a near 0 or 1.
    w = draw(hnp.arrays(np.float64, (n, 1), elements=unit)) * (5.0 / n)
    b = draw(st.floats(-1.0, 1.0))
    return X, Y, w, b


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_three_ways_agree(problem: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> None:
    X, Y, w, b = problem
    reference = vectorized_gradients(X, Y, w, b)
    dz_scale = np.abs(X).sum(axis=1, keepdims=True) / X.shape[1] + 1e-300
    for way in ("graph", "loop"):
        cost, dw, db = WAYS[way](X, Y, w, b)
        assert cost == pytest.approx(reference.cost, rel=1e-10)
        # dw_j = Σ x_ij dz_i / m can cancel to ~0: compare relative to the size
        # of its terms (Σ |x_ij| / m bounds them since |dz| < 1).
        assert np.all(np.abs(dw - reference.dw) <= 1e-10 * dz_scale)
        assert db == pytest.approx(reference.db, rel=1e-10, abs=1e-12)
    cost, dw, db = textbook(X, Y, w, b)
    assert reference.cost == pytest.approx(cost, rel=1e-10)
    assert np.all(np.abs(reference.dw - dw) <= 1e-10 * dz_scale)


@settings(max_examples=25, deadline=None)
@given(problems())
def test_graph_dz_is_a_minus_y(problem: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> None:
    X, Y, w, b = problem
    m = X.shape[1]
    graph = cost_graph(X, Y, w, b)
    graph.backward()
    assert len(graph.z) == len(graph.a) == len(graph.L) == m
    for i in range(m):
        a, y = graph.a[i].value, float(Y[0, i])
        assert m * graph.z[i].delta == pytest.approx(a - y, rel=1e-12, abs=1e-15)
        # ... and a really is σ(z) of that sample, z = wᵀx + b.
        z = float(w[:, 0] @ X[:, i] + b)
        assert graph.z[i].value == pytest.approx(z, rel=1e-12, abs=1e-12)
        assert a == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-12)


def test_cost_graph_structure() -> None:
    X, Y = toy_2d(5, seed=3)
    graph = cost_graph(X, Y, np.array([[0.3], [-0.2]]), 0.1)
    assert isinstance(graph, CostGraph)
    nodes = topological_order(graph.J)
    labels = {node.label for node in nodes}
    for i in range(1, 6):
        assert {f"z({i})", f"a({i})", f"L({i})", f"wᵀx({i})"} <= labels
    # One dot node per sample, whose parents are exactly the two weight leaves.
    dots = [node for node in nodes if str(node.op) == "dot"]
    assert len(dots) == 5
    assert all(node.parents == tuple(graph.w) for node in dots)
    # z → a → L: each L's parent is its a, whose parent is its z.
    for z, a, L in zip(graph.z, graph.a, graph.L, strict=True):
        assert L.parents == (a,) and a.parents == (z,)
    assert [w.label for w in graph.w] == ["w1", "w2"] and graph.b.label == "b"
    assert graph.J.label == "J" and graph.J.value == pytest.approx(
        np.mean([L.value for L in graph.L])
    )


def test_cost_graph_uses_given_values() -> None:
    w = [Value(0.5, label="wa"), Value(-1.0, label="wb")]
    b = Value(0.25, label="bias")
    graph = cost_graph([[1.0], [2.0]], [[1]], w, b)
    graph.backward()
    assert graph.w[0] is w[0] and graph.b is b
    dz = graph.a[0].value - 1
    assert w[0].delta == pytest.approx(1.0 * dz) and w[1].delta == pytest.approx(2.0 * dz)
    assert b.delta == pytest.approx(dz)
    assert graph.dw.shape == (2, 1) and graph.db == b.delta


def test_against_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(6, 9)), rng.integers(0, 2, size=(1, 9))
    w, b = rng.normal(size=(6, 1)) * 0.5, 0.3
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    z = tw.T @ torch.tensor(X) + tb
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        z, torch.tensor(Y, dtype=torch.float64)
    )
    loss.backward()
    for way in WAYS.values():
        cost, dw, db = way(X, Y, w, b)
        assert cost == pytest.approx(loss.item(), rel=1e-12)
        np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-11, atol=1e-14)
        assert db == pytest.approx(tb.grad.item(), rel=1e-11)


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(11)
    X, Y = rng.normal(size=(4, 7)), rng.integers(0, 2, size=(1, 7))
    w, b = rng.normal(size=(4, 1)), -0.2
    _, dw, db = loop_gradients(X, Y, w, b)
    h = 1e-6
    for j in range(4):
        step = np.zeros_like(w)
        step[j] = h
        up = vectorized_gradients(X, Y, w + step, b).cost
        down = vectorized_gradients(X, Y, w - step, b).cost
        assert dw[j, 0] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)
    up, down = loop_gradients(X, Y, w, b + h).cost, loop_gradients(X, Y, w, b - h).cost
    assert db == pytest.approx((up - down) / (2 * h), rel=1e-6)


# ---------------------------------------------------------------------------
# The single-example graph.
# ---------------------------------------------------------------------------


def test_single_example_graph() -> None:
    x1, x2, w1, w2, b, y = 1.5, -2.0, 0.4, 0.3, -0.1, 1
    L = single_example([x1, x2], y, [w1, w2], b)
    L.backward()
    nodes = {node.label: node for node in topological_order(L)}
    assert {"x1", "x2", "w1", "w2", "b", "z", "a", "L"} <= set(nodes)
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    assert nodes["z"].value == pytest.approx(z)
    assert nodes["a"].value == pytest.approx(a)
    assert L.value == pytest.approx(-math.log(a))
    # The seed's backward pass: da = −y/a + (1−y)/(1−a), dz = a − y, dw1 = x1·dz, db = dz.
    assert nodes["a"].delta == pytest.approx(-y / a)
    assert nodes["z"].delta == pytest.approx(a - y)
    assert nodes["w1"].delta == pytest.approx(x1 * (a - y))
    assert nodes["w2"].delta == pytest.approx(x2 * (a - y))
    assert nodes["b"].delta == pytest.approx(a - y)
    assert L.parents == (nodes["a"],) and nodes["a"].parents == (nodes["z"],)


def test_single_example_draws() -> None:
    render = pytest.importorskip("microgrid.show.render", reason="draw() not available")
    source = render.draw(single_example([1.0, 2.0], 0, [0.5, -0.5], 0.0)).source
    for name in ("x1", "w2", "z", "a", "L"):
        assert name in source


def test_single_example_errors() -> None:
    with pytest.raises(ValueError, match="same, non-zero number of features"):
        single_example([1.0, 2.0], 1, [0.5], 0.0)
    with pytest.raises(ValueError, match="y must be 0 or 1"):
        single_example([1.0], 0.5, [0.5], 0.0)


# ---------------------------------------------------------------------------
# Numerical safety where a reaches 0 or 1.
# ---------------------------------------------------------------------------


def test_saturated_cost_stays_finite() -> None:
    X = np.array([[50.0, -50.0, 40.0]])
    Y = np.array([[0, 1, 1]])
    w, b = np.array([[20.0]]), 0.0  # z = 1000, −1000, 800: σ rounds to exactly 1, 0, 1
    z = (w.T @ X + b)[0]
    # L = max(z, 0) − z·y + log(1 + e^−|z|), and here the log term underflows to 0.
    expected = np.mean(np.maximum(z, 0) - z * Y[0])
    for way in (loop_gradients, vectorized_gradients):
        cost, dw, db = way(X, Y, w, b)
        assert cost == pytest.approx(expected, rel=1e-15)
        np.testing.assert_allclose(dw, [[50.0 / 3 + 50.0 / 3]], rtol=1e-15)  # dz = 1, −1, 0
        assert db == pytest.approx(1 / 3 - 1 / 3)


def test_graph_engine_explains_saturation() -> None:
    with pytest.raises(ValueError, match=r"sample 1: a = σ\(z\) rounded to 1 with label y = 0"):
        graph_gradients([[50.0]], [[0]], [[20.0]], 0.0)
    # Saturated on the right side is fine: the loss is 0, not infinite.
    cost, dw, db = graph_gradients([[50.0]], [[1]], [[20.0]], 0.0)
    assert (cost, dw[0, 0], db) == (0.0, 0.0, 0.0)


# ---------------------------------------------------------------------------
# Bad input: a ValueError saying what was expected.
# ---------------------------------------------------------------------------

GOOD_X = np.ones((3, 4))
GOOD_Y = np.array([[0, 1, 1, 0]])
GOOD_W = np.zeros((3, 1))


@pytest.mark.parametrize(
    ("X", "Y", "w", "b", "message"),
    [
        (GOOD_X.T, GOOD_Y, GOOD_W, 0.0, r"looks like one sample per row.*pass X\.T"),
        (np.ones((3, 5)), GOOD_Y, GOOD_W, 0.0, r"m = 4 columns"),
        (GOOD_X[0], GOOD_Y, GOOD_W, 0.0, r"X must be 2-D with shape \(n, m\)"),
        (GOOD_X, GOOD_Y[0], GOOD_W, 0.0, r"Y must have shape \(1, m\).*reshape\(1, -1\)"),
        (GOOD_X, GOOD_Y.T, GOOD_W, 0.0, r"Y must have shape \(1, m\)"),
        (GOOD_X, [[0, 1, 2, 0]], GOOD_W, 0.0, r"0 or 1.*Y\[0, 2\] is 2\.0"),
        (GOOD_X, [[0, 1, 0.5, 0]], GOOD_W, 0.0, r"Y\[0, 2\] is 0\.5"),
        (GOOD_X, GOOD_Y, np.zeros(3), 0.0, r"w must have shape \(n, 1\) = \(3, 1\).*reshape"),
        (GOOD_X, GOOD_Y, np.zeros((4, 1)), 0.0, r"w must have shape \(n, 1\) = \(3, 1\)"),
        (GOOD_X, GOOD_Y, GOOD_W, np.zeros(2), r"b must be a single real number"),
        (GOOD_X, GOOD_Y, GOOD_W, "0", r"b must be a single real number"),
        ([["a", "b"]], [[0, 1]], [[0.0]], 0.0, r"X must be an array of numbers"),
    ],
)
@pytest.mark.parametrize("way", WAYS)
def test_bad_input(way: str, X: object, Y: object, w: object, b: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WAYS[way](X, Y, w, b)  # type: ignore[arg-type]


@pytest.mark.parametrize("way", WAYS)
def test_nan_in_X_is_named(way: str) -> None:
    X = np.ones((3, 4))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X\[2, 1\] is nan: features must be finite"):
        WAYS[way](X, GOOD_Y, GOOD_W, 0.0)
    w = GOOD_W.copy()
    w[1] = np.inf
    with pytest.raises(ValueError, match=r"w\[1, 0\] is inf"):
        WAYS[way](GOOD_X, GOOD_Y, w, 0.0)


def test_model_bad_input() -> None:
    model = LogisticRegression(iterations=3, print_every=0)
    X = np.ones((3, 4))
    X[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"X\[0, 3\] is nan"):
        model.fit(X, GOOD_Y)
    with pytest.raises(ValueError, match=r"pass X\.T"):
        model.fit(GOOD_X.T, GOOD_Y)
    with pytest.raises(ValueError, match=r"\(1, m\)"):
        model.fit(GOOD_X, GOOD_Y.ravel())
    with pytest.raises(ValueError, match="0 or 1"):
        model.fit(GOOD_X, [[0, 1, -1, 0]])
    with pytest.raises(RuntimeError, match=r"call fit\(X, Y\) first"):
        model.predict(GOOD_X)
    model.fit(GOOD_X, GOOD_Y)
    with pytest.raises(ValueError, match=r"n = 3 features.*pass X\.T"):
        model.predict(GOOD_X.T)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "gpu"}, "engine must be one of 'vectorized', 'loop', 'graph'"),
        ({"learning_rate": -0.1}, "learning_rate must be a positive finite number"),
        ({"learning_rate": "fast"}, "learning_rate must be a positive number"),
        ({"iterations": -1}, "iterations must be a whole number >= 0"),
        ({"iterations": 2.5}, "iterations must be a whole number >= 0"),
        ({"print_every": -5}, "print_every must be a whole number >= 0"),
    ],
)
def test_model_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LogisticRegression(**kwargs)  # type: ignore[arg-type]


def test_divergence_is_reported() -> None:
    X = np.array([[1e200, -1e200]])
    with pytest.raises(ValueError, match=r"learning rate .* too large"):
        gradient_descent(X, [[1, 0]], [[0.0]], 0.0, learning_rate=1e200, iterations=3)


# ---------------------------------------------------------------------------
# The model.
# ---------------------------------------------------------------------------


def test_model_engines_agree() -> None:
    X, Y = toy_2d(30, seed=5)
    models = {
        engine: LogisticRegression(0.1, 40, engine, print_every=0).fit(X, Y) for engine in WAYS
    }
    ref = models["vectorized"]
    assert ref.w_ is not None
    for model in models.values():
        assert model.w_ is not None and model.b_ is not None
        np.testing.assert_allclose(model.w_, ref.w_, rtol=1e-10)
        assert model.b_ == pytest.approx(ref.b_, rel=1e-10)
        np.testing.assert_allclose(model.costs_, ref.costs_, rtol=1e-10)
    # Zero initialisation: the first cost is −log σ(0) = log 2 for every sample.
    assert ref.costs_[0] == pytest.approx(math.log(2), rel=1e-15)
    assert len(ref.costs_) == 40 and ref.costs_[-1] < ref.costs_[0]


def test_predict_threshold_and_score() -> None:
    model = LogisticRegression(print_every=0)
    model.w_, model.b_ = np.array([[1.0]]), 0.0
    X = np.array([[-2.0, 0.0, 1e-9, 3.0]])
    np.testing.assert_allclose(model.predict_proba(X), 1 / (1 + np.exp(-X)), rtol=1e-15)
    # a = 0.5 exactly (z = 0) counts as "not cat", as in the course (a > 0.5).
    assert model.predict(X).tolist() == [[0, 0, 1, 1]]
    assert model.score(X, [[0, 1, 1, 1]]) == 0.75


def test_model_fit_returns_self_and_repr() -> None:
    model = LogisticRegression(0.01, 5, "loop", print_every=0)
    assert model.fit(*toy_2d(6)) is model
    assert repr(model) == (
        "LogisticRegression(learning_rate=0.01, iterations=5, engine='loop', "
        "print_every=0, verbose=True)"
    )


def test_zero_iterations_keeps_zero_weights() -> None:
    X, Y = toy_2d(4)
    model = LogisticRegression(iterations=0).fit(X, Y)
    assert model.costs_ == [] and model.w_ is not None
    assert model.w_.tolist() == [[0.0], [0.0]] and model.b_ == 0.0


# ---------------------------------------------------------------------------
# Progress: cost lines every print_every, a tqdm bar only on a terminal.
# ---------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_prints_cost_every_print_every(capsys: pytest.CaptureFixture[str]) -> None:
    X, Y = toy_2d(10)
    model = LogisticRegression(0.1, 5, print_every=2).fit(X, Y)
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"Cost after iteration {i}: {model.costs_[i]:f}" for i in (0, 2, 4)]
    assert err == ""  # stderr is not a terminal under pytest: no bar


@pytest.mark.parametrize("settings_", [{"verbose": False}, {"print_every": 0}])
def test_quiet(
    settings_: dict[str, object],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    LogisticRegression(0.1, 5, **settings_).fit(*toy_2d(10))  # type: ignore[arg-type]
    assert capsys.readouterr().out == "" and terminal.getvalue() == ""


def test_progress_bar_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    model = LogisticRegression(0.1, 7, print_every=3).fit(*toy_2d(10))
    bar = terminal.getvalue()
    assert "gradient descent (vectorized)" in bar and "cost " in bar
    out = capsys.readouterr().out
    assert f"Cost after iteration 6: {model.costs_[6]:f}" in out


# ---------------------------------------------------------------------------
# Pictures.
# ---------------------------------------------------------------------------


def test_plot_costs(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_costs([0.7, 0.5, 0.4], tmp_path / "costs.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="at least one cost"):
        plot_costs([], tmp_path / "empty.png")


def test_weights_image_colours(tmp_path: Path) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    # Left half of the 4×4 picture votes "cat" (positive weights), right half "not cat".
    planes = np.zeros((3, 4, 4))
    planes[:, :, :2] = 1.0
    planes[:, :, 2:] = -1.0
    path = save_weights_image(planes.reshape(-1, 1), tmp_path / "w.png", 4, 4, scale=1)
    rgb = plt.imread(path)[:, :, :3]
    assert rgb.shape == (4, 4, 3)
    big = plt.imread(save_weights_image(planes.reshape(-1, 1), tmp_path / "w3.png", 4, 4, 3))
    assert big.shape[:2] == (12, 12)
    np.testing.assert_array_equal(big[::3, ::3, :3], rgb)
    left, right = rgb[:, :2].reshape(-1, 3), rgb[:, 2:].reshape(-1, 3)
    assert (left[:, 0] > left[:, 2] + 0.5).all()  # red
    assert (right[:, 2] > right[:, 0] + 0.5).all()  # blue


# ---------------------------------------------------------------------------
# Synthetic cats are learnable; the course's files reproduce the course.
# ---------------------------------------------------------------------------


def test_synthetic_cats_are_learnable() -> None:
    data = synthetic_catvnoncat(m_train=120, m_test=60, seed=4)
    train_x, test_x = flatten_images(data.train_x), flatten_images(data.test_x)
    model = LogisticRegression(0.005, 600, print_every=0).fit(train_x, data.train_y)
    assert model.score(train_x, data.train_y) >= 0.9
    assert model.score(test_x, data.test_y) >= 0.7


@needs_cat_files
def test_course_cat_classifier_reproduced() -> None:
    data = load_catvnoncat(CAT_DIR)
    train_x, test_x = flatten_images(data.train_x), flatten_images(data.test_x)
    model = LogisticRegression(learning_rate=0.005, iterations=2000, print_every=0)
    model.fit(train_x, data.train_y)
    assert round(model.costs_[0], 6) == 0.693147
    assert round(model.costs_[100], 6) == 0.584508
    assert 100 * model.score(train_x, data.train_y) == pytest.approx(99.04306220095694, abs=1e-9)
    assert 100 * model.score(test_x, data.test_y) == pytest.approx(70.0, abs=1e-9)
    # The loop and the graph give the same first gradients on the real pictures.
    w = np.full((train_x.shape[0], 1), 1e-3)
    reference = vectorized_gradients(train_x, data.train_y, w, 0.1)
    for way in (loop_gradients, graph_gradients):
        cost, dw, db = way(train_x, data.train_y, w, 0.1)
        assert cost == pytest.approx(reference.cost, rel=1e-10)
        np.testing.assert_allclose(dw, reference.dw, rtol=1e-9, atol=1e-12)
        assert db == pytest.approx(reference.db, rel=1e-10)


# ---------------------------------------------------------------------------
# The command line.
# ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microgrid", "logreg", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


def test_cli_logreg_synthetic(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    costs, weights = tmp_path / "costs.png", tmp_path / "w.png"
    result = run_cli(
        "--iterations",
        "201",
        "--lr",
        "0.005",
        "--plot",
        str(costs),
        "--weights-image",
        str(weights),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    printed = [line for line in lines if line.startswith("Cost after iteration")]
    assert [line.split(":")[0] for line in printed] == [
        "Cost after iteration 0",
        "Cost after iteration 100",
        "Cost after iteration 200",
    ]
    assert printed[0] == "Cost after iteration 0: 0.693147"
    assert any(line.startswith("train accuracy: ") and line.endswith(" %") for line in lines)
    assert any(line.startswith("test accuracy: ") for line in lines)
    assert costs.read_bytes()[:4] == weights.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("engine", ["loop", "graph"])
def test_cli_logreg_slow_engines(engine: str, tmp_path: Path) -> None:
    # A tiny course-shaped data directory so the slow engines finish quickly.
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    for split, m in (("train", 6), ("test", 3)):
        with h5py.File(tmp_path / f"{split}_catvnoncat.h5", "w") as f:
            f[f"{split}_set_x"] = rng.integers(0, 256, (m, 4, 4, 3), dtype=np.uint8)
            f[f"{split}_set_y"] = np.arange(m) % 2
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    result = run_cli("--data", str(tmp_path), "--engine", engine, "--iterations", "3")
    assert result.returncode == 0, result.stderr
    assert "Cost after iteration 0: 0.693147" in result.stdout
    assert f"engine: {engine}" in result.stdout


def test_cli_logreg_missing_directory(tmp_path: Path) -> None:
    result = run_cli("--data", str(tmp_path / "nowhere"), "--iterations", "1")
    assert result.returncode == 2
    assert "no directory" in result.stderr and "train_catvnoncat.h5" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_logreg_bad_settings() -> None:
    result = run_cli("--lr", "0")
    assert result.returncode == 2
    assert "learning_rate must be a positive finite number, got 0.0" in result.stderr
    assert result.stdout == ""  # checked before any data is loaded


def test_cli_logreg_bad_engine() -> None:
    result = run_cli("--engine", "gpu")
    assert result.returncode == 2 and "invalid choice" in result.stderr


@needs_cat_files
def test_cli_logreg_course_files() -> None:
    result = run_cli("--data", str(CAT_DIR))
    assert result.returncode == 0, result.stderr
    assert "Cost after iteration 100: 0.584508" in result.stdout
    assert "train accuracy: 99.04306220095694 %" in result.stdout
    assert "test accuracy: 70.0 %" in result.stdout


# ---------------------------------------------------------------------------
# Review: bad input named clearly, picture paths checked before training.
# ---------------------------------------------------------------------------


def test_single_example_names_the_bad_argument() -> None:
    with pytest.raises(ValueError, match=r"^y must be"):
        single_example([1.0, 2.0], "1", [0.5, -0.5], 0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"x\[1\] is nan"):
        single_example([1.0, math.nan], 1, [0.5, -0.5], 0.0)


def test_single_example_takes_the_seeds_column_shapes() -> None:
    # x as a column X[:, [i]] and w of shape (n, 1), as everywhere else in the module.
    L = single_example(np.array([[1.0], [2.0]]), 1, np.array([[0.5], [-0.25]]), 0.1)
    assert L.value == pytest.approx(single_example([1.0, 2.0], 1, [0.5, -0.25], 0.1).value)
    with pytest.raises(ValueError, match="one value per feature"):
        single_example(np.ones((2, 2)), 1, [0.5, -0.25], 0.1)


def test_graph_way_names_a_non_finite_feature_not_saturation() -> None:
    X = np.ones((3, 4))
    X[0, 1] = np.inf
    with pytest.raises(ValueError, match=r"X\[0, 1\] is inf"):
        graph_gradients(X, GOOD_Y, GOOD_W, 0.0)
    with pytest.raises(ValueError, match=r"X\[0, 1\] is inf"):
        cost_graph(X, GOOD_Y, GOOD_W, 0.0)


def test_picture_formats_are_checked(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match=r"\.xyz.*png"):
        save_weights_image(np.zeros((12, 1)), tmp_path / "w.xyz", 2, 2)
    for suffix in ("tif", "svgz", "raw"):  # savefig writes these, plt.imsave does not
        with pytest.raises(ValueError, match=f"w.{suffix}"):
            save_weights_image(np.zeros((12, 1)), tmp_path / f"w.{suffix}", 2, 2)
    for suffix in ("png", "jpg", "svg", "pdf", "tiff"):
        assert save_weights_image(np.zeros((12, 1)), tmp_path / f"w.{suffix}", 2, 2).stat().st_size
    with pytest.raises(ValueError, match=r"\.xyz.*png"):
        plot_costs([0.5], tmp_path / "c.xyz")
    with pytest.raises(ValueError, match="no directory"):
        plot_costs([0.5], tmp_path / "nowhere" / "c.png")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--weights-image", "w.xyz"), "w.xyz"),
        (("--plot", "nowhere/c.png"), "no directory"),
        (("--plot", "c.png", "--iterations", "0"), "at least one"),
    ],
)
def test_cli_logreg_checks_picture_paths_before_training(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    result = subprocess.run(
        [sys.executable, "-m", "microgrid", "logreg", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing trained, nothing written


def test_cli_logreg_checks_the_pgf_writer_before_training(tmp_path: Path) -> None:
    # .pgf needs matplotlib's TeX program (xelatex): say so up front, not after training.
    pytest.importorskip("matplotlib")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "microgrid", "logreg", "--plot", "c.pgf"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "PATH": str(empty)},
    )
    assert result.returncode == 2, result.stderr
    assert "matplotlib writes .pgf with xelatex, which is not installed" in result.stderr
    assert "write .pdf or .svg instead" in result.stderr
    assert result.stdout == "" and not (tmp_path / "c.pgf").exists()
