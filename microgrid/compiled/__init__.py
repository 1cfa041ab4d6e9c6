"""compile(): a recorded graph written out as straight-line Python, replayed many times.

Building a graph costs an object per op; a training loop rebuilds the same graph at
every step. `compile(J)` walks the graph once and writes its forward and backward
passes as plain Python in the seed's notation, one line per node and one line per
edge, so each later `step()` runs at about the speed of hand-written floats:

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = (3 * (a + (b * c).named("u")).named("v")).named("J")
>>> step = compile(J)
>>> print(step.source)
def step(leaves):
    a, b, c = leaves
    u = b * c
    v = a + u
    J = 3 * v
    dJ = 1.0
    dv = 3 * dJ
    da = dv
    du = dv
    db = c * du
    dc = b * du
    return J, (da, db, dc)
>>> a.value = 6.0
>>> step(), a.delta, b.delta
(36.0, 3.0, 6.0)

Only the engine's own templates become code. A label is used as a variable name
only when it is a plain ASCII identifier that clashes with nothing; otherwise the
node is called t1, t2, … (labels are data, never code).

A graph over 1000 nodes is written compactly instead (values used once written
inline, names reused as registers: `compiled/registers.py`), which compiles and
replays faster; `compile(J, readable=True)` asks for the readable code anyway.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from microgrid.compiled.readable import ReadableWriter
from microgrid.compiled.registers import RegisterWriter
from microgrid.compiled.templates import HELPERS
from microgrid.engine import Primitive, Value, fresh_deltas, topological_order
from microgrid.engine import primitives as P
from microgrid.engine.evaluate import describe, validated

__all__ = ["CompiledStep", "compile"]

# Up to this many nodes, `compile()` writes one named line per node (the code a
# learner reads); above it, the compact register code (see compiled/registers.py).
READABLE_UP_TO = 1000


def compile(  # noqa: A001
    root: Value, wrt: Iterable[Value] | None = None, *, readable: bool | None = None
) -> CompiledStep:
    """Compile the graph under `root` once; each call of the result replays it.

    `wrt` (default: every leaf) are the leaves whose gradients `step()` writes.
    `readable`: one named line per node (True), or compact code with register
    names for speed (False); by default readable up to 1000 nodes.
    See `CompiledStep` for what a call does.
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile() needs a Value, got {type(root).__name__}")
    return CompiledStep(root, wrt, readable=readable)


class CompiledStep:
    """A compiled graph: ``step()`` recomputes it from the leaves' current values.

    Each call reads every leaf's ``value``, runs the forward and backward passes,
    and only when both succeed sets ``root.value`` and each ``wrt`` leaf's
    ``delta`` to a *fresh* dJ/dleaf (overwritten, not accumulated as
    ``backward()`` does). It returns the root's value. Intermediate nodes keep the
    values they were recorded with (use `microgrid.replay` to update them).
    A domain error (log of a now-negative value) raises the op's own error naming
    the node, and leaves every value and delta as it was.
    """

    def __init__(
        self, root: Value, wrt: Iterable[Value] | None = None, *, readable: bool | None = None
    ) -> None:
        order = topological_order(root)
        self.root = root
        leaves: list[Value] = []
        for node in order:  # one pass: the leaves, and a check that each op is a primitive
            if not node.parents:
                leaves.append(node)
            elif not isinstance(node.op, Primitive):
                raise TypeError(f"compile(): node {node!r} has parents but no primitive op")
        self.leaves: tuple[Value, ...] = tuple(leaves)
        if wrt is None:
            self.wrt: tuple[Value, ...] = self.leaves
        else:
            # A leaf the root does not depend on gets gradient 0 (a parameter unused so far).
            self.wrt = tuple(wrt)
            for position, node in enumerate(self.wrt):
                if not isinstance(node, Value):
                    raise TypeError(
                        f"compile(wrt=...): item {position + 1} is {type(node).__name__}, "
                        "not a Value"
                    )
                if node.parents:
                    raise ValueError(
                        f"compile(wrt=...): item {position + 1} ({node.label or node!r}) is "
                        f"computed by {str(node.op)!r}, not a leaf"
                    )
        self._order = order
        if readable is None:
            readable = len(order) <= READABLE_UP_TO
        writer = (ReadableWriter if readable else RegisterWriter)(
            order, root, self.wrt, _checked_forward
        )
        self.source: str = writer.source()
        namespace: dict[str, Any] = {"__builtins__": {}, **HELPERS, **writer.callables}
        exec(builtins.compile(self.source, "<microgrid.compile>", "exec"), namespace)
        self._function: Callable[[list[float]], tuple[float, Sequence[float]]] = namespace["step"]
        self._read = operator.attrgetter("value")

    def __repr__(self) -> str:
        return (
            f"<compiled step: {len(self._order)} nodes, {len(self.leaves)} leaves, "
            f"gradients for {len(self.wrt)}>"
        )

    def __call__(self) -> float:
        inputs = list(map(self._read, self.leaves))
        try:
            value, gradients = self._function(inputs)
        except (ArithmeticError, ValueError):
            # Overflow to inf, or a domain error: the primitives decide, exactly
            # as the engine would, and a domain error names the node.
            value, gradients = _reference(self._order, self.root, self.wrt, inputs)
        value = float(value)
        # Everything was computed before anything is written: all or nothing.
        self.root.value = value
        # Each gradient is already a float (every template computes in floats,
        # from the root's 1.0 down; the tests check the type).
        for leaf, gradient in zip(self.wrt, gradients, strict=True):
            leaf.delta = gradient
        return value


