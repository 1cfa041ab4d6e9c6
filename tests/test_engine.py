"""The engine: Value, every primitive's local derivatives, backprop semantics, errors."""

from __future__ import annotations

import contextvars
import copy
import math
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from expression_graphs import KINKS, Ops, build, recipes, seed_graph
from hypothesis import assume, given
from hypothesis import strategies as st

import microgrid
from microgrid import (
    Value,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    dot,
    graph_stats,
    no_grad,
    primitive,
    replay,
    topological_order,
)
from microgrid import engine as E
from microgrid.engine import nary

EPS = sys.float_info.epsilon


# ---------------------------------------------------------------------------
# The seed's graph.
# ---------------------------------------------------------------------------


def test_seed_graph_values_and_deltas_are_exact() -> None:
    J, n = seed_graph()
    J.backward()
    assert (n["u"].value, n["v"].value, J.value) == (6.0, 11.0, 33.0)
    deltas = {name: node.delta for name, node in n.items()}
    assert deltas == {"a": 3.0, "b": 6.0, "c": 9.0, "u": 3.0, "v": 3.0, "J": 1.0}


def test_seed_nudge_through_replay() -> None:
    J, n = seed_graph()
    assert replay(J, {n["a"]: 5.001}) == pytest.approx(33.003, abs=1e-9)
    assert J.value == pytest.approx(33.003, abs=1e-9)
    # The slope of the nudge is the delta backprop computes.
    J.backward()
    assert (33.003 - 33.0) / 0.001 == pytest.approx(n["a"].delta, rel=1e-9)


# ---------------------------------------------------------------------------
# Every primitive's local derivatives against central finite differences.
# ---------------------------------------------------------------------------


def central_difference(
    forward: Callable[..., tuple[float, Sequence[float]]], inputs: Sequence[float], i: int, h: float
) -> tuple[float, float]:
    """(f(x + h) − f(x − h)) / 2h in input i, and a bound on its rounding error."""
    up, down = list(inputs), list(inputs)
    up[i], down[i] = inputs[i] + h, inputs[i] - h
    f_up, f_down = forward(*up)[0], forward(*down)[0]
    step = up[i] - down[i]  # the step actually taken, after rounding
    return (f_up - f_down) / step, 8 * EPS * max(abs(f_up), abs(f_down)) / step


def finite_difference(
    forward: Callable[..., tuple[float, Sequence[float]]],
    inputs: Sequence[float],
    i: int,
    scale: float | None = None,
) -> tuple[float, float]:
    """∂f/∂input_i by Richardson-extrapolated central differences, and its rounding bound.

    Combining steps h and h/2 cancels the h² error term, so what is left is
    (almost only) rounding, which we bound explicitly. `scale`: how far the
    input is from trouble (a singularity), if nearer than its own size.
    """
    h = 1e-5 * (scale if scale is not None else max(abs(inputs[i]), 1e-2))
    coarse, coarse_rounding = central_difference(forward, inputs, i, h)
    fine, fine_rounding = central_difference(forward, inputs, i, h / 2)
    return (4 * fine - coarse) / 3, (4 * fine_rounding + coarse_rounding) / 3


