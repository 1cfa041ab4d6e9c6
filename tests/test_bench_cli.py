"""`microgrid bench`: the quick engine benchmark on the command line (timings are not tested)."""

from __future__ import annotations

import importlib
import re
from types import ModuleType

import pytest

from microgrid.apps import cli
from microgrid.apps.cli.bench import speed_ratio


def test_bench_compares_with_micrograd(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("micrograd")
    assert cli.main(["bench", "--features", "30", "--samples", "2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "30 features × 2 samples" in out
    rows = re.findall(r"^  (.+?)\s+([\d.]+) ms\s*(.*)$", out, flags=re.MULTILINE)
    assert [name.strip() for name, _, _ in rows] == [
        "microgrid, + and *",
        "microgrid, dot and sum",
        "micrograd 0.1.0, + and *",
    ]
    assert all(float(ms) > 0 for _, ms, _ in rows)
    assert re.fullmatch(r"[\d.]+× (faster|slower) than micrograd", rows[0][2]) and rows[2][2] == ""


def test_bench_without_micrograd(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.import_module

    def no_micrograd(name: str, package: str | None = None) -> ModuleType:
        if name.startswith("micrograd"):
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_micrograd)
    assert cli.main(["bench", "--features", "10", "--samples", "1", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "micrograd 0.1.0" not in out
    assert re.search(r"× (faster|slower) than \+ and \*", out)
    # micrograd alone, with this clone's own pip: not the `compare` extra, which pulls torch.
    assert "pip install micrograd==0.1.0 to compare" in out and "compare]" not in out


def test_bench_refuses_empty_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bench", "--features", "0"]) == 2
    assert "must be >= 1" in capsys.readouterr().err


def test_bench_says_slower_rather_than_a_fraction_faster() -> None:
    # 1 ms against micrograd's 0.4 ms is 2.5× slower, not "0.4× faster".
    assert speed_ratio(0.4e-3, 1e-3, "micrograd") == "2.5× slower than micrograd"
    assert speed_ratio(3e-3, 1e-3, "micrograd") == "3.0× faster than micrograd"
