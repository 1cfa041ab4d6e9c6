"""Chapter 11: second derivatives, computed by differentiating backprop's own graph.

The truths come from `grad(..., create_graph=True)` followed by `grad`, and `hessian`.
"""

from __future__ import annotations

import random

from microgrid.course.exercises.core import Exercise, Mistake, Progress, real_slips
from microgrid.engine import Value, binary_cross_entropy
from microgrid.engine import sum as value_sum
from microgrid.higher import grad, hessian
from microgrid.show.notation import format_number

__all__ = ["BUILDERS"]

show = format_number

_X = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]
_Y = [0, 0, 1, 0, 1, 1]


def _matrix(rows: list[list[float]]) -> str:
    return "[" + ", ".join("[" + ", ".join(show(v) for v in row) + "]" for row in rows) + "]"


def log_loss_curvature(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    z0, y = (
        (0.6, 1.0)
        if seed == 0
        else (rng.choice([-2.0, -1.0, -0.5, 0.5, 1.5, 3.0]), float(rng.randint(0, 1)))
    )
    z = Value(z0, label="z")
    L = binary_cross_entropy(z.sigmoid().named("a"), y).named("L")
    (dz,) = grad(L, [z], create_graph=True)
    (truth,) = grad(dz, [z])
    a = z.sigmoid().value
    return Exercise(
        number=number,
        chapter="11",
        title="the log loss's second derivative",
        question=f"L = −(y·log a + (1 − y)·log(1 − a)), a = σ(z), at z = {show(z0)}, y = {show(y)} "
        f"(a = {show(a)}). dL/dz = a − y. What is d²L/dz²?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"d(a − y)/dz = da/dz = a(1 − a) = {show(a)} · {show(1 - a)} = {show(truth)} (the "
            "engine: grad(dz, [z]) after grad(L, [z], create_graph=True)). It is positive for "
            "every z and either label: the bowl.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    a - y,
                    "That is dL/dz = a − y, the first derivative; differentiate it once more.",
                ),
                Mistake(-truth, "The size is right and the sign is flipped: a(1 − a) > 0."),
                Mistake(a, "That is a; the derivative of a − y in z is σ′(z) = a(1 − a)."),
            ],
        ),
        root=L,
        hidden=None,
        make=lambda s: log_loss_curvature(number, s, progress),
        progress=progress,
    )


def _cost(w: Value) -> Value:
    losses = [binary_cross_entropy((w * x).sigmoid(), y) for x, y in zip(_X, _Y, strict=True)]
    return (value_sum(losses) / len(_X)).named("J")


def newton_step(number: int, seed: int, progress: Progress | None) -> Exercise:
    w0 = -1.0 if seed == 0 else random.Random(seed).choice([-2.0, -0.5, 0.0, 0.5, 2.0, 3.0])
    w = Value(w0, label="w")
    J = _cost(w)
    (dw,) = grad(J, [w], create_graph=True)
    slope = dw.value
    (curvature,) = grad(dw, [w])
    truth = w0 - slope / curvature
    return Exercise(
        number=number,
        chapter="11",
        title="one Newton step",
        question=f"Chapter 4's six samples, J(w) with b = 0, at w = {show(w0)}: the engine gives "
        f"J′(w) = {show(slope, 6)} and J″(w) = {show(curvature, 6)}. Where does one Newton step "
        "w := w − J′/J″ land?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"w − J′/J″ = {show(w0)} − ({show(slope, 6)})/{show(curvature, 6)} = {show(truth, 6)}: "
            "the minimum of the parabola that touches J at w, the step gradient descent would "
            "take with α = 1/J″.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    w0 + slope / curvature, "That is w + J′/J″: the step goes against the slope."
                ),
                Mistake(
                    w0 - slope,
                    "That is a gradient step with α = 1; Newton divides by the curvature J″.",
                ),
                Mistake(w0 - curvature / slope, "That is w − J″/J′: the fraction is upside down."),
                Mistake(-slope / curvature, "That is the step alone; add it to w."),
            ],
        ),
        root=J,
        hidden=None,
        make=lambda s: newton_step(number, s, progress),
        progress=progress,
    )


def mixed_partial(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    x0, y0 = (
        (3.0, 2.0)
        if seed == 0
        else (rng.choice([-2.0, -1.0, 1.5, 2.0, 4.0]), rng.choice([-3.0, 0.5, 1.0, 5.0]))
    )
    H = hessian(lambda x, y: x * x * y, [x0, y0])
    truth = H[0][1]
    return Exercise(
        number=number,
        chapter="11",
        title="a mixed second derivative",
        question=f"J = x²·y at x = {show(x0)}, y = {show(y0)}. What is ∂²J/∂x∂y (the entry "
        "H[0][1] of microgrid.hessian)?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"∂J/∂x = 2xy, and its slope in y is 2x = {show(truth)}. The Hessian is "
            f"[[2y, 2x], [2x, 0]] = {_matrix(H)}: symmetric, as "
            "the order of the two derivatives does not matter.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(2 * x0 * y0, "That is ∂J/∂x = 2xy, one derivative; take its slope in y."),
                Mistake(x0 * x0, "That is ∂J/∂y = x², one derivative; take its slope in x."),
                Mistake(H[0][0], "That is ∂²J/∂x² = 2y, both derivatives in x."),
                Mistake(
                    H[1][1], "That is ∂²J/∂y² = 0; the mixed one takes one derivative in each."
                ),
            ],
        ),
        make=lambda s: mixed_partial(number, s, progress),
        progress=progress,
    )


BUILDERS = [log_loss_curvature, newton_step, mixed_partial]
