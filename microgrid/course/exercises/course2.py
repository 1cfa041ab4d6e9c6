"""Chapters 9b and 9c (course 2): L2, dropout, momentum, Adam, decay and mini-batches.

Each truth is computed by the engine: the L2 and dropout questions by a graph of
Values and ``backward()``, the optimizer questions by the course's own update
functions (`microgrid.networks`). Each names the assignments' slips: λ/m for
λ/(2m), a missing /m, no /keep_prob, the mask forgotten on the way back, β on the
gradient instead of the velocity, Adam without its bias correction, decay without ⌊ ⌋.
Seed 0 is the chapters' own numbers; other seeds draw other small ones. The L2 and
dropout questions are scalar Values only; the optimizer questions import NumPy (through
the course's functions) when they are built, not when this module is imported.
"""

from __future__ import annotations

import math
import random

from microgrid.course.exercises.core import TOLERANCE, Exercise, Mistake, Progress
from microgrid.engine import Value, binary_cross_entropy
from microgrid.engine import sum as value_sum
from microgrid.show.notation import format_number

__all__ = ["BUILDERS"]

show = format_number


def _slips(truth: float, mistakes: list[tuple[float, str]]) -> tuple[Mistake, ...]:
    """The slips that differ from the truth and from each other (else no slip can be named)."""
    kept: list[tuple[float, str]] = []
    for value, message in mistakes:
        if all(not TOLERANCE.accepts(float(value), c) for c in [truth, *(k for k, _ in kept)]):
            kept.append((float(value), message))
    return tuple(Mistake(value, message) for value, message in kept)


def _numbers(rng: random.Random, k: int, low: float = -1.0, high: float = 1.0) -> list[float]:
    return [round(rng.uniform(low, high), 1) or 0.3 for _ in range(k)]


# ---------------------------------------------------------------------------
# Chapter 9b: L2.
# ---------------------------------------------------------------------------


def _l2_setting(seed: int) -> tuple[float, list[float], float, int]:
    """(the cross-entropy J, the weights, λ, m)."""
    if seed == 0:
        return 0.65, [0.5, -1.0, 2.0, 1.5], 0.7, 10
    rng = random.Random(seed)
    weights = _numbers(rng, 4, -2, 2)
    return (
        round(rng.uniform(0.2, 0.9), 2),
        weights,
        rng.choice([0.1, 0.5, 0.7, 1.0]),
        rng.choice([4, 5, 10, 20]),
    )


def l2_cost(number: int, seed: int, progress: Progress | None) -> Exercise:
    cross_entropy, weights, lambd, m = _l2_setting(seed)
    W = [Value(w, label=f"w{k}") for k, w in enumerate(weights, start=1)]
    squares = value_sum([w * w for w in W]).named("ΣW²")
    J = (cross_entropy + (lambd / (2 * m)) * squares).named("J")
    total = squares.value
    truth = J.value
    listed = ", ".join(show(w) for w in weights)
    return Exercise(
        number=number,
        chapter="9b",
        title="the cost with L2",
        question=(
            f"A network's cross-entropy cost is J = {show(cross_entropy)} on m = {m} samples; "
            f"its weights are {listed} (all of W[1], W[2], …), λ = {show(lambd)}. "
            "What is the cost with the L2 term?"
        ),
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"Σ‖W‖² = {show(total)}; J + λ/(2m) · Σ‖W‖² = {show(cross_entropy)} + "
            f"{show(lambd)}/{2 * m} · {show(total)} = {show(truth)}.",
        ),
        mistakes=_slips(
            truth,
            [
                (
                    cross_entropy + lambd / m * total,
                    "That is λ/m · Σ‖W‖²: the cost's term is λ/(2m) · Σ‖W‖² (the 2 cancels "
                    "against the 2 of d(w²)/dw, so that dW gets λ/m · W).",
                ),
                (
                    cross_entropy + lambd / 2 * total,
                    "That is λ/2 · Σ‖W‖²: the term is divided by m too, like the cross-entropy.",
                ),
                (
                    cross_entropy,
                    "That is the cross-entropy alone: L2 adds λ/(2m) · Σ‖W‖² to it.",
                ),
            ],
        ),
        root=J,
        hidden="J",
        make=lambda s: l2_cost(number, s, progress),
        progress=progress,
    )


