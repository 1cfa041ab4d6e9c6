"""Chapters 1 and 2: the seed's J = 3(a + bc) and variations, backprop's order, paths.

Seed 0 of every builder is the seed notes' own numbers (a = 5, b = 3, c = 2, J = 3·v);
other seeds draw other small numbers, so a learner can repeat a question.
"""

from __future__ import annotations

import random

from microgrid.course.exercises.core import Exercise, Mistake, Progress, delta_exercise
from microgrid.engine import Value, topological_order
from microgrid.show.explain import explain
from microgrid.show.notation import format_number, node_names
from microgrid.show.nudge import nudge

__all__ = ["BUILDERS"]


def _seed_numbers(seed: int) -> tuple[float, float, float, float]:
    """(k, a, b, c) for J = k(a + bc): the seed's (3, 5, 3, 2) for seed 0."""
    if seed == 0:
        return 3.0, 5.0, 3.0, 2.0
    rng = random.Random(seed)
    k = float(rng.choice([2, 3, 4, 5, -2, -3]))
    a, b, c = (float(rng.choice([-4, -3, -2, -1, 1, 2, 3, 4, 5, 6])) for _ in range(3))
    return k, a, b, c


def seed_graph(seed: int) -> Value:
    """J = k·v, v = a + u, u = b·c with the numbers of `seed`."""
    k, a_, b_, c_ = _seed_numbers(seed)
    a, b, c = Value(a_, label="a"), Value(b_, label="b"), Value(c_, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (k * v).named("J")


def _where(seed: int) -> str:
    k, a, b, c = _seed_numbers(seed)
    show = format_number
    return f"J = {show(k)}·v, v = a + u, u = b·c with a = {show(a)}, b = {show(b)}, c = {show(c)}."


def _node(root: Value, name: str) -> Value:
    return next(n for n, label in node_names(root).items() if label == name)


def value_of_v(number: int, seed: int, progress: Progress | None) -> Exercise:
    J = seed_graph(seed)
    v = _node(J, "v")
    forward = {row.name: str(row) for row in explain(J).forward}
    return Exercise(
        number=number,
        chapter="1",
        title="the forward pass",
        question=f"{_where(seed)} What is v?",
        truth=v.value,
        kind="number",
        seed=seed,
        reveal_lines=(f"Left to right: {forward['u']}, then {forward['v']}.",),
        mistakes=(
            Mistake(J.value, "That is J; v is the box before it (J = k·v)."),
            Mistake(_node(J, "u").value, "That is u = b·c; v adds a to it."),
        ),
        root=J,
        hidden="v",
        make=lambda s: value_of_v(number, s, progress),
        progress=progress,
    )


def local_u_b(number: int, seed: int, progress: Progress | None) -> Exercise:
    J = seed_graph(seed)
    u, b, c = _node(J, "u"), _node(J, "b"), _node(J, "c")
    truth = u.local_derivatives[0]
    result = nudge(u, b)
    return Exercise(
        number=number,
        chapter="1",
        title="a local derivative",
        question=f"{_where(seed)} What is the local derivative ∂u/∂b (u's slope in b alone)?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"u = b · c: when b moves by h, u moves by c·h, so ∂u/∂b = c = "
            f"{format_number(c.value)} (stored on the node in the forward pass).",
            f"The nudge on u alone: b + {result.h:g} moves u from "
            f"{format_number(result.before, 10)} to {format_number(result.after, 10)}, slope "
            f"{format_number(result.slope, 6)}.",
        ),
        mistakes=(
            Mistake(b.value, "That is b itself; the slope of b·c in b is the other factor, c."),
            Mistake(_seed_numbers(seed)[0] * truth, "That is dJ/db; ∂u/∂b is u's slope alone."),
        ),
        root=u,
        hidden=None,
        make=lambda s: local_u_b(number, s, progress),
        progress=progress,
    )


def _delta_builder(name: str, chapter_title: str, extra: str = ""):  # type: ignore[no-untyped-def]
    def build(number: int, seed: int, progress: Progress | None) -> Exercise:
        return delta_exercise(
            number,
            "1",
            chapter_title,
            f"{_where(seed)} What is dJ/d{name}?{extra}",
            seed_graph(seed),
            name,
            seed=seed,
            make=lambda s: build(number, s, progress),
            progress=progress,
        )

    return build


