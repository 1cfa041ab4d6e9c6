"""microgrid.compile: the generated replay agrees with rebuilt graphs, and is safe."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pytest
from expression_graphs import Ops, Recipe, build, recipes, seed_graph
from hypothesis import HealthCheck, given, settings

import microgrid
from microgrid import Value, logistic, primitive, topological_order
from microgrid.engine import primitives


def rebuilt_gradients(recipe: Recipe, leaf_values: list[float]) -> tuple[float, list[float]]:
    root, leaves = build(Recipe(tuple(leaf_values), recipe.steps), Ops())
    root.backward()
    return root.value, [leaf.delta for leaf in leaves]


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) or a == b


@pytest.mark.parametrize("readable", [True, False])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(max_leaves=4, max_steps=10), shift=recipes(max_leaves=4, max_steps=1))
def test_compiled_step_equals_the_rebuilt_graph_on_random_graphs(
    readable: bool, recipe: Recipe, shift: Recipe
) -> None:
    root, leaves = build(recipe, Ops())
    step = microgrid.compile(root, wrt=leaves, readable=readable)
    assert close(step(), rebuilt_gradients(recipe, list(recipe.leaves))[0])
    # New leaf values: the step replays; a rebuilt graph at those values is the reference.
    new_values = [x + s for x, s in zip(recipe.leaves, shift.leaves * 4, strict=False)]
    replay_matches(step, root, leaves, new_values, lambda: rebuilt_gradients(recipe, new_values))


def replay_matches(
    step: microgrid.CompiledStep,
    root: Value,
    leaves: list[Value],
    new_values: list[float],
    reference: Any,
) -> None:
    """Set the leaves, replay, and compare with `reference()` (or its domain error)."""
    for leaf, value in zip(leaves, new_values, strict=True):
        leaf.value = value
    try:
        expected_value, expected_gradients = reference()
    except (ValueError, ZeroDivisionError):
        with pytest.raises((ValueError, ZeroDivisionError)):
            step()
        return
    assert close(step(), expected_value), step.source
    assert close(root.value, expected_value)
    for leaf, expected in zip(leaves, expected_gradients, strict=True):
        assert close(leaf.delta, expected), (leaf.label, leaf.delta, expected, step.source)
        assert type(leaf.delta) is float, step.source


def test_the_seed_graph_compiles_to_the_seeds_own_lines() -> None:
    J, nodes = seed_graph()
    step = microgrid.compile(J)
    lines = [line.strip() for line in step.source.splitlines()]
    assert lines[2:] == [
        "u = b * c",
        "v = a + u",
        "J = 3 * v",
        "dJ = 1.0",
        "dv = 3 * dJ",
        "da = dv",
        "du = dv",
        "db = c * du",
        "dc = b * du",
        "return J, (da, db, dc)",
    ]
    assert step() == 33.0
    assert [nodes[k].delta for k in "abc"] == [3.0, 6.0, 9.0]


def test_the_single_example_logistic_graph_shows_dz_equals_a_minus_y() -> None:
    L = logistic.single_example([1.0, 2.0], 1, [0.5, -0.25], 0.1)
    step = microgrid.compile(L)
    assert "    dz = a - y" in step.source.splitlines()
    nodes = {node.label: node for node in topological_order(L)}
    compiled = step()
    got = [nodes[k].delta for k in ("w1", "w2", "b")]
    L.zero_grad()
    L.backward()
    assert compiled == L.value
    for k, delta in zip(("w1", "w2", "b"), got, strict=True):
        assert delta == pytest.approx(nodes[k].delta, rel=1e-14)


def test_gradients_are_fresh_not_accumulated_and_only_for_wrt() -> None:
    J, nodes = seed_graph()
    step = microgrid.compile(J, wrt=[nodes["a"], nodes["c"]])
    step()
    step()
    assert (nodes["a"].delta, nodes["c"].delta, nodes["b"].delta) == (3.0, 9.0, 0.0)
    with pytest.raises(ValueError, match=r"\('u'\) is computed by '\*', not a leaf"):
        microgrid.compile(J, wrt=[nodes["u"]])
    unused = Value(1.0, label="unused")
    unused.delta = 5.0
    microgrid.compile(J, wrt=[unused])()
    assert unused.delta == 0.0


def test_a_label_is_never_pasted_into_the_source() -> None:
    x = Value(2.0, label="x); import os; (")
    evil = Value(3.0, label="__import__('os').system('echo hi')")
    unicode = Value(1.0, label="ｘ")  # NFKC-equal to x: must not become a name
    keyword = Value(1.0, label="lambda")
    J = (x * evil + unicode * keyword).named("os.system")
    step = microgrid.compile(J)
    assert "import" not in step.source and "os" not in step.source
    assert "ｘ" not in step.source and "lambda" not in step.source
    assert step() == 7.0
    assert (x.delta, evil.delta, unicode.delta, keyword.delta) == (3.0, 2.0, 1.0, 1.0)


def test_labels_that_collide_with_helpers_or_deltas_get_fresh_names() -> None:
    du, u, exp = Value(1.0, label="du"), Value(2.0, label="u"), Value(0.5, label="exp")
    J = (du * u + exp.exp()).named("step")
    step = microgrid.compile(J)
    assert step() == pytest.approx(2 + math.exp(0.5), rel=1e-15)
    assert (du.delta, u.delta, exp.delta) == (2.0, 1.0, pytest.approx(math.exp(0.5)))


@pytest.mark.parametrize("readable", [True, False])
def test_a_domain_error_names_the_node_and_changes_nothing(readable: bool) -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    a = (x * y).named("a")
    b = (x - 1).log().named("b")
    J = (a * b).named("J")
    step = microgrid.compile(J, readable=readable)
    step()
    before = [(n.value, n.delta, n.local_derivatives) for n in topological_order(J)]
    x.value = 0.5
    with pytest.raises(ValueError, match=r"node 'b' = log\(-0.5\): log is defined only"):
        step()
    x.value = 2.0
    assert [(n.value, n.delta, n.local_derivatives) for n in topological_order(J)] == before


@pytest.mark.parametrize("readable", [True, False])
def test_overflow_gives_inf_as_the_engine_does(readable: bool) -> None:
    x = Value(1.0, label="x")
    J = (x.exp() * 2 + (x * 1e300) ** 2).named("J")
    step = microgrid.compile(J, readable=readable)
    x.value = 1000.0
    assert step() == math.inf
    assert x.delta == math.inf


@pytest.mark.parametrize("readable", [True, False])
def test_user_primitives_are_called_through_their_forward(readable: bool) -> None:
    calls = []

    @primitive
    def cube(v: float) -> tuple[float, tuple[float]]:
        calls.append(v)
        return v**3, (3 * v**2,)

    x = Value(2.0, label="x")
    J = cube(x) * 2
    step = microgrid.compile(J, readable=readable)
    x.value = 3.0
    assert step() == 54.0 and x.delta == 54.0
    assert calls == [2.0, 3.0]


@pytest.mark.parametrize("bad", [None, "1.0", 1j, np.array([1.0, 2.0])])
def test_a_user_primitive_returning_a_non_number_is_a_type_error_naming_it(bad: Any) -> None:
    @primitive
    def shaky(v: float) -> tuple[Any, tuple[Any]]:
        return (v, (bad,)) if v > 2 else (v, (1.0,))

    x = Value(1.0, label="x")
    step = microgrid.compile(shaky(x) * 1)
    x.value = 5.0
    with pytest.raises(TypeError, match="primitive 'shaky' returned"):
        step()
    assert x.delta == 0.0


def test_a_value_exponent_with_a_negative_base_is_refused_on_replay() -> None:
    x, k = Value(2.0, label="x"), Value(2.0, label="k")
    step = microgrid.compile((x**k).named("J"))
    x.value = -2.0
    with pytest.raises(ValueError, match="base >= 0"):
        step()


def test_a_chain_100000_deep_compiles_and_replays() -> None:
    x = Value(0.5, label="x")
    node = x
    for _ in range(100_000):
        node = node * 1.0
    step = microgrid.compile(node)
    x.value = 0.25
    assert sys.getrecursionlimit() <= 10_000
    assert step() == 0.25
    assert x.delta == 1.0


@pytest.mark.parametrize("readable", [True, False])
def test_n_ary_sum_and_dot_and_shared_nodes(readable: bool) -> None:
    w = [Value(float(i), label=f"w{i}") for i in range(3)]
    xs = [1.5, -2.0, 0.25]
    z = microgrid.dot(w, xs)
    J = microgrid.sum([z * z, w[0] * w[0], 3.0, microgrid.dot(w, w)])
    step = microgrid.compile(J, readable=readable)
    compiled = (step(), [v.delta for v in w])
    J.zero_grad()
    J.backward()
    assert compiled == (J.value, [v.delta for v in w])


# -- the compact code for big graphs (compiled/registers.py) ---------------------


def build_to_last(recipe: Recipe) -> tuple[Value, list[Value]]:
    """The recipe's graph with its last node as the root: most nodes then have one child,
    so the compact writer writes them inline."""
    root, leaves = build(recipe, Ops())
    last = root.parents[-1] if root.parents else root
    return last, leaves


def rebuilt_to_last(recipe: Recipe, leaf_values: list[float]) -> tuple[float, list[float]]:
    root, leaves = build_to_last(Recipe(tuple(leaf_values), recipe.steps))
    root.backward()
    return root.value, [leaf.delta for leaf in leaves]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(max_leaves=3, max_steps=16), shift=recipes(max_leaves=3, max_steps=1))
def test_the_compact_code_equals_the_rebuilt_graph_when_values_are_written_inline(
    recipe: Recipe, shift: Recipe
) -> None:
    root, leaves = build_to_last(recipe)
    step = microgrid.compile(root, wrt=leaves, readable=False)
    new_values = [x + s for x, s in zip(recipe.leaves, shift.leaves * 3, strict=False)]
    replay_matches(step, root, leaves, new_values, lambda: rebuilt_to_last(recipe, new_values))


def chain(depth: int) -> tuple[Value, Value]:
    """benchmarks/engine.py's (d): y = 0.999·y + 0.001, depth times, then y + x."""
    y = x = Value(0.5, label="x")
    for _ in range(depth // 2):
        y = y * 0.999 + 0.001
    return y + x, x


def test_a_big_graph_gets_compact_code_with_a_handful_of_names() -> None:
    J, x = chain(4000)
    step = microgrid.compile(J)  # 4,002 nodes: over READABLE_UP_TO, so compact
    lines = step.source.splitlines()
    assert len(lines) < 4000 / 4  # values used once are written inline
    assert step.source.count("(") < 4000  # brackets only where Python would group otherwise
    assert step._function.__code__.co_nlocals <= 4  # registers reused: `leaves` and a few
    x.value = 0.25
    y = 0.25
    for _ in range(2000):
        y = y * 0.999 + 0.001
    assert step() == y + 0.25  # the same operations in the same order: equal, not close
    assert x.delta == pytest.approx(1 + 0.999**2000, rel=1e-12)


def test_readable_can_be_chosen_either_way() -> None:
    J, _ = seed_graph()
    assert "u = b * c" in microgrid.compile(J).source
    compact = microgrid.compile(J, readable=False)
    assert "r0" in compact.source and "u = " not in compact.source
    assert compact() == 33.0
    big, _ = chain(2000)
    assert "d" not in microgrid.compile(big, readable=True).source.split("\n")[1]
    assert len(microgrid.compile(big, readable=True).source.splitlines()) > 2000


@pytest.mark.parametrize("readable", [True, False])
def test_a_user_primitive_named_like_a_built_in_op_is_called_through_its_forward(
    readable: bool,
) -> None:
    @primitive(name="exp")
    def not_exp(v: float) -> tuple[float, tuple[float]]:
        return 2 * v, (2.0,)

    x = Value(1.5, label="x")
    step = microgrid.compile(not_exp(x) * 1, readable=readable)
    assert step() == 3.0 and x.delta == 2.0


@pytest.mark.parametrize("readable", [True, False])
@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324, 2.0])
def test_the_relu_template_is_the_primitive_at_special_numbers(readable: bool, x: float) -> None:
    leaf = Value(1.0, label="x")
    J = leaf.relu() * 3
    step = microgrid.compile(J, readable=readable)
    leaf.value = x
    value, (slope,) = primitives.relu.forward(x)
    assert close(step(), value * 3) and math.copysign(1, J.value) == math.copysign(1, value * 3)
    assert close(leaf.delta, slope * 3)


