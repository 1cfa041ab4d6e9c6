"""The layer view: `draw(J, layers=True)` and the grouping behind it (microgrid/show/layers.py).

The grouping is tested on the three kinds of graph a learner meets: `nn.MLP` (through
the course's `cost_graph`), `NeuralNetwork(engine="graph")`'s own graph, and a graph
built with NumPy object arrays of labelled Values. The numbers it shows are checked
against the course's backward formulas computed in NumPy from the same weights
(closed form), entry by entry, and as they are printed in the picture.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from microgrid import NeuralNetwork, Value, datasets, draw, nn
from microgrid.course.networks.graph import build_cost_graph, cost_graph
from microgrid.course.networks.vectorized import initialize_parameters
from microgrid.show.layer_view import draw_layers
from microgrid.show.layers import LayerError, find_layers
from microgrid.show.layout import dot_available
from microgrid.show.notation import format_number

needs_dot = pytest.mark.skipif(not dot_available(), reason="needs Graphviz's dot")

PAGE_WIDTH_PX = 830
SMALLEST_READABLE_PX = 9.0


def closed_form(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray], g: str = "tanh") -> dict:
    """The course's forward and backward pass for [n_x, n_1, 1], written out in NumPy."""
    m = X.shape[1]
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.tanh(Z1) if g == "tanh" else np.maximum(Z1, 0)
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dA1 = p["W2"].T @ dZ2
    dZ1 = dA1 * ((1 - A1**2) if g == "tanh" else (Z1 > 0))
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
            "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}  # fmt: skip


@pytest.fixture(scope="module")
def flower() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    X, Y = datasets.planar()
    parameters = initialize_parameters([2, 4, 1], init="scaled", seed=3)
    return X[:, :5], Y[:, :5], parameters


def learner_graph(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray]) -> Value:
    """The course's network as a learner writes it with object arrays: W1 @ X + b1, ..."""

    def labelled(name: str) -> np.ndarray:
        A = p[name]
        return np.array(
            [[Value(float(A[j, k]), label=f"{name}[{j},{k}]") for k in range(A.shape[1])]
             for j in range(A.shape[0])],
            dtype=object,
        )  # fmt: skip

    W1, b1, W2, b2 = (labelled(name) for name in ("W1", "b1", "W2", "b2"))
    A1 = np.tanh(W1 @ X + b1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))  # σ written out: several nodes
    m = X.shape[1]
    J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    return J.named("J")


def three_graphs(X: np.ndarray, Y: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, Value]:
    by_mlp = cost_graph(X, Y, p)
    by_mlp.backward()
    model = NeuralNetwork([2, 4, 1], iterations=1, engine="graph", print_every=0)
    model.parameters_ = {k: v.copy() for k, v in p.items()}  # the same weights
    by_model = model.cost_graph(X, Y)
    learner = learner_graph(X, Y, p)
    learner.backward()
    return {"nn.MLP": by_mlp.J, "NeuralNetwork": by_model.J, "learner": learner}


@pytest.mark.parametrize("kind", ["nn.MLP", "NeuralNetwork", "learner"])
def test_the_layers_are_found_with_the_course_shapes(flower, kind: str) -> None:
    X, Y, p = flower
    net = find_layers(three_graphs(X, Y, p)[kind])
    assert net.m == 5 and net.sizes == [2, 4, 1]
    first, second = net.layers
    assert first.activation == "tanh"
    assert [first.shape(w) for w in ("W", "b", "Z", "A")] == [(4, 2), (4, 1), (4, 5), (4, 5)]
    assert [second.shape(w) for w in ("W", "b", "Z")] == [(1, 4), (1, 1), (1, 5)]
    assert [[w.label for w in row] for row in first.W][1] == ["W1[1,0]", "W1[1,1]"]
    # Every node under J is in exactly one group.
    groups = [*net.inputs, *net.cost, *(node for layer in net.layers for node in layer.nodes)]
    assert len(groups) == len(set(groups)) == len(net.order)
    assert net.root in net.cost


