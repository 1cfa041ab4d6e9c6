"""Chapter 5b: from one path to a matrix. Each entry of dW1, dA1, db1 is a sum of paths.

The graph is the course's network as Values (`networks.cost_graph`: J = (1/m) Σ L), so
the engine's delta of W1[j,k] is the sum over the m samples' paths, and the question
gives the course's matrices (dZ1 without the 1/m, as the course writes it) to compute
the same entry by hand: (dZ1·Xᵀ)[j,k] / m.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from microgrid.course.exercises.core import Exercise, Mistake, Progress, delta_exercise, real_slips
from microgrid.engine import Value
from microgrid.show.notation import format_number, node_names, number_in_formula

if TYPE_CHECKING:
    import numpy as np

    from microgrid.course.networks.graph import NetworkGraph

__all__ = ["BUILDERS"]


def term(x: float) -> str:
    """A number inside a formula, 4 significant digits: negative ones in parentheses."""
    return number_in_formula(x, 4)


show = format_number


def _matrix(values: np.ndarray) -> str:
    import numpy as np

    rows = ["(" + ", ".join(show(float(v)) for v in row) + ")" for row in np.atleast_2d(values)]
    return "[" + "; ".join(rows) + "]"


def _network(
    seed: int, sizes: list[int], m: int, node: str
) -> tuple[NetworkGraph, np.ndarray, np.ndarray]:
    """A tanh network with one-decimal weights on m samples, its deltas computed.

    The first draw whose `node` has a delta of at least 0.02 (well above the grading's
    absolute 0.0005, so that every slip is told apart from the answer).
    """
    for attempt in range(50):
        graph, X, Y = _draw(seed, sizes, m, attempt)
        if abs(_nodes(graph.J)[node].delta) >= 0.02:
            break
    return graph, X, Y


def _draw(
    seed: int, sizes: list[int], m: int, attempt: int
) -> tuple[NetworkGraph, np.ndarray, np.ndarray]:
    import numpy as np

    from microgrid.course.networks.graph import cost_graph

    rng = np.random.default_rng([seed, len(sizes), m, attempt])
    X = rng.choice([-2.0, -1.0, 1.0, 2.0, 3.0], size=(sizes[0], m))
    Y = np.array([[1.0, 0.0, 1.0, 0.0][i % 4] for i in range(m)], ndmin=2)
    parameters: dict[str, np.ndarray] = {}
    for layer, (n_in, n_out) in enumerate(pairwise(sizes), start=1):
        W = np.round(rng.uniform(-1, 1, size=(n_out, n_in)), 1)
        W[W == 0] = 0.5
        parameters[f"W{layer}"] = W
        parameters[f"b{layer}"] = np.zeros((n_out, 1))
    graph = cost_graph(X, Y, parameters)
    graph.backward()
    return graph, X, Y


def _nodes(root: Value) -> dict[str, Value]:
    return {name: node for node, name in node_names(root).items()}


def _dZ1_row(graph: NetworkGraph, j: int, m: int) -> np.ndarray:
    """The course's dZ1[j, :] (no 1/m): m × the graph's deltas of z1[j] per sample."""
    import numpy as np

    nodes = _nodes(graph.J)
    names = [f"z1[{j}]" + ("" if m == 1 else "₀₁₂₃₄₅₆₇₈₉"[i]) for i in range(1, m + 1)]
    return np.array([m * nodes[name].delta for name in names])


def dW1_entry(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    m = 3
    j, k = (0, 1) if seed == 0 else (seed % 2, (seed // 2) % 2)
    graph, X, _ = _network(seed, [2, 2, 1], m, f"W1[{j},{k}]")
    dZ1 = np.vstack([_dZ1_row(graph, row, m) for row in (0, 1)])
    ex = delta_exercise(
        number,
        "5b",
        "dW1[j,k]: a sum over the m samples' paths",
        f"A [2, 2, 1] tanh network on m = {m} samples. X = {_matrix(X)} (rows are features, "
        f"columns samples); backprop gave the course's dZ1 = {_matrix(dZ1)} (before any 1/m). "
        f"What is dW1[{j},{k}] = dJ/dW1[{j},{k}]? (dW1 = dZ1·Xᵀ/m)",
        graph.J,
        f"W1[{j},{k}]",
        seed=seed,
        make=lambda s: dW1_entry(number, s, progress),
        progress=progress,
    )
    truth = float(ex.truth)  # type: ignore[arg-type]
    swapped = float(dZ1[k] @ X[j]) / m
    ex.reveal_lines = (
        f"W1[{j},{k}] meets sample i once, as W1[{j},{k}]·x{k + 1}⁽ⁱ⁾ inside z1[{j}]⁽ⁱ⁾: "
        f"{m} paths, each dZ1[{j},i]·X[{k},i]/m, and the delta adds them (chapter 2's +=): "
        + " + ".join(f"{term(float(dZ1[j, i]))}·{term(float(X[k, i]))}" for i in range(m))
        + f", over {m}: {show(truth)} = (dZ1·Xᵀ)[{j},{k}]/m.",
        *ex.reveal_lines,
    )
    ex.mistakes = real_slips(
        truth,
        [
            Mistake(
                truth * m,
                f"That is the sum of the {m} paths before /m: J averages the losses, so "
                f"dW1 = dZ1·Xᵀ/m.",
            ),
            Mistake(
                truth / m, f"That is divided by m twice: dZ1 has no 1/m, so divide once by {m}."
            ),
            Mistake(
                swapped,
                f"That is (dZ1·Xᵀ)[{k},{j}]/m, the transposed entry: row {j} of dW1 is unit {j}'s "
                f"weights, column {k} feature {k + 1}, so dZ1's row {j} meets X's row {k}.",
            ),
            *(
                Mistake(
                    float(dZ1[j, i] * X[k, i]) / m,
                    f"That is one path's term, sample {i + 1}'s: W1[{j},{k}] is used by every "
                    f"sample, and its delta sums all {m} terms.",
                )
                for i in range(m)
            ),
            *ex.mistakes,
        ],
    )
    return ex


def dA1_entry(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    j = seed % 2
    graph, _, _ = _network(seed, [2, 2, 2, 1], 1, f"a1[{j}]")
    nodes = _nodes(graph.J)
    W2 = np.array([[nodes[f"W2[{r},{c}]"].value for c in range(2)] for r in range(2)])
    dZ2 = np.array([nodes[f"z2[{r}]"].delta for r in range(2)])
    ex = delta_exercise(
        number,
        "5b",
        "dA1 = W2ᵀ·dZ2: a sum over outgoing edges",
        f"A [2, 2, 2, 1] tanh network, one sample. W2 = {_matrix(W2)}; backprop gave "
        f"dZ2 = ({show(float(dZ2[0]))}, {show(float(dZ2[1]))}). What is dA1[{j}] = dJ/da1[{j}]?",
        graph.J,
        f"a1[{j}]",
        seed=seed,
        make=lambda s: dA1_entry(number, s, progress),
        progress=progress,
    )
    truth = float(ex.truth)  # type: ignore[arg-type]
    ex.reveal_lines = (
        f"a1[{j}] feeds both units of layer 2, through W2[0,{j}] and W2[1,{j}]: its delta adds "
        f"the two edges, {term(float(W2[0, j]))}·{term(float(dZ2[0]))} + "
        f"{term(float(W2[1, j]))}·{term(float(dZ2[1]))} = {show(truth)}. That is column {j} of "
        f"W2 against dZ2: row {j} of W2ᵀ·dZ2.",
        *ex.reveal_lines,
    )
    ex.mistakes = real_slips(
        truth,
        [
            Mistake(
                float(W2[j] @ dZ2),
                f"That is (W2·dZ2)[{j}], row {j} of W2: a1[{j}]'s outgoing weights are column {j} "
                f"(W2[k,{j}] joins unit {j} to unit k), so the formula takes W2ᵀ.",
            ),
            *ex.mistakes,
        ],
    )
    return ex


def db1_entry(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    m = 3
    j = seed % 2
    graph, _, _ = _network(seed + 7, [2, 2, 1], m, f"b1[{j}]")
    dZ1 = np.vstack([_dZ1_row(graph, row, m) for row in (0, 1)])
    ex = delta_exercise(
        number,
        "5b",
        "db1: a row sum, over m",
        f"A [2, 2, 1] tanh network on m = {m} samples; backprop gave the course's "
        f"dZ1 = {_matrix(dZ1)} (before any 1/m). What is db1[{j}] = dJ/db1[{j}]? "
        "(db1 = np.sum(dZ1, axis=1, keepdims=True) / m)",
        graph.J,
        f"b1[{j}]",
        seed=seed,
        make=lambda s: db1_entry(number, s, progress),
        progress=progress,
    )
    truth = float(ex.truth)  # type: ignore[arg-type]
    ex.reveal_lines = (
        f"b1[{j}] is added into z1[{j}] for every sample with local derivative 1: the row sum "
        + " + ".join(term(float(v)) for v in dZ1[j])
        + f", over {m}: {show(truth)}. keepdims=True keeps the column: db1 is (2, 1), b1's shape.",
        *ex.reveal_lines,
    )
    ex.mistakes = real_slips(
        truth,
        [
            Mistake(truth * m, f"That is the row sum before /m: divide by m = {m}."),
            Mistake(
                truth / m, f"That is divided by m twice: dZ1 has no 1/m, so divide once by {m}."
            ),
            Mistake(
                float(dZ1[:, 0].sum()) / m,
                "That sums a column (over the units, axis=0); db1 sums each unit's row over the "
                "samples (axis=1).",
            ),
            *(
                Mistake(
                    float(dZ1[j, i]) / m,
                    f"That is one sample's term; b1[{j}] is used by all {m} samples.",
                )
                for i in range(m)
            ),
            *ex.mistakes,
        ],
    )
    return ex


def zero_init(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks.graph import cost_graph

    m = 3
    rng = np.random.default_rng(seed)
    X = (
        np.array([[1.0, 2.0, -1.0], [3.0, 0.5, -2.0]])
        if seed == 0
        else rng.choice([-2.0, -1.0, 1.0, 2.0, 3.0], size=(2, m))
    )
    Y = np.array([[1.0, 0.0, 1.0]])
    w = 0.5 if seed == 0 else float(rng.choice([-0.5, 0.3, 0.4, 0.6]))
    parameters = {
        "W1": np.zeros((2, 2)),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[w, w]]),
        "b2": np.zeros((1, 1)),
    }
    graph = cost_graph(X, Y, parameters)
    graph.backward()
    dW1 = graph.gradients().grads["dW1"]
    k = seed % 2
    truth = float(dW1[1, k])
    given = float(dW1[0, k])
    return Exercise(
        number=number,
        chapter="5b",
        title="zero init: identical units stay identical",
        question=f"A [2, 2, 1] tanh network starts from W1 = 0, b1 = 0, W2 = ({show(w)}, "
        f"{show(w)}), b2 = 0, on X = {_matrix(X)}, Y = (1, 0, 1). The engine gives dW1[0,{k}] = "
        f"{show(given, 6)}. What is dW1[1,{k}]?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"Both hidden units compute the same thing (A1 = tanh(0) = 0 in both rows) and "
            f"meet the output through the same weight {show(w)}, so dZ1's two rows are equal "
            f"(W2ᵀ·dZ2 ∗ (1 − A1²) = {show(w)}·dZ2) and so are dW1's: {show(truth, 6)}.",
            "Every step moves both rows alike, so the two units stay one unit, however long "
            "you train: the course's reason for a random W1.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    0.0,
                    f"W1 = 0 does not make dW1 zero: dZ1 = W2ᵀ·dZ2 ∗ (1 − A1²) = {show(w)}·dZ2 "
                    "and X are not 0. What zero init loses is the difference between the units.",
                ),
                Mistake(-truth, "The size is right and the sign is flipped: the units are alike."),
            ],
        ),
        root=graph.J,
        hidden=f"W1[1,{k}]",
        make=lambda s: zero_init(number, s, progress),
        progress=progress,
    )


BUILDERS = [dW1_entry, dA1_entry, db1_entry, zero_init]
