"""Chapters 6, 7 and 10: checking a gradient, your own primitive, checking your own backprop.

The truths come from the engine: a graph recomputed at θ ± ε (`replay`), a gradient
read off `backward()`, a second derivative from `grad(..., create_graph=True)`, a
primitive's stored local derivative, the course's vectorized gradients.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from microgrid.course.exercises.core import Exercise, Mistake, Progress, delta_exercise, real_slips
from microgrid.engine import Value, binary_cross_entropy_with_logits, primitive, replay
from microgrid.higher import grad
from microgrid.show.notation import format_number, signed

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BUILDERS_6", "BUILDERS_7", "BUILDERS_10"]

show = format_number


def _8(x: float, parenthesised: bool = False) -> str:
    text = signed(f"{x:.8f}")
    return f"({text})" if parenthesised and x < 0 else text


def two_sided(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    t0 = 1.0 if seed == 0 else rng.choice([-2.0, -1.5, -0.5, 0.5, 1.5, 2.0])
    eps = 0.01
    theta = Value(t0, label="θ")
    J = (theta**3 - 2 * theta).named("J")
    at = J.value
    up, down = replay(J, {theta: t0 + eps}), replay(J, {theta: t0 - eps})
    replay(J, {theta: t0})
    truth = (up - down) / (2 * eps)
    J.backward()
    return Exercise(
        number=number,
        chapter="6",
        title="the two-sided difference",
        question=f"J(θ) = θ³ − 2θ at θ = {show(t0)}, ε = {show(eps)}: the engine gives "
        f"J(θ + ε) = {_8(up)}, J(θ − ε) = {_8(down)} (and J(θ) = {_8(at)}). What is the "
        "two-sided estimate of dJ/dθ?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"(J(θ + ε) − J(θ − ε)) / (2ε) = ({_8(up)} − {_8(down, True)}) / {show(2 * eps)} = "
            f"{show(truth, 8)}; backprop says dJ/dθ = 3θ² − 2 = {show(theta.delta, 8)}. The "
            "error is ε² times a constant: a ten times smaller ε makes it a hundred times smaller.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(2 * truth, "That divides by ε, not 2ε: the two points are 2ε apart."),
                Mistake(-truth, "That is J(θ − ε) − J(θ + ε): the sign is flipped."),
                Mistake(
                    (up - at) / eps,
                    "That is the one-sided (J(θ + ε) − J(θ))/ε: close, but its error is of "
                    "order ε, the two-sided one's of order ε².",
                ),
            ],
        ),
        root=J,
        hidden="θ",
        make=lambda s: two_sided(number, s, progress),
        progress=progress,
    )


def relative_difference_of_a_sum(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course import logistic

    m = 3 if seed == 0 else random.Random(seed).choice([2, 4, 5, 10])
    rng = np.random.default_rng(seed)
    X = rng.choice([-2.0, -1.0, 0.5, 1.0, 2.0], size=(2, m))
    Y = (np.arange(m) % 2).reshape(1, m).astype(float)
    graph = logistic.cost_graph(X, Y, np.array([[0.1], [-0.2]]), 0.3)
    graph.J.backward()
    true = np.array([*(leaf.delta for leaf in graph.w), graph.b.delta])
    learner = m * true  # the loop's sum, without /m
    diff = float(np.linalg.norm(learner - true))
    truth = diff / float(np.linalg.norm(learner) + np.linalg.norm(true))
    return Exercise(
        number=number,
        chapter="6",
        title="the check's number for a missing /m",
        question=f"Logistic regression on m = {m} samples. A learner's dw, db forgot the /m: every "
        f"entry is {m} times the true gradient. What is gradient checking's relative difference "
        "‖g_learner − g‖ / (‖g_learner‖ + ‖g‖)?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"With g_learner = {m}·g: ‖{m}g − g‖ / (‖{m}g‖ + ‖g‖) = ({m} − 1)/({m} + 1) = "
            f"{show(truth)}, whatever the data: far above the 1e−7 of a right gradient.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    float(m - 1),
                    f"That is ‖g_learner − g‖ / ‖g‖ = {m} − 1: the check divides by both norms, "
                    "‖g_learner‖ + ‖g‖.",
                ),
                Mistake(
                    (m - 1) / m, "That divides by ‖g_learner‖ only; the check adds both norms."
                ),
                Mistake(0.0, "The numbers differ by a factor, so the difference is not 0."),
            ],
        ),
        root=graph.J,
        hidden=None,
        make=lambda s: relative_difference_of_a_sum(number, s, progress),
        progress=progress,
    )


def largest_step(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    c, d = (
        (3.0, 1.0)
        if seed == 0
        else (rng.choice([0.5, 2.0, 4.0, 5.0, 10.0]), rng.choice([-2.0, 1.0, 3.0]))
    )
    w = Value(0.0, label="w")
    J = (c * w * w - d * w).named("J")
    (dw,) = grad(J, [w], create_graph=True)
    (curvature,) = grad(dw, [w])
    truth = 2 / curvature
    return Exercise(
        number=number,
        chapter="6",
        title="the largest learning rate: 2/λmax",
        question=f"Gradient descent w := w − α·J′(w) on J(w) = {show(c)}w² "
        f"{'−' if d > 0 else '+'} {show(abs(d))}w. Below which α does it converge from any start?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"The curvature is J″ = {show(curvature)} (the engine's second derivative), and each "
            f"step multiplies the distance to the minimum by 1 − α·{show(curvature)}. That shrinks "
            f"only while |1 − α·{show(curvature)}| < 1: α < 2/{show(curvature)} = {show(truth)}.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    1 / curvature,
                    f"α = 1/J″ = {show(1 / curvature)} lands on the minimum in one step; descent "
                    "still converges, overshooting, up to twice that.",
                ),
                Mistake(
                    2 / c,
                    f"λ is the second derivative J″ = 2·{show(c)}, not the coefficient of w².",
                ),
                Mistake(curvature, "That is the curvature λ itself; the limit is 2/λ."),
            ],
        ),
        root=J,
        hidden=None,
        make=lambda s: largest_step(number, s, progress),
        progress=progress,
    )


@primitive(formula="{0}³")
def cube(x: float) -> tuple[float, tuple[float]]:
    """x³ and its local derivative 3x²: chapter 7's first primitive."""
    return x**3, (3 * x**2,)