@pytest.mark.parametrize("kind", ["nn.MLP", "NeuralNetwork", "learner"])
def test_the_numbers_are_the_course_formulas_closed_form(flower, kind: str) -> None:
    X, Y, p = flower
    net = find_layers(three_graphs(X, Y, p)[kind])
    expected = closed_form(X, Y, p)
    first, second = net.layers
    read = {
        "Z1": first.array("Z"), "A1": first.array("A"), "Z2": second.array("Z"),
        "dZ2": second.array("dZ"), "dW2": second.array("dW"), "db2": second.array("db"),
        "dA1": first.array("dA"), "dZ1": first.array("dZ"), "dW1": first.array("dW"),
        "db1": first.array("db"),
    }  # fmt: skip
    for name, array in read.items():
        assert array.shape == expected[name].shape, name
        np.testing.assert_allclose(array, expected[name], rtol=1e-9, atol=1e-15, err_msg=name)


def test_relu_hidden_layer_and_the_three_graphs_agree(flower) -> None:
    X, Y, p = flower
    graph = cost_graph(X, Y, p, "relu")
    graph.backward()
    net = find_layers(graph.J)
    assert net.layers[0].activation == "relu"
    np.testing.assert_allclose(net.layers[0].array("dW"), closed_form(X, Y, p, "relu")["dW1"])


def numbers_in_row(source: str, formula: str) -> list[str]:
    """The numbers the picture prints in the row that starts with `formula`."""
    start = source.index(formula)
    ends = [source.find(mark, start) for mark in ('<TR><TD ALIGN="LEFT"><FONT', "\n")]
    row = source[start : min(end for end in ends if end > 0)]
    return re.findall(r'<TD ALIGN="RIGHT">([^<]*)</TD>', row)


@pytest.mark.parametrize("kind", ["nn.MLP", "learner"])
def test_the_picture_prints_the_closed_form_numbers(flower, kind: str) -> None:
    X, Y, p = flower
    source = draw(three_graphs(X, Y, p)[kind], layers=True, precision=4).source
    expected = closed_form(X, Y, p)
    shown = lambda a: [format_number(float(x), 4) for x in a.ravel()]  # noqa: E731
    # Small matrices in full: dW1 (4, 2), db1 (4, 1), dW2 (1, 4), db2 (1, 1).
    assert numbers_in_row(source, "dW1 = dZ1·Xᵀ / m") == shown(expected["dW1"])
    assert numbers_in_row(source, "db1 = Σ dZ1 / m, keepdims") == shown(expected["db1"])
    assert numbers_in_row(source, "dW2 = dZ2·A1ᵀ / m") == shown(expected["dW2"])
    assert numbers_in_row(source, "db2 = Σ dZ2 / m, keepdims") == shown(expected["db2"])
    # Larger ones by their first entries: dZ1 is (4, 5), its first 3 columns shown.
    assert numbers_in_row(source, "dZ1 = W2ᵀdZ2 ∗ (1 − A1²)") == shown(expected["dZ1"][:, :3])
    assert "(4, m)" in source and "(4, 2)" in source and "(4, 1)" in source


def test_dA_flows_up_between_the_boxes(flower) -> None:
    X, Y, p = flower
    source = draw(three_graphs(X, Y, p)["nn.MLP"], layers=True).source
    arrows = [line for line in source.splitlines() if "->" in line]
    assert [a.split("[")[0].strip() for a in arrows] == [
        "input -> layer1", "layer1 -> layer2", "layer1 -> layer2", "layer2 -> cost",
        "layer2 -> cost",
    ]  # fmt: skip
    up = [a for a in arrows if "dir=back" in a]
    assert "dA1 = W2ᵀdZ2 (4, m)" in up[0] and "dZ2 = A2 − Y (1, m)" in up[1]


def test_before_backward_the_backward_numbers_are_unknown(flower) -> None:
    X, Y, p = flower
    graph = cost_graph(X, Y, p)  # no backward()
    source = draw(graph.J, layers=True).source
    assert numbers_in_row(source, "dW1 = dZ1·Xᵀ / m") == []
    assert ">?<" in source


