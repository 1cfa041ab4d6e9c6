"""Course 2's regularization slips, recognised from the numbers and the check's graph.

L2: the cost adds λ/(2m)·Σ‖W‖², so the true dW has (λ/m)·W in it. The graph
knows λ/m: backprop rerun with the squares' local derivatives set to 0 gives
the gradient without the L2 term, and the difference is (λ/m)·W. A learner's
dW whose error is a constant multiple of W has the L2 term missing (−λ/m),
halved (−λ/(2m): the cost's λ/(2m) written λ/m, or dW's λ/m written λ/(2m)) or
doubled; a db whose error is a multiple of b has an L2 term b does not have.

Dropout: the masks are the graph's products by a constant 0 or 1 in a hidden
layer (A1 * D1), and keep_prob the constant the masked node is divided by.
A backward pass that forgets the mask is found by rerunning backprop with the
dropped units' local derivative 1 instead of 0; one that forgets to divide by
keep_prob (or divides where the forward does not) leaves every gradient of
the layers below a constant factor, keep_prob (or 1/keep_prob) per layer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from microgrid.engine import Value, div, mul, power
from microgrid.verify.learner_backprop.diagnosis import (
    Tolerance,
    backprop_what_if,
    constant_factor,
    layers_of,
)
from microgrid.verify.learner_backprop.parameters import Parameter, Theirs
from microgrid.verify.learner_backprop.report import GradientCheck

Floats = NDArray[np.float64]

_RTOL = 1e-6  # how exactly a multiple must hold to be named


def _near(x: float, target: float) -> bool:
    return abs(x - target) <= _RTOL * abs(target)


def _multiple(difference: Floats, values: Floats) -> float | None:
    """r when difference = r · values in every entry (r ≠ 0), else None."""
    scale = float(np.abs(values).max()) if values.size else 0.0
    if not scale or not np.isfinite(difference).all() or not difference.any():
        return None
    significant = np.abs(values) > 1e-9 * scale
    r = float(np.median(difference[significant] / values[significant]))
    if not r:
        return None
    error = np.abs(difference - r * values).max()
    return r if error <= _RTOL * abs(r) * scale else None


def _g(x: float) -> str:
    return f"{x:.4g}"


def _entries(check: GradientCheck, parameter: Parameter, array: Floats) -> Floats:
    return array.reshape(-1)[parameter.checked]


# ---------------------------------------------------------------------------
# L2.
# ---------------------------------------------------------------------------


def l2_coefficients(
    root: Value, order: list[Value], parameters: list[Parameter], checks: list[GradientCheck]
) -> dict[str, float]:
    """λ/m per regularized parameter, read from the graph: dJ/dW minus dJ/dW without the squares.

    A square is a node W[i,j] * W[i,j] (np.square) or W[i,j] ** 2 of one parameter entry.
    """
    leaf_owner = {id(leaf): p.name for p in parameters for leaf in p.leaves}
    squares: dict[int, tuple[float, ...]] = {}
    owners: set[str] = set()
    for node in order:
        parents = node.parents
        if not parents or id(parents[0]) not in leaf_owner:
            continue
        squared = (node.op is mul and len(parents) == 2 and parents[0] is parents[1]) or (
            node.op is power and len(parents) == 1 and node.constants[1:] == (2.0,)
        )
        if squared:
            squares[id(node)] = (0.0,) * len(parents)
            owners.add(leaf_owner[id(parents[0])])
    if not squares:
        return {}
    without = backprop_what_if(root, order, squares, parameters)
    by_name = {p.name: p for p in parameters}
    coefficients = {}
    for check in checks:
        if check.name not in owners:
            continue
        parameter = by_name[check.name]
        l2_part = _entries(check, parameter, check.true) - without[check.name]
        k = _multiple(l2_part, _entries(check, parameter, parameter.values))
        if k is not None:
            coefficients[check.name] = k
    return coefficients


def l2_mistakes(
    coefficients: Mapping[str, float],
    parameters: list[Parameter],
    checks: list[GradientCheck],
    theirs: Mapping[str, Theirs],
    m: int | None,
) -> list[str]:
    """Hints on the gradients whose error is a multiple of W (or b); a diagnosis line or none."""
    by_name = {p.name: p for p in parameters}
    halves: list[str] = []
    for check in checks:
        parameter = by_name[check.name]
        if check.status == "shape":
            _l2_broadcast_into_db(check, parameter, by_name, theirs, coefficients)
            continue
        if check.status != "WRONG" or check.yours is None:
            continue
        difference = _entries(check, parameter, check.yours - check.true)
        values = _entries(check, parameter, parameter.values)
        r = _multiple(difference, values)
        if r is None:
            continue
        if check.name not in coefficients and _weak_evidence(check, values):
            continue  # with no L2 in the cost, "a multiple of W" needs more than one entry
        hint = _l2_hint(check, r, coefficients, m)
        if hint is None:
            continue
        if _near(r, -coefficients.get(check.name, 0.0) / 2):
            halves.append(check.gradient_name)
        check.hints = [h for h in check.hints if " × the true value" not in h]
        check.hints.insert(0, hint)
    regularized = [c.gradient_name for c in checks if c.name in coefficients]
    if halves and halves == regularized and len(halves) > 1:
        return [
            f"diagnosis: {', '.join(halves)} each have half the L2 term your cost gives: the "
            "cost's L2 term written λ/m·Σ‖W‖² instead of λ/(2m)·Σ‖W‖²? (in the course: "
            "(1 / m) * (lambd / 2) * (np.sum(np.square(W1)) + ...)); or every dW adds "
            "λ/(2m)·W instead of (lambd / m) * W"
        ]
    return []


def _weak_evidence(check: GradientCheck, values: Floats) -> bool:
    """True when "yours − true is a multiple of W" says nothing a whole factor does not.

    One nonzero entry is a multiple of anything, and yours = k × true (a stray factor,
    a missing 1/m) makes the error a multiple of W wherever the truth is one: the
    factor hint then reads the slip better than an L2 term the cost does not have.
    """
    scale = float(np.abs(values).max()) if values.size else 0.0
    if check.yours is None or int((np.abs(values) > 1e-9 * scale).sum()) < 2:
        return True
    return constant_factor(check.yours, check.true) is not None


def _lambda(k: float, m: int | None) -> str:
    return f" (λ = {k * m:.4g} with m = {m})" if m is not None else ""


def _l2_hint(
    check: GradientCheck, r: float, coefficients: Mapping[str, float], m: int | None
) -> str | None:
    name, key = check.name, check.gradient_name
    k = coefficients.get(name)
    if k is not None:
        cost = f"your cost's λ/(2m)·‖{name}‖² gives (λ/m)·{name} with λ/m = {_g(k)}{_lambda(k, m)}"
        if _near(r, -k):
            return (
                f"{key} is missing the L2 term: {key} + (λ/m)·{name} is the true gradient; "
                f"{cost}: {key} = np.dot(dZ, A_prev.T) / m + (lambd / m) * {name}"
            )
        if _near(r, -k / 2):
            return (
                f"{key} has half the L2 term: (λ/(2m))·{name} where {cost}: the cost's λ/(2m) "
                f"written λ/m, or {key}'s λ/m written λ/(2m)?"
            )
        if _near(r, k):
            return f"{key} adds the L2 term twice: {cost}, and yours has 2·(λ/m)·{name}"
        return (
            f"{key} − true = {_g(r)}·{name}: the L2 term has the wrong factor; {cost}, "
            f"and yours has {_g(k + r)}·{name}"
        )
    if name.startswith("b"):
        weight = coefficients.get("W" + name[1:])
        added = (
            f"{_g(r)}·{name}, the λ/m = {_g(weight)} of d{'W' + name[1:]}'s L2 term"
            if weight is not None and _near(r, weight)
            else f"{_g(r)}·{name}"
        )
        return (
            f"{key} − true = {added}: L2 regularizes the weights only (the cost sums ‖W‖², not "
            f"b), so {key} = np.sum(dZ, axis=1, keepdims=True) / m, with no λ term"
        )
    if coefficients:
        return (
            f"{key} − true = {_g(r)}·{name}: an L2 term (λ/m)·{name} with "
            f"λ/m = {_g(r)}{_lambda(r, m)}, but your cost has no λ/(2m)·‖{name}‖²: add "
            f"{name} to the cost's L2 sum, or take the term out of {key}"
        )
    return (
        f"{key} − true = {_g(r)}·{name}: an L2 term (λ/m)·{name} with "
        f"λ/m = {_g(r)}{_lambda(r, m)}, but your cost has no L2 term: use "
        "compute_cost_with_regularization's cost, cross-entropy + λ/(2m)·Σ‖W‖²"
    )


def _l2_broadcast_into_db(
    check: GradientCheck,
    parameter: Parameter,
    by_name: Mapping[str, Parameter],
    theirs: Mapping[str, Theirs],
    coefficients: Mapping[str, float],
) -> None:
    """db3 + (λ/m)·W3: NumPy broadcasts db3 to W3's shape."""
    weight = by_name.get("W" + check.name[1:]) if check.name.startswith("b") else None
    yours = theirs[check.name].values if check.name in theirs else None
    if weight is None or yours is None or yours.shape != weight.shape:
        return
    if np.isnan(check.true).any() or len(weight.shape) != 2 or parameter.shape[1:] != (1,):
        return
    r = _multiple(yours - check.true, weight.values)
    if r is None:
        return
    key, W = check.gradient_name, weight.name
    k = coefficients.get(W)
    which = f" (the λ/m = {_g(k)} of your cost)" if k is not None and _near(r, k) else ""
    check.hints = [
        f"{key} is the true {key} + {_g(r)}·{W}{which}, broadcast to {W}'s shape: the L2 term "
        f"belongs to d{W} only; {key} = np.sum(dZ, axis=1, keepdims=True) / m"
    ]


