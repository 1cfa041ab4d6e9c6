"""Second derivatives: backward(create_graph=True), grad, hessian, hvp, jacobian, jvp."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Sequence

import pytest
from expression_graphs import Ops, Recipe, build, recipes
from hypothesis import assume, given, settings

import microgrid
from microgrid import Value, topological_order
from microgrid.engine import primitives
from microgrid.engine.value import record
from microgrid.higher.derivative_rules import has_value_derivatives, local_derivative_values
from microgrid.higher.recorded import numeric_deltas, recorded_deltas
from microgrid.nn import losses


def test_third_derivative_of_a_cube_then_zero() -> None:
    x = Value(3.0, label="x")
    y = x**3
    y.backward(create_graph=True)
    first = x.delta
    assert isinstance(first, Value)
    (second,) = microgrid.grad(first, [x], create_graph=True)
    (third,) = microgrid.grad(second, [x], create_graph=True)
    (fourth,) = microgrid.grad(third, [x])
    assert [y.value, first.value, second.value, third.value, fourth] == [27, 27, 18, 6, 0]


def test_grad_leaves_every_delta_alone() -> None:
    a, b = Value(2.0), Value(5.0)
    J = (a * b).exp()
    assert microgrid.grad(J, [a, b]) == (5 * J.value, 2 * J.value)
    microgrid.grad(J, [a, b], create_graph=True)
    assert [node.delta for node in topological_order(J)] == [0.0, 0.0, 0.0, 0.0]


def test_an_input_the_root_does_not_use_gets_zero() -> None:
    a, unused = Value(2.0), Value(1.0)
    assert microgrid.grad(a * a, [a, unused]) == (4.0, 0.0)
    assert microgrid.grad(a * a, [unused], create_graph=True)[0].value == 0.0


def test_create_graph_deltas_accumulate_like_backward() -> None:
    x = Value(2.0)
    y = x * x * x
    y.backward()
    y.backward(create_graph=True)
    assert isinstance(x.delta, Value) and x.delta.value == 24.0
    # The accumulated delta is still differentiable: d(12 + 3x²)/dx = 6x.
    assert microgrid.grad(x.delta, [x]) == (12.0,)


def _values_in_memory() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is Value)


def test_first_order_backward_builds_no_nodes() -> None:
    xs = [Value(0.1 * i) for i in range(20)]
    J = microgrid.sum([(x * x).sigmoid() for x in xs]).log()
    before = _values_in_memory()
    J.backward()
    assert _values_in_memory() == before
    assert all(type(node.delta) is float for node in topological_order(J))
    J.backward(create_graph=True)  # the check above can fail: this one makes nodes
    assert _values_in_memory() > before


def test_draw_of_a_delta_is_the_derivatives_own_graph() -> None:
    x = Value(3.0, label="x")
    y = (x**3).named("y")
    y.backward(create_graph=True)
    source = microgrid.draw(x.delta).source
    assert "x²" in source and "3 · t1" in source
    # The graph itself still draws, each delta shown as its number.
    assert ">27<" in microgrid.draw(y).source
    assert repr(x) == "Value('x', value=3, delta=27)" and f"{x.delta:.1f}" == "27.0"


def test_backward_create_graph_is_all_or_nothing_and_names_the_primitive() -> None:
    @microgrid.primitive
    def cube(x: float) -> tuple[float, tuple[float]]:
        return x**3, (3 * x**2,)

    x = Value(2.0)
    J = cube(x) + x
    with pytest.raises(NotImplementedError, match=r"'cube'.*value_derivatives\(cube\)"):
        J.backward(create_graph=True)
    assert x.delta == 0.0

    @microgrid.value_derivatives(cube)
    def cube_values(node: Value, x: Value) -> tuple[Value]:
        return (3 * x**2,)

    (d,) = microgrid.grad(J, [x], create_graph=True)
    assert (d.value, microgrid.grad(d, [x])) == (13.0, (12.0,))


def test_a_rule_is_found_by_identity_not_by_name() -> None:
    @microgrid.primitive(name="sum")
    def my_sum(x: float, y: float) -> tuple[float, tuple[float, float]]:
        return x + y, (1.0, 1.0)

    assert str(my_sum) == "sum" and my_sum != "sum" and not has_value_derivatives(my_sum)
    with pytest.raises(NotImplementedError, match="'sum'"):
        microgrid.grad(my_sum(Value(1.0), Value(2.0)), [], create_graph=True)


# -- the two forms of every rule agree ------------------------------------

# Inputs for each primitive, inside its domain, including edge cases of its formula.
CASES: dict[str, list[tuple[float, ...]]] = {
    "add": [(1.5, -2.0)],
    "sub": [(1.5, -2.0)],
    "mul": [(1.5, -2.0)],
    "div": [(1.5, -2.0), (-3.0, 1e-160)],
    "power": [(1.5, -2.0), (0.0, 2.0), (-2.0, 3.0), (2.0, 0.0), (0.7, 2.5)],
    "neg": [(1.5,)],
    "exp": [(1.5,), (-30.0,)],
    "log": [(1.5,), (1e-9,)],
    "sigmoid": [(1.5,), (-40.0,), (40.0,)],
    "tanh": [(0.3,), (-5.0,)],
    "relu": [(1.5,), (-1.5,), (0.0,)],
    "sqrt": [(2.0,), (0.0,)],
    "absolute": [(1.5,), (-1.5,), (0.0,)],
    "summation": [(1.0, -2.0, 3.5), (4.0,)],
    "dot_product": [(1.0, -2.0, 0.5, 3.0)],
    "bce": [(0.3, 1.0), (0.3, 0.0), (0.3, 0.25), (1e-12, 0.5), (1.0, 1.0), (0.0, 0.0)],
    "bce_with_logits": [(1.5, 1.0), (-37.0, 0.0), (2.0, 0.3)],
    "softmax_entry": [(0.0, 1.0, -2.0, 0.5), (2.0, 1000.0, -1000.0, 0.0)],
    "cross_entropy_loss": [(1.0, 1.0, -2.0, 0.5), (0.0, 0.0, 497.0, 487.0)],
    "hinge_loss": [(0.25, -1.0), (3.0, 1.0), (0.5, 1.0)],
}
# Inputs that are constants (class indices), not parents.
CONSTANT_POSITIONS = {"softmax_entry": {0}, "cross_entropy_loss": {0}}


def _builtin_primitives() -> dict[str, primitives.Primitive]:
    found = {}
    for module in (primitives, losses):
        for name, obj in vars(module).items():
            if isinstance(obj, primitives.Primitive) and obj.module == module.__name__:
                if obj is primitives.leaf:
                    continue  # a leaf's "op": made by no op, nothing to differentiate
                found[name] = obj
    return found


def test_every_builtin_primitive_has_a_value_rule_and_a_case() -> None:
    builtins = _builtin_primitives()
    assert len(builtins) >= 20
    assert sorted(builtins) == sorted(CASES)
    assert all(has_value_derivatives(op) for op in builtins.values())


@pytest.mark.parametrize(
    ("name", "inputs"), [(name, inputs) for name, cases in CASES.items() for inputs in cases]
)
def test_value_rule_gives_the_numbers_of_the_number_rule(
    name: str, inputs: tuple[float, ...]
) -> None:
    op = _builtin_primitives()[name]
    constants = CONSTANT_POSITIONS.get(name, set())
    # Every input a parent, then (for two-input ops) each one a constant in turn.
    layouts = [constants]
    if len(inputs) == 2:
        layouts += [{0}, {1}]
    for layout in layouts:
        operands = [x if i in layout else Value(x) for i, x in enumerate(inputs)]
        if not any(isinstance(o, Value) for o in operands):
            continue
        try:
            node = record(op, operands)
        except (ValueError, ZeroDivisionError):
            continue  # e.g. a Value exponent on a base that may not take one
        as_values = local_derivative_values(node)
        numbers = node.local_derivatives
        assert len(as_values) == len(numbers)
        for mine, expected in zip(as_values, numbers, strict=True):
            got = mine.value if isinstance(mine, Value) else mine
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-300, nan_ok=True), (
                name,
                layout,
                inputs,
            )


@settings(max_examples=60, deadline=None)
@given(recipe=recipes(max_leaves=4, max_steps=8))
def test_recorded_deltas_have_the_numbers_of_backward(recipe: Recipe) -> None:
    root, _ = build(recipe, Ops())
    order = topological_order(root)
    assume(all(math.isfinite(node.value) and abs(node.value) < 1e8 for node in order))
    numbers = numeric_deltas(root)
    assume(all(math.isfinite(d) for d in numbers.values()))
    recorded = recorded_deltas(root)
    scale = 1.0 + max(abs(d) for d in numbers.values())
    for node in order:
        d = recorded[node]
        got = d.value if isinstance(d, Value) else d
        assert math.isclose(got, numbers[node], rel_tol=1e-12, abs_tol=1e-14 * scale)


# -- hessian, hvp, jacobian, jvp -------------------------------------------


def _finite_hessian(
    f: Callable[..., Value], xs: Sequence[float], h: float = 1e-4
) -> list[list[float]]:
    def J(*point: float) -> float:
        return f(*(Value(p) for p in point)).value

    n = len(xs)
    rows = []
    for i in range(n):
        row = []
        for j in range(n):

            def at(di: float, dj: float, i: int = i, j: int = j) -> float:
                p = list(xs)
                p[i] += di
                p[j] += dj
                return J(*p)

            row.append((at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h))
        rows.append(row)
    return rows


def logistic_cost(*wb: Value) -> Value:
    X = [(0.5, -1.2), (1.5, 0.2), (-2.0, 0.9), (0.1, 0.3)]
    Y = [1.0, 0.0, 1.0, 0.0]
    *w, b = wb
    losses_ = [
        microgrid.binary_cross_entropy_with_logits(microgrid.dot(w, x) + b, y)
        for x, y in zip(X, Y, strict=True)
    ]
    return microgrid.sum(losses_) / len(X)


def test_hessian_matches_finite_differences_and_is_symmetric() -> None:
    point = [0.3, -0.7, 0.1]
    H = microgrid.hessian(logistic_cost, point)
    approx = _finite_hessian(logistic_cost, point)
    for i in range(3):
        for j in range(3):
            assert H[i][j] == pytest.approx(approx[i][j], rel=1e-5, abs=1e-7)
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-12)


def test_hessian_of_a_built_graph() -> None:
    x, y = Value(3.0), Value(2.0)
    assert microgrid.hessian(x * x * y, [x, y]) == [[4.0, 6.0], [6.0, 0.0]]


def test_hvp_is_the_hessian_times_v() -> None:
    point, v = [0.3, -0.7, 0.1], [1.0, -2.0, 0.5]
    H = microgrid.hessian(logistic_cost, point)
    expected = [math.fsum(H[i][j] * v[j] for j in range(3)) for i in range(3)]
    got = microgrid.hvp(logistic_cost, point, v)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)
    with pytest.raises(ValueError, match="v has 2 entries for 3 inputs"):
        microgrid.hvp(logistic_cost, point, [1.0, 2.0])


def test_jacobian_rows_are_gradients() -> None:
    J = microgrid.jacobian(lambda x, y: [x * y, (x + y).exp(), x], [2.0, 0.5])
    e = math.exp(2.5)
    assert J == [[0.5, 2.0], [e, e], [1.0, 0.0]]


def test_jvp_is_the_directional_derivative() -> None:
    point, v = [0.3, -0.7, 0.1], [1.0, -2.0, 0.5]
    value, tangent = microgrid.jvp(logistic_cost, point, v)
    gradient = microgrid.grad(*_root_and_leaves(logistic_cost, point))
    assert value == logistic_cost(*(Value(p) for p in point)).value
    assert tangent == pytest.approx(math.fsum(g * d for g, d in zip(gradient, v, strict=True)))


def _root_and_leaves(f: Callable[..., Value], xs: Sequence[float]) -> tuple[Value, list[Value]]:
    leaves = [Value(x) for x in xs]
    return f(*leaves), leaves


def test_seed_forward_sweep() -> None:
    a, b, c = Value(5.0), Value(3.0), Value(2.0)
    u = b * c
    v = a + u
    J = 3 * v
    for leaf, expected in ((a, 3.0), (b, 6.0), (c, 9.0)):
        tangents = microgrid.higher.forward_tangents(J, {leaf: 1.0})
        assert tangents[J] == expected
    assert microgrid.higher.forward_tangents(J, {a: 1.0})[u] == 0.0


def test_an_optimizer_steps_with_the_numbers_of_recorded_deltas() -> None:
    w = Value(2.0, label="w")
    J = (w - 1) ** 2
    J.backward(create_graph=True)
    microgrid.optim.SGD([w], lr=0.25).step()
    assert type(w.value) is float and w.value == 1.5
