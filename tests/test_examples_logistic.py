"""Each logistic-regression example runs, at a small size, and says what it should."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from course_data import CAT_DIR, needs_cat_files

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def numbers_after(label: str, text: str) -> list[float]:
    line = next(line for line in text.splitlines() if line.startswith(label))
    return [float(x) for x in re.findall(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?", line[len(label) :])]


def test_02_single_example(tmp_path: Path) -> None:
    out = run("02_single_example.py", "--draw", str(tmp_path / "L.dot"))
    # The script's sample: x = (1.5, 2), y = 1, w = (0.4, −0.1), b = 0.2.
    a = 1 / (1 + math.exp(-(0.4 * 1.5 - 0.1 * 2.0 + 0.2)))
    assert "a = σ(z) = σ(0.6) = 0.6457" in out
    for formula in ("dz = a − y", "dw1 = x1 · dz", "dw2 = x2 · dz", "db = dz"):
        assert re.search(rf"{re.escape(formula)}\s+by hand .* ok$", out, re.MULTILINE)
    hand, graph = numbers_after("  dz = a − y", out)
    assert hand == graph == pytest.approx(a - 1, abs=5e-7)
    before, after = numbers_after("One step", out)[1:]
    assert before == pytest.approx(-math.log(a), abs=5e-7) and after < before
    source = (tmp_path / "L.dot").read_text()
    assert source.startswith("digraph") and "σ" in source


def test_03_m_examples_loop() -> None:
    out = run("03_m_examples_loop.py", "--m", "12", "--iterations", "101")
    rows = [numbers_after(name, out) for name in ("seed's loop:", "loop_gradients:", "cost_graph:")]
    assert len(rows[0]) == 4 and rows[0] == rows[1] == rows[2]  # printed to 10 decimals
    assert "all three agree" in out
    assert "Cost after iteration 0: 0.693147" in out and "Cost after iteration 100:" in out
    assert numbers_after("training accuracy:", out)[0] >= 90


def test_04_vectorized() -> None:
    out = run("04_vectorized.py", "--m", "6", "--size", "20000")
    assert "same numbers, computed both ways" in out
    J_loop, J_vec = numbers_after("  J:", out)
    assert J_loop == J_vec
    assert re.search(r"one gradient, n = 12288, m = 6: .* \(\d+× faster\)", out)


def test_05_cat_classifier_synthetic(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot, weights = tmp_path / "c.png", tmp_path / "w.png"
    out = run(
        "05_cat_classifier.py",
        *("--iterations", "150", "--m-train", "40", "--m-test", "10"),
        *("--plot", str(plot), "--weights-image", str(weights)),
    )
    assert "train_x (12288, 40), train_y (1, 40), test_x (12288, 10)" in out
    assert "Cost after iteration 0: 0.693147" in out
    train = numbers_after("train accuracy:", out)[0]
    assert 0 <= train <= 100 and "test accuracy:" in out
    assert plot.read_bytes()[:4] == weights.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("engine", ["loop", "graph"])
def test_05_cat_classifier_slow_engines(engine: str) -> None:
    out = run(
        "05_cat_classifier.py",
        *("--iterations", "2", "--m-train", "4", "--m-test", "2", "--engine", engine),
    )
    assert "Cost after iteration 0: 0.693147" in out


@needs_cat_files
def test_05_cat_classifier_course_files() -> None:
    out = run("05_cat_classifier.py", "--data", str(CAT_DIR))
    assert "Cost after iteration 100: 0.584508" in out
    assert "train accuracy: 99.04306220095694 %" in out
    assert "test accuracy: 70.0 %" in out
