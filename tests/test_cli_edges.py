"""Clear errors at the edges: huge numbers and sizes, long inputs, all cut short."""

from __future__ import annotations

import pytest

from microgrid import Value, render
from microgrid.apps.cli import main
from microgrid.course import arguments


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What `microgrid ARGV` prints to stderr; it must exit with status 2 and no traceback."""
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse's own errors
        status = int(stop.code or 0)
    assert status == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip(), err
    return err


def test_a_timeout_of_1e308_is_refused_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of(["draw", "x*y", "x=1", "y=2", "--timeout", "1e308", "-o", "-"], capsys)
    assert "at most 86400 (a day), got 1e308" in err  # it was "cannot convert float infinity"
    with pytest.raises(ValueError, match="at most 86400"):
        render(Value(1.0) * 2, "never.svg", timeout=1e308)


def test_sizes_that_cannot_fit_are_refused_before_allocating(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arguments, "physical_memory", lambda: 16 * 2**30)
    err = error_of(["train", "planar", "--layers", "100000,100000"], capsys)
    assert "[2, 100000, 100000, 1]" in err and "needs about 243 GB" in err
    assert "more than this machine's 17 GB" in err  # it was a MemoryError traceback
    err = error_of(["bench", "--features", str(10**8)], capsys)
    assert "100,000,000 features × 10 samples needs about 241 GB" in err


def test_layers_take_ascii_digits_and_clip_the_echo(capsys: pytest.CaptureFixture[str]) -> None:
    assert "got '²,3'" in error_of(["train", "planar", "--layers", "²,3"], capsys)
    err = error_of(["train", "planar", "--layers", "1," * 5000], capsys)
    assert "…" in err and len(err) < 1500


def test_an_infinite_number_in_the_expression_gets_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "2**2**2**99"]) == 0
    err = capsys.readouterr().err
    assert "J is inf: a number in the expression is beyond the float range" in err
    assert "J = :" not in err  # it was "J became inf at J = :  overflows"


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "a + b", "a=1", "b" * 20_000 + "=2"],
        ["explain", "a + b", "a=1", "b=" + "9" * 20_000],
        ["explain", "a + " + "b" * 9_000, "a=1"],
        ["explain", "a+" * 4000 + "b.c", "a=1"],
        ["explain", "a", "a=1", "--nope" + "x" * 20_000],
    ],
)
def test_every_echoed_input_is_clipped(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of(argv, capsys)
    assert all(len(line) < 400 for line in err.splitlines()), [len(x) for x in err.splitlines()]
