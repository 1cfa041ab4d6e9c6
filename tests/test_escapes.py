"""A Value that becomes a plain number while recording is reported at the learner's line.

One test per route (float, int, math.*, np.array(dtype=float), np.float64), the
silent ways out, and what gradcheck and check_backprop make of an escape.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

import microgrid
from microgrid import GraphEscapeWarning, Value, check_backprop, gradcheck, no_grad
from microgrid.verify import escapes


def here() -> int:
    """The line number of the caller's line."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


@contextmanager
def caught() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        yield found


def only_escape(found: list[warnings.WarningMessage]) -> warnings.WarningMessage:
    escaped = [w for w in found if issubclass(w.category, GraphEscapeWarning)]
    assert len(escaped) == 1, [str(w.message) for w in found]
    return escaped[0]


@pytest.mark.parametrize(
    ("route", "convert", "advice"),
    [
        ("float", lambda v: float(v), "Use the Value v"),
        ("int", lambda v: int(v), "Use the Value v"),
        ("math.exp", lambda v: math.exp(v), "v.exp()"),
        ("math.log", lambda v: math.log(v), "v.log()"),
        ("math.tanh", lambda v: math.tanh(v), "v.tanh()"),
        ("math.sin", lambda v: math.sin(v), "@microgrid.primitive"),
        ("np.float64", lambda v: np.float64(v), "Use the Value v"),
        ("np.array", lambda v: np.array([v, v], dtype=float), "Leave out dtype=float"),
    ],
)
def test_each_route_warns_at_the_learners_line_with_what_left_and_what_to_write(
    route: str, convert: Callable[[Value], Any], advice: str
) -> None:
    w = Value(1.5, label="w")
    v = (2 * w).named("v")
    with caught() as found:
        number = convert(v)
    assert float(np.asarray(number).reshape(-1)[0]) == pytest.approx(
        {"math.exp": math.exp(3), "math.log": math.log(3), "math.tanh": math.tanh(3)}.get(
            route, math.sin(3) if route == "math.sin" else 3.0
        )
    )
    warning = only_escape(found)
    assert warning.filename == __file__  # the learner's file, not microgrid's or NumPy's
    assert warning.lineno == convert.__code__.co_firstlineno  # the lambda's line
    text = str(warning.message)
    assert f"{route}(v" in text and "the Value v " in text and "the gradient of w" in text
    assert "v = 3" not in text  # no value in it: once per line, as warnings are
    assert advice in text and "escapes_allowed" in text


def test_the_line_is_the_learners_even_when_the_conversion_is_inside_numpy() -> None:
    w = Value(0.5, label="w")
    values = [w * k for k in range(1, 4)]
    with caught() as found:
        line = here() + 1
        np.asarray(values).astype(float)
    warning = only_escape(found)  # three Values, one conversion: one warning
    assert (warning.filename, warning.lineno) == (__file__, line)
    record = escapes.recent_escapes()[-1]
    assert record.count == 3 and record.lineno == line


def test_the_explicit_ways_out_and_printing_are_silent() -> None:
    w = Value(0.875, label="w")
    v = w * 1.0
    with caught() as found:
        assert (v.value, v.item()) == (0.875, 0.875)
        assert f"{v:.2f}" == "0.88" and f"{v}" == repr(v) and "%.1f" % v == "0.9"  # noqa: UP031
        assert round(v, 2) == 0.88 and type(round(v, 2)) is float
        assert round(v) == 1 and type(round(v)) is int
        assert str(v) == repr(v) and "0.875" in repr(v)
        with no_grad():
            assert float(v) == 0.875 and math.exp(v) == math.exp(0.875)
        with microgrid.escapes_allowed():
            assert float(v) == 0.875 and int(3 * v) == 2
    assert [str(w.message) for w in found] == []


def test_the_warning_can_be_made_an_error() -> None:
    v = Value(2.0, label="v")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GraphEscapeWarning)
        with pytest.raises(GraphEscapeWarning, match=r"math\.sqrt\(v\)"):
            math.sqrt(v)


