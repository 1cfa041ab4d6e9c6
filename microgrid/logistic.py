"""Logistic regression three ways: the Value graph, the seed's loop, vectorized NumPy.

The seed's conventions: samples are columns, X has shape (n, m), Y has shape
(1, m), w has shape (n, 1) and b is a plain number. For one sample x:

    z = wᵀx + b,   a = σ(z),   L(a, y) = −(y·log a + (1 − y)·log(1 − a))

and the cost is J = (1/m) Σ L(a⁽ⁱ⁾, y⁽ⁱ⁾). The three ways compute the same
J, dw = dJ/dw and db = dJ/db:

- `cost_graph` / `graph_gradients`: Value nodes, backprop by the chain rule;
- `loop_gradients`: the seed's pseudo-code, plain Python floats, two loops;
- `vectorized_gradients`: A = σ(wᵀX + b), dZ = A − Y, dw = X dZᵀ / m.

>>> import numpy as np
>>> X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
>>> w, b = np.array([[1.0], [2.0]]), 2.0
>>> round(vectorized_gradients(X, Y, w, b).cost, 6)
5.801545
>>> round(loop_gradients(X, Y, w, b).cost, 6), round(graph_gradients(X, Y, w, b).cost, 6)
(5.801545, 5.801545)
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microgrid.engine import Value, binary_cross_entropy, dot
from microgrid.engine import sum as value_sum

if TYPE_CHECKING:
    from microgrid.datasets import CatData

Floats = NDArray[np.float64]

ENGINES = ("vectorized", "loop", "graph")


class Gradients(NamedTuple):
    """What one pass over the data gives: the cost J and its gradient (dw, db).

    Unpacks in the seed's names: ``J, dw, db = loop_gradients(X, Y, w, b)``.
    """

    cost: float
    dw: Floats  # shape (n, 1), like w
    db: float


# ---------------------------------------------------------------------------
# Checking the inputs: every mistake gets a message saying what was expected.
# ---------------------------------------------------------------------------


def _as_features(X: ArrayLike, name: str = "X") -> Floats:
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers of shape (n, m): {error}") from None
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n, m): one column per sample "
            f"(got {array.ndim}-D shape {array.shape})"
        )
    if array.size == 0:
        raise ValueError(f"{name} must have at least one feature and one sample, got {array.shape}")
    return array


def _as_labels(Y: ArrayLike, m: int | None = None) -> Floats:
    try:
        array = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Y must be an array of 0/1 labels of shape (1, m): {error}") from None
    if array.ndim != 2 or array.shape[0] != 1:
        hint = " (use Y.reshape(1, -1))" if array.ndim in (1, 2) and array.size else ""
        raise ValueError(
            f"Y must have shape (1, m): one row of labels, one per sample; "
            f"got shape {array.shape}{hint}"
        )
    if m is not None and array.shape[1] != m:
        raise ValueError(f"Y has {array.shape[1]} labels but X has {m} samples (columns)")
    bad = np.flatnonzero((array != 0) & (array != 1))
    if bad.size:
        j = int(bad[0])
        raise ValueError(
            f"labels must be 0 or 1 (1 = cat, 0 = not cat); Y[0, {j}] is {float(array[0, j])!r}"
        )
    return array


def _check_data(X: ArrayLike, Y: ArrayLike) -> tuple[Floats, Floats]:
    """X (n, m) and Y (1, m), with a hint when X looks transposed."""
    features = _as_features(X)
    labels = _as_labels(Y)
    m = labels.shape[1]
    n_rows, n_columns = features.shape
    if n_columns != m:
        if n_rows == m:
            raise ValueError(
                f"X has shape {features.shape} but Y has {m} labels: X looks like one sample "
                f"per row (m, n); microgrid puts samples in columns, X of shape (n, m) = "
                f"({n_columns}, {m}): pass X.T"
            )
        raise ValueError(
            f"X must have shape (n, m) with m = {m} columns (one per label in Y), "
            f"got {features.shape}"
        )
    return features, labels


def _check_finite(X: Floats) -> None:
    """Raise naming the first NaN or infinity in X (one pass over X)."""
    if not np.isfinite(X).all():
        i, j = (int(k) for k in np.argwhere(~np.isfinite(X))[0])
        raise ValueError(
            f"X[{i}, {j}] is {float(X[i, j])}: features must be finite numbers "
            "(a missing value? pixels should be in [0, 1])"
        )


def _as_weights(w: ArrayLike, n: int) -> Floats:
    try:
        array = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"w must be an array of numbers of shape (n, 1): {error}") from None
    if array.shape != (n, 1):
        hint = " (use w.reshape(-1, 1))" if array.size == n else ""
        raise ValueError(
            f"w must have shape (n, 1) = ({n}, 1), a column with one weight per feature; "
            f"got shape {array.shape}{hint}"
        )
    if not np.isfinite(array).all():
        i = int(np.argwhere(~np.isfinite(array))[0][0])
        raise ValueError(f"w[{i}, 0] is {float(array[i, 0])}: weights must be finite numbers")
    return array


def _as_bias(b: object, name: str = "b") -> float:
    if isinstance(b, np.ndarray) and b.size == 1:
        b = b.item()
    if isinstance(b, bool) or not isinstance(b, numbers.Real):
        raise ValueError(f"{name} must be a single real number, got {type(b).__name__} {b!r}")
    if not math.isfinite(b):
        raise ValueError(f"{name} is {float(b)}: it must be a finite number")
    return float(b)


def _check_problem(
    X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: object
) -> tuple[Floats, Floats, Floats, float]:
    features, labels = _check_data(X, Y)
    return features, labels, _as_weights(w, features.shape[0]), _as_bias(b)


def _explain_non_finite(result: Gradients, X: Floats) -> Gradients:
    """A NaN result almost always comes from a NaN in X: name it.

    Checking the *result* costs O(n); scanning X on every call would cost as
    much as the products themselves, so X is only searched when needed.
    """
    if math.isfinite(result.cost) and np.isfinite(result.dw).all() and math.isfinite(result.db):
        return result
    _check_finite(X)
    return result


# ---------------------------------------------------------------------------
# Scalar helpers (the loop's σ and log σ), safe for any z.
# ---------------------------------------------------------------------------


def _sigmoid(z: float) -> float:
    # Two forms so that exp never overflows: exp(-z) for z >= 0, exp(z) below.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _log_sigmoid(z: float) -> float:
    """log σ(z) = −log(1 + e^−z), finite even where σ(z) rounds to 0 or 1.

    log a = log σ(z) and log(1 − a) = log σ(−z), so the seed's loss needs no log(0).
    """
    if z >= 0:
        return -math.log1p(math.exp(-z))
    return z - math.log1p(math.exp(z))


# ---------------------------------------------------------------------------
# Way 1: the Value graph.
# ---------------------------------------------------------------------------


def single_example(
    x: Sequence[float], y: float, w: Sequence[float | Value], b: float | Value
) -> Value:
    """The seed's graph for one sample: x1, x2, w1, w2, b → z → a → L. Returns L.

    Numbers become leaves labelled x1, x2, …, w1, w2, …, b; Values are used as
    given. After ``L.backward()``: z.delta = a − y and w1.delta = x1 · dz.

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
    x, w = _one_column(x, "x"), _one_column(w, "w")
    if len(x) != len(w) or not len(x):
        raise ValueError(
            f"x and w need the same, non-zero number of features; got {len(x)} and {len(w)}"
        )
    label = _as_bias(y, "y")
    if label not in (0.0, 1.0):
        raise ValueError(f"y must be 0 or 1 (1 = cat, 0 = not cat), got {y!r}")
    xs = [Value(_as_bias(x_j, f"x[{j}]"), f"x{j + 1}") for j, x_j in enumerate(x)]
    ws = [w_j if isinstance(w_j, Value) else Value(w_j, f"w{j + 1}") for j, w_j in enumerate(w)]
    bias = b if isinstance(b, Value) else Value(b, "b")
    z = (dot(ws, xs).named("wᵀx") + bias).named("z")
    a = z.sigmoid().named("a")
    return binary_cross_entropy(a, label).named("L")


