"""Second derivatives and forward mode against PyTorch in float64, on random graphs.

microgrid's `hessian` (a recorded backward pass, then one more per input) against
``torch.autograd.grad(create_graph=True)`` twice and ``torch.func.hessian``; `jvp`
(a forward sweep) against ``torch.func.jvp``. The random graphs use every op, n-ary
sum and dot, and both bce losses; softmax, cross_entropy and hinge have their own.
Skipped when torch is missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest
from expression_graphs import STEPS, Ops, Recipe, Step, build, recipes
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_torch_crosscheck import TorchOps

import microgrid
from microgrid import Value, topological_order

torch = pytest.importorskip("torch")
F = torch.nn.functional
F64 = torch.float64


class TorchPointOps(TorchOps):
    """The recipe as a function of one tensor: leaf x{i} is entry i (for torch.func)."""

    def __init__(self, point: Any) -> None:
        self.point = point

    def leaf(self, x: float, label: str) -> Any:
        return self.point[int(label[1:])]


def close(mine: float, theirs: float, scale: float) -> bool:
    """Equal to 1e-10 relative; `scale` (the sizes summed) allows for summation order."""
    return math.isclose(mine, theirs, rel_tol=1e-10, abs_tol=1e-12 * scale)


def torch_hessian_by_grad(recipe: Recipe) -> list[list[float]]:
    root, leaves = build(recipe, TorchOps())
    first = torch.autograd.grad(root, leaves, create_graph=True, allow_unused=True)
    rows = []
    for g in first:
        if g is None or not g.requires_grad:
            rows.append([0.0] * len(leaves))
            continue
        second = torch.autograd.grad(g, leaves, retain_graph=True, allow_unused=True)
        rows.append([0.0 if s is None else s.item() for s in second])
    return rows


def microgrid_graph(recipe: Recipe) -> tuple[Value, list[Value]]:
    root, leaves = build(recipe, microgrid_ops)
    order = topological_order(root)
    assume(all(math.isfinite(node.value) and abs(node.value) < 1e6 for node in order))
    return root, leaves


microgrid_ops = Ops()


def scale_of(root: Value, *tables: Sequence[Sequence[float]]) -> float:
    """1 + the largest magnitude in the graph's values and the derivative tables."""
    sizes = [abs(node.value) for node in topological_order(root)]
    sizes += [abs(x) for table in tables for row in table for x in row]
    return 1.0 + max(sizes)


@settings(max_examples=80, deadline=None)
@given(recipe=recipes(max_leaves=3, max_steps=8))
def test_hessian_matches_torch_autograd_grad_create_graph(recipe: Recipe) -> None:
    root, leaves = microgrid_graph(recipe)
    mine = microgrid.hessian(root, leaves)
    assume(all(math.isfinite(x) for row in mine for x in row))
    theirs = torch_hessian_by_grad(recipe)
    scale = scale_of(root, mine, theirs)
    for i, (row, their_row) in enumerate(zip(mine, theirs, strict=True)):
        for j, (a, b) in enumerate(zip(row, their_row, strict=True)):
            assert close(a, b, scale), (i, j, a, b)


@settings(max_examples=60, deadline=None)
@given(recipe=recipes(max_leaves=3, max_steps=8), data=st.data())
def test_hessian_and_jvp_match_torch_func(recipe: Recipe, data: st.DataObject) -> None:
    root, leaves = microgrid_graph(recipe)
    mine = microgrid.hessian(root, leaves)
    assume(all(math.isfinite(x) for row in mine for x in row))
    point = torch.tensor(recipe.leaves, dtype=F64)

    def f(x: Any) -> Any:
        return build(recipe, TorchPointOps(x))[0]

    theirs = torch.func.hessian(f)(point).tolist()
    scale = scale_of(root, mine, theirs)
    for row, their_row in zip(mine, theirs, strict=True):
        for a, b in zip(row, their_row, strict=True):
            assert close(a, b, scale), (a, b)

    v = data.draw(st.lists(st.floats(-2, 2), min_size=len(leaves), max_size=len(leaves)))
    value, tangent = microgrid.jvp(lambda *xs: build(recipe, LeafOps(xs))[0], recipe.leaves, v)
    their_value, their_tangent = torch.func.jvp(f, (point,), (torch.tensor(v, dtype=F64),))
    assert close(value, their_value.item(), scale)
    assert close(tangent, their_tangent.item(), scale * (1.0 + sum(map(abs, v)))), (
        tangent,
        their_tangent.item(),
    )
    # The directional derivative is the gradient times v.
    gradient = microgrid.grad(root, leaves)
    assert close(tangent, math.fsum(g * d for g, d in zip(gradient, v, strict=True)), scale * 4)