def test_gradcheck_of_a_built_graph_that_a_value_left_is_not_ok_and_names_the_line() -> None:
    w = Value(1.0, label="w")
    with caught():
        line = here() + 1
        J = w * math.exp(2 * w)
    J.backward()
    assert w.delta == pytest.approx(math.e**2)  # the path through exp(2w) is missing
    report = gradcheck(J)
    # The replay agrees with backprop, so the row is not FAIL, but not ok either.
    assert not report.ok and report["w"].status == "escaped" and not report.failures
    text = str(report)
    assert "the graph may be missing a dependency" in text and "1 escaped" in text
    assert f"2 · w = 2 left the graph through math.exp() at line {line}" in text
    assert "no op is wrong" not in text


def test_a_float_logged_from_an_earlier_step_does_not_fail_the_next_graph() -> None:
    w = Value(0.5, label="w")
    losses = []
    with caught() as found:
        for _ in range(3):
            loss = (w * w - 1) ** 2
            loss.backward()
            losses.append(float(loss))  # logging: warns, but leaves no path out of `loss`
            with no_grad():
                w.value -= 0.1 * w.delta
            w.delta = 0.0
    assert len([x for x in found if issubclass(x.category, GraphEscapeWarning)]) == 3
    assert losses[0] > losses[-1]
    J = (w * w - 1) ** 2  # the same leaf, moved on since each float(loss)
    assert gradcheck(J).ok
    with caught():
        losses.append(float(J))  # float(J) itself: J cannot depend on it
    assert gradcheck(J).ok


def test_an_escape_from_another_graph_of_other_leaves_does_not_count() -> None:
    a = Value(2.0, label="a")
    with caught():
        math.exp(a * 3)
    b = Value(2.0, label="b")
    assert gradcheck(b * b).ok


def test_gradcheck_of_a_function_names_the_escape_instead_of_no_op_is_wrong() -> None:
    def f(w: Value) -> Value:
        return w * math.exp(2 * w)

    line = inspect.getsourcelines(f)[1] + 1
    with caught() as found:
        report = gradcheck(f, [1.0])
    assert [str(x.message) for x in found] == []  # gradcheck reports it itself
    assert not report.ok
    text = str(report)
    assert f"2 · w = 2 left the graph through math.exp() at line {line} of f" in text
    assert "(2 * w).exp()" in text and "no op is wrong" not in text
    assert report.escapes and report.escapes[0].route == "math.exp"


def test_gradcheck_of_a_function_returning_a_float_says_where_it_left() -> None:
    with caught(), pytest.raises(TypeError, match=r"x · x = 4 left the graph through float"):
        gradcheck(lambda x: float(x * x), [2.0])


def test_check_backprop_names_a_float_in_the_forward_pass_of_a_parameter() -> None:
    X = np.array([[1.0, 2.0, -1.0]])
    Y = np.array([[1, 0, 1]])

    def cost(p: dict[str, Any]) -> Any:
        Z = np.dot(p["w"].T, X) + p["b"]
        scale = float(np.sum(Z * Z))  # leaves the graph: a path from w and b is lost
        A = 1 / (1 + np.exp(-Z * scale))
        return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 3

    line = inspect.getsourcelines(cost)[1] + 2
    p = {"w": np.array([[0.5]]), "b": np.array([[0.1]])}
    with caught() as found:
        report = check_backprop(cost, p, {"dw": np.zeros((1, 1)), "db": 0.0})
    assert [str(x.message) for x in found] == []
    assert report.error is not None and report.error.line is not None
    assert report.error.line.lineno == line
    text = str(report)
    assert "float() turned the Value" in text and "into a plain number" in text
    assert "w[0,0]" in text and "b[0,0]" in text  # the parameters whose path is lost


def test_the_record_is_bounded_and_keeps_no_node() -> None:
    x = Value(1.0, label="x")

    def convert(k: int) -> float:
        return float(x * k)  # a new call each time: a new escape

    with caught():
        for k in range(escapes.REMEMBERED + 5):
            convert(k)
    remembered = escapes.recent_escapes()
    assert len(remembered) == escapes.REMEMBERED
    for record in remembered:
        held = [v for v in vars(record).values() if isinstance(v, Value)]
        assert held == [] and record.leaves == [x]  # leaves only, never the computed node