def l2_gradient(number: int, seed: int, progress: Progress | None) -> Exercise:
    cross_entropy, weights, lambd, m = _l2_setting(seed)
    rng = random.Random(seed + 1000)
    g = 0.12 if seed == 0 else round(rng.uniform(-0.3, 0.3), 2) or 0.05
    w = Value(weights[1], label="W1[0,0]")
    others = [Value(v, label=f"w{k}") for k, v in enumerate(weights[2:], start=2)]
    # The cross-entropy near this point, as the question states it: its slope in W1[0,0] is g.
    squares = value_sum([w * w, *(o * o for o in others)])
    J = (g * w + cross_entropy + (lambd / (2 * m)) * squares).named("J")
    J.backward()
    truth = float(w.delta)
    return Exercise(
        number=number,
        chapter="9b",
        title="dW with L2",
        question=(
            f"Backprop of the cross-entropy gives dW1[0,0] = {show(g)}, with W1[0,0] = "
            f"{show(w.value)}, m = {m} samples and λ = {show(lambd)}. What is dW1[0,0] "
            "for the cost with the L2 term?"
        ),
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"d/dW of λ/(2m) · W² is λ/m · W: {show(g)} + {show(lambd)}/{m} · "
            f"{show(w.value)} = {show(truth)}.",
        ),
        mistakes=_slips(
            truth,
            [
                (g, "That is dW without the L2 term: backprop adds λ/m · W to dW."),
                (
                    g + lambd / (2 * m) * w.value,
                    "That is λ/(2m) · W: the derivative of W² is 2W, so the term is λ/m · W.",
                ),
                (g + lambd * w.value, "That is λ · W: the term is divided by m, λ/m · W."),
                (
                    g + 2 * lambd / m * w.value,
                    "That is 2λ/m · W, the slope of λ/m · W²: the cost's term is λ/(2m) · W².",
                ),
            ],
        ),
        root=J,
        hidden="W1[0,0]",
        make=lambda s: l2_gradient(number, s, progress),
        progress=progress,
    )


# ---------------------------------------------------------------------------
# Chapter 9b: dropout.
# ---------------------------------------------------------------------------


def _dropout_setting(seed: int) -> tuple[list[float], list[bool], float, list[float], float, int]:
    """(a1, D1, keep_prob, W2 row, b2, y) for one sample; at least one unit dropped and kept."""
    if seed == 0:
        return [0.8, 1.5, 0.4], [True, False, True], 0.8, [0.5, -1.0, 2.0], 0.1, 1
    rng = random.Random(seed)
    a1 = [round(rng.uniform(0.1, 2.0), 1) for _ in range(3)]
    dropped = rng.randrange(3)
    mask = [j != dropped for j in range(3)]
    return (
        a1,
        mask,
        rng.choice([0.5, 0.8, 0.86, 0.9]),
        _numbers(rng, 3, -2, 2),
        0.1,
        rng.randint(0, 1),
    )


def _dropout_graph(seed: int) -> tuple[Value, list[Value], Value]:
    """L for one sample with dropout on a1: (L, the a1[j] leaves, z2), after backward."""
    a1, mask, keep_prob, W2, b2, y = _dropout_setting(seed)
    a = [Value(v, label=f"a1[{j}]") for j, v in enumerate(a1)]
    dropped = [
        (a_j * ((1.0 if keep else 0.0) / keep_prob)) for a_j, keep in zip(a, mask, strict=True)
    ]
    z2 = (value_sum([w * d for w, d in zip(W2, dropped, strict=True)]) + b2).named("z2")
    L = binary_cross_entropy(z2.sigmoid().named("a2"), y).named("L")
    L.backward()
    return L, a, z2


def _dropout_text(seed: int) -> str:
    a1, mask, keep_prob, W2, b2, _ = _dropout_setting(seed)
    return (
        f"One sample's hidden outputs a1 = ({', '.join(show(v) for v in a1)}), its dropout mask "
        f"D1 = ({', '.join('1' if k else '0' for k in mask)}), keep_prob = {show(keep_prob)}; "
        f"the output unit has W2 = ({', '.join(show(w) for w in W2)}), b2 = {show(b2)}. "
        "Inverted dropout as the course writes it: A1 = A1 * D1, then A1 = A1 / keep_prob."
    )


