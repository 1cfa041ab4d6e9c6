"""The course's networks as Values: built from `nn` neurons, backprop by the chain rule.

For each sample (a column x of X) the network's output unit gives the logit
z[L]; its loss is L = bce(σ(z[L]), y), and the cost J = (1/m) Σ L. After
``J.backward()`` every parameter leaf holds dJ/dparameter, the numbers the
vectorized engine computes by hand, and each sample's output node holds
dJ/dz[L] = (a − y)/m: the course's dZ[L] = A[L] − Y, one sample at a time.

>>> import numpy as np
>>> from microgrid.course.networks.vectorized import initialize_parameters, vectorized_gradients
>>> X, Y = np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[1, 0]])
>>> p = initialize_parameters([2, 3, 1], init="scaled", seed=0)
>>> by_graph, by_hand = graph_gradients(X, Y, p), vectorized_gradients(X, Y, p)
>>> bool(np.allclose(by_graph.grads["dW1"], by_hand.grads["dW1"], rtol=1e-12, atol=0))
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.course.networks.common import (
    Floats,
    Gradients,
    check_activation,
    check_data,
    check_parameters,
)
from microgrid.engine import Operand, Value, binary_cross_entropy, binary_cross_entropy_with_logits
from microgrid.engine import sum as value_sum
from microgrid.nn import MLP


@dataclass
class NetworkGraph:
    """J = (1/m) Σ L⁽ⁱ⁾ as Values, with the network and each sample's output node at hand.

    ``z[i]`` is sample i's output logit z[L] and ``L[i]`` its loss (labels ``L(1)``,
    ``L(2)``, … counting from 1); ``model`` holds the parameter leaves.
    """

    J: Value
    model: MLP
    z: list[Value]
    L: list[Value]

    def backward(self) -> None:
        """Fresh deltas: zero the parameters' deltas, then backprop from J."""
        self.model.zero_grad()
        self.J.backward()

    def gradients(self) -> Gradients:
        """(cost, {dW1, db1, …}) read from the parameter leaves after `backward()`."""
        grads: dict[str, Floats] = {}
        for layer in self.model.layers:
            l = layer.index  # noqa: E741
            grads[f"dW{l}"] = np.array([[w.delta for w in n.w] for n in layer.neurons])
            grads[f"db{l}"] = np.array([[n.b.delta] for n in layer.neurons])
        return Gradients(self.J.value, grads)


def build_cost_graph(
    columns: Sequence[Sequence[float]],
    labels: Sequence[float],
    model: MLP,
    masks: Sequence[NDArray[np.bool_]] | None = None,
    keep_prob: float = 1.0,
    l2: float = 0.0,
) -> NetworkGraph:
    """J for samples given as columns (lists of floats) on the leaves of `model`.

    `masks` (one (n_l, m) array per hidden layer) drops unit j of layer l for sample
    i where ``masks[l − 1][j, i]`` is False: the next layer reads the number 0 in its
    place (no edge from it), and a kept unit is divided by `keep_prob`. `l2` adds
    λ/(2m) · Σ w² over every weight (the course's L2 term) to J.
    """
    zs, losses = [], []
    hidden, output = model.layers[:-1], model.layers[-1]
    for i, (x, y) in enumerate(zip(columns, labels, strict=True), start=1):
        a: Sequence[Operand] = x
        for l, layer in enumerate(hidden):  # noqa: E741 - the course's layer index, from 0
            a = layer(a)
            if masks is not None:
                kept = masks[l][:, i - 1].tolist()
                a = [a_j / keep_prob if keep else 0.0 for a_j, keep in zip(a, kept, strict=True)]
        (z,) = output(a)
        zs.append(z)
        losses.append(binary_cross_entropy_with_logits(z, y).named(f"L({i})"))
    m = len(losses)
    J = value_sum(losses) / m
    if l2:
        weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
        J = J + (l2 / (2 * m)) * value_sum([w * w for w in weights])
    return NetworkGraph(J.named("J"), model, zs, losses)


def cost_graph(
    X: ArrayLike,
    Y: ArrayLike,
    parameters: Mapping[str, ArrayLike],
    hidden_activation: str = "tanh",
) -> NetworkGraph:
    """Build J for the network `parameters` (the course's dict) on X (n_x, m), Y (1, m).

    The features are constants of the first layer's dot nodes: only the
    parameters get deltas.

    >>> import numpy as np
    >>> from microgrid.course.networks.vectorized import initialize_parameters
    >>> X, Y = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, 1.0]]), np.array([[1, 0, 1]])
    >>> g = cost_graph(X, Y, initialize_parameters([2, 4, 1], seed=2))
    >>> g.backward()
    >>> a = [1 / (1 + np.exp(-z.value)) for z in g.z]
    >>> [bool(np.isclose(3 * z.delta, a_i - y)) for z, a_i, y in zip(g.z, a, [1, 0, 1])]
    [True, True, True]
    """
    features, labels = check_data(X, Y)
    checked = check_parameters(parameters, features.shape[0])
    model = MLP.from_arrays(checked, check_activation(hidden_activation), output_activation=None)
    return build_cost_graph(features.T.tolist(), labels[0].tolist(), model)


def graph_gradients(
    X: ArrayLike,
    Y: ArrayLike,
    parameters: Mapping[str, ArrayLike],
    hidden_activation: str = "tanh",
) -> Gradients:
    """J and the grads dict by building `cost_graph` and backpropagating through it."""
    graph = cost_graph(X, Y, parameters, hidden_activation)
    graph.backward()
    return graph.gradients()


def one_sample_graph(
    x: Sequence[float],
    y: float,
    parameters: Mapping[str, ArrayLike],
    hidden_activation: str = "tanh",
) -> Value:
    """One sample through the network, as the course draws it: x → z[1] → a[1] → … → a[L] → L.

    The inputs are leaves x1, x2, …; the output goes through a = σ(z) and the
    seed's loss L(a, y), so the picture shows every step. Returns L.

    >>> from microgrid.course.networks.vectorized import initialize_parameters
    >>> L = one_sample_graph([1.0, 2.0], 1, initialize_parameters([2, 4, 1], seed=2))
    >>> L.label, [p.label for p in L.parents]
    ('L', ['a2[0]'])
    """
    checked = check_parameters(parameters, len(x))
    model = MLP.from_arrays(
        checked, check_activation(hidden_activation), output_activation="sigmoid"
    )
    inputs = [Value(float(x_k), f"x{k}") for k, x_k in enumerate(x, start=1)]
    if y not in (0, 1):
        raise ValueError(f"y must be 0 or 1, got {y!r}")
    (a,) = model.outputs(inputs)
    return binary_cross_entropy(a, y).named("L")
