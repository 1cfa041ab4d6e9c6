"""The course's gradient check: one number from central differences on plain floats.

For every parameter entry θᵢ, gradapproxᵢ = (J(θᵢ + ε) − J(θᵢ − ε)) / 2ε, and then

    difference = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)

Below 1e-7 (the course's 1-D check) or 2e-7 (its n-D check) the backward
pass is right; around 1e-3 or more it has a mistake. `gradient_difference`
(in microgrid.verify.learner_backprop.check) is the public function; these are its parts.

>>> course_difference(np.array([2.0]), np.array([2.0 + 1e-9])) < 1e-7
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microgrid.verify.learner_backprop.learner import LearnerError, run_learner_code
from microgrid.verify.learner_backprop.parameters import Parameter, Theirs

Floats = NDArray[np.float64]


def plain_parameters(parameters: list[Parameter]) -> dict[str, Any]:
    """Fresh float copies, in the form the learner gave them (a number stays a number)."""
    return {p.name: float(p.values) if p.given_as_number else p.values.copy() for p in parameters}


def as_number(result: object) -> float:
    """The cost a learner's function returned on plain floats, as one float."""
    array = np.asarray(result, dtype=np.float64)
    if array.size != 1:
        raise ValueError(
            f"your cost returned an array of shape {array.shape}, not one number "
            "(sum over the samples, np.sum, and divide by m)"
        )
    return float(array.reshape(-1)[0])


def central_differences(
    cost: Callable[[dict[str, Any]], object],
    parameters: list[Parameter],
    epsilon: float,
) -> tuple[dict[str, Floats], LearnerError | None]:
    """gradapprox for each checked entry (NaN elsewhere): two runs of the cost per entry."""
    approx: dict[str, Floats] = {}
    for parameter in parameters:
        estimate = np.full(parameter.shape, math.nan)
        for k in parameter.checked.tolist():
            sides = []
            for step in (epsilon, -epsilon):
                nudged = plain_parameters(parameters)
                if parameter.given_as_number:
                    nudged[parameter.name] = float(parameter.values) + step
                else:
                    nudged[parameter.name].flat[k] += step
                value, error = run_learner_code("cost", partial(_number_of, cost, nudged))
                if error is not None:
                    return approx, error
                sides.append(value)
            estimate.flat[k] = (sides[0] - sides[1]) / (2 * epsilon)
        approx[parameter.name] = estimate
    return approx, None


def _number_of(cost: Callable[[dict[str, Any]], object], parameters: dict[str, Any]) -> float:
    return as_number(cost(parameters))


def course_difference(grad: Floats, gradapprox: Floats) -> float:
    """‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂); 0 when both are zero."""
    denominator = float(np.linalg.norm(grad) + np.linalg.norm(gradapprox))
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - gradapprox)) / denominator


def stacked(
    parameters: list[Parameter], theirs: Mapping[str, Theirs], approx: Mapping[str, Floats]
) -> tuple[Floats, Floats] | None:
    """The learner's gradient and gradapprox as two vectors (the course's dictionary_to_vector).

    Each gradient is flattened in its own layout, as the course does, so a
    transposed dW of the right size still counts (and shows as a big difference).
    None when a gradient is missing or has the wrong number of entries.
    """
    grads, approxes = [], []
    for parameter in parameters:
        mine = theirs[parameter.name].values
        if mine is None or mine.size != parameter.size:
            return None
        grads.append(mine.reshape(-1)[parameter.checked])
        approxes.append(approx[parameter.name].reshape(-1)[parameter.checked])
    return np.concatenate(grads), np.concatenate(approxes)


def threshold_for(entries: int) -> float:
    """The course's thresholds: 1e-7 for its 1-D check, 2e-7 for the network's."""
    return 1e-7 if entries == 1 else 2e-7


@dataclass
class GradientDifference:
    """What `gradient_difference` returns: the course's number, its verdict, and gradapprox."""

    difference: float
    threshold: float
    epsilon: float
    gradapprox: dict[str, Floats] = field(repr=False)
    entries: int = 0

    @property
    def ok(self) -> bool:
        return self.difference <= self.threshold

    def __float__(self) -> float:
        return self.difference

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.entries == 1:
            verdict = "The gradient is correct!" if self.ok else "The gradient is wrong!"
            return f"{verdict} difference = {self.difference:.3e}"
        verdict = (
            "Your backward propagation works perfectly fine!"
            if self.ok
            else "There is a mistake in the backward propagation!"
        )
        return f"{verdict} difference = {self.difference:.3e}"
