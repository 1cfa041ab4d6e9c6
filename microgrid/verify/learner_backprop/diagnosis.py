"""Why a gradient is wrong: the course forum's common mistakes, recognised from the numbers.

Per gradient: a shape that is the parameter's transposed, a constant factor
(m times too big: the 1/m is missing; −1: a flipped sign), the transpose of the
right answer, another parameter's gradient. Across the network: which layer to
fix first (backprop runs from the last layer to the first, so one mistake
makes every earlier layer wrong too), and whether the learner's numbers are
exactly what backprop gives with a wrong activation derivative, such as
tanh′ written as A1 or Z1 instead of 1 − A1². That last test reruns backprop
on the same graph with the suspect local derivatives swapped in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microgrid.engine import (
    Value,
    absolute,
    fresh_deltas,
    relu,
    set_local_derivatives,
    sigmoid,
    tanh,
)
from microgrid.verify.learner_backprop.parameters import Parameter, Theirs
from microgrid.verify.learner_backprop.report import GradientCheck, shape_text

Floats = NDArray[np.float64]

_FACTOR_RTOL = 1e-6  # how exactly a ratio must hold to call it a constant factor
_MAX_EDGES_FOR_WHAT_IF = 3_000_000  # rerunning backprop on bigger graphs takes too long
# The ops themselves, compared by identity (a user's op named relu is no kink).
KINK_OPS = (absolute, relu)


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def wrong(self, yours: Floats, true: Floats) -> NDArray[np.bool_]:
        """Entry by entry: |yours − true| > atol + rtol·|true| (NaN in yours is wrong)."""
        with np.errstate(invalid="ignore"):
            close = np.abs(yours - true) <= self.atol + self.rtol * np.abs(true)
        return ~close

    def matches(self, yours: Floats, true: Floats) -> bool:
        return bool(yours.size) and not self.wrong(yours, true).any()


# Central differences with epsilon = 1e-7 agree with the truth to about 1e-7.
_NUMERIC = Tolerance(rtol=1e-4, atol=1e-7)


def nodes_on_a_kink(order: Sequence[Value]) -> int:
    """How many abs/relu nodes have input exactly 0, where their derivative is a convention."""
    return sum(
        1
        for node in order
        if any(node.op is kink for kink in KINK_OPS) and node.parents and node.parents[0].value == 0
    )


# ---------------------------------------------------------------------------
# One gradient.
# ---------------------------------------------------------------------------


def compare(
    parameter: Parameter,
    theirs: Theirs,
    true: Floats,
    numeric: Floats | None,
    tolerance: Tolerance,
    m: int | None,
    keys: Sequence[str],
    on_kink: bool = False,
    seen_m: int | None = None,
) -> GradientCheck:
    """The learner's gradient for `parameter` against backprop's `true` (NaN where unchecked).

    `m` is the number of samples when known for sure (``data=``); `seen_m` the
    columns of the plain X the cost multiplied by a parameter, when m is not known.
    """
    checked = ~np.isnan(true)
    check = GradientCheck(
        name=parameter.name,
        key=theirs.key,
        shape=parameter.shape,
        their_shape=None if theirs.values is None else tuple(theirs.values.shape),
        layer=parameter.layer,
        checked=int(checked.sum()),
        true=true,
        yours=None,
        numeric=numeric,
        wrong_mask=np.zeros(parameter.shape, dtype=bool),
        status="ok",
    )
    name, d = parameter.name, "d" + parameter.name
    if theirs.values is None:
        if theirs.problem == "missing":
            check.status = "missing"
            check.problem = f"your gradients have no {d!r} (nor {name!r})"
            check.hints.append(f"{check.problem}; they have {list(keys)}")
        else:
            check.status, check.problem = "unreadable", theirs.problem
        check.wrong_mask[...] = True
        return check
    yours = theirs.values
    if yours.shape != parameter.shape:
        if yours.size == 1 and parameter.size == 1:
            yours = yours.reshape(parameter.shape)  # db as a number or as [[0.1]]: both fine
        else:
            _shape_mismatch(check, yours, m if m is not None else seen_m)
            check.wrong_mask[...] = True
            return check
    check.yours = yours
    check.wrong_mask = checked & tolerance.wrong(yours, np.where(checked, true, 0.0))
    if on_kink and numeric is not None and check.wrong_count:
        # At a kink the graph's derivative is a convention; where yours agrees with
        # the central difference, neither is wrong.
        agrees = ~_NUMERIC.wrong(yours, np.where(checked, numeric, 0.0))
        check.kink_mask = check.wrong_mask & agrees
        check.wrong_mask = check.wrong_mask & ~agrees
        if check.kinks and not check.wrong_count:
            check.status = "kink"
    if check.wrong_count:
        check.status = "WRONG"
        check.hints.extend(_value_hints(check, tolerance, m, seen_m))
    return check


def _shape_mismatch(check: GradientCheck, yours: Floats, m: int | None) -> None:
    name, key = check.name, check.gradient_name
    shape, theirs = check.shape, tuple(yours.shape)
    check.status = "shape"
    check.problem = f"{key} is {shape_text(theirs)} but {name} is {shape_text(shape)}"
    true, checked = check.true, ~np.isnan(check.true)
    if len(shape) == 2 and theirs == shape[::-1]:
        check.problem += ": transposed?"
        if checked.all() and Tolerance(1e-5, 1e-8).matches(yours.T, true):
            check.hints.append(
                f"{key}ᵀ is the true gradient: you computed the transpose; a gradient has "
                f"its parameter's shape, so for dW = dZ · A_prevᵀ / m write np.dot(dZ, A_prev.T)"
            )
        else:
            check.hints.append(
                f"a gradient has its parameter's shape: {key} must be {shape_text(shape)}"
            )
        return
    if yours.size == check.true.size:
        same = checked.all() and Tolerance(1e-5, 1e-8).matches(yours.reshape(shape), true)
        keep = (
            "; np.sum(dZ, axis=1, keepdims=True) keeps the column"
            if len(shape) == 2 and shape[1] == 1 and len(theirs) == 1
            else ""
        )
        check.hints.append(
            ("the numbers are right, only the shape is not" if same else "reshape?")
            + f": {key} must be {shape_text(shape)}{keep}"
        )
        return
    if yours.size == 1:
        check.hints.append(
            f"{key} is one number but {name} has {check.true.size} entries: sum over the "
            "samples only, np.sum(dZ, axis=1, keepdims=True), not over everything"
        )
        return
    if (
        len(theirs) == 2
        and len(shape) == 2
        and theirs[0] == shape[0]
        and shape[1] == 1
        and (m is None or theirs[1] == m)  # 3 columns with m = 7 samples: not one per sample
    ):
        samples = f" (m = {m})" if m is not None and theirs[1] == m else ""
        check.hints.append(
            f"{key} has a column per sample{samples}: sum them, "
            "np.sum(dZ, axis=1, keepdims=True) / m"
        )
        return
    check.hints.append(f"a gradient has its parameter's shape: {key} must be {shape_text(shape)}")


def constant_factor(yours: Floats, true: Floats) -> float | None:
    """c when yours = c · true in every entry (to 1e-6), else None."""
    scale = float(np.abs(true).max()) if true.size else 0.0
    if not scale or not np.isfinite(yours).all():
        return None
    significant = np.abs(true) > 1e-9 * scale
    if np.abs(yours[~significant]).max(initial=0.0) > 1e-6 * np.abs(yours).max():
        return None  # yours is large where the truth is ~0: not a multiple
    ratios = yours[significant] / true[significant]
    c = float(np.median(ratios))
    if not c or np.abs(ratios - c).max() > _FACTOR_RTOL * abs(c):
        return None
    return c


def _telling(c: float, m: int | None) -> bool:
    size = abs(c)
    return (
        _near(size, 1.0)
        or (m is not None and m > 1 and (_near(size, m) or _near(size, 1 / m)))
        or (round(size) >= 2 and _near(size, round(size)))
        or (round(1 / size) >= 2 and _near(1 / size, round(1 / size)))
    )


def _near(x: float, target: float) -> bool:
    return abs(x - target) <= 1e-6 * abs(target)


def factor_hint(c: float, key: str, m: int | None, seen_m: int | None = None) -> str:
    """Words for 'every entry of dW1 is c × the true value'.

    A whole factor k is a missing 1/m only if m could be k: when the samples are
    known (`m`, or `seen_m`: the columns of the X in W1 @ X) and differ, it is not.
    """
    times = f"every entry of {key} is {_number(c)} × the true value"
    sign = "−" if c < 0 else ""
    size = abs(c)
    if _near(c, -1.0):
        return (
            f"sign flipped: {times} (Y − A where A − Y belongs? the minus of "
            "dAL = −(Y/AL − (1 − Y)/(1 − AL))?)"
        )
    flipped = " and the sign is flipped" if sign else ""
    if m is not None and m > 1:
        if _near(size, m):
            return f"{times}: m = {m} times too big, the 1/m is missing{flipped}"
        if _near(size, 1 / m):
            return f"{times}: m = {m} times too small, divided by m twice?{flipped}"
    known = m if m is not None and m > 1 else seen_m
    whole = round(size)
    if whole >= 2 and _near(size, whole):
        if known is not None and known != whole:
            return (
                f"{times}: exactly {whole} times too big{flipped}; you have m = {known} "
                f"samples, so it is not a missing 1/m: a stray factor {whole} in {key}'s formula?"
            )
        return (
            f"{times}: exactly {whole} times too big; if you have m = {whole} samples, "
            f"the 1/m is missing{flipped}"
        )
    whole = round(1 / size)
    if whole >= 2 and _near(1 / size, whole):
        if known is not None and known != whole:
            return (
                f"{times}: exactly {whole} times too small{flipped}; you have m = {known} "
                f"samples, so it is not 1/m twice: a stray 1/{whole} in {key}'s formula?"
            )
        return (
            f"{times}: exactly {whole} times too small; if you have m = {whole} samples, "
            f"you divided by m twice{flipped}"
        )
    return f"{times}: a constant factor is wrong"


def _value_hints(
    check: GradientCheck, tolerance: Tolerance, m: int | None, seen_m: int | None = None
) -> list[str]:
    assert check.yours is not None
    key = check.gradient_name
    checked = ~np.isnan(check.true)
    yours, true = check.yours[checked], check.true[checked]
    if np.isnan(yours).any() or np.isinf(yours).any():
        return [
            f"{key} has non-finite entries (nan or inf): a log of 0 or a division by 0 in your "
            "backward pass? (A saturated at exactly 0 or 1 makes Y/A or (1 − Y)/(1 − A) blow up)"
        ]
    if not yours.any():
        return [f"{key} is all zeros: never computed, or overwritten (a mask, a reused array)?"]
    hints = []
    c = constant_factor(yours, true)
    # One entry is always some multiple of the truth: only a telling factor is a hint.
    if c is not None and (yours.size > 1 or _telling(c, m)):
        hints.append(factor_hint(c, key, m, seen_m))
    shape = check.shape
    if len(shape) == 2 and shape[0] == shape[1] > 1:
        both = checked & checked.T
        if both.sum() >= 2 and tolerance.matches(check.yours.T[both], check.true[both]):
            hints.append(
                f"{key} is the transpose of the true gradient (it is square, so the shapes "
                "agree): the order of the product, np.dot(dZ, A_prev.T) rather than "
                "np.dot(A_prev, dZ.T)?"
            )
    return hints


def swapped_hints(checks: list[GradientCheck], tolerance: Tolerance) -> None:
    """'dW1 is the true dW2': a learner's gradient that is another parameter's."""
    for check in checks:
        if check.ok or check.yours is None or check.hints:
            continue
        for other in checks:
            if other is check or other.shape != check.shape:
                continue
            both = ~np.isnan(other.true) & ~np.isnan(check.true)
            if both.any() and tolerance.matches(check.yours[both], other.true[both]):
                check.hints.append(
                    f"{check.gradient_name} is the true {other.gradient_name}: swapped, or "
                    "the same array stored under two names?"
                )
                break


# ---------------------------------------------------------------------------
# The whole network.
# ---------------------------------------------------------------------------


def layer_pointer(checks: list[GradientCheck]) -> tuple[int | None, list[str]]:
    """The latest layer whose gradients are wrong, and why to look there first."""
    wrong = [c for c in checks if not c.ok and c.layer is not None]
    if not wrong:
        return None, []
    layers = sorted({c.layer for c in wrong if c.layer is not None})
    latest = layers[-1]
    at_latest = ", ".join(c.gradient_name for c in wrong if c.layer == latest)
    if len(layers) == 1:
        lines = [f"look first at layer {latest}: only its gradients are wrong ({at_latest})"]
        return latest, lines
    earlier = ", ".join(c.gradient_name for c in wrong if c.layer != latest)
    right_db = [c for c in checks if c.layer == latest and c.name.startswith("b") and c.ok]
    if right_db and all(c.name.startswith("W") for c in wrong if c.layer == latest):
        # db = Σ dZ / m is right, so dZ is: what flows to the layers below is right too.
        db = right_db[0].gradient_name
        own = "has a mistake of its own" if "," not in earlier else "have mistakes of their own"
        lines = [
            f"look first at layer {latest} ({at_latest}), then at {earlier}: {db} is right, "
            f"so dZ{latest} is right and the mistake is in {at_latest}'s own line; it does not "
            f"flow to the layers below, so {earlier} {own}"
        ]
        return latest, lines
    lines = [
        f"look first at layer {latest} ({at_latest}): backprop computes layer {latest} before "
        f"the layers below it, so a mistake there makes every earlier layer's gradient wrong "
        f"too; {earlier} may be right once layer {latest} is fixed"
    ]
    return latest, lines


def same_factor_everywhere(checks: list[GradientCheck]) -> list[str]:
    """Every gradient off by one factor: the mistake is where backprop starts."""
    if len(checks) < 2 or any(c.ok or c.yours is None for c in checks):
        return []
    factors = []
    for c in checks:
        assert c.yours is not None
        checked = ~np.isnan(c.true)
        factors.append(constant_factor(c.yours[checked], c.true[checked]))
    first = factors[0]
    if first is None or any(f is None or not _near(f, first) for f in factors):
        return []
    return [
        f"every gradient is {_number(first)} × the true one: the mistake is where backprop "
        "starts, dZ of the last layer (dZ = A − Y) or dAL = −(Y/AL − (1 − Y)/(1 − AL))"
    ]


@dataclass(frozen=True)
class _WrongDerivative:
    written: str  # "A{l}"
    local: Callable[[float, float], float]  # (activation a, its input z) -> the wrong g′


# The activation derivatives learners write instead of the right one, per op.
_RIGHT = {"tanh": "1 − A{l}²", "sigmoid": "A{l}·(1 − A{l})", "relu": "1 where Z{l} > 0, else 0"}
# The activations whose slips are known, found by the op itself, then by name in _WRONG.
_BY_OP = {tanh: "tanh", sigmoid: "sigmoid", relu: "relu"}

_WRONG = {
    "tanh": (
        _WrongDerivative("A{l}", lambda a, z: a),
        _WrongDerivative("Z{l}", lambda a, z: z),
        _WrongDerivative("1 − Z{l}²", lambda a, z: 1 - z * z),
        _WrongDerivative("1 − A{l}", lambda a, z: 1 - a),
        _WrongDerivative("(1 − A{l})²", lambda a, z: (1 - a) ** 2),
        _WrongDerivative("1 (no g′ at all)", lambda a, z: 1.0),
    ),
    "sigmoid": (
        _WrongDerivative("A{l}", lambda a, z: a),
        _WrongDerivative("1 − A{l}", lambda a, z: 1 - a),
        _WrongDerivative("Z{l}·(1 − Z{l})", lambda a, z: z * (1 - z)),
        _WrongDerivative("1 (no g′ at all)", lambda a, z: 1.0),
    ),
    "relu": (
        _WrongDerivative("Z{l}", lambda a, z: z),
        _WrongDerivative("A{l}", lambda a, z: a),
        _WrongDerivative("1 (no g′ at all)", lambda a, z: 1.0),
    ),
}


def activation_mistake(
    root: Value,
    order: list[Value],
    parameters: list[Parameter],
    checks: list[GradientCheck],
    tolerance: Tolerance,
) -> tuple[list[str], list[str]]:
    """Is every gradient exactly what backprop gives with one activation's g′ written wrong?

    Returns (diagnosis lines, notes). Each candidate reruns backprop over the
    graph (one pass per candidate), with the local derivatives of one layer's
    tanh (sigmoid, relu) nodes replaced by the wrong formula.
    """
    comparable = [c for c in checks if c.yours is not None]
    if not any(c.status == "WRONG" for c in comparable):
        return [], []
    edges = sum(map(len, (node.parents for node in order)))
    if edges > _MAX_EDGES_FOR_WHAT_IF:
        return [], [
            f"the activation-derivative diagnosis was skipped: the graph has {edges:,} edges; "
            "use samples= or entries= for a smaller one"
        ]
    groups = _activation_groups(order, parameters)
    by_name = {p.name: p for p in parameters}
    for (op, layer), nodes in sorted(groups.items(), key=lambda item: -item[0][1]):
        for wrong in _WRONG[op]:
            replaced: dict[int, tuple[float, ...]] = {}
            for node in nodes:
                z = node.parents[0].value
                replaced[id(node)] = (wrong.local(node.value, z),)
            what_if = _backprop_with(root, order, replaced, parameters)
            if all(_agrees(c, what_if[c.name], by_name[c.name], tolerance) for c in comparable):
                return [_describe(op, layer, wrong, checks)], []
    return [], []


def _agrees(check: GradientCheck, what_if: Floats, parameter: Parameter, tol: Tolerance) -> bool:
    assert check.yours is not None
    yours = check.yours.reshape(-1)[parameter.checked]
    return tol.matches(yours, what_if)


def _describe(op: str, layer: int, wrong: _WrongDerivative, checks: list[GradientCheck]) -> str:
    l = str(layer) if layer else ""  # noqa: E741 - the course's layer index
    affected = ", ".join(c.gradient_name for c in checks if not c.ok)
    written = wrong.written.format(l=l)
    right = _RIGHT[op].format(l=l)
    dz = f"dZ{l} = W{layer + 1}ᵀ dZ{layer + 1} * g′(Z{l})" if layer else "dZ = dA * g′(Z)"
    code = {
        "tanh": "1 - np.power(A{l}, 2)",
        "sigmoid": "A{l} * (1 - A{l})",
        "relu": "(Z{l} > 0)",
    }[op].format(l=l)
    return (
        f"diagnosis: {affected} are exactly what backprop gives if {op}′ at layer {layer} is "
        f"written {written} instead of {right}: in {dz}, {op}′(Z{l}) is {right} ({code})"
    )


def backprop_what_if(
    root: Value,
    order: list[Value],
    replaced: dict[int, tuple[float, ...]],
    parameters: list[Parameter],
) -> dict[str, Floats]:
    """Each parameter's gradient (over its checked entries) by backprop over `order`, with
    the local derivatives of the nodes in `replaced` (by id) swapped in. Uses, and leaves
    changed, the deltas of the check's own graph."""
    return _backprop_with(root, order, replaced, parameters)


