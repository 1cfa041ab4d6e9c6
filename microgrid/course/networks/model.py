"""`NeuralNetwork`: the course's shallow and deep classifiers, trained by gradient descent.

Like `LogisticRegression`: ``fit``, ``predict_proba``, ``predict``, ``score``,
``costs_``, and ``parameters_`` (the course's dict W1, b1, …). The engine says
how each gradient is computed; all give the same numbers.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TextIO

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.course.arguments import as_features, check_finite, positive_number, whole_number
from microgrid.course.networks import optimization, vectorized
from microgrid.course.networks.common import (
    Floats,
    Gradients,
    Parameters,
    check_activation,
    check_data,
)
from microgrid.course.networks.graph import NetworkGraph, build_cost_graph
from microgrid.course.networks.vectorized import dropout_masks
from microgrid.course.progress import progress_bar, report_cost
from microgrid.nn import MLP, check_layer_sizes, initial_arrays

if TYPE_CHECKING:
    from microgrid.compiled import CompiledStep

ENGINES = ("vectorized", "graph", "compiled")
OPTIMIZERS = ("gd", "momentum", "adam")
DECAYS = (None, "update", "schedule")

# The optimization assignment's shuffles: seed = 10, then seed + 1 before each epoch's.
SHUFFLE_SEED = 10

# The compiled engine writes each sample's features into its generated code as
# constants (one per first-layer weight and sample): past this many it is refused.
COMPILED_CONSTANTS_LIMIT = 2_000_000


class Step(NamedTuple):
    """One pass over a batch: Σ of its samples' losses (no L2 term) and the grads dict.

    ``finite``: the outputs were numbers (no nan): a cheap sign that the parameters are.
    """

    loss_sum: float
    grads: dict[str, Floats]
    finite: bool = True


def _layer_sizes(parameters: Parameters) -> list[int]:
    L = len(parameters) // 2
    return [parameters["W1"].shape[1], *(parameters[f"W{l}"].shape[0] for l in range(1, L + 1))]  # noqa: E741


def step_function(
    engine: str,
    X: Floats,
    Y: Floats,
    hidden_activation: str,
    *,
    keep_prob: float = 1.0,
    l2: float = 0.0,
) -> Callable[[Parameters], Step]:
    """One pass per call over X, Y (converted for the engine once): the losses and grads.

    The vectorized engine sums the losses as course 2 does (`course_loss_sum`: inf
    where a prediction is exactly the wrong label); the graph and compiled engines
    report their own J (from the logits: always finite), as m · J minus the L2 term.
    Dropout masks come from `dropout_masks` (seed 1), the same at every pass.
    """
    m = X.shape[1]
    dropout = keep_prob != 1.0
    if engine == "vectorized":

        def by_numpy(parameters: Parameters) -> Step:
            masks = dropout_masks(_layer_sizes(parameters), m, keep_prob) if dropout else None
            AL, caches = vectorized.forward_propagation(
                X, parameters, hidden_activation, masks, keep_prob
            )
            grads = vectorized.backward_propagation(
                AL, Y, caches, hidden_activation, masks, keep_prob, l2
            )
            finite = not np.isnan(AL.sum())  # one sum: nan anywhere makes it nan
            return Step(vectorized.course_loss_sum(AL, Y), grads, finite)

        return by_numpy
    if engine == "graph":
        columns, labels = X.T.tolist(), Y[0].tolist()
        model: MLP | None = None
        masks: list[NDArray[np.bool_]] | None = None

        def by_graph(parameters: Parameters) -> Step:
            nonlocal model, masks
            # The parameter leaves persist; the graph of ops is rebuilt every call.
            if model is None:
                model = MLP.from_arrays(parameters, hidden_activation)
                masks = dropout_masks(_layer_sizes(parameters), m, keep_prob) if dropout else None
            else:
                model.load_arrays(parameters)
            graph = build_cost_graph(columns, labels, model, masks, keep_prob, l2)
            graph.backward()
            return _graph_step(graph, parameters, m, l2)

        return by_graph
    if engine == "compiled":
        return _compiled_step(X, Y, hidden_activation, keep_prob, l2)
    raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")


def _graph_step(graph: NetworkGraph, parameters: Parameters, m: int, l2: float) -> Step:
    cost, grads = graph.gradients()
    penalty = l2 / 2 * vectorized.l2_sum(parameters) if l2 else 0.0
    return Step(m * cost - penalty, grads, not math.isnan(cost))


def _compiled_step(
    X: Floats, Y: Floats, hidden_activation: str, keep_prob: float, l2: float
) -> Callable[[Parameters], Step]:
    """The graph is built once, at the first call, then replayed by `microgrid.compile`."""
    from microgrid.compiled import compile as compile_graph

    columns, labels = X.T.tolist(), Y[0].tolist()
    m = X.shape[1]
    compiled: list[tuple[NetworkGraph, CompiledStep]] = []

    def by_compiled(parameters: Parameters) -> Step:
        if not compiled:
            constants = X.shape[0] * X.shape[1] * parameters["W1"].shape[0]
            if constants > COMPILED_CONSTANTS_LIMIT:
                raise ValueError(
                    f"engine='compiled' writes every feature of every sample into its code: "
                    f"here {constants:,} numbers (n_x · m · n_1), over the limit of "
                    f"{COMPILED_CONSTANTS_LIMIT:,}; use engine='vectorized' (or 'graph')"
                )
            model = MLP.from_arrays(parameters, hidden_activation)
            # The course's masks are the same at every pass: the graph can keep them.
            sizes = _layer_sizes(parameters)
            masks = dropout_masks(sizes, m, keep_prob) if keep_prob != 1.0 else None
            graph = build_cost_graph(columns, labels, model, masks, keep_prob, l2)
            compiled.append((graph, compile_graph(graph.J, wrt=model.parameters())))
        else:
            compiled[0][0].model.load_arrays(parameters)
        graph, step = compiled[0]
        step()  # J.value and every parameter's delta, fresh
        return _graph_step(graph, parameters, m, l2)

    return by_compiled


def full_batch_cost(step: Step, parameters: Parameters, m: int, l2: float) -> float:
    """The course's cost: 1/m · Σ losses, plus (1/m)(λ/2) Σ‖W‖² with L2."""
    cost = 1.0 / m * step.loss_sum
    if l2:
        cost = cost + (1 / m) * (l2 / 2) * vectorized.l2_sum(parameters)
    return cost


