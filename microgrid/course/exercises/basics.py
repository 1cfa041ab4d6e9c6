"""Chapters 0 and 4b: σ, the loss, one step of descent, a picture as a column; why this loss.

Seed 0 uses the chapters' own numbers (z = 0.6, a = 0.6457, J(w1) = (w1 − 3)² from
w1 = 0.5 with α = 0.1, 64 × 64 × 3 pictures); other seeds draw other small numbers.
"""

from __future__ import annotations

import math
import random

from microgrid.course.exercises.core import (
    Exercise,
    Mistake,
    Progress,
    delta_exercise,
    real_slips,
)
from microgrid.engine import Value, binary_cross_entropy
from microgrid.show.notation import format_number, number_in_formula

__all__ = ["BUILDERS_0", "BUILDERS_4B"]


def term(x: float) -> str:
    """A number inside a formula, 4 significant digits: negative ones in parentheses."""
    return number_in_formula(x, 4)


show = format_number


def sigmoid_value(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    z0 = 0.6 if seed == 0 else rng.choice([-3.0, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
    z = Value(z0, label="z")
    a = z.sigmoid().named("a")
    truth = a.value
    return Exercise(
        number=number,
        chapter="0",
        title="σ(z), a probability",
        question=f"z = wᵀx + b = {show(z0)} for one picture. What is a = σ(z) = 1/(1 + e⁻ᶻ), "
        "the probability of a cat?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"e⁻ᶻ = e^({show(-z0)}) = {show(math.exp(-z0))}, so σ(z) = 1/(1 + "
            f"{show(math.exp(-z0))}) = {show(truth)}: "
            + ("above 0.5, since z > 0." if z0 > 0 else "below 0.5, since z < 0."),
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    1 - truth,
                    "That is 1/(1 + eᶻ) = 1 − σ(z): the exponent is −z, so a positive z "
                    "gives a above 0.5.",
                ),
                Mistake(z0, "That is z itself; σ squeezes it into (0, 1)."),
                Mistake(math.exp(-z0), "That is e⁻ᶻ; σ(z) is 1/(1 + e⁻ᶻ)."),
            ],
        ),
        root=a,
        hidden="a",
        make=lambda s: sigmoid_value(number, s, progress),
        progress=progress,
    )


def loss_value(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    a0, y = (
        (0.6457, 1.0)
        if seed == 0
        else (rng.choice([0.1, 0.2, 0.3, 0.7, 0.8, 0.9]), float(rng.randint(0, 1)))
    )
    a = Value(a0, label="a")
    L = binary_cross_entropy(a, y).named("L")
    other = -math.log(1 - a0) if y == 1 else -math.log(a0)
    branch = "−log a" if y == 1 else "−log(1 − a)"
    return Exercise(
        number=number,
        chapter="0",
        title="the loss of one picture",
        question=f"The model says a = {show(a0)} for a picture labelled y = {show(y)}. What is "
        "its loss L(a, y) = −(y·log a + (1 − y)·log(1 − a)) (natural log)?",
        truth=L.value,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"y = {show(y)} leaves one half: L = {branch} = {show(L.value)}. A confident wrong "
            "answer costs the most.",
        ),
        mistakes=real_slips(
            L.value,
            [
                Mistake(
                    -L.value,
                    "The size is right and the sign is flipped: log of a number below 1 is "
                    "negative, and the minus in front makes L ≥ 0.",
                ),
                Mistake(other, f"That is the other half; y = {show(y)} keeps {branch}."),
                Mistake(
                    L.value / math.log(10),
                    "That is the logarithm to base 10; the course's log is the natural one (ln).",
                ),
            ],
        ),
        root=L,
        hidden="L",
        make=lambda s: loss_value(number, s, progress),
        progress=progress,
    )


def _square(c: float) -> str:
    """(w1 − 3)², or (w1 + 2)² for c = −2."""
    return f"(w1 − {show(c)})²" if c >= 0 else f"(w1 + {show(-c)})²"


def descent_step(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    if seed == 0:
        w0, c, alpha = 0.5, 3.0, 0.1
    else:
        w0, c, alpha = (
            float(rng.randint(-3, 3)),
            float(rng.choice([-2, 1, 2, 4])),
            rng.choice([0.1, 0.2, 0.05]),
        )
        if w0 == c:
            w0 = c - 2
    w1 = Value(w0, label="w1")
    J = ((w1 - c) ** 2).named("J")
    J.backward()
    dw1 = w1.delta
    truth = w0 - alpha * dw1
    return Exercise(
        number=number,
        chapter="0",
        title="one step of gradient descent",
        question=f"J(w1) = {_square(c)}, w1 = {show(w0)}, α = {show(alpha)}. After one step "
        "w1 := w1 − α·dw1, what is w1?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"dw1 = 2·{_square(c)[:-1]} = {show(dw1)} (the engine's w1.delta), so w1 := "
            f"{show(w0)} − {show(alpha)} · {term(dw1)} = {show(truth)}: a step towards the "
            f"minimum at w1 = {show(c)}.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    w0 + alpha * dw1,
                    "That is w1 + α·dw1: the step goes against the slope (the minus sign), "
                    "downhill.",
                ),
                Mistake(
                    -alpha * dw1,
                    "That is the step −α·dw1 alone (the notes' w := −α·dw); add it to the w1 you "
                    "start from.",
                ),
                Mistake(dw1, "That is dw1, the slope; the step moves w1 by −α·dw1."),
                Mistake(w0 - dw1, "That is a step without α: multiply dw1 by the learning rate."),
            ],
        ),
        root=J,
        hidden="w1",
        make=lambda s: descent_step(number, s, progress),
        progress=progress,
    )


