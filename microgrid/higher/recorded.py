"""Backprop is a program too: record it, and differentiate the derivatives.

(Read after the engine's core, node.py to value.py; then derivative_rules.py and forward.py.)

``J.backward()`` multiplies numbers. ``J.backward(create_graph=True)`` runs the
same chain rule with Values, so every delta is itself a node of a graph (the
derivative's own graph) and can be differentiated again. `grad` does the same
without touching any ``.delta``:

>>> from microgrid import Value
>>> x = Value(3.0, label="x")
>>> y = x**3
>>> (d1,) = grad(y, [x], create_graph=True)       # 3x²
>>> (d2,) = grad(d1, [x], create_graph=True)      # 6x
>>> (d3,) = grad(d2, [x], create_graph=True)      # 6
>>> (d4,) = grad(d3, [x])                          # 0
>>> y.value, d1.value, d2.value, d3.value, d4
(27.0, 27.0, 18.0, 6.0, 0.0)

With the derivatives as Values, second derivatives are one more backward
pass each: `hessian` (every second derivative), `hvp` (the Hessian times a
vector, one extra pass, no Hessian) and `jacobian` (several outputs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal, overload

from microgrid.engine.evaluate import is_number
from microgrid.engine.nary import dot
from microgrid.engine.nary import sum as sum_node
from microgrid.engine.value import Value, fresh_deltas, recorded_backward, topological_order
from microgrid.higher.derivative_rules import local_derivative_values

__all__ = [
    "backward_recorded",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "recorded_deltas",
]

Number = float | int
Function = Callable[..., Value]


# ---------------------------------------------------------------------------
# The recorded backward pass.
# ---------------------------------------------------------------------------


def _times(local: Value | float, delta: Value | float) -> Value | float:
    """local · delta, recording a node only when it has to (×1, ×−1 and ×0 need none)."""
    if not isinstance(local, Value):
        if not isinstance(delta, Value):
            return local * delta
        if local == 1.0:
            return delta
        if local == -1.0:
            return -delta
        if local == 0.0 and math.isfinite(delta.value):
            return 0.0  # relu's flat side: nothing flows (and no node is made)
    elif not isinstance(delta, Value) and delta == 1.0:
        return local
    return local * delta


def recorded_deltas(root: Value, delta: Value | float = 1.0) -> dict[Value, Value | float]:
    """d(root)/d(node) for every node under `root`, each a Value (or a constant number).

    The chain rule of ``backward()``, in the same order, with each local derivative
    taken as a Value (derivative_rules.py); a node reached by several edges gets one
    `sum` node of its incoming terms. No ``.delta`` is changed.

    >>> from microgrid import Value
    >>> x = Value(3.0, label="x")
    >>> d = recorded_deltas(x * x)[x]
    >>> d.value, d.op
    (6.0, <op 'sum'>)
    """
    order = topological_order(root)
    incoming: dict[Value, list[Value | float]] = {root: [delta]}
    deltas: dict[Value, Value | float] = {}
    for node in reversed(order):  # children before parents, as in backward()
        terms = incoming.pop(node, [0.0])
        if len(terms) == 1:
            node_delta = terms[0]
        elif any(isinstance(term, Value) for term in terms):
            node_delta = sum_node(terms)
        else:
            node_delta = 0.0
            for term in terms:  # in backward()'s order, so the numbers match it exactly
                node_delta += term
        deltas[node] = node_delta
        if node.parents:
            for parent, local in zip(node.parents, local_derivative_values(node), strict=True):
                incoming.setdefault(parent, []).append(_times(local, node_delta))
    return deltas


def as_value(x: Value | float) -> Value:
    """A derivative as a Value: a constant number becomes a leaf."""
    return x if isinstance(x, Value) else Value(x)


def backward_recorded(root: Value, delta: Value | float = 1.0) -> None:
    """``root.backward(delta, create_graph=True)``: every ``.delta`` under `root` becomes a Value.

    Deltas accumulate as in ``backward()`` (the sum is recorded too). All or nothing:
    every derivative is computed before any delta changes.
    """
    if not isinstance(delta, Value) and not is_number(delta):
        raise TypeError(f"backward(delta=...) needs a number or a Value, got {delta!r}")
    if not isinstance(delta, Value):
        delta = float(delta)
    deltas = recorded_deltas(root, delta)
    nodes = list(deltas)
    earlier = [node.delta for node in nodes]
    new = [
        as_value(d) if type(before) is float and before == 0.0 else before + d
        for before, d in zip(earlier, deltas.values(), strict=True)
    ]
    try:  # only assignments from here: undone if interrupted (Ctrl-C)
        for node, d in zip(nodes, new, strict=True):
            node.set_delta(d)
    except BaseException:
        for node, before in zip(nodes, earlier, strict=True):
            node.set_delta(before)
        raise


# ---------------------------------------------------------------------------
# grad: the gradients, returned rather than stored.
# ---------------------------------------------------------------------------


def _checked_inputs(inputs: Value | Sequence[Value], caller: str) -> list[Value]:
    items = [inputs] if isinstance(inputs, Value) else list(inputs)
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Value):
            raise TypeError(
                f"{caller}: input {position} must be a Value, got {type(item).__name__} {item!r}"
            )
    return items


@overload
def grad(
    root: Value,
    inputs: Value | Sequence[Value],
    create_graph: Literal[False] = False,
    delta: float = 1.0,
) -> tuple[float, ...]: ...


@overload
def grad(
    root: Value,
    inputs: Value | Sequence[Value],
    create_graph: Literal[True],
    delta: float = 1.0,
) -> tuple[Value, ...]: ...


def grad(
    root: Value,
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    delta: float = 1.0,
) -> tuple[float, ...] | tuple[Value, ...]:
    """d(root)/d(input) for each input, without touching any ``.delta`` (torch.autograd.grad).

    Numbers by default; with ``create_graph=True``, Values that can be differentiated
    again. An input that `root` does not depend on gets 0.

    >>> from microgrid import Value
    >>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
    >>> grad(a * b, [a, b]), a.delta
    ((5.0, 2.0), 0.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"grad() needs a Value to differentiate, got {type(root).__name__}")
    items = _checked_inputs(inputs, "grad()")
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad(create_graph=...) must be True or False, got {create_graph!r}")
    if create_graph:
        recorded = recorded_deltas(root, float(delta))
        return tuple(as_value(recorded.get(item, 0.0)) for item in items)
    deltas = numeric_deltas(root, float(delta))
    return tuple(deltas.get(item, 0.0) for item in items)


