"""microgrid.nn: parameters named as in the course, three initialisations, gradients vs PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, graph_stats, nn
from microgrid.nn import MLP, Layer, Neuron, initial_arrays, parameter_count


def legacy_draws(seed: int, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """What the course's `np.random.seed(seed)` then `randn(*shape)` in order gives."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        return [np.random.randn(*shape) for shape in shapes]
    finally:
        np.random.set_state(state)


def test_the_course_network_has_17_parameters_named_as_in_the_course() -> None:
    model = MLP(2, [4, 1], init="course", seed=2)
    names = [name for name, _ in model.named_parameters()]
    expected = []
    for j in range(4):  # entries count from 0, as NumPy indexes W1 (docs/glossary.md)
        expected += [f"W1[{j},0]", f"W1[{j},1]", f"b1[{j}]"]
    expected += [f"W2[0,{k}]" for k in range(4)] + ["b2[0]"]
    assert names == expected and len(names) == 17 == parameter_count([2, 4, 1])
    assert [p.label for p in model.parameters()] == names
    assert all(not p.parents for p in model.parameters())  # leaves


def test_course_init_is_the_legacy_seed_then_randn_times_point_01_per_layer() -> None:
    W1, W2 = legacy_draws(2, [(4, 2), (1, 4)])
    p = initial_arrays([2, 4, 1], init="course", seed=2)
    assert np.array_equal(p["W1"], W1 * 0.01) and np.array_equal(p["W2"], W2 * 0.01)
    assert not p["b1"].any() and p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1)
    # The MLP's leaves hold the same numbers: the label is the array's index.
    model = MLP(2, [4, 1], init="course", seed=2)
    leaves = dict(model.named_parameters())
    assert leaves["W1[2,1]"].value == p["W1"][2, 1] and leaves["W2[0,3]"].value == p["W2"][0, 3]


def test_scaled_init_divides_by_the_root_of_the_fan_in() -> None:
    draws = legacy_draws(1, [(5, 8), (3, 5), (1, 3)])
    p = initial_arrays([8, 5, 3, 1], init="scaled", seed=1)
    for l, draw in enumerate(draws, start=1):  # noqa: E741
        assert np.array_equal(p[f"W{l}"], draw / np.sqrt(draw.shape[1]))
    # NumPy's global generator is left alone.
    state = np.random.get_state()[1].copy()
    initial_arrays([3, 2, 1], init="scaled", seed=7)
    assert np.array_equal(np.random.get_state()[1], state)


def test_uniform_init_is_micrograds_and_seeded() -> None:
    a = initial_arrays([3, 16, 1], init="uniform", seed=5)
    b = initial_arrays([3, 16, 1], init="uniform", seed=5)
    c = initial_arrays([3, 16, 1], init="uniform", seed=6)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])
    assert np.abs(a["W1"]).max() <= 1 and a["W1"].std() > 0.3
    assert not a["b1"].any()  # micrograd starts biases at 0


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_a_neuron_is_one_dot_node_plus_b_then_g(activation: str) -> None:
    n = Neuron([0.5, -1.5, 2.0], -0.25, activation, layer=2, unit=3)
    x = [1.0, 0.5, 0.75]
    out = n(x)
    z = 0.5 * 1.0 - 1.5 * 0.5 + 2.0 * 0.75 - 0.25
    g = {
        "tanh": math.tanh,
        "relu": lambda v: max(v, 0.0),
        "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
        "linear": lambda v: v,
    }[activation]
    assert out.value == pytest.approx(g(z), rel=1e-15)
    assert out.label == ("z2[3]" if activation == "linear" else "a2[3]")
    ops = graph_stats(out).ops
    assert ops["dot"] == 1 and ops["+"] == 1


def test_one_dot_node_per_pre_activation_in_an_mlp() -> None:
    model = MLP(3, [4, 2, 1], activation="relu", init="scaled", seed=0)
    out = model([0.1, 0.2, 0.3])
    assert graph_stats(out).ops["dot"] == 4 + 2 + 1
    assert out.label == "z3[0]"  # the default output is linear: the logit


@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    n_inputs=st.integers(1, 4),
    activation=st.sampled_from(["tanh", "relu", "sigmoid"]),
    output=st.sampled_from([None, "sigmoid", "tanh"]),
    seed=st.integers(0, 1000),
    data=st.data(),
)
@settings(max_examples=30)
def test_mlp_forward_and_gradients_match_pytorch(
    sizes: list[int],
    n_inputs: int,
    activation: str,
    output: str | None,
    seed: int,
    data: st.DataObject,
) -> None:
    torch = pytest.importorskip("torch")
    x = data.draw(st.lists(st.floats(-3, 3), min_size=n_inputs, max_size=n_inputs))
    model = MLP(n_inputs, sizes, activation, output, init="scaled", seed=seed)
    outputs = model.outputs(x)
    J = Value(0.0)
    for k, o in enumerate(outputs, start=1):
        J = J + k * o  # a weighted sum: every output's delta differs
    J.backward()

    g = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
    arrays = model.arrays()
    tensors = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in arrays.items()
    }
    A = torch.tensor(x, dtype=torch.float64).reshape(-1, 1)
    L = len(sizes)
    for l in range(1, L + 1):  # noqa: E741
        Z = tensors[f"W{l}"] @ A + tensors[f"b{l}"]
        last = output if output is not None else None
        A = g[activation](Z) if l < L else (g[last](Z) if last else Z)
    weights = torch.arange(1, A.shape[0] + 1, dtype=torch.float64).reshape(-1, 1)
    (weights * A).sum().backward()
    assert [o.value for o in outputs] == pytest.approx(A[:, 0].tolist(), rel=1e-12, abs=1e-15)
    for layer in model.layers:
        l = layer.index  # noqa: E741
        dW = np.array([[w.delta for w in n.w] for n in layer.neurons])
        db = np.array([[n.b.delta] for n in layer.neurons])
        assert np.allclose(dW, tensors[f"W{l}"].grad.numpy(), rtol=1e-12, atol=1e-15)
        assert np.allclose(db, tensors[f"b{l}"].grad.numpy(), rtol=1e-12, atol=1e-15)


