"""User-defined primitives: @primitive ops record, backprop, replay, draw, explain and gradcheck."""

from __future__ import annotations

import math

import pytest

import microgrid
from microgrid import Primitive, Value, gradcheck, no_grad, primitive, replay
from microgrid.engine.walks import topological_order


@primitive
def softplus(x: float) -> tuple[float, tuple[float]]:
    return math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)


@primitive(formula="hypot({0}, {1})")
def hypot(x: float, y: float) -> tuple[float, tuple[float, float]]:
    r = math.hypot(x, y)
    return r, (x / r, y / r)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_a_primitive_is_an_op_named_after_its_function() -> None:
    assert isinstance(softplus, Primitive) and str(softplus) == "softplus"
    assert microgrid.primitive is primitive
    assert softplus.formula is None and hypot.formula == "hypot({0}, {1})"


def test_records_a_node_with_local_derivatives() -> None:
    x = Value(0.7, label="x")
    y = softplus(x)
    assert str(y.op) == "softplus" and y.parents == (x,)
    assert y.value == pytest.approx(math.log(1 + math.exp(0.7)), rel=1e-15)
    assert y.local_derivatives == (pytest.approx(sigmoid(0.7), rel=1e-15),)


def test_backprop_through_a_user_primitive() -> None:
    x, w = Value(0.7, label="x"), Value(-1.3, label="w")
    J = softplus(x * w) * 2
    J.backward()
    s = sigmoid(0.7 * -1.3)  # d softplus(z)/dz = σ(z)
    assert x.delta == pytest.approx(2 * s * -1.3, rel=1e-14)
    assert w.delta == pytest.approx(2 * s * 0.7, rel=1e-14)


def test_backprop_agrees_with_torch_softplus() -> None:
    torch = pytest.importorskip("torch")
    for x0 in (-3.0, -0.2, 0.0, 1.5, 8.0):
        x = Value(x0)
        softplus(x).backward()
        t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        torch.nn.functional.softplus(t).backward()
        assert x.delta == pytest.approx(t.grad.item(), rel=1e-14)


def test_constants_keep_their_positions() -> None:
    x = Value(3.0, label="x")
    r = hypot(x, 4.0)
    assert r.value == 5.0 and r.parents == (x,) and r.constants == (None, 4.0)
    assert r.local_derivatives == (0.6,)
    r2 = hypot(4.0, x)
    assert r2.constants == (4.0, None) and r2.local_derivatives == (0.6,)


def test_replay_recomputes_values_and_local_derivatives() -> None:
    x = Value(3.0, label="x")
    r = hypot(x, 4.0)
    J = softplus(r)
    assert replay(J, {x: 0.0}) == pytest.approx(math.log1p(math.exp(4.0)), rel=1e-15)
    assert r.value == 4.0 and r.local_derivatives == (0.0,)
    assert J.local_derivatives == (pytest.approx(sigmoid(4.0), rel=1e-15),)


def test_draw_shows_the_op_name_and_the_formula() -> None:
    from microgrid import draw

    x = Value(0.5, label="x")
    source = draw(softplus(x).named("y")).source
    assert "softplus(x)" in source
    source = draw(hypot(x, 2.0).named("r")).source
    assert "hypot(x, 2)" in source


def test_explain_narrates_a_user_primitive() -> None:
    from microgrid import explain

    x = Value(0.0, label="x")
    text = str(explain(softplus(x).named("y")))
    assert "y = softplus(x)" in text
    assert "dy/dx = dy/dy · ∂y/∂x = 1 · 0.5 = 0.5" in text  # σ(0) = 0.5


def test_gradcheck_passes_for_a_correct_primitive() -> None:
    assert gradcheck(softplus, [0.3]).ok
    assert gradcheck(hypot, [3.0, -4.0], method="richardson").ok
    x = Value(-0.4, label="x")
    J = softplus(hypot(x, 1.5) * x)
    J.backward()
    assert gradcheck(J).ok


def test_a_wrong_primitive_fails_gradcheck_with_the_right_row() -> None:
    @primitive
    def bad_hypot(x: float, y: float) -> tuple[float, tuple[float, float]]:
        r = math.hypot(x, y)
        return r, (x / r, x / r)  # ∂/∂y should be y / r

    report = gradcheck(lambda a, b: bad_hypot(a, b), [3.0, 4.0])
    assert [(row.name, row.status) for row in report.rows] == [("a", "ok"), ("b", "FAIL")]
    assert report["b"].analytic == 0.6 and report["b"].numeric == pytest.approx(0.8, rel=1e-8)
    assert "first wrong op: node J = bad_hypot(a, b): ∂/∂b stored 0.6, numeric 0.8" in str(report)


def test_no_grad_records_nothing() -> None:
    x = Value(1.0)
    with no_grad():
        y = softplus(x)
    assert y.parents == () and y.value == pytest.approx(math.log1p(math.e))


