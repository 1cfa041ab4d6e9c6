"""The course's networks: its data, its printed numbers, and the engines agreeing step for step."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from course_data import CAT_DIR, needs_cat_files
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import datasets, draw, gradcheck, leaves
from microgrid.apps.cli import main
from microgrid.course.networks import (
    ENGINES,
    NeuralNetwork,
    backward_propagation,
    compute_cost,
    cost_graph,
    forward_propagation,
    graph_gradients,
    initialize_parameters,
    one_sample_graph,
    vectorized_gradients,
)
from microgrid.course.networks.model import gradient_function
from microgrid.course.networks.moons_demo import train_moons
from microgrid.course.networks.vectorized import update_parameters


def relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def course_load_planar_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The course's planar_utils.load_planar_dataset, rewritten here as the course runs it."""
    state = np.random.get_state()
    try:
        np.random.seed(1)
        m, a = 400, 4
        N = int(m / 2)
        X = np.zeros((m, 2))
        Y = np.zeros((m, 1), dtype="uint8")
        for j in range(2):
            ix = range(N * j, N * (j + 1))
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
            X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
            Y[ix] = j
        return X.T, Y.T
    finally:
        np.random.set_state(state)


def test_planar_is_the_course_flower_bit_for_bit() -> None:
    X, Y = datasets.planar()
    X_course, Y_course = course_load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert np.array_equal(X, X_course) and np.array_equal(Y, Y_course)
    assert datasets.planar(10, seed=3)[0].shape == (2, 10)


def test_moons_are_two_half_circles_and_seeded() -> None:
    X, Y = datasets.moons(200, noise=0.0, seed=0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    assert np.allclose(np.hypot(upper[0], upper[1]), 1.0)
    assert np.allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0)
    assert (upper[1] >= -1e-12).all() and (lower[1] <= 0.5 + 1e-12).all()
    a, b = datasets.moons(50, 0.1, seed=4), datasets.moons(50, 0.1, seed=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert datasets.moons(7)[1].shape == (1, 7)


def test_spirals_have_one_arm_per_class() -> None:
    X, Y = datasets.spirals(50, classes=4, noise=0.0)
    assert X.shape == (2, 200) and np.bincount(Y[0]).tolist() == [50] * 4


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: datasets.planar(401), "m must be an even whole number"),
        (lambda: datasets.planar(0), "m must be a whole number >= 1"),
        (lambda: datasets.planar(400, seed=-1), "seed must be"),
        (lambda: datasets.moons(1), "n must be a whole number >= 2"),
        (lambda: datasets.moons(10, noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: datasets.moons(10, noise="0.1"), "noise must be a number"),
        (lambda: datasets.moons(10.0), "n must be a whole number"),
        (lambda: datasets.spirals(10, classes=1), "classes must be a whole number >= 2"),
        (lambda: datasets.spirals(0), "n_per_class"),
    ],
)
def test_bad_sizes_and_seeds_get_clear_errors(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


# ---------------------------------------------------------------------------
# The course's numbers
# ---------------------------------------------------------------------------


def test_week_3_planar_reproduces_the_course() -> None:
    X, Y = datasets.planar()
    out = io.StringIO()
    model = NeuralNetwork([2, 4, 1], "tanh", 1.2, 10000, init="course", seed=2, print_every=1000)
    model.fit(X, Y, file=out)
    assert f"{model.costs_[0]:.6f}" == "0.693048"
    assert f"{model.costs_[1000]:.6f}" == "0.288083"
    assert out.getvalue().startswith(
        "Cost after iteration 0: 0.693048\nCost after iteration 1000: 0.288083\n"
    )
    assert model.score(X, Y) >= 0.90  # the course prints "Accuracy: 90%"
    assert sorted(model.parameters_ or {}) == ["W1", "W2", "b1", "b2"]


def test_the_course_cost_formula_agrees_with_the_stable_one() -> None:
    X, Y = datasets.planar()
    p = initialize_parameters([2, 4, 1], "course", seed=2)
    AL, _ = forward_propagation(X, p, "tanh")
    cost = vectorized_gradients(X, Y, p).cost
    assert math.isclose(compute_cost(AL, Y), cost, rel_tol=1e-13)
    assert compute_cost(np.array([[1.0]]), np.array([[0]])) == math.inf


@needs_cat_files
def test_week_4_graph_engine_agrees_with_vectorized_on_cat_pictures() -> None:
    cats = datasets.load_catvnoncat(CAT_DIR)
    X, Y = datasets.flatten_pixels(cats.train_x[:6]), cats.train_y[:, :6]
    p = initialize_parameters([12288, 3, 1], "course", seed=1)
    by_hand = vectorized_gradients(X, Y, p, "relu")
    by_graph = graph_gradients(X, Y, p, "relu")
    assert math.isclose(by_graph.cost, by_hand.cost, rel_tol=1e-12)
    for name, grad in by_hand.grads.items():
        assert relative_gap(by_graph.grads[name], grad) < 1e-10, name


# ---------------------------------------------------------------------------
# The engines agree: cost and every gradient entry, at every step
# ---------------------------------------------------------------------------


@st.composite
def small_networks(draw: st.DrawFn) -> tuple[list[int], str, str, np.ndarray, np.ndarray, float]:
    n_x = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    m = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 2, size=(n_x, m))
    Y = rng.integers(0, 2, size=(1, m))
    activation = draw(st.sampled_from(["tanh", "relu"]))
    init = draw(st.sampled_from(["course", "scaled", "uniform"]))
    rate = draw(st.sampled_from([0.05, 0.5, 1.2]))
    return [n_x, *hidden, 1], activation, init, X, Y, rate


