"""Recording on or off: `with no_grad():` computes values without building a graph.

(Read after the core: node.py, primitives.py, backprop.py, value.py.)

A ContextVar (not a global flag) keeps threads and async tasks independent:

>>> from microgrid import Value
>>> with no_grad():
...     y = Value(2.0) * 3
>>> y.parents, is_grad_enabled()
((), True)
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final


class OpenBlocks:
    """How many `no_grad()` settings are alive right now, in all threads together.

    While none is (the usual case), every thread records, and an operator needs
    only this number, not the ContextVar (a method call per op; compiled, this is
    one integer read). While one is alive anywhere, operators ask the ContextVar.
    """

    count: int

    def __init__(self) -> None:
        self.count = 0


no_grad_blocks: Final = OpenBlocks()
_counting: Final = threading.RLock()


class NotRecording:
    """What `no_grad()` puts in the ContextVar: false, and counted for as long as it lives.

    It lives while its block is open, and after, in any context copied inside the
    block (an asyncio task started there): that task records nothing either, and
    until it is gone, operators everywhere keep asking the ContextVar.
    """

    def __init__(self) -> None:
        with _counting:
            no_grad_blocks.count += 1

    def __bool__(self) -> bool:
        return False

    def __del__(self) -> None:
        with _counting:
            no_grad_blocks.count -= 1


recording_flag: ContextVar[bool | NotRecording] = ContextVar("microgrid_recording", default=True)


def is_recording() -> bool:
    """Whether an op records its node here and now (False inside `no_grad()`)."""
    return no_grad_blocks.count == 0 or bool(recording_flag.get())


@contextmanager
def no_grad() -> Iterator[None]:
    """Compute values without recording the graph (inference, parameter updates).

    >>> from microgrid import Value
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     w2 = w - 0.1 * 3
    >>> w2.parents
    ()
    """
    # Held by the context only (no local name: a traceback would keep it alive).
    token = recording_flag.set(NotRecording())
    try:
        yield
    finally:
        recording_flag.reset(token)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's garbage collector inside the block (opt-in; process-wide).

    Building a big graph allocates many objects, and CPython runs a full
    collection every ~70,000 of them; pausing it can make a training step up to
    ~2× faster. It pauses the collector for the whole process (every thread, your
    own code too) until the block ends, when it is re-enabled if it was on
    before. Reference counting still frees what you drop; only cycles wait.

    >>> from microgrid import Value
    >>> with gc_paused():
    ...     J = 3 * Value(2.0)
    >>> J.value
    6.0
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return is_recording()
