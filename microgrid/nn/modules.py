"""Neural networks from Values: `Neuron`, `Layer`, `MLP`, named the way the course names them.

A neuron computes z = w·x + b (one `dot` node, then + b) and a = g(z). Its
parameters are leaves labelled like the course's arrays: the weight from input k
to unit j of layer l is ``W{l}[j,k]``, the entry ``W{l}[j, k]`` of the course's
NumPy array (so j and k count from 0, layers from 1; docs/glossary.md), its bias ``b{l}[j]``:

>>> from microgrid import nn
>>> model = nn.MLP(2, [4, 1], init="course", seed=2)
>>> [name for name, _ in model.named_parameters()][:3], len(model.parameters())
(['W1[0,0]', 'W1[0,1]', 'b1[0]'], 17)
>>> y_hat = model([1.0, -2.0])   # one output: the Value itself, as in micrograd
>>> y_hat.label
'z2[0]'

Initialisation (`init`), always seeded and deterministic:

- ``"course"``: NumPy's legacy ``np.random.seed(seed)`` then ``randn(n_out, n_in) * 0.01``
  for each layer in order, zero biases (the course's weeks 3 and 4, so its numbers reproduce);
- ``"scaled"``: ``randn(n_out, n_in) / sqrt(n_in)`` (week 4's L-layer model);
- ``"uniform"``: uniform(−1, 1) weights and zero biases, as micrograd does;
- ``"zeros"``: every weight 0 (course 2's first initialization: every hidden unit stays the
  same, the symmetry no step can break);
- ``"large"``: ``randn(n_out, n_in) * 10`` (course 2's "random" initialization, too large);
- ``"he"``: ``randn(n_out, n_in) * sqrt(2 / n_in)`` (He et al. 2015, course 2's choice for relu).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from microgrid.engine import Operand, Value
from microgrid.engine.nary import dot

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
INITS = ("course", "scaled", "uniform", "zeros", "large", "he")

Floats = NDArray[np.float64]


class Module:
    """What every network part has: its parameters, and a way to zero their deltas."""

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(label, leaf) for every parameter, in order: W1[0,0], W1[0,1], b1[0], …"""
        yield from ()

    def parameters(self) -> list[Value]:
        """Every parameter leaf, in order (what an optimizer updates)."""
        return [value for _, value in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's delta to 0 (before the next backward())."""
        for value in self.parameters():
            value.delta = 0.0


def _activate(z: Value, activation: str) -> Value:
    if activation == "tanh":
        return z.tanh()
    if activation == "relu":
        return z.relu()
    if activation == "sigmoid":
        return z.sigmoid()
    return z


def _check_activation(activation: object, name: str = "activation") -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, ACTIVATIONS))}; got {activation!r}"
        )
    return str(activation)


class Neuron(Module):
    """One unit: z = w·x + b, a = g(z). Labels: W{layer}[unit,k], b{layer}[unit], z…, a….

    >>> n = Neuron([0.5, -1.0], 0.25, activation="relu", layer=1, unit=3)
    >>> a = n([2.0, 0.5])
    >>> a.label, a.value, [p.label for p in n.parameters()]
    ('a1[3]', 0.75, ['W1[3,0]', 'W1[3,1]', 'b1[3]'])
    """

    def __init__(
        self,
        weights: Sequence[float],
        bias: float = 0.0,
        activation: str = "relu",
        *,
        layer: int = 1,
        unit: int = 0,
    ) -> None:
        if not len(weights):
            raise ValueError("a Neuron needs at least one weight (one per input)")
        self.activation = _check_activation(activation)
        self.layer, self.unit = layer, unit
        self.w = tuple(Value(float(w_k), f"W{layer}[{unit},{k}]") for k, w_k in enumerate(weights))
        self.b = Value(float(bias), f"b{layer}[{unit}]")

    def __call__(self, x: Sequence[Operand]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(
                f"neuron {self.layer}[{self.unit}] has {len(self.w)} weights "
                f"but got {len(x)} inputs"
            )
        z = (dot(self.w, x) + self.b).named(f"z{self.layer}[{self.unit}]")
        if self.activation == "linear":
            return z
        return _activate(z, self.activation).named(f"a{self.layer}[{self.unit}]")

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for w in self.w:
            yield w.label, w
        yield self.b.label, self.b

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)} inputs, {self.activation}, layer {self.layer})"


