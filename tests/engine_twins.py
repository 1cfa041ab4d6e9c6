"""The engine twice in one process: as it runs (compiled where built) and as plain Python.

`plain_twin()` imports a second copy of `microgrid.engine` whose core modules
load from their .py files (which.py's `PlainSource`), without disturbing the copy
everyone else uses, and a copy of `microgrid.higher` on it (`higher_of(twin)`), which
registers the twin's `backward(create_graph=True)`. Pickling looks classes up by module
name, so code that pickles a plain twin's nodes runs inside `current(twin)`.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import microgrid.engine
import microgrid.higher
from microgrid.engine.which import COMPILED_MODULES, PlainSource

PACKAGE = Path(microgrid.engine.__file__).parent.parent


def _ours() -> dict[str, types.ModuleType]:
    return {
        name: module
        for name, module in sys.modules.items()
        if name == "microgrid" or name.startswith("microgrid.")
    }


@contextmanager
def _swapped(modules: dict[str, types.ModuleType]) -> Iterator[None]:
    """Run with `modules` as microgrid's modules in sys.modules; put everything back after."""
    saved = _ours()
    for name in saved:
        del sys.modules[name]
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name in _ours():
            del sys.modules[name]
        sys.modules.update(saved)


@cache
def plain_twin() -> tuple[types.ModuleType, dict[str, types.ModuleType]]:
    """(the engine package run as plain Python, its modules by name)."""
    # A bare `microgrid` package: the engine imports nothing above itself.
    top = types.ModuleType("microgrid")
    top.__path__ = [str(PACKAGE)]
    finder = PlainSource("microgrid.engine", COMPILED_MODULES)
    with _swapped({"microgrid": top}):
        sys.meta_path.insert(0, finder)
        try:
            engine = importlib.import_module("microgrid.engine")
        finally:
            sys.meta_path.remove(finder)
        # The layer above, on the twin: it appends to the twin's value.recorded_backward.
        importlib.import_module("microgrid.higher")
        modules = _ours()
    return engine, modules


def higher_of(engine: types.ModuleType) -> types.ModuleType:
    """The second-derivative layer (`grad`, `hessian`, ...) built on `engine`."""
    if engine is microgrid.engine:
        return microgrid.higher
    return plain_twin()[1]["microgrid.higher"]


@contextmanager
def current(engine: types.ModuleType) -> Iterator[None]:
    """Make `engine` the one that `microgrid.engine...` names refer to (for pickle)."""
    if engine is microgrid.engine:
        yield
        return
    _, modules = plain_twin()
    with _swapped(modules):
        yield