def check_local_derivatives(
    op: E.Primitive,
    inputs: Sequence[float],
    only: Sequence[int] | None = None,
    scales: Sequence[float | None] | None = None,
) -> None:
    value, derivatives = op.forward(*inputs)
    assert len(derivatives) == len(inputs)
    assert math.isfinite(value)
    for i in only if only is not None else range(len(inputs)):
        scale = scales[i] if scales is not None else None
        numeric, rounding = finite_difference(op.forward, inputs, i, scale)
        analytic = derivatives[i]
        # Truncation error is O(h⁴); rounding error is bounded above.
        tolerance = 1e-6 * abs(analytic) + 4 * rounding + 1e-13
        assert abs(analytic - numeric) <= tolerance, (op, inputs, i, analytic, numeric)


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """|x| in [lo, hi], either sign."""
    return st.tuples(reals(lo, hi), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


UNARY_DOMAINS: dict[str, tuple[E.Primitive, st.SearchStrategy[float]]] = {
    "neg": (E.neg, reals(-1e6, 1e6)),
    "exp": (E.exp, reals(-50, 50)),
    "log": (E.log, reals(1e-3, 1e6)),
    "sigmoid": (E.sigmoid, reals(-40, 40)),
    "tanh": (E.tanh, reals(-15, 15)),
    "relu": (E.relu, away_from_zero(1e-3, 1e3)),  # the kink at 0 is tested below
    "sqrt": (E.sqrt, reals(1e-3, 1e6)),
    "abs": (E.absolute, away_from_zero(1e-3, 1e3)),
}


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
@given(data=st.data())
def test_unary_local_derivatives_match_finite_differences(name: str, data: st.DataObject) -> None:
    op, domain = UNARY_DOMAINS[name]
    check_local_derivatives(op, [data.draw(domain)])


@given(x=reals(-1e3, 1e3), y=reals(-1e3, 1e3))
def test_add_sub_mul_local_derivatives(x: float, y: float) -> None:
    for op in (E.add, E.sub, E.mul):
        check_local_derivatives(op, [x, y])


@given(x=reals(-1e3, 1e3), y=away_from_zero(0.1, 1e3))
def test_div_local_derivatives(x: float, y: float) -> None:
    check_local_derivatives(E.div, [x, y])


@given(x=reals(0.05, 20), y=reals(-3, 3))
def test_power_local_derivatives_positive_base(x: float, y: float) -> None:
    check_local_derivatives(E.power, [x, y])


@given(x=reals(-20, -0.05), k=st.integers(-3, 3))
def test_power_negative_base_whole_exponent(x: float, k: int) -> None:
    # d/dbase is defined; d/dexponent = x^k·ln(x) is not (NaN), and a Value
    # exponent with a negative base is refused when recording (tested below).
    check_local_derivatives(E.power, [x, float(k)], only=[0])
    assert math.isnan(E.power.forward(x, float(k))[1][1])


def test_power_at_zero_base() -> None:
    assert E.power.forward(0.0, 2.0) == (0.0, (0.0, 0.0))
    assert E.power.forward(0.0, 1.0) == (0.0, (1.0, 0.0))
    value, (d_base, d_exponent) = E.power.forward(0.0, 0.5)
    assert (value, d_base, d_exponent) == (0.0, math.inf, 0.0)
    # x**0 is the constant 1, flat at x = 0 too (PyTorch: 0), not an infinite slope.
    assert E.power.forward(0.0, 0.0) == (1.0, (0.0, 0.0))
    x = Value(0.0, label="x")
    (x**0).backward()
    assert x.delta == 0.0


def test_division_by_a_tiny_nonzero_number() -> None:
    # y*y underflows to 0 for |y| < 1e-162: ∂(x/y)/∂y = −x/y² is −inf, not an error.
    x, y = Value(1.0, label="x"), Value(1e-200, label="y")
    z = x / y
    z.backward()
    assert (z.value, x.delta, y.delta) == (1e200, 1e200, -math.inf)
    assert (1.0 / Value(-1e-170)).local_derivatives == (-math.inf,)


@pytest.mark.parametrize("x, y", [(5.28e-185, -1.06e-161), (1e-20, 3e-160), (-7e-300, 1e-155)])
def test_division_by_a_number_whose_square_is_subnormal(x: float, y: float) -> None:
    # y*y is subnormal (< 2.2e-308), so −x/y² would lose digits: −4.648e137
    # instead of −4.692e137 for the first pair. Compared with exact rationals.
    from fractions import Fraction

    (_, d_y) = (Value(x) / Value(y)).local_derivatives
    exact = -Fraction(x) / Fraction(y) ** 2
    assert d_y == pytest.approx(float(exact), rel=4e-16)


@given(xs=st.lists(reals(-1e3, 1e3), min_size=1, max_size=6))
def test_sum_local_derivatives(xs: list[float]) -> None:
    check_local_derivatives(E.summation, xs)


@given(pairs=st.lists(st.tuples(reals(-1e2, 1e2), reals(-1e2, 1e2)), min_size=1, max_size=5))
def test_dot_local_derivatives(pairs: list[tuple[float, float]]) -> None:
    ws, xs = [w for w, _ in pairs], [x for _, x in pairs]
    check_local_derivatives(E.dot_product, ws + xs)


@given(a=reals(1e-3, 1 - 1e-3), y=reals(0, 1))
def test_bce_local_derivatives(a: float, y: float) -> None:
    # log(1 − a) is singular at a = 1: steps must shrink with the distance to it.
    check_local_derivatives(E.bce, [a, y], scales=[min(a, 1 - a), None])


@given(z=reals(-40, 40), y=reals(0, 1))
def test_bce_with_logits_local_derivatives(z: float, y: float) -> None:
    check_local_derivatives(E.bce_with_logits, [z, y])


def test_relu_and_abs_use_slope_zero_at_the_kink() -> None:
    # As PyTorch does: any value in the subgradient would do, 0 is the convention.
    assert E.relu.forward(0.0) == (0.0, (0.0,))
    assert E.absolute.forward(0.0) == (0.0, (0.0,))
    assert E.relu.forward(-2.0) == (0.0, (0.0,))
    assert E.absolute.forward(-2.0) == (2.0, (-1.0,))


def test_sqrt_at_zero_has_infinite_slope() -> None:
    assert E.sqrt.forward(0.0) == (0.0, (math.inf,))


# ---------------------------------------------------------------------------
# Operators record the right node: op, parents, local derivatives, constants.
# ---------------------------------------------------------------------------


def test_every_built_in_primitive_has_a_derivative_check() -> None:
    built_in = {obj for obj in vars(E).values() if isinstance(obj, E.Primitive)}
    checked = {op for op, _ in UNARY_DOMAINS.values()} | {
        E.add, E.sub, E.mul, E.div, E.power, E.summation, E.dot_product, E.bce, E.bce_with_logits
    }  # fmt: skip
    assert built_in == checked


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "**": lambda x, y: x**y,
}


@given(
    op=st.sampled_from(sorted(OPERATORS)),
    x=reals(0.1, 10),
    c=st.integers(1, 5),
    constant_first=st.booleans(),
)
def test_fast_and_general_paths_agree(op: str, x: float, c: int, constant_first: bool) -> None:
    """A constant as float, int or NumPy scalar, or a Value: the same value and derivative."""
    apply = OPERATORS[op]
    results = []
    for constant in (float(c), c, np.float64(c), Value(float(c))):
        v = Value(x, label="v")
        node = apply(constant, v) if constant_first else apply(v, constant)
        node.backward()
        results.append((node.value, v.delta, node.op))
        if not isinstance(constant, Value):
            assert node.parents == (v,)
            assert node.constants == ((float(c), None) if constant_first else (None, float(c)))
    assert results[0] == results[1] == results[2] == results[3]


