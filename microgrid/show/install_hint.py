"""How to install an optional extra, said for where microgrid runs.

Always the smallest thing that works: the one extra (``plot`` is matplotlib,
``data`` is h5py), or one package (micrograd for ``microgrid bench``), never
the whole test set-up with torch. From a clone (an editable install next to
its pyproject.toml) the command is the clone's own pip with ``-e '.[plot]'``;
from an installed package it is ``pip install 'microgrid-autograd[plot]'`` (the
distribution's name on PyPI; ``microgrid`` there is another project).

>>> pip_command("plot") in (
...     "pip install 'microgrid-autograd[plot]'",
...     ".venv/bin/pip install -e '.[plot]' in the clone's folder",
...     f"{sys.executable} -m pip install -e '.[plot]' in the clone's folder",
... )
True
>>> pip_package("micrograd==0.1.0").endswith("install micrograd==0.1.0")
True
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["DISTRIBUTION", "clone_folder", "pip_command", "pip_package"]

DISTRIBUTION = "microgrid-autograd"
"""The name pip installs microgrid by (``import microgrid`` all the same)."""


def clone_folder() -> Path | None:
    """The clone microgrid runs from (its pyproject.toml names microgrid-autograd), or None."""
    root = Path(__file__).resolve().parents[2]  # microgrid/show/install_hint.py -> the clone
    project = root / "pyproject.toml"
    try:
        text = project.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if f'name = "{DISTRIBUTION}"' in text else None


def pip_command(extra: str) -> str:
    """The command that installs the optional dependencies `extra` here."""
    root = clone_folder()
    if root is None:
        return f"pip install '{DISTRIBUTION}[{extra}]'"
    return f"{_pip(root)} install -e '.[{extra}]' in the clone's folder"


def pip_package(requirement: str) -> str:
    """The command that installs one package here: ``pip install micrograd==0.1.0``."""
    root = clone_folder()
    return f"pip install {requirement}" if root is None else f"{_pip(root)} install {requirement}"


def _pip(root: Path) -> str:
    """The clone's .venv pip when running from it, else this Python's pip."""
    if Path(sys.prefix).resolve() == (root / ".venv").resolve():
        return ".venv/bin/pip"
    return f"{sys.executable} -m pip"
