"""Why a row is not ok: a kink inside the step, a wrong op, or a familiar mistake.

- a **kink**: a relu or abs node whose input crosses 0 within ±h (`switching_kink`);
  at a kink the analytic must lie between the one-sided slopes (`subgradient_check`);
- the **wrong op**: each node's stored local derivative against a finite difference
  of its own ``op.forward``, with the other inputs held (`find_wrong_ops`);
- **hints**: a flipped sign, a factor 2, deltas never zeroed, a stale graph (`failure_hints`);
- a **missing dependency**: a Value that left the graph through float() or math.* while it
  was recorded (`escaped_rows`): every op can be right and the gradient still wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from microgrid.engine import Primitive, Value, absolute, relu
from microgrid.show.notation import node_names
from microgrid.verify.gradcheck.differences import Estimate, numeric_derivative, settle
from microgrid.verify.gradcheck.formatting import describe, fmt
from microgrid.verify.gradcheck.problem import Problem
from microgrid.verify.gradcheck.report import GradcheckReport, GradcheckRow, WrongOp
from microgrid.verify.gradcheck.roundoff import node_magnitude
from microgrid.verify.gradcheck.settings import EPSILON, Settings

# Ops whose derivative jumps where their input crosses 0: when a nudge makes one
# of them switch sides, the row is a kink, and the report names the node.
# The ops themselves, compared by identity (`is`): a user's op *named* relu is no kink.
KINK_OPS = (relu, absolute)


def is_kink(op: object) -> bool:
    """relu or abs, the ops themselves (not a user's op that shares the name)."""
    return any(op is kink for kink in KINK_OPS)


_MAX_POSITIONS_CHECKED = 32  # per node, when naming the wrong op of a wide node


def kink_row(
    row: GradcheckRow,
    problem: Problem,
    i: int,
    settings: Settings,
    switch: str,
    noise: float,
    near: Estimate | None = None,
) -> None:
    """A kink within ±h: say where, and FAIL only a slope that is wrong whatever it means.

    `near` is the slope on x's own side of a kink that is near x but not at it.
    """
    row.status = "kink"
    assert row.left is not None and row.right is not None  # a kink is found from both sides
    switch = switch or switching_kink(problem, i, row.value, settings)
    slopes = f"one-sided slopes disagree: left {fmt(row.left)}, right {fmt(row.right)}"
    row.reason = f"{switch}; {slopes}" if switch else f"not differentiable here: {slopes}"
    if near is None:
        subgradient_check(row, settings, noise)
        return
    # x itself is on one side of the kink: its derivative is the slope measured there.
    allowed = settings.atol + settings.rtol * abs(near.numeric)
    if near.settled and abs(row.analytic - near.numeric) > allowed + 2 * near.noise:
        row.status = "FAIL"
        row.reason += (
            f"; on x's own side of it (h = {fmt(near.step)}) the slope is "
            f"{fmt(near.numeric)}, so the analytic {fmt(row.analytic)} is wrong"
        )


def subgradient_check(row: GradcheckRow, settings: Settings, noise: float) -> None:
    # At a kink any slope between the one-sided ones is defensible (relu'(0) = 0
    # is PyTorch's choice); one outside them is wrong whatever the convention.
    if row.left is None or row.right is None:
        return
    low, high = sorted((row.left, row.right))
    # `noise` is the slopes' round-off: it blurs the interval's ends.
    slack = settings.atol + settings.rtol * max(abs(low), abs(high)) + 2 * noise
    if low - slack <= row.analytic <= high + slack:
        return
    row.status = "FAIL"
    row.reason += (
        f"; the analytic {fmt(row.analytic)} is not between the one-sided slopes, "
        "so it is wrong whichever side is meant"
    )


def switching_kink(
    problem: Problem, i: int, x: float, settings: Settings, step: float = 0.0
) -> str:
    """Name a relu/abs node whose input crosses 0 while row i's input moves by ±h.

    h is the default step, or `step` if that is wider (a step widened for round-off).
    """
    graph = problem.graph
    kinks = [node for node in graph.order if node.parents and is_kink(node.op)]
    if not kinks:
        return ""
    h = settings.eps * max(1.0, abs(x))
    if math.isfinite(step):
        h = max(h, step)
    names = node_names(graph.root)
    found = ""
    graph.home()
    with graph.preserved():
        signs: dict[Value, set[float]] = {node: set() for node in kinks}
        inputs: dict[Value, list[float]] = {node: [] for node in kinks}
        for t in (x - h, x, x + h):
            try:
                graph.at(i, t)
            except (ArithmeticError, ValueError):
                continue
            for node in kinks:
                u = node.parents[0].value
                signs[node].add(math.copysign(1.0, u) if u != 0 else 0.0)
                inputs[node].append(u)
        for node in kinks:
            if len(signs[node]) > 1 or 0.0 in signs[node]:
                low, high = min(inputs[node]), max(inputs[node])
                found = (
                    f"{node.op} at {names[node]} switches: its input goes from "
                    f"{fmt(low, 3)} to {fmt(high, 3)} within ±h of {problem.names[i]}"
                )
                break
    return found


def failure_hints(
    problem: Problem, i: int, row: GradcheckRow, estimate: Estimate, settings: Settings
) -> list[str]:
    a, n, name = row.analytic, row.numeric, row.name
    hints: list[str] = []
    if row.abs_error <= 16 * estimate.noise:
        hints.append(
            f"round-off: at this step the numeric value is only good to about "
            f"{fmt(estimate.noise, 2)} (the output is large next to eps); try a larger eps "
            "or method='richardson' (see report.sweep())"
        )
    if estimate.kind == "forward" and settings.close(a, estimate.central):
        hints.append(
            f"the central difference {fmt(estimate.central)} agrees: forward differences are "
            "off by about h·J''/2, so try method='central'"
        )
        return hints
    if not problem.function_form and problem.root_delta not in (0.0, 1.0):
        k = problem.root_delta
        if settings.close(a, k * n):
            times = f"{int(k)} times" if float(k).is_integer() and k > 1 else f"with delta={fmt(k)}"
            hints.append(
                f"analytic is {fmt(k)}× numeric: backward() ran {times} without zero_grad() "
                "in between, so every delta is that multiple of dJ/dnode"
            )
            return hints
    if not problem.function_form and problem.analytic[i] != problem.fresh[i]:
        fresh = problem.fresh[i]
        if settings.close(fresh, n):
            why = (
                "was computed before the leaves changed (rebuild the graph, or replay it, "
                "and run backward() again)"
                if problem.stale
                else "accumulated from an earlier backward() (call zero_grad() before "
                "backward()), or it was set by hand"
            )
            hints.append(
                f"a fresh backward gives {fmt(fresh)}, which matches: the delta on {name} {why}"
            )
            return hints
    if a == 0 and n != 0:
        if problem.function_form:
            hints.append(
                f"analytic is 0 but the output moves with {name}: its effect does not reach "
                "the output through recorded ops (was .value, float() or no_grad() used "
                "inside f?), or a local derivative on the way is 0"
            )
        else:
            hints.append(
                f"analytic is 0 but the output moves with {name}: a local derivative on the "
                "way is 0 (see the op check below)"
            )
        return hints
    for factor, words in (
        (-1.0, "sign flipped: analytic = −numeric (a lost minus sign?)"),
        (2.0, "analytic is 2× numeric (a factor 2 too many?)"),
        (0.5, "analytic is ½ of numeric (a factor 2 missing, e.g. d/dx x² written as x?)"),
        (-2.0, "analytic is −2× numeric (a flipped sign and a factor 2?)"),
        (-0.5, "analytic is −½ of numeric (a flipped sign and a missing factor 2?)"),
    ):
        if n != 0 and settings.close(a, factor * n):
            hints.append(words)
            break
    return hints


def escaped_rows(report: GradcheckReport, problem: Problem) -> None:
    """Mark each row whose input a Value that left the graph depended on, saying where.

    The numbers decide FAIL, never the escape: a row whose numbers agree is not
    FAIL. Re-running f (gradcheck(f, inputs)) sees the path the escape cut, so there
    an escape only explains a FAIL. Replaying a built graph cannot see it (the
    replay follows the same incomplete graph, and agrees with backprop), so there
    an agreeing row whose input fed the escaped Value says "escaped": not a FAIL,
    but not ok either, since backprop and the check may both miss that path.
    """
    report.escapes = list(problem.escapes)
    for row, leaf in zip(report.rows, problem.graph.leaves, strict=True):
        found = [e for e in problem.escapes if any(x is leaf for x in e.leaves)]
        if not found:
            continue
        escape = found[0]
        said = (
            f"{escape.node} left the graph through {escape.route}() at line {escape.lineno}: "
            "see below"
        )
        if row.status == "FAIL":
            row.hints.insert(0, said)
        elif not problem.function_form and row.status == "ok":
            row.status = "escaped"
            row.reason = (
                f"the numbers agree, but {escape.node}, computed from {row.name}, left the "
                "graph while it was recorded: if the graph used that number, backprop and this "
                "replay both miss that path (gradcheck(f, inputs), which re-runs your code, can "
                "tell)"
            )
            row.hints.insert(0, said)
    if problem.function_form and not report.failures:
        report.escapes = []  # a look that fed nothing: the numbers agree


def add_delta_notes(report: GradcheckReport, problem: Problem, settings: Settings) -> None:
    k = problem.root_delta
    if problem.function_form or k in (0.0, 1.0):
        return
    name = problem.title
    if float(k).is_integer() and k > 1:
        report.notes.append(
            f"{name}.delta is {fmt(k)}, not 1: backward() ran {int(k)} times without "
            f"zero_grad(), so deltas accumulated; call {name}.zero_grad() before backward()"
        )
    else:
        report.notes.append(
            f"{name}.delta is {fmt(k)}, not 1: the deltas are {fmt(k)}× dJ/dnode "
            f"(backward(delta={fmt(k)}), or {name} was not the node backward() started from)"
        )


def find_wrong_ops(
    problem: Problem, failing: list[int], settings: Settings
) -> tuple[list[WrongOp], list[str]]:
    """Check each node's stored ∂node/∂input against a central difference of its op.

    Returns the wrong ops, and the nodes that could not be told either way
    (round-off of their own op swamps the difference).
    """
    graph = problem.graph
    names = node_names(graph.root)
    central = Settings(settings.eps, settings.atol, settings.rtol, "central")
    # Only nodes downstream of a failing input can explain it.
    affected = {graph.leaves[i] for i in failing}
    wrong: list[WrongOp] = []
    undecided: list[str] = []
    for node in graph.order:
        if not node.parents or not any(p in affected for p in node.parents):
            continue
        affected.add(node)
        op = node.op
        if not isinstance(op, Primitive):
            continue
        operands = node._operands()
        inputs = [o.value if isinstance(o, Value) else float(o) for o in operands]
        positions = [j for j, o in enumerate(operands) if isinstance(o, Value)]
        checked = 0
        for parent_index, j in enumerate(positions):
            parent = node.parents[parent_index]
            if parent not in affected or checked >= _MAX_POSITIONS_CHECKED:
                continue
            checked += 1
            stored = node.local_derivatives[parent_index]
            input_name = names[parent]
            if [p for p in node.parents if names[p] == input_name][1:]:
                input_name += f" (input {j + 1})"
            description = describe(node, names)
            if not math.isfinite(stored):  # where an inf or nan delta comes from
                wrong.append(WrongOp(node, description, input_name, inputs[j], stored, math.nan))
                continue

            g = _op_slice(op, inputs, j)
            roundoff = EPSILON * node_magnitude(node)
            estimate = numeric_derivative(g, inputs[j], node.value, central, roundoff)
            if estimate.failure or estimate.kink or not math.isfinite(estimate.numeric):
                continue  # no trustworthy slope to compare with
            if not central.close(stored, estimate.numeric):
                settle(g, inputs[j], node.value, estimate, central)
            if central.close(stored, estimate.numeric):
                continue
            allowed = central.atol + central.rtol * abs(estimate.numeric)
            unsettled = estimate.kind in ("central", "one-sided") and not estimate.settled
            if unsettled or abs(stored - estimate.numeric) <= allowed + 2 * estimate.noise:
                why = estimate.doubt or (
                    f"round-off: good only to ±{fmt(estimate.noise, 2)} at h = {fmt(estimate.step)}"
                )
                undecided.append(f"{description} (∂/∂{input_name}: {why})")
                continue  # round-off or a sharp bend: no grounds to blame the op
            wrong.append(
                WrongOp(node, description, input_name, inputs[j], stored, estimate.numeric)
            )
    return wrong, undecided


def _op_slice(op: Primitive, inputs: list[float], j: int) -> Callable[[float], float]:
    """The op's value as a function of its input j alone, the others held fixed."""

    def g(t: float) -> float:
        nudged = list(inputs)
        nudged[j] = t
        return float(op.forward(*nudged)[0])

    return g
