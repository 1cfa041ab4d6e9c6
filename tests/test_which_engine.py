"""Which engine runs, and an edit to the engine's source is never silently ignored."""

from __future__ import annotations

import hashlib
import importlib.machinery
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

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


# -- issue 30, item 14: a broken install and a mistyped MICROGRID_ENGINE ------------------


def test_a_missing_shared_library_runs_plain_python_with_a_warning(folder: Path) -> None:
    fake_engine(folder, compiled=True, stamp=True)
    for name in which.COMPILED_MODULES:  # each module names the library they share
        (folder / f"{name}{SUFFIX}").write_bytes(
            b"\x7fELF...\x00ab12cd34ef56ab12cd34__mypyc\x00ab12cd34ef56ab12cd34__mypyc.init\x00"
        )
    with pytest.warns(UserWarning, match=r"ab12cd34ef56ab12cd34__mypyc, the library its modules"):
        engine, why = which._choose()
    assert engine == "python" and "incomplete" in why


def test_a_shared_library_that_is_found_keeps_the_compiled_engine(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_engine(folder, compiled=True, stamp=True)
    (folder / "ab12cd34ef56ab12cd34__mypyc.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))  # where Python finds it, as in site-packages
    for name in which.COMPILED_MODULES:
        (folder / f"{name}{SUFFIX}").write_bytes(b"\x00ab12cd34ef56ab12cd34__mypyc\x00")
    assert which._choose() == ("compiled", "compiled by mypyc")


@pytest.mark.parametrize("asked", ["python", "Python", "PYTHON"])
def test_python_in_any_case_chooses_plain_python(
    folder: Path, monkeypatch: pytest.MonkeyPatch, asked: str
) -> None:
    fake_engine(folder, compiled=True, stamp=True)
    monkeypatch.setenv("MICROGRID_ENGINE", asked)
    assert which._choose() == ("python", "MICROGRID_ENGINE=python")


@pytest.mark.parametrize("asked", ["pyhton", "C", " python", "compiled!"])
def test_a_value_it_cannot_mean_is_said_and_ignored(
    folder: Path, monkeypatch: pytest.MonkeyPatch, asked: str
) -> None:
    fake_engine(folder, compiled=True, stamp=True)
    monkeypatch.setenv("MICROGRID_ENGINE", asked)
    with pytest.warns(UserWarning, match=rf"MICROGRID_ENGINE={asked!r} is not understood"):
        assert which._choose() == ("compiled", "compiled by mypyc")


def _setup_py_rule(monkeypatch: pytest.MonkeyPatch, asked: str) -> bool:
    """setup.py's plain_python_asked() under MICROGRID_ENGINE=asked, run without building."""
    import runpy

    import setuptools

    monkeypatch.setattr(setuptools, "setup", lambda **_: None)
    monkeypatch.setenv("MICROGRID_ENGINE", "python")  # the module's own setup() call: no build
    space = runpy.run_path(str(Path(microgrid.__file__).parents[1] / "setup.py"))
    monkeypatch.setenv("MICROGRID_ENGINE", asked)
    return bool(space["plain_python_asked"]())


@pytest.mark.parametrize(
    ("asked", "plain"), [("python", True), ("PYTHON", True), ("Python", True), ("pyhton", False)]
)
def test_setup_py_and_which_agree_on_case(
    folder: Path, monkeypatch: pytest.MonkeyPatch, asked: str, plain: bool, capsys: Any
) -> None:
    setup_says = _setup_py_rule(monkeypatch, asked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        which_says = which.plain_python_asked()
    assert setup_says == which_says == plain
    if not plain:
        assert f"MICROGRID_ENGINE={asked!r} is not understood" in capsys.readouterr().err