# -- issue 30: looks that feed nothing, once per line, the REPL, the hook ----------------


def test_harmless_looks_are_silent_and_do_not_fail_gradcheck() -> None:
    import logging

    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = Value(0.3, label="p")
    q = Value(-1.2, label="q")
    with caught() as found:
        predictions = [(p * k + q).tanh() for k in range(4)]
        assert math.isfinite(p) and not math.isnan(q) and not math.isinf(p)
        assert math.isclose(predictions[0], q.tanh().value)
        plt.figure()
        plt.plot(predictions)  # matplotlib converts them: a picture, not a number in J
        plt.close("all")
        logging.getLogger("microgrid-test").warning("p is %f", p)
        J = microgrid.sum(predictions) * p
    assert [str(x.message) for x in found if issubclass(x.category, GraphEscapeWarning)] == []
    J.backward()
    report = gradcheck(J)
    assert report.ok, str(report)
    assert {row.status for row in report.rows} == {"ok"}


def test_a_look_at_a_node_of_the_graph_does_not_count_against_it() -> None:
    w = Value(0.5, label="w")
    with caught():
        z = (w * 3).named("z")
        shown = float(z)  # looking at z, which J also uses: J has z's path
        J = z * z
    assert shown == 1.5
    J.backward()
    assert gradcheck(J).ok


def test_a_row_whose_numbers_agree_never_says_fail() -> None:
    w = Value(1.0, label="w")
    with caught():
        J = w * math.exp(2 * w)
    J.backward()
    report = gradcheck(J)
    assert report["w"].abs_error < 1e-6  # the replay follows the same graph
    assert [row.status for row in report.rows] == ["escaped"] and report.failures == []


def test_gradcheck_of_a_function_with_a_harmless_float_is_ok() -> None:
    def f(x: Value) -> Value:
        y = x * x
        _ = float(y)  # a look: J does not use the number
        return y.tanh()

    assert gradcheck(f, [0.7]).ok


def test_the_warning_comes_once_per_line_as_pythons_warnings_do() -> None:
    w = Value(0.5, label="w")
    history = []
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("default")  # Python's own rule: once per line and text
        for _ in range(50):
            loss = (w * w - 1) ** 2
            history.append(float(loss))  # a new value every epoch
            with no_grad():
                w.value -= 0.01
    assert len(history) == 50 and history[0] != history[-1]
    assert len([x for x in found if issubclass(x.category, GraphEscapeWarning)]) == 1


def _run_as_the_repl(source: str, names: dict[str, Any]) -> list[str]:
    """Run one statement as the plain REPL does: compiled from <stdin>, no source kept."""
    code = compile(source, "<stdin>", "single")
    with caught() as found:
        exec(code, names)  # the test's own constant text, never a user's
    return [str(x.message) for x in found if issubclass(x.category, GraphEscapeWarning)]


def test_in_the_repl_the_advice_names_the_learners_own_expression() -> None:
    names: dict[str, Any] = {"math": math, "x": Value(0.5), "w": Value(2.0, label="w")}
    (text,) = _run_as_the_repl("y = float(x)", names)
    assert "float(x) turns the Value x into" in text
    assert "Use the Value x in the expression" in text and "the gradient of x misses" in text
    assert "a leaf" not in text and "Value x\n" not in text
    (text,) = _run_as_the_repl("y = math.exp(2 * w)", names)
    assert "math.exp(2 * w) turns the Value 2 · w into" in text and "(2 * w).exp()" in text
    assert _run_as_the_repl("ok = math.isfinite(x)", names) == []


def test_the_hook_is_registered_by_any_import_of_microgrid() -> None:
    import subprocess
    import sys

    code = (
        "import warnings\n"
        "warnings.simplefilter('always')\n"
        "from microgrid.engine import Value\n"
        "from microgrid.engine.escapes import escape_hooks\n"
        "v = Value(1.0, label='v')\n"
        "print(len(escape_hooks), float(v * 2))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["1", "2.0"]
    assert "GraphEscapeWarning" in done.stderr and "float(v * 2)" in done.stderr
