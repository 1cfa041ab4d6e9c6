"""Backprop: the graph in topological order, and the chain rule as one loop.

`Value.backward()` (value.py) is these two steps: `nodes_in_order` lists every
node under J, each after its parents; `propagate` walks that list backwards and,
for each node, adds ``local_derivative * node.delta`` to each parent's delta:

>>> from microgrid import Value
>>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
>>> J = a * b + a
>>> order = nodes_in_order(J)
>>> [n.label or str(n.op) for n in order]
['a', 'b', '*', '+']
>>> fresh_deltas(order)        # dJ/dnode for each: dJ/da = b + 1, dJ/db = a
[6.0, 2.0, 1.0, 1.0]

Compiled by mypyc with the rest of the engine's core (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from microgrid.engine.node import Node

__all__ = ["fresh_deltas", "nodes_in_order", "propagate", "refuse_recorded_deltas"]

N = TypeVar("N", bound=Node)

# Each walk marks the nodes it reaches with a new number (cheaper than a set of
# visited nodes, and no hashing): a node is visited when its `_walk` is this walk's.
last_walk: int = 0


def nodes_in_order(root: N) -> list[N]:
    """Every node under `root`, each after all of its parents; `root` is last.

    (`topological_order`, in value.py, is this with its argument checked.)

    >>> from microgrid import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> [n.label for n in nodes_in_order((a * b).named("c"))]
    ['a', 'b', 'c']
    """
    global last_walk
    last_walk += 1
    walk = last_walk
    order: list[N] = []
    # An explicit stack, never recursion: a graph 10^6 deep is fine. A None on
    # the stack means "the node below me has all its parents in `order`: emit it".
    stack: list[Node | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            done = stack.pop()
            assert done is not None
            order.append(done)  # type: ignore[arg-type]  # (every node under an N is an N)
        elif node._walk != walk:
            node._walk = walk
            stack.append(node)
            stack.append(None)
            # Parents pushed last-first, so the first parent is emitted first.
            many = node._many
            if many is not None:
                for parent in reversed(many.parents):
                    if parent._walk != walk:
                        stack.append(parent)
            else:
                b = node._b
                if b is not None and b._walk != walk:
                    stack.append(b)
                a = node._a
                if a is not None and a._walk != walk:
                    stack.append(a)
    return order


def propagate(order: Sequence[Node], delta: float) -> None:
    """The chain rule: dJ/dnode into every node's delta, from J = order[-1] down.

    `order` is a topological order (parents first) whose deltas are all 0; J's
    delta becomes `delta`. Each node passes its delta to its parents, children
    before parents, so a node's delta is complete before it is passed on.
    """
    # (`_delta` is the number that `delta` reads: node.py.)
    order[-1]._delta = delta
    for node in reversed(order):
        node_delta = node._delta
        a = node._a
        if a is not None:
            a._delta += node._da * node_delta  # parent.delta += local_derivative * node.delta
        b = node._b
        if b is not None:
            b._delta += node._db * node_delta
        many = node._many
        if many is not None:  # sum, dot: every parent at once
            for parent, local in zip(many.parents, many.derivatives):  # noqa: B905
                parent._delta += local * node_delta


def fresh_deltas(order: Sequence[Node], delta: float = 1.0) -> list[float]:
    """dJ/dnode for each node of `order` (J is the last), as one backward() from zero gives.

    Every node's own `delta` is left as it was (explain, gradcheck and compile use this).

    >>> from microgrid import Value
    >>> x = Value(3.0)
    >>> fresh_deltas(nodes_in_order(x * x))
    [6.0, 1.0]
    """
    earlier = [node._delta for node in order]
    try:
        for node in order:
            node._delta = 0.0
        propagate(order, delta)
        return [node._delta for node in order]
    finally:
        for node, before in zip(order, earlier):  # noqa: B905 - same length
            node._delta = before


def refuse_recorded_deltas(order: Sequence[Node]) -> None:
    """A first-order backward() cannot add numbers to deltas that are Values: say which."""
    for node in order:
        if node._recorded is not None:
            name = f"node {node.label!r}" if node.label else repr(node)
            root = order[-1].label  # its zero_grad() clears every node under it
            clear = (
                f"{root}.zero_grad()" if root else "zero_grad() on the node backward() starts from"
            )
            raise TypeError(
                f"backward(): {name} has a delta recorded by backward(create_graph=True), "
                f"a Value; call {clear} first (an optimizer's zero_grad() clears "
                "only its parameters), or backward(create_graph=True) again "
                "(nothing was changed)"
            )