def test_operators_with_numbers_on_either_side() -> None:
    x = Value(4.0, label="x")
    cases = [
        (x + 2, 6.0, "+", (None, 2.0), (1.0,)),
        (2 + x, 6.0, "+", (2.0, None), (1.0,)),
        (x - 1, 3.0, "-", (None, 1.0), (1.0,)),
        (10 - x, 6.0, "-", (10.0, None), (-1.0,)),
        (x * 3, 12.0, "*", (None, 3.0), (3.0,)),
        (3 * x, 12.0, "*", (3.0, None), (3.0,)),
        (x / 2, 2.0, "/", (None, 2.0), (0.5,)),
        (8 / x, 2.0, "/", (8.0, None), (-0.5,)),
        (x**2, 16.0, "**", (None, 2.0), (8.0,)),
        (2**x, 16.0, "**", (2.0, None), (16.0 * math.log(2.0),)),
    ]
    for node, value, op, constants, local in cases:
        assert node.value == value
        assert str(node.op) == op
        assert node.constants == constants
        assert node.parents == (x,)
        assert node.local_derivatives == pytest.approx(local, rel=1e-15)


def test_constants_are_stored_not_leaf_values() -> None:
    v = Value(11.0, label="v")
    J = 3 * v
    assert J.constants == (3.0, None)
    assert J.parents == (v,)
    assert J.local_derivatives == (3.0,)
    assert J._operands() == (3.0, v)
    # Only v is a leaf: the 3 gets no node and no delta.
    assert [node.label for node in topological_order(J)] == ["v", ""]
    # When every input is a Value there are no constants at all.
    assert (v * v).constants == ()


def test_numpy_scalars_work_as_constants() -> None:
    x = Value(3.0, label="x")
    left = np.float64(2.0) * x
    right = x * np.float32(2.0)
    assert isinstance(left, Value) and isinstance(right, Value)
    assert left.value == right.value == 6.0
    assert left.constants == (2.0, None) and right.constants == (None, 2.0)
    assert Value(np.float64(1.5)).value == 1.5


def test_unary_methods_record_their_primitive() -> None:
    x = Value(0.5, label="x")
    for name, node in [
        ("neg", -x),
        ("exp", x.exp()),
        ("log", x.log()),
        ("sigmoid", x.sigmoid()),
        ("tanh", x.tanh()),
        ("relu", x.relu()),
        ("sqrt", x.sqrt()),
        ("abs", x.abs()),
        ("abs", abs(x)),
    ]:
        assert str(node.op) == name
        assert node.parents == (x,)
        expected_value, expected_local = node.op.forward(0.5)  # type: ignore[attr-defined]
        assert node.value == expected_value
        assert node.local_derivatives == tuple(expected_local)
    assert +x is x


def test_value_exponent() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x**y
    z.backward()
    assert z.value == 8.0
    assert x.delta == pytest.approx(3 * 2.0**2)
    assert y.delta == pytest.approx(8.0 * math.log(2.0))


def test_n_ary_sum_and_dot_make_one_node() -> None:
    ws = [Value(float(i), label=f"w{i}") for i in range(1, 4)]
    s = microgrid.sum([ws[0], 2, ws[1], ws[2]])
    assert s.value == 8.0
    assert str(s.op) == "sum" and s.parents == tuple(ws)
    assert s.constants == (None, 2.0, None, None)
    z = dot(ws, [10.0, 20, 30.0])  # Values times numbers: the logistic regression case
    assert z.value == 140.0
    assert z.parents == tuple(ws)
    assert z.local_derivatives == (10.0, 20.0, 30.0)
    assert z.constants == (None, None, None, 10.0, 20.0, 30.0)
    assert graph_stats(z).nodes == 4
    z.backward()
    assert [w.delta for w in ws] == [10.0, 20.0, 30.0]


def test_dot_with_values_on_both_sides() -> None:
    w = [Value(1.0, label="w1"), Value(2.0, label="w2")]
    x = [Value(3.0, label="x1"), 4.0]
    z = dot(w, x)
    assert z.value == 11.0
    assert z.parents == (w[0], w[1], x[0])
    assert z.constants == (None, None, None, 4.0)
    z.backward()
    assert (w[0].delta, w[1].delta, x[0].delta) == (3.0, 4.0, 1.0)


def test_dot_shares_the_weight_tuple() -> None:
    # A caller passing the same tuple of weights for every sample shares it.
    ws = tuple(Value(0.5) for _ in range(3))
    z1, z2 = dot(ws, [1.0, 2.0, 3.0]), dot(ws, [4.0, 5.0, 6.0])
    assert z1.parents is ws and z2.parents is ws


