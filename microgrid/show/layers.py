"""A network's scalar graph read back as the course's layers: W1, b1, Z1, A1, … for m samples.

`find_layers(J)` recognises the layers from the parameters' labels alone, the
way `nn.MLP`, `NeuralNetwork` and `check_backprop` name them: the weight from
unit k to unit j of layer l is a leaf labelled ``W{l}[j,k]``, its bias ``b{l}[j]``
(or ``b{l}[j,0]``). Everything else is read from the graph's structure, so a graph
a learner built with NumPy object arrays (``W1 @ X + b1``) is recognised too:

- a node's layer is the highest layer among the parameters it depends on;
- Z[l][j, i] is the node that adds the bias b[l][j] for sample i;
- A[l][j, i] is the node of layer l that layer l + 1 reads (Z itself for a linear layer);
- the samples are told apart by which Z of the next layer each A feeds.

The numbers come back as the course's arrays (`Layer.array`), with the course's
convention for the backward ones: dZ = m · ∂J/∂Z (the course leaves 1/m out of dZ
and puts it into dW = dZ·A_prevᵀ/m), dW = ∂J/∂W, db = ∂J/∂b.

>>> from microgrid import nn
>>> from microgrid.engine.nary import binary_cross_entropy_with_logits as bce
>>> model = nn.MLP(2, [4, 1], activation="tanh", init="course", seed=2)
>>> losses = [bce(model([1.0, -2.0]), 1), bce(model([0.5, 3.0]), 0)]
>>> J = (losses[0] + losses[1]) / 2
>>> J.backward()
>>> net = find_layers(J)
>>> net.m, [(layer.index, layer.shape("W"), layer.activation) for layer in net.layers]
(2, [(1, (4, 2), 'tanh'), (2, (1, 4), 'σ (in the loss)')])
>>> net.layers[0].array("dZ").shape
(4, 2)
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from microgrid.engine import Value
from microgrid.engine.primitives import bce, bce_with_logits, relu, sigmoid, tanh
from microgrid.engine.walks import topological_order

__all__ = ["Layer", "LayerError", "Network", "find_layers", "layer_number"]

WEIGHT = re.compile(r"^W(\d+)\[(\d+),\s*(\d+)\]$")
BIAS = re.compile(r"^b(\d+)\[(\d+)(?:,\s*0)?\]$")
ACTIVATIONS = (tanh, relu, sigmoid)  # the ops themselves: compared by identity
LOSSES = ("bce", "bce_with_logits")

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Floats = NDArray[np.float64]
else:
    Floats = Any


class LayerError(ValueError):
    """The graph is not one the layer view can read as layers; the message says why."""


@dataclass
class Layer:
    """Layer l: its parameters, and its Z and A for every sample, as nested lists of nodes.

    ``W[j][k]``, ``b[j]``, ``Z[j][i]``, ``A[j][i]`` (A is Z for a linear layer).
    ``activation`` is "tanh", "relu", "sigmoid", "linear", "σ (in the loss)" (the
    output of ``binary_cross_entropy_with_logits``: σ is part of the loss node) or
    "g" (a function written with several nodes, such as 1 / (1 + exp(−Z))).
    ``nodes`` holds every scalar node of the layer, parameters first.
    """

    index: int
    W: list[list[Value]]
    b: list[Value]
    Z: list[list[Value]] = field(default_factory=list)
    A: list[list[Value]] = field(default_factory=list)
    activation: str = "linear"
    nodes: list[Value] = field(default_factory=list)
    other_uses: int = 0
    """How many times W's entries are used beyond once per sample (a penalty such as
    λ/(2m) Σ W²): their shares are in dW too, beside dZ·A_prevᵀ/m."""

    @property
    def name(self) -> str:
        return f"layer {self.index}"

    def shape(self, what: str) -> tuple[int, int]:
        """The course's shape of W, b, Z, A, dZ, dW, db or dA: (4, 2), (4, 1), (4, m), …"""
        rows = len(self.W)
        key = what[1:] if what.startswith("d") else what
        if key == "W":
            return rows, len(self.W[0])
        if key == "b":
            return rows, 1
        return rows, len(self.Z[0]) if self.Z else 0

    def rows(self, what: str, corner: int | None = None) -> list[list[float]]:
        """The course's array as a list of rows (no NumPy: the browser edition has none).

        W, b, Z, A are values; dZ and dA are m · ∂J/∂node (the course's dZ = A − Y,
        without 1/m), dW and db ∂J/∂node (the course's dW = dZ·A_prevᵀ/m). Deltas are
        those the graph holds. ``corner=4``: only the first 4 rows and columns (a picture
        of W1 (20, 12288) reads 16 numbers, not 245,760).
        """
        m = len(self.Z[0]) if self.Z else 1
        grid = {"W": self.W, "Z": self.Z, "A": self.A, "b": [[b] for b in self.b]}
        key = what[1:] if what.startswith("d") else what
        if key not in grid:
            raise ValueError(f"array() takes W, b, Z, A, dW, db, dZ or dA, got {what!r}")
        if corner is not None:
            grid = {k: [row[:corner] for row in g[:corner]] for k, g in grid.items()}
        if what == key:
            if key == "A" and self.activation == "σ (in the loss)":
                # σ is inside the loss node: A = σ(Z), computed here from Z.
                return [[_sigmoid(node.value) for node in row] for row in grid[key]]
            return [[float(node.value) for node in row] for row in grid[key]]
        if what == "dA" and self.activation == "σ (in the loss)":
            raise ValueError(f"layer {self.index}: A = σ(Z) is inside the loss node: no dA")
        scale = m if key in ("Z", "A") else 1
        return [[scale * delta_number(node) for node in row] for row in grid[key]]

    def array(self, what: str) -> Floats:
        """The course's array as NumPy's (see `rows`): ``layer.array("dW")`` is its dW."""
        import numpy as np  # here, not at the top: the browser edition has no NumPy

        return np.array(self.rows(what), dtype=float)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


