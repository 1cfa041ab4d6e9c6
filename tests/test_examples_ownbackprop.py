"""examples/10_check_your_backprop.py runs and finds the mistakes it plants."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "10_check_your_backprop.py"


def test_example_finds_the_planted_mistakes(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--m", "12", "--html", str(page)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    part = {n: out.split(f"\n{n}. ")[1].split("\n\n" + str(n + 1) + ". ")[0] for n in (1, 2, 3, 4)}
    assert "check_backprop: all 4 gradients are right" in part[1]
    assert "Your backward propagation works perfectly fine! difference = " in part[1]
    assert "check_backprop: 2 of 4 gradients are wrong (dW1, db1)" in part[2]
    assert "tanh′ at layer 1 is written A1 instead of 1 − A1²" in part[2]
    assert "There is a mistake in the backward propagation!" in part[2]
    assert "exactly 5 times too big; if you have m = 5 samples, the 1/m is missing" in part[3]
    assert "86,031 parameters × 12 samples" in part[4]
    assert part[4].count("ok=True") == 3
    assert "35 of 86,031 entries compared with microgrid's backprop on 4 of 12 samples" in part[4]
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and 'fill="#cf222e"' in html
