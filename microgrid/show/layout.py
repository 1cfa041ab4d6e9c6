"""Running Graphviz's ``dot``: settings that keep big graphs quick, a time limit, progress.

Graphviz lays a graph out in ranks (one column per step from the leaves in the
default left-to-right picture). An edge that jumps over many ranks costs one
hidden "virtual" node per rank it crosses, and those are what made a 300-node
sum ``x*0 + x*1 + … + x*149`` take minutes: the leaf x has an edge into every
rank. So a big graph (more than `LARGE_GRAPH` nodes) is drawn more simply:

- a node used far from where it is drawn (more than `SHORT_EDGE` ranks away)
  appears again beside that use, as a dashed box with its name only;
- edges are straight lines and the crossing-reduction and positioning passes
  are told to stop early (`BIG_GRAPH_ATTRIBUTES`).

`run_dot` runs ``dot`` with a time limit and kills it when time is up; the
measured times are in docs/performance.md (drawing big graphs).

>>> from microgrid import Value, topological_order
>>> x = Value(1.0, label="x")
>>> J = x * 0
>>> for k in range(1, 60):
...     J = J + x * k
>>> order = topological_order(J)
>>> len(order), len(far_uses(order))   # x is drawn again beside 57 of its 60 uses
(120, 57)
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

from microgrid.engine import Value

__all__ = [
    "BIG_GRAPH_ATTRIBUTES",
    "DEFAULT_TIMEOUT",
    "LARGE_GRAPH",
    "MAX_DRAWABLE_NODES",
    "MAX_HIDDEN_NODES",
    "MAX_TIMEOUT",
    "GraphvizNotFoundError",
    "RenderError",
    "RenderTimeoutError",
    "check_timeout",
    "dot_available",
    "drawable_nodes",
    "far_uses",
    "require_dot",
    "run_dot",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds ``dot`` may run for one picture (a flip-book: for all its frames)."""

LARGE_GRAPH = 100
"""Graphs with more nodes get the simpler layout, and a progress message."""

SHORT_EDGE = 2
"""In a large graph, a use more ranks away than this gets its own copy of the node."""

MAX_DRAWABLE_NODES = 2000
"""The most nodes the max_nodes hint suggests for the default time limit.

Measured here (docs/performance.md, drawing big graphs): at 2,000 nodes the
slowest kind (the logistic cost graph) took 2.3 s of dot's CPU time and 5 s
of wall time on a busy machine, at 5,000 nodes 41 s and 99 s. The time grows
faster than the size, so the hint scales this with the square root of the limit.
"""

MAX_HIDDEN_NODES = 800
"""A small graph whose far edges cross more ranks than this in all (dot's hidden nodes,
counted twice when the edges carry labels) is drawn with copies too. Measured here:
x·x·…·x with 40 factors (740 hidden nodes) took dot 1.3 s, with 50 factors 2 s, and
with ∂child/∂parent on the edges 40 factors took 3.7 s, 50 over 30 s; with the
copies, 100 factors with the edge labels take under a second."""

BIG_GRAPH_ATTRIBUTES = {
    "splines": "false",  # straight edges: spline routing was most of the time
    "mclimit": "0.05",  # fewer crossing-reduction passes
    "remincross": "false",
    "nslimit": "0.5",  # stop the network-simplex passes early
    "nslimit1": "0.5",
    "searchsize": "5",
}
"""Graph attributes for graphs over `LARGE_GRAPH` nodes."""

INSTALL_HINT = (
    "install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu) "
    "or `brew install graphviz` (macOS)"
)


class RenderError(RuntimeError):
    """Graphviz could not draw a picture."""


class GraphvizNotFoundError(RenderError):
    """Graphviz's ``dot`` program is needed (for SVG/PNG/PDF) but not installed."""


class RenderTimeoutError(RenderError):
    """``dot`` did not finish within the time limit (it has been stopped)."""


MAX_TIMEOUT = 86_400.0
"""The longest time limit dot may be given: a day (1e308 s would overflow the clock)."""


