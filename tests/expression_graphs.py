"""Graphs shared by the tests: the seed's graph, and random expression graphs.

Random graphs: one recipe, built with microgrid or PyTorch.

A recipe is a list of leaf values and a list of steps; each step applies one
op to earlier nodes (by index) and appends the result. The same code builds the
graph from microgrid Values or from PyTorch tensors, because both spell
`+ - * / **`, `.exp()`, `.tanh()`, ... the same way; only n-ary ops and the
losses differ (`Ops`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

import microgrid
from microgrid import Value


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # indices of earlier nodes
    constant: float  # a plain number in [-3, 3] for the ops that take one


@dataclass(frozen=True)
class Recipe:
    leaves: tuple[float, ...]
    steps: tuple[Step, ...]


class Ops:
    """How a library spells the things Python operators cannot: leaves, sum, dot, losses."""

    def leaf(self, x: float, label: str) -> Any:
        return Value(x, label=label)

    def sum(self, items: Sequence[Any]) -> Any:
        return microgrid.sum(items)

    def dot(self, ws: Sequence[Any], xs: Sequence[Any]) -> Any:
        return microgrid.dot(ws, xs)

    def bce_with_logits(self, z: Any, y: float) -> Any:
        return microgrid.binary_cross_entropy_with_logits(z, y)

    def bce(self, a: Any, y: float) -> Any:
        return microgrid.binary_cross_entropy(a, y)


def label(c: float) -> float:
    """A label y in [0, 1] from a constant in [-3, 3]."""
    return (c + 3.0) / 6.0


# Each op: (number of node arguments, how to build it from the nodes and the constant).
# Arguments that must stay in a domain are made safe by construction
# (log of x² + 0.5, a divisor y² + 1, a power base x² + 0.5).
STEPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda L, c, x, y: x + y),
    "sub": (2, lambda L, c, x, y: x - y),
    "mul": (2, lambda L, c, x, y: x * y),
    "square_self": (1, lambda L, c, x: x * x),
    "div": (2, lambda L, c, x, y: x / (y * y + 1)),
    "rdiv": (1, lambda L, c, x: c / (x * x + 1)),
    "scale": (1, lambda L, c, x: c * x),
    "shift": (1, lambda L, c, x: x - c),
    "rsub": (1, lambda L, c, x: c - x),
    "radd": (1, lambda L, c, x: c + x),
    "neg": (1, lambda L, c, x: -x),
    "exp": (1, lambda L, c, x: x.exp()),
    "log": (1, lambda L, c, x: (x * x + 0.5).log()),
    "sqrt": (1, lambda L, c, x: (x * x + 0.25).sqrt()),
    "sigmoid": (1, lambda L, c, x: x.sigmoid()),
    "tanh": (1, lambda L, c, x: x.tanh()),
    "relu": (1, lambda L, c, x: x.relu()),
    "abs": (1, lambda L, c, x: x.abs()),
    "square": (1, lambda L, c, x: x**2),
    "cube": (1, lambda L, c, x: x**3),
    "rpow": (1, lambda L, c, x: 2**x),
    "pow": (2, lambda L, c, x, y: (x * x + 0.5) ** y),
    "sum": (3, lambda L, c, x, y, z: L.sum([x, y, z])),
    "sum_constant": (2, lambda L, c, x, y: L.sum([x, c, y])),
    "dot": (3, lambda L, c, x, y, z: L.dot([x, y], [z, c])),
    "dot_numbers": (2, lambda L, c, x, y: L.dot([x, y], [c, 0.5])),
    "bce_with_logits": (1, lambda L, c, x: L.bce_with_logits(x, label(c))),
    "bce": (1, lambda L, c, x: L.bce(x.tanh().sigmoid(), label(c))),
}

# Ops whose derivative jumps at 0: finite differences are meaningless right there.
KINKS = frozenset({"relu", "abs"})


@st.composite
def recipes(draw: st.DrawFn, max_leaves: int = 4, max_steps: int = 8) -> Recipe:
    """A random recipe: 1..max_leaves leaves in [-2, 2], 1..max_steps steps."""
    count = draw(st.integers(1, max_leaves))
    values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    leaves = tuple(draw(st.lists(values, min_size=count, max_size=count)))
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(sorted(STEPS)))
        arity = STEPS[op][0]
        nodes = count + len(steps)
        args = tuple(draw(st.integers(0, nodes - 1)) for _ in range(arity))
        constant = draw(st.floats(-3.0, 3.0, allow_nan=False))
        steps.append(Step(op, args, constant))
    return Recipe(leaves, tuple(steps))


def build(recipe: Recipe, ops: Ops) -> tuple[Any, list[Any]]:
    """Build the recipe; the root is the sum of every computed node. Returns (root, leaves)."""
    nodes = [ops.leaf(x, f"x{i}") for i, x in enumerate(recipe.leaves)]
    for step in recipe.steps:
        make = STEPS[step.op][1]
        nodes.append(make(ops, step.constant, *(nodes[i] for i in step.args)))
    root = ops.sum(nodes[len(recipe.leaves) :])
    return root, nodes[: len(recipe.leaves)]


def seed_graph() -> tuple[Value, dict[str, Value]]:
    """The seed's graph: u = b·c, v = a + u, J = 3v with a = 5, b = 3, c = 2."""
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    J = (3 * v).named("J")
    return J, {"a": a, "b": b, "c": c, "u": u, "v": v, "J": J}
