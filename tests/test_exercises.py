"""The exercises: the engine's answer is the truth, the grading keeps its stated tolerance,
and a wrong answer is explained (the chain-rule line, the nudge, the slip named)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from microgrid import Value, exercises, explain, logistic, networks, topological_order
from microgrid.course.exercises import TOLERANCE, Exercise, Progress
from microgrid.course.exercises.core import parse_number, parse_shape
from microgrid.show.notation import node_names

SEEDS = range(0, 6)


@pytest.fixture(autouse=True)
def fresh_progress() -> Iterator[None]:
    exercises.restart()
    yield
    exercises.restart()


def all_exercises() -> list[Exercise]:
    return [exercises.get(n, seed) for n in range(1, exercises.count() + 1) for seed in SEEDS]


def node(root: Value, name: str) -> Value:
    return next(n for n, label in node_names(root).items() if label == name)


def central_difference(root: Value, leaf: Value, eps: float = 1e-6) -> float:
    """dJ/dleaf by recomputing the graph, independent of backward()."""
    from microgrid import replay

    original = leaf.value
    try:
        up = replay(root, {leaf: original + eps})
        down = replay(root, {leaf: original - eps})
    finally:
        replay(root, {leaf: original})
    return (up - down) / (2 * eps)


def test_there_are_at_least_15_over_chapters_1_to_5() -> None:
    chapters = {exercises.get(n).chapter for n in range(1, exercises.count() + 1)}
    assert exercises.count() >= 15
    assert {1, 2, 3, 4, 5} <= chapters  # and course 2's "9b", "9c" (test_course2_docs.py)
    assert len(exercises.catalogue()) == exercises.count()


@pytest.mark.parametrize("number", range(1, 23))
def test_the_truth_is_accepted_and_a_clear_miss_is_not(number: int) -> None:
    for seed in SEEDS:
        ex = exercises.get(number, seed)
        assert ex.answer(ex.truth).right, (number, seed)
        if isinstance(ex.truth, float):
            miss = ex.truth + 3 * max(TOLERANCE.relative * abs(ex.truth), TOLERANCE.absolute)
            verdict = ex.answer(miss)
            assert not verdict.right
            assert verdict.lines[0].startswith("Not quite")
        elif isinstance(ex.truth, tuple):
            assert not ex.answer((*ex.truth, 1)).right
        else:
            assert not ex.answer(ex.truth + "x").right


def test_delta_answers_equal_finite_differences() -> None:
    """Every leaf-delta question's truth agrees with recomputing the graph (not backward)."""
    checked = 0
    for ex in all_exercises():
        if ex.kind != "number" or ex.root is None or ex.hidden is None:
            continue
        target = node(ex.root, ex.hidden)
        if target.parents or "The nudge:" not in ex.reveal():
            continue
        if ex.title == "deltas add up across calls":
            continue  # two backward() calls: twice the derivative, checked below
        assert isinstance(ex.truth, float)
        assert math.isclose(
            ex.truth, central_difference(ex.root, target), rel_tol=1e-5, abs_tol=1e-7
        )
        checked += 1
    assert checked >= 50  # 9 questions × 6 seeds


def test_the_seed_graph_numbers() -> None:
    """Seed 0 is the tutorial's J = 3(a + bc) with a = 5, b = 3, c = 2."""
    truths = [exercises.get(n).truth for n in range(1, 7)]
    a, b, c = 5.0, 3.0, 2.0
    assert truths == [a + b * c, c, 3.0, 3.0, 3 * c, 3 * b]
    assert exercises.get(7).truth == "u"  # J, v, u, c, b, a
    for seed in SEEDS:  # two backward() calls on J = a·b: a.delta = 2b
        ex = exercises.get(9, seed)
        assert ex.root is not None
        assert ex.truth == 2 * node(ex.root, "b").value


def test_logistic_one_sample_truths_follow_the_seed_formulas() -> None:
    for seed in SEEDS:
        z_ex, dz_ex, dw1_ex, db_ex, da_ex = (exercises.get(n, seed) for n in range(11, 16))
        assert z_ex.root is not None
        nodes = {name: n for n, name in node_names(z_ex.root).items()}
        x1, y = nodes["x1"].value, float("y = 1" in z_ex.question)
        w1, w2, x2, b = (nodes[k].value for k in ("w1", "w2", "x2", "b"))
        z = w1 * x1 + w2 * x2 + b
        a = 1 / (1 + math.exp(-z))
        assert math.isclose(float(z_ex.truth), z, rel_tol=1e-12, abs_tol=1e-12)  # type: ignore[arg-type]
        for ex, expected in [
            (dz_ex, a - y),
            (dw1_ex, x1 * (a - y)),
            (db_ex, a - y),
            (da_ex, -y / a + (1 - y) / (1 - a)),
        ]:
            assert math.isclose(float(ex.truth), expected, rel_tol=1e-9, abs_tol=1e-12)  # type: ignore[arg-type]


def test_the_loop_exercises_agree_with_the_seed_loop() -> None:
    from microgrid.course.exercises.logistic import _m_samples

    for seed in SEEDS:
        X, Y, w, b = _m_samples(seed)
        cost, dw, db = logistic.loop_gradients(X, Y, w, b)
        assert math.isclose(float(exercises.get(16, seed).truth), cost, rel_tol=1e-9)  # type: ignore[arg-type]
        assert math.isclose(
            float(exercises.get(17, seed).truth), float(dw[0, 0]), rel_tol=1e-9, abs_tol=1e-12
        )  # type: ignore[arg-type]
        assert math.isclose(float(exercises.get(18, seed).truth), db, rel_tol=1e-9, abs_tol=1e-12)  # type: ignore[arg-type]


