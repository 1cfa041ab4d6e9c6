"""The `microgrid` command, run as a user runs it: a subprocess, checked by output and exit code."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from microgrid.apps.cli import build_parser

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)

SEED = ("u = b*c; v = a + u; J = 3*v", "a=5", "b=3", "c=2")


def run(
    *args: str, cwd: Path | None = None, without_dot: bool = False
) -> subprocess.CompletedProcess[str]:
    """`python -m microgrid ARGS`; without_dot runs it with an empty PATH (no Graphviz)."""
    env = dict(os.environ)
    if without_dot:
        empty = Path(cwd or ".") / "empty-path"
        empty.mkdir(exist_ok=True)
        env["PATH"] = str(empty)
    return subprocess.run(
        [sys.executable, "-m", "microgrid", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def is_svg(path: Path) -> bool:
    return ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------


@needs_dot
def test_demo_runs_the_seed_end_to_end(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = [line.strip() for line in out.splitlines()]
    assert "J 33 1" in [" ".join(line.split()) for line in lines]  # values and deltas table
    assert "u = b · c = 3 · 2 = 6" in lines  # explain, forward
    assert "dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3" in lines  # explain, chain rule
    rows = [line.split() for line in lines]
    assert ["a", "5", "33", "33.003", "3", "3"] in rows  # the nudge table
    assert ["c", "2", "33", "33.009", "9", "9"] in rows
    assert "wrote j.svg" in out
    svg = tmp_path / "j.svg"
    assert is_svg(svg)
    assert "u = b · c" in svg.read_text(encoding="utf-8")
    assert result.stderr == ""


def test_demo_without_dot_says_why_it_drew_nothing(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path, without_dot=True)
    assert result.returncode == 0, result.stderr
    assert "could not draw j.svg" in result.stdout
    assert "sudo apt-get install graphviz" in result.stdout
    assert "brew install graphviz" in result.stdout
    assert "dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3" in result.stdout  # the rest still ran
    assert not (tmp_path / "j.svg").exists()
    dot_file = run("demo", "-o", "j.dot", cwd=tmp_path, without_dot=True)
    assert dot_file.returncode == 0
    assert (tmp_path / "j.dot").read_text(encoding="utf-8").startswith("digraph")


def test_demo_no_picture(tmp_path: Path) -> None:
    result = run("demo", "--no-picture", cwd=tmp_path)
    assert result.returncode == 0
    assert "skipped (--no-picture)" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "microgrid"
    if not script.exists():
        pytest.skip(f"no console script next to {sys.executable} (package not installed?)")
    result = subprocess.run(
        [str(script), "explain", *SEED], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "J = 3 · v = 3 · 11 = 33" in result.stdout


# ---------------------------------------------------------------------------
# draw
# ---------------------------------------------------------------------------


def test_draw_to_stdout_prints_dot() -> None:
    result = run("draw", *SEED, "-o", "-")
    assert result.returncode == 0, result.stderr
    dot = result.stdout
    assert dot.startswith("digraph")
    assert "<B>u = b · c</B>" in dot and "<B>J = 3 · v</B>" in dot
    assert '<FONT COLOR="#b91c1c">9</FONT>' in dot  # dJ/dc = 9: backprop ran
    assert "rankdir=LR" in dot and "∂" not in dot


def test_draw_options_reach_the_picture() -> None:
    local = run("draw", *SEED, "-o", "-", "--local").stdout
    assert "∂v/∂u = 1" in local and "← 3 · 1 = 3" in local
    no_delta = run("draw", *SEED, "-o", "-", "--no-delta").stdout
    assert "dJ/d" not in no_delta and "value" in no_delta
    assert "rankdir=TB" in run("draw", *SEED, "-o", "-", "--rankdir", "TB").stdout
    highlighted = run("draw", *SEED, "-o", "-", "--highlight", "b").stdout
    assert highlighted.count("#dc2626") == 4 + 3  # b, u, v, J and the 3 edges between them
    precise = run("draw", "sigmoid(z)", "z=0.3", "-o", "-", "--precision", "8").stdout
    assert "0.57444252" in precise  # σ(0.3) = 0.574442516...


@needs_dot
def test_draw_writes_svg_steps_and_html(tmp_path: Path) -> None:
    result = run(
        "draw", *SEED, "-o", "j.svg", "--steps", "frames", "--html", "book.html", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "wrote j.svg" in result.stderr
    assert "wrote frames (6 frames)" in result.stderr
    assert "wrote book.html" in result.stderr
    assert is_svg(tmp_path / "j.svg")
    frames = sorted((tmp_path / "frames").iterdir())
    assert [f.name for f in frames] == [f"step-{i}.svg" for i in range(1, 7)]
    assert all(is_svg(frame) for frame in frames)
    page = (tmp_path / "book.html").read_text(encoding="utf-8")
    assert page.count('<section class="frame"') == 6


@needs_dot
@pytest.mark.parametrize("name", ["j.png", "j.pdf", "j.dot", "j.gv"])
def test_draw_format_comes_from_the_extension(tmp_path: Path, name: str) -> None:
    result = run("draw", *SEED, "-o", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / name).read_bytes()
    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "dot": b"digraph", "gv": b"digraph"}
    assert data.startswith(magic[name.split(".")[1]])


def test_draw_without_dot_fails_clearly_but_still_writes_dot(tmp_path: Path) -> None:
    result = run("draw", *SEED, "-o", "j.svg", cwd=tmp_path, without_dot=True)
    assert result.returncode == 1
    assert "cannot draw j.svg" in result.stderr
    assert "sudo apt-get install graphviz" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "j.svg").exists()
    ok = run("draw", *SEED, "-o", "j.dot", cwd=tmp_path, without_dot=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "j.dot").read_text(encoding="utf-8").startswith("digraph")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((*SEED,), "nothing to write"),
        ((*SEED, "-o", "-", "--highlight", "q"), "no node named 'q'"),
        ((*SEED, "-o", "-", "--max-nodes", "3"), "6 nodes, more than max_nodes=3"),
        ((*SEED, "-o", "j.jpeg"), "cannot tell the format"),
    ],
)
def test_draw_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    result = run("draw", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_option_values_are_usage_errors() -> None:
    for args in (("--precision", "0"), ("--max-nodes", "0"), ("--rankdir", "XY")):
        result = run("draw", *SEED, "-o", "-", *args)
        assert result.returncode == 2
        assert "usage:" in result.stderr


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------


def test_explain_prints_the_chain_rule() -> None:
    result = run("explain", "3*(a+b*c)", "a=5", "b=3", "c=2")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[:7] == [
        "Forward pass: each node from its parents",
        "a = 5",
        "b = 3",
        "c = 2",
        "t1 = b · c = 3 · 2 = 6",
        "t2 = a + t1 = 5 + 6 = 11",
        "J = 3 · t2 = 3 · 11 = 33",
    ]
    assert "dJ/dt1 = dJ/dt2 · ∂t2/∂t1 = 3 · 1 = 3" in lines
    assert "dJ/dc = dJ/dt1 · ∂t1/∂c = 3 · 3 = 9" in lines


def test_explain_with_nudge_and_negative_input() -> None:
    result = run("explain", "--nudge", "--h", "1e-6", "--", "-x*w", "x=0.5", "w=-2")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "t1 = −x = −0.5 = −0.5" in lines  # one minus sign
    assert "J = t1 · w = (−0.5) · (−2) = 1" in lines
    table = lines[lines.index("Nudge each leaf by h = 1e-06 and watch the root:") + 1 :]
    rows = [line.split() for line in table]
    # J = -x·w: dJ/dx = -w = 2, dJ/dw = -x = -0.5; the nudged slopes agree.
    x_row = next(row for row in rows if row[:1] == ["x"])
    w_row = next(row for row in rows if row[:1] == ["w"])
    assert float(x_row[-2]) == pytest.approx(2.0, abs=1e-5) and x_row[-1] == "2"
    assert float(w_row[-2].replace("−", "-")) == pytest.approx(-0.5, abs=1e-5)
    assert w_row[-1] == "−0.5"


# ---------------------------------------------------------------------------
# Hostile and mistaken input: one line on stderr, exit 2, nothing run
# ---------------------------------------------------------------------------

HOSTILE = [
    (("x.__class__", "x=1"), "attribute access is not allowed at column 1"),
    (("__import__('os').system('echo pwned')", "x=1"), "only the functions"),
    (("__import__('os')", "x=1"), "unknown function '__import__'"),
    (("(lambda: x)()", "x=1"), "only the functions"),
    (("x[0]", "x=1"), "subscripts are not allowed"),
    (("x * 'a'", "x=1"), "a string is not a number at column 5"),
    (("[x for x in (1, 2)]", "x=1"), "comprehensions are not allowed"),
    (("open('/etc/passwd')", "x=1"), "unknown function 'open'"),
    (("x" + "+x" * 5000, "x=1"), "the limit is 10,000"),
    (("x + y", "x=1"), "unknown variable 'y'"),
    (("log(x)", "x=-1"), "log(x) (x = -1): log is defined only for values > 0"),
    (("1/x", "x=0"), "division by zero"),
    (("sqrt(x - 4)", "x=1"), "sqrt is defined only for values >= 0"),
    (("x", "x=abc"), "the value of x must be a number"),
    (("x", "x"), "expected NAME=VALUE"),
    (("exp(x)", "exp=1", "x=1"), "function name"),
    (("x +", "x=1"), "the expression ends with + at column 3"),
    (("x", "x=1", "y=2"), "y is given but not used"),
]


@pytest.mark.parametrize("command", ["explain", "draw"])
@pytest.mark.parametrize(("args", "words"), HOSTILE, ids=[w for _, w in HOSTILE])
def test_hostile_input_is_one_line_and_exit_2(
    tmp_path: Path, command: str, args: tuple[str, ...], words: str
) -> None:
    result = run(command, *args, *(["-o", "-"] if command == "draw" else []), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "pwned" not in result.stdout
    error = result.stderr.rstrip().splitlines()
    # One line of message, then (where there is a place) the input with a caret under it.
    assert len(error) in (1, 3), result.stderr
    assert error[0].startswith(f"microgrid {command}: error: ")
    assert words in error[0]
    if len(error) == 3:
        assert error[2].strip() and set(error[2].strip()) == {"^"}
    assert list(tmp_path.iterdir()) == []  # nothing written


# ---------------------------------------------------------------------------
# Help
# ---------------------------------------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_every_subcommand_help_shows_an_example() -> None:
    commands = subcommands()
    assert {"demo", "draw", "explain"} <= set(commands)
    for name, parser in commands.items():
        text = parser.format_help()
        assert "example" in text, name
        assert f"microgrid {name}" in text, name


@pytest.mark.parametrize("command", ["demo", "draw", "explain"])
def test_help_through_the_command_line(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout
    assert f"microgrid {command}" in result.stdout.split("examples:")[1]


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage: microgrid" in result.stderr


# ---------------------------------------------------------------------------
# Messages in the learner's words; --version; --timeout
# ---------------------------------------------------------------------------


def test_version_comes_from_the_package() -> None:
    import microgrid

    result = run("--version")
    assert result.returncode == 0
    from microgrid.engine import describe_engine

    # The version, and which engine runs (compiled, or the same source as plain Python).
    assert result.stdout.strip() == f"microgrid {microgrid.__version__}; {describe_engine()}"


def test_an_expression_starting_with_minus_gets_the_double_dash_fix() -> None:
    result = run("explain", "-x*w", "x=1", "w=2")
    assert result.returncode == 2
    assert "unrecognized arguments: -x*w" in result.stderr
    assert 'put -- before it: microgrid explain -- "-x*w"' in result.stderr
    fixed = run("explain", "--", "-x*w", "x=1", "w=2")
    assert fixed.returncode == 0 and "J = " in fixed.stdout


def test_the_caret_sits_under_the_missing_operator() -> None:
    result = run("explain", "3*(a+b c)", "a=1", "b=2", "c=3")
    assert result.returncode == 2
    message, source, carets = result.stderr.rstrip("\n").splitlines()
    assert message.endswith("missing operator between b and c at column 7: did you mean b*c?")
    assert source == "  3*(a+b c)"
    assert carets == "        ^"  # under column 7, counting from 1


def test_inf_is_pointed_out_where_it_first_appears() -> None:
    result = run("explain", "exp(x) * 2 + 1", "x=1000")
    assert result.returncode == 0
    assert "note: J became inf at t1 = exp(x): exp(1000) overflows" in result.stderr
    assert "inf" in result.stdout  # still explained


def test_log_of_a_saturated_sigmoid_suggests_the_logits_loss() -> None:
    result = run("explain", "log(sigmoid(x))", "x=-1000")
    assert result.returncode == 2
    assert "in log(sigmoid(x)), sigmoid rounded to exactly 0" in result.stderr
    assert "binary_cross_entropy_with_logits" in result.stderr


def test_draw_stops_a_slow_dot_after_timeout(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text(f"#!/bin/sh\nexec {shutil.which('sleep')} 60\n", encoding="utf-8")
    fake.chmod(0o755)
    terms = "+".join(f"x*{k}" for k in range(60))
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "microgrid",
            "draw",
            terms,
            "x=1",
            "-o",
            "big.svg",
            "--timeout",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert result.returncode == 1
    assert "laying out 120 nodes with dot (limit 1 s)" in result.stderr
    assert "dot did not finish in 1 s and was stopped" in result.stderr
    assert "--max-nodes" in result.stderr
    assert not (tmp_path / "big.svg").exists()


def test_a_lone_minus_expression_gets_the_fix_even_when_expr_is_missing() -> None:
    result = run("explain", "-x*w")
    assert result.returncode == 2
    assert "arguments are required: EXPR" in result.stderr
    assert 'put -- before it: microgrid explain -- "-x*w"' in result.stderr