def gradient_function(
    engine: str,
    X: Floats,
    Y: Floats,
    hidden_activation: str,
    *,
    keep_prob: float = 1.0,
    l2: float = 0.0,
) -> Callable[[Parameters], Gradients]:
    """One full-batch (cost, grads) per call; X is converted for the engine once."""
    step = step_function(engine, X, Y, hidden_activation, keep_prob=keep_prob, l2=l2)
    m = X.shape[1]

    def gradients(parameters: Parameters) -> Gradients:
        result = step(parameters)
        return Gradients(full_batch_cost(result, parameters, m, l2), result.grads)

    return gradients


class NeuralNetwork:
    """A fully connected network for 0/1 labels: layer sizes [n_x, n_1, …, 1].

    Hidden layers use `hidden_activation` ("tanh" or "relu"), the output unit σ;
    the cost is the cross-entropy. The defaults are the course's week 3: [2, 4, 1],
    tanh, learning rate 1.2, ``init="course"``, seed 2, full-batch gradient
    descent for `iterations` (10,000) steps.

    Course 2's techniques, with its names and defaults:

    - ``init``: "course" (randn · 0.01), "scaled" (randn / √n_prev), "zeros", "large"
      (randn · 10), "he" (randn · √(2 / n_prev)), after ``np.random.seed(seed)``;
    - ``l2`` (the course's lambd): cost + λ/(2m) Σ‖W‖², dW += λ/m · W;
    - ``keep_prob``: inverted dropout on the hidden layers with the course's masks
      (``np.random.seed(1)`` before every forward pass, so the same masks each time);
    - ``optimizer``: "gd", "momentum" (``beta``) or "adam" (``beta1``, ``beta2``, ``epsilon``);
    - ``epochs`` (the course's num_epochs) trains on mini-batches of ``mini_batch_size``
      (64), reshuffled every epoch with the course's seeds (11, 12, …); without it,
      full batch for ``iterations``;
    - ``decay``: "update" (α0 / (1 + decay_rate · epoch)) or "schedule" (the same with
      ⌊epoch / time_interval⌋), applied after each epoch (each iteration, full batch).

    ``costs_`` holds one cost per iteration (full batch: the course's
    1/m · nansum of the losses) or per epoch (the batches' summed losses / m);
    ``learning_rates_`` the learning rate each used.

    `engine`: "vectorized" (the course's NumPy code), "graph" (the network
    rebuilt from `nn` Values every iteration, backprop by the chain rule; slow,
    for learning and for checking) or "compiled" (that graph built once and
    replayed by `microgrid.compile`; full batch, small inputs such as the planar data).

    >>> from microgrid.course.datasets import planar
    >>> X, Y = planar()
    >>> model = NeuralNetwork([2, 4, 1], iterations=1001, print_every=0).fit(X, Y)
    >>> round(model.costs_[0], 6), round(model.costs_[1000], 6), model.score(X, Y) > 0.85
    (0.693048, 0.288083, True)

    Course 2's optimization assignment, one epoch of Adam on its moons:

    >>> from microgrid.course.datasets import course_moons
    >>> X, Y = course_moons()
    >>> model = NeuralNetwork([2, 5, 2, 1], "relu", 0.0007, init="he", seed=3, epochs=1,
    ...                       mini_batch_size=64, optimizer="adam", print_every=1).fit(X, Y)
    Cost after epoch 0: 0.702166
    """

    def __init__(
        self,
        layer_sizes: Sequence[int] = (2, 4, 1),
        hidden_activation: str = "tanh",
        learning_rate: float = 1.2,
        iterations: int | None = None,
        init: str = "course",
        seed: int = 2,
        engine: str = "vectorized",
        print_every: int = 1000,
        verbose: bool = True,
        *,
        l2: float = 0.0,
        keep_prob: float = 1.0,
        optimizer: str = "gd",
        mini_batch_size: int | None = None,
        epochs: int | None = None,
        beta: float = 0.9,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        decay: str | None = None,
        decay_rate: float = 1.0,
        time_interval: int = 1000,
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        if self.layer_sizes[-1] != 1:
            raise ValueError(
                f"the last layer size must be 1 (one sigmoid unit for 0/1 labels), "
                f"got layer_sizes {self.layer_sizes}"
            )
        self.hidden_activation = check_activation(hidden_activation)
        self.learning_rate = positive_number(learning_rate, "learning_rate")
        if iterations is not None and epochs is not None:
            raise ValueError(
                "give iterations (full-batch steps) or epochs (passes over mini-batches), not both"
            )
        self.iterations = 10000 if iterations is None else whole_number(iterations, "iterations")
        self.epochs = None if epochs is None else whole_number(epochs, "epochs")
        if mini_batch_size is not None and epochs is None:
            raise ValueError(
                "mini_batch_size is for mini-batch training: give epochs= too (the course's "
                "num_epochs); without epochs every step uses the whole batch"
            )
        if mini_batch_size is not None and (whole_number(mini_batch_size, "mini_batch_size") < 1):
            raise ValueError(f"mini_batch_size must be a whole number >= 1, got {mini_batch_size}")
        self.mini_batch_size = 64 if mini_batch_size is None else int(mini_batch_size)
        initial_arrays([1, 1], init, seed)  # checks init and seed now, not at fit time
        self.init, self.seed = init, int(seed)
        if engine not in ENGINES:
            raise ValueError(
                f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}"
            )
        if engine == "compiled" and self.epochs is not None:
            raise ValueError(
                "engine='compiled' replays one graph built on fixed samples, so it trains on "
                "the full batch only (epochs= reshuffles the samples every epoch); use "
                "engine='vectorized' or 'graph' for mini-batches"
            )
        self.engine = engine
        self.l2 = _real_in(l2, "l2", "a finite number >= 0 (the course's lambd)", 0.0, False)
        self.keep_prob = _keep_prob(keep_prob, self.layer_sizes)
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))}; got {optimizer!r}"
            )
        self.optimizer = optimizer
        self.beta = _fraction(beta, "beta")
        self.beta1 = _fraction(beta1, "beta1")
        self.beta2 = _fraction(beta2, "beta2")
        self.epsilon = positive_number(epsilon, "epsilon")
        if decay not in DECAYS:
            raise ValueError(f"decay must be None, 'update' or 'schedule'; got {decay!r}")
        self.decay = decay
        self.decay_rate = _real_in(decay_rate, "decay_rate", "a finite number >= 0", 0.0, False)
        self.time_interval = whole_number(time_interval, "time_interval")
        if self.time_interval < 1:
            raise ValueError(f"time_interval must be a whole number >= 1, got {time_interval!r}")
        self.print_every = whole_number(print_every, "print_every")
        self.verbose = bool(verbose)
        self.parameters_: Parameters | None = None
        self.costs_: list[float] = []
        self.learning_rates_: list[float] = []

    def __repr__(self) -> str:
        steps = (
            f"epochs={self.epochs}" if self.epochs is not None else f"iterations={self.iterations}"
        )
        extras = "".join(
            f", {name}={getattr(self, name)!r}"
            for name, default in _COURSE2_DEFAULTS.items()
            if getattr(self, name) != default
        )
        return (
            f"NeuralNetwork({self.layer_sizes}, hidden_activation={self.hidden_activation!r}, "
            f"learning_rate={self.learning_rate:g}, {steps}, "
            f"init={self.init!r}, seed={self.seed}, engine={self.engine!r}{extras})"
        )

    def _updater(
        self, parameters: Parameters
    ) -> Callable[[Parameters, Gradients_, float], Parameters]:
        """The optimizer's step θ := … for this run, keeping its own state (v, s, t)."""
        if self.optimizer == "momentum":
            v = optimization.initialize_velocity(parameters)

            def momentum(p: Parameters, grads: Gradients_, rate: float) -> Parameters:
                nonlocal v
                p, v = optimization.update_parameters_with_momentum(p, grads, v, self.beta, rate)
                return p

            return momentum
        if self.optimizer == "adam":
            v, s = optimization.initialize_adam(parameters)
            t = 0

            def adam(p: Parameters, grads: Gradients_, rate: float) -> Parameters:
                nonlocal v, s, t
                t += 1  # Adam's step count: every mini-batch
                p, v, s = optimization.update_parameters_with_adam(
                    p, grads, v, s, t, rate, self.beta1, self.beta2, self.epsilon
                )
                return p

            return adam
        return optimization.update_parameters_with_gd

    def _decayed(self, epoch: int) -> float:
        """The learning rate after `epoch` (counted from 0), as the course's decay functions say."""
        if self.decay == "update":
            return optimization.update_lr(self.learning_rate, epoch, self.decay_rate)
        if self.decay == "schedule":
            return optimization.schedule_lr_decay(
                self.learning_rate, epoch, self.decay_rate, self.time_interval
            )
        return self.learning_rate

    def fit(self, X: ArrayLike, Y: ArrayLike, *, file: TextIO | None = None) -> NeuralNetwork:
        """Train on X (n_x, m) and Y (1, m); returns the model.

        Prints "Cost after iteration i: J" (or "Cost after epoch i: J", and the
        decayed learning rate) every `print_every` iterations or epochs, as the
        course does, and shows a progress bar when stderr is a terminal.
        """
        features, labels = check_data(X, Y)
        if features.shape[0] != self.layer_sizes[0]:
            raise ValueError(
                f"X has {features.shape[0]} features (rows) but layer_sizes starts with "
                f"{self.layer_sizes[0]}"
                + (" (pass X.T?)" if features.shape[1] == self.layer_sizes[0] else "")
            )
        m = features.shape[1]
        parameters = vectorized.initialize_parameters(self.layer_sizes, self.init, self.seed)
        update = self._updater(parameters)
        options = {"keep_prob": self.keep_prob, "l2": self.l2}
        act = self.hidden_activation
        full_batch = None
        if self.epochs is None:
            full_batch = step_function(self.engine, features, labels, act, **options)
        count = self.iterations if self.epochs is None else self.epochs
        unit = "iteration" if self.epochs is None else "epoch"
        quiet = not self.verbose or self.print_every == 0
        out = sys.stdout if file is None else file
        costs: list[float] = []
        rates: list[float] = []
        bar = None if quiet else progress_bar(count, self.engine)
        steps: Iterable[int] = range(count) if bar is None else bar
        rate = self.learning_rate
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                for i in steps:
                    rates.append(rate)
                    if full_batch is not None:
                        result = full_batch(parameters)
                        cost = full_batch_cost(result, parameters, m, self.l2)
                        finite = result.finite
                        parameters = update(parameters, result.grads, rate)
                    else:
                        total, finite = 0.0, True
                        batches = optimization.random_mini_batches(
                            features, labels, self.mini_batch_size, SHUFFLE_SEED + i + 1
                        )
                        for batch_X, batch_Y in batches:
                            batch = step_function(self.engine, batch_X, batch_Y, act, **options)
                            result = batch(parameters)
                            finite = finite and result.finite
                            total += result.loss_sum
                            if self.l2:
                                total += self.l2 / 2 * vectorized.l2_sum(parameters)
                            parameters = update(parameters, result.grads, rate)
                        cost = total / m
                    if not finite or math.isnan(cost):
                        _check_progress(parameters, math.nan, i, unit, rate)
                    costs.append(cost)
                    if self.decay is not None:
                        rate = self._decayed(i)
                    printing = not quiet and i % self.print_every == 0
                    report_cost(bar, i, cost, printing, out, unit)
                    if printing and self.decay is not None:
                        print(f"learning rate after {unit} {i}: {rate:f}", file=out)
            finally:
                if bar is not None:
                    bar.close()
            # The outputs were numbers at every step; the last update is checked here.
            _check_progress(parameters, 0.0, count - 1, unit, rate)
        self.parameters_, self.costs_, self.learning_rates_ = parameters, costs, rates
        return self

    def _fitted(self) -> Parameters:
        if self.parameters_ is None:
            raise RuntimeError("this NeuralNetwork is not trained yet: call fit(X, Y) first")
        return self.parameters_

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


