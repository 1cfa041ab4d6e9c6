"""The readable writer: one named line per node and one per edge, in the seed's notation.

This is the code `compile()` writes for a graph a learner reads (the seed's
J = 3(a + bc) becomes `u = b * c`, `v = a + u`, `J = 3 * v`, then `dJ = 1.0`,
`dv = 3 * dJ`, ...). A node is called by its label when that is a plain ASCII
identifier that clashes with nothing, t1, t2, … otherwise (labels are data,
never code). Big graphs use `compiled/registers.py` instead.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from typing import Any

from microgrid.compiled.templates import RESERVED, grouped, number, template
from microgrid.engine import Value
from microgrid.engine import primitives as P

__all__ = ["ReadableWriter"]

CheckedForward = Callable[[Value], Callable[..., tuple[float, Sequence[float]]]]


class ReadableWriter:
    """Writes the straight-line source for one graph, one named line per node."""

    def __init__(
        self,
        order: Sequence[Value],
        root: Value,
        wrt: Sequence[Value],
        checked_forward: CheckedForward,
    ) -> None:
        self.order, self.root, self.wrt = order, root, wrt
        self._checked_forward = checked_forward
        self.callables: dict[str, Any] = {}
        self._used: set[str] = set(RESERVED)
        self._counter = 0
        self.name: dict[Value, str] = {node: self._name_for(node) for node in order}
        children: dict[Value, int] = {}
        for node in order:
            for parent in node.parents:
                children[parent] = children.get(parent, 0) + 1
        self.children = children
        # Only nodes on a path from a wrt leaf to the root need a delta.
        wanted = set(wrt)
        self.needs_delta: set[Value] = set()
        for node in order:
            if node in wanted or any(p in self.needs_delta for p in node.parents):
                self.needs_delta.add(node)

    def _name_for(self, node: Value) -> str:
        label = node.label
        if (
            type(label) is str  # a str subclass could format itself as anything
            and label.isascii()
            and label.isidentifier()
            and not keyword.iskeyword(label)
            and not label.startswith("_")
            and label not in self._used
            and f"d{label}" not in self._used
        ):
            return self._take(label)
        return self._fresh("t")

    def _fresh(self, stem: str) -> str:
        while True:
            self._counter += 1
            name = f"{stem}{self._counter}"
            if name not in self._used and f"d{name}" not in self._used:
                return self._take(name)

    def _take(self, name: str) -> str:
        self._used.update((name, f"d{name}"))
        return name

    # -- the source --------------------------------------------------------

    def source(self) -> str:
        forward: list[str] = []
        backward: list[str] = []
        fused: dict[Value, str] = {}
        leaf_names = [self.name[node] for node in self.order if not node.parents]
        forward.append(f"    {', '.join(leaf_names)}{',' if len(leaf_names) == 1 else ''} = leaves")
        local: dict[Value, list[str]] = {}
        for node in self.order:
            if node.parents:
                lines, derivatives = self._node_lines(node, fused)
                forward.extend(f"    {line}" for line in lines)
                local[node] = derivatives
        root = self.root
        if root in self.needs_delta:
            backward.append(f"    d{self.name[root]} = 1.0")
        assigned: set[Value] = {root}
        skipped: set[Value] = set()
        for node in reversed(self.order):
            if node not in self.needs_delta or not node.parents:
                continue
            if node in fused:  # sigmoid + bce at the root: the seed's dz = a − y
                a = node.parents[0]
                z = a.parents[0]
                backward.append(f"    d{self.name[z]} = {fused[node]}")
                assigned.add(z)
                skipped.add(a)
                continue
            if node in skipped:
                continue
            delta = f"d{self.name[node]}"
            for parent, derivative in zip(node.parents, local[node], strict=True):
                if parent not in self.needs_delta:
                    continue
                target = f"d{self.name[parent]}"
                line = _accumulate(target, derivative, delta, parent in assigned)
                backward.append(f"    {line}")
                assigned.add(parent)
        gradients = ", ".join(
            f"d{self.name[leaf]}" if leaf in assigned else "0.0" for leaf in self.wrt
        )
        if len(self.wrt) == 1:
            gradients += ","
        lines = [
            "def step(leaves):",
            *forward,
            *backward,
            f"    return {self.name[root]}, ({gradients})",
        ]
        return "\n".join(lines)

    def _operand_names(self, node: Value) -> list[str]:
        """The op's inputs in order: a parent's name, or a constant written as a number."""
        parents = iter(node.parents)
        if not node.constants:
            return [self.name[p] for p in node.parents]
        return [self.name[next(parents)] if c is None else number(c) for c in node.constants]

    def _node_lines(self, node: Value, fused: dict[Value, str]) -> tuple[list[str], list[str]]:
        """The forward line(s) for `node`, and one ∂node/∂parent expression per parent."""
        op: Any = node.op
        out = self.name[node]
        x = self._operand_names(node)
        constants = node.constants
        is_parent = [c is None for c in constants] if constants else [True] * len(x)
        lines: list[str] = []
        if (op is P.bce or op is P.bce_with_logits) and not is_parent[1]:
            # The label gets a line of its own, as the seed writes it: `y = 1`.
            label = self._fresh("y") if "y" in self._used else self._take("y")
            lines.append(f"{label} = {x[1]}")
            x[1] = label
        written = template(op, x, out, constants)
        if written is None:
            # Any other op (a user primitive, a Value exponent): call its forward.
            slopes_name = f"_g{len(self.callables)}"
            function_name = f"_f{len(self.callables)}"
            self.callables[function_name] = self._checked_forward(node)
            lines.append(f"{out}, {slopes_name} = {function_name}({', '.join(x)})")
            slopes = [f"{slopes_name}[{i}]" for i in range(len(x))]
        else:
            expression, slopes = written
            lines.append(f"{out} = {expression}")
            source = node.parents[0]
            if (
                op is P.bce
                and node is self.root
                and not is_parent[1]
                and source.op is P.sigmoid
                and self.children.get(source) == 1
                and source.parents[0] in self.needs_delta
            ):
                # a = σ(z) used only here, L the root: write the seed's dz = a − y.
                fused[node] = f"{x[0]} - {x[1]}"
        return lines, [s for s, keep in zip(slopes, is_parent, strict=True) if keep]


def _accumulate(target: str, derivative: str, delta: str, already: bool) -> str:
    """`db = c * du`, `da = dv` (a slope of 1), `dy -= dt` (a slope of −1), or `+=`."""
    if derivative == "1":
        term, sign = delta, "+"
    elif derivative == "-1":
        term, sign = delta, "-"
    else:
        term, sign = f"{grouped(derivative)} * {delta}", "+"
    if already:
        return f"{target} {sign}= {term}"
    return f"{target} = {term}" if sign == "+" else f"{target} = -{term}"
