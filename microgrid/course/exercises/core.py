"""Predict-then-reveal exercises: the question, the engine's answer, the grading.

An `Exercise` holds a graph built from Values (or a shape question), the
engine's answer to it, and what to say about wrong answers that learners often
give. `Exercise.answer` grades a prediction and returns a `Verdict`.

>>> from microgrid import Value
>>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
>>> J = (a * b).named("J")
>>> ex = delta_exercise(0, "1", "demo", "What is dJ/da?", J, "a", seed=0)
>>> ex.answer(5).right
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from microgrid.engine import Value, topological_order
from microgrid.show.explain import backward_deltas, children_of, explain
from microgrid.show.notation import d_name, format_number, node_names
from microgrid.show.nudge import nudge

__all__ = [
    "TOLERANCE",
    "Answer",
    "Exercise",
    "Mistake",
    "Progress",
    "Tolerance",
    "Verdict",
    "delta_exercise",
    "parse_number",
    "parse_shape",
    "real_slips",
]

Answer = float | tuple[int, ...] | str
"""What an exercise's answer is: a number, a shape like (4, 2), or a node's name."""


@dataclass(frozen=True)
class Tolerance:
    """A number is right when it is within `relative` of the engine's or within `absolute`.

    >>> TOLERANCE.accepts(0.646, 0.645656), TOLERANCE.accepts(0.64, 0.645656)
    (True, False)
    """

    relative: float = 0.005
    absolute: float = 5e-4

    def accepts(self, given: float, truth: float) -> bool:
        return abs(given - truth) <= max(self.relative * abs(truth), self.absolute)

    def __str__(self) -> str:
        return (
            f"right when within {self.relative:.1%} of the engine's value or within "
            f"{self.absolute:g} of it, whichever is larger (3 significant digits are enough)"
        )


TOLERANCE = Tolerance()
"""Every number exercise uses it: a hand computation to 3 significant digits passes."""


@dataclass(frozen=True)
class Mistake:
    """A wrong answer learners often give, and what to say about it."""

    value: Answer
    message: str


@dataclass(frozen=True)
class Verdict:
    """The engine's judgement of one answer: ``right``, and the lines that explain it."""

    right: bool
    given: Answer
    truth: Answer
    lines: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.right

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Progress:
    """Which exercises were answered right in this session: ``str()`` is "3 of 19 solved".

    >>> p = Progress(total=19)
    >>> p.record(4, True); p.record(5, False); str(p)
    '1 of 19 solved (2 tried)'
    """

    total: int
    solved: set[int] = field(default_factory=set)
    tried: set[int] = field(default_factory=set)

    def record(self, number: int, right: bool) -> None:
        self.tried.add(number)
        if right:
            self.solved.add(number)

    def reset(self) -> None:
        self.solved.clear()
        self.tried.clear()

    def __str__(self) -> str:
        return f"{len(self.solved)} of {self.total} solved ({len(self.tried)} tried)"

    def __repr__(self) -> str:
        return str(self)


Kind = Literal["number", "shape", "name"]


