"""Walking the graph: topological order, leaves, replay, statistics."""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest
from expression_graphs import Ops, build, recipes, seed_graph
from hypothesis import assume, given

import microgrid
from microgrid import Value, graph_stats, leaves, replay, topological_order


def reachable(root: Value) -> set[Value]:
    """Every node under root, found independently of topological_order."""
    seen = {root}
    todo = [root]
    while todo:
        for parent in todo.pop().parents:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


# ---------------------------------------------------------------------------
# topological_order and leaves.
# ---------------------------------------------------------------------------


def test_seed_order_is_parents_first_in_reading_order() -> None:
    J, _ = seed_graph()
    assert [node.label for node in topological_order(J)] == ["a", "b", "c", "u", "v", "J"]
    assert [node.label for node in leaves(J)] == ["a", "b", "c"]


def test_a_leaf_alone() -> None:
    x = Value(1.0, label="x")
    assert topological_order(x) == [x]
    assert leaves(x) == [x]
    stats = graph_stats(x)
    assert (stats.nodes, stats.leaves, stats.edges, stats.depth) == (1, 1, 0, 0)


@given(recipe=recipes(max_steps=12))
def test_topological_order_properties(recipe: Any) -> None:
    root, _ = build(recipe, Ops())
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert set(order) == reachable(root)  # every node under root, nothing else
    assert order[-1] is root
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]
    assert leaves(root) == [node for node in order if not node.parents]


def test_shared_parent_appears_once() -> None:
    x = Value(2.0, label="x")
    y = x * x
    z = y + y
    assert topological_order(z) == [x, y, z]


# ---------------------------------------------------------------------------
# replay.
# ---------------------------------------------------------------------------


def test_replay_recomputes_values_and_local_derivatives_not_deltas() -> None:
    J, n = seed_graph()
    J.backward()
    deltas = {name: node.delta for name, node in n.items()}
    assert replay(J, {n["b"]: 4.0, n["c"]: -1.0}) == 3 * (5.0 + 4.0 * -1.0)
    assert (n["u"].value, n["v"].value, J.value) == (-4.0, 1.0, 3.0)
    assert n["u"].local_derivatives == (-1.0, 4.0)  # ∂u/∂b = c, ∂u/∂c = b
    assert {name: node.delta for name, node in n.items()} == deltas
    # Backprop at the new point gives the new gradient.
    J.zero_grad()
    J.backward()
    assert (n["a"].delta, n["b"].delta, n["c"].delta) == (3.0, -3.0, 12.0)


def test_replay_with_no_changes_and_with_a_subset() -> None:
    J, n = seed_graph()
    assert replay(J, {}) == 33.0
    assert replay(J, {n["a"]: 6}) == 36.0
    assert isinstance(n["a"].value, float)
    assert (n["b"].value, n["c"].value, n["u"].value) == (3.0, 2.0, 6.0)


def test_replay_keeps_constants() -> None:
    x = Value(2.0, label="x")
    y = (2**x - 1) / 3
    assert replay(y, {x: 5.0}) == (2**5 - 1) / 3
    assert y.constants == (None, 3.0)


@given(recipe=recipes())
def test_replay_matches_building_afresh(recipe: Any) -> None:
    root, old_leaves = build(recipe, Ops())
    order = topological_order(root)
    assume(all(math.isfinite(node.value) for node in order))
    shifted = type(recipe)(tuple(x / 2 + 0.25 for x in recipe.leaves), recipe.steps)
    fresh, _ = build(shifted, Ops())
    fresh_order = topological_order(fresh)
    assume(all(math.isfinite(node.value) for node in fresh_order))
    used = set(order)
    replay(
        root, {leaf: x for leaf, x in zip(old_leaves, shifted.leaves, strict=True) if leaf in used}
    )
    assert [node.value for node in order] == [node.value for node in fresh_order]
    assert [node.local_derivatives for node in order] == [
        node.local_derivatives for node in fresh_order
    ]


def test_replay_refuses_a_computed_node() -> None:
    J, n = seed_graph()
    with pytest.raises(ValueError, match="'u' is computed by '\\*', not a leaf"):
        replay(J, {n["u"]: 1.0})
    assert J.value == 33.0  # nothing changed


def test_replay_refuses_a_node_from_another_graph() -> None:
    J, _ = seed_graph()
    stranger = Value(1.0, label="stranger")
    with pytest.raises(ValueError, match="'stranger' is not a node of the graph"):
        replay(J, {stranger: 2.0})
    unnamed = Value(1.0)
    with pytest.raises(ValueError, match="not a node of the graph"):
        replay(J, {unnamed: 2.0})


def test_replay_refuses_a_non_number_naming_the_leaf_and_changes_nothing() -> None:
    J, n = seed_graph()
    for bad in ("6", None, [6.0]):
        with pytest.raises(TypeError, match=r"replay: 'b' needs a real number, got"):
            replay(J, {n["a"]: 6.0, n["b"]: bad})  # type: ignore[dict-item]
        assert (n["a"].value, n["b"].value, J.value) == (5.0, 3.0, 33.0)


def test_walks_refuse_a_non_value_root() -> None:
    for bad in (None, 3.0, "J"):
        for walk in (topological_order, leaves, graph_stats):
            with pytest.raises(TypeError, match="needs a Value"):
                walk(bad)  # type: ignore[arg-type]


def test_replay_domain_error_names_the_node() -> None:
    x = Value(1.0, label="x")
    y = x.log()
    with pytest.raises(ValueError, match="x = -1"):
        replay(y, {x: -1.0})


# ---------------------------------------------------------------------------
# graph_stats.
# ---------------------------------------------------------------------------


def test_seed_stats() -> None:
    J, _ = seed_graph()
    stats = graph_stats(J)
    assert (stats.nodes, stats.leaves, stats.edges, stats.depth) == (6, 3, 5, 3)
    assert dict(stats.ops) == {"*": 2, "+": 1}
    assert str(stats) == "6 nodes (3 leaves), 5 edges, depth 3; ops: * ×2, + ×1"


def test_stats_of_n_ary_nodes() -> None:
    ws = [Value(1.0) for _ in range(5)]
    z = microgrid.dot(ws, [1.0] * 5)
    stats = graph_stats(z.sigmoid())
    assert (stats.nodes, stats.leaves, stats.edges, stats.depth) == (7, 5, 6, 2)
    assert dict(stats.ops) == {"dot": 1, "sigmoid": 1}


# ---------------------------------------------------------------------------
# Deep graphs: every walk is iterative.
# ---------------------------------------------------------------------------


def test_walks_on_a_100k_deep_chain() -> None:
    limit = sys.getrecursionlimit()
    x = Value(0.0, label="x")
    y = x
    for _ in range(100_000):
        y = y + 1
    assert len(topological_order(y)) == 100_001
    assert leaves(y) == [x]
    assert graph_stats(y).depth == 100_000
    assert replay(y, {x: 1.0}) == 100_001.0
    y.backward()
    y.zero_grad()
    assert x.delta == 0.0
    assert sys.getrecursionlimit() == limit
