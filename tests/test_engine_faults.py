"""The engine under faults: IEEE rules in sum and dot, all-or-nothing backward and
nudge under an interrupt at any point, setters that take real numbers only."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid
from microgrid import Value, dot, nn
from microgrid.engine.primitives import exact_sum
from microgrid.optim import SGD

# ---------------------------------------------------------------------------
# sum and dot: inf and NaN where `+` gives them, fsum's exactness otherwise.
# ---------------------------------------------------------------------------


def test_sum_overflows_to_inf_like_plus() -> None:
    a, b = Value(1e308, label="a"), Value(1e308, label="b")
    assert microgrid.sum([a, b]).value == (a + b).value == math.inf
    assert microgrid.sum([-a, -b]).value == -math.inf
    assert dot([a, b], [1.0, 1.0]).value == math.inf
    assert dot([a, b], [-1.0, -1.0]).value == -math.inf


def test_sum_of_opposite_infinities_is_nan_like_plus() -> None:
    p, m = Value(math.inf), Value(-math.inf)
    assert math.isnan((p + m).value)
    assert math.isnan(microgrid.sum([p, m]).value)
    assert math.isnan(microgrid.sum([p, 1.0, m, Value(math.nan)]).value)
    assert math.isnan(dot([p, m], [1.0, 1.0]).value)
    assert math.isnan(dot([p, Value(1.0)], [0.0, 1.0]).value)  # inf · 0


def test_sum_backprop_after_overflow_still_gives_each_input_one() -> None:
    a, b = Value(1e308, label="a"), Value(1e308, label="b")
    total = microgrid.sum([a, b])
    total.backward()
    assert (a.delta, b.delta) == (1.0, 1.0)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite, min_size=1, max_size=6))
def test_exact_sum_is_the_exact_sum_rounded_once(terms: list[float]) -> None:
    exact = sum(map(Fraction, terms), Fraction(0))
    try:
        expected = float(exact)
    except OverflowError:
        expected = math.inf if exact > 0 else -math.inf
    result = exact_sum(terms)
    assert result == expected or (result == 0 and expected == 0)
    assert microgrid.sum([Value(t) for t in terms]).value == result


def test_exact_sum_keeps_a_finite_sum_whose_partial_sums_overflow() -> None:
    # fsum refuses this ("intermediate overflow"); the exact sum is 1e308.
    assert microgrid.sum([Value(1e308), Value(1e308), Value(-1e308)]).value == 1e308


def test_a_diverging_mlp_reaches_the_optimizers_message() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1e308)
    xs, ys = [[1.0, 2.0], [2.0, -1.0]], [1.0, 0.0]
    with pytest.raises(ValueError, match="learning rate too large"):
        for _ in range(20):
            loss = microgrid.sum([(model(x)[0] - y) ** 2 for x, y in zip(xs, ys, strict=True)])
            model.zero_grad()
            loss.backward()
            optimizer.step()


@pytest.mark.parametrize("readable", [True, False])
def test_compiled_sum_and_dot_follow_the_same_rules(readable: bool) -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    J = microgrid.sum([a, b, dot([a, c], [2.0, 1.0])])
    step = microgrid.compile(J, readable=readable)
    a.value, b.value, c.value = 1e308, 1e308, -math.inf
    assert math.isnan(step())  # 1e308 + 1e308 + (2e308 → inf) + -inf
    a.value, c.value = 1e308, -1e308
    assert step() == math.inf  # 2 · 1e308 is inf, as `*` gives it
