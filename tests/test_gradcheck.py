"""gradcheck: finite differences against backprop, row by row: kinks, hints, the wrong op."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import microgrid
from microgrid import GradcheckError, GradcheckReport, Value, gradcheck, no_grad, primitive
from microgrid.engine.walks import topological_order

ROOT = Path(__file__).resolve().parent.parent


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def seed_graph() -> tuple[Value, Value, Value, Value]:
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (3 * v).named("J"), a, b, c


def snapshot(root: Value) -> list[tuple[float, float, tuple[float, ...]]]:
    return [(n.value, n.delta, n.local_derivatives) for n in topological_order(root)]


# ---------------------------------------------------------------------------
# The two forms, against closed forms.
# ---------------------------------------------------------------------------


def test_function_form_matches_closed_form() -> None:
    x, w = 0.5, 2.0
    report = gradcheck(lambda x, w: (x * w).sigmoid(), [x, w])
    s = sigmoid(x * w)
    # d/dx σ(xw) = σ(1−σ)·w, d/dw = σ(1−σ)·x
    assert report.ok and [row.name for row in report.rows] == ["x", "w"]
    assert report["x"].analytic == pytest.approx(s * (1 - s) * w, rel=1e-14)
    assert report["w"].analytic == pytest.approx(s * (1 - s) * x, rel=1e-14)
    assert report["x"].numeric == pytest.approx(s * (1 - s) * w, rel=1e-8)
    assert report.output == pytest.approx(s, rel=1e-15)
    assert all(row.status == "ok" for row in report.rows)
    assert report["x"].rel_error < 1e-7


def test_function_form_leaves_input_values_alone() -> None:
    x = Value(0.5, label="xin")
    x.delta = 7.0
    report = gradcheck(lambda x, w: x * w, [x, 3.0])
    assert [row.name for row in report.rows] == ["xin", "w"]  # a label beats the parameter name
    assert (x.value, x.delta, x.parents) == (0.5, 7.0, ())
    assert report["xin"].analytic == 3.0


def test_function_form_restores_deltas_of_values_it_closes_over() -> None:
    b = Value(4.0, label="b")
    b.delta = 2.5
    report = gradcheck(lambda x: x * b + b, [3.0])
    assert report.ok and report["x"].analytic == 4.0
    assert b.delta == 2.5


def test_graph_form_on_the_seed_graph() -> None:
    J = seed_graph()[0]
    report = gradcheck(J)
    assert report.ok
    assert [(r.name, r.analytic) for r in report.rows] == [("a", 3.0), ("b", 6.0), ("c", 9.0)]
    for row, expected in zip(report.rows, (3.0, 6.0, 9.0), strict=True):
        assert row.numeric == pytest.approx(expected, rel=1e-8)
    assert "fresh backward" in report.source


@pytest.mark.parametrize("backward_first", [False, True])
@pytest.mark.parametrize("method", ["central", "forward", "richardson"])
def test_graph_form_leaves_values_local_derivatives_and_deltas_exactly(
    backward_first: bool, method: str
) -> None:
    J, a, *_ = seed_graph()
    extra = (J.tanh() * a).relu().named("K")  # a second use of the leaves, with a kink op
    if backward_first:
        J.backward()
    before = snapshot(extra)
    report = gradcheck(J, method=method)
    report.sweep()
    gradcheck(extra, wrt=[a])
    assert snapshot(extra) == before
    assert report.ok


def test_graph_form_is_exact_after_a_failing_check_too() -> None:
    @primitive
    def wrong(x: float) -> tuple[float, tuple[float]]:
        return x * x, (x,)

    x = Value(1.5, label="x")
    J = wrong(x.sigmoid()) * 2
    J.backward()
    before = snapshot(J)
    report = gradcheck(J)
    assert not report.ok
    assert snapshot(J) == before


def test_graph_form_wrt_picks_leaves_in_order() -> None:
    J, a, b, c = seed_graph()
    report = gradcheck(J, wrt=[c, a, c])
    assert [row.name for row in report.rows] == ["c", "a"]
    assert gradcheck(J, wrt=b).rows[0].analytic == 6.0


def test_graph_form_checks_existing_deltas_and_spots_ones_never_zeroed() -> None:
    J, a, b, c = seed_graph()
    J.backward()
    J.backward()  # deltas accumulate: every one is now 2× dJ/dnode
    report = gradcheck(J)
    assert not report.ok
    assert [row.analytic for row in report.rows] == [6.0, 12.0, 18.0]
    assert all(row.status == "FAIL" for row in report.rows)
    for row in report.rows:
        assert any("backward() ran 2 times" in hint for hint in row.hints)
    text = str(report)
    assert "J.delta is 2, not 1" in text and "zero_grad()" in text
    assert "the deltas already on the graph" in report.source
    assert report.wrong_ops == [] and report.ops_checked
    assert (a.delta, b.delta, c.delta) == (6.0, 12.0, 18.0)  # left as they were


def test_graph_form_spots_one_accumulated_delta() -> None:
    J, a, *_ = seed_graph()
    J.backward()
    a.delta += 1.0  # left over from somewhere else
    report = gradcheck(J)
    assert [row.status for row in report.rows] == ["FAIL", "ok", "ok"]
    assert any("a fresh backward gives 3" in hint for hint in report["a"].hints)
    assert a.delta == 4.0


def test_graph_form_on_a_stale_graph_checks_the_leaves_and_puts_values_back() -> None:
    J, a, *_ = seed_graph()
    J.backward()
    a.value = 6.0  # changed after the forward pass: J.value is stale
    before = snapshot(J)
    report = gradcheck(J)
    assert report.ok and report.output == 36.0
    assert any("stale" in note for note in report.notes)
    assert snapshot(J) == before and J.value == 33.0


def test_leaf_root_and_shared_leaf() -> None:
    x = Value(2.0, label="x")
    assert gradcheck(x).rows[0].analytic == 1.0
    report = gradcheck((x * x).named("y"))
    assert report.ok and report["x"].analytic == 4.0


def test_unlabelled_leaves_get_the_shared_names() -> None:
    J = (Value(2.0) * Value(3.0)).exp()
    report = gradcheck(J)
    assert [row.name for row in report.rows] == ["t1", "t2"]
    assert report.title == "J"


def test_gradcheck_inside_no_grad_still_records() -> None:
    with no_grad():
        report = gradcheck(lambda x: x.exp(), [0.3])
    assert report.ok and report["x"].analytic == pytest.approx(math.exp(0.3), rel=1e-15)


def test_python_branches_are_honoured_in_the_function_form() -> None:
    # f is called again at x ± h, so the numeric side sees the real function.
    def step_relu(x: Value) -> Value:
        return x if x.value > 0 else 0 * x

    report = gradcheck(step_relu, [0.0])
    assert report.rows[0].status == "kink"
    assert gradcheck(step_relu, [0.5]).ok


def test_primitive_as_f_names_rows_after_its_parameters() -> None:
    @primitive
    def hypot(x: float, y: float) -> tuple[float, tuple[float, float]]:
        r = math.hypot(x, y)
        return r, (x / r, y / r)

    report = gradcheck(hypot, [3.0, 4.0])
    assert report.ok and [row.name for row in report.rows] == ["x", "y"]
    assert report.title == "hypot(x, y)"
    assert report["x"].analytic == 0.6


# ---------------------------------------------------------------------------
# Wrong derivatives: the right row fails, the wrong op is named, hints.
# ---------------------------------------------------------------------------


@primitive
def bad_cube(x: float) -> tuple[float, tuple[float]]:
    return x**3, (2 * x**2,)  # should be 3x²


def test_wrong_primitive_fails_its_row_and_is_named() -> None:
    x, w = 0.7, 1.1
    report = gradcheck(lambda x, w: bad_cube(x) * w, [x, w])
    assert [row.status for row in report.rows] == ["FAIL", "ok"]
    row = report["x"]
    assert row.analytic == pytest.approx(2 * x**2 * w, rel=1e-14)
    assert row.numeric == pytest.approx(3 * x**2 * w, rel=1e-8)
    assert "beyond tolerance" in row.reason
    wrong = report.wrong_ops[0]
    assert wrong.description == "t1 = bad_cube(x)" and wrong.input_name == "x"
    assert wrong.stored == pytest.approx(2 * x**2) and wrong.numeric == pytest.approx(3 * x**2)
    text = str(report)
    assert "first wrong op: node t1 = bad_cube(x): ∂/∂x stored 0.98, numeric 1.47" in text
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, w: bad_cube(x) * w, [x, w], raise_on_failure=True)
    assert isinstance(caught.value, AssertionError)
    assert caught.value.report.failures[0].name == "x"
    assert "bad_cube" in str(caught.value)


def test_wrong_op_deep_in_a_graph_is_the_first_wrong_one() -> None:
    @primitive
    def bad_square(x: float) -> tuple[float, tuple[float]]:
        return x * x, (x,)

    x = Value(0.3, label="x")
    h = (x * 2).named("h")
    s = bad_square(h).named("s")
    J = (s.tanh() + bad_square(s)).named("J")
    report = gradcheck(J)
    assert report["x"].status == "FAIL"
    assert [w.description for w in report.wrong_ops] == ["s = bad_square(h)", "t2 = bad_square(s)"]
    assert str(report.wrong_ops[0]).startswith("node s = bad_square(h): ∂/∂h stored 0.6")


def test_only_the_input_with_the_wrong_partial_fails() -> None:
    @primitive
    def bad_mul(x: float, y: float) -> tuple[float, tuple[float, float]]:
        return x * y, (y, 2 * x)  # ∂/∂y should be x

    report = gradcheck(lambda a, b: bad_mul(a, b).exp(), [0.4, 0.9])
    assert [row.status for row in report.rows] == ["ok", "FAIL"]
    assert report.wrong_ops[0].input_name == "b"
    assert any("2× numeric" in hint for hint in report["b"].hints)


@pytest.mark.parametrize(
    ("factor", "words"),
    [(-1.0, "sign flipped"), (2.0, "2× numeric"), (0.5, "½ of numeric")],
)
def test_hints_for_plain_patterns(factor: float, words: str) -> None:
    @primitive
    def scaled_exp(x: float) -> tuple[float, tuple[float]]:
        return math.exp(x), (factor * math.exp(x),)

    report = gradcheck(lambda x: scaled_exp(x), [0.2])
    assert report.rows[0].status == "FAIL"
    assert any(words in hint for hint in report.rows[0].hints), report.rows[0].hints


def test_hint_when_the_analytic_is_zero_because_value_was_used() -> None:
    report = gradcheck(lambda x: x * 0 + x.value * 3, [1.0])  # x.value escapes the graph
    row = report.rows[0]
    assert (row.analytic, row.status) == (0.0, "FAIL")
    assert row.numeric == pytest.approx(3.0, rel=1e-8)
    assert any(".value" in hint for hint in row.hints)


def test_no_wrong_op_is_named_when_every_op_is_right() -> None:
    J, *_ = seed_graph()
    J.backward()
    J.backward()
    report = gradcheck(J)
    assert report.wrong_ops == []
    assert "no op is wrong: every node's local derivatives match" in str(report)


# ---------------------------------------------------------------------------
# Kinks: reported, not failed.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: x.relu(), 0.0),
        (lambda x: abs(x), 0.0),
        (lambda x: x.relu(), 3e-7),  # relu switches within ±eps
        (lambda x: x.relu(), -8e-7),
        (lambda x: (x * 2 - 1).abs().exp(), 0.5),  # a kink behind other ops
    ],
)
def test_kinks_are_reported_not_failed(f: Callable[[Value], Value], x: float) -> None:
    report = gradcheck(f, [x])
    row = report.rows[0]
    assert row.status == "kink" and report.ok
    assert row.left is not None and row.right is not None and row.left != pytest.approx(row.right)
    assert "switches" in row.reason
    assert "kink (not a failure)" in str(report)


def test_kink_in_the_graph_form_names_the_node() -> None:
    x = Value(0.0, label="x")
    z = (x * 3).named("z")
    J = z.relu().named("J")
    report = gradcheck(J)
    assert report.rows[0].status == "kink"
    assert report.rows[0].reason.startswith(
        "relu at J switches: its input goes from -3e-06 to 3e-06"
    )


def test_away_from_the_kink_relu_and_abs_are_ok() -> None:
    assert gradcheck(lambda x: x.relu(), [0.1]).rows[0].status == "ok"
    assert gradcheck(lambda x: abs(x), [-2e-5]).rows[0].status == "ok"


def test_a_kink_found_only_by_one_sided_slopes() -> None:
    @primitive
    def leaky(x: float) -> tuple[float, tuple[float]]:
        return (x, (1.0,)) if x > 0 else (0.1 * x, (0.1,))

    report = gradcheck(leaky, [0.0])
    row = report.rows[0]
    assert row.status == "kink" and row.reason.startswith("not differentiable here")
    assert (row.left, row.right) == (pytest.approx(0.1), pytest.approx(1.0))


def test_a_slope_outside_the_one_sided_slopes_fails_even_at_a_kink() -> None:
    @primitive
    def bad_abs(x: float) -> tuple[float, tuple[float]]:
        return abs(x), (5.0,)

    row = gradcheck(bad_abs, [0.0]).rows[0]
    assert row.status == "FAIL" and "not between the one-sided slopes" in row.reason


def test_no_false_kinks_on_strongly_curved_smooth_functions() -> None:
    assert gradcheck(lambda x: 1 / x, [1e-3]).rows[0].status == "ok"
    assert gradcheck(lambda x: (x * 10).exp(), [2.0]).rows[0].status == "ok"
    assert gradcheck(lambda x: x**4, [0.0]).rows[0].status == "ok"


def test_torch_reports_relu_at_zero_as_a_plain_failure() -> None:
    # The anchor: torch.autograd.gradcheck says relu'(0) is wrong; we say "kink".
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(torch.relu, (x,), raise_exception=False)
    row = gradcheck(lambda x: x.relu(), [0.0]).rows[0]
    assert row.status == "kink"
    y = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.relu(y).backward()
    assert row.analytic == y.grad.item()  # the same convention: relu'(0) = 0


# ---------------------------------------------------------------------------
# NaN, inf and domain edges: reported, never a crash.
# ---------------------------------------------------------------------------


def test_infinite_analytic_is_reported() -> None:
    report = gradcheck(lambda x: x.exp(), [1000.0])
    row = report.rows[0]
    assert row.status == "FAIL" and "non-finite analytic" in row.reason
    assert str(report.wrong_ops[0]) == "node J = exp(x): ∂/∂x is inf at x = 1000"


def test_infinite_numeric_is_reported() -> None:
    x = 709.7824  # exp(x) is finite, exp(x + 1e-6·x) overflows to inf
    row = gradcheck(lambda x: x.exp(), [x]).rows[0]
    assert math.isfinite(row.analytic)
    assert row.status == "FAIL" and "non-finite numeric" in row.reason


def test_nan_is_reported() -> None:
    report = gradcheck(lambda x: x * float("nan"), [1.0])
    assert report.rows[0].status == "FAIL" and "nan" in report.rows[0].reason
    assert "∂/∂x is nan" in str(report)
    report = gradcheck(lambda x: x * 2, [float("nan")])
    assert report.rows[0].status == "FAIL"
    assert "nan" in str(report)


def test_domain_edge_shrinks_the_step() -> None:
    row = gradcheck(lambda x: x.log(), [1e-7]).rows[0]
    assert row.status == "ok" and row.numeric == pytest.approx(1e7, rel=1e-4)
    assert any("step shrunk" in note for note in row.notes)


def test_domain_edge_at_x_uses_a_one_sided_difference() -> None:
    # d/dx x^2 at 0 with a Value exponent: x − h is outside the domain.
    report = gradcheck(lambda x, y: x**y, [0.0, 2.0])
    assert report.ok
    assert any("one-sided" in note for note in report["x"].notes)
    row = gradcheck(lambda x: x.sqrt(), [0.0]).rows[0]
    assert row.status == "FAIL" and row.analytic == math.inf


def test_undefined_on_both_sides_fails_with_a_reason() -> None:
    @primitive
    def only_at_one(x: float) -> tuple[float, tuple[float]]:
        if x != 1.0:
            raise ValueError("only defined at 1")
        return 1.0, (0.0,)

    row = gradcheck(only_at_one, [1.0]).rows[0]
    assert row.status == "FAIL" and "undefined" in row.reason


# ---------------------------------------------------------------------------
# Richardson extrapolation.
# ---------------------------------------------------------------------------

SMOOTH = [
    ("exp", lambda x: (x * 1.5).exp() * x, lambda x: math.exp(1.5 * x) * (1.5 * x + 1), 0.7),
    ("log", lambda x: (x * x + 1).log(), lambda x: 2 * x / (x * x + 1), 1.3),
    (
        "sigmoid",
        lambda x: (x * 3).sigmoid(),
        lambda x: 3 * sigmoid(3 * x) * (1 - sigmoid(3 * x)),
        0.2,
    ),
    (
        "tanh",
        lambda x: (x.exp() - 1).tanh(),
        lambda x: math.exp(x) / math.cosh(math.exp(x) - 1) ** 2,
        -0.4,
    ),
    (
        "chain",
        lambda x: ((x.exp() + 1).log().sigmoid() * 3).tanh(),
        None,
        0.3,
    ),
]


@pytest.mark.parametrize(("name", "f", "exact", "x"), SMOOTH, ids=[s[0] for s in SMOOTH])
def test_richardson_beats_central_differences(
    name: str, f: Callable[[Value], Value], exact: Callable[[float], float] | None, x: float
) -> None:
    central = gradcheck(f, [x]).rows[0]
    richardson = gradcheck(f, [x], method="richardson").rows[0]
    truth = exact(x) if exact else central.analytic  # the chain: backprop is the reference
    if exact:
        assert central.analytic == pytest.approx(truth, rel=1e-13)
    error_central = abs(central.numeric - truth)
    error_richardson = abs(richardson.numeric - truth)
    assert error_richardson <= 1e-10 * max(1.0, abs(truth))
    assert error_richardson < error_central
    assert 1e-3 <= richardson.step <= 0.1 * max(1.0, abs(x))  # wide steps: little round-off
    assert central.step == pytest.approx(1e-6 * max(1.0, abs(x)))


def test_richardson_falls_back_near_a_domain_edge_or_kink() -> None:
    row = gradcheck(lambda x: x.log(), [0.05], method="richardson").rows[0]
    assert row.status == "ok" and abs(row.numeric - 20.0) < 1e-8
    row = gradcheck(lambda x: (x - 0.01).relu(), [0.0], method="richardson").rows[0]
    assert row.status == "ok" and row.numeric == 0.0
    assert gradcheck(lambda x: x.relu(), [0.0], method="richardson").rows[0].status == "kink"


# ---------------------------------------------------------------------------
# The sweep.
# ---------------------------------------------------------------------------


def test_sweep_shows_truncation_falling_and_round_off_rising() -> None:
    report = gradcheck(lambda x: x.exp(), [1.0])
    sweep = report.sweep()
    row = sweep.rows[0]
    assert row.steps == [10.0**-k for k in range(1, 11)]
    error = dict(zip(row.steps, row.central_error, strict=True))
    # Truncation: central error ≈ h²·e/6 at large h.
    assert error[1e-1] == pytest.approx(1e-2 * math.e / 6, rel=0.01)
    assert error[1e-2] == pytest.approx(1e-4 * math.e / 6, rel=0.01)
    # Round-off wins at tiny steps.
    assert error[1e-10] > 100 * error[1e-5]
    assert 1e-7 <= row.best_step <= 1e-4
    forward = dict(zip(row.steps, row.forward_error, strict=True))
    assert forward[1e-2] == pytest.approx(1e-2 * math.e / 2, rel=0.01)  # ∝ h, not h²
    text = str(sweep)
    assert "smallest central error at h" in text and "round-off" in text
    assert "<pre>" in sweep._repr_html_()


def test_sweep_on_a_graph_leaves_it_alone_and_takes_custom_steps() -> None:
    J = seed_graph()[0]
    J.backward()
    before = snapshot(J)
    sweep = gradcheck(J).sweep(steps=[1e-2, 1e-4])
    assert [row.name for row in sweep.rows] == ["a", "b", "c"]
    assert all(e < 1e-6 for row in sweep.rows for e in row.central_error)  # J is linear in each
    assert snapshot(J) == before
    with pytest.raises(ValueError, match="positive"):
        gradcheck(J).sweep(steps=[0.0])


def test_sweep_plot_draws_lines() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = gradcheck(lambda x: x.exp(), [1.0]).sweep().plot()
    assert len(ax.get_lines()) == 2


# ---------------------------------------------------------------------------
# The report.
# ---------------------------------------------------------------------------


def test_report_table_layout() -> None:
    report = gradcheck(lambda x, w: x * x * w, [2.0, 3.0])
    lines = str(report).splitlines()
    assert lines[0] == "gradcheck of f(x, w) = 12"
    assert lines[3].split() == [
        "input",
        "value",
        "analytic",
        "numeric",
        "abs",
        "error",
        "rel",
        "error",
        "status",
    ]
    assert lines[4].split()[:3] == ["x", "2", "12"] and lines[4].endswith("ok")
    assert lines[5].split()[:3] == ["w", "3", "4"]
    assert lines[6] == "2 inputs: all ok"
    status_column = lines[3].index("status")  # fixed width: columns line up
    assert lines[4].index("ok") == lines[5].index("ok") == status_column
    assert lines[3].index("rel error") + len("rel error") == len(lines[4].split("  ok")[0])
    assert bool(report) is True
    assert repr(report) == "GradcheckReport(ok=True, 2 rows: 0 FAIL, 0 kink)"
    with pytest.raises(KeyError, match="rows"):
        report["nope"]


def test_report_html_escapes_labels() -> None:
    x = Value(1.0, label="<b>x</b>")
    html = gradcheck(x.exp())._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "<table>" in html and ">ok<" in html


def test_report_is_exported() -> None:
    assert microgrid.gradcheck is gradcheck
    assert isinstance(gradcheck(lambda x: x, [1.0]), GradcheckReport)


def test_the_package_keeps_its_names_and_reads_in_short_files() -> None:
    # Import circles are checked for the whole package by `lint-imports` (make lint).
    import importlib

    package = importlib.import_module("microgrid.verify.gradcheck")
    for name in package.__all__:
        assert hasattr(package, name), name
    # What tracebacks print: its one import path (microgrid.gradcheck is the function).
    assert package.GradcheckError.__module__ == "microgrid.verify.gradcheck"
    folder = ROOT / "microgrid" / "verify" / "gradcheck"
    paths = sorted(folder.glob("*.py"))
    assert len(paths) >= 5
    for path in paths:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 500, f"{path.name} has grown past 500 lines"


# ---------------------------------------------------------------------------
# Bad arguments.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"eps": 0.0}, ValueError, "eps must be a positive"),
        ({"eps": -1e-6}, ValueError, "eps must be a positive"),
        ({"eps": math.nan}, ValueError, "eps"),
        ({"eps": 2.0}, ValueError, "not a small step"),
        ({"eps": "1e-6"}, TypeError, "eps must be a number"),
        ({"atol": -1.0}, ValueError, "atol must be a number >= 0"),
        ({"rtol": math.inf}, ValueError, "rtol"),
        ({"method": "backward"}, ValueError, "method must be one of"),
        ({"raise_on_failure": 1}, TypeError, "raise_on_failure"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradcheck(lambda x: x, [1.0], **kwargs)  # type: ignore[arg-type]


def test_bad_functions_and_inputs() -> None:
    with pytest.raises(TypeError, match=r"f must return a Value, got float 2.0 \(did it use"):
        gradcheck(lambda x: x.value * 2, [1.0])
    with pytest.raises(TypeError, match=r"takes 2 input\(s\) \(x, w\) but 3 were given"):
        gradcheck(lambda x, w: x * w, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="but 1 were given"):
        gradcheck(lambda x, w: x * w, 1.0)
    with pytest.raises(TypeError, match="needs the input values"):
        gradcheck(lambda x: x)
    with pytest.raises(TypeError, match="input 2 is str"):
        gradcheck(lambda x, w: x * w, [1.0, "2"])
    with pytest.raises(TypeError, match="list of numbers"):
        gradcheck(lambda x: x, "1.0")
    with pytest.raises(ValueError, match="inputs is empty"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="function of Values"):
        gradcheck(3.0)  # type: ignore[arg-type]


def test_bad_wrt() -> None:
    J = seed_graph()[0]
    u = J.parents[0].parents[1]
    with pytest.raises(ValueError, match="'u' is computed by '\\*', not a leaf"):
        gradcheck(J, wrt=[u])
    with pytest.raises(ValueError, match="not a node of the graph"):
        gradcheck(J, wrt=[Value(1.0, label="stranger")])
    with pytest.raises(TypeError, match="leaf Values"):
        gradcheck(J, wrt=["a"])
    with pytest.raises(ValueError, match="wrt is empty"):
        gradcheck(J, wrt=[])
    with pytest.raises(TypeError, match="takes no inputs"):
        gradcheck(J, [1.0])
    # The function form takes names, positions or the input Values themselves.
    w = Value(2.0, label="w")
    assert [r.name for r in gradcheck(lambda x, w: x * w, [1.0, w], wrt="w").rows] == ["w"]
    assert [r.name for r in gradcheck(lambda x, w: x * w, [1.0, w], wrt=[w, 0]).rows] == ["w", "x"]
    with pytest.raises(ValueError, match="wrt names 'q'"):
        gradcheck(lambda x, w: x * w, [1.0, 2.0], wrt="q")
    with pytest.raises(ValueError, match="out of range"):
        gradcheck(lambda x, w: x * w, [1.0, 2.0], wrt=5)


def test_domain_error_at_the_input_itself_is_raised_naming_the_node() -> None:
    with pytest.raises(ValueError, match="log"):
        gradcheck(lambda x: x.log(), [-1.0])


# ---------------------------------------------------------------------------
# Property tests: every built-in op over its domain, random graphs.
# ---------------------------------------------------------------------------

moderate = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.05, 5.0, allow_nan=False)
away_from_zero = st.floats(0.05, 3.0).flatmap(lambda m: st.sampled_from([m, -m]))
probability = st.floats(0.02, 0.98)
label = st.floats(0.0, 1.0)

BUILT_INS: list[tuple[str, Callable[..., Value], list[st.SearchStrategy[float]]]] = [
    ("+", lambda x, y: x + y, [moderate, moderate]),
    ("-", lambda x, y: x - y, [moderate, moderate]),
    ("*", lambda x, y: x * y, [moderate, moderate]),
    ("/", lambda x, y: x / y, [moderate, away_from_zero]),
    ("** constant", lambda x: x**3, [moderate]),
    ("** fractional", lambda x: x**-1.5, [positive]),
    ("** Value", lambda x, y: x**y, [positive, moderate]),
    ("constant ** Value", lambda y: 2.5**y, [moderate]),
    ("neg", lambda x: -x, [moderate]),
    ("exp", lambda x: x.exp(), [moderate]),
    ("log", lambda x: x.log(), [positive]),
    ("sigmoid", lambda x: x.sigmoid(), [st.floats(-30.0, 30.0)]),
    ("tanh", lambda x: x.tanh(), [moderate]),
    ("relu", lambda x: x.relu(), [moderate]),
    ("sqrt", lambda x: x.sqrt(), [positive]),
    ("abs", lambda x: abs(x), [moderate]),
    ("sum", lambda x, y, z: microgrid.sum([x, 2.0, y, z]), [moderate] * 3),
    ("dot", lambda a, b, x, y: microgrid.dot([a, b], [x, y]), [moderate] * 4),
    ("bce", lambda a, y: microgrid.binary_cross_entropy(a, y), [probability, label]),
    ("bce constant label", lambda a: microgrid.binary_cross_entropy(a, 1), [probability]),
    (
        "bce_with_logits",
        lambda z, y: microgrid.binary_cross_entropy_with_logits(z, y),
        [moderate, label],
    ),
]


@pytest.mark.parametrize(("name", "f", "domains"), BUILT_INS, ids=[b[0] for b in BUILT_INS])
def test_every_built_in_op_passes_over_its_domain(
    name: str, f: Callable[..., Value], domains: list[st.SearchStrategy[float]]
) -> None:
    @given(st.tuples(*domains))
    def check(xs: tuple[float, ...]) -> None:
        report = gradcheck(f, list(xs))
        for row in report.rows:
            # relu and abs have a kink at 0: there, and only there, "kink" is right.
            allowed = {"ok", "kink"} if name in ("relu", "abs") else {"ok"}
            assert row.status in allowed, str(report)
            if row.status == "kink":
                assert abs(row.value) <= 1e-5
        assert report.ok

    check()


UNARY = ["exp_small", "log_shift", "sigmoid", "tanh", "relu", "square", "scale", "shift"]


def apply_unary(name: str, v: Value, c: float) -> Value:
    if name == "exp_small":
        return (v * 0.3).tanh().exp()
    if name == "log_shift":
        return (v * v + 1).log()
    if name == "sigmoid":
        return v.sigmoid()
    if name == "tanh":
        return v.tanh()
    if name == "relu":
        return (v + c).relu()
    if name == "square":
        return v * v
    if name == "scale":
        return c * v
    return v - c


@st.composite
def random_graph(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    n = draw(st.integers(1, 4))
    leaves = [Value(draw(st.floats(-2.0, 2.0)), label=f"x{i}") for i in range(n)]
    nodes: list[Value] = list(leaves)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["unary", "add", "mul", "sum"]))
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        c = draw(st.floats(-1.5, 1.5))
        if kind == "unary":
            nodes.append(apply_unary(draw(st.sampled_from(UNARY)), a, c))
        elif kind == "add":
            nodes.append(a + b)
        elif kind == "mul":
            nodes.append((a * b).tanh())  # tanh keeps values moderate
        else:
            nodes.append(microgrid.sum([a, b, c]))
    root = microgrid.sum(nodes[n:]) if len(nodes) > n + 1 else nodes[-1]
    return root, leaves


@given(random_graph(), st.booleans())
def test_random_graphs_pass_and_are_left_unchanged(
    graph: tuple[Value, list[Value]], backward_first: bool
) -> None:
    root, _leaves = graph
    if backward_first:
        root.backward()
    before = snapshot(root)
    report = gradcheck(root)
    assert report.ok, str(report)
    assert snapshot(root) == before
    # Kinks only where a relu's input is within a step of 0.
    for row in report.kinks:
        assert "relu" in row.reason


# ---------------------------------------------------------------------------
# Bigger graphs: a logistic-regression cost.
# ---------------------------------------------------------------------------


def test_logistic_cost_graph_with_wrt() -> None:
    import random

    rng = random.Random(4)
    n, m = 30, 4
    w = [Value(rng.uniform(-0.5, 0.5), label=f"w{i}") for i in range(n)]
    b = Value(0.1, label="b")
    losses = []
    for _ in range(m):
        x = [rng.uniform(-1, 1) for _ in range(n)]
        z = microgrid.dot(w, x) + b
        losses.append(microgrid.binary_cross_entropy_with_logits(z, rng.choice([0.0, 1.0])))
    J = (microgrid.sum(losses) / m).named("J")
    report = gradcheck(J, wrt=[w[0], w[17], b])
    assert report.ok and [row.name for row in report.rows] == ["w0", "w17", "b"]
    assert gradcheck(J).ok and len(gradcheck(J).rows) == n + 1


# ---------------------------------------------------------------------------
# Command line.
# ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microgrid", "gradcheck", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_cli_prints_the_table_and_exits_0() -> None:
    result = run_cli("log(1+exp(-x*w))", "x=0.5", "w=2")
    assert result.returncode == 0, result.stderr
    assert "gradcheck of" in result.stdout and "2 inputs: all ok" in result.stdout
    lines = [line.split() for line in result.stdout.splitlines()]
    rows = {line[0]: line for line in lines if line and line[0] in ("x", "w")}
    s = sigmoid(-1.0)  # d/dx log(1 + e^(−xw)) = −w·σ(−xw)
    assert float(rows["x"][2]) == pytest.approx(-2 * s, rel=1e-9)
    assert float(rows["w"][2]) == pytest.approx(-0.5 * s, rel=1e-9)


def test_cli_options_and_kinks() -> None:
    result = run_cli("relu(x)*3", "x=0", "--method", "richardson", "--eps", "1e-7")
    assert result.returncode == 0, result.stderr
    assert "kink" in result.stdout and "eps=1e-07" in result.stdout
    result = run_cli("exp(x)", "x=1", "--sweep")
    assert result.returncode == 0 and "smallest central error" in result.stdout


def test_cli_wrt_picks_variables() -> None:
    result = run_cli("u = x*w; J = exp(u)", "x=0.5", "w=2", "--wrt", "w")
    assert result.returncode == 0, result.stderr
    assert "1 input: all ok" in result.stdout
    row = next(line.split() for line in result.stdout.splitlines() if line.startswith("w "))
    assert float(row[2]) == pytest.approx(0.5 * math.e, rel=1e-9)  # dJ/dw = x·e^(xw)
    result = run_cli("x*w", "x=0.5", "w=2", "--wrt", "u")
    assert result.returncode == 2 and "no variable named 'u'" in result.stderr


def test_cli_failure_exits_1() -> None:
    # atol = rtol = 0 and a huge step: truncation error makes the row fail.
    result = run_cli("exp(x)", "x=1", "--eps", "0.1", "--atol", "0", "--rtol", "0")
    assert result.returncode == 1
    assert "FAIL" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("exp(x", "x=1"),
        ("exp(x)",),
        ("exp(x)", "x=one"),
        ("exp(x)", "x=1", "--eps", "0"),
        ("exp(x)", "x=1", "--method", "magic"),
        ("log(x)", "x=-1"),
    ],
)
def test_cli_bad_input_exits_2(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.strip()


# ---------------------------------------------------------------------------
# The example script.
# ---------------------------------------------------------------------------


def test_example_06_runs_and_says_what_it_should() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "06_gradient_checking.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # 1. the seed's dw1 = x1·(a − y) for x = (1.5, 2), y = 1, w = (0.4, −0.1), b = 0.2
    a = sigmoid(0.4 * 1.5 - 0.1 * 2.0 + 0.2)
    line = next(line for line in out.splitlines() if line.strip().startswith("dL/dw1"))
    assert f"{1.5 * (a - 1):+.10f}" in line and line.endswith("agree")
    # 2. the wrong primitive is named; 3. the kink; 4. the sweep; 5. the doubled deltas
    assert "first wrong op: node J = wrong_softplus(t1): ∂/∂t1 stored 0.268941" in out
    assert "1 input: 1 kink (not a failure)" in out
    assert "smallest central error at h" in out
    assert "backward() ran 2 times" in out and "After J.zero_grad(); J.backward(): ok" in out
    # 6. round-off from inside: a wider step, and an undecided row
    assert "step widened to h = 0.0005" in out and "1 input: 1 undecided" in out
    assert out.rstrip().endswith("All checks behaved as expected.")


# ---------------------------------------------------------------------------
# Sharp bends: a smaller step, not a false kink or a false failure.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [1.2e-6, 3e-6, 1e-5])
def test_log_just_above_the_step_is_ok(x: float) -> None:
    # log x bends sharply where x is a few steps from 0: the default step is too
    # wide there, and gradcheck shrinks it instead of failing or calling a kink.
    row = gradcheck(lambda x: x.log(), [x]).rows[0]
    assert row.status == "ok", row
    assert row.numeric == pytest.approx(1 / x, rel=1e-3)
    assert row.step < 1e-6 and any("step refined" in note for note in row.notes)


def test_a_smaller_step_does_not_rescue_a_wrong_derivative() -> None:
    @primitive
    def bad_log(x: float) -> tuple[float, tuple[float]]:
        return math.log(x), (1 / (1.01 * x),)  # 1% off

    report = gradcheck(bad_log, [1e-5])
    assert report.rows[0].status == "FAIL"
    assert report.rows[0].numeric == pytest.approx(1e5, rel=1e-4)


def test_forward_differences_get_a_hint_when_central_agrees() -> None:
    row = gradcheck(lambda x: x.log(), [3e-4], method="forward").rows[0]
    assert row.status == "FAIL"
    assert any("method='central'" in hint for hint in row.hints)
    assert gradcheck(lambda x: x.log(), [3e-4]).ok


def test_the_op_check_does_not_blame_a_right_op_at_a_sharp_bend() -> None:
    @primitive
    def bad_scale(x: float) -> tuple[float, tuple[float]]:
        return 2 * x, (3.0,)  # should be 2

    # log at 2e-6 bends sharply, and its stored derivative is right; bad_scale is not.
    report = gradcheck(lambda x: bad_scale(x.log()), [2e-6])
    assert report.rows[0].status == "FAIL"
    assert [w.description for w in report.wrong_ops] == ["J = bad_scale(t1)"]


def test_duplicate_labels_get_distinct_row_names() -> None:
    x1, x2 = Value(1.0, label="x"), Value(2.0, label="x")
    report = gradcheck((x1 * x2).exp())
    first, second = (row.name for row in report.rows)
    assert first != second and first.startswith("x") and second.startswith("x")
    assert report[second].analytic == pytest.approx(math.exp(2.0), rel=1e-14)  # x1·e^(x1·x2)


def test_failures_and_kinks_lists() -> None:
    report = gradcheck(lambda x, y, z: bad_cube(x) + y.relu() + z, [1.0, 0.0, 2.0])
    assert [row.name for row in report.failures] == ["x"]
    assert [row.name for row in report.kinks] == ["y"]
    assert report.summary() == "3 inputs: 1 FAIL, 1 kink (not a failure)"
    assert not report and not report.ok


def test_stale_deltas_after_a_parameter_update_get_their_own_hint() -> None:
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    J = (w * x).tanh().named("J")
    J.backward()
    w.value -= 0.1 * w.delta  # a gradient step, but no new forward pass or backward()
    before = snapshot(J)
    report = gradcheck(J)
    assert [row.status for row in report.rows] == ["FAIL", "FAIL"]
    t = math.tanh(w.value * 2.0)
    assert report["w"].numeric == pytest.approx(2.0 * (1 - t * t), rel=1e-8)
    assert any("computed before the leaves changed" in hint for hint in report["w"].hints)
    assert any("stale" in note for note in report.notes)
    assert snapshot(J) == before


# ---------------------------------------------------------------------------
# Review: inputs very close to a domain edge, and steps lost in rounding.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [1e-13, 1e-20, 1e-30])
@pytest.mark.parametrize("op", ["log", "sqrt"])
def test_a_right_op_very_close_to_its_domain_edge_is_ok(op: str, x: float) -> None:
    # Closer to 0 than eps·1e-6: the step must keep shrinking, not fall back
    # to a one-sided difference that is wider than x (a false FAIL blaming log).
    report = gradcheck(lambda v: getattr(v, op)(), [x])
    assert report.ok, report
    assert not report.wrong_ops


@pytest.mark.parametrize("eps", [1e-17, 1e-300])
def test_a_step_too_small_for_floats_is_a_clear_error(eps: float) -> None:
    # x + h == x: a ValueError naming eps, not a ZeroDivisionError from deep inside.
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)


def test_refining_a_step_stops_where_floats_cannot_resolve_it() -> None:
    # log(x − 1) just above 1: the refined steps reach x's rounding; no ZeroDivisionError.
    report = gradcheck(lambda x: (x - 1).log(), [1 + 1e-14])
    assert report.rows[0].numeric == pytest.approx(report.rows[0].analytic, rel=0.2)


def test_labels_with_control_characters_keep_the_table_one_row_per_input() -> None:
    x, y = Value(1.0, label="a\nb"), Value(2.0, label="tab\there")
    lines = str(gradcheck((x * y).named("J\r"))).splitlines()
    assert lines[0] == "gradcheck of J\\r = 2"
    rows = lines[4:6]
    assert [row.split()[0] for row in rows] == ["a\\nb", "tab\\there"]
    assert all(row.rstrip().endswith("ok") for row in rows)


# ---------------------------------------------------------------------------
# Memory: a report keeps the graph only as long as the report lives.
# ---------------------------------------------------------------------------


class Tracked(Value):
    """A Value that can be weakly referenced, to see when the graph holding it is freed."""

    __slots__ = ("__weakref__",)


@pytest.mark.parametrize("form", ["graph", "function"])
def test_dropping_the_report_frees_the_graph_without_the_collector(form: str) -> None:
    import gc
    import weakref

    def checked() -> tuple[GradcheckReport, weakref.ref[Value]]:
        if form == "graph":
            a = Tracked(5.0, label="a")
            J = (3 * (a + Value(3.0, label="b") * Value(2.0, label="c"))).named("J")
            report = gradcheck(J)
            report.sweep([1e-3])  # the sweep re-enters the graph's session
            return report, weakref.ref(a)
        made: list[weakref.ref[Value]] = []

        def f(x: Value) -> Value:
            w = Tracked(2.0, label="w")
            made.append(weakref.ref(w))
            return (x * w).tanh()

        report = gradcheck(f, [0.5])
        report.sweep([1e-3])
        return report, made[0]  # the w in the graph f recorded for backprop

    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        report, node = checked()
        assert report.ok and node() is not None  # report.sweep() still needs the graph
        del report
        assert node() is None, "the graph outlived its report: a reference cycle holds it"
    finally:
        if was_enabled:
            gc.enable()
