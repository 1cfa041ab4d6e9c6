"""examples/01_computation_graph.py runs and prints the seed's numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "01_computation_graph.py"


def run_example(tmp_path: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_example_prints_the_seeds_numbers(tmp_path: Path) -> None:
    out = run_example(tmp_path)
    lines = [line.strip() for line in out.splitlines()]
    assert "forward pass: u = 6, v = 11, J = 33" in lines
    assert "v: 11 → 11.001 moves J: 33 → 33.003, so dJ/dv ≈ 3" in lines
    assert "backward pass: da = 3, db = 6, dc = 9, du = 3, dv = 3, dJ = 1" in lines
    assert "dJ/da = dJ/dv · ∂v/∂a = 3 · 1 = 3" in lines
    assert ["a", "5", "33", "33.003", "3", "3"] in [line.split() for line in lines]
    if shutil.which("dot"):
        svg = tmp_path / "out" / "computation_graph.svg"
        assert ET.parse(svg).getroot().tag.endswith("svg")
        page = (tmp_path / "out" / "backprop_flipbook.html").read_text(encoding="utf-8")
        assert page.count('<section class="frame"') == 6
    else:
        assert "no pictures" in out


def test_example_without_graphviz_still_explains(tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    out = run_example(tmp_path, env={**os.environ, "PATH": str(empty)})
    assert "no pictures: cannot draw" in out
    assert "apt-get install graphviz" in out
    assert "dJ/dc = dJ/du · ∂u/∂c = 3 · 3 = 9" in out
