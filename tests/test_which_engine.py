"""Which engine runs, and an edit to the engine's source is never silently ignored."""

from __future__ import annotations

import hashlib
import importlib.machinery
import subprocess
import sys
from pathlib import Path

import pytest

import microgrid
from microgrid.engine import which

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def fake_engine(folder: Path, *, compiled: bool, stamp: bool) -> None:
    """The four sources, optionally (fake) extensions beside them and the build's stamp."""
    lines = []
    for name in which.COMPILED_MODULES:
        source = folder / f"{name}.py"
        source.write_text(f"# {name}\n", encoding="utf-8")
        if compiled:
            (folder / f"{name}{SUFFIX}").write_bytes(b"")
        lines.append(f"{hashlib.sha256(source.read_bytes()).hexdigest()}  {name}.py\n")
    if stamp:
        (folder / "compiled.sha256").write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(which, "FOLDER", tmp_path)
    monkeypatch.setattr(which, "STAMP", tmp_path / "compiled.sha256")
    monkeypatch.delenv("MICROGRID_ENGINE", raising=False)
    return tmp_path


def test_compiled_modules_built_from_these_sources_run(folder: Path) -> None:
    fake_engine(folder, compiled=True, stamp=True)
    assert which._choose() == ("compiled", "compiled by mypyc")


def test_an_edited_source_runs_as_plain_python_with_a_warning(folder: Path) -> None:
    fake_engine(folder, compiled=True, stamp=True)
    (folder / "value.py").write_text("# value, edited by a learner\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"value\.py changed since the engine was compiled"):
        engine, why = which._choose()
    assert engine == "python" and "value.py" in why


def test_no_compiler_no_stamp_and_the_environment_choose_plain_python(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_engine(folder, compiled=False, stamp=False)
    assert which._choose()[0] == "python"
    fake_engine(folder, compiled=True, stamp=False)  # an unfinished build
    assert which._choose()[0] == "python"
    fake_engine(folder, compiled=True, stamp=True)
    monkeypatch.setenv("MICROGRID_ENGINE", "python")
    assert which._choose() == ("python", "MICROGRID_ENGINE=python")


def test_the_version_and_bench_say_which_engine_runs() -> None:
    run = [sys.executable, "-m", "microgrid"]
    version = subprocess.run([*run, "--version"], capture_output=True, text=True, check=True)
    assert f"microgrid {microgrid.__version__}; engine: " in version.stdout
    plain = subprocess.run(
        [*run, "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "MICROGRID_ENGINE": "python"},
    )
    assert "engine: plain Python (MICROGRID_ENGINE=python)" in plain.stdout
    bench = subprocess.run(
        [*run, "bench", "--features", "5", "--samples", "2", "--repeats", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "engine: " in bench.stdout