@dataclass
class Exercise:
    """One question whose answer the engine computed. ``ex.answer(6)`` grades a guess.

    ``root`` is the graph the question is about (None for a shape question) and
    ``hidden`` the node the question is about. ``picture_step`` k > 0: the
    question may show backprop's frame k (`draw_backward_steps`), where the
    hidden delta is still ``?``; 0: no picture before the answer (it would give
    the answer away). ``make(seed)`` builds another variant of the same question.
    """

    number: int
    chapter: str
    title: str
    question: str
    truth: Answer
    kind: Kind
    seed: int
    reveal_lines: tuple[str, ...]
    mistakes: tuple[Mistake, ...] = ()
    root: Value | None = None
    hidden: str | None = None
    picture_step: int = 0
    tolerance: Tolerance = TOLERANCE
    make: Callable[[int], Exercise] | None = field(default=None, repr=False)
    progress: Progress | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # A float sum such as (−0.6)·1.5 + (−0.7)·(−1) + 0.2 gives 5.6e−17 for an exact 0
        # (0.6, 0.7 and 0.2 have no exact binary form): that round-off is no answer to learn.
        if isinstance(self.truth, float) and abs(self.truth) < ROUND_OFF:
            self.truth = 0.0

    def answer(self, given: object) -> Verdict:
        """Grade `given` (a number, a shape such as (4, 2) or "4, 2", or a node's name)."""
        value = self._parse(given)
        right = self._matches(value, self.truth)
        if self.progress is not None:
            self.progress.record(self.number, right)
        if right:
            lines = [f"Right: {self._show(self.truth)}.", *self.reveal_lines]
        else:
            lines = [
                f"Not quite: you gave {self._show(value)}, the engine says "
                f"{self._show(self.truth)}."
            ]
            lines += [m.message for m in self.mistakes if self._matches(value, m.value)][:1]
            lines += self.reveal_lines
        if self.progress is not None:
            lines.append(f"Progress: {self.progress}.")
        return Verdict(right, value, self.truth, tuple(lines))

    def reveal(self) -> str:
        """The answer and its explanation, without grading anything."""
        return "\n".join([f"The engine's answer: {self._show(self.truth)}.", *self.reveal_lines])

    def again(self) -> Exercise:
        """The same question with other numbers (the next seed)."""
        if self.make is None:
            raise ValueError("this exercise has no other variants")
        return self.make(self.seed + 1)

    def hint(self) -> str:
        """How the answer is graded."""
        if self.kind == "number":
            return f"Answer with a number: {self.tolerance}."
        if self.kind == "shape":
            return "Answer with a shape, e.g. (4, 2) or 4, 2 (a number's shape is ())."
        return "Answer with a node's name, e.g. u."

    def __str__(self) -> str:
        return f"Exercise {self.number} (chapter {self.chapter}): {self.title}\n{self.question}"

    def __repr__(self) -> str:
        # What a terminal prints for `ex`: the question, never the answer or its working
        # (`ex.reveal()` shows those when asked).
        return f"<{self}\n{self.hint()} Grade a guess with ex.answer(...).>"

    def _repr_html_(self) -> str:
        import html

        return (
            f"<p><b>Exercise {self.number}</b> (chapter {self.chapter}): "
            f"{html.escape(self.title)}</p><p>{html.escape(self.question)}</p>"
            f"<p><i>{html.escape(self.hint())}</i> Answer with <code>ex.answer(...)</code>.</p>"
        )

    # -- reading and comparing answers ------------------------------------------------------

    def _parse(self, given: object) -> Answer:
        if self.kind == "number":
            return parse_number(given)
        if self.kind == "shape":
            return parse_shape(given)
        if not isinstance(given, str):
            raise TypeError(f"answer: give a node's name as a string, got {type(given).__name__}")
        return given.strip()

    def _matches(self, given: Answer, truth: Answer) -> bool:
        if isinstance(truth, float) and isinstance(given, float):
            return self.tolerance.accepts(given, truth)
        return given == truth

    @staticmethod
    def _show(value: Answer) -> str:
        if isinstance(value, float):
            return format_number(value, 6)
        if isinstance(value, tuple):
            return str(value)
        return repr(value)


ROUND_OFF = 1e-12
"""A number exercise's truth closer to 0 than this is an exact 0 seen through round-off."""

_NUMBER = re.compile(r"\s*[-−+]?(\d+\.?\d*|\.\d+)([eE][-−+]?\d+)?\s*")


def parse_number(given: object) -> float:
    """A number from an int, a float or a plain decimal string (never evaluated).

    The engine's own spelling, with the minus sign "−", is read too (``1.2e−05``).

    >>> parse_number(6), parse_number(" −0.5 "), parse_number("1e-3"), parse_number("1.2e−05")
    (6.0, -0.5, 0.001, 1.2e-05)
    """
    if isinstance(given, bool):
        raise TypeError("answer: give a number, not True or False")
    if isinstance(given, int) and not -(2**1023) < given < 2**1024:
        # float(10**400) would raise OverflowError from deep inside the grading.
        raise ValueError("answer: give a finite number, got a whole number beyond 1.8e308")
    if isinstance(given, (int, float)):
        number = float(given)
    elif isinstance(given, str):
        if not _NUMBER.fullmatch(given):
            raise ValueError(f"answer: {given[:40]!r} is not a number like 6, -0.5 or 1e-3")
        number = float(given.replace("−", "-"))
    elif hasattr(given, "__float__"):  # NumPy scalars
        number = float(given)
    else:
        raise TypeError(f"answer: give a number, got {type(given).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"answer: give a finite number, got {number}")
    return number


def parse_shape(given: object) -> tuple[int, ...]:
    """A shape from a tuple or list of whole numbers, or a string like "(4, 2)" or "4 x 2".

    >>> parse_shape((4, 2)), parse_shape("(4, 2)"), parse_shape("4×1"), parse_shape("()")
    ((4, 2), (4, 2), (4, 1), ())
    """
    if isinstance(given, str):
        text = given.strip().strip("()[]")
        parts = [p for p in re.split(r"\s*(?:,|x|×|\*)\s*|\s+", text) if p]
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"answer: {given[:40]!r} is not a shape like (4, 2)")
        return tuple(int(p) for p in parts)
    if isinstance(given, (tuple, list)) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in given
    ):
        return tuple(given)
    raise TypeError(f"answer: give a shape like (4, 2), got {given!r}"[:100])


