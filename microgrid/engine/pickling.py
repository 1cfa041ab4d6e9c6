"""Pickling and deep-copying a graph: explicit stacks, like every walk.

Pickling a node the default way recurses into its parents, one level per node
(a RecursionError at depth ~200). Instead the first node pickled passes every
node it reaches, parents first, as a list (pickle saves a list's items in a
loop); each of them is then saved flat, with its parents already in pickle's
memo. After ``backward(create_graph=True)`` a delta is a Value too, whose graph
leads back into this one: those graphs join the list, and each such delta is
set once every node exists (a delta saved inside its node's state would nest
one graph inside the next). The same works for ``copy.deepcopy`` and every
protocol, and keeps shared nodes shared. Registered with ``copyreg``, so the
node's own file holds only the node.

>>> import pickle
>>> from microgrid import Value
>>> x = Value(2.0, label="x")
>>> y = pickle.loads(pickle.dumps(x * x))
>>> y.value, y.parents[0] is y.parents[1]
(4.0, True)
"""

from __future__ import annotations

import copyreg
from typing import Any

from microgrid.engine.value import Value

# Nodes already on their way into the pickle being written, in a list (by id; a
# stale entry only makes one later save one level deeper).
_saved_flat: set[int] = set()


def _reduced(node: Value) -> tuple[Any, ...]:
    """How pickle and deepcopy rebuild `node`: every node under it flat, then their deltas."""
    if id(node) in _saved_flat:
        _saved_flat.discard(id(node))
        return (_restored_node, (), _state(node))
    everything = _everything_under(node)
    _saved_flat.update(id(other) for other in everything)
    deltas = [(other, other.delta) for other in everything if isinstance(other.delta, Value)]
    # pickle and deepcopy meet `node` inside the list first, and keep that one.
    return (_restored_graph, (everything, deltas, node))


def _state(node: Value) -> tuple[Any, ...]:
    """The node's state; a recorded delta (a Value) is left out, as 0.0, and set after."""
    state = node.__getstate__()
    delta = node.delta
    if not isinstance(delta, Value):
        return state
    return tuple(0.0 if item is delta else item for item in state)


def _everything_under(root: Value) -> list[Value]:
    """The nodes under `root` and under every recorded delta met, parents first.

    A depth-first walk with an explicit stack: a node is listed once all its parents
    are. A recorded delta is walked once the graphs before it are listed (its graph
    may lead back to them: dJ/dx of tanh(x) uses tanh(x) itself).
    """
    listed: set[int] = set()
    order: list[Value] = []
    deltas: list[Value] = [root]
    while deltas:
        stack: list[tuple[Value, bool]] = [(deltas.pop(), False)]
        while stack:
            node, parents_listed = stack.pop()
            if parents_listed:
                order.append(node)
                if isinstance(node.delta, Value) and id(node.delta) not in listed:
                    deltas.append(node.delta)
            elif id(node) not in listed:
                listed.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if id(p) not in listed)
    return order


def _restored_graph(
    everything: list[Value], deltas: list[tuple[Value, Value]], root: Value
) -> Value:
    """`root`, once each recorded delta is set (every node is restored by now)."""
    for node, delta in deltas:
        node.delta = delta
    return root


def _restored_node(ancestors: object = None) -> Value:
    """A blank node for pickle and deepcopy to fill in (microgrid 0.1.0 pickles name it)."""
    return Value(0.0)


copyreg.pickle(Value, _reduced)
