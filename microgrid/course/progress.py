"""The training progress bar: tqdm on a terminal, nothing when output goes to a file or a pipe.

>>> import sys
>>> sys.stderr.isatty() or progress_bar(10, "vectorized") is None
True
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


def progress_bar(count: int, engine: str) -> Any:
    """A tqdm bar over range(count) labelled with the engine; None when stderr is not a terminal."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(range(count), desc=f"gradient descent ({engine})", unit="it", leave=False)


def report_cost(
    bar: Any, i: int, cost: float, print_line: bool, out: TextIO, unit: str = "iteration"
) -> None:
    """Show the cost on the bar; print the course's "Cost after iteration i: J" when asked.

    `unit` is "iteration" (full batch) or "epoch" (mini-batches), as the course prints it.

    >>> report_cost(None, 100, 0.6, True, sys.stdout)
    Cost after iteration 100: 0.600000
    """
    if bar is not None:
        bar.set_postfix_str(f"cost {cost:.6f}", refresh=False)
    if print_line:
        line = f"Cost after {unit} {i}: {cost:f}"
        if bar is not None:
            bar.write(line, file=out)  # above the bar, which stays at the bottom
        else:
            print(line, file=out)