@pytest.mark.parametrize("readable", [True, False])
def test_a_negative_zero_constant_keeps_its_sign(readable: bool) -> None:
    x = Value(2.0, label="x")
    J = x * -0.0
    assert math.copysign(1, J.value) == -1
    step = microgrid.compile(J, readable=readable)
    assert math.copysign(1, step()) == -1


@pytest.mark.parametrize("readable", [True, False])
def test_a_nodes_delta_adds_its_childrens_terms_in_backwards_order(readable: bool) -> None:
    # x's three terms are -1e16, 1e16 and 1 in backward()'s order: 1.0 exactly.
    # Added the other way round, 1 + 1e16 rounds to 1e16 and the sum is 0.
    x = Value(1.0, label="x")
    J = (x * 1.0 + x * 1e16) + x * -1e16
    step = microgrid.compile(J, readable=readable)
    step()
    compiled = x.delta
    J.zero_grad()
    J.backward()
    assert x.delta == 1.0 and (1.0 + 1e16) - 1e16 == 0.0
    assert compiled == x.delta


def test_a_node_with_thousands_of_children_and_a_wide_dot_compile() -> None:
    # x's delta has 3,000 terms: one expression that long is too deep for Python's
    # compiler, so the compact code sums it over several lines.
    x = Value(0.5, label="x")
    ws = [Value(0.001 * i, label=f"w{i}") for i in range(3000)]
    J = microgrid.sum([x * float(i % 7) for i in range(3000)]) + microgrid.dot(
        ws, [x * float(i % 5) + 1.0 for i in range(3000)]
    )
    step = microgrid.compile(J)
    assert "r0" in step.source  # the compact code
    x.value = 0.75
    compiled = (step(), x.delta, ws[7].delta)
    microgrid.replay(J, {x: 0.75})
    J.zero_grad()
    J.backward()
    assert compiled == (J.value, x.delta, ws[7].delta)


@pytest.mark.parametrize("readable", [True, False])
@pytest.mark.parametrize("x, y", [(1e-170, 1e-160), (1e300, 1e160), (3.0, 7.0)])
def test_division_replays_as_backward_computes_it(readable: bool, x: float, y: float) -> None:
    # The template writes the primitive's −(x/y)/y, so tiny and huge divisors agree too.
    a, b = Value(x, label="x"), Value(y, label="y")
    J = (a / b) * 2.0 + a / (b + 1.0)
    J.backward()
    expected = (J.value, a.delta, b.delta)
    step = microgrid.compile(J, readable=readable)
    assert (step(), a.delta, b.delta) == expected


def test_a_label_that_formats_itself_never_reaches_the_code() -> None:
    class Loud(str):
        def __format__(self, spec: str) -> str:
            return "__import__('os').getcwd() or w"

    w = Value(2.0, label="w")
    w.label = Loud("w")  # even set directly, bypassing Value's checks
    J = (w * Value(1.0, label="b")).named("J")
    source = microgrid.compile(J).source
    assert "import" not in source and "os" not in source
    assert J.value == microgrid.compile(J)()