def _one_column(values: Any, name: str) -> Any:
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
        return self.b.delta

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

    >>> g = cost_graph([[1.0, 2.0], [3.0, 4.0]], [[1, 0]], [[0.1], [-0.2]], 0.0)
    >>> g.backward()
    >>> [math.isclose(2 * z.delta, a.value - y) for z, a, y in zip(g.z, g.a, [1, 0])]
    [True, True]
    """
    features, labels = _check_data(X, Y)
    _check_finite(features)
    n = features.shape[0]
    ws: list[Value]
    if isinstance(w, Sequence) and any(isinstance(v, Value) for v in w):
        ws = [v for v in w if isinstance(v, Value)]
        if len(ws) != len(w) or len(ws) != n:
            raise ValueError(f"w as Values must be a list of n = {n} Values, got {w!r}")
    else:
        ws = _weight_leaves(_as_weights(w, n)[:, 0].tolist())  # type: ignore[arg-type]
    bias = b if isinstance(b, Value) else Value(_as_bias(b), "b")
    return _build_cost_graph(features.T.tolist(), labels[0].tolist(), ws, bias)


def _weight_leaves(w: list[float]) -> list[Value]:
    return [Value(w_j, f"w{j + 1}") for j, w_j in enumerate(w)]


def _build_cost_graph(
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
    features, labels, weights, bias = _check_problem(X, Y, w, b)
    _check_finite(features)  # cheap next to building the graph; a NaN would stop it midway
    return _graph_pass(features.T.tolist(), labels[0].tolist(), weights[:, 0].tolist(), bias)


def _graph_pass(
    columns: list[list[float]], labels: list[float], w: list[float], b: float
) -> Gradients:
    graph = _build_cost_graph(columns, labels, _weight_leaves(w), Value(b, "b"))
    graph.backward()
    return graph.gradients()


# ---------------------------------------------------------------------------
# Way 2: the seed's loop, line by line, in plain floats.
# ---------------------------------------------------------------------------


def loop_gradients(X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: float) -> Gradients:
    """The seed's pseudo-code: one loop over samples, an inner loop over features.

    >>> loop_gradients([[1.0], [2.0]], [[1]], [[0.0], [0.0]], 0.0)
    Gradients(cost=0.693147..., dw=array([[-0.5], [-1. ]]), db=-0.5)
    """
    features, labels, weights, bias = _check_problem(X, Y, w, b)
    result = _loop_pass(features.T.tolist(), labels[0].tolist(), weights[:, 0].tolist(), bias)
    return _explain_non_finite(result, features)


def _loop_pass(
    columns: list[list[float]], labels: list[float], w: list[float], b: float
) -> Gradients:
    m, n = len(columns), len(w)
    J = 0.0
    dw = [0.0] * n
    db = 0.0
    for i in range(m):
        x, y = columns[i], labels[i]
        z = b
        for j in range(n):  # z(i) = wᵀx(i) + b
            z += w[j] * x[j]
        a = _sigmoid(z)
        # J += −[y log a + (1 − y) log(1 − a)], with log a and log(1 − a) taken
        # from z so that a rounding to exactly 0 or 1 cannot give log(0).
        J += -(y * _log_sigmoid(z) + (1 - y) * _log_sigmoid(-z))
        dz = a - y
        for j in range(n):  # dw1 += x1(i) dz(i); dw2 += x2(i) dz(i); …
            dw[j] += x[j] * dz
        db += dz
    J /= m
    for j in range(n):
        dw[j] /= m
    db /= m
    return Gradients(J, np.array(dw, dtype=np.float64).reshape(n, 1), db)


# ---------------------------------------------------------------------------
# Way 3: vectorized.
# ---------------------------------------------------------------------------


def vectorized_gradients(X: ArrayLike, Y: ArrayLike, w: ArrayLike, b: float) -> Gradients:
    """A = σ(wᵀX + b), dZ = A − Y, dw = X dZᵀ / m, db = Σ dZ / m, and the cost.

    The cost is computed from Z (log σ(z) never takes log 0), so it stays
    finite where A rounds to 0 or 1.

    >>> vectorized_gradients([[1.0], [2.0]], [[1]], [[0.0], [0.0]], 0.0).dw
    array([[-0.5],
           [-1. ]])
    """
    features, labels, weights, bias = _check_problem(X, Y, w, b)
    result = _vectorized_pass(features, labels, weights, bias)
    return _explain_non_finite(result, features)


def _vectorized_pass(X: Floats, Y: Floats, w: Floats, b: float) -> Gradients:
    m = X.shape[1]
    Z = w.T @ X + b  # (1, m): every sample's z at once
    E = np.exp(-np.abs(Z))  # in (0, 1]: never overflows
    A = np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))  # σ(Z), two stable forms
    log_A = -(np.maximum(-Z, 0.0) + np.log1p(E))  # log σ(Z)
    log_1_minus_A = -(np.maximum(Z, 0.0) + np.log1p(E))  # log σ(−Z) = log(1 − A)
    cost = float(-np.sum(Y * log_A + (1.0 - Y) * log_1_minus_A) / m)
    dZ = A - Y
    dw = X @ dZ.T / m  # (n, m) @ (m, 1) → (n, 1)
    db = float(np.sum(dZ) / m)
    return Gradients(cost, dw, db)


def _sigmoid_array(Z: Floats) -> Floats:
    E = np.exp(-np.abs(Z))
    result: Floats = np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))
    return result


# ---------------------------------------------------------------------------
# Gradient descent with any of the three.
# ---------------------------------------------------------------------------


class Descent(NamedTuple):
    """The end of gradient descent: final w and b, the last gradient, every cost.

    ``costs[i]`` is J before update i (``costs[0]`` is the starting cost), and
    dw, db are the last gradient computed (the one used for the final update).
    """

    w: Floats
    b: float
    dw: Floats
    db: float
    costs: list[float]


def _gradient_function(engine: str, X: Floats, Y: Floats) -> Callable[[Floats, float], Gradients]:
    """One full-batch gradient per call; X is converted once, not every iteration."""
    if engine == "vectorized":
        return lambda w, b: _vectorized_pass(X, Y, w, b)
    if engine in ("loop", "graph"):
        columns, labels = X.T.tolist(), Y[0].tolist()
        one_pass = _loop_pass if engine == "loop" else _graph_pass
        return lambda w, b: one_pass(columns, labels, w[:, 0].tolist(), b)
    raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")


def gradient_descent(
    X: ArrayLike,
    Y: ArrayLike,
    w: ArrayLike,
    b: float,
    learning_rate: float,
    iterations: int,
    engine: str = "vectorized",
    print_every: int = 0,
    progress: bool = False,
    file: TextIO | None = None,
) -> Descent:
    """Repeat: J, dw, db = gradient; w := w − α·dw; b := b − α·db (the course's `optimize`).

    Prints "Cost after iteration i: J" every `print_every` iterations (0: never);
    `progress=True` shows a tqdm bar with the current cost when stderr is a terminal.

    >>> d = gradient_descent([[1.0, -1.0]], [[1, 0]], [[0.0]], 0.0, 0.5, 100)
    >>> d.costs[0] > d.costs[-1], bool(d.w[0, 0] > 0)
    (True, True)
    """
    features, labels, weights, bias = _check_problem(X, Y, w, b)
    _check_finite(features)
    rate = _positive_number(learning_rate, "learning_rate")
    count = _count(iterations, "iterations")
    every = _count(print_every, "print_every")
    gradient = _gradient_function(engine, features, labels)
    out = sys.stdout if file is None else file
    weights = weights.copy()
    costs: list[float] = []
    dw, db = np.zeros_like(weights), 0.0
    bar = _progress_bar(count, engine) if progress else None
    steps: Iterable[int] = range(count) if bar is None else bar
    # Overflow is caught below as a non-finite cost, with a clearer message
    # than NumPy's RuntimeWarning.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for i in steps:
                cost, dw, db = gradient(weights, bias)
                if not math.isfinite(cost):
                    raise ValueError(
                        f"the cost became {cost} at iteration {i}: the learning rate "
                        f"{rate:g} is probably too large"
                    )
                costs.append(cost)
                weights -= rate * dw
                bias -= rate * db
                if bar is not None:
                    bar.set_postfix_str(f"cost {cost:.6f}", refresh=False)
                if every and i % every == 0:
                    line = f"Cost after iteration {i}: {cost:f}"
                    if bar is not None:
                        bar.write(line, file=out)
                    else:
                        print(line, file=out)
        finally:
            if bar is not None:
                bar.close()
    return Descent(weights, bias, dw, db, costs)


def _progress_bar(count: int, engine: str) -> Any:
    """A tqdm bar on a terminal; None when stderr is a file or a pipe."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(range(count), desc=f"gradient descent ({engine})", unit="it", leave=False)


def _positive_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------
# The model.
# ---------------------------------------------------------------------------


class LogisticRegression:
    """The seed's classifier: zero initialisation, full-batch gradient descent.

    `engine` picks how each gradient is computed: "vectorized" (NumPy, fast),
    "loop" (the seed's two for-loops) or "graph" (Values and backprop; slow,
    for learning). All three give the same numbers. On the cat pictures
    (12288 features, 209 samples) one iteration takes about 0.3 ms vectorized,
    0.2 s with the loop and 0.5 s with the graph (see docs/performance.md).

    While training, the cost is printed every `print_every` iterations (0: never)
    and a tqdm bar shows the current cost when stderr is a terminal;
    `verbose=False` or `print_every=0` trains silently.

    >>> from microgrid.datasets import toy_2d
    >>> X, Y = toy_2d(40, seed=0)
    >>> model = LogisticRegression(learning_rate=0.1, iterations=300, print_every=0).fit(X, Y)
    >>> model.w_.shape, model.score(X, Y) > 0.9
    ((2, 1), True)
    """

    def __init__(
        self,
        learning_rate: float = 0.005,
        iterations: int = 2000,
        engine: str = "vectorized",
        print_every: int = 100,
        verbose: bool = True,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(
                f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}"
            )
        self.learning_rate = _positive_number(learning_rate, "learning_rate")
        self.iterations = _count(iterations, "iterations")
        self.engine = engine
        self.print_every = _count(print_every, "print_every")
        self.verbose = bool(verbose)
        self.w_: Floats | None = None
        self.b_: float | None = None
        self.costs_: list[float] = []

    def __repr__(self) -> str:
        return (
            f"LogisticRegression(learning_rate={self.learning_rate:g}, "
            f"iterations={self.iterations}, engine={self.engine!r}, "
            f"print_every={self.print_every}, verbose={self.verbose})"
        )

    def fit(self, X: ArrayLike, Y: ArrayLike, *, file: TextIO | None = None) -> LogisticRegression:
        """Train on X (n, m) and Y (1, m) from w = 0, b = 0; returns the model."""
        features, labels = _check_data(X, Y)
        _check_finite(features)
        quiet = not self.verbose or self.print_every == 0
        result = gradient_descent(
            features,
            labels,
            np.zeros((features.shape[0], 1)),
            0.0,
            self.learning_rate,
            self.iterations,
            engine=self.engine,
            print_every=0 if quiet else self.print_every,
            progress=not quiet,
            file=file,
        )
        self.w_, self.b_, self.costs_ = result.w, result.b, result.costs
        return self

    def _fitted(self) -> tuple[Floats, float]:
        if self.w_ is None or self.b_ is None:
            raise RuntimeError("this LogisticRegression is not trained yet: call fit(X, Y) first")
        return self.w_, self.b_

    def predict_proba(self, X: ArrayLike) -> Floats:
        """A = σ(wᵀX + b): each sample's probability of label 1, shape (1, m)."""
        w, b = self._fitted()
        features = _as_features(X)
        if features.shape[0] != w.shape[0]:
            hint = " (samples must be columns: pass X.T)" if features.shape[1] == w.shape[0] else ""
            raise ValueError(
                f"X must have shape (n, m) with n = {w.shape[0]} features, "
                f"got {features.shape}{hint}"
            )
        _check_finite(features)
        return _sigmoid_array(w.T @ features + b)

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """1 where a > 0.5 (cat), else 0, shape (1, m)."""
        return (self.predict_proba(X) > 0.5).astype(np.int64)

    def score(self, X: ArrayLike, Y: ArrayLike) -> float:
        """Accuracy: the fraction of samples whose prediction equals the label."""
        features, labels = _check_data(X, Y)
        return float(np.mean(self.predict(features) == labels))


# ---------------------------------------------------------------------------
# Pictures (matplotlib, the `plot` extra) and the `microgrid logreg` command.
# ---------------------------------------------------------------------------


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        from microgrid.install_hint import pip_command

        raise ImportError(f"drawing plots needs matplotlib: {pip_command('plot')}") from None
    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    return plt


def _picture_path(path: str | Path, image: bool = False) -> Path:
    """`path` if matplotlib can write its format into an existing folder, else a ValueError.

    ``image=True`` for `plt.imsave`, which hands every format but pdf, ps, eps, svg
    (and jpg, which it renames) to Pillow under its upper-case name.
    """
    from matplotlib.figure import Figure

    target = Path(path)
    formats = list(Figure().canvas.get_supported_filetypes())
    if image:
        from PIL import Image

        Image.init()
        vector = ("pdf", "ps", "eps", "svg", "jpg")
        formats = [f for f in formats if f in vector or f.upper() in Image.SAVE]
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise ValueError(
            f"cannot write a picture to {target}: the name must end in one of "
            f"{', '.join('.' + f for f in sorted(formats))} (.png, say)"
        )
    if not target.parent.is_dir():
        raise ValueError(f"cannot write {target}: no directory {target.parent}")
    if suffix == "pgf":
        # matplotlib writes PGF by running a TeX program to measure the text.
        import shutil

        import matplotlib

        tex = str(matplotlib.rcParams["pgf.texsystem"])
        if shutil.which(tex) is None:
            raise ValueError(
                f"cannot write {target}: matplotlib writes .pgf with {tex}, which is not "
                "installed; write .pdf or .svg instead (or install TeX, e.g. "
                "`sudo apt-get install texlive-xetex`)"
            )
    return target


def plot_costs(costs: Sequence[float], path: str | Path, title: str = "") -> Path:
    """Write the learning curve J(iteration) to an image file (format from the suffix)."""
    if not len(costs):
        raise ValueError("plot_costs needs at least one cost (train for 1+ iterations)")
    plt = _pyplot()
    target = _picture_path(path)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(range(len(costs)), costs)
    axes.set_xlabel("iteration")
    axes.set_ylabel("cost J")
    axes.set_title(title or "learning curve")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)
    return target