class Layer(Module):
    """n_outputs neurons reading the same inputs; weights from an (n_out, n_in) matrix.

    >>> layer = Layer.from_arrays([[1.0, 2.0], [3.0, 4.0]], [[0.0], [1.0]], "linear", index=2)
    >>> [z.value for z in layer([1.0, 1.0])], [z.label for z in layer([1.0, 1.0])]
    ([3.0, 8.0], ['z2[0]', 'z2[1]'])
    """

    def __init__(self, neurons: Sequence[Neuron], index: int = 1) -> None:
        if not neurons:
            raise ValueError("a Layer needs at least one neuron")
        self.neurons = list(neurons)
        self.index = index

    @classmethod
    def from_arrays(
        cls,
        W: Sequence[Sequence[float]] | Floats,
        b: Sequence[Sequence[float]] | Sequence[float] | Floats,
        activation: str = "relu",
        index: int = 1,
    ) -> Layer:
        """A layer with the course's W (n_out, n_in) and b (n_out, 1) as its parameters."""
        weights = np.asarray(W, dtype=np.float64)
        biases = np.asarray(b, dtype=np.float64).reshape(-1)
        if weights.ndim != 2 or weights.size == 0 or biases.shape != (weights.shape[0],):
            raise ValueError(
                f"layer {index}: W{index} must be (n_out, n_in) and b{index} (n_out, 1); "
                f"got {weights.shape} and {np.shape(b)}"
            )
        if not (np.isfinite(weights).all() and np.isfinite(biases).all()):
            raise ValueError(f"layer {index}: W{index} and b{index} must hold finite numbers")
        return cls(
            [
                Neuron(row.tolist(), float(bias), activation, layer=index, unit=j)
                for j, (row, bias) in enumerate(zip(weights, biases, strict=True))
            ],
            index,
        )

    def __call__(self, x: Sequence[Operand]) -> list[Value]:
        inputs = tuple(x)  # one tuple shared by every neuron's dot node
        return [neuron(inputs) for neuron in self.neurons]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for neuron in self.neurons:
            yield from neuron.named_parameters()

    def arrays(self) -> tuple[Floats, Floats]:
        """(W, b) as NumPy arrays of shapes (n_out, n_in) and (n_out, 1)."""
        W = np.array([[w.value for w in neuron.w] for neuron in self.neurons])
        b = np.array([[neuron.b.value] for neuron in self.neurons])
        return W, b

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)} → {len(self.neurons)})"


def initial_arrays(
    layer_sizes: Sequence[int], init: str = "uniform", seed: int = 0
) -> dict[str, Floats]:
    """The course's parameter dict {W1, b1, W2, b2, …} for layer sizes [n0, n1, …, nL].

    >>> p = initial_arrays([2, 4, 1], init="course", seed=2)
    >>> sorted(p), p["W1"].shape, p["b1"].shape, float(p["b2"][0, 0])
    (['W1', 'W2', 'b1', 'b2'], (4, 2), (4, 1), 0.0)
    """
    sizes = check_layer_sizes(layer_sizes)
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(map(repr, INITS))}; got {init!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be a whole number from 0 to 2**32 − 1, got {seed!r}")
    # The legacy generator: the same stream as the course's np.random.seed(seed),
    # without touching NumPy's global state.
    random = np.random.RandomState(int(seed))
    parameters: dict[str, Floats] = {}
    for l in range(1, len(sizes)):  # noqa: E741 - the course's layer index
        n_out, n_in = sizes[l], sizes[l - 1]
        if init == "course":
            W = random.randn(n_out, n_in) * 0.01
            b = np.zeros((n_out, 1))
        elif init == "scaled":
            W = random.randn(n_out, n_in) / np.sqrt(n_in)
            b = np.zeros((n_out, 1))
        elif init == "zeros":
            W = np.zeros((n_out, n_in))
            b = np.zeros((n_out, 1))
        elif init == "large":
            W = random.randn(n_out, n_in) * 10
            b = np.zeros((n_out, 1))
        elif init == "he":
            W = random.randn(n_out, n_in) * np.sqrt(2.0 / n_in)
            b = np.zeros((n_out, 1))
        else:
            W = random.uniform(-1.0, 1.0, (n_out, n_in))
            b = np.zeros((n_out, 1))
        parameters[f"W{l}"], parameters[f"b{l}"] = W, b
    return parameters


def check_layer_sizes(layer_sizes: Sequence[int]) -> list[int]:
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"layer sizes need at least an input and an output size, e.g. [2, 4, 1]; got {sizes}"
        )
    for position, size in enumerate(sizes):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"layer sizes must be whole numbers >= 1; size {position} is {size!r}")
    return [int(size) for size in sizes]


