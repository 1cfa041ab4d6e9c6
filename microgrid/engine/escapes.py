"""A Value that becomes a plain number: the engine's hook, and the names a learner uses.

`float(v)`, `int(v)` and `v.item()` call each function in `escape_hooks` with the
node and "float", "int" or "item" (when the list is empty they only return the
number). The engine itself says nothing: `import microgrid` registers the hook of
`microgrid/verify/escapes.py`, which reads the learner's line and warns with
`GraphEscapeWarning` while a graph is recorded, unless `escapes_allowed()`.

>>> from microgrid.engine.escapes import escape_hooks, escapes_allowed
>>> from microgrid.engine import Value
>>> seen = []
>>> escape_hooks.append(lambda node, how: seen.append((node.label, how)))
>>> with escapes_allowed():   # hooks are called; microgrid's own stays silent
...     number = float(Value(2.0, label="w"))
>>> number, seen
(2.0, [('w', 'float')])
>>> _ = escape_hooks.pop()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["GraphEscapeWarning", "escape_hooks", "escapes_allowed", "escapes_are_allowed"]

# Called as hook(node, how) by Node.__float__, __int__ and item ("float", "int", "item").
escape_hooks: list[Callable[[Any, str], None]] = []

_allowed: ContextVar[bool] = ContextVar("microgrid_escapes_allowed", default=False)


class GraphEscapeWarning(UserWarning):
    """A Value became a plain number while the graph was recorded: its gradient is lost.

    Make it an error with ``warnings.simplefilter("error", GraphEscapeWarning)``.
    """


@contextmanager
def escapes_allowed() -> Iterator[None]:
    """Inside the block, float(v), math.* and the rest are silent: you mean them.

    >>> import math
    >>> from microgrid import Value, escapes_allowed
    >>> with escapes_allowed():
    ...     shown = math.exp(Value(1.0))
    >>> round(shown, 3)
    2.718
    """
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def escapes_are_allowed() -> bool:
    """True inside `escapes_allowed()`."""
    return _allowed.get()
