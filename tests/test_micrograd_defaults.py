"""micrograd's code, unchanged but for its imports, builds micrograd's network: `nn.MLP`'s
hidden layers are relu by default (they were tanh, so micrograd's demo trained a tanh
network), while the course's `NeuralNetwork` keeps the course's tanh. And `draw(J)`
typed in a terminal says how to see the picture instead of `<graphviz... object at 0x…>`.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from microgrid import NeuralNetwork, Value, draw, nn

ROOT = Path(__file__).resolve().parent.parent


def test_mlp_hidden_layers_are_relu_and_the_output_linear_by_default() -> None:
    model = nn.MLP(2, [16, 16, 1])
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert nn.MLP.from_arrays({k: v for k, v in model.arrays().items()}).activation == "relu"
    assert nn.Neuron([1.0, 2.0]).activation == "relu"  # micrograd's Neuron(nonlin=True)
    # a hidden unit below zero is 0, as relu makes it (tanh would be negative)
    one = nn.MLP(1, [1, 1])
    one.load_arrays({"W1": [[1.0]], "b1": [[0.0]], "W2": [[1.0]], "b2": [[0.0]]})
    assert one([-3.0]).value == 0.0
    # the course's network keeps the course's tanh
    assert NeuralNetwork([2, 4, 1]).hidden_activation == "tanh"
    assert nn.MLP(2, [4, 1], activation="tanh").activation == "tanh"


def test_micrograds_mlp_and_ours_compute_the_same_with_the_same_weights() -> None:
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(1)
    theirs = micrograd_nn.MLP(2, [4, 4, 1])  # micrograd's defaults: relu, then linear
    ours = nn.MLP(2, [4, 4, 1])  # ours, with no activation named
    for mine, their_layer in zip(ours.layers, theirs.layers, strict=True):
        for neuron, their_neuron in zip(mine.neurons, their_layer.neurons, strict=True):
            for w, their_w in zip(neuron.w, their_neuron.w, strict=True):
                w.value = their_w.data
            neuron.b.value = their_neuron.b.data
    x = [0.7, -1.3]
    assert ours(x).value == pytest.approx(theirs(x).data, rel=1e-12)


def test_from_micrograd_says_so_in_its_first_lines() -> None:
    first = (ROOT / "docs" / "from-micrograd.md").read_text(encoding="utf-8").split("\n\n")[1]
    assert "relu" in first and "micrograd" in first and "tanh" in first
    assert "NeuralNetwork" in first


def test_draw_in_a_terminal_says_how_to_see_the_picture() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    J = (a * b).named("J")
    J.backward()
    shown = repr(draw(J))
    assert shown == (
        '<the graph of J (3 nodes): Jupyter shows the picture; here, render(J, "J.svg") saves it>'
    )
    assert "object at 0x" not in repr(draw((a + 1).named("L(0)")))
    assert 'render(root, "root.svg")' in repr(draw((a + 1).named("L(0)")))
    assert "dJ/da" in draw(J).source  # still the Digraph Jupyter draws