@dataclass
class Network:
    """The layers found under `root`, with the input and the cost around them.

    ``inputs``: the nodes before layer 1 (input leaves such as x1, x2; empty when the
    features are constants of the first products); ``cost``: the nodes after the last
    layer (the losses, their sum, J); ``loss``: "cross-entropy" when the cost is the
    course's −(1/m) Σ (Y log A + (1 − Y) log(1 − A)), else "".
    """

    root: Value
    m: int
    n_x: int
    layers: list[Layer]
    inputs: list[Value]
    cost: list[Value]
    loss: str
    order: list[Value]

    @property
    def sizes(self) -> list[int]:
        """The course's layer sizes [n_x, n_1, …, n_L]."""
        return [self.n_x, *(len(layer.W) for layer in self.layers)]

    def layer(self, which: int | str) -> Layer:
        """Layer l, by its number or its name ("layer 2")."""
        number = layer_number(which, len(self.layers))
        return self.layers[number - 1]


def delta_number(node: Value) -> float:
    """A node's delta as a number (after backward(create_graph=True) it is a Value)."""
    delta = node.delta
    return float(delta.value if isinstance(delta, Value) else delta)


def layer_number(which: int | str, count: int) -> int:
    """1 … count from 2, "2" or "layer 2"; a clear error for anything else."""
    number: int | None = None
    if isinstance(which, int) and not isinstance(which, bool):
        number = which
    elif isinstance(which, str):
        match = re.fullmatch(r"\s*(?:layer\s*)?(\d+)\s*", which)
        number = int(match.group(1)) if match else None
    if number is None or not 1 <= number <= count:
        names = ", ".join(f'"layer {l}"' for l in range(1, count + 1))  # noqa: E741
        raise LayerError(f"expand must name a layer of this network ({names}), got {which!r}")
    return number