# ---------------------------------------------------------------------------
# Dropout.
# ---------------------------------------------------------------------------


class _Masks:
    """The dropout masks of each hidden layer: the dropped units, and keep_prob if divided."""

    def __init__(self, order: list[Value], parameters: list[Parameter]) -> None:
        layer_of = layers_of(order, parameters)
        top = max((p.layer or 0 for p in parameters), default=0)
        self.dropped: dict[int, list[Value]] = {}
        self.kept: dict[int, int] = {}
        masked: dict[int, int] = {}  # id of a masked node -> its layer
        for node in order:
            parents = node.parents
            if node.op is mul and len(parents) == 1 and len(node.constants) == 2:
                layer = layer_of.get(id(node), 0)
                constant = next(c for c in node.constants if c is not None)
                if 0 < layer < top and constant in (0.0, 1.0):
                    masked[id(node)] = layer
                    if constant == 0.0:
                        self.dropped.setdefault(layer, []).append(node)
                    else:
                        self.kept[layer] = self.kept.get(layer, 0) + 1
        self.keep_prob: dict[int, float] = {}
        for node in order:  # A1 = A1 / keep_prob, the masked node divided by a constant
            parents = node.parents
            if len(parents) != 1 or id(parents[0]) not in masked or len(node.constants) != 2:
                continue
            constant = next(c for c in node.constants if c is not None)
            layer = masked[id(parents[0])]
            if node.op is div and node.constants[1] is not None and 0 < constant < 1:
                self.keep_prob.setdefault(layer, constant)
            elif node.op is mul and constant > 1:
                self.keep_prob.setdefault(layer, 1 / constant)
        # a layer is a dropout layer when both kinds of unit are there
        self.layers = sorted(layer for layer in self.dropped if self.kept.get(layer))


