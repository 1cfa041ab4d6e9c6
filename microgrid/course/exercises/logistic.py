"""Chapters 3 and 4: logistic regression on one example, then on m examples.

Seed 0 is chapter 3's sample (x = (1.5, 2), y = 1, w = (0.4, −0.1), b = 0.2)
and chapter 4's three samples; other seeds draw other small numbers.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from microgrid.course.exercises.core import (
    ROUND_OFF,
    Exercise,
    Mistake,
    Progress,
    delta_exercise,
    real_slips,
)
from microgrid.engine import Value, binary_cross_entropy
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
        chapter="3",
        title="the forward pass of one sample",
        question=f"{_sample_text(seed)} What is z?",
        truth=z.value,
        kind="number",
        seed=seed,
        reveal_lines=(f"{forward['wᵀx']}, then {_exact_zero(forward['z'], z.value)}.",),
        mistakes=real_slips(
            z.value,
            [
                Mistake(nodes["wᵀx"].value, "That is w1·x1 + w2·x2; z adds the bias b."),
                Mistake(nodes["a"].value, "That is a = σ(z); the question asks z itself."),
            ],
        ),
        root=L,
        hidden="z",
        make=lambda s: value_of_z(number, s, progress),
        progress=progress,
    )


def _exact_zero(row: str, z: float) -> str:
    """explain()'s row for z, with a round-off 0 said as 0 (0.6, 0.7, 0.2: no exact binary form)."""
    if z == 0 or abs(z) >= ROUND_OFF:
        return row
    shown = format_number(z)
    return (
        f"{row.removesuffix(shown)}0 (the floats give {shown}: 0.1, 0.2, … have no exact "
        "binary form, and the round-off is left over)"
    )


def _one_sample_delta(name: str, title: str, ask: str, note: str = ""):  # type: ignore[no-untyped-def]
    def build(number: int, seed: int, progress: Progress | None) -> Exercise:
        from microgrid.course import logistic

        x, y, w, b = _one_sample(seed)
        L = logistic.single_example(x, y, w, b)
        ex = delta_exercise(
            number,
            "3",
            title,
            f"{_sample_text(seed)} What is {ask}?{note}",
            L,
            name,
            seed=seed,
            make=lambda s: build(number, s, progress),
            progress=progress,
        )
        if name == "a":
            _explain_da(ex, y)
        return ex

    return build


def _explain_da(ex: Exercise, y: float) -> None:
    """da's own working: the derivative of the loss's formula, and the nudge on a.

    a is no leaf, so `delta_exercise` would only say dL/da = 1 · ∂L/∂a, the answer again.
    """
    assert ex.root is not None and isinstance(ex.truth, float)
    a = next(node for node, name in node_names(ex.root).items() if name == "a").value
    show, h = format_number, 1e-3
    before = binary_cross_entropy(Value(a), y).value
    after = binary_cross_entropy(Value(a + h), y).value
    dz = a - y
    ex.reveal_lines = (
        f"L = −(y·log a + (1 − y)·log(1 − a)), so dL/da = −y/a + (1 − y)/(1 − a) = "
        f"−{show(y)}/{show(a)} + {show(1 - y)}/{show(1 - a)} = {show(ex.truth)}.",
        f"The nudge: a + {h:g} moves L from {show(before, 10)} to {show(after, 10)}; slope "
        f"{show((after - before) / h, 6)}, beside dL/da = {show(ex.truth, 6)}.",
    )
    slips = [
        Mistake(
            1.0,
            "You gave 1 = dL/dL, where backprop starts; dL/da is L's slope in a: differentiate "
            "−(y·log a + (1 − y)·log(1 − a)) in a (d log a/da = 1/a).",
        ),
        Mistake(
            dz,
            f"That is dz = a − y = {show(dz)}, one box further on (through σ); da is the slope "
            "before σ, in a itself.",
        ),
        Mistake(
            -ex.truth,
            "The size is right and the sign is flipped: L has a minus in front, so "
            "d(−log a)/da = −1/a and d(−log(1 − a))/da = +1/(1 − a).",
        ),
        Mistake(a, "That is a's value; the question asks how fast L changes when a moves."),
    ]
    ex.mistakes = real_slips(ex.truth, slips)


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
            "4",
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
        twice = Mistake(
            float(ex.truth) / 3,  # type: ignore[arg-type]
            f"That is d{name} divided by m twice (the loop's sum / m, then / m again): "
            "divide once, by m = 3.",
        )
        ex.mistakes = real_slips(ex.truth, [summed, twice, *ex.mistakes])
        return ex

    return build


def cost_after_loop(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course import logistic

    X, Y, w, b = _m_samples(seed)
    graph = logistic.cost_graph(X, Y, w, b)
    losses = [format_number(loss.value) for loss in graph.L]
    return Exercise(
        number=number,
        chapter="4",
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