def _parameters(
    order: Sequence[Value],
) -> dict[int, tuple[dict[tuple[int, int], Value], dict[int, Value]]]:
    """{l: ({(j, k): W leaf}, {j: b leaf})} from the leaves' labels."""
    found: dict[int, tuple[dict[tuple[int, int], Value], dict[int, Value]]] = {}
    for node in order:
        if node.parents or node.label[:1] not in ("W", "b"):
            continue
        weight = WEIGHT.match(node.label)
        if weight:
            l, j, k = weight.groups()  # noqa: E741
            found.setdefault(int(l), ({}, {}))[0][(int(j), int(k))] = node
            continue
        bias = BIAS.match(node.label)
        if bias:
            l, j = bias.group(1), bias.group(2)  # noqa: E741
            found.setdefault(int(l), ({}, {}))[1][int(j)] = node
    return found


def _grid(weights: dict[tuple[int, int], Value], l: int) -> list[list[Value]]:  # noqa: E741
    rows = 1 + max(j for j, _ in weights)
    cols = 1 + max(k for _, k in weights)
    missing = [(j, k) for j in range(rows) for k in range(cols) if (j, k) not in weights]
    if missing:
        j, k = missing[0]
        raise LayerError(
            f"layer {l}: W{l} looks ({rows}, {cols}) but no leaf is labelled W{l}[{j},{k}]"
        )
    return [[weights[(j, k)] for k in range(cols)] for j in range(rows)]


def _boundary(start: Value, layer_of: dict[int, int], parameter: set[int]) -> list[Value]:
    """The nodes of earlier layers that `start`'s layer reads: a walk up its own nodes."""
    level = layer_of[id(start)]
    found: list[Value] = []
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent in seen or id(parent) in parameter:
                continue
            seen.add(parent)
            if layer_of[id(parent)] < level:
                found.append(parent)
            else:
                stack.append(parent)
    return found