def dropout_mistakes(
    root: Value,
    order: list[Value],
    parameters: list[Parameter],
    checks: list[GradientCheck],
    tolerance: Tolerance,
) -> list[str]:
    """A diagnosis line when the learner's gradients are dropout's backward with a slip."""
    comparable = [c for c in checks if c.yours is not None]
    if not any(c.status == "WRONG" for c in comparable) or len(comparable) != len(checks):
        return []
    masks = _Masks(order, parameters)
    if not masks.layers:
        return []
    line = _keep_prob_factors(masks, checks)
    if line:
        return [line]
    return _mask_not_applied(root, order, parameters, checks, tolerance, masks)


def _mask_not_applied(
    root: Value,
    order: list[Value],
    parameters: list[Parameter],
    checks: list[GradientCheck],
    tolerance: Tolerance,
    masks: _Masks,
) -> list[str]:
    by_name = {p.name: p for p in parameters}
    trials = [[layer] for layer in reversed(masks.layers)]
    if len(masks.layers) > 1:
        trials.append(list(masks.layers))
    for layers in trials:
        replaced: dict[int, tuple[float, ...]] = {
            id(node): (1.0,) for layer in layers for node in masks.dropped[layer]
        }
        what_if = backprop_what_if(root, order, replaced, parameters)
        if all(
            tolerance.matches(_entries(c, by_name[c.name], c.yours), what_if[c.name])
            for c in checks
            if c.yours is not None
        ):
            D = (
                f"dropout masks {' and '.join(f'D{layer}' for layer in layers)} are"
                if len(layers) > 1
                else f"dropout mask D{layers[0]} is"
            )
            dA = ", ".join(f"dA{layer} = dA{layer} * D{layer}" for layer in layers)
            wrong = ", ".join(c.gradient_name for c in checks if not c.ok)
            return [
                f"diagnosis: {wrong} are exactly what backprop gives if the {D} "
                f"not applied in the backward pass: the units the forward pass dropped must get "
                f"no gradient ({dA}, then / keep_prob). (With relu′ taken from the masked A, "
                f"np.int64(A > 0), the mask is applied anyway; from Z it is not)"
            ]
    return []


