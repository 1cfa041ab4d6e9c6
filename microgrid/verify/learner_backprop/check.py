"""`check_backprop` and `gradient_difference`: the learner's backprop against the truth.

`check_backprop` runs the learner's own NumPy cost on arrays of Values (each
parameter entry a labelled leaf, ``W1[2,1]``), backprops through the graph
that builds, and compares every entry of the learner's hand-written
gradients with the true ones. `gradient_difference` is the course's numeric
check, one number from central differences.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microgrid.engine import Value, is_grad_enabled
from microgrid.engine.walks import topological_order
from microgrid.verify.learner_backprop.arrays import data_columns, edge_budget
from microgrid.verify.learner_backprop.diagnosis import (
    Tolerance,
    activation_mistake,
    compare,
    layer_pointer,
    nodes_on_a_kink,
    same_factor_everywhere,
    swapped_hints,
)
from microgrid.verify.learner_backprop.difference import (
    GradientDifference,
    as_number,
    central_differences,
    course_difference,
    plain_parameters,
    stacked,
    threshold_for,
)
from microgrid.verify.learner_backprop.learner import (
    CodeLine,
    FloatCall,
    LearnerError,
    cut_by_escape,
    run_learner_code,
    watch_float_calls,
)
from microgrid.verify.learner_backprop.parameters import (
    Data,
    Parameter,
    Theirs,
    check_count,
    check_tolerance,
    choose_entries,
    match_gradients,
    read_data,
    read_parameters,
)
from microgrid.verify.learner_backprop.regularization import (
    dropout_mistakes,
    l2_coefficients,
    l2_mistakes,
)
from microgrid.verify.learner_backprop.report import BackpropReport, GradientCheck

Floats = NDArray[np.float64]

NUMERIC_AUTO_LIMIT = 2000  # checked entries up to which the course's number is computed by default
MAX_EDGES = 40_000_000  # about 2.4 GB of graph: the full 209-picture cat network needs 18 million


class _Setup:
    """The checked arguments: parameters (with the entries chosen), data, the learner's grads."""

    def __init__(
        self,
        cost: object,
        parameters: object,
        gradients: object,
        data: object,
        samples: object,
        entries: object,
        seed: object,
    ) -> None:
        if not callable(cost):
            raise TypeError(
                "cost must be a function of the parameters, e.g. "
                "lambda p: compute_cost(forward_propagation(X, p)[0], Y); "
                f"got {type(cost).__name__}"
            )
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be a whole number, got {seed!r}")
        self.cost: Callable[..., Any] = cost
        self.parameters: list[Parameter] = read_parameters(parameters)
        rng = np.random.default_rng(int(seed))
        self.data: Data | None = read_data(data, samples, rng)
        self.entries = check_count(entries, "entries")
        choose_entries(self.parameters, self.entries, rng)
        if callable(gradients):
            if self.data is None:
                raise TypeError(
                    "gradients is a function: pass data=(X, Y) so that microgrid can call it "
                    "as gradients(parameters, X, Y), or pass the dict it returns"
                )
        elif samples is not None:
            raise TypeError(
                "samples= needs gradients as a function of (parameters, X, Y), so that your "
                "backward pass runs on the same columns as the check"
            )
        self.gradients = gradients
        self.wrapped: dict[str, Any] = {}  # the parameters as Values, once the cost has run
        self.max_edges: int | None = None  # per run of the cost on Values
        self.calls: list[FloatCall] = []  # where the cost on Values left the graph
        self.columns: set[int] = set()  # columns of the data the parameters multiplied

    def run_on_values(self) -> tuple[Any, LearnerError | None]:
        """The learner's cost on the parameters as Values (each run has its own edge budget)."""
        with edge_budget(self.max_edges):
            return run_learner_code("cost", lambda: self.call(self.cost, dict(self.wrapped)))

    def call(self, function: Callable[..., Any], parameters: dict[str, Any]) -> Any:
        if self.data is None:
            return function(parameters)
        return function(parameters, self.data.X, self.data.Y)

    def float_cost(self, parameters: dict[str, Any]) -> object:
        return self.call(self.cost, parameters)

    def their_gradients(self) -> tuple[object, LearnerError | None]:
        if not callable(self.gradients):
            return self.gradients, None
        function = self.gradients
        result, error = run_learner_code(
            "gradients", lambda: self.call(function, plain_parameters(self.parameters))
        )
        if (
            error is None
            and isinstance(result, tuple)
            and result
            and isinstance(result[0], Mapping)
        ):
            result = result[0]  # (grads, cost), as the course's propagate returns
        return result, error

    @property
    def m(self) -> int | None:
        return None if self.data is None else self.data.m

    @property
    def seen_m(self) -> int | None:
        """Without data=: the columns of the plain X that the parameters multiplied (W1 @ X)."""
        return next(iter(self.columns)) if len(self.columns) == 1 else None


