"""microgrid.show.explain: names, formulas, the chain rule narrated, the nudge experiment."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgrid import Value, dot, explain, nudge, nudge_table, primitive, topological_order
from microgrid import sum as msum
from microgrid.show.explain import backward_deltas
from microgrid.show.notation import format_number, formula, node_names


def seed() -> tuple[Value, Value, Value, Value, Value, Value]:
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    J = (3 * v).named("J")
    return a, b, c, u, v, J


SEED_TEXT = """\
Forward pass: each node from its parents
  a = 5
  b = 3
  c = 2
  u = b · c = 3 · 2 = 6
  v = a + u = 5 + 6 = 11
  J = 3 · v = 3 · 11 = 33
Backward pass: dJ/dnode by the chain rule, from J back to the leaves
  dJ/dJ = 1
  dJ/dv = dJ/dJ · ∂J/∂v = 1 · 3 = 3
  dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3
  dJ/dc = dJ/du · ∂u/∂c = 3 · 3 = 9
  dJ/db = dJ/du · ∂u/∂b = 3 · 2 = 6
  dJ/da = dJ/dv · ∂v/∂a = 3 · 1 = 3"""


def test_seed_explanation_exact_lines() -> None:
    *_, J = seed()
    J.backward()
    text = str(explain(J))
    assert text == SEED_TEXT
    lines = [line.strip() for line in text.splitlines()]
    assert "u = b · c = 3 · 2 = 6" in lines
    assert "dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3" in lines


def test_explain_before_backward_gives_the_same_numbers_and_changes_nothing() -> None:
    nodes = seed()
    J = nodes[-1]
    assert str(explain(J)) == SEED_TEXT
    assert all(node.delta == 0.0 for node in nodes)  # explain computed its own deltas


def test_explain_numbers_are_the_engines_deltas_after_repeated_backward() -> None:
    *_, J = seed()
    J.backward()
    J.backward()  # deltas accumulate to 2·dJ/dnode; explain narrates dJ/dnode itself
    assert str(explain(J)) == SEED_TEXT


def test_a_node_with_several_children_sums_over_paths() -> None:
    # Diamond: b = 2a, c = a + 1, J = b·c with a = 3: dJ/da = c·2 + b·1 = 4·2 + 6 = 14.
    a = Value(3.0, label="a")
    b = (2 * a).named("b")
    c = (a + 1).named("c")
    J = (b * c).named("J")
    lines = [line.strip() for line in str(explain(J)).splitlines()]
    assert "dJ/da = dJ/db · ∂b/∂a + dJ/dc · ∂c/∂a = 4 · 2 + 6 · 1 = 14" in lines
    J.backward()
    assert a.delta == 14.0  # the closed form 2(a + 1) + 2a at a = 3


def test_x_times_x_lists_both_edges() -> None:
    x = Value(3.0, label="x")
    y = (x * x).named("y")
    assert (
        explain(y).lines()[-1].strip()
        == "dy/dx = dy/dy · ∂y/∂x + dy/dy · ∂y/∂x = 1 · 3 + 1 · 3 = 6"
    )


def test_many_paths_are_shortened() -> None:
    w = Value(0.5, label="w")
    losses = [(w * float(i)).named(f"z{i}") for i in range(1, 11)]
    J = msum(losses).named("J")
    line = explain(J).lines()[-1].strip()
    assert line.startswith("dJ/dw = Σ over 10 paths: dJ/dz1 · ∂z1/∂w + dJ/dz2 · ∂z2/∂w + … +")
    assert line.endswith("= 55")  # Σ i for i = 1..10


def test_unlabelled_nodes_get_t_names_in_topological_order() -> None:
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    J = 3 * (a + b * c)
    text = str(explain(J))
    assert "  t1 = b · c = 3 · 2 = 6" in text
    assert "  t2 = a + t1 = 5 + 6 = 11" in text
    assert "  J = 3 · t2 = 3 · 11 = 33" in text  # an unlabelled root is J
    assert "  dJ/dt1 = dJ/dt2 · ∂t2/∂t1 = 3 · 1 = 3" in text


def test_automatic_names_skip_names_that_labels_use() -> None:
    x = Value(1.0, label="t1")
    y = Value(2.0, label="J")
    root = (x * y + x).exp()
    names = node_names(root)
    assert [names[n] for n in topological_order(root)] == ["t1", "J", "t2", "t3", "t4"]


def test_a_label_shared_by_several_nodes_gets_subscripts() -> None:
    w = Value(2.0, label="w")
    zs = [(w * float(x)).named("z") for x in (1, 2)]
    J = (zs[0] + zs[1]).named("J")
    names = node_names(J)
    assert [names[n] for n in topological_order(J)] == ["w", "z₁", "z₂", "J"]
    assert "  J = z₁ + z₂ = 2 + 4 = 6" in str(explain(J))
    assert all(node.label == "z" for node in zs)  # the labels themselves are untouched


@pytest.mark.parametrize(
    ("make", "expected", "with_values"),
    [
        (lambda x, y: x * 3, "x · 3", "(−2) · 3"),
        (lambda x, y: 3 * x, "3 · x", "3 · (−2)"),
        (lambda x, y: x - 1, "x − 1", "(−2) − 1"),
        (lambda x, y: x * -1.5, "x · (−1.5)", "(−2) · (−1.5)"),
        (lambda x, y: x**2, "x²", "(−2)²"),
        (lambda x, y: x**3, "x³", "(−2)³"),
        (lambda x, y: x**-1, "x⁻¹", "(−2)⁻¹"),
        (lambda x, y: y**0.5, "y**0.5", "4**0.5"),
        (lambda x, y: y**x, "y**x", "4**(−2)"),
        (lambda x, y: 2**x, "2**x", "2**(−2)"),
        (lambda x, y: -x, "−x", "−(−2)"),
        (lambda x, y: y.log(), "log(y)", "log(4)"),
        (lambda x, y: x.sigmoid(), "σ(x)", "σ(−2)"),
        (lambda x, y: abs(x), "|x|", "|−2|"),
        (lambda x, y: msum([x, y, 1]), "x + y + 1", "(−2) + 4 + 1"),
    ],
)
def test_formulas(make, expected: str, with_values: str) -> None:  # type: ignore[no-untyped-def]
    x, y = Value(-2.0, label="x"), Value(4.0, label="y")
    node = make(x, y)
    names = node_names(node)
    assert formula(node, names) == expected
    assert formula(node, names, values=True) == with_values


def test_negative_numbers_in_explain_substitutions_are_parenthesised() -> None:
    x = Value(-2.0, label="x")
    y = (x * 3).named("y")
    assert "  y = x · 3 = (−2) · 3 = −6" in str(explain(y))


def test_dot_and_sum_with_many_terms_are_shortened() -> None:
    ws = [Value(0.1 * i, label=f"w{i}") for i in range(1, 12289)]
    xs = [Value(1.0, label=f"x{i}") for i in range(1, 12289)]
    z = dot(ws, xs).named("z")
    names = node_names(z)
    assert formula(z, names) == "w1 · x1 + w2 · x2 + … + w12288 · x12288 (12288 terms)"
    small = dot(ws[:2], [3.0, 4.0])
    assert formula(small, node_names(small)) == "w1 · 3 + w2 · 4"
    s = msum(xs[:10])
    assert formula(s, node_names(s)) == "x1 + x2 + … + x10 (10 terms)"


def test_user_primitive_without_formula_is_written_as_a_call() -> None:
    @primitive
    def cube(x: float) -> tuple[float, tuple[float]]:
        return x**3, (3 * x**2,)

    x = Value(2.0, label="x")
    y = cube(x).named("y")
    assert "  y = cube(x) = cube(2) = 8" in str(explain(y))
    assert "  dy/dx = dy/dy · ∂y/∂x = 1 · 12 = 12" in str(explain(y))


def test_user_primitive_with_a_broken_formula_falls_back_to_a_call() -> None:
    @primitive(formula="{0} ⊕ {5}")
    def odd(x: float) -> tuple[float, tuple[float]]:
        return x, (1.0,)

    x = Value(2.0, label="x")
    assert formula(odd(x), {x: "x"}) == "odd(x)"


def test_format_number() -> None:
    assert format_number(33.0) == "33"
    assert format_number(-6.0) == "−6"
    assert format_number(0.73105857) == "0.7311"
    assert format_number(0.73105857, precision=8) == "0.73105857"
    assert format_number(-0.0) == "0"
    assert format_number(math.inf) == "inf"
    assert format_number(math.nan) == "nan"
    assert format_number(1e20) == "1e+20"


def test_backward_deltas_match_backward_and_finite_differences() -> None:
    x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    z = (x * y + x.exp()).tanh() * (y * y).sigmoid()
    deltas = backward_deltas(z)
    z.backward()
    for node in topological_order(z):
        assert deltas[node] == pytest.approx(node.delta, rel=1e-12, abs=1e-15)
    # Closed form: z = tanh(xy + eˣ)·σ(y²).
    s = 1 / (1 + math.exp(-(1.44)))
    t = math.tanh(0.3 * -1.2 + math.exp(0.3))
    assert deltas[x] == pytest.approx((1 - t * t) * (-1.2 + math.exp(0.3)) * s, rel=1e-12)
    assert deltas[y] == pytest.approx((1 - t * t) * 0.3 * s + t * s * (1 - s) * 2 * -1.2, rel=1e-12)


def test_repr_html_is_a_table_with_escaped_labels() -> None:
    x = Value(1.0, label="<script>alert('x')</script>")
    y = (x * 2).named("y & <b>")
    page = explain(y)._repr_html_()
    assert page.count("<table>") == 2
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "y &amp; &lt;b&gt;" in page
    assert "<td>2</td>" in page  # y's value
    assert repr(explain(y)) == str(explain(y))


def test_explain_refuses_a_non_value() -> None:
    with pytest.raises(TypeError, match="needs a Value"):
        explain(3.0)  # type: ignore[arg-type]


def test_explain_refuses_a_bad_precision_as_draw_does() -> None:
    *_, J = seed()
    for bad in (-1, 0, 18, None, 2.5, "4"):
        with pytest.raises(ValueError, match="precision must be a whole number from 1 to 17"):
            explain(J, precision=bad)  # type: ignore[arg-type]
    assert "u = b · c = 3 · 2 = 6" in str(explain(J, precision=17))


# ---------------------------------------------------------------------------
# nudge
# ---------------------------------------------------------------------------


def test_nudge_is_the_seeds_experiment() -> None:
    a, *_, J = seed()
    J.backward()
    result = nudge(J, a)
    assert result.before == 33.0
    assert result.after == pytest.approx(33.003, abs=1e-12)
    assert result.slope == pytest.approx(3.0, rel=1e-9)
    assert result.delta == 3.0 == a.delta
    assert result.leaf == "a" and result.root == "J" and result.h == 1e-3
    text = str(result)
    assert "nudge a by h = 0.001: J goes from 33 to 33.003" in text
    assert "slope (J' − J)/h = 3" in text
    assert "dJ/da by backprop    = 3" in text


def test_nudge_restores_values_and_local_derivatives() -> None:
    nodes = seed()
    J = nodes[-1]
    J.backward()
    snapshot = [(n.value, n.local_derivatives, n.delta) for n in nodes]
    nudge(J, "b", h=0.5)
    assert [(n.value, n.local_derivatives, n.delta) for n in nodes] == snapshot


def test_nudge_restores_the_graph_after_a_domain_error() -> None:
    x = Value(0.0005, label="x")
    y = x.log().named("y")
    before = (x.value, y.value, y.local_derivatives)
    with pytest.raises(ValueError, match="log"):
        nudge(y, x, h=-1e-3)
    assert (x.value, y.value, y.local_derivatives) == before


def test_nudge_starts_from_the_leaf_values_when_the_graph_is_stale() -> None:
    # A learner sets a = 5.001 by hand (no replay): J.value still says 33.
    a, *_, J = seed()
    J.backward()
    a.value = 5.001
    result = nudge(J, a)
    assert result.before == pytest.approx(33.003, abs=1e-12)
    assert result.after == pytest.approx(33.006, abs=1e-12)
    assert result.slope == pytest.approx(3.0, rel=1e-9)


def test_nudge_slope_approaches_the_derivative_of_a_nonlinear_function() -> None:
    z = Value(0.7, label="z")
    a = z.sigmoid().named("a")
    exact = a.value * (1 - a.value)
    coarse, fine = nudge(a, z, h=1e-2), nudge(a, z, h=1e-4)
    assert fine.delta == pytest.approx(exact, rel=1e-12)
    # Forward differences are O(h): the smaller nudge is closer, both are close.
    assert abs(fine.slope - exact) < abs(coarse.slope - exact) < 1e-2
    assert fine.slope == pytest.approx(exact, abs=1e-4)


def test_nudge_refuses_bad_arguments() -> None:
    a, _, _, u, _, J = seed()
    with pytest.raises(ValueError, match="not a leaf"):
        nudge(J, u)
    with pytest.raises(ValueError, match="not a node of the graph"):
        nudge(J, Value(1.0))
    with pytest.raises(ValueError, match=r"no leaf named 'q'.*leaves: a, b, c"):
        nudge(J, "q")
    with pytest.raises(ValueError, match="nonzero"):
        nudge(J, a, h=0)
    with pytest.raises(ValueError, match="finite"):
        nudge(J, a, h=math.inf)
    with pytest.raises(TypeError, match="Value or a label"):
        nudge(J, 3)  # type: ignore[arg-type]


def test_nudge_takes_a_numpy_step() -> None:
    a, *_, J = seed()
    result = nudge(J, a, h=np.float32(0.5))
    assert (result.h, result.after, result.slope) == (0.5, 34.5, 3.0)


def test_nudge_table_has_one_row_per_leaf() -> None:
    *_, J = seed()
    lines = nudge_table(J).splitlines()
    assert lines[0].split() == [
        "leaf",
        "value",
        "J",
        "before",
        "J",
        "after",
        "slope",
        "(J'",
        "−",
        "J)/h",
        "dJ/dleaf",
    ]
    rows = [line.split() for line in lines[1:]]
    assert rows == [
        ["a", "5", "33", "33.003", "3", "3"],
        ["b", "3", "33", "33.006", "6", "6"],
        ["c", "2", "33", "33.009", "9", "9"],
    ]