class MLP(Module):
    """A multi-layer perceptron: n_inputs → sizes[0] → … → sizes[-1].

    Hidden layers use `activation`, relu by default as in micrograd (the course's
    `NeuralNetwork` uses tanh); the last one `output_activation` (None: linear, the
    logits, as in micrograd). ``model(x)`` returns the output Value itself when the
    last layer has one unit (as micrograd's MLP does), else a list of Values;
    ``model.outputs(x)`` is always the list.

    >>> model = MLP(2, [16, 16, 1], activation="relu")
    >>> len(model.parameters()), model.layers[0]
    (337, Layer(2 → 16))
    >>> model([1.0, 2.0]).label, len(MLP(2, [4, 3])([1.0, 2.0]))
    ('z3[0]', 3)
    """

    def __init__(
        self,
        n_inputs: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str | None = None,
        *,
        init: str = "uniform",
        seed: int = 0,
    ) -> None:
        layer_sizes = check_layer_sizes([n_inputs, *sizes])
        arrays = initial_arrays(layer_sizes, init, seed)
        self._build(arrays, activation, output_activation)

    def _build(
        self, arrays: Mapping[str, Floats], activation: str, output_activation: str | None
    ) -> None:
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(
            "linear" if output_activation is None else output_activation, "output_activation"
        )
        L = len(arrays) // 2
        self.layers = [
            Layer.from_arrays(
                arrays[f"W{l}"],
                arrays[f"b{l}"],
                self.activation if l < L else self.output_activation,
                index=l,
            )
            for l in range(1, L + 1)  # noqa: E741 - the course's layer index
        ]

    @classmethod
    def from_arrays(
        cls,
        parameters: Mapping[str, Floats],
        activation: str = "relu",
        output_activation: str | None = None,
    ) -> MLP:
        """An MLP holding the course's parameter dict {W1, b1, …, WL, bL}.

        >>> model = MLP.from_arrays(initial_arrays([3, 2, 1], "scaled", seed=1))
        >>> [layer.arrays()[0].shape for layer in model.layers]
        [(2, 3), (1, 2)]
        """
        L = _layer_count(parameters)
        model = cls.__new__(cls)
        model._build({k: parameters[k] for k in _names(L)}, activation, output_activation)
        for l in range(2, L + 1):  # noqa: E741
            W_prev, W = model.layers[l - 2].arrays()[0], model.layers[l - 1].arrays()[0]
            if W.shape[1] != W_prev.shape[0]:
                raise ValueError(
                    f"W{l} has {W.shape[1]} columns but layer {l - 1} has {W_prev.shape[0]} "
                    f"units: W{l} must be ({W.shape[0]}, {W_prev.shape[0]})"
                )
        return model

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        """The output Value for a one-unit last layer (micrograd's habit), else the list."""
        outputs = self.outputs(x)
        return outputs[0] if len(outputs) == 1 else outputs

    def outputs(self, x: Sequence[Operand]) -> list[Value]:
        """The last layer's Values, always as a list (one per output unit)."""
        n_inputs = len(self.layers[0].neurons[0].w)
        if len(x) != n_inputs:
            raise ValueError(f"this MLP takes {n_inputs} inputs, got {len(x)}")
        a: Sequence[Operand] = x
        for layer in self.layers:
            a = layer(a)
        return list(a)  # type: ignore[arg-type]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for layer in self.layers:
            yield from layer.named_parameters()

    def arrays(self) -> dict[str, Floats]:
        """The course's parameter dict {W1: (n1, n0), b1: (n1, 1), …} of current values."""
        parameters: dict[str, Floats] = {}
        for layer in self.layers:
            parameters[f"W{layer.index}"], parameters[f"b{layer.index}"] = layer.arrays()
        return parameters

    def load_arrays(self, parameters: Mapping[str, Floats]) -> None:
        """Set every parameter leaf from the course's dict (shapes must match)."""
        for layer in self.layers:
            l = layer.index  # noqa: E741
            W = np.asarray(parameters[f"W{l}"], dtype=np.float64)
            b = np.asarray(parameters[f"b{l}"], dtype=np.float64).reshape(-1, 1)
            if W.shape != (len(layer.neurons), len(layer.neurons[0].w)) or len(b) != len(W):
                raise ValueError(f"W{l} / b{l} have shapes {W.shape} / {b.shape}: do not fit")
            for neuron, row, (bias,) in zip(layer.neurons, W.tolist(), b.tolist(), strict=True):
                for w, value in zip(neuron.w, row, strict=True):
                    w.value = value
                neuron.b.value = bias

    def __repr__(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w), *(len(la.neurons) for la in self.layers)]
        return f"MLP({sizes}, activation={self.activation!r}, output={self.output_activation!r})"


def _names(L: int) -> list[str]:
    return [name for l in range(1, L + 1) for name in (f"W{l}", f"b{l}")]  # noqa: E741


def _layer_count(parameters: Mapping[str, object]) -> int:
    """L for a dict holding exactly W1, b1, …, WL, bL; a clear error otherwise."""
    L = len(parameters) // 2
    expected = _names(L)
    if L < 1 or sorted(parameters) != sorted(expected):
        raise ValueError(
            "parameters must hold W1, b1, …, WL, bL (the course's dict); "
            f"got keys {sorted(parameters)}"
        )
    return L


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """How many weights and biases a network of these layer sizes has.

    >>> parameter_count([2, 4, 1])
    17
    """
    sizes = check_layer_sizes(layer_sizes)
    return sum(n_out * (n_in + 1) for n_in, n_out in itertools.pairwise(sizes))
