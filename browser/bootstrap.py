"""Run by the browser edition's Web Worker once microgrid's wheel is unpacked (Pyodide).

It loads what the page needs, and nothing else: the explorer's API (the engine, the
expression parser, draw(), explain(), nudge and the exercises built from scalar Values),
with no NumPy. tests/test_site.py runs this same file in CPython with NumPy made
unimportable. Afterwards `answer(method, path, body)` is in this namespace.
"""

from __future__ import annotations

# `import microgrid` loads the engine alone (no NumPy, no web server): everything else
# is imported on first use, so the worker loads just the explorer's API below.
import microgrid  # noqa: F401  (registers the escapes hook, as in CPython)
from microgrid.apps.explorer.worker import answer

__all__ = ["answer"]
