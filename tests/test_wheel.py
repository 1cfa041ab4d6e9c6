"""The route of a learner in a hosted notebook: `pip install` of microgrid's wheel into a
fresh venv on a machine with no C compiler, then the README's 30-second tour there.

The wheel is pure Python (`MICROGRID_ENGINE=python` builds no extension, docs/testing.md
says why), so it installs anywhere. This test needs pip to reach numpy, graphviz, tqdm and
mypy_extensions (the package index, or this machine's wheel folders): offline, skip it
with `pytest -m "not install"`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "microgrid-autograd"


def tour(readme: str) -> str:
    """The README's 30-second tour: its ```python blocks, as one doctest text."""
    section = readme.split("## 30-second tour", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert blocks and ">>> J.backward()" in blocks[0]
    return "\n".join(blocks)


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_wheel_installs_without_a_compiler_and_the_readme_tour_runs(tmp_path: Path) -> None:
    # The source as a git checkout has it (no compiled engine, no caches), built as a wheel.
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.so", "compiled.sha256", "*.egg-info")
    shutil.copytree(ROOT / "microgrid", source / "microgrid", ignore=skip)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    build_env = {**os.environ, "MICROGRID_ENGINE": "python"}
    build_env.pop("PYTHONPATH", None)
    wheels = tmp_path / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(source)],
        build_env, tmp_path, timeout=300,
    )  # fmt: skip
    (wheel,) = wheels.glob("*.whl")
    assert wheel.name == "microgrid_autograd-0.1.0-py3-none-any.whl"  # pure: any Python, any OS
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read("microgrid_autograd-0.1.0.dist-info/METADATA").decode()
    assert not [n for n in names if n.endswith((".so", ".pyd", ".c"))]
    assert "microgrid/apps/explorer/static/graph.js" in names  # package data travels
    assert "microgrid/py.typed" in names
    assert f"Name: {DISTRIBUTION}" in metadata and "Requires-Python: >=3.10" in metadata

    # A fresh venv, and a PATH with no C compiler on it (CC points nowhere, too).
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], build_env, tmp_path, timeout=300)
    bin_dir = str(venv / "bin")
    for compiler in ("cc", "gcc", "clang"):
        assert shutil.which(compiler, path=bin_dir) is None
    env = {
        key: value
        for key, value in os.environ.items()
        if key.startswith("PIP_") or key in ("HOME", "LANG", "TMPDIR", "SSL_CERT_FILE")
    }
    env.update(PATH=bin_dir, CC="/bin/false", CXX="/bin/false")
    lock = ROOT / "constraints" / f"python{sys.version_info[0]}.{sys.version_info[1]}.txt"
    if lock.exists():  # the versions tested with this Python
        env["PIP_CONSTRAINT"] = str(lock)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", str(wheel)], env, tmp_path, timeout=900)

    # The engine runs as plain Python, from the venv, not from this checkout.
    where = run(
        [python, "-c", "import microgrid, microgrid.engine as e; "
         "print(microgrid.__file__); print(e.describe_engine())"],
        env, tmp_path, timeout=120,
    )  # fmt: skip
    assert where.startswith(str(venv)) and "plain Python" in where, where
    (tmp_path / "tour.txt").write_text(tour((ROOT / "README.md").read_text("utf-8")), "utf-8")
    flags = ["-o", "ELLIPSIS", "-o", "NORMALIZE_WHITESPACE"]
    run([python, "-m", "doctest", *flags, "tour.txt"], env, tmp_path, timeout=300)


def test_the_tour_is_what_the_test_runs() -> None:
    """A failing tour must fail the test above: the doctest text holds every line."""
    text = tour((ROOT / "README.md").read_text("utf-8"))
    assert "(33.0, 3.0, 6.0, 9.0)" in text and "gradcheck(J).ok" in text and "draw(J)" in text