def check_backprop(
    cost: Callable[..., Any],
    parameters: Mapping[str, Any],
    gradients: Mapping[str, Any] | Callable[..., Any],
    *,
    data: tuple[Any, Any] | None = None,
    samples: int | slice | Any | None = None,
    entries: int | None = None,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    numeric: bool | None = None,
    epsilon: float = 1e-7,
    max_edges: int | None = MAX_EDGES,
) -> BackpropReport:
    """Compare a learner's hand-written gradients with backprop through their own cost.

    `cost(parameters)` is the learner's NumPy code, run unchanged on arrays
    of Values; `gradients` is what their backward pass returned (``dW1`` or
    ``W1`` keys). With ``data=(X, Y)``, `cost` and (optionally) `gradients`
    are functions of ``(parameters, X, Y)``, and ``samples=k`` checks on k
    random columns. ``entries=k`` checks k random entries of each parameter.
    An entry is right when |yours − true| ≤ atol + rtol·|true|. ``numeric``
    adds the course's central differences (default: when ≤ 2000 entries).
    ``max_edges`` bounds the graph's matrix products (about 60 bytes an edge):
    beyond it the report says to use ``samples=`` or ``entries=``.

    >>> import numpy as np
    >>> X, Y = np.array([[1.0, 2.0, -1.0]]), np.array([[1, 0, 1]])
    >>> def cost(p):
    ...     A = 1 / (1 + np.exp(-(np.dot(p["w"].T, X) + p["b"])))
    ...     return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 3
    >>> p = {"w": np.array([[0.5]]), "b": np.array([[0.1]])}
    >>> A = 1 / (1 + np.exp(-(p["w"].T @ X + p["b"])))
    >>> check_backprop(cost, p, {"dw": X @ (A - Y).T / 3, "db": np.sum(A - Y) / 3}).ok
    True
    >>> print(check_backprop(cost, p, {"dw": X @ (A - Y).T, "db": np.sum(A - Y) / 3}))
    check_backprop: 1 of 2 gradients are wrong (dw)
    ...
      hint: every entry of dw is 3 × the true value: exactly 3 times too big; ...
    """
    started = time.process_time()
    if not is_grad_enabled():
        raise RuntimeError(
            "check_backprop needs to record the graph of your cost: call it outside "
            "`with microgrid.no_grad():`"
        )
    setup = _Setup(cost, parameters, gradients, data, samples, entries, seed)
    tolerance = Tolerance(check_tolerance(rtol, "rtol"), check_tolerance(atol, "atol"))
    epsilon = check_tolerance(epsilon, "epsilon")
    if not epsilon:
        raise ValueError("epsilon must be > 0 (the course uses 1e-7)")
    if numeric not in (None, True, False):
        raise TypeError(f"numeric must be True, False or None, got {numeric!r}")
    max_edges = check_count(max_edges, "max_edges")
    report = BackpropReport(gradients=[], cost=None, rtol=tolerance.rtol, atol=tolerance.atol)
    report.epsilon = epsilon
    if setup.data is not None:
        report.samples, report.samples_total = setup.data.m, setup.data.m_total

    given, error = setup.their_gradients()
    if error is not None:
        report.error = error
        return report
    theirs, report.unused_keys = match_gradients(setup.parameters, given)

    setup.max_edges = max_edges
    J, error, notes = _cost_graph(setup)
    report.notes.extend(notes)
    if error is not None or J is None:  # (a cut by float() is an error: the truth misses it)
        report.error = error
        return report
    report.cost = J.value
    order = topological_order(J)
    J.backward()
    true = _true_gradients(setup.parameters)
    cut, unused = _cut_parameters(setup, order, J.value)
    if cut is not None:
        report.error = cut
        return report

    approx = _numeric(setup, numeric, epsilon, report)
    keys = [str(k) for k in given] if isinstance(given, Mapping) else []
    report.gradients = _compare_all(setup, theirs, true, approx, tolerance, keys, order, report)
    for check in report.gradients:
        if check.name in unused and not check.ok:
            check.hints.insert(
                0,
                f"your cost never uses the {check.name} it is given, so its true gradient is 0: "
                f"does it read a copy (copy.deepcopy) or a global {check.name}?",
            )
    if approx:
        vectors = stacked(setup.parameters, theirs, approx)
        if vectors is None:
            report.notes.append(
                "the course's difference is not shown: a gradient is missing or has the "
                "wrong number of entries"
            )
        else:
            report.difference = course_difference(*vectors)
            report.threshold = threshold_for(vectors[0].size)
    _diagnose(report, J, order, setup, tolerance, theirs)
    report.notes.extend(_setting_notes(setup, report.unused_keys))
    report.seconds = time.process_time() - started
    return report