def test_sum_and_dot_errors() -> None:
    with pytest.raises(ValueError, match="equal length, got 2 and 1"):
        dot([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(ValueError, match="at least one"):
        dot([], [])
    with pytest.raises(ValueError, match="at least one"):
        microgrid.sum([])
    with pytest.raises(TypeError, match="input 2 is str"):
        microgrid.sum([Value(1.0), "2"])  # type: ignore[list-item]


# ---------------------------------------------------------------------------
# Backprop semantics.
# ---------------------------------------------------------------------------


def test_x_times_x_keeps_both_edges() -> None:
    x = Value(3.0, label="x")
    y = x * x
    assert y.parents == (x, x)
    y.backward()
    assert x.delta == 6.0


def test_shared_node_gets_the_sum_over_paths() -> None:
    # f = a·b + a·c: a feeds two nodes, df/da = b + c.
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    f = a * b + a * c
    f.backward()
    assert (a.delta, b.delta, c.delta) == (8.0, 2.0, 2.0)


def test_diamond() -> None:
    # x → (x² and 3x) → their product: f = 3x³, df/dx = 9x².
    x = Value(2.0, label="x")
    left, right = x**2, 3 * x
    f = left * right
    f.backward()
    assert f.value == 24.0
    assert x.delta == 36.0
    assert (left.delta, right.delta) == (6.0, 4.0)


def test_node_reused_1000_times() -> None:
    x = Value(0.5, label="x")
    y = x.tanh()
    total = y
    for _ in range(999):
        total = total + y
    total.backward()
    assert y.delta == 1000.0
    assert x.delta == pytest.approx(1000.0 * (1 - math.tanh(0.5) ** 2), rel=1e-12)
    # The same with one n-ary node.
    x2 = Value(0.5)
    y2 = x2 * 2
    microgrid.sum([y2] * 1000).backward()
    assert (y2.delta, x2.delta) == (1000.0, 2000.0)


def test_backward_accumulates_across_calls() -> None:
    J, nodes = seed_graph()
    J.backward()
    first = {name: node.delta for name, node in nodes.items()}
    J.backward()
    assert {name: node.delta for name, node in nodes.items()} == {
        name: 2 * delta for name, delta in first.items()
    }


@given(recipe=recipes())
def test_every_delta_doubles_on_a_second_backward(recipe: Any) -> None:
    root, _ = build(recipe, Ops())
    order = topological_order(root)
    assume(all(math.isfinite(node.value) and abs(node.value) < 1e6 for node in order))
    root.backward()
    first = [node.delta for node in order]
    assume(all(math.isfinite(d) for d in first))
    root.backward()
    assert [node.delta for node in order] == [2 * d for d in first]


def test_backward_with_a_seed_delta() -> None:
    x = Value(3.0)
    y = x * x
    y.backward(0.5)
    assert (y.delta, x.delta) == (0.5, 3.0)
    with pytest.raises(TypeError, match="backward"):
        y.backward("1")  # type: ignore[arg-type]


def test_backward_from_an_intermediate_node_accumulates_there_too() -> None:
    J, n = seed_graph()
    n["u"].backward()  # du/db = c, du/dc = b
    assert (n["b"].delta, n["c"].delta, n["u"].delta) == (2.0, 3.0, 1.0)
    J.backward()  # adds dJ/d· on top
    assert (n["b"].delta, n["c"].delta, n["u"].delta) == (8.0, 12.0, 4.0)
    assert n["a"].delta == 3.0


def test_zero_grad() -> None:
    J, nodes = seed_graph()
    J.backward()
    J.zero_grad()
    assert all(node.delta == 0.0 for node in nodes.values())
    J.backward()
    assert nodes["c"].delta == 9.0


def test_a_million_node_chain_under_the_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    assert limit < 1_000_000
    x = Value(1.5, label="x")
    y = x
    for _ in range(1_000_000):
        y = -y  # local derivative -1: an even number of flips gives +1
    y.backward()
    assert y.value == 1.5
    assert x.delta == 1.0
    assert sys.getrecursionlimit() == limit


def test_deep_chain_with_constants_zero_grad_and_stats() -> None:
    x = Value(0.0, label="x")
    y = x
    for _ in range(50_000):
        y = y * 1.0 + 1.0
    y.backward()
    assert y.value == 50_000.0 and x.delta == 1.0
    y.zero_grad()
    assert x.delta == 0.0
    assert graph_stats(y).depth == 100_000


# ---------------------------------------------------------------------------
# no_grad and the aliases.
# ---------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    w = Value(2.0, label="w")
    with no_grad():
        assert not microgrid.is_grad_enabled()
        for node in [w * 3, w + w, w.exp(), -w, dot([w], [2.0]), microgrid.sum([w, 1])]:
            assert node.parents == () and node.local_derivatives == () and node.constants == ()
        update = w - 0.1 * w
    assert microgrid.is_grad_enabled()
    assert update.value == pytest.approx(1.8)
    assert str(update.op) == "-"  # the op is still known, only the graph is not kept
    assert (w * 3).parents == (w,)


def test_no_grad_is_restored_after_an_exception_and_nests() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert microgrid.is_grad_enabled()
    with no_grad():
        with no_grad():
            pass
        assert not microgrid.is_grad_enabled()
    assert microgrid.is_grad_enabled()


def test_no_grad_is_per_thread() -> None:
    seen: list[bool] = []
    with no_grad():
        thread = threading.Thread(target=lambda: seen.append(microgrid.is_grad_enabled()))
        thread.start()
        thread.join()
        # A copied context carries the setting, as contextvars should.
        assert contextvars.copy_context().run(microgrid.is_grad_enabled) is False
    assert seen == [True]


def test_data_and_grad_aliases() -> None:
    x = Value(2.0)
    y = x * x
    y.backward()
    assert (x.data, x.grad) == (x.value, x.delta) == (2.0, 4.0)
    x.data = 3
    x.grad = 0.5
    assert (x.value, x.delta) == (3.0, 0.5)
    assert type(x.value) is float
    with pytest.raises(TypeError, match="data must be a real number"):
        x.data = "3"  # type: ignore[assignment]


def test_named_and_repr() -> None:
    u = (Value(3.0) * 2).named("u")
    assert u.label == "u"
    assert repr(u) == "Value('u', value=6, delta=0)"
    with pytest.raises(TypeError, match="label must be a str"):
        u.named(5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Numerics: overflow-free sigmoid and BCE, IEEE inf/NaN.
# ---------------------------------------------------------------------------


def test_sigmoid_at_plus_minus_1000_does_not_overflow() -> None:
    for z, value in [(1000.0, 1.0), (-1000.0, 0.0)]:
        node = Value(z, label="z").sigmoid()
        assert node.value == value
        assert node.local_derivatives == (0.0,)
    assert Value(-30.0).sigmoid().value == pytest.approx(1 / (1 + math.exp(30.0)), rel=1e-15)


def bce_with_logits_reference(z: float, y: float) -> tuple[float, float]:
    """L(σ(z), y) and dL/dz = σ(z) − y, the textbook formulas in 1000-digit arithmetic.

    1000 digits: σ(1000) − 1 ≈ −e^−1000 ≈ −10^−434 must survive the subtraction.
    """
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(1000):
        zm, ym = mpmath.mpf(z), mpmath.mpf(y)
        a = 1 / (1 + mpmath.exp(-zm))
        # log a = −log(1 + e^−z) and log(1 − a) = −log(1 + e^z): no cancellation.
        loss = ym * mpmath.log1p(mpmath.exp(-zm)) + (1 - ym) * mpmath.log1p(mpmath.exp(zm))
        return float(loss), float(a - ym)


def assert_bce_with_logits_exact(z: float, y: float) -> None:
    loss, slope = bce_with_logits_reference(z, y)
    node = binary_cross_entropy_with_logits(Value(z, label="z"), y)
    assert math.isfinite(node.value)
    assert node.value == pytest.approx(loss, rel=1e-12, abs=1e-300)
    if y in (0.0, 1.0):
        # σ(z) − y is well conditioned for a 0/1 label: exact to 1e-12 relative,
        # even when it is 1e-434 (z = 1000, y = 1).
        assert node.local_derivatives[0] == pytest.approx(slope, rel=1e-12, abs=1e-300)
    else:
        # With a fractional label, σ(z) − y cancels when σ(z) ≈ y: the best any
        # float computation can promise is an error of a few ulps of 1 (labels are <= 1).
        assert abs(node.local_derivatives[0] - slope) <= 8 * EPS


@pytest.mark.parametrize(
    "z", [-1000.0, -700.0, -40.0, -1.0, -1e-8, 0.0, 1e-8, 2.5, 17.0, 37.0, 1000.0]
)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25, 0.99999])
def test_bce_with_logits_exact_to_1e_12(z: float, y: float) -> None:
    assert_bce_with_logits_exact(z, y)


@given(z=reals(-1000, 1000), y=st.sampled_from([0.0, 1.0, 0.5, 0.9, 0.99999, 1e-5]))
def test_bce_with_logits_exact_property(z: float, y: float) -> None:
    assert_bce_with_logits_exact(z, y)


def test_bce_matches_the_seed_formula_and_refuses_saturated_predictions() -> None:
    a = Value(0.8, label="a")
    L = binary_cross_entropy(a, 1)
    L.backward()
    assert L.value == pytest.approx(-math.log(0.8), rel=1e-15)
    assert a.delta == pytest.approx(-1 / 0.8, rel=1e-15)
    # y = 1 only needs a > 0; a = 1 with y = 0 is log(0).
    assert binary_cross_entropy(Value(1.0), 1).value == 0.0
    with pytest.raises(ValueError, match="with_logits"):
        binary_cross_entropy(Value(1.0, label="a_hat"), 0)


def test_ieee_infinity_and_nan_propagate() -> None:
    big = Value(1000.0, label="big")
    e = big.exp()
    assert e.value == math.inf and e.local_derivatives == (math.inf,)
    assert math.isnan((e - e).value)
    assert (-e).value == -math.inf
    assert (Value(10.0) ** 400).value == math.inf
    assert (Value(-10.0) ** 401).value == -math.inf
    nan = Value(math.nan, label="n")
    for node in [nan + 1, nan * 0, nan.tanh(), nan.sigmoid(), nan.exp(), dot([nan], [1.0])]:
        assert math.isnan(node.value)
    # Backprop follows IEEE too: inf · 0 is NaN, and NaN reaches the leaf.
    x = Value(1000.0, label="x")
    y = x.exp() * 0
    y.backward()
    assert y.value != y.value  # inf · 0 = NaN
    assert math.isnan(x.delta)
    assert Value(math.inf).tanh().value == 1.0


# ---------------------------------------------------------------------------
# Clear errors that name the node.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["abc", None, 1j, [1.0], (1.0,), {"x": 1}])
def test_value_needs_a_real_number(bad: object) -> None:
    with pytest.raises(TypeError, match="needs a real number") as caught:
        Value(bad, label="w1")  # type: ignore[arg-type]
    assert "'w1'" in str(caught.value)
    assert type(bad).__name__ in str(caught.value)


def test_value_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_value_from_a_value_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a real number"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("x", [0.0, -2.5])
def test_log_of_non_positive_names_the_node(x: float) -> None:
    with pytest.raises(ValueError, match="log") as caught:
        Value(x, label="a_hat").log()
    assert f"a_hat = {x:g}" in str(caught.value)


def test_sqrt_of_negative_names_the_node() -> None:
    with pytest.raises(ValueError, match="sqrt") as caught:
        Value(-4.0, label="var").sqrt()
    assert "var = -4" in str(caught.value)


def test_division_by_zero_names_both_operands() -> None:
    with pytest.raises(ZeroDivisionError) as caught:
        Value(1.0, label="num") / Value(0.0, label="den")
    assert "num / den" in str(caught.value)
    assert "num = 1" in str(caught.value) and "den = 0" in str(caught.value)
    with pytest.raises(ZeroDivisionError, match=r"num / 0 \(num = 1\)"):
        Value(1.0, label="num") / 0
    with pytest.raises(ZeroDivisionError, match=r"3 / den \(den = 0\)"):
        3 / Value(0.0, label="den")


def test_zero_to_a_negative_power_names_both_operands() -> None:
    with pytest.raises(ZeroDivisionError, match=r"base\^-2 \(base = 0\)"):
        Value(0.0, label="base") ** -2
    with pytest.raises(ZeroDivisionError) as caught:
        Value(0.0, label="base") ** Value(-1.0, label="k")
    assert "base = 0" in str(caught.value) and "k = -1" in str(caught.value)


def test_negative_base_with_fractional_or_value_exponent() -> None:
    with pytest.raises(ValueError, match=r"whole-number") as caught:
        Value(-2.0, label="neg") ** 0.5
    assert "neg = -2" in str(caught.value)
    with pytest.raises(ValueError, match="Value exponent needs a base >= 0") as caught:
        Value(-2.0, label="neg") ** Value(2.0, label="k")
    assert "neg = -2" in str(caught.value) and "k = 2" in str(caught.value)
    with pytest.raises(ValueError, match=r"-2\^k \(k = 2\)"):
        (-2) ** Value(2.0, label="k")
    # A whole-number exponent is fine.
    assert (Value(-2.0) ** 3).value == -8.0


def test_unsupported_operands_raise_pythons_type_error() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError):
        x + "1"  # type: ignore[operator]
    with pytest.raises(TypeError):
        [1] * x  # type: ignore[operator]


