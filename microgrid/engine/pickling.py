"""Pickling and deep-copying a graph: explicit stacks, like every walk.

Pickling a node the default way recurses into its parents, one level per node
(a RecursionError at depth ~200). Instead the first node pickled passes its
ancestors, parents first, as a list (pickle saves a list's items in a loop);
each of them is then saved flat, with its parents already in pickle's memo.
The same works for ``copy.deepcopy`` and every protocol, and keeps shared nodes
shared. Registered with ``copyreg``, so the node's own file holds only the node.

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

from microgrid.engine.value import Value, topological_order

# Nodes whose ancestors are already on their way into the pickle being written
# (by id; a stale entry only makes one later save one level deeper).
_saved_flat: set[int] = set()


def _reduced(node: Value) -> tuple[Any, ...]:
    """How pickle and deepcopy rebuild `node`: a blank node, then its slots."""
    state = node.__getstate__()
    if id(node) in _saved_flat:
        _saved_flat.discard(id(node))
        return (_restored_node, (), state)
    ancestors = topological_order(node)[:-1]
    _saved_flat.update(id(ancestor) for ancestor in ancestors if ancestor.parents)
    return (_restored_node, (ancestors,), state)


def _restored_node(ancestors: object = None) -> Value:
    """A blank node for pickle and deepcopy to fill in (the ancestors came first)."""
    return Value(0.0)


copyreg.pickle(Value, _reduced)