def dropout_forward(number: int, seed: int, progress: Progress | None) -> Exercise:
    a1, mask, keep_prob, W2, b2, _ = _dropout_setting(seed)
    L, _, z2 = _dropout_graph(seed)
    truth = z2.value
    kept = sum(w * a for w, a, k in zip(W2, a1, mask, strict=True) if k)
    everyone = sum(w * a for w, a in zip(W2, a1, strict=True))
    return Exercise(
        number=number,
        chapter="9b",
        title="z2 after inverted dropout",
        question=f"{_dropout_text(seed)} What is z2 = W2 · A1 + b2?",
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"The kept units' W2 · a1 is {show(kept)}; divided by keep_prob: "
            f"{show(kept)}/{show(keep_prob)} + {show(b2)} = {show(truth)}.",
        ),
        mistakes=_slips(
            truth,
            [
                (
                    kept + b2,
                    "The mask is right, but the kept units are not divided by keep_prob: "
                    "inverted dropout scales them up so the expected A1 is unchanged.",
                ),
                (
                    everyone / keep_prob + b2,
                    "That divides by keep_prob but keeps every unit: A1 * D1 sets the dropped "
                    "units' outputs to 0 first.",
                ),
                (
                    kept * keep_prob + b2,
                    "That multiplies by keep_prob: inverted dropout divides by it.",
                ),
                (everyone + b2, "That is z2 without dropout: apply D1, then / keep_prob."),
            ],
        ),
        root=L,
        hidden="z2",
        make=lambda s: dropout_forward(number, s, progress),
        progress=progress,
    )


def _dropout_delta(which: str):  # type: ignore[no-untyped-def]
    """dL/da1[j] for a kept unit (which="kept") or a dropped one ("dropped")."""

    def build(number: int, seed: int, progress: Progress | None) -> Exercise:
        _, mask, keep_prob, W2, _, y = _dropout_setting(seed)
        L, a, z2 = _dropout_graph(seed)
        j = mask.index(which == "kept")
        dz2 = float(z2.delta)
        truth = float(a[j].delta)
        through = W2[j] * dz2
        slips = [
            (
                through,
                f"That is W2[0,{j}] · dz2 without the mask and the / keep_prob: backward "
                "applies both again, dA1 = dA1 * D1 / keep_prob.",
            )
            if which == "dropped"
            else (
                through,
                f"That is W2[0,{j}] · dz2 without / keep_prob: the forward pass divided the "
                "kept outputs by keep_prob, so backward divides dA1 too.",
            ),
            (
                through / keep_prob,
                f"That is W2[0,{j}] · dz2 / keep_prob, as if the unit were kept: D1 drops it, "
                "so no delta passes (dA1 = dA1 * D1).",
            ),
            (through * keep_prob, "That multiplies by keep_prob: backward divides by it."),
            (0.0, "That is a dropped unit's delta; this unit is kept (D1 = 1)."),
        ]
        return Exercise(
            number=number,
            chapter="9b",
            title=f"the delta through a {which} unit",
            question=(
                f"{_dropout_text(seed)} y = {y}, so dL/dz2 = a2 − y = {show(dz2)}. "
                f"What is dL/da1[{j}] (a1[{j}] before dropout)?"
            ),
            truth=truth,
            kind="number",
            seed=seed,
            reveal_lines=(
                (
                    f"Unit {j} is dropped: ã1[{j}] = a1[{j}] · 0, so its delta is "
                    f"{show(dz2)} · {show(W2[j])} · 0 = 0; its weights learn nothing from "
                    "this sample."
                )
                if which == "dropped"
                else (
                    f"Unit {j} is kept: ã1[{j}] = a1[{j}] / {show(keep_prob)}, so dL/da1[{j}] = "
                    f"dz2 · W2[0,{j}] / keep_prob = {show(dz2)} · {show(W2[j])} / "
                    f"{show(keep_prob)} = {show(truth)}."
                ),
            ),
            mistakes=_slips(truth, slips),
            root=L,
            hidden=f"a1[{j}]",
            make=lambda s: build(number, s, progress),
            progress=progress,
        )

    return build


# ---------------------------------------------------------------------------
# Chapter 9c: momentum, Adam, decay, mini-batches.
# ---------------------------------------------------------------------------


