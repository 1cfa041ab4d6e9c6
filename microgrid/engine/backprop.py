"""Backprop: the graph in topological order, and the chain rule as one loop.

Read after node.py and primitives.py; value.py comes next. `Value.backward()`
is four steps, each a function here: `nodes_in_order` lists every node under J,
each after its parents; `set_aside` notes the earlier deltas that are not 0;
`propagate` sets every delta to 0, then walks the list backwards and, for each
node, adds ``local_derivative * node.delta`` to each parent's delta; `add_back`
puts the earlier deltas back on top, so that calls accumulate.

>>> from microgrid import Value
>>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
>>> J = a * b + a
>>> order = nodes_in_order(J)
>>> [n.label or str(n.op) for n in order]
['a', 'b', '*', '+']
>>> fresh_deltas(order)        # dJ/dnode for each: dJ/da = b + 1, dJ/db = a
[6.0, 2.0, 1.0, 1.0]

`propagate` is the engine's one numeric chain rule: `backward`, `grad`, gradcheck's
analytic pass and check_backprop's diagnoses all run it (through `fresh_deltas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import filterfalse
from typing import TypeVar

from microgrid.engine.interrupts import check_interrupts
from microgrid.engine.node import Node

__all__ = [
    "add_back",
    "fresh_deltas",
    "nodes_in_order",
    "propagate",
    "put_back",
    "refuse_recorded_deltas",
    "set_aside",
]

N = TypeVar("N", bound=Node)
# What set_aside keeps: the nodes whose earlier delta is not 0, and those deltas.
Earlier = tuple[list[Node], list[float]]


def nodes_in_order(root: N) -> list[N]:
    """Every node under `root`, each after all of its parents; `root` is last.

    The walk keeps its own set of the nodes it has seen and marks nothing on them,
    so walks can run at once (threads; a picture drawn during a backward).
    """
    order: list[N] = []
    seen: set[Node] = set()
    stack: list[Node | None] = [root]  # an explicit stack, never recursion: 10^6 deep is fine
    while stack:
        node = stack.pop()
        if node is None:  # the node below has all its parents in `order`: emit it
            order.append(stack.pop())  # type: ignore[arg-type]  # (every node under an N is an N)
            continue
        before = len(seen)
        seen.add(node)  # (one set operation, where `in` and then `add` would be two)
        if len(seen) == before:  # reached before, by another of its children
            continue
        stack.append(node)
        stack.append(None)
        b, a, more = node._b, node._a, node._more  # parents pushed last-first:
        if b is not None and b not in seen:  # the first parent is emitted first
            stack.append(b)
        if a is not None and a not in seen:
            stack.append(a)
        if more is not None and more.parents:  # sum, dot: many parents, filtered at C speed
            stack.extend(filterfalse(seen.__contains__, reversed(more.parents)))
    return order


def set_aside(order: Sequence[Node]) -> Earlier:
    """The nodes whose earlier delta is not 0, and those deltas; nothing is changed."""
    nodes = [node for node in order if node._delta != 0.0]  # a fresh graph's are all 0
    return nodes, [node._delta for node in nodes]


def propagate(order: Sequence[Node], delta: float) -> None:
    """The chain rule: every delta becomes dJ/dnode, J = order[-1] getting `delta`.

    Children before parents (`order` reversed), so a node's delta is complete
    before it is passed on. (Earlier deltas are overwritten: set them aside first.)
    """
    for node in order:
        node._delta = 0.0
    order[-1]._delta = delta
    for node in reversed(order):
        node_delta = node._delta
        a = node._a
        if a is not None:
            a._delta += node._da * node_delta  # parent.delta += local_derivative * node.delta
        b = node._b
        if b is not None:
            b._delta += node._db * node_delta
        more = node._more
        if more is not None and more.parents:  # sum, dot: every parent at once
            for parent, local in zip(more.parents, more.derivatives):  # noqa: B905
                parent._delta += local * node_delta


def add_back(earlier: Earlier) -> None:
    """Add the earlier deltas back on top of this pass's: repeated calls accumulate."""
    nodes, deltas = earlier
    for node, before in zip(nodes, deltas):  # noqa: B905 - same length
        node._delta += before
    check_interrupts()  # compiled, a Ctrl-C during the pass is raised here, inside backward's try


def put_back(order: Sequence[Node], earlier: Earlier) -> None:
    """Every delta as it was before `propagate` (a pass that failed or was interrupted)."""
    for node in order:
        node._delta = 0.0
    nodes, deltas = earlier
    for node, before in zip(nodes, deltas):  # noqa: B905 - same length
        node._delta = before


def fresh_deltas(order: Sequence[Node], delta: float = 1.0) -> list[float]:
    """dJ/dnode for each node of `order` (J is the last), as one backward() from zero gives.

    Every node's own `delta` is left as it was (grad, explain, gradcheck and compile
    use this: the same `propagate`, its deltas set aside and put back).

    >>> from microgrid import Value
    >>> x = Value(3.0)
    >>> fresh_deltas(nodes_in_order(x * x))
    [6.0, 1.0]
    """
    earlier = set_aside(order)
    try:
        propagate(order, delta)
        return [node._delta for node in order]
    finally:
        put_back(order, earlier)


def refuse_recorded_deltas(order: Sequence[Node]) -> None:
    """A first-order backward() cannot add numbers to deltas that are Values: say which."""
    for node in order:
        more = node._more
        if more is not None and more.recorded is not None:
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