def summation_scales(
    X: np.ndarray, Y: np.ndarray, parameters: dict[str, np.ndarray], activation: str
) -> dict[str, np.ndarray]:
    """Σ |term| for every gradient entry: backprop with absolute values.

    A gradient entry is a sum over samples (and units) whose terms can cancel; any two
    correct summation orders then differ by ~1e-16 · Σ |term|, however small the sum.
    The engines must agree to 1e-10 of this scale (which is the gradient's own size
    whenever nothing cancels). Likewise A − Y cancels where a ≈ y (the vectorized
    engine computes it so, as the course writes it; the graph's bce_with_logits keeps
    every digit), and tanh′ = 1 − A² cancels where |A| ≈ 1 (math.tanh and np.tanh may
    differ in A's last bit): both get a floor of 1e-5 in their scale, so that last bit
    (~1e-16 < 1e-10 · 1e-5) is allowed, and nothing more.
    """
    AL, caches = forward_propagation(X, parameters, activation)
    m = X.shape[1]
    scales = {}
    dZ = np.maximum(np.abs(AL - Y), 1e-5)
    for l in range(len(caches), 0, -1):  # noqa: E741 - the course's layer index
        A_prev, W, _, _ = caches[l - 1]
        scales[f"dW{l}"] = dZ @ np.abs(A_prev).T / m
        scales[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            _, _, Z_prev, A_act = caches[l - 2]
            slope = np.maximum(1 - A_act**2, 1e-5) if activation == "tanh" else (Z_prev > 0)
            dZ = np.abs(W).T @ dZ * slope
    return scales


@given(network=small_networks())
@settings(max_examples=40)
def test_engines_agree_on_cost_and_every_gradient_at_every_step(
    network: tuple[list[int], str, str, np.ndarray, np.ndarray, float],
) -> None:
    sizes, activation, init, X, Y, rate = network
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)
    parameters = initialize_parameters(sizes, init, seed=3)
    engines = {engine: gradient_function(engine, X, Y, activation) for engine in ENGINES}
    for i in range(4):  # every engine at the same parameters, step after step
        results = {engine: gradient(parameters) for engine, gradient in engines.items()}
        theirs = results["vectorized"]
        for engine, ours in results.items():
            assert math.isclose(ours.cost, theirs.cost, rel_tol=1e-10), (engine, i)
            scales = summation_scales(X, Y, parameters, activation)
            for name, grad in theirs.grads.items():
                gap = np.abs(ours.grads[name] - grad)
                assert (gap <= 1e-10 * scales[name] + 1e-300).all(), (engine, i, name)
            # Where nothing cancels, that is 1e-10 of the gradient itself.
            for name, grad in theirs.grads.items():
                plain = np.abs(grad) >= 0.5 * scales[name]
                gap = np.abs(ours.grads[name] - grad)
                assert (gap[plain] <= 2e-10 * np.abs(grad[plain])).all(), (engine, i, name)
        parameters = update_parameters(parameters, theirs.grads, rate)


def test_the_graph_dZ_of_the_output_layer_is_A_minus_Y_per_sample() -> None:
    X, Y = datasets.planar(40, seed=4)
    p = initialize_parameters([2, 5, 3, 1], "scaled", seed=0)
    graph = cost_graph(X, Y, p, "tanh")
    graph.backward()
    AL, _ = forward_propagation(X, p, "tanh")
    m = X.shape[1]
    dZ = np.array([m * z.delta for z in graph.z])
    assert np.allclose(dZ, (AL - Y)[0], rtol=1e-12, atol=1e-15)


