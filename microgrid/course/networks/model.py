"""`NeuralNetwork`: the course's shallow and deep classifiers, trained by gradient descent.

Like `LogisticRegression`: ``fit``, ``predict_proba``, ``predict``, ``score``,
``costs_``, and ``parameters_`` (the course's dict W1, b1, …). The engine says
how each gradient is computed; all give the same numbers.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.course.arguments import as_features, check_finite, positive_number, whole_number
from microgrid.course.networks import vectorized
from microgrid.course.networks.common import (
    Floats,
    Gradients,
    Parameters,
    check_activation,
    check_data,
)
from microgrid.course.networks.graph import NetworkGraph, build_cost_graph
from microgrid.course.progress import progress_bar, report_cost
from microgrid.nn import MLP, check_layer_sizes, initial_arrays

if TYPE_CHECKING:
    from microgrid.compiled import CompiledStep

ENGINES = ("vectorized", "graph", "compiled")

# The compiled engine writes each sample's features into its generated code as
# constants (one per first-layer weight and sample): past this many it is refused.
COMPILED_CONSTANTS_LIMIT = 2_000_000


def gradient_function(
    engine: str, X: Floats, Y: Floats, hidden_activation: str
) -> Callable[[Parameters], Gradients]:
    """One full-batch (cost, grads) per call; X is converted for the engine once."""
    if engine == "vectorized":
        return lambda parameters: vectorized.gradients(X, Y, parameters, hidden_activation)
    if engine == "graph":
        columns, labels = X.T.tolist(), Y[0].tolist()
        model: MLP | None = None

        def by_graph(parameters: Parameters) -> Gradients:
            nonlocal model
            # The parameter leaves persist; the graph of ops is rebuilt every call.
            if model is None:
                model = MLP.from_arrays(parameters, hidden_activation)
            else:
                model.load_arrays(parameters)
            graph = build_cost_graph(columns, labels, model)
            graph.backward()
            return graph.gradients()

        return by_graph
    if engine == "compiled":
        return _compiled_gradients(X, Y, hidden_activation)
    raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")


def _compiled_gradients(
    X: Floats, Y: Floats, hidden_activation: str
) -> Callable[[Parameters], Gradients]:
    """The graph is built once, at the first call, then replayed by `microgrid.compile`."""
    from microgrid.compiled import compile as compile_graph

    columns, labels = X.T.tolist(), Y[0].tolist()
    compiled: list[tuple[NetworkGraph, CompiledStep]] = []

    def by_compiled(parameters: Parameters) -> Gradients:
        if not compiled:
            constants = X.shape[0] * X.shape[1] * parameters["W1"].shape[0]
            if constants > COMPILED_CONSTANTS_LIMIT:
                raise ValueError(
                    f"engine='compiled' writes every feature of every sample into its code: "
                    f"here {constants:,} numbers (n_x · m · n_1), over the limit of "
                    f"{COMPILED_CONSTANTS_LIMIT:,}; use engine='vectorized' (or 'graph')"
                )
            model = MLP.from_arrays(parameters, hidden_activation)
            graph = build_cost_graph(columns, labels, model)
            compiled.append((graph, compile_graph(graph.J, wrt=model.parameters())))
        else:
            compiled[0][0].model.load_arrays(parameters)
        graph, step = compiled[0]
        step()  # J.value and every parameter's delta, fresh
        return graph.gradients()

    return by_compiled


class NeuralNetwork:
    """A fully connected network for 0/1 labels: layer sizes [n_x, n_1, …, 1].

    Hidden layers use `hidden_activation` ("tanh" or "relu"), the output unit σ;
    the cost is the cross-entropy; full-batch gradient descent with
    `learning_rate` for `iterations` steps, starting from ``init`` (see
    `microgrid.nn`) with `seed`. The defaults are the course's week 3: [2, 4, 1],
    tanh, learning rate 1.2, ``init="course"``, seed 2.

    `engine`: "vectorized" (the course's NumPy code), "graph" (the network
    rebuilt from `nn` Values every iteration, backprop by the chain rule; slow,
    for learning and for checking) or "compiled" (that graph built once and
    replayed by `microgrid.compile`; for small inputs such as the planar data).

    >>> from microgrid.course.datasets import planar
    >>> X, Y = planar()
    >>> model = NeuralNetwork([2, 4, 1], iterations=1001, print_every=0).fit(X, Y)
    >>> round(model.costs_[0], 6), round(model.costs_[1000], 6), model.score(X, Y) > 0.85
    (0.693048, 0.288083, True)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int] = (2, 4, 1),
        hidden_activation: str = "tanh",
        learning_rate: float = 1.2,
        iterations: int = 10000,
        init: str = "course",
        seed: int = 2,
        engine: str = "vectorized",
        print_every: int = 1000,
        verbose: bool = True,
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        if self.layer_sizes[-1] != 1:
            raise ValueError(
                f"the last layer size must be 1 (one sigmoid unit for 0/1 labels), "
                f"got layer_sizes {self.layer_sizes}"
            )
        self.hidden_activation = check_activation(hidden_activation)
        self.learning_rate = positive_number(learning_rate, "learning_rate")
        self.iterations = whole_number(iterations, "iterations")
        initial_arrays([1, 1], init, seed)  # checks init and seed now, not at fit time
        self.init, self.seed = init, int(seed)
        if engine not in ENGINES:
            raise ValueError(
                f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}"
            )
        self.engine = engine
        self.print_every = whole_number(print_every, "print_every")
        self.verbose = bool(verbose)
        self.parameters_: Parameters | None = None
        self.costs_: list[float] = []

    def __repr__(self) -> str:
        return (
            f"NeuralNetwork({self.layer_sizes}, hidden_activation={self.hidden_activation!r}, "
            f"learning_rate={self.learning_rate:g}, iterations={self.iterations}, "
            f"init={self.init!r}, seed={self.seed}, engine={self.engine!r})"
        )

    def fit(self, X: ArrayLike, Y: ArrayLike, *, file: TextIO | None = None) -> NeuralNetwork:
        """Train on X (n_x, m) and Y (1, m); returns the model.

        Prints "Cost after iteration i: J" every `print_every` iterations (as the
        course does) and shows a progress bar when stderr is a terminal.
        """
        features, labels = check_data(X, Y)
        if features.shape[0] != self.layer_sizes[0]:
            raise ValueError(
                f"X has {features.shape[0]} features (rows) but layer_sizes starts with "
                f"{self.layer_sizes[0]}"
                + (" (pass X.T?)" if features.shape[1] == self.layer_sizes[0] else "")
            )
        parameters = vectorized.initialize_parameters(self.layer_sizes, self.init, self.seed)
        gradient = gradient_function(self.engine, features, labels, self.hidden_activation)
        quiet = not self.verbose or self.print_every == 0
        out = sys.stdout if file is None else file
        costs: list[float] = []
        bar = None if quiet else progress_bar(self.iterations, self.engine)
        steps: Iterable[int] = range(self.iterations) if bar is None else bar
        rate = self.learning_rate
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                for i in steps:
                    cost, grads = gradient(parameters)
                    if not math.isfinite(cost):
                        raise ValueError(
                            f"the cost became {cost} at iteration {i}: the learning rate "
                            f"{rate:g} is probably too large"
                        )
                    costs.append(cost)
                    parameters = vectorized.update_parameters(parameters, grads, rate)
                    report_cost(bar, i, cost, not quiet and i % self.print_every == 0, out)
            finally:
                if bar is not None:
                    bar.close()
        self.parameters_, self.costs_ = parameters, costs
        return self

    def _fitted(self) -> Parameters:
        if self.parameters_ is None:
            raise RuntimeError("this NeuralNetwork is not trained yet: call fit(X, Y) first")
        return self.parameters_

    def cost_graph(self, X: ArrayLike, Y: ArrayLike) -> NetworkGraph:
        """J on X, Y as Values at the trained parameters, after ``backward()``: the graph
        ``engine="graph"`` builds at every iteration (draw it: ``draw(g.J, layers=True)``).

        >>> from microgrid.course.datasets import planar
        >>> X, Y = planar()
        >>> model = NeuralNetwork([2, 4, 1], iterations=10, print_every=0).fit(X, Y)
        >>> g = model.cost_graph(X[:, :3], Y[:, :3])
        >>> g.J.label, [p.label for p in g.model.parameters()][:2]
        ('J', ['W1[0,0]', 'W1[0,1]'])
        """
        features, labels = check_data(X, Y)
        parameters = self._fitted()
        if features.shape[0] != self.layer_sizes[0]:
            raise ValueError(
                f"X has {features.shape[0]} features (rows) but layer_sizes starts with "
                f"{self.layer_sizes[0]}"
            )
        model = MLP.from_arrays(parameters, self.hidden_activation)
        graph = build_cost_graph(features.T.tolist(), labels[0].tolist(), model)
        graph.backward()
        return graph

    def predict_proba(self, X: ArrayLike) -> Floats:
        """A[L] = the network's σ output for each sample: the probability of label 1, (1, m)."""
        parameters = self._fitted()
        features = as_features(X)
        n_x = self.layer_sizes[0]
        if features.shape[0] != n_x:
            hint = " (samples must be columns: pass X.T)" if features.shape[1] == n_x else ""
            raise ValueError(
                f"X must have shape (n_x, m) with n_x = {n_x} features, got {features.shape}{hint}"
            )
        check_finite(features)
        AL, _ = vectorized.forward_propagation(features, parameters, self.hidden_activation)
        return AL

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """1 where A[L] > 0.5, else 0, shape (1, m)."""
        return (self.predict_proba(X) > 0.5).astype(np.int64)

    def score(self, X: ArrayLike, Y: ArrayLike) -> float:
        """Accuracy: the fraction of samples whose prediction equals the label."""
        features, labels = check_data(X, Y)
        return float(np.mean(self.predict(features) == labels))