def through_cube(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    x0, k = (
        (2.0, 2.0)
        if seed == 0
        else (rng.choice([-2.0, -1.5, -0.5, 1.5, 3.0]), rng.choice([-3.0, 2.0, 4.0]))
    )
    x = Value(x0, label="x")
    y = cube(x).named("y")
    J = (y * k).named("J")
    ex = delta_exercise(
        number,
        "7",
        "through your own primitive",
        f"Your primitive cube(x) returns x³ and its local derivative 3x². J = cube(x)·{show(k)} at "
        f"x = {show(x0)}. What is dJ/dx?",
        J,
        "x",
        seed=seed,
        make=lambda s: through_cube(number, s, progress),
        progress=progress,
    )
    ex.mistakes = real_slips(
        ex.truth,
        [
            *ex.mistakes,
            Mistake(k * x0**2, "That forgets the 3 of 3x²: the local derivative of x³ is 3x²."),
            Mistake(k * x0**3, "That is J's value; the question asks its slope in x."),
        ],
    )
    return ex


def box_derivative(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    z0, y = (
        (0.6, 1.0)
        if seed == 0
        else (rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), float(rng.randint(0, 1)))
    )
    z = Value(z0, label="z")
    L = binary_cross_entropy_with_logits(z, y).named("L")
    truth = L.local_derivatives[0]
    a = z.sigmoid().value
    return Exercise(
        number=number,
        chapter="7",
        title="the seed's dz = a − y as one box",
        question=f"The box z → L(z, y) = log(1 + eᶻ) − y·z replaces σ and the log loss. At z = "
        f"{show(z0)}, y = {show(y)}, what local derivative ∂L/∂z does it store?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"d/dz [log(1 + eᶻ) − y·z] = eᶻ/(1 + eᶻ) − y = σ(z) − y = {show(a)} − {show(y)} = "
            f"{show(truth)}: the seed's dz = a − y, one number the forward pass stores.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(a, "That is a = σ(z); the box's derivative also subtracts y."),
                Mistake(
                    y - a, "The size is right and the sign is flipped: σ(z) − y, not y − σ(z)."
                ),
                Mistake(
                    -y / a + (1 - y) / (1 - a),
                    "That is da = dL/da, the slope before σ; the box goes from z, and its slope "
                    "in z is a − y.",
                ),
                Mistake(L.value, "That is the loss L; the question asks its slope in z."),
            ],
        ),
        root=L,
        hidden=None,
        make=lambda s: box_derivative(number, s, progress),
        progress=progress,
    )


