"""The seed's experiment: nudge a leaf by h and watch J move (a: 5 → 5.001 makes J 33 → 33.003).

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = (3 * (a + b * c)).named("J")
>>> result = nudge(J, a)
>>> round(result.after, 6), round(result.slope, 6)
(33.003, 3.0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from microgrid.engine import Value, set_local_derivatives
from microgrid.engine.walks import replay, topological_order
from microgrid.show.explain import backward_deltas
from microgrid.show.notation import d_name, format_number, node_names, signed

__all__ = ["NudgeResult", "nudge", "nudge_table"]


# ---------------------------------------------------------------------------
# nudge(): the seed's experiment, a += 0.001 and watch J.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeResult:
    """J before and after nudging one leaf by h, the slope, and dJ/dleaf from backprop."""

    root: str
    leaf: str
    h: float
    before: float
    after: float
    slope: float
    delta: float

    def __str__(self) -> str:
        top, leaf = d_name(self.root), d_name(self.leaf)
        return "\n".join(
            [
                f"nudge {self.leaf} by h = {signed(f'{self.h:g}')}: "
                f"{self.root} goes from {signed(f'{self.before:.10g}')} "
                f"to {signed(f'{self.after:.10g}')}",
                f"  slope ({self.root}' − {self.root})/h = {signed(f'{self.slope:.6g}')}",
                f"  d{top}/d{leaf} by backprop    = {signed(f'{self.delta:.6g}')}",
            ]
        )


def nudge(root: Value, leaf: Value | str, h: float = 1e-3) -> NudgeResult:
    """Add `h` to `leaf`, recompute `root` (via replay), and compare the slope with dJ/dleaf.

    `leaf` is a leaf Value or its label. Every value and local derivative is put
    back afterwards, even if the nudged value hits a domain error or Ctrl-C interrupts.

    >>> from microgrid import Value
    >>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    >>> J = 3 * (a + b * c)
    >>> result = nudge(J, a)
    >>> round(result.after, 6), round(result.slope, 6), result.delta, a.value, J.value
    (33.003, 3.0, 3.0, 5.0, 33.0)
    """
    if not isinstance(h, numbers.Real) or isinstance(h, bool) or not math.isfinite(h) or h == 0:
        raise ValueError(f"nudge needs a finite, nonzero step h, got {h!r}")
    order = topological_order(root)
    names = node_names(root)
    target = _find_leaf(order, names, leaf)
    original = target.value
    saved = _saved(order)
    try:
        # Recomputed, not read: after a hand-made `a.value = 5.001` the graph still
        # holds the old values, and `after` (a replay) would be compared with them.
        before = replay(root, {target: original})
        saved = _saved(order)  # the graph at the original value: what is put back
        after = replay(root, {target: original + h})
    finally:
        try:
            _put_back(saved)
        except KeyboardInterrupt:  # Ctrl-C during the restore: restore again, then stop
            _put_back(saved)
            raise
    delta = backward_deltas(root, order)[target]
    return NudgeResult(
        names[root], names[target], float(h), before, after, (after - before) / h, delta
    )


Saved = list[tuple[Value, float, tuple[float, ...]]]


def _saved(order: Sequence[Value]) -> Saved:
    """Every node's value and local derivatives, to be put back by `_put_back`."""
    return [(node, node.value, node.local_derivatives) for node in order]


def _put_back(saved: Saved) -> None:
    """Put the saved values back (plain assignments: no op runs, nothing can fail)."""
    for node, value, derivatives in saved:
        node.value = value
        if derivatives:
            set_local_derivatives(node, derivatives)


def _find_leaf(order: Sequence[Value], names: dict[Value, str], leaf: Value | str) -> Value:
    if isinstance(leaf, str):
        matches = [node for node in order if not node.parents and names[node] == leaf]
        if len(matches) != 1:
            leaves = ", ".join(names[n] for n in order if not n.parents)
            problem = "no leaf" if not matches else f"{len(matches)} leaves"
            raise ValueError(f"nudge: {problem} named {leaf!r} in the graph (leaves: {leaves})")
        return matches[0]
    if not isinstance(leaf, Value):
        raise TypeError(f"nudge: leaf must be a Value or a label, got {type(leaf).__name__}")
    if leaf not in names:
        raise ValueError(f"nudge: {leaf!r} is not a node of the graph under the root")
    if leaf.parents:
        raise ValueError(f"nudge: {names[leaf]!r} is computed by {str(leaf.op)!r}, not a leaf")
    return leaf


def nudge_table(root: Value, h: float = 1e-3) -> str:
    """The nudge experiment for every leaf, as a table: the slope beside dJ/dleaf.

    >>> from microgrid import Value
    >>> x, y = Value(2.0, label="x"), Value(5.0, label="y")
    >>> print(nudge_table((x * y).named("J"), h=1e-6))
    leaf  value  J before   J after  slope (J' − J)/h  dJ/dleaf
    x         2        10  10.000005                5         5
    y         5        10  10.000002                2         2
    """
    order = topological_order(root)
    leaves = [node for node in order if not node.parents]
    results = [nudge(root, leaf, h) for leaf in leaves]
    top = results[0].root if results else node_names(root)[root]
    header = ["leaf", "value", f"{top} before", f"{top} after", f"slope ({top}' − {top})/h"]
    header.append(f"d{d_name(top)}/dleaf")
    rows = [
        [
            r.leaf,
            format_number(leaf.value, 6),
            signed(f"{r.before:.10g}"),
            signed(f"{r.after:.10g}"),
            signed(f"{r.slope:.6g}"),
            signed(f"{r.delta:.6g}"),
        ]
        for r, leaf in zip(results, leaves, strict=True)
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # The name column is left-aligned, the numbers right-aligned.
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return "\n".join(line(cells) for cells in [header, *rows])
