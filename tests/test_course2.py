"""Course 2's techniques in `NeuralNetwork`: initialisations, L2, dropout, optimizers, decay.

The three engines agree to 1e-12 with dropout and L2; the gradients are checked against
PyTorch and finite differences; the first costs of every run of the course's assignments
come out as printed (the long runs are in tests/test_course2_numbers.py); the course's
optimizer functions against closed forms; bad settings refused before any training.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from course_data import FOOTBALL_DIR, needs_football

from microgrid import gradcheck
from microgrid.course import datasets
from microgrid.course.networks import (
    ENGINES,
    NeuralNetwork,
    backward_propagation,
    dropout_masks,
    forward_propagation,
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from microgrid.course.networks.graph import build_cost_graph
from microgrid.course.networks.model import gradient_function
from microgrid.nn import MLP


def relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


# ---------------------------------------------------------------------------
# Initialisation: the course's draws
# ---------------------------------------------------------------------------


def test_the_three_inits_are_the_courses_draws() -> None:
    sizes = [2, 10, 5, 1]
    zeros = initialize_parameters(sizes, "zeros", seed=3)
    assert all(not value.any() for value in zeros.values())
    state = np.random.get_state()
    try:
        np.random.seed(3)  # the course: np.random.seed(3), then randn per layer in order
        course = [np.random.randn(sizes[l], sizes[l - 1]) for l in range(1, 4)]  # noqa: E741
    finally:
        np.random.set_state(state)
    large = initialize_parameters(sizes, "large", seed=3)
    he = initialize_parameters(sizes, "he", seed=3)
    for l in range(1, 4):  # noqa: E741
        assert np.array_equal(large[f"W{l}"], course[l - 1] * 10)
        assert np.array_equal(he[f"W{l}"], course[l - 1] * np.sqrt(2.0 / sizes[l - 1]))
        assert not he[f"b{l}"].any()


def test_zero_init_keeps_every_hidden_unit_the_same() -> None:
    train_X, train_Y, _, _ = datasets.circles()
    model = NeuralNetwork([2, 4, 3, 1], "relu", 0.5, 20, init="zeros", seed=3, verbose=False)
    parameters = model.fit(train_X, train_Y).parameters_
    assert parameters is not None
    # Every row of W1 equal (here all still 0: relu(0) = 0 passes no delta back).
    assert np.ptp(parameters["W1"], axis=0).max() == 0 and np.ptp(parameters["W2"]) == 0
    assert model.costs_ == [math.log(2)] * 20 or np.allclose(model.costs_, math.log(2), rtol=1e-15)


# ---------------------------------------------------------------------------
# Dropout and L2: the course's masks, the course's formulas, three engines agreeing
# ---------------------------------------------------------------------------


def test_dropout_masks_are_the_courses_stream() -> None:
    masks = dropout_masks([2, 20, 3, 1], 211, 0.86)
    state = np.random.get_state()
    try:
        np.random.seed(1)
        D1 = (np.random.rand(20, 211) < 0.86).astype(int)
        D2 = (np.random.rand(3, 211) < 0.86).astype(int)
    finally:
        np.random.set_state(state)
    assert np.array_equal(masks[0], D1) and np.array_equal(masks[1], D2)
    # Drawn from a generator of its own: NumPy's global stream is where it was.
    state = np.random.get_state()
    try:
        np.random.seed(5)
        expected = np.random.rand(2)
        np.random.seed(5)
        dropout_masks([2, 20, 3, 1], 211, 0.86)
        assert np.array_equal(np.random.rand(2), expected)
    finally:
        np.random.set_state(state)


def test_l2_and_dropout_gradients_are_the_courses_formulas() -> None:
    X, Y = datasets.course_moons(40)
    p = initialize_parameters([2, 6, 3, 1], "he", seed=3)
    masks = dropout_masks([2, 6, 3, 1], 40, 0.7)
    AL, caches = forward_propagation(X, p, "relu", masks, 0.7)
    grads = backward_propagation(AL, Y, caches, "relu", masks, 0.7, l2=0.5)
    # Written out as the course writes the three-layer case.
    A1 = np.maximum(0, p["W1"] @ X + p["b1"]) * masks[0] / 0.7
    A2 = np.maximum(0, p["W2"] @ A1 + p["b2"]) * masks[1] / 0.7
    A3 = 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"])))
    assert relative_gap(AL, A3) < 1e-15
    dZ3 = A3 - Y
    dA2 = p["W3"].T @ dZ3 * masks[1] / 0.7
    dZ2 = dA2 * (A2 > 0)
    dA1 = p["W2"].T @ dZ2 * masks[0] / 0.7
    dZ1 = dA1 * (A1 > 0)
    expected = {
        "dW3": dZ3 @ A2.T / 40 + 0.5 / 40 * p["W3"],
        "dW2": dZ2 @ A1.T / 40 + 0.5 / 40 * p["W2"],
        "dW1": dZ1 @ X.T / 40 + 0.5 / 40 * p["W1"],
        "db1": dZ1.sum(axis=1, keepdims=True) / 40,
    }
    for name, value in expected.items():
        assert relative_gap(grads[name], value) < 1e-13, name


def test_l2_and_dropout_gradients_match_pytorch_and_finite_differences() -> None:
    torch = pytest.importorskip("torch")
    X, Y = datasets.course_moons(12, seed=5)
    p = initialize_parameters([2, 4, 3, 1], "he", seed=3)
    masks = dropout_masks([2, 4, 3, 1], 12, 0.75)
    cost, grads = gradient_function("vectorized", X, Y, "relu", keep_prob=0.75, l2=0.3)(p)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    D1, D2 = (torch.tensor(D.astype(float)) for D in masks)
    A1 = torch.relu(t["W1"] @ torch.tensor(X) + t["b1"]) * D1 / 0.75
    A2 = torch.relu(t["W2"] @ A1 + t["b2"]) * D2 / 0.75
    Z3 = t["W3"] @ A2 + t["b3"]
    bce = torch.nn.functional.binary_cross_entropy_with_logits(Z3, torch.tensor(Y, dtype=float))
    J = bce + 0.3 / (2 * 12) * sum((t[f"W{l}"] ** 2).sum() for l in range(1, 4))  # noqa: E741
    J.backward()
    assert math.isclose(cost, J.item(), rel_tol=1e-13)
    for name, tensor in t.items():
        assert relative_gap(grads[f"d{name}"], tensor.grad.numpy()) < 1e-12, name
    # The graph of the same cost passes finite differences.
    graph = build_cost_graph(
        X.T.tolist(), Y[0].tolist(), MLP.from_arrays(p, "relu"), masks, 0.75, 0.3
    )
    graph.backward()
    report = gradcheck(graph.J)
    assert report.ok, str(report)


@needs_football
@pytest.mark.parametrize(
    "options", [{"l2": 0.7}, {"keep_prob": 0.86}, {"l2": 0.7, "keep_prob": 0.86}]
)
def test_three_engines_agree_on_the_regularization_runs(options: dict[str, float]) -> None:
    data = datasets.load_football(FOOTBALL_DIR)
    runs = {
        engine: NeuralNetwork(
            [2, 20, 3, 1],
            "relu",
            0.3,
            3,
            init="scaled",
            seed=3,
            engine=engine,
            verbose=False,
            **options,
        ).fit(data.train_X, data.train_Y)
        for engine in ENGINES
    }
    first = runs["vectorized"]
    assert first.parameters_ is not None
    for engine, model in runs.items():
        assert model.parameters_ is not None
        assert np.allclose(model.costs_, first.costs_, rtol=1e-12, atol=0), engine
        for name, value in first.parameters_.items():
            assert relative_gap(model.parameters_[name], value) < 1e-12, (engine, name)


def test_three_engines_agree_with_momentum_adam_and_mini_batches() -> None:
    X, Y = datasets.course_moons(50)
    for optimizer in ("momentum", "adam"):
        full = [
            NeuralNetwork(
                [2, 5, 2, 1],
                "relu",
                0.01,
                4,
                init="he",
                seed=3,
                engine=engine,
                verbose=False,
                optimizer=optimizer,
                l2=0.2,
                keep_prob=0.8,
            ).fit(X, Y)
            for engine in ENGINES
        ]
        for model in full[1:]:
            assert np.allclose(model.costs_, full[0].costs_, rtol=1e-12, atol=0), optimizer
        batched = [
            NeuralNetwork(
                [2, 5, 2, 1],
                "relu",
                0.01,
                init="he",
                seed=3,
                engine=engine,
                verbose=False,
                optimizer=optimizer,
                epochs=2,
                mini_batch_size=16,
            ).fit(X, Y)
            for engine in ("vectorized", "graph")
        ]
        assert np.allclose(batched[1].costs_, batched[0].costs_, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------
# The first costs of the course's runs (one iteration each; the long runs elsewhere)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("init", "first"),
    [("he", 0.8830537463419761), ("zeros", 0.6931471805599453), ("large", math.inf)],
)
def test_initialization_assignments_first_costs(engine: str, init: str, first: float) -> None:
    train_X, train_Y, _, _ = datasets.circles()
    model = NeuralNetwork(
        [2, 10, 5, 1], "relu", 0.01, 2, init=init, seed=3, engine=engine, verbose=False
    )
    cost = model.fit(train_X, train_Y).costs_[0]
    if math.isinf(first):
        # The course's sum from A is inf; the graph's J, from the logits, is finite and large.
        assert cost == first if engine == "vectorized" else 10 < cost < math.inf
    else:
        assert math.isclose(cost, first, rel_tol=1e-12)


@needs_football
@pytest.mark.parametrize("engine", ["vectorized", "graph"])  # compiled: the agreement test
@pytest.mark.parametrize(
    ("options", "first"),
    [
        ({}, 0.6557412523481002),
        ({"l2": 0.7}, 0.6974484493131264),
        ({"keep_prob": 0.86}, 0.6543912405149825),
    ],
)
def test_regularization_assignments_first_costs(
    engine: str, options: dict[str, float], first: float
) -> None:
    data = datasets.load_football(FOOTBALL_DIR)
    model = NeuralNetwork(
        [2, 20, 3, 1],
        "relu",
        0.3,
        1,
        init="scaled",
        seed=3,
        engine=engine,
        verbose=False,
        **options,
    )
    assert math.isclose(model.fit(data.train_X, data.train_Y).costs_[0], first, rel_tol=1e-12)


@pytest.mark.parametrize("engine", ["vectorized", "graph"])
@pytest.mark.parametrize(
    ("optimizer", "first"), [("gd", "0.702405"), ("momentum", "0.702413"), ("adam", "0.702166")]
)
def test_optimization_assignments_first_epoch(engine: str, optimizer: str, first: str) -> None:
    X, Y = datasets.course_moons()
    model = NeuralNetwork(
        [2, 5, 2, 1],
        "relu",
        0.0007,
        init="he",
        seed=3,
        epochs=1,
        mini_batch_size=64,
        optimizer=optimizer,
        engine=engine,
        verbose=False,
    )
    assert f"{model.fit(X, Y).costs_[0]:f}" == first


def test_the_course_lines_are_printed_with_epochs_and_the_decayed_rate() -> None:
    import io

    X, Y = datasets.course_moons()
    out = io.StringIO()
    model = NeuralNetwork(
        [2, 5, 2, 1],
        "relu",
        0.1,
        init="he",
        seed=3,
        epochs=3,
        print_every=2,
        decay="update",
        decay_rate=1,
    )
    model.fit(X, Y, file=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Cost after epoch 0: 0.701091"  # as for "schedule": epoch 0 at α0
    assert lines[1] == "learning rate after epoch 0: 0.100000"
    assert lines[2].startswith("Cost after epoch 2: ") and lines[3].endswith(": 0.033333")
    assert model.learning_rates_ == [0.1, 0.1 / 1, 0.1 / 2]


# ---------------------------------------------------------------------------
# The optimizers, one step at a time
# ---------------------------------------------------------------------------


def test_mini_batches_cover_every_sample_once_in_the_courses_order() -> None:
    X = np.arange(2 * 150, dtype=float).reshape(2, 150)
    Y = (np.arange(150) % 2).reshape(1, 150)
    batches = random_mini_batches(X, Y, 64, seed=11)
    assert [b.shape[1] for b, _ in batches] == [64, 64, 22]
    order = np.random.RandomState(11).permutation(150)
    joined = np.concatenate([b for b, _ in batches], axis=1)
    assert np.array_equal(joined, X[:, order]) and np.array_equal(
        np.concatenate([y for _, y in batches], axis=1), Y[:, order]
    )


def test_momentum_and_adam_steps_are_their_formulas() -> None:
    rng = np.random.default_rng(0)
    p = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1))}
    g = {"dW1": rng.normal(size=(3, 2)), "db1": rng.normal(size=(3, 1))}
    before = {k: v.copy() for k, v in p.items()}
    gd = update_parameters_with_gd(p, g, 0.1)
    momentum, v = update_parameters_with_momentum(p, g, initialize_velocity(p), 0.9, 0.1)
    assert np.allclose(v["dW1"], 0.1 * g["dW1"]) and np.allclose(
        momentum["W1"], p["W1"] - 0.01 * g["dW1"]
    )
    assert np.allclose(gd["b1"], p["b1"] - 0.1 * g["db1"])
    v0, s0 = initialize_adam(p)
    adam, v1, s1 = update_parameters_with_adam(p, g, v0, s0, 1, 0.1)
    # The first step: v̂ = dθ, ŝ = dθ², so θ moves by α dθ / (|dθ| + ε) ≈ α · sign(dθ).
    assert np.allclose(adam["W1"], p["W1"] - 0.1 * np.sign(g["dW1"]), atol=1e-7)
    assert np.allclose(v1["dW1"], 0.1 * g["dW1"]) and np.allclose(s1["db1"], 0.001 * g["db1"] ** 2)
    assert all(np.array_equal(p[k], before[k]) for k in p)  # the caller's arrays untouched
    assert update_lr(1.0, 3, 0.5) == 0.4 and schedule_lr_decay(1.0, 2999, 1, 1000) == 1 / 3


# ---------------------------------------------------------------------------
# Settings refused before any training
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep_prob": 0}, r"keep_prob must be a number in \(0, 1\]"),
        ({"keep_prob": 1.2}, r"keep_prob must be a number in \(0, 1\]"),
        ({"keep_prob": float("nan")}, "keep_prob must be"),
        ({"keep_prob": 0.5, "layer_sizes": [2, 1]}, "has no hidden layer"),
        ({"l2": -0.1}, "l2 must be a finite number >= 0"),
        ({"l2": "0.7"}, "l2 must be"),
        ({"optimizer": "rmsprop"}, "optimizer must be one of 'gd', 'momentum', 'adam'"),
        ({"mini_batch_size": 64}, "mini_batch_size is for mini-batch training: give epochs="),
        ({"epochs": 10, "mini_batch_size": 0}, "mini_batch_size must be a whole number >= 1"),
        ({"epochs": 10, "iterations": 10}, "not both"),
        ({"epochs": -1}, "epochs must be a whole number >= 0"),
        ({"epochs": 10, "engine": "compiled"}, "full batch only"),
        ({"beta": 1.0}, r"beta must be a number in \[0, 1\)"),
        ({"beta2": -0.1}, "beta2 must be"),
        ({"epsilon": 0}, "epsilon must be a positive"),
        ({"decay": "exponential"}, "decay must be None, 'update' or 'schedule'"),
        ({"decay_rate": -1}, "decay_rate must be"),
        ({"time_interval": 0}, "time_interval must be a whole number >= 1"),
    ],
)
def test_bad_course_2_settings_are_refused_at_construction(
    kwargs: dict[str, object], message: str
) -> None:
    kwargs.setdefault("layer_sizes", [2, 5, 2, 1])
    with pytest.raises(ValueError, match=message):
        NeuralNetwork(**kwargs)  # type: ignore[arg-type]


def test_repr_names_what_differs_from_the_defaults() -> None:
    model = NeuralNetwork([2, 5, 2, 1], "relu", epochs=5, optimizer="adam", keep_prob=0.9)
    text = repr(model)
    assert "epochs=5" in text and "optimizer='adam'" in text and "keep_prob=0.9" in text
    assert "beta1" not in text and "iterations" not in text