def _checked_forward(node: Value) -> Callable[..., tuple[float, Sequence[float]]]:
    """The primitive's forward, with the checks the operators make (a validated result)."""
    op = node.op
    assert isinstance(op, Primitive)
    count = len(node.constants) if node.constants else len(node.parents)

    def forward(*inputs: float) -> tuple[float, Sequence[float]]:
        if op is P.power and len(inputs) == 2 and (not node.constants or node.constants[1] is None):
            if inputs[0] < 0:
                raise ValueError("a Value exponent needs a base >= 0")
        value, derivatives = validated(op, op.forward(*inputs), count)
        return value, derivatives

    return forward


def _reference(
    order: Sequence[Value], root: Value, wrt: Sequence[Value], inputs: Sequence[float]
) -> tuple[float, list[float]]:
    """The same step through the primitives, node by node: the engine's exact semantics.

    Used when the fast code meets an overflow or a domain error; a domain error
    is raised naming the node, before anything is written.
    """
    values: dict[Value, float] = {}
    slopes: dict[Value, tuple[float, ...]] = {}
    leaf_inputs = iter(inputs)
    for node in order:
        if not node.parents:
            values[node] = next(leaf_inputs)
            continue
        parents = iter(node.parents)
        operands = (
            [values[next(parents)] if c is None else c for c in node.constants]
            if node.constants
            else [values[p] for p in node.parents]
        )
        try:
            value, derivatives = _checked_forward(node)(*operands)
        except (ValueError, ZeroDivisionError) as error:
            shown = [
                Value(v, label=p.label) if p is not None else v
                for p, v in zip(_operand_nodes(node), operands, strict=True)
            ]
            name = f" {node.label!r}" if node.label else ""
            raise type(error)(
                f"compiled step: node{name} = {describe(node.op, shown)}: {error}"
            ) from None
        values[node] = value
        kept = zip(derivatives, node.constants, strict=True) if node.constants else None
        slopes[node] = tuple(d for d, c in kept if c is None) if kept else tuple(derivatives)
    # The chain rule, as backward() runs it: on a copy of the graph holding the new
    # values and local derivatives (the graph itself stays as it was).
    copies: dict[Value, Value] = {}
    for node in order:
        copy = copies[node] = Value(values[node])
        if node.parents:
            copied_parents = tuple(copies[parent] for parent in node.parents)
            copy.connect(copied_parents, slopes[node], node.constants)
    deltas = dict(zip(order, fresh_deltas([copies[node] for node in order]), strict=True))
    return values[root], [deltas.get(leaf, 0.0) for leaf in wrt]


def _operand_nodes(node: Value) -> list[Value | None]:
    parents = iter(node.parents)
    if not node.constants:
        return list(node.parents)
    return [next(parents) if c is None else None for c in node.constants]
