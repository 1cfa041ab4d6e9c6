"""Forward mode: carry d(node)/da from the leaf a up to J, the way the seed reasons.

(Read after the engine's core, node.py to value.py, and after recorded.py.)

The seed's chain rule runs forwards: "a changes a little, so v changes as much,
so J changes 3 times as much". That is forward-mode differentiation: each
node's *tangent* (d node / d a) is Σ ∂node/∂parent · tangent of the parent,
in topological order (parents first), from the local derivatives the forward
pass already stored:

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> v = (a + b * c).named("v")
>>> J = (3 * v).named("J")
>>> t = forward_tangents(J, {a: 1.0})
>>> t[a], t[v], t[J]
(1.0, 1.0, 3.0)

One sweep gives dJ/da for ONE input (or one direction). A backward sweep
gives dJ/dx for every input at once: for a loss of n parameters, forward mode
needs n sweeps where backprop needs one (benchmarks/forward_vs_reverse.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from microgrid.engine.evaluate import is_number
from microgrid.engine.value import Value, topological_order

__all__ = ["forward_tangents", "jvp"]

Number = float | int


def forward_tangents(
    root: Value,
    seeds: Mapping[Value, float],
    order: Sequence[Value] | None = None,
) -> dict[Value, float]:
    """Each node's tangent Σ ∂node/∂parent · tangent(parent), parents first.

    `seeds` gives the leaves' tangents (the direction); every other leaf's is 0.
    With ``{a: 1.0}`` each node's tangent is d(node)/da.
    """
    if order is None:
        order = topological_order(root)
    tangents: dict[Value, float] = {}
    for node in order:  # parents before children
        if not node.parents:
            tangents[node] = float(seeds.get(node, 0.0))
            continue
        tangent = 0.0
        for parent, local in zip(node.parents, node.local_derivatives, strict=True):
            tangent += local * tangents[parent]
        tangents[node] = tangent
    return tangents


def jvp(
    f: Callable[..., Value],
    inputs: Sequence[Number | Value],
    v: Sequence[float],
) -> tuple[float, float]:
    """f at `inputs`, and its directional derivative ∇f · v, by one forward sweep.

    Like ``torch.func.jvp(f, inputs, v)``: the value and the Jacobian-vector product.

    >>> jvp(lambda x, y: x * x * y, [3.0, 2.0], [1.0, 0.0])   # J = x²y, dJ/dx = 2xy
    (18.0, 12.0)
    """
    if not callable(f):
        raise TypeError(f"jvp() needs a function of Values, got {type(f).__name__} {f!r}")
    numbers = [x.value if isinstance(x, Value) else x for x in inputs]
    for position, x in enumerate(numbers, start=1):
        if not is_number(x):
            raise TypeError(f"jvp(): input {position} must be a number, got {x!r}")
    direction = [float(d) for d in v]
    if len(direction) != len(numbers):
        raise ValueError(f"jvp(): v has {len(direction)} entries for {len(numbers)} inputs")
    leaves = [Value(float(x), label=f"x{i}") for i, x in enumerate(numbers, start=1)]
    root = f(*leaves)
    if not isinstance(root, Value):
        raise TypeError(f"jvp(): the function must return a Value, got {type(root).__name__}")
    # Repeated leaves share a tangent; a leaf given twice would be seeded once (last wins).
    tangents = forward_tangents(root, dict(zip(leaves, direction, strict=True)))
    return root.value, tangents.get(root, 0.0)