def gradient_difference(
    cost: Callable[..., Any],
    parameters: Mapping[str, Any],
    gradients: Mapping[str, Any] | Callable[..., Any],
    epsilon: float = 1e-7,
    *,
    data: tuple[Any, Any] | None = None,
    samples: int | slice | Any | None = None,
    entries: int | None = None,
    seed: int = 0,
) -> GradientDifference:
    """The course's ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂), by central differences.

    `cost` runs on plain floats, twice per parameter entry (θ ± epsilon).
    ``str(result)`` is the course's verdict; ``float(result)`` the number. If your
    code raises, `LearnerCodeError` says which line of it.
    The course's 1-D example, J(θ) = θ·x at x = 2, θ = 4, so dJ/dθ = x = 2:

    >>> result = gradient_difference(lambda p: p["theta"] * 2, {"theta": 4.0}, {"dtheta": 2.0})
    >>> result.difference < 1e-7, str(result).startswith("The gradient is correct!")
    (True, True)
    """
    setup = _Setup(cost, parameters, gradients, data, samples, entries, seed)
    epsilon = check_tolerance(epsilon, "epsilon")
    if not epsilon:
        raise ValueError("epsilon must be > 0 (the course uses 1e-7)")
    given, error = setup.their_gradients()
    if error is not None:
        raise LearnerCodeError(error)
    theirs, _ = match_gradients(setup.parameters, given)
    for parameter in setup.parameters:
        mine = theirs[parameter.name]
        if mine.values is None:
            raise ValueError(f"gradients: no {'d' + parameter.name!r} for {parameter.name!r}")
        if mine.values.size != parameter.size:
            raise ValueError(
                f"{mine.key} has {mine.values.size} entries but {parameter.name} has "
                f"{parameter.size}: the shapes differ ({mine.values.shape} and {parameter.shape})"
            )
    approx, error = central_differences(setup.float_cost, setup.parameters, epsilon)
    if error is not None:
        raise LearnerCodeError(error)
    vectors = stacked(setup.parameters, theirs, approx)
    assert vectors is not None
    size = vectors[0].size
    return GradientDifference(
        course_difference(*vectors), threshold_for(size), epsilon, approx, entries=size
    )


class LearnerCodeError(RuntimeError):
    """Your cost or gradients raised inside `gradient_difference`; the message says where.

    ``.learner_error`` has the exception and the line of your code; the original
    exception is the ``__cause__``.
    """

    def __init__(self, error: LearnerError) -> None:
        super().__init__(str(error))
        self.learner_error = error
        self.__cause__ = error.exception


# ---------------------------------------------------------------------------
# The steps.
# ---------------------------------------------------------------------------


def _cost_graph(setup: _Setup) -> tuple[Value | None, LearnerError | None, list[str]]:
    """Run the learner's cost on Values and find the cost node (J), or say why not."""
    setup.wrapped = {p.name: p.as_values() for p in setup.parameters}
    # float(), math.*, .item(): where Values left the graph; W1 @ X: how many samples
    with watch_float_calls() as calls, data_columns() as columns:
        result, error = setup.run_on_values()
    setup.calls, setup.columns = calls, columns
    if error is not None:
        return None, error, []
    node, problem = _as_node(result)
    parameters = {leaf for p in setup.parameters for leaf in p.leaves}
    if node is not None:
        return node, cut_by_escape(calls, node, parameters), []
    if problem:
        return None, _complaint(problem), []
    # A plain number: float() or .item() left the graph, at the end (the cost itself) or before.
    number = _number_or_none(result)
    rescued = _value_that_was_returned(calls, number)
    if rescued is not None:
        cut = cut_by_escape(calls, rescued.node, parameters)
        return rescued.node, cut, [] if cut else [_rescue_note(rescued)]
    return None, _cut_error(number, calls), []


