"""The module paths a 0.1.0 pickle names, from before the layered layout, still import.

``import microgrid.optim`` gives ``microgrid.nn.optim``, the same module object
(so a class is the same class under either name), and likewise for
``microgrid.primitives`` and ``microgrid.losses``: what a graph or a model
pickled by microgrid 0.1.0 names. Used by ``microgrid/__init__.py``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # importlib.abc imports importlib.resources, tempfile, ...: not at run time
    from importlib.abc import Loader

# Old name -> new name: only the paths that tests/data/released_layout.pickle (written
# by microgrid 0.1.0, before the layers) names. Code imports the layer paths.
MOVED = {
    "microgrid.primitives": "microgrid.engine.primitives",
    "microgrid.losses": "microgrid.nn.losses",
    "microgrid.optim": "microgrid.nn.optim",
}


def new_name(old: str) -> str | None:
    """The layered name of an old module path, or None if it did not move."""
    for moved, to in MOVED.items():
        if old == moved or old.startswith(moved + "."):
            return to + old[len(moved) :]
    return None


class _SameModule:
    """Loads an old name as the module under its new name (an importlib Loader)."""

    def __init__(self, new: str) -> None:
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.new)
        self.own_spec = module.__spec__  # the import system sets the old one; put back below
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self.own_spec  # already executed under its new name


class OldPathFinder:
    """Finds ``microgrid.<old path>`` and hands back the moved module."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = new_name(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, cast("Loader", _SameModule(new)))


def install() -> None:
    """Find the old paths when they are imported (by a pickle), and not before."""
    if not any(isinstance(finder, OldPathFinder) for finder in sys.meta_path):
        # First, so an old package path never finds its files a second time.
        sys.meta_path.insert(0, OldPathFinder())
