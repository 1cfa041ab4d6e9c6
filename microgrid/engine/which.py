"""Which engine runs: the compiled one (mypyc) or the same source as plain Python.

The engine's six core modules (primitives, evaluate, modes, node, backprop, value) are typed
Python. Where a C compiler was found at install, mypyc compiled them into C
extensions that sit beside the .py files; Python would import those first.
This module decides before any of them is imported, and says why:

- ``MICROGRID_ENGINE=python`` in the environment (any case): the .py files run;
  any other value is a mistake (``pyhton``, ``" python"``): a warning, and it is ignored;
- no compiled modules: the .py files run (nothing to choose);
- compiled modules whose shared library (``…__mypyc….so``, beside the package) is
  missing: a warning, and the .py files run instead of a failed import;
- an edited source: the .py files differ from those the extensions were
  built from (``compiled.sha256``): a warning, and the .py files run, so an
  edit is never silently ignored (rebuild with ``make engine``);
- otherwise the compiled modules run.

>>> ENGINE in {"compiled", "python"}
True
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = ["COMPILED_MODULES", "ENGINE", "REASON", "describe_engine", "plain_python_asked"]

FOLDER = Path(__file__).parent
COMPILED_MODULES = ("primitives", "evaluate", "modes", "node", "backprop", "value")
STAMP = FOLDER / "compiled.sha256"


def _extension(name: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = FOLDER / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def _edited() -> list[str]:
    """The compiled modules whose .py differs from the source the extension was built from."""
    recorded: dict[str, str] = {}
    try:
        for line in STAMP.read_text(encoding="utf-8").splitlines():
            digest, name = line.split()
            recorded[name] = digest
    except (OSError, ValueError):
        return list(COMPILED_MODULES)  # no stamp: built by hand, or a failed build
    edited = []
    for name in COMPILED_MODULES:
        source = FOLDER / f"{name}.py"
        digest = hashlib.sha256(source.read_bytes()).hexdigest() if source.exists() else ""
        if recorded.get(f"{name}.py") != digest:
            edited.append(f"{name}.py")
    return edited


def plain_python_asked() -> bool:
    """Whether MICROGRID_ENGINE asks for the .py files; a value it cannot mean, a warning.

    setup.py applies the same rule (it cannot import this module while it builds it).
    """
    asked = os.environ.get("MICROGRID_ENGINE", "")
    if asked.lower() == "python":
        return True
    if asked:
        warnings.warn(
            f"microgrid: MICROGRID_ENGINE={asked!r} is not understood and is ignored: the only "
            "value is python (MICROGRID_ENGINE=python runs the engine's .py files); unset it "
            "to run the compiled engine where there is one",
            stacklevel=4,
        )
    return False


# The library the compiled modules share: its name is written in each of them.
_SHARED_NAME = re.compile(rb"([A-Za-z0-9_]{1,64}__mypyc)(?=[\x00.])")


def _missing_shared_library(extensions: Sequence[Path]) -> str | None:
    """The name of the shared library the compiled modules import, if Python cannot find it."""
    names: set[str] = set()
    for path in extensions:
        try:
            names.update(m.group(1).decode() for m in _SHARED_NAME.finditer(path.read_bytes()))
        except OSError:
            continue
    for name in sorted(names):
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return None


def _choose() -> tuple[str, str]:
    """(engine, why): "compiled" or "python", and the reason in a few words."""
    if plain_python_asked():
        return "python", "MICROGRID_ENGINE=python"
    extensions = [path for name in COMPILED_MODULES if (path := _extension(name)) is not None]
    if not extensions:
        return "python", "not compiled: no C compiler at install, or installed without mypy"
    if len(extensions) < len(COMPILED_MODULES):
        return "python", "only part of the engine was compiled"
    if not STAMP.exists():
        return "python", "compiled modules with no record of their sources (an unfinished build)"
    missing = _missing_shared_library(extensions)
    if missing is not None:
        warnings.warn(
            f"microgrid: the compiled engine is incomplete ({missing}, the library its modules "
            "share, is missing): running the plain-Python engine; reinstall microgrid, or run "
            "`make engine`, to compile it again",
            stacklevel=3,
        )
        return "python", f"the compiled engine is incomplete: {missing} is missing"
    edited = _edited()
    if edited:
        warnings.warn(
            f"microgrid: {', '.join(edited)} changed since the engine was compiled: running "
            "the plain-Python engine (your edit); `make engine` compiles it again",
            stacklevel=3,
        )
        return "python", f"edited since compiled: {', '.join(edited)}"
    return "compiled", "compiled by mypyc"


class PlainSource:
    """An import finder that loads the engine's .py files even where extensions sit beside them."""

    def __init__(self, package: str, names: Sequence[str]) -> None:
        self.modules = {f"{package}.{name}": FOLDER / f"{name}.py" for name in names}

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        source = self.modules.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(fullname, source)


ENGINE, REASON = _choose()
if ENGINE == "python" and any(_extension(name) for name in COMPILED_MODULES):
    sys.meta_path.insert(0, PlainSource(__name__.rpartition(".")[0], COMPILED_MODULES))


def describe_engine() -> str:
    """One line for `microgrid --version` and `microgrid bench`: which engine, and why."""
    if ENGINE == "compiled":
        return "engine: compiled by mypyc (C extension)"
    return f"engine: plain Python ({REASON})"