def numeric_deltas(root: Value, delta: float = 1.0) -> dict[Value, float]:
    """What one fresh ``root.backward(delta)`` puts in each ``.delta``, in a dict instead.

    backward's own chain rule (`propagate`, through `fresh_deltas`): no second loop.
    """
    order = topological_order(root)
    return dict(zip(order, fresh_deltas(order, delta), strict=True))


# ---------------------------------------------------------------------------
# Second derivatives: hessian, hvp, jacobian.
# Each takes a function of Values and numbers to call it at (like gradcheck),
# or a built graph's root and the nodes to differentiate by.
# ---------------------------------------------------------------------------


def _graph(
    f_or_root: Function | Value, inputs: Sequence[Number | Value], caller: str
) -> tuple[Value, list[Value]]:
    """The root and the input nodes, for either form."""
    if isinstance(f_or_root, Value):
        return f_or_root, _checked_inputs(inputs, caller)  # type: ignore[arg-type]
    if not callable(f_or_root):
        raise TypeError(
            f"{caller} needs a function of Values or a built graph's root, "
            f"got {type(f_or_root).__name__} {f_or_root!r}"
        )
    leaves = []
    for position, x in enumerate(inputs, start=1):
        if isinstance(x, Value):
            leaves.append(Value(x.value, label=x.label))
        elif is_number(x):
            leaves.append(Value(float(x), label=f"x{position}"))
        else:
            raise TypeError(
                f"{caller}: input {position} must be a number, got {type(x).__name__} {x!r}"
            )
    root = f_or_root(*leaves)
    if not isinstance(root, Value):
        raise TypeError(f"{caller}: the function must return a Value, got {type(root).__name__}")
    return root, leaves


def hessian(f_or_root: Function | Value, inputs: Sequence[Number | Value]) -> list[list[float]]:
    """Every second derivative ∂²J/∂xi∂xj: one recorded backward pass, then one per input.

    >>> hessian(lambda x, y: x * x * y, [3.0, 2.0])   # J = x²y
    [[4.0, 6.0], [6.0, 0.0]]
    """
    root, xs = _graph(f_or_root, inputs, "hessian()")
    first = grad(root, xs, create_graph=True)
    return [list(grad(g, xs)) for g in first]


def hvp(
    f_or_root: Function | Value,
    inputs: Sequence[Number | Value],
    v: Sequence[float],
) -> list[float]:
    """The Hessian times a vector, H·v, without the Hessian: two backward passes.

    d/dx (∇J · v) = H·v, so one recorded backward pass gives ∇J as Values, one
    `dot` node gives ∇J · v, and one more backward pass gives H·v.

    >>> hvp(lambda x, y: x * x * y, [3.0, 2.0], [1.0, 0.0])   # the first column
    [4.0, 6.0]
    """
    root, xs = _graph(f_or_root, inputs, "hvp()")
    v = [float(entry) for entry in v]
    if len(v) != len(xs):
        raise ValueError(f"hvp(): v has {len(v)} entries for {len(xs)} inputs")
    first = grad(root, xs, create_graph=True)
    return list(grad(dot(first, v), xs))


def jacobian(
    f: Callable[..., Value | Sequence[Value]], inputs: Sequence[Number | Value]
) -> list[list[float]]:
    """∂output_i/∂x_j for a function with one or several outputs: one backward pass per output.

    >>> jacobian(lambda x, y: [x * y, x + y], [2.0, 5.0])
    [[5.0, 2.0], [1.0, 1.0]]
    """
    outputs: list[Value] = []

    def first_output(*xs: Value) -> Value:
        result = f(*xs)
        outputs.extend([result] if isinstance(result, Value) else result)
        return outputs[0]

    _, xs = _graph(first_output, inputs, "jacobian()")
    return [list(grad(output, xs)) for output in _checked_inputs(outputs, "jacobian() output")]


# backward(create_graph=True) dispatches here: a hook, so the engine imports nothing of
# this layer (value.py's first-order pass stays as it was).
recorded_backward.append(backward_recorded)