def test_shape_truths() -> None:
    from microgrid.course.exercises.shapes import _sizes

    for seed in SEEDS:
        n_x, n_h, m = _sizes(seed)
        assert exercises.get(19, seed).truth == (n_h, m)
        assert exercises.get(20, seed).truth == (n_h, n_x)
        assert exercises.get(21, seed).truth == (n_h, 1)
    assert exercises.get(22).truth == (12288, 1)  # the cat pictures: 64·64·3 features
    params = networks.initialize_parameters([2, 4, 1], seed=0)
    assert params["W1"].shape == exercises.get(20).truth


def test_tolerance_is_as_stated() -> None:
    ex = exercises.get(12)  # dz = a − y = −0.354344 for the tutorial's sample
    truth = float(ex.truth)  # type: ignore[arg-type]
    assert ex.answer(round(truth, 3)).right
    assert ex.answer(truth * (1 + 0.9 * TOLERANCE.relative)).right
    assert not ex.answer(truth * (1 + 1.1 * TOLERANCE.relative)).right
    small = exercises.get(17, seed=1)  # dw1 ≈ −0.006: the absolute floor decides
    s_truth = float(small.truth)  # type: ignore[arg-type]
    assert small.answer(s_truth + 0.9 * TOLERANCE.absolute).right
    assert not small.answer(s_truth + 1.1 * TOLERANCE.absolute).right
    assert "0.5%" in ex.hint() and "0.0005" in ex.hint()


def test_the_issues_example_a_forgotten_factor() -> None:
    verdict = exercises.get(5).answer(2)
    assert not verdict
    text = str(verdict)
    assert "You gave 2 = ∂u/∂b; the delta also needs dJ/du = 3: 3 · 2 = 6." in text
    assert "dJ/db = dJ/du · ∂u/∂b = 3 · 2 = 6" in text  # explain()'s line
    assert str(explain(exercises.get(5).root).backward[4]) in text  # type: ignore[arg-type]
    assert "The nudge: b + 0.001 moves J from 33 to 33.006; slope 6" in text


def test_other_slips_are_named() -> None:
    twice = exercises.get(8)  # y = x·x + 2x at x = 3: dy/dx = 8
    assert twice.truth == 8.0
    assert "one path's term" in str(twice.answer(3))
    assert "sign is flipped" in str(exercises.get(6).answer(-9))
    assert "before dw1 /= m" in str(exercises.get(17).answer(3 * float(exercises.get(17).truth)))  # type: ignore[arg-type]
    assert "one call's delta" in str(exercises.get(9).answer(5))
    assert "W1 transposed" in str(exercises.get(20).answer((2, 4)))
    assert "step 4" in str(exercises.get(7).answer("c"))
    # A wrong answer that is no known slip still gets the chain-rule line.
    odd = str(exercises.get(5).answer(100))
    assert "dJ/db = dJ/du · ∂u/∂b" in odd and "You gave" not in odd


def test_right_answers_also_show_the_explanation() -> None:
    verdict = exercises.get(4).answer("3")
    assert verdict.right
    assert verdict.lines[0] == "Right: 3."
    assert "dJ/da = dJ/dv · ∂v/∂a = 3 · 1 = 3" in str(verdict)


def test_progress_counts_each_exercise_once() -> None:
    assert str(exercises.progress) == f"0 of {exercises.count()} solved (0 tried)"
    exercises.get(1).answer(0)
    exercises.get(1).answer(11)
    exercises.get(1, seed=3).answer(exercises.get(1, seed=3).truth)
    exercises.get(2).answer(2)
    assert exercises.progress.solved == {1, 2}
    assert str(exercises.progress) == f"2 of {exercises.count()} solved (2 tried)"
    assert str(exercises.get(3).answer(1)).endswith(
        f"Progress: 2 of {exercises.count()} solved (3 tried)."
    )
    standalone = Progress(total=3)
    standalone.record(1, False)
    assert str(standalone) == "0 of 3 solved (1 tried)"


def test_variants_repeat_and_differ() -> None:
    for number in range(1, exercises.count() + 1):
        again = exercises.get(number, seed=4)
        assert again.question == exercises.get(number, seed=4).question
        assert again.truth == exercises.get(number, seed=4).truth
        assert again.again().seed == 5
    differ = sum(exercises.get(n, 1).question != exercises.get(n, 2).question for n in range(1, 23))
    assert differ >= 20


def test_the_learners_graph_is_not_changed_by_grading() -> None:
    ex = exercises.get(13)
    assert ex.root is not None
    before = [(n.value, n.delta) for n in topological_order(ex.root)]
    ex.answer(0.1)
    ex.reveal()
    assert [(n.value, n.delta) for n in topological_order(ex.root)] == before


def test_answers_are_read_not_evaluated() -> None:
    assert parse_number("−0.25") == -0.25
    assert parse_number(np.float64(1.5)) == 1.5
    assert parse_shape("(4, 2)") == (4, 2) and parse_shape([3, 1]) == (3, 1)
    assert parse_shape("12288 x 1") == (12288, 1)
    with pytest.raises(ValueError, match="not a number"):
        parse_number("__import__('os').getcwd()")
    with pytest.raises(ValueError, match="not a number"):
        parse_number("3*2")
    with pytest.raises(TypeError, match="not True or False"):
        parse_number(True)
    with pytest.raises(ValueError, match="finite"):
        parse_number(float("nan"))
    with pytest.raises(ValueError, match="not a shape"):
        parse_shape("(n_h, m)")
    with pytest.raises(TypeError, match="node's name"):
        exercises.get(7).answer(3)


def test_get_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="number must be from 1 to"):
        exercises.get(0)
    with pytest.raises(TypeError, match="number must be a whole number"):
        exercises.get("5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed must be"):
        exercises.get(1, seed=-1)
