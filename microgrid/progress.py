"""The training progress bar: tqdm on a terminal, nothing when output goes to a file or a pipe.

>>> import sys
>>> sys.stderr.isatty() or progress_bar(10, "vectorized") is None
True
"""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(count: int, engine: str) -> Any:
    """A tqdm bar over range(count) labelled with the engine; None when stderr is not a terminal."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(range(count), desc=f"gradient descent ({engine})", unit="it", leave=False)