class LeafOps(Ops):
    """The recipe on given leaf Values (so jvp's leaves are the recipe's)."""

    def __init__(self, xs: Sequence[Value]) -> None:
        self.xs = xs

    def leaf(self, x: float, label: str) -> Any:
        return self.xs[int(label[1:])]


@pytest.mark.parametrize("op", sorted(STEPS))
def test_every_op_once_against_torch_func_hessian(op: str) -> None:
    # Each op on the leaves, then times a leaf and squared, so every second derivative
    # of the op (and its mixed ones) shows in the Hessian.
    arity = STEPS[op][0]
    steps = (Step(op, (0, 1, 2)[:arity], 0.8), Step("mul", (3, 0), 0.0), Step("square", (4,), 0.0))
    recipe = Recipe((0.7, -0.4, 1.3), steps)
    root, leaves = build(recipe, microgrid_ops)
    mine = microgrid.hessian(root, leaves)
    point = torch.tensor(recipe.leaves, dtype=F64)
    theirs = torch.func.hessian(lambda x: build(recipe, TorchPointOps(x))[0])(point).tolist()
    scale = scale_of(root, mine, theirs)
    assert any(x != 0 for row in mine for x in row)
    for row, their_row in zip(mine, theirs, strict=True):
        for a, b in zip(row, their_row, strict=True):
            assert close(a, b, scale), (op, a, b)


# -- softmax, cross_entropy and hinge --------------------------------------


def loss_graph(lib: str, xs: Sequence[Any], target: int, weights: Sequence[float], y: float) -> Any:
    """cross_entropy(z, t) + Σ c_k softmax(z)_k + hinge(x1·x2, y) with logits made from x."""
    x0, x1, x2 = xs
    if lib == "microgrid":
        z = [x0 * x1, x2.tanh(), x2 - x0, 0.5 + 0 * x0]
        p = microgrid.softmax(z)
        L = microgrid.cross_entropy(z, target) + microgrid.hinge(x1 * x2, y)
        return L + microgrid.dot(p, list(weights))
    z = torch.stack([x0 * x1, x2.tanh(), x2 - x0, 0.5 + 0 * x0])
    L = F.cross_entropy(z.unsqueeze(0), torch.tensor([target])) + torch.relu(1 - y * x1 * x2)
    return L + torch.dot(torch.softmax(z, 0), torch.tensor(list(weights), dtype=F64))


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    target=st.integers(0, 3),
    weights=st.lists(st.floats(-2, 2), min_size=4, max_size=4),
    y=st.sampled_from([-1.0, 1.0]),
)
def test_losses_hessian_matches_torch(
    xs: list[float], target: int, weights: list[float], y: float
) -> None:
    mine = microgrid.hessian(lambda *v: loss_graph("microgrid", v, target, weights, y), xs)
    point = torch.tensor(xs, dtype=F64)
    theirs = torch.func.hessian(lambda p: loss_graph("torch", list(p), target, weights, y))(point)
    scale = 1.0 + max(abs(x) for row in mine for x in row) + sum(map(abs, weights))
    for row, their_row in zip(mine, theirs.tolist(), strict=True):
        for a, b in zip(row, their_row, strict=True):
            assert close(a, b, scale), (a, b)
