"""`check_update`: a learner's optimizer step (course 2, week 2) against microgrid's optim.

The course's optimization assignment has the learner write the update steps:
``update_parameters_with_gd(parameters, grads, learning_rate)``,
``update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)`` and
``update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2,
epsilon)``. A slip there is a wrong step, not a wrong gradient, so `check_backprop`
cannot see it. `check_update` calls the learner's function for a few steps on seeded
random gradients (or theirs), feeding back the state it returns, as the course's
model does; microgrid's own ``optim.SGD`` and ``optim.Adam`` take the same steps on
Values, and the parameters are compared after every step. When they differ, the
slips learners make (Adam without bias correction, momentum's β on the gradient
instead of the velocity, ...) are replayed, and the one that gives the learner's
numbers exactly is named.

The course's momentum, v = β·v + (1 − β)·dW and W −= α·v, is microgrid's (and
PyTorch's) ``SGD(lr=α·(1 − β), momentum=β)``: their velocity is v / (1 − β).
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microgrid.engine import Value
from microgrid.nn.optim import SGD, Adam, Optimizer
from microgrid.verify.learner_backprop.learner import LearnerError, run_learner_code
from microgrid.verify.learner_backprop.parameters import (
    Parameter,
    check_count,
    match_gradients,
    read_parameters,
)

Floats = NDArray[np.float64]
Arrays = dict[str, Floats]

OPTIMIZERS = ("gd", "momentum", "adam")
_MATCH = 1e-9  # a replayed slip must give the learner's steps to this (relative to the step)


@dataclass(frozen=True)
class Settings:
    """The hyperparameters, with the course's names."""

    learning_rate: float
    beta: float
    beta1: float
    beta2: float
    epsilon: float


# ---------------------------------------------------------------------------
# The course's update rules, right and with each slip, in NumPy.
# ---------------------------------------------------------------------------

# rule(W, dW, state, t, settings) -> new W; `state` (v, s) is updated in place
Rule = Callable[[Floats, Floats, dict[str, Floats], int, Settings], Floats]


def _gd(W: Floats, dW: Floats, state: dict[str, Floats], t: int, h: Settings) -> Floats:
    return W - h.learning_rate * dW


def _momentum(gradient_weight: str, use: str) -> Rule:
    def rule(W: Floats, dW: Floats, state: dict[str, Floats], t: int, h: Settings) -> Floats:
        v = state["v"]
        if gradient_weight == "right":
            v = h.beta * v + (1 - h.beta) * dW
        elif gradient_weight == "swapped":  # β on the gradient, 1 − β on the velocity
            v = (1 - h.beta) * v + h.beta * dW
        else:  # "none": v = β·v + dW
            v = h.beta * v + dW
        state["v"] = v
        return W - h.learning_rate * (v if use == "v" else dW)

    return rule


def _adam(correct_v: bool, correct_s: bool, epsilon_inside: bool = False) -> Rule:
    def rule(W: Floats, dW: Floats, state: dict[str, Floats], t: int, h: Settings) -> Floats:
        v = state["v"] = h.beta1 * state["v"] + (1 - h.beta1) * dW
        s = state["s"] = h.beta2 * state["s"] + (1 - h.beta2) * np.power(dW, 2)
        v_corrected = v / (1 - h.beta1**t) if correct_v else v
        s_corrected = s / (1 - h.beta2**t) if correct_s else s
        if epsilon_inside:
            return W - h.learning_rate * v_corrected / np.sqrt(s_corrected + h.epsilon)
        return W - h.learning_rate * v_corrected / (np.sqrt(s_corrected) + h.epsilon)

    return rule


@dataclass(frozen=True)
class _Slip:
    rule: Rule
    says: str  # what the learner wrote, and what belongs there