def picture_column(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.datasets import flatten_pixels

    side = 64 if seed == 0 else random.Random(seed).choice([8, 16, 28, 32, 100, 128])
    truth = tuple(flatten_pixels(np.zeros((1, side, side, 3), dtype=np.uint8)).shape)
    n = side * side * 3
    return Exercise(
        number=number,
        chapter="0",
        title="a picture as a column",
        question=f"One colour picture of {side} × {side} pixels (red, green and blue) becomes the "
        "column x of the course's X, one sample per column. What shape is x?",
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"{side} · {side} · 3 = {n} numbers in one column: ({n}, 1), the n_x features of "
            "one sample (flatten_pixels).",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    (side, side, 3), "That is the picture as stored; x is one column of numbers."
                ),
                Mistake(
                    (1, n), "That is a row; the course puts each sample in a column: (n_x, 1)."
                ),
                Mistake(
                    (side * side, 1),
                    "That counts pixels; each pixel has 3 numbers (red, green, blue).",
                ),
            ],
        ),
        make=lambda s: picture_column(number, s, progress),
        progress=progress,
    )


def squared_error_dz(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    z0, y = (
        (-2.0, 1.0)
        if seed == 0
        else (rng.choice([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]), float(rng.randint(0, 1)))
    )
    z = Value(z0, label="z")
    a = z.sigmoid().named("a")
    L = ((a - y) ** 2 * 0.5).named("L")
    ex = delta_exercise(
        number,
        "4b",
        "dz of the squared error",
        f"The squared error the notes reject: a = σ(z), L = ½(a − y)² with z = {show(z0)}, "
        f"y = {show(y)} (so a = {show(a.value)}). What is dz = dL/dz? (σ′(z) = a(1 − a))",
        L,
        "z",
        seed=seed,
        make=lambda s: squared_error_dz(number, s, progress),
        progress=progress,
    )
    log_dz = a.value - y
    ex.mistakes = real_slips(
        ex.truth,
        [
            Mistake(
                log_dz,
                f"That is a − y = {show(log_dz)}, the log loss's dz. The squared error keeps "
                f"σ′ = a(1 − a) = {show(a.value * (1 - a.value))}: (a − y)·a(1 − a), small "
                "exactly when the model is confidently wrong.",
            ),
            *ex.mistakes,
        ],
    )
    return ex


def likelihood(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    a0, y = (
        (0.8, 0.0)
        if seed == 0
        else (rng.choice([0.1, 0.25, 0.4, 0.6, 0.75, 0.9]), float(rng.randint(0, 1)))
    )
    L = binary_cross_entropy(Value(a0, label="a"), y).named("L")
    truth = math.exp(-L.value)
    return Exercise(
        number=number,
        chapter="4b",
        title="the probability of the label",
        question=f"The model says a = P(y = 1 | x) = {show(a0)}; the picture's label is y = "
        f"{show(y)}. What is p(y | x) = aʸ(1 − a)¹⁻ʸ, the probability the model gives its label?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"y = {show(y)}: p(y | x) = {'a' if y == 1 else '1 − a'} = {show(truth)}; its −log is "
            f"the loss L = {show(L.value)}. Maximising p over the samples is minimising J.",
        ),
        mistakes=real_slips(
            truth,
            [
                Mistake(
                    a0,
                    "That is a = P(y = 1 | x); for a picture labelled 0 the model's "
                    "probability of its label is 1 − a.",
                ),
                Mistake(1 - a0, "That is 1 − a = P(y = 0 | x); the label is 1, so p(y | x) = a."),
                Mistake(
                    L.value, "That is L = −log p(y | x), the loss; the question asks p itself."
                ),
            ],
        ),
        root=L,
        hidden="L",
        make=lambda s: likelihood(number, s, progress),
        progress=progress,
    )


BUILDERS_0 = [sigmoid_value, loss_value, descent_step, picture_column]
BUILDERS_4B = [squared_error_dz, likelihood]
