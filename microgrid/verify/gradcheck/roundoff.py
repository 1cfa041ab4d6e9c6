"""How much round-off one evaluation of a graph carries, input by input.

Every op rounds its result: a node of size |v| is off by about ε·|v|
(ε = 2⁻⁵² ≈ 2.2e-16), and that error reaches the output multiplied by
∂J/∂node, the node's delta. So the output of ``(x + 1e8) − 1e8`` at x = 1 is
1, but it carries the round-off of the 1e8 inside it: ±1.5e-8, not ±2e-16.
A finite difference divides that by the step, so it decides how small a step
can be trusted, and whether a difference can be judged at all.

Only nodes that depend on the nudged input count: the others come out the
same at x + h and x − h, so their rounding cancels in the difference.

>>> from microgrid import Value, topological_order
>>> x = Value(1.0, label="x")
>>> J = (x + 1e8) - 1e8
>>> J.backward()
>>> size, node = roundoff_of_rows(topological_order(J), [x])[0]
>>> f"{size:.1e}", node.value
('2.2e-08', 100000001.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from microgrid.engine import Value, dot_product
from microgrid.verify.gradcheck.settings import EPSILON


def node_magnitude(node: Value) -> float:
    """The size whose last digit a node's op rounds: its value, or, for dot, its terms.

    Most ops round once, at the size of their result (``sum`` adds exactly with
    math.fsum, then rounds). ``dot`` rounds each product wᵢ·xᵢ before adding, so
    products that cancel (1e8·1 − 1·1e8) round at their own size.
    """
    size = abs(node.value)
    if node.op is dot_product:  # the op itself: a user's op named "dot" rounds once
        terms = zip(node.parents, node.local_derivatives, strict=True)
        size += sum(abs(parent.value * local) for parent, local in terms) / 2
    return size if math.isfinite(size) else 0.0


def roundoff_of_rows(
    order: list[Value], rows: list[Value], deltas: Sequence[float] | None = None
) -> list[tuple[float, Value | None]]:
    """For each row's leaf: ε·Σ |node|·|∂J/∂node| over the nodes that depend on it.

    Also the node that contributes most (to name it in a message), or None.
    `deltas`, one per node of `order`, must be a fresh backward pass from the
    output (by default, the nodes' own deltas after one).
    """
    if deltas is None:
        deltas = [node.delta for node in order]
    bits = {leaf: 1 << k for k, leaf in enumerate(rows)}
    depends: dict[Value, int] = {}
    sizes = [0.0] * len(rows)
    largest: list[tuple[float, Value | None]] = [(0.0, None)] * len(rows)
    for node, delta in zip(order, deltas, strict=True):
        if not node.parents:
            depends[node] = bits.get(node, 0)
            continue
        mask = 0
        for parent in node.parents:
            mask |= depends[parent]
        depends[node] = mask
        share = EPSILON * node_magnitude(node) * abs(delta)
        if not mask or not (share > 0 and math.isfinite(share)):
            continue
        k = 0
        while mask:
            if mask & 1:
                sizes[k] += share
                if share > largest[k][0]:
                    largest[k] = (share, node)
            mask >>= 1
            k += 1
    return [(size, node) for size, (_, node) in zip(sizes, largest, strict=True)]