def find_layers(root: Value) -> Network:
    """Read the graph under `root` as the course's layers (see the module's docstring).

    Raises `LayerError` naming what is missing when the graph is not a network whose
    parameters are labelled ``W{l}[j,k]`` and ``b{l}[j]``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"the layer view needs a Value as its root, got {type(root).__name__}")
    order = topological_order(root)
    found = _parameters(order)
    if not found or 1 not in found or not found[1][0]:
        raise LayerError(
            "the layer view finds layers by their parameters' labels, W1[j,k] and b1[j] (as "
            "nn.MLP and NeuralNetwork name them): no leaf under the root is labelled W1[j,k]"
        )
    L = max(found)
    expected = list(range(1, L + 1))
    if sorted(found) != expected:
        missing = sorted(set(expected) - set(found))[0]
        raise LayerError(f"the graph has W{L} but no parameters of layer {missing}")
    parameter = {id(node) for ws, bs in found.values() for node in (*ws.values(), *bs.values())}
    layers: list[Layer] = []
    for l in expected:  # noqa: E741
        weights, biases = found[l]
        W = _grid(weights, l) if weights else []
        if not W:
            raise LayerError(f"layer {l} has biases b{l} but no weights W{l}[j,k]")
        if sorted(biases) != list(range(len(W))):
            raise LayerError(
                f"layer {l}: W{l} has {len(W)} rows, so the layer view needs b{l}[0] … "
                f"b{l}[{len(W) - 1}] (it finds each Z{l} as the node that adds the bias); "
                f"found {len(biases)}"
            )
        layers.append(Layer(l, W, [biases[j] for j in range(len(W))]))
    for lower, upper in itertools.pairwise(layers):
        if len(upper.W[0]) != len(lower.W):
            raise LayerError(
                f"W{upper.index} has {len(upper.W[0])} columns but layer {lower.index} has "
                f"{len(lower.W)} units"
            )

    # A node's layer: the highest layer among the parameters it depends on (one pass).
    # Keyed by id(): a graph of 250,000 nodes (the cats' first layer) is walked quickly.
    layer_of: dict[int, int] = {
        id(node): layer.index
        for layer in layers
        for node in (*(w for row in layer.W for w in row), *layer.b)
    }
    weight_ids = {id(w) for layer in layers for row in layer.W for w in row}
    children: dict[int, list[Value]] = {}
    uses: dict[int, int] = {}
    for node in order:
        key = id(node)
        if key in parameter:
            continue  # its layer is its label's
        level = 0
        for parent in node.parents:
            parent_key = id(parent)
            level = max(level, layer_of[parent_key])
            if parent_key not in weight_ids:
                children.setdefault(parent_key, []).append(node)
            else:  # a weight's users are only counted: one per sample, unless penalised
                uses[parent_key] = uses.get(parent_key, 0) + 1
        layer_of[key] = level
    position = {id(node): index for index, node in enumerate(order)}

    # Z[l][j, ·]: the nodes that add b[l][j], one per sample.
    for layer in layers:
        per_unit = []
        for bias in layer.b:
            users = sorted(
                {c for c in children.get(id(bias), []) if layer_of[id(c)] == layer.index},
                key=lambda node: position[id(node)],
            )
            per_unit.append(users)
        counts = {len(users) for users in per_unit}
        if len(counts) != 1 or 0 in counts:
            raise LayerError(
                f"layer {layer.index}: each bias b{layer.index}[j] should be added once per "
                f"sample, but the units are used {sorted(counts)} times"
            )
        layer.Z = per_unit
    m = len(layers[-1].Z[0])
    for layer in layers:
        if len(layer.Z[0]) != m:
            raise LayerError(
                f"layer {layer.index} is computed for {len(layer.Z[0])} samples but layer "
                f"{layers[-1].index} for {m}"
            )

    # The samples, from the top down: sample i of the last layer is its i-th use of
    # b[L][0]; below it, each Z[l+1][0, i] reads A[l][·, i], which tells A's sample.
    if len(layers[-1].Z) > 1 and L > 1:
        layers[-1].Z = _align(layers[-1].Z, layer_of, parameter)
    for lower, upper in zip(reversed(layers[:-1]), reversed(layers[1:]), strict=True):
        lower.A, lower.Z = _activations(lower, upper, layer_of, parameter)
    last = layers[-1]
    last.A, last.activation, loss = _output(last, children)

    # Each node's group: the layer it belongs to, the inputs, or the cost.
    cost_set: set[int] = set()
    after = {id(node) for row in last.A for node in row}
    top = max(layer_of.values())
    for node in order:  # parents first: everything downstream of A[L] is the cost
        key = id(node)
        if layer_of[key] < top or key in after or not node.parents:
            continue
        if any(id(p) in after or id(p) in cost_set for p in node.parents):
            cost_set.add(key)
    by_layer: dict[int, list[Value]] = {layer.index: [] for layer in layers}
    inputs: list[Value] = []
    for node in order:
        key = id(node)
        if key in cost_set:
            continue
        if layer_of[key] == 0:
            inputs.append(node)
        elif key not in parameter:
            by_layer[layer_of[key]].append(node)
    for layer in layers:
        params = [w for row in layer.W for w in row] + list(layer.b)
        layer.nodes = params + by_layer[layer.index]
        layer.other_uses = sum(uses.get(id(w), 0) - m for row in layer.W for w in row)
    cost = [node for node in order if id(node) in cost_set]
    return Network(root, m, len(layers[0].W[0]), layers, inputs, cost, loss, order)


def _align(
    Z: list[list[Value]], layer_of: dict[int, int], parameter: set[int]
) -> list[list[Value]]:
    """Unit j's Z nodes in unit 0's sample order: the same sample reads the same A below."""
    keys = [frozenset(_boundary(z, layer_of, parameter)) for z in Z[0]]
    index = {key: i for i, key in enumerate(keys)}
    aligned = [Z[0]]
    for j, row in enumerate(Z[1:], start=1):
        ordered: list[Value | None] = [None] * len(row)
        for z in row:
            i = index.get(frozenset(_boundary(z, layer_of, parameter)))
            if i is None or ordered[i] is not None:
                raise LayerError(f"cannot tell which sample unit {j}'s Z belongs to")
            ordered[i] = z
        aligned.append([z for z in ordered if z is not None])
    return aligned


def _activations(
    lower: Layer,
    upper: Layer,
    layer_of: dict[int, int],
    parameter: set[int],
) -> tuple[list[list[Value]], list[list[Value]]]:
    """A[l] (what layer l + 1 reads, per sample) and Z[l] in the same sample order."""
    n, m = len(lower.W), len(upper.Z[0])
    A: list[list[Value | None]] = [[None] * m for _ in range(n)]
    Z: list[list[Value | None]] = [[None] * m for _ in range(n)]
    z_unit = {z: j for j, row in enumerate(lower.Z) for z in row}
    kinds = set()
    for i, z_upper in enumerate(upper.Z[0]):
        for a in _boundary(z_upper, layer_of, parameter):
            if layer_of[id(a)] != lower.index:
                continue
            z, kind = _z_under(a, z_unit, lower.index, layer_of, parameter)
            j = z_unit[z]
            if A[j][i] is not None and A[j][i] is not a:
                raise LayerError(
                    f"layer {upper.index} reads two values of unit {j} of layer "
                    f"{lower.index} for one sample"
                )
            A[j][i], Z[j][i] = a, z
            kinds.add(kind)
    for j in range(n):
        for i in range(m):
            if A[j][i] is None:
                raise LayerError(
                    f"layer {upper.index} does not read unit {j} of layer {lower.index} "
                    f"for sample {i + 1}"
                )
    lower.activation = kinds.pop() if len(kinds) == 1 else "g"
    return A, Z  # type: ignore[return-value]


def _z_under(
    a: Value,
    z_unit: dict[Value, int],
    level: int,
    layer_of: dict[int, int],
    parameter: set[int],
) -> tuple[Value, str]:
    """The Z node that A = g(Z) was computed from, and g's name."""
    if a in z_unit:
        return a, "linear"
    if a.op in ACTIVATIONS and len(a.parents) == 1 and a.parents[0] in z_unit:
        return a.parents[0], str(a.op)
    stack, seen = [a], {a}
    while stack:  # g written with several nodes: walk up to the Z inside the layer
        node = stack.pop()
        for parent in node.parents:
            if parent in z_unit:
                return parent, "g"
            if parent not in seen and id(parent) not in parameter and layer_of[id(parent)] == level:
                seen.add(parent)
                stack.append(parent)
    raise LayerError(f"cannot find the Z{level} that {a.label or 'a node'} is computed from")


def _output(last: Layer, children: dict[int, list[Value]]) -> tuple[list[list[Value]], str, str]:
    """A[L], the output activation, and the loss ("cross-entropy" or "")."""
    A: list[list[Value]] = []
    kinds = set()
    loss = ""
    for row in last.Z:
        out = []
        for z in row:
            users = children.get(id(z), [])
            activated = [u for u in users if u.op in ACTIVATIONS and len(u.parents) == 1]
            if len(users) == 1 and len(activated) == 1:
                a = activated[0]
                kinds.add(str(a.op))
                readers = children.get(id(a), [])
                if a.op is sigmoid and readers and all(c.op is bce for c in readers):
                    loss = "cross-entropy"
            else:
                a = z
                if users and all(u.op is bce_with_logits for u in users):
                    kinds.add("σ (in the loss)")
                    loss = "cross-entropy"
                else:
                    kinds.add("linear")
            out.append(a)
        A.append(out)
    activation = kinds.pop() if len(kinds) == 1 else "g"
    return A, activation, loss
