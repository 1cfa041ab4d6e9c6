"""Chapters 3 and 4: logistic regression on one example, then on m examples.

Seed 0 is chapter 3's sample (x = (1.5, 2), y = 1, w = (0.4, −0.1), b = 0.2)
and chapter 4's three samples; other seeds draw other small numbers.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from microgrid.course.exercises.core import Exercise, Mistake, Progress, delta_exercise
from microgrid.show.explain import explain
from microgrid.show.notation import format_number, node_names

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BUILDERS"]


def _one_sample(seed: int) -> tuple[list[float], float, list[float], float]:
    if seed == 0:
        return [1.5, 2.0], 1.0, [0.4, -0.1], 0.2
    rng = random.Random(seed)
    x = [rng.choice([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0]) for _ in range(2)]
    w = [round(rng.uniform(-1, 1), 1) or 0.3 for _ in range(2)]
    return x, float(rng.randint(0, 1)), w, round(rng.uniform(-0.5, 0.5), 1)


def _sample_text(seed: int) -> str:
    x, y, w, b = _one_sample(seed)
    show = format_number
    return (
        f"One sample: x1 = {show(x[0])}, x2 = {show(x[1])}, y = {show(y)}; w1 = {show(w[0])}, "
        f"w2 = {show(w[1])}, b = {show(b)}. z = w1·x1 + w2·x2 + b, a = σ(z), "
        "L = −(y·log a + (1 − y)·log(1 − a))."
    )


def value_of_z(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course import logistic  # NumPy: imported when asked

    x, y, w, b = _one_sample(seed)
    L = logistic.single_example(x, y, w, b)
    nodes = {name: node for node, name in node_names(L).items()}
    z = nodes["z"]
    forward = {row.name: str(row) for row in explain(L).forward}
    return Exercise(
        number=number,
        chapter=3,
        title="the forward pass of one sample",
        question=f"{_sample_text(seed)} What is z?",
        truth=z.value,
        kind="number",
        seed=seed,
        reveal_lines=(f"{forward['wᵀx']}, then {forward['z']}.",),
        mistakes=(
            Mistake(nodes["wᵀx"].value, "That is w1·x1 + w2·x2; z adds the bias b."),
            Mistake(nodes["a"].value, "That is a = σ(z); the question asks z itself."),
        ),
        root=L,
        hidden="z",
        make=lambda s: value_of_z(number, s, progress),
        progress=progress,
    )


def _one_sample_delta(name: str, title: str, ask: str, note: str = ""):  # type: ignore[no-untyped-def]
    def build(number: int, seed: int, progress: Progress | None) -> Exercise:
        from microgrid.course import logistic

        x, y, w, b = _one_sample(seed)
        L = logistic.single_example(x, y, w, b)
        ex = delta_exercise(
            number,
            3,
            title,
            f"{_sample_text(seed)} What is {ask}?{note}",
            L,
            name,
            seed=seed,
            make=lambda s: build(number, s, progress),
            progress=progress,
        )
        return ex

    return build


def _m_samples(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    import numpy as np

    if seed == 0:
        X = np.array([[1.0, 2.0, -1.0], [3.0, 0.5, -2.0]])
        return X, np.array([[1.0, 0.0, 1.0]]), np.array([[0.1], [-0.2]]), 0.3
    rng = np.random.default_rng(seed)
    X = rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0], size=(2, 3))
    Y = rng.integers(0, 2, size=(1, 3)).astype(float)
    w = np.round(rng.uniform(-1, 1, size=(2, 1)), 1)
    return X, Y, w, float(np.round(rng.uniform(-0.5, 0.5), 1))


def _m_text(seed: int) -> str:
    X, Y, w, b = _m_samples(seed)

    def row(values: np.ndarray) -> str:
        return "(" + ", ".join(format_number(float(v)) for v in values) + ")"

    return (
        f"Three samples as columns: x1 = {row(X[0])}, x2 = {row(X[1])}, y = {row(Y[0])}; "
        f"w1 = {format_number(float(w[0, 0]))}, w2 = {format_number(float(w[1, 0]))}, "
        f"b = {format_number(b)}. J = (1/m) Σ L(a⁽ⁱ⁾, y⁽ⁱ⁾) with m = 3."
    )


def _loop_delta(name: str, title: str):  # type: ignore[no-untyped-def]
    def build(number: int, seed: int, progress: Progress | None) -> Exercise:
        from microgrid.course import logistic

        X, Y, w, b = _m_samples(seed)
        graph = logistic.cost_graph(X, Y, w, b)
        ex = delta_exercise(
            number,
            4,
            title,
            f"{_m_text(seed)} After one pass of the seed's loop (and d{name} /= m), "
            f"what is d{name} = dJ/d{name}?",
            graph.J,
            name,
            seed=seed,
            make=lambda s: build(number, s, progress),
            progress=progress,
        )
        summed = Mistake(
            3 * float(ex.truth),  # type: ignore[arg-type]
            f"That is the loop's sum before d{name} /= m: J averages the m losses, so every "
            "delta is divided by m = 3.",
        )
        ex.mistakes = (summed, *ex.mistakes)
        return ex

    return build


def cost_after_loop(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course import logistic

    X, Y, w, b = _m_samples(seed)
    graph = logistic.cost_graph(X, Y, w, b)
    losses = [format_number(loss.value) for loss in graph.L]
    return Exercise(
        number=number,
        chapter=4,
        title="the cost after the loop",
        question=f"{_m_text(seed)} What is J after the loop's J /= m?",
        truth=graph.J.value,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"The three losses are {', '.join(losses)}; J is their mean: "
            f"{format_number(graph.J.value)}.",
        ),
        mistakes=(
            Mistake(3 * graph.J.value, "That is the sum of the losses; J /= m makes it a mean."),
        ),
        root=graph.J,
        hidden="J",
        make=lambda s: cost_after_loop(number, s, progress),
        progress=progress,
    )


BUILDERS = [
    value_of_z,
    _one_sample_delta("z", "dz = a − y", "dz = dL/dz", " (the seed: dz = a − y)"),
    _one_sample_delta("w1", "dw1 = x1·dz", "dw1 = dL/dw1"),
    _one_sample_delta("b", "db = dz", "db = dL/db"),
    _one_sample_delta("a", "da", "da = dL/da", " (L's slope in a)"),
    cost_after_loop,
    _loop_delta("w1", "dw1 after one pass"),
    _loop_delta("b", "db after one pass"),
]