def _keep_prob_factors(masks: _Masks, checks: list[GradientCheck]) -> str:
    """Every layer's gradients off by one factor, which changes at dropout layers only."""
    factor: dict[int, float] = {}
    for check in checks:
        if check.layer is None or check.yours is None:
            return ""
        if check.ok:
            c: float | None = 1.0
        else:
            checked = ~np.isnan(check.true)
            c = constant_factor(check.yours[checked], check.true[checked])
        if c is None or (check.layer in factor and not _near(c, factor[check.layer])):
            return ""
        factor[check.layer] = c
    layers = sorted(factor)
    if any(layer not in factor for layer in range(layers[0], layers[-1] + 1)):
        return ""
    steps = {}
    for layer in layers[:-1]:
        q = factor[layer] / factor[layer + 1]
        if not _near(q, 1.0):
            if layer not in masks.layers or not 0 < q:
                return ""
            steps[layer] = q
    if not steps or not _near(factor[layers[-1]], 1.0):
        return ""
    said = []
    for layer, q in sorted(steps.items(), reverse=True):
        kp = masks.keep_prob.get(layer)
        if kp is not None and _near(q, kp):
            said.append(
                f"at layer {layer} your forward divides A{layer} by keep_prob = {_g(kp)} but your "
                f"backward does not divide dA{layer} by it (dA{layer} = dA{layer} / keep_prob)"
            )
        elif kp is None and q > 1:
            said.append(
                f"at layer {layer} your backward divides dA{layer} by {_g(1 / q)} (keep_prob?) but "
                f"your forward never divides A{layer} by it: inverted dropout scales both, "
                f"A{layer} = A{layer} / keep_prob"
            )
        elif kp is not None:
            said.append(
                f"at layer {layer} dA{layer} is {_g(q)} × what your forward's "
                f"keep_prob = {_g(kp)} gives: divide by keep_prob once, in both passes"
            )
        else:
            return ""
    wrong = [c for c in checks if not c.ok]
    for check in wrong:
        assert check.layer is not None
        check.hints = [h for h in check.hints if " × the true value" not in h]
        check.hints.insert(
            0,
            f"every entry of {check.gradient_name} is {_g(factor[check.layer])} × the true "
            "value: dropout's keep_prob (see the diagnosis)",
        )
    names = ", ".join(c.gradient_name for c in wrong)
    return (
        f"diagnosis: {names} are off by constant factors that change only at dropout layers: "
        + "; ".join(said)
    )