Gradients_ = dict[str, Floats]

# Course 2's options and their defaults: `repr` shows those that differ.
_COURSE2_DEFAULTS: dict[str, object] = {
    "l2": 0.0,
    "keep_prob": 1.0,
    "optimizer": "gd",
    "mini_batch_size": 64,
    "beta": 0.9,
    "beta1": 0.9,
    "beta2": 0.999,
    "epsilon": 1e-8,
    "decay": None,
    "decay_rate": 1.0,
    "time_interval": 1000,
}


def _real_in(value: object, name: str, what: str, low: float, open_low: bool) -> float:
    """`value` as a finite float >= low (> low when `open_low`); a clear error otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < low or (open_low and number == low):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return number


def _fraction(value: object, name: str) -> float:
    number = _real_in(value, name, "a number in [0, 1)", 0.0, False)
    if number >= 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return number


def _keep_prob(value: object, layer_sizes: list[int]) -> float:
    what = "a number in (0, 1] (the probability of keeping each hidden unit)"
    number = _real_in(value, "keep_prob", what, 0.0, True)
    if number > 1:
        raise ValueError(f"keep_prob must be {what}, got {value!r}")
    if number < 1 and len(layer_sizes) < 3:
        raise ValueError(
            f"keep_prob < 1 drops hidden units, but layer_sizes {layer_sizes} has no hidden layer"
        )
    return number


def _check_progress(parameters: Parameters, cost: float, i: int, unit: str, rate: float) -> None:
    """Stop with a clear error once a parameter (or the cost) is no longer a number.

    An infinite cost alone is not an error: course 2's "large" initialisation starts
    at inf (a prediction exactly the wrong label) and trains on from there.
    """
    bad = [name for name, value in parameters.items() if not np.isfinite(value).all()]
    if bad or math.isnan(cost):
        what = f"{bad[0]} holds inf or nan" if bad else "the cost became nan"
        raise ValueError(
            f"{what} after {unit} {i}: the learning rate {rate:g} is probably too large"
        )
