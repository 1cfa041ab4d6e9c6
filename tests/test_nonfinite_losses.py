"""Every loss and n-ary op at NaN and ±inf against PyTorch (float64): they agree except
where docs/architecture.md's table says why not; NaN is never swallowed."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest

import microgrid
from microgrid import Value, cross_entropy, dot, hinge, softmax
from microgrid import binary_cross_entropy_with_logits as bce_with_logits

torch = pytest.importorskip("torch")
F = torch.nn.functional

inf, nan = math.inf, math.nan
SPECIAL = [nan, inf, -inf, 0.0, 1.5]
Result = list[tuple[float, list[float]]]


def ours(function: Callable[[list[Value]], Any], xs: tuple[float, ...]) -> Result:
    """(value, [d/dx for each input]) for each output of `function`."""
    leaves = [Value(x) for x in xs]
    outputs = function(leaves)
    result = []
    for out in outputs if isinstance(outputs, list) else [outputs]:
        for leaf in leaves:
            leaf.delta = 0.0
        out.backward()
        result.append((out.value, [leaf.delta for leaf in leaves]))
    return result


def torchs(function: Callable[[Any], Any], xs: tuple[float, ...]) -> Result:
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    outputs = function(t).reshape(-1)
    result = []
    for k in range(outputs.shape[0]):
        (grad,) = torch.autograd.grad(outputs[k], t, retain_graph=True)
        result.append((outputs[k].item(), grad.tolist()))
    return result


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def agree(mine: Result, theirs: Result) -> bool:
    return all(
        same(v, w) and all(map(same, g, h)) for (v, g), (w, h) in zip(mine, theirs, strict=True)
    )


def weights(t: Any) -> Any:
    return torch.tensor([2.0, -3.0], dtype=torch.float64)


def label(y: float) -> Any:
    return torch.tensor(y, dtype=torch.float64)


CASES: dict[str, tuple[Callable[[list[Value]], Any], Callable[[Any], Any], int]] = {
    "sum": (microgrid.sum, lambda t: t.sum(), 3),
    "dot": (lambda v: dot(v, [2.0, -3.0]), lambda t: (t * weights(t)).sum(), 2),
    "softmax": (softmax, lambda t: torch.softmax(t, 0), 2),
    "cross_entropy": (
        lambda v: cross_entropy(v, 0),
        lambda t: F.cross_entropy(t.reshape(1, -1), torch.tensor([0])),
        2,
    ),
    "hinge y=1": (lambda v: hinge(v[0], 1), lambda t: torch.clamp(1 - t[0], min=0), 1),
    "hinge y=-1": (lambda v: hinge(v[0], -1), lambda t: torch.clamp(1 + t[0], min=0), 1),
    "bce_with_logits y=1": (
        lambda v: bce_with_logits(v[0], 1),
        lambda t: F.binary_cross_entropy_with_logits(t[0], label(1.0)),
        1,
    ),
    "bce_with_logits y=0": (
        lambda v: bce_with_logits(v[0], 0),
        lambda t: F.binary_cross_entropy_with_logits(t[0], label(0.0)),
        1,
    ),
}


def documented_difference(name: str, xs: tuple[float, ...]) -> bool:
    """The rows of the table in docs/architecture.md (no NaN among the inputs: NaN agrees)."""
    if any(math.isnan(x) for x in xs):
        return name.startswith("hinge")  # NaN slopes, where PyTorch's clamp gives 0
    if name in ("softmax", "cross_entropy"):
        return inf in xs or xs == (-inf,) * len(xs)  # softmax's limits
    return name == "bce_with_logits y=1" and xs == (-inf,)  # the limit inf, not NaN


@pytest.mark.parametrize("name", sorted(CASES))
def test_nonfinite_inputs_agree_with_torch_or_are_documented(name: str) -> None:
    function, reference, arity = CASES[name]
    checked = 0
    for xs in itertools.product(SPECIAL, repeat=arity):
        if all(map(math.isfinite, xs)):
            continue
        mine, theirs = ours(function, xs), torchs(reference, xs)
        if documented_difference(name, xs):
            continue
        assert agree(mine, theirs), (name, xs, mine, theirs)
        checked += 1
    assert checked >= 1


def test_nan_is_never_swallowed() -> None:
    s = Value(nan, label="s")
    L = hinge(s, 1)
    L.backward()
    assert math.isnan(L.value) and math.isnan(s.delta)  # it was 0 and 0
    for logits in ([inf, nan], [nan, inf], [-inf, nan], [nan, 1.0, 2.0]):
        assert all(math.isnan(p.value) for p in softmax([Value(z) for z in logits])), logits
        z = [Value(v) for v in logits]
        loss = cross_entropy(z, 0)
        loss.backward()
        assert math.isnan(loss.value) and all(math.isnan(zk.delta) for zk in z), logits


def test_the_documented_limits() -> None:
    p = softmax([Value(inf), Value(1.0)])
    assert [pk.value for pk in p] == [1.0, 0.0]
    assert [pk.value for pk in softmax([Value(-inf), Value(-inf)])] == [0.5, 0.5]
    z = [Value(inf), Value(inf), Value(0.0)]
    L = cross_entropy(z, 0)
    L.backward()
    assert L.value == math.log(2) and [zk.delta for zk in z] == [-0.5, 0.5, 0.0]
    assert cross_entropy([Value(1.0), Value(inf)], 0).value == inf
    assert cross_entropy([Value(inf), Value(1.0)], 0).value == 0.0
    assert cross_entropy([Value(-inf), Value(1.0)], 0).value == inf  # as PyTorch