def _as_node(result: object) -> tuple[Value | None, str]:
    """The cost node the learner returned; ("", None) for a plain number; a complaint."""
    if isinstance(result, Value):
        return result, ""
    if isinstance(result, (bool, str, bytes)) or result is None:
        return None, f"your cost returned {result!r}, not a number (a missing return?)"
    try:
        array = np.asarray(result, dtype=object)
    except (TypeError, ValueError):
        return None, f"your cost returned {type(result).__name__}, not a number"
    if array.size != 1:
        return None, (
            f"your cost returned an array of shape {array.shape}, not one number "
            "(sum over the samples, np.sum, and divide by m)"
        )
    entry = array.reshape(-1)[0]
    if isinstance(entry, Value):
        return entry, ""
    if isinstance(entry, numbers.Real):
        return None, ""
    return None, f"your cost returned {type(entry).__name__} {entry!r}, not a number"


def _number_or_none(result: object) -> float | None:
    try:
        return as_number(result)
    except (TypeError, ValueError):
        return None


def _value_that_was_returned(calls: list[FloatCall], number: float | None) -> FloatCall | None:
    """The last float()/.item() whose Value equals the number returned: the cost itself."""
    if number is None:
        return None
    for call in reversed(calls):
        value = call.node.value
        if value == number or math.isclose(value, number, rel_tol=1e-15, abs_tol=0.0):
            return call
    return None


def _rescue_note(call: FloatCall) -> str:
    where = f" at {call.line.short()}" if call.line else ""
    return (
        f"your cost ends in {call.written}{where}. {call.written} gives a plain number and "
        "leaves the graph, so microgrid checked the Value it was given (equal to your cost)"
    )


def _complaint(message: str) -> LearnerError:
    return LearnerError("cost", TypeError(message), None, ())


def _cut_error(number: float | None, calls: list[FloatCall]) -> LearnerError:
    shown = "a plain number" if number is None else f"a plain number ({number:.6g})"
    if not calls:
        message = (
            f"your cost returned {shown}, not a Value, and never turned a Value into a "
            "number: does it use the parameters it is given (not a global copy)?"
        )
        return LearnerError("cost", TypeError(message), None, ())
    first = calls[0]
    message = (
        f"your cost returned {shown}, not a Value: {first.written} turned a Value into a "
        "plain number, which leaves the graph, so backprop cannot reach the parameters"
    )
    lines = tuple(call.line for call in calls[:5] if call.line is not None)
    return LearnerError(
        "cost",
        TypeError(message),
        first.line,
        lines[:1],
        hint="keep the Values until the end: np.squeeze(cost) is fine, float(cost) is not",
    )


def _true_gradients(parameters: list[Parameter]) -> dict[str, Floats]:
    true = {}
    for parameter in parameters:
        full = np.full(parameter.shape, math.nan)
        full.reshape(-1)[parameter.checked] = [leaf.delta for leaf in parameter.leaves]
        true[parameter.name] = full
    return true


def _cut_parameters(
    setup: _Setup, order: list[Value], cost: float
) -> tuple[LearnerError | None, list[str]]:
    """Parameters none of whose entries reach the cost: cut by float(), or never used."""
    in_graph = set(map(id, order))
    unreached = [
        p.name
        for p in setup.parameters
        if p.leaves and not any(id(v) in in_graph for v in p.leaves)
    ]
    if not unreached:
        return None, []
    calls = [call for call in setup.calls if call.node.value != cost]  # float(cost) at the end
    if not calls:
        return None, unreached  # not used: its true gradient is 0, and that is what we compare
    first = calls[0]
    names = ", ".join(unreached)
    message = (
        f"{names} never reach the cost in the graph: {first.written} turned a Value into a "
        "plain number, which leaves the graph"
    )
    lines: tuple[CodeLine, ...] = (first.line,) if first.line else ()
    error = LearnerError("cost", TypeError(message), first.line, lines, hint="keep the Values")
    return error, unreached