def test_expand_opens_one_layer_into_its_scalar_nodes(flower) -> None:
    X, Y, p = flower
    J = three_graphs(X[:, :1], Y[:, :1], p)["nn.MLP"]
    closed = draw(J, layers=True).source
    opened = draw(J, layers=True, expand="layer 1").source
    assert draw(J, expand=1).source == opened  # expand implies layers=True
    assert "cluster_layer1" in opened and "cluster_layer1" not in closed
    # Layer 1's 12 parameters and 4 units' nodes are drawn one by one, layer 2 stays a box.
    assert opened.count("W1[") >= 8 and "W1[0,1]" not in closed
    assert "dW2 = dZ2·A1ᵀ / m" in opened and "dW1 = dZ1·Xᵀ / m" not in opened
    assert "layer2 [" in opened and "layer1 [" not in opened
    with pytest.raises(ValueError, match=r'expand must name a layer.*"layer 2".*got 3'):
        draw(J, layers=True, expand=3)
    with pytest.raises(ValueError, match="more than max_nodes=5"):
        draw(J, expand=1, max_nodes=5)


def test_a_graph_without_labelled_parameters_is_refused_with_the_reason() -> None:
    x = Value(2.0, label="x")
    with pytest.raises(LayerError, match=r"labels, W1\[j,k\] and b1\[j\]"):
        draw((x * x).named("y"), layers=True)
    w = Value(1.0, label="W1[0,0]")
    with pytest.raises(LayerError, match=r"needs b1\[0\]"):
        draw_layers((w * x).named("y"))
    with pytest.raises(ValueError, match="show_local"):
        draw(w * x, layers=True, show_local=True)


def test_one_sample_graph_with_input_leaves(flower) -> None:
    from microgrid.course.networks import one_sample_graph

    _, _, p = flower
    L = one_sample_graph([1.0, 2.0], 1, p)
    L.backward()
    net = find_layers(L)
    assert net.m == 1 and [x.label for x in net.inputs] == ["x1", "x2"]
    assert net.layers[1].activation == "sigmoid" and net.loss == "cross-entropy"
    assert "leaves: x1, x2" in draw(L, layers=True).source


def smallest_label_px(svg: str) -> float:
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert size is not None
    width_px = float(size.group(1)) * 4 / 3
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    return min(fonts) * 4 / 3 * min(1.0, PAGE_WIDTH_PX / width_px)


@needs_dot
def test_the_course_networks_are_readable_at_page_width(flower) -> None:
    X, Y, p = flower
    J = three_graphs(X, Y, p)["nn.MLP"]
    assert smallest_label_px(draw(J, layers=True).pipe(format="svg").decode()) >= 9
    # The cats' [12288, 20, 7, 5, 1]: 245,760 weights in layer 1, drawn as 6 boxes.
    rng = np.random.default_rng(0)
    big = initialize_parameters([12288, 20, 7, 5, 1], init="scaled", seed=1)
    model = nn.MLP.from_arrays(big, "relu")
    graph = build_cost_graph(rng.random((1, 12288)).tolist(), [1.0], model)
    graph.backward()
    picture = draw(graph.J, layers=True)
    assert picture.source.count('<TABLE BORDER="1"') == 6  # input, 4 layers, cost
    assert "W1 (20, 12288)" not in picture.source  # the shape is its own cell
    assert "(20, 12288)" in picture.source and "⋮" in picture.source
    assert smallest_label_px(picture.pipe(format="svg").decode()) >= 9


