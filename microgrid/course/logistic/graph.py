"""Way 1: logistic regression as a graph of Values, backprop by the chain rule.

`single_example` is the seed's picture for one sample (x1, x2, w1, w2, b → z → a → L);
`cost_graph` builds J = (1/m) Σ L for m samples; `graph_gradients` backpropagates through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from microgrid.course.arguments import Floats, check_data, check_finite
from microgrid.course.logistic.common import Gradients, as_bias, as_weights, check_problem
from microgrid.engine import Value
from microgrid.engine.nary import binary_cross_entropy, dot
from microgrid.engine.nary import sum as value_sum


def single_example(
    x: Sequence[float], y: float, w: Sequence[float | Value], b: float | Value
) -> Value:
    """The seed's graph for one sample: x1, x2, w1, w2, b → z → a → L. Returns L.

    Numbers become leaves labelled x1, x2, …, w1, w2, …, b; Values are used as
    given. After ``L.backward()``: z.delta = a − y and w1.delta = x1 · dz.

    >>> import math
    >>> from microgrid import topological_order
    >>> L = single_example([1.0, 2.0], 1, [0.5, -0.25], 0.1)
    >>> L.backward()
    >>> nodes = {node.label: node for node in topological_order(L)}
    >>> list(nodes)
    ['w1', 'w2', 'x1', 'x2', 'wᵀx', 'b', 'z', 'a', 'L']
    >>> a, z = nodes["a"], nodes["z"]
    >>> math.isclose(z.delta, a.value - 1), math.isclose(nodes["w1"].delta, 1.0 * z.delta)
    (True, True)
    """
    x, w = one_column(x, "x"), one_column(w, "w")
    if len(x) != len(w) or not len(x):
        raise ValueError(
            f"x and w need the same, non-zero number of features; got {len(x)} and {len(w)}"
        )
    label = as_bias(y, "y")
    if label not in (0.0, 1.0):
        raise ValueError(f"y must be 0 or 1 (1 = cat, 0 = not cat), got {y!r}")
    xs = [Value(as_bias(x_j, f"x[{j}]"), f"x{j + 1}") for j, x_j in enumerate(x)]
    ws = [w_j if isinstance(w_j, Value) else Value(w_j, f"w{j + 1}") for j, w_j in enumerate(w)]
    bias = b if isinstance(b, Value) else Value(b, "b")
    z = (dot(ws, xs).named("wᵀx") + bias).named("z")
    a = z.sigmoid().named("a")
    return binary_cross_entropy(a, label).named("L")


def one_column(values: Any, name: str) -> Any:
    """A flat sequence from a list, an (n,) array or an (n, 1) column (the seed's shapes)."""
    if isinstance(values, np.ndarray):
        if values.ndim == 2 and values.shape[1] == 1:
            return list(values[:, 0])
        if values.ndim != 1:
            raise ValueError(
                f"{name} must hold one value per feature, shape (n,) or (n, 1); "
                f"got shape {values.shape}"
            )
        return list(values)
    return values


@dataclass
class CostGraph:
    """J = (1/m) Σ L(a⁽ⁱ⁾, y⁽ⁱ⁾) as Values, with every sample's z, a, L at hand.

    ``z[i]``, ``a[i]``, ``L[i]`` are sample i's nodes (labels ``z(1)``, ``a(1)``, …,
    counting from 1 like the seed); ``w`` and ``b`` are the parameter leaves.
    """

    J: Value
    w: list[Value]
    b: Value
    z: list[Value]
    a: list[Value]
    L: list[Value]

    def backward(self) -> None:
        """Backprop from J: fills every node's delta (= dJ/dnode)."""
        self.J.backward()

    @property
    def dw(self) -> Floats:
        """dJ/dw as an (n, 1) column, read from the w leaves after `backward()`."""
        return np.array([[w_j.delta] for w_j in self.w], dtype=np.float64)

    @property
    def db(self) -> float:
        return float(self.b.delta)

    def gradients(self) -> Gradients:
        """(cost, dw, db) after `backward()`."""
        return Gradients(self.J.value, self.dw, self.db)


def cost_graph(
    X: ArrayLike, Y: ArrayLike, w: ArrayLike | Sequence[Value], b: float | Value
) -> CostGraph:
    """Build J for m samples from Values: one `dot` node per sample, then z → a → L.

    w is an (n, 1) array (leaves labelled w1 … wn are made) or a list of n Values;
    b a number (leaf "b") or a Value. The features of X are constants of the dot
    nodes, so only w and b get deltas. After backward, m · z⁽ⁱ⁾.delta = a⁽ⁱ⁾ − y⁽ⁱ⁾.

    The loss is `binary_cross_entropy(a, y)`, not the with-logits form: the graph
    is then the seed's z → a → L, and backprop visibly goes through a
    (da = −y/a + (1−y)/(1−a), times σ'(z) = a(1−a), gives dz = a − y). The price:
    if a sample is so confidently wrong that σ(z) rounds to exactly 0 or 1
    (|z| > ~37), L is infinite in floating point and a ValueError names the sample;
    the loop and vectorized ways compute L from z and stay finite there.

    >>> import math
    >>> g = cost_graph([[1.0, 2.0], [3.0, 4.0]], [[1, 0]], [[0.1], [-0.2]], 0.0)
    >>> g.backward()
    >>> [math.isclose(2 * z.delta, a.value - y) for z, a, y in zip(g.z, g.a, [1, 0])]
    [True, True]
    """
    features, labels = check_data(X, Y)
    check_finite(features)
    n = features.shape[0]
    ws: list[Value]
    if isinstance(w, Sequence) and any(isinstance(v, Value) for v in w):
        ws = [v for v in w if isinstance(v, Value)]
        if len(ws) != len(w) or len(ws) != n:
            raise ValueError(f"w as Values must be a list of n = {n} Values, got {w!r}")
    else:
        # needed with NumPy 2.4's stubs, not with 2.5's: unused-ignore keeps mypy quiet on both
        ws = weight_leaves(as_weights(w, n)[:, 0].tolist())  # type: ignore[arg-type,unused-ignore]
    bias = b if isinstance(b, Value) else Value(as_bias(b), "b")
    return build_cost_graph(features.T.tolist(), labels[0].tolist(), ws, bias)


def weight_leaves(w: list[float]) -> list[Value]:
    return [Value(w_j, f"w{j + 1}") for j, w_j in enumerate(w)]


def build_cost_graph(
    columns: list[list[float]], labels: list[float], w: list[Value], b: Value
) -> CostGraph:
    m = len(columns)
    weights = tuple(w)  # one tuple shared by all m dot nodes (dot need not copy it)
    zs, as_, Ls = [], [], []
    for i, (x, y) in enumerate(zip(columns, labels, strict=True), start=1):
        z = (dot(weights, x).named(f"wᵀx({i})") + b).named(f"z({i})")
        a = z.sigmoid().named(f"a({i})")
        try:
            # The seed's z → a → L: backprop goes through a, so the graph itself
            # shows dz = da · σ'(z) = a − y.
            L = binary_cross_entropy(a, y).named(f"L({i})")
        except ValueError:
            raise ValueError(
                f"sample {i}: a = σ(z) rounded to {a.value:g} with label y = {y:g} "
                f"(z = {z.value:.4g}), so the seed's loss L(a, y) is infinite in floating "
                "point; the vectorized and loop engines compute it from z and stay finite"
            ) from None
        zs.append(z)
        as_.append(a)
        Ls.append(L)
    J = (value_sum(Ls) / m).named("J")
    return CostGraph(J, w, b, zs, as_, Ls)


def graph_gradients(X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: float) -> Gradients:
    """J, dw, db by building `cost_graph` and backpropagating through it."""
    features, labels, weights, bias = check_problem(X, Y, w, b)
    check_finite(features)  # cheap next to building the graph; a NaN would stop it midway
    return graph_pass(features.T.tolist(), labels[0].tolist(), weights[:, 0].tolist(), bias)


def graph_pass(
    columns: list[list[float]], labels: list[float], w: list[float], b: float
) -> Gradients:
    graph = build_cost_graph(columns, labels, weight_leaves(w), Value(b, "b"))
    graph.backward()
    return graph.gradients()