_SLIPS: dict[str, tuple[_Slip, ...]] = {
    "gd": (
        _Slip(
            lambda W, dW, state, t, h: W + h.learning_rate * dW,
            "W + learning_rate·dW: the step goes up the cost; W = W - learning_rate * dW",
        ),
        _Slip(
            lambda W, dW, state, t, h: W - dW,
            "W − dW: the learning rate is left out; W = W - learning_rate * dW",
        ),
    ),
    "momentum": (
        _Slip(
            _momentum("swapped", "v"),
            "momentum's β applied to the gradient instead of the velocity: you wrote "
            "v = β·dW + (1 − β)·v; the velocity keeps β of itself, "
            "v = beta * v + (1 - beta) * dW",
        ),
        _Slip(
            _momentum("none", "v"),
            "v = β·v + dW, without (1 − β) on the gradient (PyTorch's form, whose steps are "
            "1/(1 − β) times bigger at the same learning rate); the course's velocity is "
            "v = beta * v + (1 - beta) * dW",
        ),
        _Slip(
            _momentum("right", "dW"),
            "the velocity is computed but the step uses the gradient: W = W - learning_rate * "
            "v, not learning_rate * dW",
        ),
    ),
    "adam": (
        _Slip(
            _adam(correct_v=False, correct_s=False),
            "Adam without bias correction: the step uses v and s themselves; "
            "v_corrected = v / (1 - beta1**t) and s_corrected = s / (1 - beta2**t) belong "
            "in W - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)",
        ),
        _Slip(
            _adam(correct_v=False, correct_s=True),
            "Adam without bias correction of v: the step uses v where v_corrected = "
            "v / (1 - beta1**t) belongs",
        ),
        _Slip(
            _adam(correct_v=True, correct_s=False),
            "Adam without bias correction of s: the step uses s where s_corrected = "
            "s / (1 - beta2**t) belongs",
        ),
        _Slip(
            _adam(correct_v=True, correct_s=True, epsilon_inside=True),
            "epsilon inside the square root: the course's step divides by "
            "np.sqrt(s_corrected) + epsilon, which differs where s is small",
        ),
    ),
}


def _replay(
    rule: Rule, start: Arrays, gradients: Sequence[Arrays], settings: Settings
) -> list[Arrays]:
    """The parameters after each step of `rule`, from `start`."""
    W = {name: values.copy() for name, values in start.items()}
    state = {name: {"v": np.zeros_like(v), "s": np.zeros_like(v)} for name, v in start.items()}
    out = []
    for t, grads in enumerate(gradients, start=1):
        W = {name: rule(W[name], grads[name], state[name], t, settings) for name in W}
        out.append({name: values.copy() for name, values in W.items()})
    return out


def _optim_steps(
    optimizer: str, start: Arrays, gradients: Sequence[Arrays], settings: Settings
) -> list[Arrays]:
    """The same steps by microgrid's optim on Values: the truth."""
    leaves = {
        name: [Value(x, label=name) for x in values.reshape(-1).tolist()]
        for name, values in start.items()
    }
    flat = [leaf for entries in leaves.values() for leaf in entries]
    opt: Optimizer
    if optimizer == "adam":
        opt = Adam(
            flat,
            lr=settings.learning_rate,
            betas=(settings.beta1, settings.beta2),
            eps=settings.epsilon,
        )
    elif optimizer == "momentum":
        opt = SGD(flat, lr=settings.learning_rate * (1 - settings.beta), momentum=settings.beta)
    else:
        opt = SGD(flat, lr=settings.learning_rate)
    out = []
    for grads in gradients:
        for name, entries in leaves.items():
            for leaf, g in zip(entries, grads[name].reshape(-1).tolist(), strict=True):
                leaf.delta = g
        opt.step()
        out.append(
            {
                name: np.array([leaf.value for leaf in entries]).reshape(start[name].shape)
                for name, entries in leaves.items()
            }
        )
    return out


# ---------------------------------------------------------------------------
# The report.
# ---------------------------------------------------------------------------


