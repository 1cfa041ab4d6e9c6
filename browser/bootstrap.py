"""Run by the browser edition's Web Worker once microgrid's wheel is unpacked (Pyodide).

It loads what the page needs, and nothing else: the explorer's API (the engine, the
expression parser, draw(), explain(), nudge and the exercises of chapters 1-2),
with no NumPy. tests/test_site.py runs this same file in CPython with NumPy made
unimportable. Afterwards `answer(method, path, body)` is in this namespace.
"""

from __future__ import annotations

import importlib.util
import sys
import types

# microgrid/__init__.py imports the whole package, NumPy included. Until it imports
# lazily, the package is registered here without running it, and the modules the
# page needs are imported directly.
if "microgrid" not in sys.modules:
    _spec = importlib.util.find_spec("microgrid")
    if _spec is None or _spec.submodule_search_locations is None:
        raise ImportError("microgrid is not installed in this Python")
    _package = types.ModuleType("microgrid", "microgrid (the browser edition's modules only)")
    _package.__path__ = list(_spec.submodule_search_locations)
    _package.__file__ = _spec.origin
    sys.modules["microgrid"] = _package

from microgrid.apps.explorer.worker import answer

__all__ = ["answer"]