# ---------------------------------------------------------------------------
# A node's delta: the chain-rule line, the common mistakes, the nudge.
# ---------------------------------------------------------------------------


def delta_exercise(
    number: int,
    chapter: str,
    title: str,
    question: str,
    root: Value,
    node_name: str,
    *,
    seed: int,
    make: Callable[[int], Exercise] | None = None,
    progress: Progress | None = None,
) -> Exercise:
    """An exercise asking for d(root)/d(node_name), graded by `backward_deltas`.

    The explanation is `explain()`'s line for the node, and, for a leaf, the
    nudge (root before and after leaf + 0.001). Wrong answers that are one
    chain-rule factor, one path's term, the sign flipped, or the node's value
    are named as such.
    """
    order = topological_order(root)
    names = node_names(root)
    node = next((n for n in order if names[n] == node_name), None)
    if node is None:
        raise ValueError(f"delta_exercise: no node named {node_name!r} in the graph")
    deltas = backward_deltas(root, order)
    truth = deltas[node]
    position = len(order) - 1 - order.index(node)
    line = str(explain(root).backward[position])
    top, mine = d_name(names[root]), d_name(node_name)
    lines = [f"The chain rule (explain()): {line}"]
    if not node.parents:
        result = nudge(root, node)
        lines.append(
            f"The nudge: {node_name} + {result.h:g} moves {names[root]} from "
            f"{format_number(result.before, 10)} to {format_number(result.after, 10)}; "
            f"slope {format_number(result.slope, 6)}, beside d{top}/d{mine} = "
            f"{format_number(truth, 6)}."
        )
    mistakes: list[Mistake] = []
    edges = children_of(order)[node]
    show = format_number
    for child, pos in edges:
        local = child.local_derivatives[pos]
        upstream = deltas[child]
        cname = d_name(names[child])
        if len(edges) == 1:
            mistakes.append(
                Mistake(
                    local,
                    f"You gave {show(local)} = ∂{cname}/∂{mine}; the delta also needs "
                    f"d{top}/d{cname} = {show(upstream)}: {show(upstream)} · {show(local)} "
                    f"= {show(truth)}.",
                )
            )
            mistakes.append(
                Mistake(
                    upstream,
                    f"You gave {show(upstream)} = d{top}/d{cname}; multiply it by the local "
                    f"derivative ∂{cname}/∂{mine} = {show(local)}: {show(upstream)} · "
                    f"{show(local)} = {show(truth)}.",
                )
            )
        else:
            mistakes.append(
                Mistake(
                    upstream * local,
                    f"You gave one path's term, the one through {names[child]}: "
                    f"{show(upstream)} · {show(local)}. {node_name} feeds {len(edges)} "
                    f"edges, and its delta sums the terms of all of them: {show(truth)}.",
                )
            )
    if truth != 0:
        mistakes.append(
            Mistake(-truth, "The size is right and the sign is flipped: check each factor's sign.")
        )
    if node.value != truth:
        mistakes.append(
            Mistake(
                node.value,
                f"That is {node_name}'s value; the question asks how fast {names[root]} "
                f"changes when {node_name} moves (its delta).",
            )
        )
    return Exercise(
        number=number,
        chapter=chapter,
        title=title,
        question=question,
        truth=truth,
        kind="number",
        seed=seed,
        reveal_lines=tuple(lines),
        # A slip that happens to equal the answer is no slip (c = 1: ∂u/∂b is dJ/db/3 …).
        mistakes=real_slips(truth, [m for m in mistakes if isinstance(m.value, float)]),
        root=root,
        hidden=node_name,
        picture_step=position,
        make=make,
        progress=progress,
    )


def real_slips(truth: Answer, mistakes: list[Mistake]) -> tuple[Mistake, ...]:
    """The mistakes that differ from the truth (a slip equal to the answer is no slip).

    >>> [m.value for m in real_slips(6.0, [Mistake(6.0, "same"), Mistake(2.0, "a factor")])]
    [2.0]
    """

    def same(x: Answer, y: Answer) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return TOLERANCE.accepts(x, y)
        return x == y

    kept: list[Mistake] = []
    for m in mistakes:
        # The first of two slips a grader cannot tell apart is the one it names.
        if not same(m.value, truth) and not any(same(m.value, k.value) for k in kept):
            kept.append(m)
    return tuple(kept)