def check_timeout(timeout: object) -> float:
    """A time limit in seconds: a number above 0 and at most `MAX_TIMEOUT`.

    >>> check_timeout(1e308)
    Traceback (most recent call last):
      ...
    ValueError: timeout must be a number of seconds above 0 and at most 86400 (a day), got 1e+308
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ValueError(f"timeout must be a number of seconds, got {timeout!r}"[:120])
    if not 0 < timeout <= MAX_TIMEOUT:  # NaN fails too
        shown = f"{timeout:g}" if isinstance(timeout, float) else f"{timeout}"[:40]
        raise ValueError(
            "timeout must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT:g} (a day), got {shown}"
        )
    return float(timeout)


def drawable_nodes(timeout: float = DEFAULT_TIMEOUT) -> int:
    """About how many nodes any graph may have and still be drawn within `timeout` seconds.

    >>> drawable_nodes(30), drawable_nodes(7.5)
    (2000, 1000)
    """
    return max(LARGE_GRAPH, int(MAX_DRAWABLE_NODES * math.sqrt(timeout / DEFAULT_TIMEOUT)))


def far_uses(order: Sequence[Value], labelled: bool = False) -> set[tuple[Value, int]]:
    """The edges (child, parent position) of a large graph drawn from a copy of the parent.

    Ranks are counted back from the root (the longest path to it), which is
    where ``dot`` puts a node used by nodes at several ranks: next to its
    earliest use. A use more than `SHORT_EDGE` ranks later is "far".
    Small graphs (`LARGE_GRAPH` nodes or fewer) are drawn as they are, no copies,
    unless their far edges cross more than `MAX_HIDDEN_NODES` ranks in all (each
    rank counted twice when the edges are `labelled`: dot gives a label a rank of its own).
    """
    steps_to_root = dict.fromkeys(order, 0)
    for node in reversed(order):  # children before parents
        for parent in node.parents:
            steps_to_root[parent] = max(steps_to_root[parent], steps_to_root[node] + 1)
    far: set[tuple[Value, int]] = set()
    hidden = 0  # dot's virtual nodes on the far edges: one per rank crossed
    for node in order:
        for position, parent in enumerate(node.parents):
            span = steps_to_root[parent] - steps_to_root[node]
            if span > SHORT_EDGE:
                far.add((node, position))
                hidden += span - 1
    if len(order) <= LARGE_GRAPH and hidden * (2 if labelled else 1) <= MAX_HIDDEN_NODES:
        return set()
    return far


def dot_available() -> bool:
    """Is Graphviz's ``dot`` program on PATH?"""
    return shutil.which("dot") is not None


def require_dot(what: str) -> None:
    """Raise GraphvizNotFoundError (saying how to install it) when ``dot`` is missing."""
    if not dot_available():
        raise GraphvizNotFoundError(
            f"cannot draw {what}: Graphviz's `dot` program is not installed; {INSTALL_HINT}. "
            "DOT source (.dot/.gv) and explain() work without it"
        )


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_dot(
    source: str,
    fmt: str,
    what: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    nodes: int = 0,
    progress: Callable[[str], None] | None = _to_stderr,
    limit: float | None = None,
) -> bytes:
    """``dot -T<fmt>`` on `source`, stopped after `timeout` seconds (RenderTimeoutError).

    `what` names the picture in messages; a graph of more than `LARGE_GRAPH`
    `nodes` is announced through `progress` (stderr by default; None: quiet).
    `limit`: the time limit to name in the message, when `timeout` is what is
    left of it (a flip-book's later frames).
    """
    timeout = check_timeout(timeout)
    require_dot(what)
    if progress is not None and nodes > LARGE_GRAPH:
        progress(f"laying out {nodes} nodes with dot (limit {timeout:g} s)…")
    try:
        finished = subprocess.run(
            ["dot", f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GraphvizNotFoundError(
            f"cannot draw {what}: Graphviz's `dot` program was not found; {INSTALL_HINT}"
        ) from None
    except subprocess.TimeoutExpired:
        # subprocess.run has killed dot and waited for it: nothing is left running.
        size = f"{nodes} nodes are" if nodes else "the graph is"
        raise RenderTimeoutError(
            f"cannot draw {what}: dot did not finish in {limit or timeout:g} s and was stopped; "
            f"{size} too many to lay out in that time. Draw a smaller graph (or part of it), "
            f"lower --max-nodes / max_nodes, allow more time with --timeout / timeout=, "
            "or write the DOT source (.dot) instead"
        ) from None
    if finished.returncode != 0:
        # dot itself failed (out of memory on a huge graph, a broken install, ...).
        detail = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit status {finished.returncode}"
        raise RenderError(f"cannot draw {what}: dot failed: {reason}")
    return finished.stdout
