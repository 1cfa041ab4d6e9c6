"""Module paths from before the layered layout still import (0.1.0 pickles name them).

``import microgrid.logistic`` gives ``microgrid.course.logistic``, the same
module object (so a class is the same class under either name), and likewise
for every module that moved into a layer. Used by ``microgrid/__init__.py``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # importlib.abc imports importlib.resources, tempfile, ...: not at run time
    from importlib.abc import Loader

# Old name -> new name, for each module or package that moved (submodules follow).
MOVED = {
    "microgrid.primitives": "microgrid.engine.primitives",
    "microgrid.evaluate": "microgrid.engine.evaluate",
    "microgrid.modes": "microgrid.engine.modes",
    "microgrid.nary": "microgrid.engine.nary",
    "microgrid.graph": "microgrid.engine.walks",
    "microgrid.optim": "microgrid.nn.optim",
    "microgrid.losses": "microgrid.nn.losses",
    "microgrid.flipbook_page": "microgrid.show.flipbook_page",
    "microgrid.layout": "microgrid.show.layout",
    "microgrid.plotting": "microgrid.show.plotting",
    "microgrid.install_hint": "microgrid.show.install_hint",
    "microgrid.ownbackprop": "microgrid.verify.learner_backprop",
    "microgrid.testing": "microgrid.verify.testing",
    "microgrid.logistic": "microgrid.course.logistic",
    "microgrid.networks": "microgrid.course.networks",
    "microgrid.datasets": "microgrid.course.datasets",
    "microgrid.checks": "microgrid.course.arguments",
    "microgrid.progress": "microgrid.course.progress",
    "microgrid.cli": "microgrid.apps.cli",
    "microgrid.explorer": "microgrid.apps.explorer",
    "microgrid.expr": "microgrid.apps.expression",
    "microgrid.syntax_slips": "microgrid.apps.syntax_slips",
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