def save_weights_image(
    w: ArrayLike, path: str | Path, height: int = 64, width: int = 64, scale: int = 4
) -> Path:
    """Write w as a height×width picture: red pixels vote "cat", blue ones "not cat".

    A pixel's vote is its three weights added (R + G + B planes): how much a
    brighter pixel there pushes z up (towards cat) or down. White is 0. Each
    pixel is drawn as a `scale`×`scale` block so that the picture is visible.
    """
    from microgrid.datasets import pixel_votes

    votes = pixel_votes(w, height, width)
    size = _count(scale, "scale")
    if size < 1:
        raise ValueError(f"scale must be a whole number >= 1, got {scale!r}")
    votes = np.repeat(np.repeat(votes, size, axis=0), size, axis=1)
    limit = float(np.max(np.abs(votes))) or 1.0
    plt = _pyplot()
    target = _picture_path(path, image=True)
    # bwr: blue (−) … white (0) … red (+), symmetric so 0 is white.
    plt.imsave(target, votes, cmap="bwr", vmin=-limit, vmax=limit)
    return target


def run_logreg(
    data: str = "synthetic",
    engine: str = "vectorized",
    iterations: int = 2000,
    learning_rate: float = 0.005,
    plot: str | None = None,
    weights_image: str | None = None,
    print_every: int = 100,
    file: TextIO | None = None,
) -> LogisticRegression:
    """Train the cat classifier and report, as `microgrid logreg` does.

    `data` is "synthetic" (built in, offline) or a directory with the course's
    train_catvnoncat.h5 and test_catvnoncat.h5.
    """
    from microgrid import datasets

    out = sys.stdout if file is None else file
    # Settings are checked before the (possibly slow) loading of the pictures.
    model = LogisticRegression(learning_rate, iterations, engine, print_every)
    if plot and not model.iterations:
        raise ValueError("--plot needs at least one iteration to draw a learning curve")
    for picture, image in ((plot, False), (weights_image, True)):
        if picture:
            _pyplot()  # a clear ImportError without matplotlib
            _picture_path(picture, image)
    cats: CatData = (
        datasets.synthetic_catvnoncat() if data == "synthetic" else datasets.load_catvnoncat(data)
    )
    train_x, test_x = datasets.flatten_images(cats.train_x), datasets.flatten_images(cats.test_x)
    print(
        f"data: {data} — {train_x.shape[1]} training and {test_x.shape[1]} test pictures, "
        f"{train_x.shape[0]} features each; engine: {engine}",
        file=out,
    )
    model.fit(train_x, cats.train_y, file=out)
    train_accuracy = 100 * model.score(train_x, cats.train_y)
    test_accuracy = 100 * model.score(test_x, cats.test_y)
    print(f"train accuracy: {train_accuracy} %", file=out)
    print(f"test accuracy: {test_accuracy} %", file=out)
    if plot:
        plot_costs(model.costs_, plot, f"learning rate {learning_rate:g}, {engine} engine")
        print(f"learning curve written to {plot}", file=out)
    if weights_image:
        assert model.w_ is not None
        height, width = cats.train_x.shape[1:3]
        save_weights_image(model.w_, weights_image, height, width)
        print(f"weights picture written to {weights_image} (red: cat, blue: not cat)", file=out)
    return model
