"""How to install an optional extra, said for where microgrid runs.

From a clone (an editable install next to its pyproject.toml) the command that
works is the clone's own pip with ``-e '.[plot]'``, or ``make test``, which
installs every extra; from an installed package it is ``pip install
'microgrid[plot]'``.

>>> pip_command("plot") in (
...     "pip install 'microgrid[plot]'",
...     "make test (or .venv/bin/pip install -e '.[plot]') in the clone's folder",
...     f"{sys.executable} -m pip install -e '.[plot]' in the clone's folder",
... )
True
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["clone_folder", "pip_command"]


def clone_folder() -> Path | None:
    """The clone microgrid runs from (its pyproject.toml names microgrid), or None."""
    root = Path(__file__).resolve().parents[2]  # microgrid/show/install_hint.py -> the clone
    project = root / "pyproject.toml"
    try:
        text = project.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if 'name = "microgrid"' in text else None


def pip_command(extra: str) -> str:
    """The command that installs the optional dependencies `extra` here."""
    root = clone_folder()
    if root is None:
        return f"pip install 'microgrid[{extra}]'"
    venv = root / ".venv"
    if Path(sys.prefix).resolve() == venv.resolve():
        return f"make test (or .venv/bin/pip install -e '.[{extra}]') in the clone's folder"
    return f"{sys.executable} -m pip install -e '.[{extra}]' in the clone's folder"
