"""gradcheck over every built-in op at hard inputs: never a false verdict.

Tiny and huge inputs, inputs on and near kinks and domain edges, and outputs
that cancel large intermediate values. For a correct op a row may be ok, a
kink (relu and abs only), or "undecided" with its reason, and never FAIL;
when a wrong op sits on top, the op check names that op and no correct one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import microgrid
from microgrid import GradcheckReport, Value, gradcheck, no_grad, primitive

Case = tuple[str, Callable[..., Value], tuple[float, ...]]

TINY = [1e-300, 1e-200, 1e-100, 1e-40, 1e-13, 1e-7]
HUGE = [1e8, 1e15, 1e100, 1e300]
NEAR_KINK = [
    0.0,
    5e-324,
    -5e-324,
    1e-300,
    -1e-300,
    1e-12,
    -1e-12,
    1e-7,
    -1e-7,
    5e-7,
    -5e-7,
    3e-6,
    -3e-6,
]
CANCELS = [1e8, 1e12, 1e15]  # (op(x) + C) − C: the output is small, its round-off is not


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(name: str, f: Callable[..., Value], points: list[tuple[float, ...]]) -> None:
        cases.extend((name, f, point) for point in points)

    signed = [s * x for x in TINY + HUGE for s in (1.0, -1.0)]
    add("+", lambda x, y: x + y, [(1e-300, 1e-300), (1e300, 1e300), (1e8, 1.0), (1.0, 1e8)])
    add("+", lambda x, y: x + y, [(1e15, -1e15 + 1), (1e-7, -1e-7 + 1e-20)])
    add("-", lambda x, y: x - y, [(1e-300, -1e-300), (1e300, -1e300), (1e15 + 1, 1e15)])
    add("*", lambda x, y: x * y, [(1e-300, 1e300), (1e150, 1e150), (1e-200, 1e-100), (1e8, 1e-8)])
    add("/", lambda x, y: x / y, [(1.0, 1e-100), (1.0, -1e-100), (1e-300, 1.0), (1e300, 1e10)])
    add("/", lambda x, y: x / y, [(1.0, 1e150), (1e-7, 1e-7), (3.0, 1e-7)])
    add("** constant", lambda x: x**3, [(x,) for x in (1e-100, -1e-100, 1e100, -1e100, 1e-7)])
    add("** fractional", lambda x: x**-1.5, [(x,) for x in (1e-100, 1e-40, 1e-7, 1e100)])
    add("** Value", lambda x, y: x**y, [(1e-100, 2.0), (1e-40, 0.5), (1e100, 2.5), (2.0, 1000.0)])
    add("** Value", lambda x, y: x**y, [(0.5, 1000.0), (1e-7, 0.5), (1e8, -3.0)])
    add("constant ** Value", lambda y: 2.5**y, [(y,) for y in (700.0, -700.0, 1e-300, 1e-7)])
    add("neg", lambda x: -x, [(x,) for x in signed])
    exp_points = [700.0, -700.0, 709.0, -745.0, 1e-300, -1e-300, 5e-324, 1e-7, 30.0]
    add("exp", lambda x: x.exp(), [(x,) for x in exp_points])
    log_points = [*TINY, *HUGE, 1 + 1e-12, 1 - 1e-12, 3e-6, 2.3e-308]  # 2.3e-308: 1/x is finite
    add("log", lambda x: x.log(), [(x,) for x in log_points])
    smooth_points = [30.0, -30.0, 700.0, -700.0, 1e-300, -1e-300, 1e8, -1e8, 1e-7, 19.0]
    add("sigmoid", lambda x: x.sigmoid(), [(x,) for x in smooth_points])
    add("tanh", lambda x: x.tanh(), [(x,) for x in smooth_points])
    add("relu", lambda x: x.relu(), [(x,) for x in [*NEAR_KINK, 1e300, -1e300]])
    add("sqrt", lambda x: x.sqrt(), [(x,) for x in [*TINY, *HUGE, 3e-6, 1e-320]])
    add("abs", lambda x: abs(x), [(x,) for x in [*NEAR_KINK, 1e300, -1e300]])
    add(
        "sum",
        lambda x, y, z: microgrid.sum([x, 2.0, y, z]),
        [(1.0, 1e16, -1e16), (1e-300, 1e-300, -1e-300), (1e300, -1e300, 1.0)],
    )
    add(
        "dot",
        lambda a, b, x, y: microgrid.dot([a, b], [x, y]),
        [(1e8, 1.0, 1.0, -1e8), (1e-150, 1e150, 1e150, 1e-150), (1e-300, 1.0, 1.0, 1e-300)],
    )
    bce_points = [(1e-12, 1.0), (1 - 1e-12, 0.0), (1e-300, 1.0), (0.5, 0.5), (1e-7, 0.0)]
    add("bce", lambda a, y: microgrid.binary_cross_entropy(a, y), bce_points)
    add(
        "bce constant label",
        lambda a: microgrid.binary_cross_entropy(a, 1),
        [(a,) for a in (1e-300, 1e-40, 1e-12, 1 - 1e-12)],
    )
    add(
        "bce_with_logits",
        lambda z, y: microgrid.binary_cross_entropy_with_logits(z, y),
        [(z, y) for z in (700.0, -700.0, 40.0, -40.0, 1e-300) for y in (0.0, 1.0, 0.5)],
    )
    # Cancellation: the output is small but passes through C, so a difference of
    # it carries C's round-off (the case that used to FAIL and blame +).
    unary: list[tuple[str, Callable[[Value], Value], list[float]]] = [
        ("exp", lambda v: v.exp(), [1.0, -3.0]),
        ("log", lambda v: v.log(), [1.0, 1e-3]),
        ("sigmoid", lambda v: v.sigmoid(), [0.5, -2.0]),
        ("tanh", lambda v: v.tanh(), [0.5]),
        ("sqrt", lambda v: v.sqrt(), [2.0]),
        ("neg", lambda v: -v, [1.0]),
        ("relu", lambda v: v.relu(), [1.0, 1e-7]),
        ("abs", lambda v: abs(v), [-1.0]),
        ("identity", lambda v: v, [1.0, 1e-7]),
    ]
    for name, op, points in unary:
        for c in CANCELS:

            def outside(x: Value, op: Callable[[Value], Value] = op, c: float = c) -> Value:
                return (op(x) + c) - c

            def inside(x: Value, op: Callable[[Value], Value] = op, c: float = c) -> Value:
                return op((x + c) - c)

            add(f"{name} cancelling {c:g} outside", outside, [(x,) for x in points])
            add(f"{name} cancelling {c:g} inside", inside, [(x,) for x in points if x >= 0.5])
    return cases


CASES = _cases()
KINK_OPS = ("relu", "abs")


@primitive
def bad_double(t: float) -> tuple[float, tuple[float]]:
    return 2 * t, (3.0,)  # the derivative of 2t is 2, not 3


def _assert_no_false_verdict(name: str, report: GradcheckReport) -> None:
    for row in report.rows:
        assert row.status != "FAIL", f"{name}: a correct op FAILed\n{report}"
        if row.status == "kink":
            assert name.split()[0] in KINK_OPS, f"{name}: a kink without a kink\n{report}"
        if row.status == "undecided":
            assert row.reason.startswith("cannot tell: "), report
            assert len(row.reason) > len("cannot tell: ") + 20, report  # it says why
    assert not report.wrong_ops, report


def test_the_grid_is_valid_and_wide() -> None:
    # Every point is inside its op's domain with a finite output (or the sweep
    # below would test the input check, not the numerics).
    assert len(CASES) >= 200
    for name, f, point in CASES:
        with no_grad():
            out = f(*(Value(x) for x in point))
        assert math.isfinite(out.value), (name, point)


@pytest.mark.parametrize("form", ["function", "graph"])
def test_no_correct_op_fails_or_is_blamed_at_hard_inputs(form: str) -> None:
    statuses: dict[str, int] = {}
    for name, f, point in CASES:
        if form == "function":
            report = gradcheck(f, list(point))
        else:
            leaves = [Value(x, label=f"x{k}") for k, x in enumerate(point)]
            report = gradcheck(f(*leaves))
        _assert_no_false_verdict(f"{name} at {point}", report)
        for row in report.rows:
            statuses[row.status] = statuses.get(row.status, 0) + 1
    # The grid reaches every verdict a correct op may get.
    assert statuses.get("ok", 0) > 200 and statuses.get("kink", 0) >= 4
    assert statuses.get("undecided", 0) >= 4, statuses
    assert "FAIL" not in statuses


def test_the_op_check_names_only_the_wrong_op_above_a_correct_one_at_hard_inputs() -> None:
    failed = 0
    for name, f, point in CASES:

        def composed(*xs: Value, f: Callable[..., Value] = f) -> Value:
            return bad_double(f(*xs))

        report = gradcheck(composed, list(point))
        blamed = [str(w.node.op) for w in report.wrong_ops]
        assert set(blamed) <= {"bad_double"}, (name, point, str(report))
        if report.failures:
            failed += 1
            assert blamed == ["bad_double"], (name, point, str(report))
    # bad_double is caught wherever the output moves with the inputs at all.
    assert failed >= 0.6 * len(CASES)


def test_the_two_cases_from_the_issue() -> None:
    row = gradcheck(lambda x: (x + 1e8) - 1e8, [1.0]).rows[0]
    assert row.status == "ok" and row.numeric == pytest.approx(1.0, rel=1e-3)
    assert any("widened" in note for note in row.notes)
    row = gradcheck(lambda x: x.log(), [1e-40]).rows[0]
    assert row.status == "ok" and row.numeric == pytest.approx(1e40, rel=1e-3)
    for x in (1e-300, 1e-200, 1e-100):
        assert gradcheck(lambda v: v.log(), [x]).rows[0].numeric == pytest.approx(1 / x, rel=1e-3)


def test_a_row_that_cannot_be_decided_says_so_and_names_the_big_node() -> None:
    report = gradcheck(lambda x: (x + 1e15) - 1e15, [1.0])
    row = report.rows[0]
    assert row.status == "undecided" and report.ok and report.undecided == [row]
    assert "round-off" in row.reason
    assert any("t1 = x + " in note and "= 1e+15" in note for note in row.notes), row.notes
    assert "1 undecided" in report.summary() and "undecided" in repr(report)
    assert "undecided" in report._repr_html_()


def test_a_wrong_op_is_still_caught_through_heavy_round_off() -> None:
    # The round-off of 1e8 inside does not hide a derivative that is 50 % off.
    report = gradcheck(lambda x: (bad_double(x) + 1e8) - 1e8, [1.0])
    assert report.rows[0].status == "FAIL"
    assert [w.description.split(" = ")[1] for w in report.wrong_ops] == ["bad_double(x)"]


def test_the_op_check_says_which_ops_it_could_not_judge() -> None:
    # Deltas doubled by a second backward(): the row FAILs, no op is wrong, and
    # the op x + 1e15 cannot be judged (its own round-off swamps any step).
    x = Value(1.0, label="x")
    J = (x * 2 + ((x + 1e15) - 1e15) * 1e-20).named("J")
    J.backward()
    J.backward()
    report = gradcheck(J)
    assert report.rows[0].status == "FAIL" and not report.wrong_ops
    assert [op.split(" (")[0] for op in report.undecided_ops] == ["t2 = x + 1e+15"]
    assert "no op is shown wrong, but the op check could not judge t2 = x + 1e+15" in str(report)


def test_a_kink_near_x_is_judged_by_the_slope_on_xs_own_side() -> None:
    # log|x| at x = 1e-20 is smooth (slope 1e20), but abs switches within the
    # default step: a kink, not a FAIL for missing the one-sided slopes ±3e7.
    row = gradcheck(lambda x: abs(x).log(), [1e-20]).rows[0]
    assert row.status == "kink" and "abs at t1 switches" in row.reason

    @primitive
    def slack_double(t: float) -> tuple[float, tuple[float]]:
        return 2 * t, (1.2,)  # should be 2

    # At x = 3e-7 relu switches within the step, and the analytic 1.2 lies between
    # the one-sided slopes 0.6 and 2; but x > 0, so the derivative must be 2.
    report = gradcheck(lambda x: slack_double(x.relu()), [3e-7])
    row = report.rows[0]
    assert row.status == "FAIL" and "on x's own side of it" in row.reason, report
    assert [w.description.split(" = ")[1] for w in report.wrong_ops] == ["slack_double(t1)"]


def test_an_input_lost_in_a_much_larger_sum_is_undecided_not_blamed() -> None:
    # x + 4e30 cannot move with x = 1 at any step: the row cannot be judged.
    report = gradcheck(lambda x, y: x + y, [1.0, 4e30])
    assert [row.status for row in report.rows] == ["undecided", "ok"]
    assert report.ok and not report.wrong_ops