def test_user_primitive_errors_name_the_nodes() -> None:
    @primitive(formula="inv({0})")
    def inv(x: float) -> tuple[float, tuple[float]]:
        if x == 0:
            raise ZeroDivisionError("inv(0)")
        return 1 / x, (-1 / x**2,)

    y = inv(Value(4.0, label="q"))
    y.backward()
    assert (y.value, str(y.op), y.parents[0].delta) == (0.25, "inv", -1 / 16)
    with pytest.raises(ZeroDivisionError, match=r"inv\(q\) \(q = 0\)"):
        inv(Value(0.0, label="q"))

    @primitive
    def broken(x: float) -> tuple[float, tuple[float, ...]]:
        return x, ()

    with pytest.raises(TypeError, match="one per input"):
        broken(Value(1.0))


# ---------------------------------------------------------------------------
# Random expression graphs against finite differences (PyTorch: test_torch_crosscheck).
# ---------------------------------------------------------------------------


@given(recipe=recipes())
def test_random_graphs_match_finite_differences(recipe: Any) -> None:
    root, leaves = build(recipe, Ops())
    order = topological_order(root)
    assume(all(math.isfinite(node.value) and abs(node.value) < 1e4 for node in order))
    # Finite differences are meaningless across a kink: keep clear of them.
    assume(all(abs(node.parents[0].value) > 1e-3 for node in order if str(node.op) in KINKS))
    root.backward()
    scale = max(1.0, abs(root.value))

    def clear_of_kinks() -> bool:
        return all(abs(node.parents[0].value) > 1e-3 for node in order if str(node.op) in KINKS)

    for leaf in leaves:
        if leaf not in order:  # a leaf no step used: J does not depend on it
            assert leaf.delta == 0.0
            continue
        x = leaf.value
        h = 1e-6 * max(1.0, abs(x))
        up = replay(root, {leaf: x + h})
        clear = clear_of_kinks()
        down = replay(root, {leaf: x - h})
        clear = clear and clear_of_kinks()
        replay(root, {leaf: x})
        assume(clear)  # a nudge that crosses a kink measures the jump, not the slope
        numeric = (up - down) / (2 * h)
        assert leaf.delta == pytest.approx(numeric, rel=1e-4, abs=1e-6 * scale), leaf.label