def test_graph_gradients_pass_finite_differences_and_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    X, Y = datasets.moons(5, 0.2, seed=1)
    p = initialize_parameters([2, 3, 1], "scaled", seed=5)
    graph = cost_graph(X, Y, p, "tanh")
    graph.backward()
    report = gradcheck(graph.J)
    assert report.ok, str(report)
    # The same network in PyTorch.
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    A1 = torch.tanh(tensors["W1"] @ torch.tensor(X) + tensors["b1"])
    Z2 = tensors["W2"] @ A1 + tensors["b2"]
    J = torch.nn.functional.binary_cross_entropy_with_logits(
        Z2, torch.tensor(Y, dtype=torch.float64)
    )
    J.backward()
    grads = graph.gradients().grads
    assert math.isclose(graph.J.value, J.item(), rel_tol=1e-12)
    for name, tensor in tensors.items():
        assert relative_gap(grads[f"d{name}"], tensor.grad.numpy()) < 1e-12, name


def test_backward_propagation_is_the_course_formulas() -> None:
    X, Y = datasets.planar(20, seed=2)
    p = initialize_parameters([2, 4, 1], "course", seed=2)
    AL, caches = forward_propagation(X, p, "tanh")
    grads = backward_propagation(AL, Y, caches, "tanh")
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    dZ2 = AL - Y
    dZ1 = p["W2"].T @ dZ2 * (1 - A1**2)
    assert np.allclose(grads["dW2"], dZ2 @ A1.T / 20) and np.allclose(grads["dW1"], dZ1 @ X.T / 20)
    assert np.allclose(grads["db1"], dZ1.sum(axis=1, keepdims=True) / 20)


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def test_predict_score_and_the_graph_engine_train_the_same_model() -> None:
    X, Y = datasets.moons(30, 0.1, seed=2)
    models = [
        NeuralNetwork([2, 3, 1], "tanh", 0.5, 15, init="scaled", seed=1, engine=e, verbose=False)
        for e in ENGINES
    ]
    for model in models:
        model.fit(X, Y)
    first = models[0]
    for model in models[1:]:
        assert np.allclose(model.costs_, first.costs_, rtol=1e-12)
        assert np.allclose(model.predict_proba(X), first.predict_proba(X), rtol=1e-10)
    proba = first.predict_proba(X)
    assert proba.shape == (1, 30) and ((0 < proba) & (proba < 1)).all()
    assert np.array_equal(first.predict(X), (proba > 0.5).astype(int))
    assert first.score(X, Y) == np.mean(first.predict(X) == Y)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: NeuralNetwork([2, 4, 2]), ValueError, "last layer size must be 1"),
        (lambda: NeuralNetwork([2, 4, 1], "sigmoid"), ValueError, "hidden_activation"),
        (lambda: NeuralNetwork([2, 4, 1], learning_rate=0), ValueError, "learning_rate"),
        (lambda: NeuralNetwork([2, 4, 1], iterations=-1), ValueError, "iterations"),
        (lambda: NeuralNetwork([2, 4, 1], init="xavier"), ValueError, "init must be one of"),
        (lambda: NeuralNetwork([2, 4, 1], seed=-3), ValueError, "seed must be"),
        (lambda: NeuralNetwork([2, 4, 1], engine="gpu"), ValueError, "engine must be one of"),
        (lambda: NeuralNetwork([2, 0, 1]), ValueError, "size 1 is 0"),
    ],
)
def test_bad_settings_are_refused_at_construction(make: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()  # type: ignore[operator]


def test_bad_data_gets_clear_errors() -> None:
    X, Y = datasets.planar(20)
    model = NeuralNetwork([2, 4, 1], iterations=3, verbose=False)
    with pytest.raises(RuntimeError, match="not trained yet"):
        model.predict(X)
    with pytest.raises(ValueError, match="X looks like one sample per row"):
        model.fit(X.T, Y)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        model.fit(X, Y * 2)
    bad = X.copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match=r"X\[1, 3\] is nan"):
        model.fit(bad, Y)
    with pytest.raises(ValueError, match=r"X has 2 features .* starts with 3"):
        NeuralNetwork([3, 2, 1], verbose=False).fit(X, Y)
    model.fit(X, Y)
    with pytest.raises(ValueError, match=r"pass X\.T"):
        model.predict(np.ones((20, 2)))


