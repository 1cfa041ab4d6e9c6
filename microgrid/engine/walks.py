"""Walking the graph: topological order, replay with new leaf values, statistics.

(Read after the core: node.py, primitives.py, backprop.py, value.py.)

Every walk uses an explicit stack, never recursion, so a graph a million
nodes deep is fine under Python's default recursion limit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

# The walk that backprop uses lives with the node; this module re-exports it.
# Imports go one way only: graph -> engine.
from microgrid.engine.evaluate import is_number
from microgrid.engine.value import (
    Value,
    recomputed,
    set_local_derivatives,
    topological_order,
)

__all__ = ["GraphStats", "graph_stats", "leaves", "replay", "topological_order"]


def leaves(root: Value) -> list[Value]:
    """The nodes under `root` with no parents (inputs and parameters), in topological order."""
    return [node for node in topological_order(root) if not node.parents]


def replay(root: Value, new_values: Mapping[Value, float]) -> float:
    """Set some leaves to new values and recompute every node under `root`.

    Values and local derivatives are recomputed through the same primitives
    that built the graph; deltas are left untouched, except that a delta
    recorded by ``backward(create_graph=True)`` (a graph built on these nodes)
    is replayed with them, so a second derivative is taken at the new values.
    Returns the new root value.

    >>> from microgrid import Value
    >>> a, b, c = Value(5.0), Value(3.0), Value(2.0)
    >>> J = 3 * (a + b * c)
    >>> replay(J, {a: 5.001})
    33.003
    """
    order = topological_order(root)
    under_root = set(order)
    for leaf, new_value in new_values.items():
        name = f"{leaf.label!r}" if getattr(leaf, "label", "") else repr(leaf)
        if leaf not in under_root:
            raise ValueError(f"replay: {name} is not a node of the graph under the root")
        if leaf.parents:
            raise ValueError(f"replay: {name} is computed by {str(leaf.op)!r}, not a leaf")
        if not is_number(new_value):  # checked before any leaf changes
            raise TypeError(
                f"replay: {name} needs a real number, got {type(new_value).__name__} {new_value!r}"
            )
    order = order + _recorded_delta_graphs(order)
    # All or nothing: every new value and local derivative is computed first,
    # and the graph is changed only when all of them succeeded.
    values: dict[Value, float] = {leaf: float(new) for leaf, new in new_values.items()}
    local_derivatives: dict[Value, tuple[float, ...]] = {}
    # Only nodes downstream of a changed leaf need recomputing.
    for node in order:
        if node.parents and any(parent in values for parent in node.parents):
            values[node], local_derivatives[node] = recomputed(node, values)
    for node, value in values.items():
        node.value = value
    for node, derivatives in local_derivatives.items():
        set_local_derivatives(node, derivatives)
    return root.value


def _recorded_delta_graphs(order: list[Value]) -> list[Value]:
    """The nodes of the deltas recorded under `order` that are not in it, parents first.

    Each recorded delta is a graph built on `order`'s nodes: after them, in its own
    topological order, the whole list is a topological order again.
    """
    extra: list[Value] = []
    seen = set(order)
    for node in order:
        delta = node.delta
        if isinstance(delta, Value):
            for part in topological_order(delta):
                if part not in seen:
                    seen.add(part)
                    extra.append(part)
    return extra


@dataclass
class GraphStats:
    """Size and shape of a graph: see `graph_stats`."""

    nodes: int
    leaves: int
    edges: int
    depth: int
    ops: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        ops = ", ".join(f"{op} ×{count}" for op, count in self.ops.most_common())
        return (
            f"{self.nodes} nodes ({self.leaves} leaves), {self.edges} edges, "
            f"depth {self.depth}; ops: {ops or 'none'}"
        )


def graph_stats(root: Value) -> GraphStats:
    """Count nodes, leaves, edges and ops; depth is the longest leaf-to-root path in edges.

    >>> from microgrid import Value
    >>> a = Value(2.0)
    >>> print(graph_stats((a * a).exp()))
    3 nodes (1 leaves), 3 edges, depth 2; ops: * ×1, exp ×1
    """
    order = topological_order(root)
    depth: dict[Value, int] = {}
    ops: Counter[str] = Counter()
    edges = 0
    for node in order:
        depth[node] = 1 + max((depth[p] for p in node.parents), default=-1)
        edges += len(node.parents)
        if node.parents:
            ops[str(node.op)] += 1
    leaf_count = sum(1 for node in order if not node.parents)
    return GraphStats(len(order), leaf_count, edges, depth[root], ops)