def backward_order(number: int, seed: int, progress: Progress | None) -> Exercise:
    J = seed_graph(seed)
    rows = explain(J).backward
    names = node_names(J)
    finished = [names[n] for n in reversed(topological_order(J))]
    step = 3 if seed == 0 else random.Random(seed).randint(2, len(finished))
    truth = finished[step - 1]
    mistakes = [
        Mistake(
            other,
            f"{other}'s delta is computed at step {finished.index(other) + 1}: "
            + (
                "a node's delta needs every child's delta first."
                if finished.index(other) > step - 1
                else "that is before the step asked."
            ),
        )
        for other in finished
        if other != truth
    ]
    return Exercise(
        number=number,
        chapter="2",
        title="backprop's order",
        question=f"{_where(seed)} The forward pass computes {', '.join(reversed(finished))} "
        "in this order. backward() finishes one node's delta per step, J's first (step 1). "
        f"Whose delta does step {step} compute? (a, b, c, u, v or J)",
        truth=truth,
        kind="name",
        seed=seed,
        reveal_lines=(
            "The order: " + ", ".join(finished) + ".",
            f"Step {step}: {rows[step - 1]}",
        ),
        mistakes=tuple(mistakes),
        root=J,
        hidden=truth,
        picture_step=step - 1,
        make=lambda s: backward_order(number, s, progress),
        progress=progress,
    )


def used_twice(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    x0 = 3.0 if seed == 0 else float(rng.choice([-3, -2, -1, 1, 2, 4]))
    k = 2.0 if seed == 0 else float(rng.choice([2, 3, 5, -1]))
    x = Value(x0, label="x")
    y = (x * x + k * x).named("y")
    return delta_exercise(
        number,
        "2",
        "a value used twice",
        f"y = x·x + {format_number(k)}·x with x = {format_number(x0)}. x reaches y along "
        "three edges. What is dy/dx?",
        y,
        "x",
        seed=seed,
        make=lambda s: used_twice(number, s, progress),
        progress=progress,
    )


def accumulate(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    a0, b0 = (2.0, 5.0) if seed == 0 else (float(rng.randint(-5, 5) or 1), float(rng.randint(2, 7)))
    a, b = Value(a0, label="a"), Value(b0, label="b")
    J = (a * b).named("J")
    J.backward()
    once = a.delta
    J.backward()  # no zero_grad() between: the engine adds the second call's deltas
    truth = a.delta
    return Exercise(
        number=number,
        chapter="2",
        title="deltas add up across calls",
        question=f"J = a·b with a = {format_number(a0)}, b = {format_number(b0)}. You call "
        "J.backward() twice, without J.zero_grad() between. What is a.delta then?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"One call gives a.delta = ∂J/∂a = b = {format_number(once)}; backward() adds "
            f"into .delta (as PyTorch's .grad does), so the second call makes it "
            f"{format_number(truth)}. J.zero_grad() starts again from 0.",
        ),
        mistakes=(Mistake(once, "That is one call's delta; the second call adds to it."),),
        root=J,
        hidden="a",
        make=lambda s: accumulate(number, s, progress),
        progress=progress,
    )


def tanh_unit(number: int, seed: int, progress: Progress | None) -> Exercise:
    rng = random.Random(seed)
    w0, x0, b0 = (
        (0.5, 2.0, -0.5)
        if seed == 0
        else (
            round(rng.uniform(-1, 1), 1),
            float(rng.choice([-2, -1, 1, 2, 3])),
            round(rng.uniform(-1, 1), 1),
        )
    )
    if abs(w0 * x0 + b0) < 0.25:
        # Near z = 0, tanh′ = 1 − y² is about 1, and an answer that forgets it would pass.
        b0 = round(b0 + 0.5, 1)
    w, x, b = Value(w0, label="w"), Value(x0, label="x"), Value(b0, label="b")
    z = (w * x + b).named("z")
    y = z.tanh().named("y")
    show = format_number
    return delta_exercise(
        number,
        "2",
        "through a tanh",
        f"y = tanh(z), z = w·x + b with w = {show(w0)}, x = {show(x0)}, b = {show(b0)}. "
        "What is dy/dw? (∂tanh(z)/∂z = 1 − y²)",
        y,
        "w",
        seed=seed,
        make=lambda s: tanh_unit(number, s, progress),
        progress=progress,
    )


BUILDERS = [
    value_of_v,
    local_u_b,
    _delta_builder("v", "the root's parent"),
    _delta_builder("a", "a leaf through a sum"),
    _delta_builder("b", "a leaf through a product", " (∂u/∂b is one factor; what else?)"),
    _delta_builder("c", "the other factor"),
    backward_order,
    used_twice,
    accumulate,
    tanh_unit,
]
"""Each builds exercise `number`'s variant `seed`: ``builder(number, seed, progress)``."""
