"""softmax, cross_entropy, hinge: values and gradients vs PyTorch and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, cross_entropy, gradcheck, hinge, nn, optim, softmax
from microgrid.course.datasets import spirals

torch = pytest.importorskip("torch")

logit_lists = st.lists(st.floats(-50, 50), min_size=1, max_size=6)
huge_logit_lists = st.lists(
    st.one_of(st.floats(-1000, 1000), st.sampled_from([1000.0, -1000.0])), min_size=2, max_size=5
)


def leaves(xs: list[float]) -> list[Value]:
    return [Value(x, f"z{k}") for k, x in enumerate(xs, start=1)]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14)


@given(logits=st.one_of(logit_lists, huge_logit_lists), data=st.data())
@settings(max_examples=60)
def test_cross_entropy_matches_pytorch(logits: list[float], data: st.DataObject) -> None:
    target = data.draw(st.integers(0, len(logits) - 1))
    z = leaves(logits)
    L = cross_entropy(z, target)
    L.backward()
    t = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor([target]))
    expected.backward()
    assert math.isfinite(L.value) and all(math.isfinite(zk.delta) for zk in z)
    assert close(L.value, expected.item())
    assert all(close(zk.delta, g) for zk, g in zip(z, t.grad[0].tolist(), strict=True))


@given(logits=st.one_of(logit_lists, huge_logit_lists), data=st.data())
@settings(max_examples=60)
def test_softmax_matches_pytorch(logits: list[float], data: st.DataObject) -> None:
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=len(logits), max_size=len(logits)))
    z = leaves(logits)
    p = softmax(z)
    J = Value(0.0)
    for w, p_k in zip(weights, p, strict=True):
        J = J + w * p_k
    J.backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    probabilities = torch.softmax(t, dim=0)
    (torch.tensor(weights, dtype=torch.float64) * probabilities).sum().backward()
    assert all(close(a.value, b) for a, b in zip(p, probabilities.tolist(), strict=True))
    assert all(close(zk.delta, g) for zk, g in zip(z, t.grad.tolist(), strict=True))
    assert math.isclose(math.fsum(p_k.value for p_k in p), 1.0, rel_tol=1e-15)


def test_plus_minus_1000_logits_are_finite_and_exact() -> None:
    z = leaves([1000.0, -1000.0, 999.0])
    L = cross_entropy(z, 1)
    L.backward()
    # log(e^1000 + e^-1000 + e^999) + 1000 = 2000 + log(1 + e^-1)
    assert close(L.value, 2000.0 + math.log1p(math.exp(-1.0)))
    p1 = 1 / (1 + math.exp(-1.0))
    assert [zk.delta for zk in z] == pytest.approx([p1, -1.0, 1 - p1], rel=1e-12, abs=1e-300)
    assert [p.value for p in softmax(z)] == pytest.approx([p1, 0.0, 1 - p1], rel=1e-12, abs=0)


def test_cross_entropy_slope_is_softmax_minus_one_hot_and_passes_gradcheck() -> None:
    z = leaves([0.3, -1.2, 2.0, 0.0])
    L = cross_entropy(z, 2)
    L.backward()
    p = [s.value for s in softmax(z)]
    assert [zk.delta for zk in z] == pytest.approx(
        [p[0], p[1], p[2] - 1, p[3]], rel=1e-14, abs=1e-16
    )
    assert gradcheck(lambda a, b, c, d: cross_entropy([a, b, c, d], 2), [0.3, -1.2, 2.0, 0.0]).ok
    assert gradcheck(lambda a, b: softmax([a, b])[0] * 3, [0.5, -0.25]).ok


@given(score=st.floats(-5, 5), y=st.sampled_from([-1.0, 1.0]))
def test_hinge_matches_pytorch(score: float, y: float) -> None:
    s = Value(score, "s")
    L = hinge(s, y)
    L.backward()
    t = torch.tensor(score, dtype=torch.float64, requires_grad=True)
    expected = torch.clamp(1 - y * t, min=0)
    expected.backward()
    assert close(L.value, expected.item())
    if 1 - y * score != 0:  # torch's clamp has slope 1 at the kink, relu and we use 0
        assert close(s.delta, t.grad.item())


def test_hinge_kink_slope_is_zero_and_y_may_be_a_value() -> None:
    s = Value(1.0, "s")
    L = hinge(s, 1)
    L.backward()
    assert (L.value, s.delta) == (0.0, 0.0)
    s2, y = Value(0.5, "s"), Value(-1.0, "y")
    L2 = hinge(s2, y)
    L2.backward()
    assert (L2.value, s2.delta, y.delta) == (1.5, 1.0, -0.5)


def test_losses_replay_through_their_constants() -> None:
    from microgrid import replay

    z1, z2 = Value(1.0, "z1"), Value(2.0, "z2")
    L = cross_entropy([z1, z2], 0)
    assert replay(L, {z1: 2.0}) == pytest.approx(math.log(2.0))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: cross_entropy([Value(1.0)], 1), ValueError, "target 1 is not a class index 0 … 0"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], -1), ValueError, "target -1"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], 1.0), TypeError, "an int"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], True), TypeError, "an int"),
        (lambda: cross_entropy([], 0), ValueError, "at least one logit"),
        (lambda: softmax([]), ValueError, "at least one logit"),
    ],
)
def test_bad_losses_get_clear_errors(call: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


def test_softmax_classifier_learns_three_spirals() -> None:
    X, Y = spirals(20, classes=3, noise=0.1, seed=0)
    columns, labels = X.T.tolist(), Y[0].tolist()
    model = nn.MLP(2, [24, 3], activation="tanh", init="scaled", seed=0)
    opt = optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        losses = [cross_entropy(model(x), y) for x, y in zip(columns, labels, strict=True)]
        J = sum(losses, Value(0.0)) / len(losses)
        first = J.value if first is None else first
        opt.zero_grad()
        J.backward()
        opt.step()
    predictions = [int(np.argmax([z.value for z in model(x)])) for x in columns]
    accuracy = np.mean(np.array(predictions) == np.array(labels))
    assert J.value < 0.5 * first and accuracy >= 0.85


def test_cross_entropy_keeps_its_digits_when_the_true_class_leads_by_far() -> None:
    # L = log(1 + e^-10 + e^-497) ≈ 4.54e-5: written as 497 + log(...) − 497 it lost 10
    # digits (hypothesis found it against PyTorch). The value from 50-digit arithmetic:
    z = leaves([0.0, 497.0, 487.0])
    assert math.isclose(cross_entropy(z, 1).value, 4.5398899216864646769e-05, rel_tol=1e-15)