def layers_of(order: list[Value], parameters: list[Parameter]) -> dict[int, int]:
    """Each node's layer (keyed by id): the highest layer among the parameters under it.

    A1 = tanh(W1 X + b1) is layer 1, A2 is layer 2; parameters without a number (w, b)
    count as layer 0.
    """
    layer_of: dict[int, int] = {}
    for parameter in parameters:
        for leaf in parameter.leaves:
            layer_of[id(leaf)] = parameter.layer or 0
    shared: dict[int, int] = {}  # a row's dot nodes share one tuple of parents
    for node in order:
        parents = node.parents
        if not parents:
            continue
        key = id(parents)
        layer = shared.get(key)
        if layer is None:
            layer = max((layer_of.get(id(p), 0) for p in parents), default=0)
            if len(parents) > 8:
                shared[key] = layer
        layer_of[id(node)] = layer
    return layer_of


def _activation_groups(
    order: list[Value], parameters: list[Parameter]
) -> dict[tuple[str, int], list[Value]]:
    """The tanh, sigmoid and relu nodes, grouped by op and by layer (`layers_of`)."""
    layer_of = layers_of(order, parameters)
    groups: dict[tuple[str, int], list[Value]] = {}
    for node in order:
        if _BY_OP.get(node.op) in _WRONG and len(node.parents) == 1:
            groups.setdefault((_BY_OP[node.op], layer_of[id(node)]), []).append(node)
    return groups


def _backprop_with(
    root: Value,
    order: list[Value],
    replaced: dict[int, tuple[float, ...]],
    parameters: list[Parameter],
) -> dict[str, Floats]:
    """Backprop over `order` with some nodes' local derivatives replaced; each leaf's delta.

    The engine's own chain rule (`fresh_deltas`), the replaced local derivatives put in
    for the pass and the graph's own put back after; no delta is changed.
    """
    nodes = {id(node): node for node in order}
    originals = {key: nodes[key].local_derivatives for key in replaced}
    try:
        for key, local in replaced.items():
            set_local_derivatives(nodes[key], local)
        deltas = dict(zip(order, fresh_deltas(order), strict=True))
    finally:
        for key, local in originals.items():
            set_local_derivatives(nodes[key], local)
    return {
        p.name: np.fromiter(
            (deltas.get(leaf, 0.0) for leaf in p.leaves), dtype=np.float64, count=len(p.leaves)
        )
        for p in parameters
    }


def _number(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4g}"