def test_a_learning_rate_too_large_is_named() -> None:
    X, Y = datasets.planar(40)
    X = X * 1e3
    with pytest.raises(ValueError, match=r"learning rate .* is probably too large"):
        NeuralNetwork([2, 50, 1], "relu", 1e6, 50, init="scaled", verbose=False).fit(X, Y)


# ---------------------------------------------------------------------------
# micrograd's demo, the picture, the command line
# ---------------------------------------------------------------------------


def test_micrograds_demo_reaches_100_percent_in_100_steps_graph_and_compiled() -> None:
    graph = train_moons(steps=100, engine="graph")
    assert graph.accuracies[-1] == 1.0
    assert graph.losses[-1] < 0.05 < graph.losses[0]
    assert len(graph.model.parameters()) == 337
    compiled = train_moons(steps=100, engine="compiled")
    assert np.allclose(compiled.losses, graph.losses, rtol=1e-10, atol=0)
    assert compiled.accuracies == graph.accuracies
    assert np.allclose(compiled.model.arrays()["W3"], graph.model.arrays()["W3"], rtol=1e-9)


def test_the_compiled_engine_refuses_a_graph_too_big_to_write_out() -> None:
    X = np.zeros((3000, 700))
    Y = np.zeros((1, 700))
    model = NeuralNetwork([3000, 1, 1], engine="compiled", iterations=1, verbose=False)
    with pytest.raises(ValueError, match="engine='compiled' writes every feature"):
        model.fit(X, Y)


def test_the_2_4_1_picture_names_its_17_parameters_as_the_course() -> None:
    p = initialize_parameters([2, 4, 1], "course", seed=2)
    L = one_sample_graph([1.2, -0.4], 1, p, "tanh")
    L.backward()
    names = {node.label for node in leaves(L)}
    parameters = {f"W1[{j},{k}]" for j in range(4) for k in (0, 1)}  # NumPy's indices
    parameters |= {f"b1[{j}]" for j in range(4)} | {f"W2[0,{k}]" for k in range(4)}
    parameters |= {"b2[0]"}
    assert len(parameters) == 17 and names == parameters | {"x1", "x2"}
    source = draw(L).source
    assert all(name in source for name in parameters)
    assert "a2[0]" in source and "z1[3]" in source


def test_train_command_prints_the_course_costs() -> None:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["train", "planar", "--iterations", "1001"]) == 0
    text = out.getvalue()
    assert "Cost after iteration 0: 0.693048\nCost after iteration 1000: 0.288083" in text
    assert "train accuracy:" in text and "[2, 4, 1]" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "planar", "--plot", "boundary.xyz"], "cannot write a picture"),
        (["train", "planar", "--plot", "no/such/dir/b.png"], "no directory"),
        (["train", "cats", "--plot", "b.png"], "--curve costs.png"),
        (["train", "planar", "--curve", "c.png", "--iterations", "0"], "at least one iteration"),
        (["train", "cats", "--data", "/no/such/folder"], "train_catvnoncat.h5"),
        (["train", "planar", "--data", "x"], "--data is for cats and football only"),
        (["train", "planar", "--engine", "gpu"], "invalid choice"),
        (["train", "cats", "--engine", "compiled"], "use --engine vectorized"),
        (["train", "planar", "--layers", "3,x"], "--layers"),
        (["train", "planar", "--hidden", "3", "--layers", "3"], "not allowed with"),
        (["train", "planar", "--lr", "-1"], "--lr"),
        (["train", "planar", "--iterations", "-5"], "--iterations"),
    ],
)
def test_bad_train_options_fail_before_training(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse's own errors
            status = int(stop.code or 0)
    assert status == 2 and message in out.getvalue()
    assert "Cost after" not in out.getvalue()


def test_pictures_are_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from microgrid.course.networks.pictures import plot_decision_boundary, plot_learning_curves

    X, Y = datasets.planar(60)
    model = NeuralNetwork([2, 3, 1], iterations=20, verbose=False).fit(X, Y)
    boundary = plot_decision_boundary(model, X, Y, tmp_path / "b.png")
    curves = plot_learning_curves({"a": model.costs_, "b": model.costs_[:5]}, tmp_path / "c.svg")
    assert boundary.read_bytes()[:4] == b"\x89PNG" and b"<svg" in curves.read_bytes()[:400]
    with pytest.raises(ValueError, match="X must have shape"):
        plot_decision_boundary(model, X.T, Y, tmp_path / "b.png")
    with pytest.raises(TypeError, match="predict"):
        plot_decision_boundary(42, X, Y, tmp_path / "b.png")
