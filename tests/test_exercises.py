"""The exercises: the engine's answer is the truth, the grading keeps its stated tolerance,
and a wrong answer is explained (the chain-rule line, the nudge, the slip named)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from microgrid import Value, exercises, explain, logistic, networks, topological_order
from microgrid.course.exercises import TOLERANCE, Exercise, Progress
from microgrid.course.exercises.core import parse_number, parse_shape
from microgrid.show.notation import format_number, node_names

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


CHAPTERS = ["0", "1", "2", "3", "4", "4b", "5", "5b", "6", "7", "8", "9", "9b", "9c", "10", "11"]


def test_every_chapter_has_exercises_42_in_all() -> None:
    chapters = [exercises.get(n).chapter for n in range(1, exercises.count() + 1)]
    assert exercises.count() >= 42
    assert exercises.count() - 22 >= 20  # new since the first 22
    assert set(CHAPTERS) <= set(chapters)
    for chapter in CHAPTERS:
        assert exercises.chapter_numbers(chapter) == [
            n for n, c in enumerate(chapters, start=1) if c == chapter
        ]
    assert exercises.chapter_numbers(8) == exercises.chapter_numbers("8")
    with pytest.raises(ValueError, match="no exercises for chapter '12b'"):
        exercises.chapter_numbers("12b")
    assert len(exercises.catalogue()) == exercises.count()


def test_the_first_22_keep_their_numbers() -> None:
    """A page or a widget keeps progress by number: the old numbers still ask the old questions."""
    titles = {
        1: "the forward pass",
        5: "a leaf through a product",
        10: "through a tanh",
        15: "da",
        17: "dw1 after one pass",
        22: "the shape of dw in logistic regression",
    }
    for number, title in titles.items():
        assert exercises.get(number).title == title


def test_the_hidden_layer_shapes_are_chapter_5bs() -> None:
    assert [exercises.get(n).chapter for n in (19, 20, 21, 22)] == ["5b", "5b", "5b", "5"]


@pytest.mark.parametrize("number", range(1, exercises.count() + 1))
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
    assert checked >= 80  # 9 + 5 questions × 6 seeds


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
        assert math.isclose(number_truth(17, seed), float(dw[0, 0]), rel_tol=1e-9, abs_tol=1e-12)
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
        assert re.fullmatch(r"\d+[a-z]?", again.chapter), again.chapter  # "4b", "11", …
        assert again.question == exercises.get(number, seed=4).question
        assert again.truth == exercises.get(number, seed=4).truth
        assert again.again().seed == 5
    total = exercises.count()
    differ = sum(exercises.get(n, 1).question != exercises.get(n, 2).question for n in range(1, 23))
    assert differ >= 20
    differ = sum(
        exercises.get(n, 1).question != exercises.get(n, 2).question for n in range(23, total + 1)
    )
    assert differ >= total - 22 - 2


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


# -- every exercise, every recognised slip -------------------------------------------------------

SLIP_SEEDS = range(0, 8)


@pytest.mark.parametrize("number", range(1, exercises.count() + 1))
def test_each_recognised_slip_is_graded_wrong_and_named(number: int) -> None:
    for seed in SLIP_SEEDS:
        ex = exercises.get(number, seed)
        assert ex.answer(ex.truth).right, (number, seed)
        for slip in ex.mistakes:
            verdict = ex.answer(slip.value)
            assert not verdict.right, (number, seed, slip)
            assert verdict.lines[1] == slip.message, (number, seed, slip)
        if number > 22:  # the new sets: every variant knows at least one slip
            assert ex.mistakes, (number, seed)


def slip_for(ex: Exercise, given: float) -> str:
    verdict = ex.answer(given)
    assert not verdict.right
    return verdict.lines[1]


def test_the_new_sets_name_the_four_slips() -> None:
    """One chain-rule factor, one path, the sign, the sum before /m (and /m twice), by chapter."""
    for seed in SLIP_SEEDS:
        dW1 = exercises.get(29, seed)  # 5b: dW1[j,k] = (dZ1·Xᵀ)[j,k]/m
        truth = float(dW1.truth)  # type: ignore[arg-type]
        assert "before /m" in slip_for(dW1, 3 * truth)
        assert "divided by m twice" in slip_for(dW1, truth / 3)
        assert "sign is flipped" in slip_for(dW1, -truth)
        assert "one path's term" in str([m.message for m in dW1.mistakes])
        db1 = exercises.get(31, seed)
        assert "before /m" in slip_for(db1, 3 * float(db1.truth))  # type: ignore[arg-type]
        dA1 = exercises.get(30, seed)  # one edge's term of the two outgoing ones
        assert "one path's term" in str([m.message for m in dA1.mistakes])
        dW2 = exercises.get(40, seed)
        assert "divided by m twice" in slip_for(dW2, float(dW2.truth) / 3)  # type: ignore[arg-type]
    dZ1 = exercises.get(38)  # chapter 8: forgetting tanh′ is one chain-rule factor
    assert dZ1.root is not None
    nodes = {name: n for n, name in node_names(dZ1.root).items()}
    forgot = nodes["W2[0,0]"].value * nodes["z2[0]"].delta
    assert "one chain-rule factor" in slip_for(dZ1, forgot)
    assert "sign" in slip_for(exercises.get(25), 0.0)  # w1 + α·dw1 = 0.5 + 0.1·(−5)
    assert "−α·dw" in slip_for(exercises.get(25), 0.5)  # the notes' w := −α·dw
    assert "a(1 − a)" in slip_for(exercises.get(27), -0.880797)  # the log loss's a − y
    assert "both paths" in slip_for(exercises.get(43), 3 * 2 + 4 * -1)  # a relu switched off
    assert "planted mistake" in slip_for(exercises.get(44), 0.8 * math.tanh(0.7))
    assert "first derivative" in slip_for(exercises.get(47), 1 / (1 + math.exp(-0.6)) - 1)
    assert "both norms" in slip_for(exercises.get(34), 2.0)
    assert "not the coefficient" in slip_for(exercises.get(35), 2 / 3)
    assert "input" in slip_for(exercises.get(41), 5)
    assert "transposed" in slip_for(exercises.get(42), (7, 5))  # type: ignore[arg-type]
    assert "keepdims=True" in slip_for(exercises.get(46), (3, 1))  # type: ignore[arg-type]


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def number_truth(number: int, seed: int = 0) -> float:
    truth = exercises.get(number, seed).truth
    assert isinstance(truth, float)
    return truth


def test_the_new_truths_by_closed_form() -> None:
    """The engine's truths against the chapters' formulas, computed here without the graph."""
    assert math.isclose(number_truth(23), sigma(0.6))
    assert math.isclose(number_truth(24), -math.log(0.6457))
    assert exercises.get(25).truth == 0.5 - 0.1 * 2 * (0.5 - 3)
    assert exercises.get(26).truth == (64 * 64 * 3, 1)
    a = sigma(-2.0)
    assert math.isclose(number_truth(27), (a - 1) * a * (1 - a))
    assert math.isclose(number_truth(28), 0.2)
    assert math.isclose(number_truth(33), ((1.01**3 - 2.02) - (0.99**3 - 1.98)) / 0.02)
    for seed in SEEDS:
        m = int(exercises.get(34, seed).question.split("m = ")[1].split(" ")[0])
        assert math.isclose(number_truth(34, seed), (m - 1) / (m + 1))
    assert math.isclose(number_truth(35), 2 / 6)
    assert exercises.get(36).truth == 2 * 3 * 2.0**2
    assert math.isclose(number_truth(37), sigma(0.6) - 1)
    assert exercises.get(39).truth == 4 * 2 + 4 + 4 + 1
    assert exercises.get(41).truth == 4.0  # [12288, 20, 7, 5, 1]: L = 4
    assert exercises.get(42).truth == (5, 7)
    assert exercises.get(43).truth == 3 * 2.0
    assert math.isclose(number_truth(44), 0.8 * (1 - math.tanh(0.7) ** 2))
    assert exercises.get(46).truth == (3,)
    assert math.isclose(number_truth(47), sigma(0.6) * (1 - sigma(0.6)))
    assert exercises.get(49).truth == 2 * 3.0
    for seed in SEEDS:  # 5b's sums, by the course's matrices
        ex = exercises.get(29, seed)
        assert ex.root is not None
        nodes = {name: n for n, name in node_names(ex.root).items()}
        j, k = (int(c) for c in ex.hidden[3:-1].split(","))  # type: ignore[index]
        dZ1 = [3 * nodes[f"z1[{j}]{s}"].delta for s in "₁₂₃"]
        X = [
            float(v)
            for v in ex.question.split("X = [")[1]
            .split("]")[0]
            .replace("(", "")
            .replace(")", "")
            .replace("−", "-")
            .replace(";", ",")
            .split(",")
        ]
        by_hand = sum(dZ1[i] * X[3 * k + i] for i in range(3)) / 3
        assert math.isclose(number_truth(29, seed), by_hand, rel_tol=1e-9)
        zero = exercises.get(32, seed)
        assert zero.root is not None
        zn = {name: n for n, name in node_names(zero.root).items()}
        assert (
            zn["W1[0,0]"].delta == zn["W1[1,0]"].delta
            and zn["W1[0,1]"].delta == zn["W1[1,1]"].delta
        )
        dA1 = exercises.get(30, seed)
        assert dA1.root is not None and dA1.hidden is not None
        an = {name: n for n, name in node_names(dA1.root).items()}
        j = int(dA1.hidden[3])
        by_hand = sum(an[f"W2[{r},{j}]"].value * an[f"z2[{r}]"].delta for r in range(2))
        assert math.isclose(number_truth(30, seed), by_hand, rel_tol=1e-12)


def test_the_second_derivatives_agree_with_torch() -> None:
    torch = pytest.importorskip("torch")
    from microgrid.course.exercises.second import _X, _Y

    w = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
    x, y = torch.tensor(_X, dtype=torch.float64), torch.tensor(_Y, dtype=torch.float64)
    J = torch.nn.functional.binary_cross_entropy(torch.sigmoid(w * x), y)
    (dw,) = torch.autograd.grad(J, w, create_graph=True)
    (d2,) = torch.autograd.grad(dw, w)
    newton = exercises.get(48)
    assert math.isclose(float(newton.truth), -1.0 - dw.item() / d2.item(), rel_tol=1e-9)  # type: ignore[arg-type]
    z = torch.tensor(0.6, dtype=torch.float64, requires_grad=True)
    L = torch.nn.functional.binary_cross_entropy(
        torch.sigmoid(z), torch.tensor(1.0, dtype=torch.float64)
    )
    (dz,) = torch.autograd.grad(L, z, create_graph=True)
    (d2z,) = torch.autograd.grad(dz, z)
    assert math.isclose(float(exercises.get(47).truth), d2z.item(), rel_tol=1e-9)  # type: ignore[arg-type]


# -- the fixes of issues 29 and 30 ----------------------------------------------------------------


def test_exercise_10_needs_tanh_prime_on_every_seed() -> None:
    """Its default variant had z = 0, where tanh′ = 1: forgetting it was graded right."""
    for seed in range(0, 60):
        ex = exercises.get(10, seed)
        assert ex.root is not None
        x = node(ex.root, "x").value
        assert not ex.answer(x).right, seed  # dy/dw without tanh′ is x
    assert "b = −0.5" in exercises.get(10).question


def test_exercise_15_explains_da_without_restating_it() -> None:
    ex = exercises.get(15)
    truth = format_number(float(ex.truth), 4)  # type: ignore[arg-type]
    verdict = ex.answer(1)
    slip = verdict.lines[1]
    assert "dL/dL" in slip and truth not in slip
    text = str(verdict)
    assert "dL/da = −y/a + (1 − y)/(1 − a) = −1/0.6457 + 0/0.3543 = −1.549" in text
    assert "The nudge: a + 0.001 moves L from 0.4374879505 to 0.435940337" in text
    assert "dz = a − y" in slip_for(ex, float(node(ex.root, "a").value) - 1)  # type: ignore[arg-type]


def test_exercise_17_recognises_dividing_by_m_twice() -> None:
    for number in (17, 18):
        for seed in SEEDS:
            ex = exercises.get(number, seed)
            assert "divided by m twice" in slip_for(ex, float(ex.truth) / 3)  # type: ignore[arg-type]


def test_a_round_off_zero_is_shown_as_zero() -> None:
    """Exercise 11 with seeds 24 and 39: z = (−0.6)·1.5 + (−0.7)·(−1) + 0.2 is 0, not 5.55e−17."""
    for seed in (24, 39):
        ex = exercises.get(11, seed)
        assert ex.truth == 0.0
        assert "e−17" not in ex.reveal().splitlines()[0]
        assert ex.reveal().startswith("The engine's answer: 0.")
        assert "= 0 (the floats give" in ex.reveal()
        assert ex.answer("0").right and ex.answer(1e-17).right


def test_the_engines_own_spelling_is_read_back() -> None:
    assert parse_number("1.2e−05") == 1.2e-05 and parse_number("−3e−2") == -0.03
    for x in (1.2e-05, -3.5e-09, 123456789.0, -0.000123):
        assert parse_number(format_number(x, 6)) == float(format_number(x, 6).replace("−", "-"))
    ex = exercises.get(17, seed=1)
    assert ex.answer(format_number(float(ex.truth), 6)).right  # type: ignore[arg-type]


def test_the_repr_does_not_give_the_answer_away() -> None:
    for number in (5, 15, 20, 29):
        ex = exercises.get(number)
        text = repr(ex)
        assert "truth" not in text and "chain rule" not in text.lower()
        assert (
            format_number(float(ex.truth), 6) not in text if isinstance(ex.truth, float) else True
        )
        assert ex.question in text and "ex.answer(" in text
    assert "6" not in repr(exercises.get(5)).split("What is dJ/db?")[1]


# -- where the exercises are announced ----------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_each_chapters_page_names_its_exercises() -> None:
    """Each chapter's page has an Exercises section naming exercises of that chapter."""
    pages = {page.name.split("-")[0].lstrip("0") or "0": page for page in DOCS.glob("[01]*-*.md")}
    assert set(CHAPTERS) - {"5b"} <= set(pages)  # 5b's page is written by its own branch
    for chapter, page in pages.items():
        text = page.read_text(encoding="utf-8")
        assert "## Exercises" in text, page.name
        numbers = exercises.chapter_numbers(chapter)
        assert any(f"exercises.get({n}" in text for n in numbers), page.name
    assert "exercises.get(8)" not in (DOCS / "02-backprop.md").read_text(encoding="utf-8")


def test_readme_index_and_play_help_say_the_exercises_exist() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "Exercises, in every chapter" in readme and "exercises.get(5).answer(6)" in readme
    assert "exercises.get(n).answer" in (DOCS / "index.md").read_text(encoding="utf-8")
    help_text = subprocess.run(
        [sys.executable, "-m", "microgrid", "play", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "Exercises page" in help_text and "microgrid.exercises" in help_text


def test_a_whole_number_past_the_float_range_is_refused_clearly() -> None:
    for huge in (10**400, -(10**400), 10**100_000):
        with pytest.raises(ValueError, match=r"beyond 1\.8e308"):
            exercises.get(5).answer(huge)
    assert parse_number(2**1023) == float(2**1023)
