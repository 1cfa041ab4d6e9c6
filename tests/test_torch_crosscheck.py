"""Random expression graphs: microgrid against PyTorch in float64 (values and gradients).

Skipped when torch is missing; `make test` installs the `compare` extra so CI runs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest
from expression_graphs import Ops, Recipe, build, recipes
from hypothesis import assume, given

import microgrid
from microgrid import Value, topological_order

torch = pytest.importorskip("torch")
F = torch.nn.functional

F64 = torch.float64


class TorchOps(Ops):
    """The recipe's leaves, n-ary ops and losses in PyTorch, float64."""

    def leaf(self, x: float, label: str) -> Any:
        return torch.tensor(x, dtype=F64, requires_grad=True)

    def _tensors(self, items: Sequence[Any]) -> Any:
        return torch.stack([torch.as_tensor(item, dtype=F64) for item in items])

    def sum(self, items: Sequence[Any]) -> Any:
        return self._tensors(items).sum()

    def dot(self, ws: Sequence[Any], xs: Sequence[Any]) -> Any:
        return torch.dot(self._tensors(ws), self._tensors(xs))

    def bce_with_logits(self, z: Any, y: float) -> Any:
        return F.binary_cross_entropy_with_logits(z, torch.tensor(y, dtype=F64))

    def bce(self, a: Any, y: float) -> Any:
        return F.binary_cross_entropy(a, torch.tensor(y, dtype=F64))


def close(mine: float, theirs: float, scale: float) -> bool:
    """Equal to 1e-9 relative; `scale` allows for summation order near a cancellation."""
    return math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-12 * scale)


@given(recipe=recipes(max_leaves=4, max_steps=10))
def test_random_graphs_match_pytorch_float64(recipe: Recipe) -> None:
    root, leaves = build(recipe, Ops())
    order = topological_order(root)
    assume(all(math.isfinite(node.value) and abs(node.value) < 1e8 for node in order))
    root.backward()
    assume(all(math.isfinite(leaf.delta) for leaf in leaves))

    torch_root, torch_leaves = build(recipe, TorchOps())
    torch_root.backward()

    value_scale = 1.0 + max(abs(node.value) for node in order)
    assert close(root.value, torch_root.item(), value_scale), (root.value, torch_root.item())
    grad_scale = 1.0 + max(abs(leaf.delta) for leaf in leaves)
    for leaf, tensor in zip(leaves, torch_leaves, strict=True):
        theirs = 0.0 if tensor.grad is None else tensor.grad.item()
        assert close(leaf.delta, theirs, grad_scale), (leaf.label, leaf.delta, theirs)


def agrees(mine: float, theirs: float, exact: float) -> bool:
    """Equal to PyTorch to 1e-12 relative, unless PyTorch is the one that is off."""
    return math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-300) or (
        abs(mine - exact) < abs(theirs - exact)
    )


@pytest.mark.parametrize("z", [-1000.0, -30.0, -0.5, 0.0, 0.5, 30.0, 1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_losses_and_sigmoid_at_extremes_match_pytorch(z: float, y: float) -> None:
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(1000):
        zm = mpmath.mpf(z)
        a = 1 / (1 + mpmath.exp(-zm))
        exact_loss = float(-(y * mpmath.log(a) + (1 - y) * mpmath.log(1 - a)))
        exact_slope, exact_sigmoid = float(a - y), float(a)

    mine = Value(z, label="z")
    loss = microgrid.binary_cross_entropy_with_logits(mine, y)
    loss.backward()
    theirs = torch.tensor(z, dtype=F64, requires_grad=True)
    torch_loss = F.binary_cross_entropy_with_logits(theirs, torch.tensor(y, dtype=F64))
    torch_loss.backward()

    # PyTorch 2.x loses digits on tiny losses and slopes (at z = 30, y = 1 its
    # σ(z) − 1 is 0.1% off; at z = −30, y = 0 its loss is 1.3% off): there we
    # check that microgrid is the one closer to the 1000-digit truth.
    assert agrees(loss.value, torch_loss.item(), exact_loss)
    assert agrees(mine.delta, theirs.grad.item(), exact_slope)
    assert agrees(mine.sigmoid().value, torch.sigmoid(theirs).item(), exact_sigmoid)
    assert math.isclose(loss.value, exact_loss, rel_tol=1e-13, abs_tol=1e-300)
    assert math.isclose(mine.delta, exact_slope, rel_tol=1e-13, abs_tol=1e-300)


def test_logistic_regression_step_matches_pytorch() -> None:
    # The seed's model on 3 features, 4 samples: z = w·x + b, a = σ(z), J = mean L(a, y).
    X = [[0.5, -1.2, 3.0], [1.5, 0.2, -0.7], [-2.0, 0.9, 0.4], [0.1, 0.1, 0.1]]
    Y = [1.0, 0.0, 1.0, 0.0]
    w = [Value(v, label=f"w{i}") for i, v in enumerate([0.1, -0.2, 0.3])]
    b = Value(0.05, label="b")
    losses = [
        microgrid.binary_cross_entropy((microgrid.dot(w, x) + b).sigmoid(), y)
        for x, y in zip(X, Y, strict=True)
    ]
    J = microgrid.sum(losses) / len(X)
    J.backward()

    tw = torch.tensor([0.1, -0.2, 0.3], dtype=F64, requires_grad=True)
    tb = torch.tensor(0.05, dtype=F64, requires_grad=True)
    a = torch.sigmoid(torch.tensor(X, dtype=F64) @ tw + tb)
    tJ = F.binary_cross_entropy(a, torch.tensor(Y, dtype=F64))
    tJ.backward()
    assert math.isclose(J.value, tJ.item(), rel_tol=1e-12)
    for wi, gi in zip(w, tw.grad.tolist(), strict=True):
        assert math.isclose(wi.delta, gi, rel_tol=1e-12)
    assert math.isclose(b.delta, tb.grad.item(), rel_tol=1e-12)