def test_wrong_number_of_derivatives_is_an_error_at_call_time() -> None:
    @primitive
    def two_for_one(x: float) -> tuple[float, tuple[float, float]]:
        return x, (1.0, 0.0)

    with pytest.raises(
        TypeError,
        match=r"primitive 'two_for_one' returned 2 local derivative\(s\) for 1 input\(s\); "
        "it must return one per input",
    ):
        two_for_one(Value(1.0))

    @primitive
    def none_for_two(x: float, y: float) -> tuple[float, tuple[()]]:
        return x + y, ()

    with pytest.raises(TypeError, match=r"returned 0 local derivative\(s\) for 2 input\(s\)"):
        none_for_two(Value(1.0), 2.0)


@pytest.mark.parametrize(
    "returned",
    [3.0, (3.0, 1.0), (3.0, (1.0,), "extra"), None],
    ids=["bare value", "derivative not in a tuple", "three things", "None"],
)
def test_returning_something_other_than_a_pair_is_a_clear_error(returned: object) -> None:
    @primitive
    def sloppy(x: float) -> object:
        return returned

    with pytest.raises(TypeError, match=r"primitive 'sloppy' must return \(value, \(∂/∂input1"):
        sloppy(Value(1.0))  # type: ignore[arg-type]


def test_calling_with_the_wrong_number_of_inputs_says_so() -> None:
    with pytest.raises(TypeError, match="softplus"):
        softplus(Value(1.0), Value(2.0))


def test_domain_errors_inside_a_primitive_name_the_node() -> None:
    @primitive
    def safe_log(x: float) -> tuple[float, tuple[float]]:
        if x <= 0:
            raise ValueError("safe_log needs x > 0")
        return math.log(x), (1 / x,)

    with pytest.raises(ValueError, match=r"safe_log\(x\) \(x = -2\): safe_log needs x > 0"):
        safe_log(Value(-2.0, label="x"))
    x = Value(1.0, label="x")
    y = safe_log(x)
    with pytest.raises(ValueError, match="safe_log needs x > 0"):
        replay(y, {x: -1.0})


def test_a_primitive_used_many_times_in_one_graph() -> None:
    x = Value(0.2, label="x")
    nodes = [x]
    for _ in range(20):
        nodes.append(softplus(nodes[-1]) - 0.5)
    J = nodes[-1]
    J.backward()
    assert sum(1 for n in topological_order(J) if str(n.op) == "softplus") == 20
    assert gradcheck(J).ok


@primitive
def _module_level_square(x: float) -> tuple[float, tuple[float]]:
    return x * x, (2 * x,)


def test_graphs_with_builtin_and_user_primitives_pickle_by_reference() -> None:
    import pickle

    x = Value(3.0, label="x")
    J = (2 * _module_level_square(x).exp() + abs(x) / x).named("J")
    J.backward()
    copy = pickle.loads(pickle.dumps(J))
    originals, copies = topological_order(J), topological_order(copy)
    assert [n.op for n in copies] == [n.op for n in originals]
    # The ops come back as the very same primitives, so the copy replays and backprops.
    assert all(c.op is o.op for c, o in zip(copies, originals, strict=True) if o.parents)
    assert [n.value for n in copies] == [n.value for n in originals]
    copy_x = next(n for n in copies if n.label == "x")
    copy.zero_grad()
    copy.backward()
    assert copy_x.delta == x.delta
    assert replay(copy, {copy_x: 4.0}) == replay(J, {x: 4.0})


def test_an_op_is_itself_not_its_name() -> None:
    """A user's op named like a built-in gets the user checks, and no built-in's special case."""
    from microgrid.engine.evaluate import is_built_in
    from microgrid.verify.gradcheck.diagnosis import is_kink

    @primitive(name="exp")
    def broken_exp(x: float) -> tuple[float, tuple[None]]:
        return x, (None,)

    # An op equals only itself: not its name, not a built-in of the same name.
    assert str(broken_exp) == "exp" and not is_built_in(broken_exp)
    assert broken_exp != "exp" and broken_exp != microgrid.engine.exp and exp_is_itself()
    with pytest.raises(TypeError, match=r"primitive 'exp' returned a local derivative None"):
        broken_exp(Value(1.0))

    @primitive(name="relu")
    def smooth(x: float) -> tuple[float, tuple[float]]:
        return x * x, (2 * x,)

    x = Value(0.0, label="x")
    assert not is_kink(smooth(x).op) and is_kink(x.relu().op)
    report = microgrid.gradcheck(lambda v: smooth(v), [0.0])
    assert report.ok and "kink" not in str(report)


def exp_is_itself() -> bool:
    """The built-in exp: equal to itself, found by itself in a dict, equal to no str."""
    exp = microgrid.engine.exp
    return exp == exp and {exp: 1}[exp] == 1 and exp != "exp" and "exp" not in {exp: 1}


def test_every_primitive_of_primitives_py_is_built_in_by_its_one_flag() -> None:
    """microgrid's own ops carry built_in=True (one flag: no second list to keep in step)."""
    from microgrid.engine import evaluate
    from microgrid.engine import primitives as P

    defined = [
        obj
        for obj in vars(P).values()
        if isinstance(obj, Primitive) and obj.module == P.__name__ and obj is not P.leaf
    ]
    assert len(defined) == 17
    assert all(op.built_in and evaluate.is_built_in(op) for op in defined)
    assert not evaluate.is_built_in(softplus) and not evaluate.is_built_in("exp")
