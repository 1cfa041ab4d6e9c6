"""Chapters 8 and 9: a hidden layer, then deep networks.

The graphs are the course's networks as Values (`networks.one_sample_graph`,
`networks.cost_graph`); the shapes come from `networks.initialize_parameters`.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from microgrid.course.exercises.core import Exercise, Mistake, Progress, delta_exercise, real_slips
from microgrid.engine import Value
from microgrid.show.notation import format_number, node_names, number_in_formula

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BUILDERS_8", "BUILDERS_9"]


def term(x: float) -> str:
    """A number inside a formula, 4 significant digits: negative ones in parentheses."""
    return number_in_formula(x, 4)


show = format_number


def _nodes(root: Value) -> dict[str, Value]:
    return {name: node for node, name in node_names(root).items()}


def _weights(rng: np.random.Generator, n_out: int, n_in: int) -> np.ndarray:
    import numpy as np

    W = np.round(rng.uniform(-1, 1, size=(n_out, n_in)), 1)
    W[np.abs(W) < 0.2] = 0.5  # no weight that hides a term
    return W


def dZ1_through_tanh(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks.graph import one_sample_graph

    rng = np.random.default_rng(seed + 8)
    x = [1.0, 2.0] if seed == 0 else [float(v) for v in rng.choice([-2.0, -1.0, 1.0, 2.0], size=2)]
    y = 1.0 if seed == 0 else float(seed % 2)
    parameters = {
        "W1": _weights(rng, 3, 2) / 2,
        "b1": np.zeros((3, 1)),
        "W2": _weights(rng, 1, 3),
        "b2": np.zeros((1, 1)),
    }
    L = one_sample_graph(x, y, parameters)
    L.backward()
    j = seed % 3
    nodes = _nodes(L)
    A1, dZ2, w = nodes[f"a1[{j}]"].value, nodes["z2[0]"].delta, float(parameters["W2"][0, j])
    ex = delta_exercise(
        number,
        "8",
        "dZ1 through tanh",
        f"A [2, 3, 1] network (tanh, then σ), one sample. Unit {j}: A1[{j}] = {show(A1)}, its "
        f"weight to the output W2[0,{j}] = {show(w)}; backprop gave dZ2 = A2 − Y = {show(dZ2)}. "
        f"What is dZ1[{j}] = dL/dz1[{j}]? (dZ1 = W2ᵀdZ2 ∗ (1 − A1²))",
        L,
        f"z1[{j}]",
        seed=seed,
        make=lambda s: dZ1_through_tanh(number, s, progress),
        progress=progress,
    )
    ex.mistakes = real_slips(
        ex.truth,
        [
            Mistake(
                w * dZ2,
                f"That is dA1[{j}] = W2[0,{j}]·dZ2: one chain-rule factor, tanh′ = 1 − A1² = "
                f"{show(1 - A1 * A1)}, is missing.",
            ),
            Mistake(w * dZ2 * A1, "That uses A1 as tanh′; tanh′(Z1) is 1 − A1²."),
            *ex.mistakes,
        ],
    )
    return ex


def parameter_count(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks.vectorized import initialize_parameters

    n_x, n_h = (2, 4) if seed == 0 else tuple(random.Random(seed).sample(range(2, 13), 2))
    parameters = initialize_parameters([n_x, n_h, 1], seed=seed + 1)
    truth = float(sum(np.asarray(p).size for p in parameters.values()))
    return Exercise(
        number=number,
        chapter="8",
        title="how many numbers training changes",
        question=f"The network [{n_x}, {n_h}, 1]: W1, b1, W2, b2. How many numbers does gradient "
        "descent change (the count of every parameter's entries)?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"W1 ({n_h}, {n_x}): {n_h * n_x}; b1 ({n_h}, 1): {n_h}; W2 (1, {n_h}): {n_h}; "
            f"b2 (1, 1): 1. In all {int(truth)}, each with its own delta.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    float(n_h * n_x + n_h),
                    "That is W1 and W2 without the biases (or layer 1 alone): b1 has n_h "
                    "entries and b2 one, and W2, b2 are trained too.",
                ),
                Mistake(float(n_h * n_x), "That is W1 alone; b1, W2 and b2 are trained too."),
                Mistake(
                    float(n_x + n_h + 1),
                    "That counts units; parameters are the edges' weights and each unit's bias.",
                ),
            ],
        ),
        make=lambda s: parameter_count(number, s, progress),
        progress=progress,
    )


def dW2_entry(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks.graph import cost_graph

    m, j = 3, seed % 2
    for attempt in range(50):  # a delta well above the grading's 0.0005, and no A1 = 0
        rng = np.random.default_rng([seed, 80, attempt])
        X = rng.choice([-2.0, -1.0, 1.0, 2.0], size=(2, m))
        Y = np.array([[1.0, 0.0, 1.0]])
        parameters = {
            "W1": _weights(rng, 2, 2),
            "b1": np.full((2, 1), 0.1),
            "W2": _weights(rng, 1, 2),
            "b2": np.zeros((1, 1)),
        }
        graph = cost_graph(X, Y, parameters)
        graph.backward()
        nodes = _nodes(graph.J)
        if abs(nodes[f"W2[0,{j}]"].delta) >= 0.02:
            break
    A1 = [nodes[f"a1[{j}]{'₁₂₃'[i]}"].value for i in range(m)]
    dZ2 = [m * z.delta for z in graph.z]
    ex = delta_exercise(
        number,
        "8",
        "dW2 = dZ2·A1ᵀ/m",
        f"A [2, 2, 1] network on m = {m} samples. Unit {j}'s activations A1[{j},:] = "
        f"({', '.join(show(a) for a in A1)}); dZ2 = A2 − Y = ({', '.join(show(d) for d in dZ2)}). "
        f"What is dW2[0,{j}] = dJ/dW2[0,{j}]?",
        graph.J,
        f"W2[0,{j}]",
        seed=seed,
        make=lambda s: dW2_entry(number, s, progress),
        progress=progress,
    )
    truth = float(ex.truth)  # type: ignore[arg-type]
    ex.mistakes = real_slips(
        truth,
        [
            Mistake(truth * m, f"That is the sum before /m: J averages the {m} losses."),
            Mistake(truth / m, "That is divided by m twice: dZ2 = A2 − Y has no 1/m."),
            *ex.mistakes,
        ],
    )
    return ex


_DEEP = [12288, 20, 7, 5, 1]


def _deep_sizes(seed: int) -> list[int]:
    if seed == 0:
        return list(_DEEP)
    rng = random.Random(seed)
    return [rng.choice([4, 64, 784, 12288]), *rng.sample(range(2, 30), rng.randint(2, 4)), 1]


def _sizes_text(sizes: list[int]) -> str:
    return "[" + ", ".join(str(n) for n in sizes) + "]"


def layer_count(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course.networks.vectorized import initialize_parameters

    sizes = _deep_sizes(seed)
    # The count of W's does not depend on the input size: 4 inputs instead of 12288 keep it small.
    parameters = initialize_parameters([4, *sizes[1:]], init="scaled", seed=1)
    truth = float(sum(name.startswith("W") for name in parameters))
    return Exercise(
        number=number,
        chapter="9",
        title="what L counts",
        question=f"layer_dims = {_sizes_text(sizes)}. What is L, the course's number of layers?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"L counts the layers with weights: W1 … W{int(truth)}, one fewer than the "
            f"{len(sizes)} sizes, since the input layer {sizes[0]} computes nothing (the course "
            "calls it layer 0).",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    float(len(sizes)),
                    "That counts the input too; the input is layer 0, and L counts the layers "
                    "with weights.",
                ),
                Mistake(
                    truth - 1, "That counts the hidden layers only; the output layer is layer L."
                ),
            ],
        ),
        make=lambda s: layer_count(number, s, progress),
        progress=progress,
    )


def deep_weight_shape(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course.networks.vectorized import initialize_parameters

    sizes = _deep_sizes(seed)
    layer = 3 if seed == 0 else random.Random(seed + 1).randint(2, len(sizes) - 1)
    shapes = {l: (sizes[l], sizes[l - 1]) for l in range(1, len(sizes))}  # noqa: E741
    small = [4, *sizes[1:]]  # the same shapes from layer 2 on, without 12288 columns
    truth = tuple(initialize_parameters(small, init="scaled", seed=1)[f"W{layer}"].shape)
    assert truth == shapes[layer]
    return Exercise(
        number=number,
        chapter="9",
        title="the shape of W[l]",
        question=f"layer_dims = {_sizes_text(sizes)}. What shape is W{layer} (and dW{layer})?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"W[l] is (n[l], n[l−1]): Z{layer} = W{layer}·A{layer - 1} + b{layer} takes "
            f"A{layer - 1} ({sizes[layer - 1]}, m) to ({sizes[layer]}, m), so W{layer} is "
            f"{truth}; dW{layer} has its shape.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    (sizes[layer - 1], sizes[layer]),
                    "That is transposed: W[l] is (n[l], n[l−1]), rows are layer l's units.",
                ),
                Mistake((sizes[layer], 1), f"That is b{layer}'s shape."),
                Mistake(
                    shapes.get(layer + 1, ()),
                    f"That is W{layer + 1}: counting from W1, the first layer with weights.",
                ),
            ],
        ),
        make=lambda s: deep_weight_shape(number, s, progress),
        progress=progress,
    )


def _plus(x: float) -> str:
    """+ 2 or − 2, for a term after another."""
    return f"+ {show(x)}" if x >= 0 else f"− {show(-x)}"


def dead_relu(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    x0 = 1.0 if seed == 0 else rng.choice([1.0, 2.0, 0.5])
    p, q = (2.0, 0.5) if seed == 0 else (rng.choice([1.0, 2.0, 3.0]), rng.choice([0.5, 1.0]))
    r, s = (-1.0, -0.5) if seed == 0 else (rng.choice([-1.0, -2.0]), rng.choice([-0.5, 0.0]))
    c1, c2 = (
        (3.0, 4.0) if seed == 0 else (rng.choice([2.0, 3.0, -1.0]), rng.choice([4.0, -2.0, 5.0]))
    )
    x = Value(x0, label="x")
    z1 = (p * x + q).named("z1")
    z2 = (r * x + s).named("z2")
    J = (c1 * z1.relu() + c2 * z2.relu()).named("J")
    ex = delta_exercise(
        number,
        "9",
        "a unit relu switched off",
        f"z1 = {show(p)}·x + {show(q)}, z2 = {show(r)}·x {_plus(s)}, J = {show(c1)}·relu(z1) "
        f"{_plus(c2)}·relu(z2) at x = {show(x0)} (so z1 = {show(z1.value)}, z2 = "
        f"{show(z2.value)}). What is dJ/dx?",
        J,
        "x",
        seed=seed,
        make=lambda s_: dead_relu(number, s_, progress),
        progress=progress,
    )
    ex.reveal_lines = (
        f"relu′ is 1 where z > 0 and 0 where z < 0: the path through z2 = {show(z2.value)} "
        f"carries nothing, so dJ/dx = {term(c1)}·1·{term(p)} + {term(c2)}·0·{term(r)} = "
        f"{show(ex.truth)}.",  # type: ignore[arg-type]
        *ex.reveal_lines,
    )
    ex.mistakes = real_slips(
        ex.truth,
        [
            Mistake(
                c1 * p + c2 * r,
                "That adds both paths as if relu passed everything; z2 < 0, so relu′(z2) = 0 "
                "and that path contributes nothing.",
            ),
            *ex.mistakes,
        ],
    )
    return ex


BUILDERS_8 = [dZ1_through_tanh, parameter_count, dW2_entry]
BUILDERS_9 = [layer_count, deep_weight_shape, dead_relu]