def _step_setting(seed: int) -> tuple[float, float, float, float]:
    """(θ, dθ, v, α)."""
    if seed == 0:
        return 0.1, 0.2, 0.5, 0.5
    # Steps as large as the weight, so that each slip lands visibly elsewhere.
    rng = random.Random(seed)
    return (
        round(rng.uniform(-0.5, 0.5), 1) or 0.2,
        round(rng.uniform(-1, 1), 1) or 0.4,
        round(rng.uniform(-1, 1), 1) or -0.3,
        rng.choice([0.5, 1.0]),
    )


def momentum_step(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks import update_parameters_with_momentum

    theta, grad, velocity, rate = _step_setting(seed)
    beta = 0.9
    new, new_v = update_parameters_with_momentum(
        {"W": np.array([[theta]])},
        {"dW": np.array([[grad]])},
        {"dW": np.array([[velocity]])},
        beta,
        rate,
    )
    truth = float(new["W"][0, 0])
    v_now = float(new_v["dW"][0, 0])
    return Exercise(
        number=number,
        chapter="9c",
        title="a momentum step",
        question=(
            f"A weight W = {show(theta)} has dW = {show(grad)} and velocity v_dW = "
            f"{show(velocity)}; β = {beta}, α = {show(rate)}. What is W after one momentum step "
            "(v := β v + (1 − β) dW, then W := W − α v)?"
        ),
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"v = {beta} · {show(velocity)} + {show(1 - beta)} · {show(grad)} = {show(v_now)}; "
            f"W = {show(theta)} − {show(rate)} · {show(v_now)} = {show(truth)}.",
        ),
        mistakes=_slips(
            truth,
            [
                (
                    theta - rate * (beta * grad + (1 - beta) * velocity),
                    "β is on the gradient there: β multiplies the old velocity, v := β v + "
                    "(1 − β) dW, so the step averages about 10 gradients.",
                ),
                (
                    theta - rate * (beta * velocity + grad),
                    "That leaves out the (1 − β) on dW: v := β v + (1 − β) dW.",
                ),
                (
                    theta - rate * grad,
                    "That is a plain gradient-descent step: momentum steps by the velocity v.",
                ),
                (
                    theta - rate * velocity,
                    "That steps by the old velocity: update v first, then W := W − α v.",
                ),
            ],
        ),
        make=lambda s: momentum_step(number, s, progress),
        progress=progress,
    )


def adam_first_step(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks import initialize_adam, update_parameters_with_adam

    theta, grad, _, rate = _step_setting(seed)
    parameters = {"W": np.array([[theta]])}
    v, s = initialize_adam(parameters)
    new, _, _ = update_parameters_with_adam(parameters, {"dW": np.array([[grad]])}, v, s, 1, rate)
    truth = float(new["W"][0, 0])
    v1, s1 = 0.1 * grad, 0.001 * grad**2
    return Exercise(
        number=number,
        chapter="9c",
        title="Adam's first step",
        question=(
            f"A weight W = {show(theta)} has dW = {show(grad)}; Adam starts with v = s = 0, "
            f"β1 = 0.9, β2 = 0.999, ε = 1e-8, α = {show(rate)}. What is W after Adam's first "
            "step (t = 1, with the bias correction)?"
        ),
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"v = 0.1 · dW = {show(v1)} and s = 0.001 · dW² = {show(s1)}; at t = 1 the bias "
            f"correction divides them by 1 − 0.9 and 1 − 0.999, giving back dW and dW², so the "
            f"step is α · dW / |dW| = ±α: W = {show(truth)}.",
        ),
        mistakes=_slips(
            truth,
            [
                (
                    theta - rate * v1 / (math.sqrt(s1) + 1e-8),
                    "That is Adam without the bias correction: at t = 1, v and s are 10 and 1000 "
                    "times too small; divide by 1 − β1ᵗ and 1 − β2ᵗ.",
                ),
                (
                    theta - rate * grad / (math.sqrt(s1) + 1e-8),
                    "That corrects v but not s: ŝ = s / (1 − β2ᵗ) too.",
                ),
                (
                    theta - rate * v1 / (math.sqrt(s1 / 0.001) + 1e-8),
                    "That corrects s but not v: v̂ = v / (1 − β1ᵗ) too.",
                ),
                (theta - rate * grad, "That is a gradient-descent step, W − α dW."),
            ],
        ),
        make=lambda s: adam_first_step(number, s, progress),
        progress=progress,
    )


