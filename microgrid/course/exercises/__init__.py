"""Predict, then let the engine judge: exercises for every chapter of the tutorial.

Each exercise hides a number the engine computes (a value, a local derivative, a
delta) or asks a shape; ``ex.answer(x)`` grades a prediction. A wrong answer is
explained with `explain()`'s chain-rule line and the nudge, and a common slip
(one chain-rule factor, one path's term, the sign, the sum before /m) is named.
``ex.again()`` asks the same question with other numbers (another seed).

>>> from microgrid import exercises
>>> exercises.restart()
>>> ex = exercises.get(5)          # the seed's J = 3(a + bc): what is dJ/db?
>>> print(ex.answer(2))
Not quite: you gave 2, the engine says 6.
You gave 2 = ∂u/∂b; the delta also needs dJ/du = 3: 3 · 2 = 6.
The chain rule (explain()): dJ/db = dJ/du · ∂u/∂b = 3 · 2 = 6
The nudge: b + 0.001 moves J from 33 to 33.006; slope 6, beside dJ/db = 6.
Progress: 0 of 58 solved (1 tried).
>>> bool(ex.answer(6)), str(exercises.progress)
(True, '1 of 58 solved (1 tried)')
"""

from __future__ import annotations

from microgrid.course.exercises import (
    basics,
    checks,
    course2,
    graphs,
    layers,
    logistic,
    matrices,
    second,
    shapes,
)
from microgrid.course.exercises.core import (
    TOLERANCE,
    Answer,
    Exercise,
    Mistake,
    Progress,
    Tolerance,
    Verdict,
    delta_exercise,
)

__all__ = [
    "TOLERANCE",
    "Answer",
    "Exercise",
    "Mistake",
    "Progress",
    "Tolerance",
    "Verdict",
    "catalogue",
    "chapter_numbers",
    "count",
    "delta_exercise",
    "get",
    "progress",
    "restart",
]

# An exercise's number is its place in this list, and a page or a widget keeps progress by
# number: append new exercises at the end, never insert or reorder. 1–22 are the first set
# (chapters 1–5, then 19–21 moved to 5b); 23–49 cover chapters 0, 4b, 5b, 6–11 in order;
# 50–58 are course 2's chapters 9b and 9c.
_BUILDERS = [
    *graphs.BUILDERS,  # 1–10: chapters 1 and 2
    *logistic.BUILDERS,  # 11–18: chapters 3 and 4
    *shapes.BUILDERS,  # 19–21: chapter 5b; 22: chapter 5
    *basics.BUILDERS_0,  # 23–26: chapter 0
    *basics.BUILDERS_4B,  # 27–28: chapter 4b
    *matrices.BUILDERS,  # 29–32: chapter 5b
    *checks.BUILDERS_6,  # 33–35: chapter 6
    *checks.BUILDERS_7,  # 36–37: chapter 7
    *layers.BUILDERS_8,  # 38–40: chapter 8
    *layers.BUILDERS_9,  # 41–43: chapter 9
    *checks.BUILDERS_10,  # 44–46: chapter 10
    *second.BUILDERS,  # 47–49: chapter 11
    *course2.BUILDERS,  # 50–58: chapters 9b and 9c
]

progress = Progress(total=len(_BUILDERS))
"""This Python session's progress: ``str(exercises.progress)`` is "3 of 58 solved (4 tried)"."""


def count() -> int:
    """How many exercises there are."""
    return len(_BUILDERS)


def get(number: int, seed: int = 0, *, tally: Progress | None = None) -> Exercise:
    """Exercise `number` (1 to `count()`), variant `seed` (0: the tutorial's own numbers).

    Its answers count in `tally` (by default `progress`, this Python session's): the
    explorer's page keeps one per browser tab.

    >>> ex = get(1)
    >>> print(ex.question)
    J = 3·v, v = a + u, u = b·c with a = 5, b = 3, c = 2. What is v?
    >>> get(1, seed=7).question != ex.question
    True
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"get: number must be a whole number, got {number!r}")
    if not 1 <= number <= len(_BUILDERS):
        raise ValueError(f"get: number must be from 1 to {len(_BUILDERS)}, got {number}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"get: seed must be a whole number ≥ 0, got {seed!r}")
    counted = progress if tally is None else tally
    return _BUILDERS[number - 1](number, seed, counted)  # type: ignore[no-any-return]


def catalogue() -> list[str]:
    """One line per exercise: its number, chapter and title.

    >>> catalogue()[4]
    '5. (chapter 1) a leaf through a product'
    """
    return [
        f"{ex.number}. (chapter {ex.chapter}) {ex.title}"
        for ex in (get(n) for n in range(1, len(_BUILDERS) + 1))
    ]


def chapter_numbers(chapter: str | int) -> list[int]:
    """The numbers of chapter `chapter`'s exercises ("4b", "5b", or 0 to 11).

    >>> chapter_numbers(1)
    [1, 2, 3, 4, 5, 6]
    >>> chapter_numbers("5b")[:3]
    [19, 20, 21]
    """
    wanted = str(chapter)
    numbers = [n for n in range(1, len(_BUILDERS) + 1) if get(n).chapter == wanted]
    if not numbers:
        raise ValueError(f"chapter_numbers: no exercises for chapter {chapter!r}")
    return numbers


def restart() -> None:
    """Forget this session's progress."""
    progress.reset()