def test_zero_grad_and_arrays_round_trip() -> None:
    model = MLP(2, [3, 1], init="uniform", seed=3)
    out = model([1.0, 2.0])
    out.backward()
    assert any(p.delta for p in model.parameters())
    model.zero_grad()
    assert not any(p.delta for p in model.parameters())
    arrays = model.arrays()
    copy = MLP.from_arrays(arrays, "tanh")
    assert all(np.array_equal(copy.arrays()[k], arrays[k]) for k in arrays)
    arrays["W1"][0, 0] = 42.0
    model.load_arrays(arrays)
    assert dict(model.named_parameters())["W1[0,0]"].value == 42.0


def test_layer_from_arrays_reads_the_course_shapes() -> None:
    layer = Layer.from_arrays(np.array([[1.0, 2.0]]), np.array([[0.5]]), "linear", index=1)
    (z,) = layer([3.0, 4.0])
    assert z.value == 11.5 and [p.label for p in layer.parameters()] == [
        "W1[0,0]",
        "W1[0,1]",
        "b1[0]",
    ]


def test_one_output_is_the_value_itself_and_several_are_a_list() -> None:
    x = [0.5, -1.0]
    one, three = MLP(2, [4, 1], seed=1), MLP(2, [4, 3], seed=1)
    assert isinstance(one(x), Value) and one(x).value == one.outputs(x)[0].value
    assert isinstance(three(x), list) and len(three(x)) == 3 == len(three.outputs(x))
    # micrograd's demo loss line, as written there:
    ys, scores = [1.0, -1.0], [one(x), one([1.0, 2.0])]
    loss = sum((1 + -yi * scorei).relu() for yi, scorei in zip(ys, scores, strict=True))
    assert isinstance(loss, Value) and loss.parents


def test_inputs_can_be_values_with_deltas() -> None:
    x1, x2 = Value(1.0, "x1"), Value(-1.0, "x2")
    model = MLP(2, [2, 1], activation="tanh", init="scaled", seed=1)
    out = model([x1, x2])
    out.backward()
    assert x1.delta != 0 and x2.delta != 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(2, [4, 1], activation="softplus"), "activation must be one of"),
        (lambda: MLP(2, [4, 1], output_activation="gelu"), "output_activation must be one of"),
        (lambda: MLP(2, []), "at least an input and an output"),
        (lambda: MLP(2, [0, 1]), "size 1 is 0"),
        (lambda: MLP(2, [True, 1]), "size 1 is True"),
        (lambda: MLP(2, [4, 1], init="xavier"), "init must be one of"),
        (lambda: MLP(2, [4, 1], seed=-1), "seed must be"),
        (lambda: MLP(2, [4, 1], seed=1.5), "seed must be"),  # type: ignore[arg-type]
        (lambda: MLP(2, [4, 1])([1.0]), "takes 2 inputs, got 1"),
        (lambda: Neuron([], 0.0), "at least one weight"),
        (lambda: Neuron([1.0, 2.0])([1.0]), "has 2 weights but got 1 inputs"),
        (lambda: Layer.from_arrays([[1.0]], [[0.0], [1.0]]), "W1 must be"),
        (lambda: Layer.from_arrays([[math.nan]], [[0.0]]), "finite"),
        (lambda: MLP.from_arrays({"W1": np.ones((2, 2))}), "W1, b1"),
        (
            lambda: MLP.from_arrays(
                {
                    "W1": np.ones((3, 2)),
                    "b1": np.ones((3, 1)),
                    "W2": np.ones((1, 2)),
                    "b2": np.ones((1, 1)),
                }
            ),
            "W2 has 2 columns but layer 1 has 3 units",
        ),
    ],
)
def test_bad_networks_get_clear_errors(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        make()  # type: ignore[operator]


def test_load_arrays_refuses_wrong_shapes() -> None:
    model = MLP(2, [3, 1])
    arrays = model.arrays()
    arrays["W1"] = np.ones((2, 2))
    with pytest.raises(ValueError, match="W1 / b1"):
        model.load_arrays(arrays)


def test_repr_says_what_the_network_is() -> None:
    assert repr(nn.MLP(2, [16, 16, 1], activation="relu")) == (
        "MLP([2, 16, 16, 1], activation='relu', output='linear')"
    )