@dataclass
class ParameterSteps:
    """One parameter over the steps: the learner's values against microgrid's optim."""

    name: str
    shape: tuple[int, ...]
    yours: list[Floats]  # after each step
    true: list[Floats]
    errors: list[float]  # per step: max |yours − true| / the largest move of the true step
    rtol: float

    @property
    def first_wrong(self) -> int | None:
        """The first step (1, 2, ...) after which the parameter is wrong; None if never."""
        return next((t for t, e in enumerate(self.errors, start=1) if not e <= self.rtol), None)

    @property
    def ok(self) -> bool:
        return self.first_wrong is None


@dataclass
class UpdateReport:
    """What `check_update` returns: ``ok``, one `ParameterSteps` per parameter, the diagnosis."""

    optimizer: str
    steps: int
    settings: Settings
    parameters: list[ParameterSteps] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    error: LearnerError | None = None
    problem: str = ""  # what the learner's function returned, when it is not usable

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and not self.problem
            and bool(self.parameters)
            and all(p.ok for p in self.parameters)
        )

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, name: str) -> ParameterSteps:
        for parameter in self.parameters:
            if name == parameter.name:
                return parameter
        raise KeyError(f"no parameter {name!r}; have {[p.name for p in self.parameters]}")

    @property
    def wrong(self) -> list[ParameterSteps]:
        return [p for p in self.parameters if not p.ok]

    def headline(self) -> str:
        what = f"check_update ({self.optimizer}, {self.steps} steps)"
        if self.error is not None or self.problem:
            return f"{what}: your update did not run as the course's does"
        if self.ok:
            return f"{what}: every parameter is right after every step"
        names = ", ".join(p.name for p in self.wrong)
        first = min(p.first_wrong or self.steps for p in self.wrong)
        return (
            f"{what}: {len(self.wrong)} of {len(self.parameters)} parameters are wrong "
            f"({names}), from step {first}"
        )

    def __str__(self) -> str:
        lines = [self.headline()]
        if self.error is not None:
            return "\n".join(lines + self.error.lines())
        if self.problem:
            return "\n".join([*lines, self.problem])
        reference = {
            "gd": "optim.SGD(lr=learning_rate)",
            "momentum": "optim.SGD(lr=learning_rate·(1 − beta), momentum=beta)",
            "adam": "optim.Adam(lr=learning_rate, betas=(beta1, beta2), eps=epsilon)",
        }[self.optimizer]
        lines.append(f"compared with microgrid's {reference} on the same gradients")
        lines.append("")
        rows = [
            [
                p.name,
                "(" + ", ".join(map(str, p.shape)) + ")",
                "-" if p.first_wrong is None else str(p.first_wrong),
                f"{max(p.errors):.2e}",
                "ok" if p.ok else "WRONG",
            ]
            for p in self.parameters
        ]
        header = ["parameter", "shape", "first wrong step", "max error", "status"]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        for row in [header, *rows]:
            cells = [
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        lines.append(
            "(max error: the largest |yours − true| over the steps, per unit of the true step)"
        )
        if self.diagnosis:
            lines.append("")
            lines.extend(self.diagnosis)
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# The check.
# ---------------------------------------------------------------------------


def _rate(value: object, name: str, low: float, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and low < number and (high is None or number < high)):
        bounds = f"{low:g} < {name}" + (f" < {high:g}" if high is not None else "")
        raise ValueError(f"{name} must satisfy {bounds}, got {value!r}")
    return number


def _read_gradients(
    grads: object, parameters: list[Parameter], steps: int, seed: int
) -> list[Arrays]:
    if grads is None:
        rng = np.random.default_rng(seed)
        return [{p.name: rng.standard_normal(p.shape) for p in parameters} for _ in range(steps)]
    given = [grads] if isinstance(grads, Mapping) else grads
    if not isinstance(given, Sequence) or not given:
        raise TypeError(
            "grads must be a dict {'dW1': dW1, ...} or a list of them, "
            f"got {type(grads).__name__}"
        )
    read = []
    for position, one in enumerate(given):
        matched, _ = match_gradients(parameters, one)
        arrays = {}
        for p in parameters:
            theirs = matched[p.name]
            if theirs.values is None or theirs.values.shape != p.shape:
                got = "missing" if theirs.values is None else f"shape {theirs.values.shape}"
                raise ValueError(f"grads[{position}]['d{p.name}'] is {got}; {p.name} is {p.shape}")
            arrays[p.name] = theirs.values
        read.append(arrays)
    if len(read) == 1:
        read = read * steps
    return read


def check_update(
    update: Callable[..., Any],
    parameters: Mapping[str, Any],
    optimizer: str = "adam",
    *,
    learning_rate: float = 0.01,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    steps: int = 3,
    grads: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    seed: int = 0,
    rtol: float = 1e-7,
) -> UpdateReport:
    """Run a learner's update step beside microgrid's optimizer and name the slip, if any.

    `update` is called as the course's function is: ``update(parameters, grads,
    learning_rate)`` for ``"gd"``, ``update(parameters, grads, v, beta, learning_rate)``
    returning ``(parameters, v)`` for ``"momentum"``, ``update(parameters, grads, v, s, t,
    learning_rate, beta1, beta2, epsilon)`` returning ``(parameters, v, s, ...)`` for
    ``"adam"`` (t = 1, 2, ...; v and s start as zeros, keyed ``dW1``, ``db1``, ...). The
    gradients are seeded random normals, or `grads` (one dict for every step, or one per
    step). Your arrays are copied before each call: your dicts are left as they were.

    >>> import numpy as np
    >>> def update_parameters_with_gd(parameters, grads, learning_rate):
    ...     return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}
    >>> check_update(update_parameters_with_gd, {"W1": np.ones((2, 2))}, "gd").ok
    True
    """
    if not callable(update):
        raise TypeError(f"update must be your update function, got {type(update).__name__}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))}; got {optimizer!r}"
        )
    settings = Settings(
        _rate(learning_rate, "learning_rate", 0.0, None),
        _rate(beta, "beta", 0.0, 1.0),
        _rate(beta1, "beta1", 0.0, 1.0),
        _rate(beta2, "beta2", 0.0, 1.0),
        _rate(epsilon, "epsilon", 0.0, None),
    )
    count = check_count(steps, "steps")
    assert count is not None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a whole number, got {seed!r}")
    tolerance = _rate(rtol, "rtol", 0.0, None)
    read = read_parameters(parameters)
    gradients = _read_gradients(grads, read, count, int(seed))
    start = {p.name: p.values.copy() for p in read}
    report = UpdateReport(optimizer, len(gradients), settings)
    yours = _learner_steps(update, optimizer, read, gradients, settings, report)
    if yours is None:
        return report
    true = _optim_steps(optimizer, start, gradients, settings)
    for p in read:
        errors = [
            _error(mine[p.name], right[p.name], start[p.name])
            for mine, right in zip(yours, true, strict=True)
        ]
        report.parameters.append(
            ParameterSteps(
                p.name,
                p.shape,
                [m[p.name] for m in yours],
                [r[p.name] for r in true],
                errors,
                tolerance,
            )
        )
    if not report.ok:
        report.diagnosis = _diagnose(optimizer, start, gradients, settings, yours, true)
    return report


def _error(yours: Floats, true: Floats, start: Floats) -> float:
    """max |yours − true|, per unit of the true step's largest move (nan when yours is)."""
    scale = float(np.abs(true - start).max()) or 1.0
    difference = np.abs(yours - true)
    if np.isnan(difference).any():
        return math.nan
    return float(difference.max()) / scale


def _learner_steps(
    update: Callable[..., Any],
    optimizer: str,
    parameters: list[Parameter],
    gradients: list[Arrays],
    settings: Settings,
    report: UpdateReport,
) -> list[Arrays] | None:
    """Call the learner's update step by step, feeding back what it returns."""
    current: dict[str, Any] = {
        p.name: float(p.values) if p.given_as_number else p.values.copy() for p in parameters
    }
    v = {"d" + p.name: np.zeros(p.shape) for p in parameters}
    s = {"d" + p.name: np.zeros(p.shape) for p in parameters}
    out = []
    h = settings
    for t, step in enumerate(gradients, start=1):
        grads = {"d" + name: values.copy() for name, values in step.items()}
        arguments: tuple[Any, ...]
        if optimizer == "gd":
            arguments = (copy.deepcopy(current), grads, h.learning_rate)
        elif optimizer == "momentum":
            arguments = (copy.deepcopy(current), grads, copy.deepcopy(v), h.beta, h.learning_rate)
        else:
            arguments = (
                copy.deepcopy(current), grads, copy.deepcopy(v), copy.deepcopy(s), t,
                h.learning_rate, h.beta1, h.beta2, h.epsilon,
            )  # fmt: skip
        result, error = run_learner_code("update", partial(update, *arguments))
        if error is not None:
            report.error = error
            return None
        parts = _parts(result, optimizer, t)
        if isinstance(parts, str):
            report.problem = parts
            return None
        new, v_new, s_new = parts
        arrays = {}
        for p in parameters:
            if not isinstance(new, Mapping) or p.name not in new:
                report.problem = f"step {t}: the parameters your update returned have no {p.name!r}"
                return None
            try:
                values = np.array(new[p.name], dtype=np.float64)
            except (TypeError, ValueError):
                report.problem = f"step {t}: your {p.name} is not an array of numbers"
                return None
            if values.shape != p.shape and values.size != p.size:
                report.problem = f"step {t}: your {p.name} is {values.shape}, not {p.shape}"
                return None
            arrays[p.name] = values.reshape(p.shape)
        out.append(arrays)
        current = {name: new[name] for name in current}
        v = v_new if v_new is not None else v
        s = s_new if s_new is not None else s
    return out


def _parts(result: object, optimizer: str, t: int) -> tuple[Any, Any, Any] | str:
    """(parameters, v, s) from what the learner's function returned, or what is wrong."""
    expected = {
        "gd": "parameters",
        "momentum": "(parameters, v)",
        "adam": "(parameters, v, s, ...)",
    }
    if optimizer == "gd":
        if isinstance(result, tuple) and result:
            result = result[0]
        return (
            (result, None, None)
            if isinstance(result, Mapping)
            else (
                f"step {t}: your update returned {type(result).__name__}, not {expected[optimizer]}"
            )
        )
    size = 2 if optimizer == "momentum" else 3
    if (
        not isinstance(result, tuple)
        or len(result) < size
        or not all(isinstance(x, Mapping) for x in result[:size])
    ):
        got = type(result).__name__ + (f" of {len(result)}" if isinstance(result, tuple) else "")
        return f"step {t}: your update returned {got}, not {expected[optimizer]} (dicts)"
    return result[0], result[1], result[2] if size == 3 else None


def _diagnose(
    optimizer: str,
    start: Arrays,
    gradients: list[Arrays],
    settings: Settings,
    yours: list[Arrays],
    true: list[Arrays],
) -> list[str]:
    for slip in _SLIPS[optimizer]:
        replayed = _replay(slip.rule, start, gradients, settings)
        if all(
            _error(mine[name], theirs[name], start[name]) <= _MATCH
            or _error(mine[name], theirs[name], start[name]) == 0
            for mine, theirs in zip(yours, replayed, strict=True)
            for name in start
        ):
            moved = sum(float(np.abs(yours[0][n] - start[n]).sum()) for n in start)
            right = sum(float(np.abs(true[0][n] - start[n]).sum()) for n in start)
            size = f" (at t = 1 your step is {moved / right:.4g} × the right one)" if right else ""
            return [f"diagnosis: your steps are exactly those of {slip.says}{size}"]
    return []