@pytest.mark.parametrize(
    "loss",
    [nary.binary_cross_entropy, nary.binary_cross_entropy_with_logits],
    ids=["bce", "logits"],
)
@pytest.mark.parametrize("label", [2.0, -0.5, 1.0000001, math.nan])
def test_losses_refuse_a_label_outside_zero_one(loss: Any, label: float) -> None:
    with pytest.raises(ValueError, match=r"label y must lie in \[0, 1\]"):
        loss(Value(0.5, label="a"), label)
    with pytest.raises(ValueError, match=r"label y must lie in \[0, 1\]"):
        loss(Value(0.5, label="a"), np.float64(label))
    assert loss(Value(0.5), 0.25).value > 0  # a soft label is fine


# ---------------------------------------------------------------------------
# All or nothing: a failed backward or replay leaves the graph as it was.
# ---------------------------------------------------------------------------


def _interrupted_at(line: int, error: BaseException, run: Callable[[], object]) -> bool:
    """Run `run` raising `error` at the `line`-th line the engine's Python source executes.

    False when `run` finished first (it has fewer lines than that). Compiled, the
    engine runs no Python lines: nothing can interrupt it midway (the test is moot).
    """
    sources = (microgrid.engine.value.__file__, microgrid.engine.backprop.__file__)
    seen = 0

    def on_line(frame: Any, event: str, arg: object) -> Any:
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == line:
                raise error
        return on_line

    def on_call(frame: Any, event: str, arg: object) -> Any:
        return on_line if frame.f_code.co_filename in sources else None

    sys.settrace(on_call)
    try:
        run()
    except type(error):
        return True
    finally:
        sys.settrace(None)
    return False


