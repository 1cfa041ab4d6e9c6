"""Second derivatives and forward mode: a layer on the engine (chapter 11).

`recorded.py` runs backprop with Values, so that each derivative is a graph that
can be differentiated again: ``backward(create_graph=True)``, `grad`, `hessian`,
`hvp`, `jacobian`. `derivative_rules.py` writes each op's local derivatives with
Values for it (`value_derivatives` for your own op). `forward.py` carries
tangents from a leaf up to J: `forward_tangents`, `jvp`.

The engine imports nothing of this layer: importing it appends the recorded pass
to the engine's hook, `value.recorded_backward`, and `import microgrid` does.

>>> from microgrid import Value
>>> x = Value(2.0, label="x")
>>> (dx,) = grad(x**3, [x], create_graph=True)   # 3x² at 2
>>> dx.value, grad(dx, [x])                      # and d²/dx² = 6x at 2
(12.0, (12.0,))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microgrid.higher.derivative_rules import value_derivatives
from microgrid.higher.recorded import grad, hessian, hvp, jacobian

if TYPE_CHECKING:  # at run time, __getattr__ below
    from microgrid.higher.forward import forward_tangents, jvp


def __getattr__(name: str) -> Any:
    """forward.py's names, imported on first use (`import microgrid` stays at 20 modules)."""
    if name not in ("forward_tangents", "jvp"):
        raise AttributeError(f"module 'microgrid.higher' has no attribute {name!r}")
    from microgrid.higher import forward

    found = getattr(forward, name)
    globals()[name] = found  # once: the next look-up is an ordinary one
    return found


__all__ = [
    "forward_tangents",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "value_derivatives",
]
