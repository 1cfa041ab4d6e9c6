"""`microgrid bench`: the quick engine benchmark on the command line (timings are not tested)."""

from __future__ import annotations

import importlib
import re
from types import ModuleType

import pytest

from microgrid import cli


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
    assert rows[0][2].endswith("× faster than micrograd") and rows[2][2] == ""


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
    assert "faster than + and *" in out
    assert "pip install 'microgrid[compare]'" in out


def test_bench_refuses_empty_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bench", "--features", "0"]) == 2
    assert "must be >= 1" in capsys.readouterr().err