@pytest.mark.parametrize("error", [TypeError("boom"), KeyboardInterrupt()])
def test_an_interrupted_backward_puts_every_delta_back(error: BaseException) -> None:
    if not microgrid.engine.value.__file__.endswith(".py"):
        pytest.skip("the compiled engine runs no Python lines to interrupt")
    J, nodes = seed_graph()
    J.backward()  # so that the interrupted calls have earlier deltas to add back
    before = {name: node.delta for name, node in nodes.items()}
    interrupted = 0
    for line in range(1, 2000):
        if not _interrupted_at(line, error, J.backward):
            break
        interrupted += 1
        assert {name: node.delta for name, node in nodes.items()} == before, f"line {line}"
    assert interrupted > 20  # every line of backward, the walk and the chain rule


def test_a_failed_replay_changes_no_value_and_no_local_derivative() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    a = (x * y).named("a")
    b = (x - 1).log().named("b")
    J = (a * b).named("J")
    order = microgrid.topological_order(J)
    before = [(node.value, node.local_derivatives) for node in order]
    with pytest.raises(ValueError, match="log"):
        microgrid.replay(J, {x: 0.5})
    assert [(node.value, node.local_derivatives) for node in order] == before
    J.backward()
    assert x.delta == pytest.approx(y.value * math.log(1.0) + 6.0 / 1.0)


def test_replay_applies_the_value_exponent_check() -> None:
    base, k = Value(2.0, label="base"), Value(0.5, label="k")
    J = (base**k).named("J")
    with pytest.raises(ValueError, match="Value exponent needs a base >= 0"):
        microgrid.replay(J, {base: -4.0})
    assert base.value == 2.0 and J.value == pytest.approx(math.sqrt(2.0))


@pytest.mark.parametrize("bad", [None, "0.5", 1j, np.array([1.0, 2.0])])
@pytest.mark.parametrize("where", ["value", "derivative"])
def test_a_user_primitive_returning_a_non_number_is_a_type_error_naming_it(
    bad: Any, where: str
) -> None:
    @microgrid.primitive
    def odd(x: float) -> tuple[Any, tuple[Any]]:
        return (bad, (1.0,)) if where == "value" else (x, (bad,))

    with pytest.raises(TypeError, match="primitive 'odd' returned"):
        odd(Value(1.0))


def test_relu_of_nan_is_nan_and_x_to_the_zero_is_flat_everywhere() -> None:
    value, (slope,) = E.relu.forward(math.nan)
    assert math.isnan(value) and slope == 0.0
    for x in (0.0, math.nan, 5e-324, -5e-324, math.inf):
        assert E.power.forward(x, 0.0)[1][0] == 0.0


def test_backward_of_a_node_built_under_no_grad_is_a_runtime_error() -> None:
    w = Value(2.0, label="w")
    with microgrid.no_grad():
        loss = (w * 3).named("loss")
    with pytest.raises(RuntimeError, match="'loss' was computed by '\\*' under no_grad"):
        loss.backward()
    w.backward()  # a leaf is fine: its delta is 1
    assert w.delta == 1.0


def test_independent_graphs_backprop_correctly_in_threads() -> None:
    # The rule: one graph, one thread at a time; separate graphs in threads are fine.
    results: dict[int, float] = {}

    def work(k: int) -> None:
        x = Value(float(k), label="x")
        node = x
        for _ in range(2000):
            node = node * 1.0 + x * 0.001
        node.backward()
        results[k] = x.delta

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = sum(0.001 for _ in range(2000)) + 1.0
    assert len(results) == 4
    for delta in results.values():
        assert delta == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# Pickling and copying deep graphs: explicit stacks, shared nodes stay shared.
# ---------------------------------------------------------------------------


def _deep_chain(depth: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    node = (x * x).named("square")  # a shared node: two edges to x
    for _ in range(depth):
        node = node * 1.0 + x * 0.0
    return node, x


def _walk_to_square(node: Value) -> Value:
    while node.label != "square":
        node = node.parents[0].parents[0]
    return node


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_deep_graph_pickles_with_every_protocol_and_keeps_shared_nodes(protocol: int) -> None:
    root, x = _deep_chain(10_000)  # 40,000 nodes; the default pickling failed at depth 199
    root.backward()
    copy_root, copy_x = pickle.loads(pickle.dumps((root, x), protocol=protocol))
    square = _walk_to_square(copy_root)
    assert square.parents == (copy_x, copy_x) and copy_x.label == "x"
    assert (copy_root.value, copy_x.delta) == (root.value, x.delta)
    assert copy_root.op is root.op  # primitives by reference
    copy_root.zero_grad()
    copy_root.backward()
    assert copy_x.delta == x.delta


def test_deepcopy_of_a_deep_graph_and_copy_of_a_node() -> None:
    root, x = _deep_chain(10_000)
    copied_root, copied_x = copy.deepcopy((root, x))
    assert _walk_to_square(copied_root).parents == (copied_x, copied_x)
    assert copied_x is not x and copied_root.value == root.value
    shallow = copy.copy(root)
    assert shallow is not root and shallow.parents == root.parents
    assert shallow.value == root.value and shallow.op is root.op


def test_gc_paused_pauses_and_restores_the_collector() -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), microgrid.gc_paused():
        assert not gc.isenabled()
        _ = Value(1.0) / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with microgrid.gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_graphs_built_and_dropped_in_a_loop_keep_memory_flat() -> None:
    # Nothing global holds a graph: what is dropped is freed, backward or not.
    import tracemalloc

    def build_and_drop() -> None:
        x = Value(0.5)
        node = x
        for _ in range(20_000):
            node = node * 1.0001 + 0.0
        del node

    build_and_drop()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        for _ in range(5):
            build_and_drop()
        middle, _ = tracemalloc.get_traced_memory()
        for _ in range(20):  # 10**6 nodes built in all (25 graphs of 40,000), as the issue asks
            build_and_drop()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    one_graph = 40_000 * 100  # at least 100 bytes a node
    assert after - middle < one_graph / 100, (baseline, middle, after)  # no growth
    assert after - baseline < one_graph / 10, (baseline, middle, after)
    assert peak - baseline < 20_000 * 2 * 400  # one graph at a time, never ten


