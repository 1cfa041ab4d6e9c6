"""The engine: the node (`Value`), the primitive ops, recording and backprop.

Read it in this order (docs/architecture.md says why): `node.py` (what a node
stores), `primitives.py` (each op's value and local derivatives, side by side),
`backprop.py` (the graph in order, and the chain rule as one loop), then
`value.py` (how an operator records a node, and `backward`'s four steps). After
them, in any order: `nary.py` (one node with many parents: `sum`, `dot`),
`modes.py` (`no_grad`), `evaluate.py` (one op on numbers, its errors named),
`walks.py` (`leaves`, `replay`, `graph_stats`), `interrupts.py`, `escapes.py`
(the hook that float(v) calls: microgrid/verify/escapes.py warns), `pickling.py`.
Second derivatives and forward mode are the layer above, microgrid/higher/ (it
appends to value.py's hook `recorded_backward`).

>>> from microgrid.engine import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)
"""

# First: which.py decides whether the compiled engine or its .py source runs.
from microgrid.engine.which import ENGINE, describe_engine  # isort: skip
from microgrid.engine.escapes import GraphEscapeWarning, escapes_allowed
from microgrid.engine.modes import gc_paused, is_grad_enabled, no_grad
from microgrid.engine.nary import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    dot,
    sum,  # noqa: A004 - microgrid.sum: one n-ary node, like torch.sum
)

# Pickles written by microgrid 0.1.0 name microgrid.engine._restored_node.
from microgrid.engine.pickling import _restored_node  # noqa: F401
from microgrid.engine.primitives import (
    Primitive,
    absolute,
    add,
    bce,
    bce_with_logits,
    div,
    dot_product,
    exp,
    log,
    mul,
    neg,
    power,
    primitive,
    relu,
    sigmoid,
    sqrt,
    sub,
    summation,
    tanh,
)
from microgrid.engine.value import (
    Operand,
    Value,
    fresh_deltas,
    propagate,
    set_local_derivatives,
    topological_order,
)
from microgrid.engine.walks import GraphStats, graph_stats, leaves, replay

__all__ = [
    "ENGINE",
    "GraphEscapeWarning",
    "GraphStats",
    "Operand",
    "Primitive",
    "Value",
    "absolute",
    "add",
    "bce",
    "bce_with_logits",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "describe_engine",
    "div",
    "dot",
    "dot_product",
    "escapes_allowed",
    "exp",
    "fresh_deltas",
    "gc_paused",
    "graph_stats",
    "is_grad_enabled",
    "leaves",
    "log",
    "mul",
    "neg",
    "no_grad",
    "power",
    "primitive",
    "propagate",
    "relu",
    "replay",
    "set_local_derivatives",
    "sigmoid",
    "sqrt",
    "sub",
    "sum",
    "summation",
    "tanh",
    "topological_order",
]
