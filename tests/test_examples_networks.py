"""The network examples run (small sizes), and example 09 prints the course's week-4 numbers."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from course_data import CAT_DIR, needs_cat_files

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def run(script: str, *args: str, single_thread: bool = False) -> str:
    env = dict(os.environ)
    if single_thread:
        # On shared cores a multi-threaded BLAS spins: one thread is 4× less CPU here.
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_07_planar_prints_the_course_costs(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "b.png"
    out = run("07_planar.py", "--iterations", "1001", "--sizes", "1,4", "--plot", str(plot))
    assert "Cost after iteration 0: 0.693048\nCost after iteration 1000: 0.288083\n" in out
    assert "logistic regression: 47.00 %" in out
    assert re.search(r"^ +4 hidden units: 8\d\.\d\d %$", out, re.M)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_08_micrograd_moons_learns(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "m.png"
    out = run("08_micrograd_moons.py", "--steps", "8", "--plot", str(plot))
    losses = [float(x) for x in re.findall(r"^step \d+ loss ([\d.]+)", out, re.M)]
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert "with 337 parameters" in out and plot.read_bytes()[:4] == b"\x89PNG"


def test_09_deep_cats_runs_on_synthetic_pictures() -> None:
    out = run("09_deep_cats.py", "--m-train", "12", "--m-test", "4", "--iterations", "2")
    assert "train_x (12288, 12), test_x (12288, 4)" in out
    assert out.count("Cost after iteration 0: ") == 2 and out.count("test accuracy:") == 2


def costs_and_accuracies(block: str) -> tuple[dict[int, float], float, float]:
    costs = {int(i): float(c) for i, c in re.findall(r"Cost after iteration (\d+): (\S+)", block)}
    train = float(re.search(r"train accuracy: (\S+) %", block).group(1))  # type: ignore[union-attr]
    test = float(re.search(r"test accuracy: (\S+) %", block).group(1))  # type: ignore[union-attr]
    return costs, train, test


@needs_cat_files
def test_09_reproduces_the_course_week_4_numbers() -> None:
    # Both 2500-iteration runs (~20 s of CPU each): every number the course prints.
    out = run("09_deep_cats.py", "--data", str(CAT_DIR), single_thread=True)
    two, deep = out.split("deep-layer model")
    costs, train, test = costs_and_accuracies(two)
    assert math.isclose(costs[0], 0.6930497356599888, rel_tol=1e-12)
    assert math.isclose(costs[100], 0.6464320953428849, rel_tol=1e-12)
    assert (round(train, 10), test) == (100.0, 72.0)
    costs, train, test = costs_and_accuracies(deep)
    assert (f"{costs[0]:.6f}", f"{costs[100]:.6f}") == ("0.771749", "0.672053")
    assert (f"{train:.10f}", test) == ("98.5645933014", 80.0)