# -- the node's layout: one tracked object per op ----------------------------


def _tracked_objects_grown_by(build: Callable[[], object]) -> int:
    import gc

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        kept = build()
        grown = len(gc.get_objects()) - before
    finally:
        if was_enabled:
            gc.enable()
    del kept
    return grown


@pytest.mark.parametrize(
    "op, nodes_per_call",
    [
        (lambda x, y: x * y, 1),
        (lambda x, y: x * 3.0, 1),
        (lambda x, y: 2 - x, 1),
        (lambda x, y: x.exp(), 1),
        (lambda x, y: (x / y).relu(), 2),
    ],
    ids=["x*y", "x*3", "2-x", "exp", "relu(x/y)"],
)
def test_each_op_allocates_one_tracked_object(
    op: Callable[[Value, Value], Value], nodes_per_call: int
) -> None:
    # The garbage collector runs a full collection every ~70,000 tracked
    # allocations; a node used to bring 2–4 (its parents and derivatives tuples).
    x, y = Value(0.3), Value(0.7)
    n = 2000

    def build() -> list[Value]:
        nodes: list[Value] = [x] * n
        for i in range(n):
            nodes[i] = op(x, y)
        return nodes

    expected = n * nodes_per_call
    assert expected <= _tracked_objects_grown_by(build) <= expected + 10


@pytest.mark.parametrize("attribute", ["parents", "local_derivatives", "constants"])
def test_how_a_node_was_made_is_read_only(attribute: str) -> None:
    node = Value(2.0) * 3
    with pytest.raises(AttributeError):
        setattr(node, attribute, ())
    assert (node.parents, node.local_derivatives, node.constants)[1] == (3.0,)


def test_every_layout_reads_back_and_pickles_the_same() -> None:
    x, y = Value(2.0, label="x"), Value(5.0, label="y")
    with no_grad():
        detached = x * y
    nodes = {
        "x*y": (x * y, (x, y), (5.0, 2.0), ()),
        "x*x": (x * x, (x, x), (2.0, 2.0), ()),
        "x/4": (x / 4, (x,), (0.25,), (None, 4.0)),
        "3-y": (3 - y, (y,), (-1.0,), (3.0, None)),
        "log": (x.log(), (x,), (0.5,), ()),
        "dot": (dot([x, y], [1.0, 2.0]), (x, y), (1.0, 2.0), (None, None, 1.0, 2.0)),
        "sum": (microgrid.sum([x, 1.0, y]), (x, y), (1.0, 1.0), (None, 1.0, None)),
        "bce of numbers": (E.bce(0.5, 1.0), (), (), (0.5, 1.0)),
        "no_grad": (detached, (), (), ()),
        "leaf": (x, (), (), ()),
    }
    for name, (node, parents, local, constants) in nodes.items():
        assert (node.parents, node.local_derivatives, node.constants) == (
            parents,
            local,
            constants,
        ), name
        copied = pickle.loads(pickle.dumps(node))
        assert (copied.value, copied.op, copied.local_derivatives, copied.constants) == (
            node.value,
            node.op,
            local,
            constants,
        ), name
        assert [p.value for p in copied.parents] == [p.value for p in parents], name


# -- found by the review of the operator factories -----------------------------


def test_the_made_operators_carry_their_names_and_pickle_bound() -> None:
    import pickle

    x = Value(2.0, label="x")
    assert Value.__mul__.__name__ == "__mul__" and Value.__rmul__.__qualname__ == "Value.__rmul__"
    assert Value.exp.__name__ == "exp" and Value.abs.__name__ == "abs"
    assert pickle.loads(pickle.dumps(x.exp))().value == pytest.approx(math.exp(2.0))


def test_a_str_subclass_label_is_kept_as_a_plain_str() -> None:
    class Loud(str):
        def __format__(self, spec: str) -> str:
            return "__import__('os')"

    x = Value(1.0, label=Loud("x"))
    y = (x * 2).named(Loud("y"))
    assert type(x.label) is str and type(y.label) is str
    assert f"{x.label}" == "x" and y.label == "y"


def test_a_domain_error_with_an_unusual_operand_is_described_once() -> None:
    with pytest.raises(ZeroDivisionError) as error:
        Value(2.0, label="x") / False
    assert str(error.value) == "x / 0 (x = 2): division by zero"


def test_a_non_number_raised_to_a_value_is_pythons_type_error() -> None:
    with pytest.raises(TypeError, match="unsupported operand"):
        None ** Value(2.0)  # type: ignore[operator]


def test_division_by_a_huge_number_keeps_its_slope() -> None:
    # y² overflows to inf for |y| > 1.3e154, so −x/y² would be −0; −(x/y)/y is −1e-20.
    from fractions import Fraction

    x, y = 1e300, 1e160
    (_, d_y) = (Value(x) / Value(y)).local_derivatives
    assert d_y == pytest.approx(float(-Fraction(x) / Fraction(y) ** 2), rel=4e-16)
