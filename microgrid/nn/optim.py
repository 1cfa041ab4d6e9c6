"""Optimizers, with PyTorch's names: `SGD` and `Adam`, each with `step()` and `zero_grad()`.

``step()`` moves every parameter against its `delta` (dJ/dparameter, from
``J.backward()``); ``zero_grad()`` sets the deltas back to 0 for the next pass:

>>> from microgrid import Value, optim
>>> w = Value(3.0, label="w")
>>> opt = optim.SGD([w], lr=0.1)
>>> for _ in range(50):
...     J = (w - 1) ** 2        # smallest at w = 1
...     opt.zero_grad()
...     J.backward()
...     opt.step()
>>> round(w.value, 6)
1.000029

A step checks every delta first: a NaN or an infinite delta raises a
ValueError naming the parameter, and no parameter is changed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from microgrid.engine import Value, no_grad


def _rate(value: object, name: str, *, zero_ok: bool = False, below_one: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    number = float(value)
    low_ok = number >= 0 if zero_ok else number > 0
    if not (math.isfinite(number) and low_ok and (number < 1 or not below_one)):
        bounds = ("0 ≤ " if zero_ok else "0 < ") + name + (" < 1" if below_one else "")
        raise ValueError(f"{name} must satisfy {bounds} (a finite number), got {value!r}")
    return number


class Optimizer:
    """What SGD and Adam share: the parameter list, `zero_grad()`, the delta check."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got no parameters (pass model.parameters())")
        for position, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"parameter {position} is {type(p).__name__} {p!r}; expected a Value"
                )
        if len(set(map(id, self.params))) != len(self.params):
            raise ValueError("a parameter appears twice: it would be updated twice per step")
        self.lr = _rate(lr, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's delta to 0."""
        for p in self.params:
            p.delta = 0.0

    def _deltas(self) -> list[float]:
        # After backward(create_graph=True) a delta is a Value; a step uses its number.
        deltas = [
            d.value if isinstance(d, Value) else float(d) for d in (p.delta for p in self.params)
        ]
        if not all(map(math.isfinite, deltas)):
            position = next(i for i, d in enumerate(deltas) if not math.isfinite(d))
            p = self.params[position]
            name = repr(p.label) if p.label else f"number {position}"
            raise ValueError(
                f"parameter {name} has delta {deltas[position]}: no parameter was changed "
                "(a learning rate too large, or a loss that overflowed?)"
            )
        return deltas

    def step(self) -> None:  # pragma: no cover - each optimizer defines it
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: p := p − lr · v, where v = momentum · v + delta (v = delta at first).

    With ``momentum=0`` (the default) this is the course's update W := W − α·dW.
    The same rule as ``torch.optim.SGD(params, lr, momentum)``.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _rate(momentum, "momentum", zero_ok=True, below_one=True)
        self.velocity: list[float] | None = None

    def step(self) -> None:
        """Move every parameter one step against its delta."""
        deltas = self._deltas()
        if self.momentum:
            if self.velocity is None:
                self.velocity = deltas
            else:
                self.velocity = [
                    self.momentum * v + d for v, d in zip(self.velocity, deltas, strict=True)
                ]
            deltas = self.velocity
        lr = self.lr
        with no_grad():  # an update is not part of any graph
            for p, d in zip(self.params, deltas, strict=True):
                p.value -= lr * d

    def __repr__(self) -> str:
        return f"SGD({len(self.params)} parameters, lr={self.lr:g}, momentum={self.momentum:g})"


class Adam(Optimizer):
    """Adam: running means of the delta (m) and of its square (v), bias-corrected.

    m := β1·m + (1 − β1)·g,  v := β2·v + (1 − β2)·g²,  t := t + 1,
    p := p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps),

    which is ``torch.optim.Adam(params, lr, betas, eps)`` written out.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (β1, β2), got {betas!r}")
        self.betas = (
            _rate(betas[0], "betas[0]", zero_ok=True, below_one=True),
            _rate(betas[1], "betas[1]", zero_ok=True, below_one=True),
        )
        self.eps = _rate(eps, "eps")  # > 0: a delta of 0 would divide 0 by 0
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """One Adam step for every parameter."""
        deltas = self._deltas()
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1.0 - beta1**self.t)
        root_correction = math.sqrt(1.0 - beta2**self.t)
        with no_grad():
            for i, (p, g) in enumerate(zip(self.params, deltas, strict=True)):
                self.m[i] = beta1 * self.m[i] + (1.0 - beta1) * g
                self.v[i] = beta2 * self.v[i] + (1.0 - beta2) * g * g
                p.value -= (
                    step_size * self.m[i] / (math.sqrt(self.v[i]) / root_correction + self.eps)
                )

    def __repr__(self) -> str:
        return f"Adam({len(self.params)} parameters, lr={self.lr:g}, betas={self.betas})"
