"""Forward mode: explain(J, wrt=a, mode="forward") narrates the seed's reasoning."""

from __future__ import annotations

import pytest
from expression_graphs import seed_graph

from microgrid import Value, explain
from microgrid.higher import forward_tangents


def test_the_seeds_forward_reasoning() -> None:
    J, nodes = seed_graph()
    text = str(explain(J, wrt=nodes["a"], mode="forward"))
    assert text.splitlines()[-4:] == [
        "Forward mode: dnode/da by the chain rule, from a up to J",
        "  da/da = 1",
        "  dv/da = ∂v/∂a · da/da = 1 · 1 = 1",
        "  dJ/da = ∂J/∂v · dv/da = 3 · 1 = 3",
    ]


@pytest.mark.parametrize("leaf", ["a", "b", "c"])
def test_the_last_tangent_is_what_backprop_gives(leaf: str) -> None:
    J, nodes = seed_graph()
    last = explain(J, wrt=nodes[leaf], mode="forward").tangents[-1]
    J.backward()
    assert last.derivative == f"dJ/d{leaf}" and float(last.value) == nodes[leaf].delta


def test_a_node_used_twice_sums_its_edges() -> None:
    x = Value(3.0, label="x")
    rows = explain((x * x).named("y"), wrt=x, mode="forward").tangents
    assert str(rows[-1]) == "dy/dx = ∂y/∂x · dx/dx + ∂y/∂x · dx/dx = 3 · 1 + 3 · 1 = 6"


def test_forward_mode_needs_wrt_and_a_node_of_the_graph() -> None:
    J, nodes = seed_graph()
    with pytest.raises(ValueError, match="wrt"):
        explain(J, mode="forward")
    with pytest.raises(ValueError, match="wrt"):
        explain(J, wrt=nodes["a"])
    with pytest.raises(ValueError, match="mode must be"):
        explain(J, wrt=nodes["a"], mode="sideways")
    with pytest.raises(ValueError, match="not a node of the graph"):
        explain(J, wrt=Value(1.0), mode="forward")


def test_the_html_form_is_the_forward_table() -> None:
    J, nodes = seed_graph()
    html = explain(J, wrt=nodes["a"], mode="forward")._repr_html_()
    assert "Forward mode (chain rule, dnode/da)" in html and "dJ/da" in html


def test_forward_tangents_agree_with_backprop_for_every_leaf() -> None:
    xs = [Value(v) for v in (0.5, -1.0, 2.0)]
    J = ((xs[0] * xs[1]).exp() + xs[2].tanh() * xs[0]).log()
    J.backward()
    for x in xs:
        assert forward_tangents(J, {x: 1.0})[J] == pytest.approx(x.delta, rel=1e-14)
