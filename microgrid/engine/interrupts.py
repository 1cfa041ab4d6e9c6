"""A Ctrl-C raised where the engine can undo its work, in both runs.

Python runs pending signal handlers (the KeyboardInterrupt of a Ctrl-C) when it
starts a plain-Python function, and between the lines of one; the compiled
engine runs neither, so an interrupt during a compiled `backward()` would be
raised only after it returned, with every delta changed. `backward()` calls
`check_interrupts` as the last act of its pass, inside its ``try``: the pending
interrupt is raised there, and the pass is undone. This module is never
compiled (it is not in setup.py's COMPILED), for that reason.
"""

from __future__ import annotations

__all__ = ["check_interrupts"]


def check_interrupts() -> None:
    """Let a pending Ctrl-C be raised here and now (a plain-Python call: see above)."""