def _compare_all(
    setup: _Setup,
    theirs: Mapping[str, Theirs],
    true: Mapping[str, Floats],
    approx: Mapping[str, Floats],
    tolerance: Tolerance,
    keys: list[str],
    order: list[Value],
    report: BackpropReport,
) -> list[GradientCheck]:
    """One `GradientCheck` per parameter; a second pass when the cost sits on a kink."""

    def compare_each(on_kink: bool) -> list[GradientCheck]:
        return [
            compare(
                p,
                theirs[p.name],
                true[p.name],
                approx.get(p.name),
                tolerance,
                setup.m,
                keys,
                on_kink,
                seen_m=setup.seen_m,
            )
            for p in setup.parameters
        ]

    checks = compare_each(on_kink=False)
    kinks = nodes_on_a_kink(order) if any(c.status == "WRONG" for c in checks) else 0
    if kinks:
        checks = compare_each(on_kink=True)
        report.notes.append(_kink_note(kinks, bool(approx), checks))
    return checks


def _numeric(
    setup: _Setup, numeric: bool | None, epsilon: float, report: BackpropReport
) -> dict[str, Floats]:
    checked = sum(int(p.checked.size) for p in setup.parameters)
    if numeric is False:
        return {}
    if numeric is None and checked > NUMERIC_AUTO_LIMIT:
        report.notes.append(
            f"the course's numeric check was skipped: {checked:,} entries would take "
            f"{2 * checked:,} runs of your cost (pass numeric=True, or entries=)"
        )
        return {}
    approx, error = central_differences(setup.float_cost, setup.parameters, epsilon)
    if error is not None:
        report.notes.append(
            f"the course's numeric check could not run your cost on plain numbers: {error.kind}: "
            f"{error.exception}" + (f" at {error.line}" if error.line else "")
        )
        return {}
    return approx


def _diagnose(
    report: BackpropReport,
    J: Value,
    order: list[Value],
    setup: _Setup,
    tolerance: Tolerance,
    theirs: Mapping[str, Theirs],
) -> None:
    checks = report.gradients
    swapped_hints(checks, tolerance)
    if report.ok:
        return
    lines = same_factor_everywhere(checks)
    if lines:  # said once for the network rather than once per gradient
        for check in checks:
            check.hints = [h for h in check.hints if " × the true value" not in h]
    else:  # course 2: an L2 term or a dropout step written wrong
        coefficients = l2_coefficients(J, order, setup.parameters, checks)
        m = setup.m if setup.m is not None else setup.seen_m
        lines.extend(l2_mistakes(coefficients, setup.parameters, checks, theirs, m))
        lines.extend(dropout_mistakes(J, order, setup.parameters, checks, tolerance))
    if not lines and any(c.status == "WRONG" and not c.hints for c in checks):
        found, notes = activation_mistake(J, order, setup.parameters, checks, tolerance)
        lines.extend(found)
        report.notes.extend(notes)
    report.look_first, pointer = layer_pointer(checks)
    report.diagnosis = pointer + lines


def _kink_note(kinks: int, numeric: bool, checks: list[GradientCheck]) -> str:
    nodes = "1 abs/relu node in your cost sits" if kinks == 1 else f"{kinks} abs/relu nodes sit"
    said = (
        f"{nodes} exactly on the kink (input 0), where the derivative is a convention "
        "(microgrid takes 0, as PyTorch does)"
    )
    marked = [c.gradient_name for c in checks if c.kinks]
    if marked:
        return (
            f"{said}: the entries of {', '.join(marked)} that differ from backprop there but "
            "agree with the course's central differences are marked kink, not wrong"
        )
    if not numeric:
        return f"{said}: entries listed as wrong may be on it (numeric=True tells them apart)"
    return said


def _setting_notes(setup: _Setup, unused: list[str]) -> list[str]:
    notes = []
    if setup.entries is not None and any(p.checked.size < p.size for p in setup.parameters):
        notes.append(
            f"entries={setup.entries}: at most {setup.entries} entries of each parameter, "
            "chosen at random (seed=...); the others are not compared"
        )
    if unused:
        notes.append(f"not compared (no parameter of that name): {', '.join(unused)}")
    return notes