def scheduled_rate(number: int, seed: int, progress: Progress | None) -> Exercise:
    from microgrid.course.networks import schedule_lr_decay

    if seed == 0:
        rate0, epoch, decay_rate, interval = 0.1, 2500, 1.0, 1000
    else:
        rng = random.Random(seed)
        rate0 = rng.choice([0.1, 0.2, 0.5])
        interval = rng.choice([100, 500, 1000])
        # Well inside an interval, so that forgetting the ⌊ ⌋ gives a visibly other rate.
        epoch = rng.randrange(1, 4) * interval + rng.randrange(interval // 3, interval)
        decay_rate = rng.choice([0.3, 0.5, 1.0])
    truth = schedule_lr_decay(rate0, epoch, decay_rate, interval)
    steps = epoch // interval
    return Exercise(
        number=number,
        chapter="9c",
        title="a scheduled learning rate",
        question=(
            f"α0 = {show(rate0)}, decay_rate = {show(decay_rate)}, time_interval = {interval}. "
            f"What is the learning rate at epoch {epoch} with the course's schedule_lr_decay, "
            "α = α0 / (1 + decay_rate · ⌊epoch / time_interval⌋)?"
        ),
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=(
            f"⌊{epoch}/{interval}⌋ = {steps}: α = {show(rate0)} / (1 + {show(decay_rate)} · "
            f"{steps}) = {show(truth)}; it stays so until epoch {(steps + 1) * interval - 1}.",
        ),
        mistakes=_slips(
            truth,
            [
                (
                    rate0 / (1 + decay_rate * epoch / interval),
                    "That leaves out the ⌊ ⌋: the schedule decays in steps, once every "
                    "time_interval epochs.",
                ),
                (
                    rate0 / (1 + decay_rate * epoch),
                    "That is update_lr, decaying after every epoch: schedule_lr_decay counts "
                    "⌊epoch / time_interval⌋.",
                ),
                (rate0, "That is α0: by this epoch the schedule has decayed it."),
            ],
        ),
        make=lambda s: scheduled_rate(number, s, progress),
        progress=progress,
    )


def last_mini_batch(number: int, seed: int, progress: Progress | None) -> Exercise:
    import numpy as np

    from microgrid.course.networks import random_mini_batches

    if seed == 0:
        m, size = 300, 64
    else:
        rng = random.Random(seed)
        size = rng.choice([16, 32, 64, 128])
        m = rng.randrange(size + 1, 10 * size)
        if m % size == 0:
            m += 1
    X, Y = np.zeros((2, m)), np.zeros((1, m))
    batches = random_mini_batches(X, Y, size, seed=seed)
    truth = tuple(batches[-1][0].shape)
    return Exercise(
        number=number,
        chapter="9c",
        title="the last mini-batch",
        question=(
            f"X has shape (2, {m}): {m} samples as columns. random_mini_batches(X, Y, "
            f"mini_batch_size={size}) cuts the shuffled columns into mini-batches. What shape "
            "is the last mini-batch's X?"
        ),
        truth=truth,
        kind="shape",
        seed=seed,
        reveal_lines=(
            f"{m} = {m // size} · {size} + {m % size}: {len(batches)} mini-batches, the last "
            f"with the {m % size} samples left over, so (2, {m % size}).",
        ),
        mistakes=tuple(
            mistake
            for mistake in (
                Mistake(
                    (2, size),
                    f"Every mini-batch but the last has {size}; the last keeps "
                    "the rest, m mod mini_batch_size.",
                ),
                Mistake((size, 2), "Samples are columns: X's mini-batch is (n_x, samples)."),
                Mistake((2, len(batches)), "That is how many mini-batches there are."),
            )
            if mistake.value != truth
        ),
        make=lambda s: last_mini_batch(number, s, progress),
        progress=progress,
    )


BUILDERS = [
    l2_cost,
    l2_gradient,
    dropout_forward,
    _dropout_delta("kept"),
    _dropout_delta("dropped"),
    momentum_step,
    adam_first_step,
    scheduled_rate,
    last_mini_batch,
]