@needs_dot
def test_the_explorer_api_draws_the_layer_view() -> None:
    from microgrid.apps.explorer.graph_api import NETWORK, GraphStore, RequestError, graph_answer

    store = GraphStore()
    answer = graph_answer({"graph": NETWORK, "layers": True}, store=store)
    assert answer["layers"] == ["layer 1", "layer 2"]
    assert "layer 1: 4 tanh units" in answer["svg"] and "dW1 = dZ1·Xᵀ / m" in answer["svg"]
    opened = graph_answer({"graph": NETWORK, "layers": True, "expand": 1}, store=store)["svg"]
    assert "layer 1, opened" in opened and "W1[0,0]" in opened
    # A slider's new value reaches the layer view's numbers (and the store's copy is restored).
    moved = graph_answer(
        {"graph": NETWORK, "layers": True, "values": {"W2[0,0]": 3.0}}, store=store
    )
    assert "W2[0,0]" not in moved["svg"] and moved["svg"] != answer["svg"]
    assert graph_answer({"graph": NETWORK, "layers": True}, store=store)["svg"] == answer["svg"]
    # An expression is no network: no layers, and asking for the layer view says why.
    plain = graph_answer({"expression": "3*(a+b*c)", "svg": False})
    assert plain["layers"] == []
    with pytest.raises(RequestError, match="labelled W1"):
        graph_answer({"expression": "3*(a+b*c)", "layers": True})
    with pytest.raises(RequestError, match='"expand" must be from 0 to 2, got 3'):
        graph_answer({"graph": NETWORK, "expand": 3}, store=store)
    with pytest.raises(RequestError, match='"layers" must be a bool'):
        graph_answer({"graph": NETWORK, "layers": "yes"}, store=store)


@needs_dot
def test_the_widget_draws_the_layer_view(flower) -> None:
    pytest.importorskip("anywidget")
    from microgrid.apps.widget.model import GraphWidget

    X, Y, p = flower
    graph = cost_graph(X[:, :2], Y[:, :2], p)
    w = GraphWidget(graph.J)
    assert w.numbers["layers"] == ["layer 1", "layer 2"]
    assert "layer 1: 4 tanh units" not in w.svg
    w.layers = True  # what the check box does
    assert "layer 1: 4 tanh units" in w.svg and "dA1 = W2ᵀdZ2 (4, m)" in w.svg
    w.expand = 2
    assert "layer 2, opened" in w.svg and "W2[0,3]" in w.svg
    assert ">2<" not in w.svg.replace(" ", "")
    w.values = {**w.values, "W2[0,3]": 2.0}  # a slider: the opened layer's numbers follow
    assert ">2<" in w.svg.replace(" ", "")
    w.layers, w.expand = False, 0
    assert "layer 2, opened" not in w.svg


@needs_dot
def test_render_writes_the_layer_view_and_jupyter_gets_it_in_time(flower, tmp_path) -> None:
    from microgrid import render

    X, Y, p = flower
    J = three_graphs(X, Y, p)["nn.MLP"]
    path = render(J, tmp_path / "layers.svg", layers=True, progress=None)
    assert "layer 1: 4 tanh units" in path.read_text(encoding="utf-8")
    picture = draw(J, layers=True)
    assert "dW1 = dZ1·Xᵀ / m" in picture._repr_image_svg_xml()


def test_a_penalty_on_the_weights_is_named_beside_dW(flower) -> None:
    from microgrid.engine.nary import sum as value_sum

    X, Y, p = flower
    graph = cost_graph(X, Y, p)
    weights = [w for w in graph.model.parameters() if w.label.startswith("W")]
    lam, m = 0.7, X.shape[1]
    J = (graph.J + lam / (2 * m) * value_sum([w * w for w in weights])).named("J")
    J.backward()
    net = find_layers(J)
    assert [layer.other_uses > 0 for layer in net.layers] == [True, True]
    source = draw(J, layers=True).source
    assert "dW1 = dZ1·Xᵀ / m + W1&#x27;s other uses" in source
    # The numbers are the graph's: the course's L2 gradient, dZ1·Xᵀ/m + (λ/m)·W1.
    expected = closed_form(X, Y, p)["dW1"] + lam / m * p["W1"]
    np.testing.assert_allclose(net.layers[0].array("dW"), expected, rtol=1e-9)
    assert net.root in net.cost


def test_the_layer_view_imports_no_numpy_at_module_level() -> None:
    # The explorer asks find_layers about every graph it answers, and the browser
    # edition's Python has no NumPy: only Layer.array() may import it, when called.
    import ast
    from pathlib import Path

    import microgrid.show

    folder = Path(microgrid.show.__file__).parent
    for name in ("layers.py", "layer_view.py", "markup.py", "notation.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        imported = [
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in (node.names if isinstance(node, ast.Import) else [node])
        ]
        assert not [m for m in imported if m.split(".")[0] == "numpy"], (name, imported)