def planted_tanh(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    z0, k = (
        (0.7, 0.8)
        if seed == 0
        else (rng.choice([-1.2, -0.6, 0.4, 0.9, 1.5]), rng.choice([-0.5, 0.3, 0.6, 1.2]))
    )
    z = Value(z0, label="Z1")
    a = z.tanh().named("A1")
    J = (a * k).named("J")
    ex = delta_exercise(
        number,
        "10",
        "tanh′ written as A1",
        f"One unit, one sample: backprop reached A1 = tanh(Z1) = {show(a.value)} with dA1 = "
        f"{show(k)}. What is the correct dZ1 = dA1 ∗ g′(Z1)?",
        J,
        "Z1",
        seed=seed,
        make=lambda s: planted_tanh(number, s, progress),
        progress=progress,
    )
    ex.mistakes = real_slips(
        ex.truth,
        [
            Mistake(
                k * a.value,
                "That is dA1 ∗ A1, chapter 10's planted mistake: tanh′(Z1) is 1 − A1², not A1.",
            ),
            Mistake(
                k * (1 - z0**2), "That is 1 − Z1²: tanh′ is 1 − A1², written with the output A1."
            ),
            *ex.mistakes,
        ],
    )
    return ex


def _planar(seed: int, attempt: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    import numpy as np

    rng = np.random.default_rng([seed, attempt])
    X = rng.choice([-2.0, -1.0, 1.0, 2.0], size=(2, 4))
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    parameters = {
        "W1": np.round(rng.uniform(-1, 1, size=(3, 2)), 1),
        "b1": np.zeros((3, 1)),
        "W2": np.round(rng.uniform(-1, 1, size=(1, 3)), 1),
        "b2": np.zeros((1, 1)),
    }
    return X, Y, parameters


def flipped_start(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course import networks

    for attempt in range(50):  # a dW1[0,0] well away from 0, so that its sign shows
        X, Y, parameters = _planar(seed, attempt)
        truth = float(networks.vectorized_gradients(X, Y, parameters).grads["dW1"][0, 0])
        if abs(truth) >= 0.02:
            break
    learner = -truth
    return Exercise(
        number=number,
        chapter="10",
        title="dZ2 = Y − A2",
        question="A learner's [2, 3, 1] backprop starts from dZ2 = Y − A2 and is otherwise right. "
        f"Their dW1[0,0] is {show(learner, 6)}. What is the true dW1[0,0]?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"Everything backprop computes is a multiple of dZ2, so flipping it flips every "
            f"gradient: the true dW1[0,0] is {show(truth, 6)}. check_backprop says 'every "
            "gradient is -1 × the true one: the mistake is where backprop starts'.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    learner,
                    "That is the learner's number: the sign of dZ2 reaches every layer below, W1 "
                    "too.",
                ),
                Mistake(0.0, "Backprop's start decides the sign, not whether the gradient is 0."),
            ],
        ),
        make=lambda s: flipped_start(number, s, progress),
        progress=progress,
    )


def no_keepdims(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course import networks

    X, _, parameters = _planar(seed)
    n_h = 3 if seed == 0 else random.Random(seed).choice([4, 5, 7])
    m = X.shape[1]
    parameters["W1"] = np.round(np.random.default_rng(seed).uniform(-1, 1, (n_h, 2)), 1)
    parameters["b1"] = np.zeros((n_h, 1))
    parameters["W2"] = np.round(np.random.default_rng(seed + 1).uniform(-1, 1, (1, n_h)), 1)
    _, caches = networks.forward_propagation(X, parameters)
    dZ1 = np.asarray(caches[0].Z)  # dZ1 has Z1's shape
    truth = tuple(np.sum(dZ1, axis=1).shape)
    return Exercise(
        number=number,
        chapter="10",
        title="db1 without keepdims",
        question=f"A learner writes db1 = np.sum(dZ1, axis=1) / m (no keepdims) for a hidden layer "
        f"of {n_h} units and m = {m} samples. What shape does their db1 have?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"dZ1 is ({n_h}, {m}); summing axis 1 without keepdims drops it: ({n_h},). The "
            f"numbers are right, the shape is not b1's ({n_h}, 1), and check_backprop says "
            f"'db1 is ({n_h},) but b1 is ({n_h}, 1)'. b1 − α·db1 would broadcast to ({n_h}, "
            f"{n_h}).",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    (n_h, 1), "That is with keepdims=True; without it the summed axis is gone."
                ),
                Mistake((n_h, m), "That is dZ1's shape; the sum over axis 1 removes the samples."),
                Mistake((m,), "axis=1 sums each row over the samples: one number per unit."),
            ],
        ),
        make=lambda s: no_keepdims(number, s, progress),
        progress=progress,
    )


BUILDERS_6 = [two_sided, relative_difference_of_a_sum, largest_step]
BUILDERS_7 = [through_cube, box_derivative]
BUILDERS_10 = [planted_tanh, flipped_start, no_keepdims]
