"""Chapters 9b and 9c: their exercises grade right, their pictures show what the pages say.

* Every exercise of chapters 9b and 9c is right for its truth and wrong, with the slip's
  own message, for every slip it recognises, on 8 seeds; the assignments' slips (λ/m for
  λ/(2m), dW without λ/m·W, no /keep_prob, the mask forgotten on the way back, Adam
  without bias correction, β on the gradient) are recognised on every seed; each truth
  agrees with the closed form computed here independently.
* The zero-init graph gives every hidden node the same delta; the dropout graph greys
  exactly the dropped unit's nodes, whose deltas are 0, while the kept unit is on.
* `draw(dimmed=...)` refuses what is not a node of the graph.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from microgrid import Value, draw, exercises, topological_order
from microgrid.course.exercises import Progress

DOCS = Path(__file__).resolve().parent.parent / "docs"
SEEDS = range(8)


@functools.cache
def _chapter(name: str) -> list[int]:
    return [n for n in range(1, exercises.count() + 1) if exercises.get(n).chapter == name]


def _by_title(title: str) -> int:
    (number,) = [n for n in _chapter("9b") + _chapter("9c") if exercises.get(n).title == title]
    return number


def test_each_chapter_has_at_least_three_exercises() -> None:
    assert len(_chapter("9b")) >= 3 and len(_chapter("9c")) >= 3


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("chapter", ["9b", "9c"])
def test_right_for_the_truth_and_wrong_for_each_slip(chapter: str, seed: int) -> None:
    for number in _chapter(chapter):
        ex = exercises.get(number, seed, tally=Progress(total=1))
        assert ex.answer(ex.truth).right, (number, seed)
        assert ex.mistakes, (number, seed)
        for mistake in ex.mistakes:
            verdict = ex.answer(mistake.value)
            assert not verdict.right, (number, seed, mistake)
            assert mistake.message in verdict.lines, (number, seed, mistake)


def _slip(number: int, seed: int, value: float) -> str:
    """The message the exercise gives for `value` (the second line of its verdict)."""
    verdict = exercises.get(number, seed, tally=Progress(total=1)).answer(value)
    assert not verdict.right
    return verdict.lines[1]


def _numbers(text: str) -> list[float]:
    return [
        float(x.replace("−", "-")) for x in re.findall(r"[−-]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)
    ]


@pytest.mark.parametrize("seed", SEEDS)
def test_l2_cost_and_gradient_and_their_slips(seed: int) -> None:
    number = _by_title("the cost with L2")
    ex = exercises.get(number, seed)
    q = ex.question
    J = float(q.split("J = ")[1].split(" ")[0])
    m = int(q.split("m = ")[1].split(" ")[0])
    weights = _numbers(q.split("weights are ")[1].split(" (all")[0])
    lambd = float(re.search(r"λ = ([\d.]+)\.", q).group(1))  # type: ignore[union-attr]
    total = sum(w * w for w in weights)
    assert ex.truth == pytest.approx(J + lambd / (2 * m) * total, rel=1e-12)
    assert "λ/(2m)" in _slip(number, seed, J + lambd / m * total)
    assert "cross-entropy alone" in _slip(number, seed, J)

    number = _by_title("dW with L2")
    ex = exercises.get(number, seed)
    q = ex.question
    g = float(re.search(r"dW1\[0,0\] = ([−-]?[\d.]+),", q).group(1).replace("−", "-"))  # type: ignore[union-attr]
    w = float(re.search(r"with W1\[0,0\] = ([−-]?[\d.]+),", q).group(1).replace("−", "-"))  # type: ignore[union-attr]
    m = int(re.search(r"m = (\d+)", q).group(1))  # type: ignore[union-attr]
    lambd = float(re.search(r"λ = ([\d.]+)\.", q).group(1))  # type: ignore[union-attr]
    assert ex.truth == pytest.approx(g + lambd / m * w, rel=1e-12)
    assert "without the L2 term" in _slip(number, seed, g)
    assert "λ/m · W" in _slip(number, seed, g + lambd / (2 * m) * w)


def _dropout_numbers(question: str) -> tuple[list[float], list[int], float, list[float], float]:
    a1 = _numbers(question.split("a1 = (")[1].split(")")[0])
    mask = [int(x) for x in question.split("D1 = (")[1].split(")")[0].split(", ")]
    keep_prob = float(re.search(r"keep_prob = ([\d.]+);", question).group(1))  # type: ignore[union-attr]
    W2 = _numbers(question.split("W2 = (")[1].split(")")[0])
    b2 = float(re.search(r"b2 = ([\d.]+)\.", question).group(1))  # type: ignore[union-attr]
    return a1, mask, keep_prob, W2, b2


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_forward_backward_and_their_slips(seed: int) -> None:
    number = _by_title("z2 after inverted dropout")
    ex = exercises.get(number, seed)
    a1, mask, p, W2, b2 = _dropout_numbers(ex.question)
    A1 = np.array(a1) * np.array(mask) / p
    z2 = float(np.dot(W2, A1) + b2)
    assert ex.truth == pytest.approx(z2, rel=1e-12, abs=1e-12)
    kept_sum = float(np.dot(W2, np.array(a1) * np.array(mask)))
    assert "not divided by keep_prob" in _slip(number, seed, kept_sum + b2)

    kept = exercises.get(_by_title("the delta through a kept unit"), seed)
    j = mask.index(1)
    y = int(re.search(r"y = (\d)", kept.question).group(1))  # type: ignore[union-attr]
    dz2 = 1 / (1 + math.exp(-z2)) - y
    assert kept.truth == pytest.approx(W2[j] * dz2 / p, rel=1e-9)
    assert "without / keep_prob" in _slip(kept.number, seed, W2[j] * dz2)

    dropped = exercises.get(_by_title("the delta through a dropped unit"), seed)
    j = mask.index(0)
    assert dropped.truth == 0.0
    assert "without the mask" in _slip(dropped.number, seed, W2[j] * dz2)
    assert "D1 drops it" in _slip(dropped.number, seed, W2[j] * dz2 / p)


@pytest.mark.parametrize("seed", SEEDS)
def test_optimizer_steps_and_their_slips(seed: int) -> None:
    number = _by_title("a momentum step")
    ex = exercises.get(number, seed)
    W, dW, v = (
        _numbers(ex.question.split(f"{k} = ")[1].split(" ")[0])[0] for k in ("W", "dW", "v_dW")
    )
    rate = float(re.search(r"α = ([\d.]+)\.", ex.question).group(1))  # type: ignore[union-attr]
    v_new = 0.9 * v + 0.1 * dW
    assert ex.truth == pytest.approx(W - rate * v_new, rel=1e-12, abs=1e-12)
    assert "β is on the gradient" in _slip(number, seed, W - rate * (0.9 * dW + 0.1 * v))

    number = _by_title("Adam's first step")
    ex = exercises.get(number, seed)
    W, dW = (_numbers(ex.question.split(f"{k} = ")[1].split(" ")[0])[0] for k in ("W", "dW"))
    rate = float(re.search(r"α = ([\d.]+)\.", ex.question).group(1))  # type: ignore[union-attr]
    # t = 1: v̂ = dW, ŝ = dW², so the step is α·dW/(|dW| + ε).
    assert ex.truth == pytest.approx(W - rate * dW / (abs(dW) + 1e-8), rel=1e-12)
    uncorrected = W - rate * 0.1 * dW / (math.sqrt(0.001 * dW * dW) + 1e-8)
    assert "without the bias correction" in _slip(number, seed, uncorrected)

    number = _by_title("a scheduled learning rate")
    ex = exercises.get(number, seed)
    found = re.search(
        r"α0 = ([\d.]+), decay_rate = ([\d.]+), time_interval = (\d+)\..* epoch (\d+) ", ex.question
    )
    assert found is not None
    rate0, decay, interval, epoch = (float(x) for x in found.groups())
    assert ex.truth == pytest.approx(rate0 / (1 + decay * math.floor(epoch / interval)), rel=1e-12)
    assert "⌊ ⌋" in _slip(number, seed, rate0 / (1 + decay * epoch / interval))

    number = _by_title("the last mini-batch")
    ex = exercises.get(number, seed)
    found = re.search(r"\(2, (\d+)\).*mini_batch_size=(\d+)", ex.question)
    assert found is not None
    m, size = (int(x) for x in found.groups())
    assert ex.truth == (2, m % size)


# ---------------------------------------------------------------------------
# The pictures.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def figures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("course2_figures", DOCS / "course2_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zero_init_gives_every_hidden_node_the_same_delta(figures: ModuleType) -> None:
    L = figures.zero_init_sample()
    nodes = {node.label: node for node in topological_order(L)}
    for kind in ("z1", "a1", "W1"):
        unit0 = [n for label, n in nodes.items() if label.startswith(f"{kind}[0")]
        unit1 = [n for label, n in nodes.items() if label.startswith(f"{kind}[1")]
        assert unit0 and [n.delta for n in unit0] == [n.delta for n in unit1] == [0.0] * len(unit0)
        assert [n.value for n in unit0] == [n.value for n in unit1]


def test_the_dropout_graph_greys_exactly_the_dropped_units_nodes(figures: ModuleType) -> None:
    L, dropped = figures.dropout_sample()
    order = topological_order(L)
    labels = {node.label for node in dropped}
    assert labels == {"W1[1,0]", "W1[1,1]", "b1[1]", "z1[1]", "a1[1]", "ã1[1]", "W2[0,1]", ""}
    # Every delta in the dropped unit is 0, but the one that reaches its output (then stops).
    assert all(node.delta == 0 for node in dropped if node.label != "ã1[1]")
    by_label = {node.label: node for node in order}
    # The kept unit is on (relu passes its delta) and scaled by 1/keep_prob on the way back.
    assert by_label["z1[0]"].value > 0 and by_label["z1[1]"].value > 0
    assert by_label["a1[0]"].delta == pytest.approx(
        by_label["ã1[0]"].delta / figures.DROPOUT_KEEP_PROB, rel=1e-12
    )
    assert by_label["ã1[1]"].delta != 0  # the delta reaches the dropped output, and stops there
    source = figures.dropout_graph().source
    assert source.count('fontcolor="#9ca3af"') == len(dropped)


def test_draw_dimmed_refuses_what_is_not_a_node() -> None:
    x = Value(2.0, label="x")
    y = (x * x).named("y")
    assert 'style="dashed,filled"' in draw(y, dimmed=[x]).source
    with pytest.raises(ValueError, match=r"dimmed: .* is not a node"):
        draw(y, dimmed=[Value(1.0, label="elsewhere")])
    with pytest.raises(TypeError, match="dimmed must hold Values"):
        draw(y, dimmed=["x"])  # type: ignore[list-item]


def test_adams_first_step_moves_each_coordinate_by_alpha(figures: ModuleType) -> None:
    start, first = figures.optimizer_path("adam", 1)
    rate = figures.PATH_RATES["adam"]
    assert [abs(b - a) for a, b in zip(start, first, strict=True)] == pytest.approx([rate] * 2)
    gd = figures.optimizer_path("gd", 1)[1]
    assert np.sign(gd[1]) != np.sign(start[1])  # gd jumps across the valley
