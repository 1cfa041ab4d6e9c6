"""compile(): a recorded graph written out as straight-line Python, replayed many times.

Building a graph costs an object per op; a training loop rebuilds the same graph at
every step. `compile(J)` walks the graph once and writes its forward and backward
passes as plain Python in the seed's notation, one line per node and one line per
edge, so each later `step()` runs at about the speed of hand-written floats:

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = (3 * (a + (b * c).named("u")).named("v")).named("J")
>>> step = compile(J)
>>> print(step.source)
def step(leaves):
    a, b, c = leaves
    u = b * c
    v = a + u
    J = 3 * v
    dJ = 1.0
    dv = 3 * dJ
    da = dv
    du = dv
    db = c * du
    dc = b * du
    return J, (da, db, dc)
>>> a.value = 6.0
>>> step(), a.delta, b.delta
(36.0, 3.0, 6.0)

Only the engine's own templates become code. A label is used as a variable name
only when it is a plain ASCII identifier that clashes with nothing; otherwise the
node is called t1, t2, … (labels are data, never code).
"""

from __future__ import annotations

import builtins
import keyword
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from microgrid import primitives as P
from microgrid.engine import Primitive, Value, topological_order
from microgrid.evaluate import _describe, _is_number

__all__ = ["CompiledStep", "compile"]

# Names the generated code uses for its helpers: never given to a node.
_HELPERS: dict[str, Any] = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sqrt": math.sqrt,
    "abs": abs,
    "fsum": math.fsum,
    "inf": math.inf,
    "nan": math.nan,
    # One definition of the math: these call the primitive itself.
    "sigmoid": lambda x: P.sigmoid.forward(x)[0],
    "relu": lambda x: P.relu.forward(x)[0],
    "bce": lambda a, y: P.bce.forward(a, y)[0],
    "bce_with_logits": lambda z, y: P.bce_with_logits.forward(z, y)[0],
}
_RESERVED = frozenset({*_HELPERS, "leaves", "step"})


def compile(root: Value, wrt: Iterable[Value] | None = None) -> CompiledStep:  # noqa: A001
    """Compile the graph under `root` once; each call of the result replays it.

    `wrt` (default: every leaf) are the leaves whose gradients `step()` writes.
    See `CompiledStep` for what a call does.
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile() needs a Value, got {type(root).__name__}")
    return CompiledStep(root, wrt)


class CompiledStep:
    """A compiled graph: ``step()`` recomputes it from the leaves' current values.

    Each call reads every leaf's ``value``, runs the forward and backward passes,
    and only when both succeed sets ``root.value`` and each ``wrt`` leaf's
    ``delta`` to a *fresh* dJ/dleaf (overwritten, not accumulated as
    ``backward()`` does). It returns the root's value. Intermediate nodes keep the
    values they were recorded with (use `microgrid.replay` to update them).
    A domain error (log of a now-negative value) raises the op's own error naming
    the node, and leaves every value and delta as it was.
    """

    def __init__(self, root: Value, wrt: Iterable[Value] | None = None) -> None:
        order = topological_order(root)
        self.root = root
        self.leaves: tuple[Value, ...] = tuple(node for node in order if not node.parents)
        if wrt is None:
            self.wrt: tuple[Value, ...] = self.leaves
        else:
            # A leaf the root does not depend on gets gradient 0 (a parameter unused so far).
            self.wrt = tuple(wrt)
            for position, node in enumerate(self.wrt):
                if not isinstance(node, Value):
                    raise TypeError(
                        f"compile(wrt=...): item {position + 1} is {type(node).__name__}, "
                        "not a Value"
                    )
                if node.parents:
                    raise ValueError(
                        f"compile(wrt=...): item {position + 1} ({node.label or node!r}) is "
                        f"computed by {str(node.op)!r}, not a leaf"
                    )
        for node in order:
            if node.parents and not isinstance(node.op, Primitive):
                raise TypeError(f"compile(): node {node!r} has parents but no primitive op")
        self._order = order
        writer = _Writer(order, root, self.wrt)
        self.source: str = writer.source()
        namespace: dict[str, Any] = {"__builtins__": {}, **_HELPERS, **writer.callables}
        exec(builtins.compile(self.source, "<microgrid.compile>", "exec"), namespace)
        self._function: Callable[[list[float]], tuple[float, Sequence[float]]] = namespace["step"]
        self._read = operator.attrgetter("value")

    def __repr__(self) -> str:
        return (
            f"<compiled step: {len(self._order)} nodes, {len(self.leaves)} leaves, "
            f"gradients for {len(self.wrt)}>"
        )

    def __call__(self) -> float:
        inputs = list(map(self._read, self.leaves))
        try:
            value, gradients = self._function(inputs)
        except (ArithmeticError, ValueError):
            # Overflow to inf, or a domain error: the primitives decide, exactly
            # as the engine would, and a domain error names the node.
            value, gradients = _reference(self._order, self.root, self.wrt, inputs)
        value = float(value)
        # Everything was computed before anything is written: all or nothing.
        self.root.value = value
        for leaf, gradient in zip(self.wrt, gradients, strict=True):
            leaf.delta = float(gradient)
        return value


class _Writer:
    """Writes the straight-line source for one graph from the templates below."""

    def __init__(self, order: Sequence[Value], root: Value, wrt: Sequence[Value]) -> None:
        self.order, self.root, self.wrt = order, root, wrt
        self.callables: dict[str, Any] = {}
        self._used: set[str] = set(_RESERVED)
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
            label.isascii()
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
        return [self.name[next(parents)] if c is None else _number(c) for c in node.constants]

    def _node_lines(self, node: Value, fused: dict[Value, str]) -> tuple[list[str], list[str]]:
        """The forward line(s) for `node`, and one ∂node/∂parent expression per parent."""
        op: Any = node.op
        out = self.name[node]
        x = self._operand_names(node)
        is_parent = [c is None for c in node.constants] if node.constants else [True] * len(x)
        lines: list[str]
        if op is P.add:
            lines, slopes = [f"{out} = {x[0]} + {x[1]}"], ["1", "1"]
        elif op is P.sub:
            lines, slopes = [f"{out} = {x[0]} - {x[1]}"], ["1", "-1"]
        elif op is P.mul:
            lines, slopes = [f"{out} = {x[0]} * {x[1]}"], [x[1], x[0]]
        elif op is P.div:
            lines, slopes = (
                [f"{out} = {x[0]} / {x[1]}"],
                [f"1 / {x[1]}", f"-{x[0]} / ({x[1]} * {x[1]})"],
            )
        elif op is P.power and not is_parent[1] and float(node.constants[1] or 0).is_integer():
            k = float(node.constants[1] or 0)
            slope = (
                f"{_number(k)} * {x[0]}" if k == 2 else f"{_number(k)} * {x[0]} ** {_number(k - 1)}"
            )
            if k == 0:
                slope = "0.0"  # x ** 0 is flat, as the primitive says
            lines, slopes = [f"{out} = {x[0]} ** {x[1]}"], [slope, "nan"]
        elif op is P.neg:
            lines, slopes = [f"{out} = -{x[0]}"], ["-1"]
        elif op in (P.exp, P.log, P.tanh, P.sqrt, P.sigmoid, P.relu):
            lines = [f"{out} = {_HELPER_NAME[op]}({x[0]})"]
            slopes = [_UNARY_SLOPES[op].format(x=x[0], out=out)]
        elif op is P.absolute:
            lines = [f"{out} = abs({x[0]})"]
            slopes = [f"(1.0 if {x[0]} > 0 else -1.0 if {x[0]} < 0 else 0.0)"]
        elif op is P.summation:
            lines, slopes = [f"{out} = fsum({_tuple(x)})"], ["1"] * len(x)
        elif op is P.dot_product:
            n = len(x) // 2
            products = [f"{w} * {v}" for w, v in zip(x[:n], x[n:], strict=True)]
            lines, slopes = [f"{out} = fsum({_tuple(products)})"], x[n:] + x[:n]
        elif op in (P.bce, P.bce_with_logits) and not is_parent[1]:
            label = self._fresh("y") if "y" in self._used else self._take("y")
            lines = [f"{label} = {x[1]}", f"{out} = {_HELPER_NAME[op]}({x[0]}, {label})"]
            a = x[0]
            if op is P.bce_with_logits:
                slopes = [f"(1 - {label}) * sigmoid({a}) - {label} * sigmoid(-{a})", "nan"]
            else:
                y = float(node.constants[1] or 0)
                slopes = [
                    f"-1 / {a}"
                    if y == 1
                    else f"1 / (1 - {a})"
                    if y == 0
                    else f"-{label} / {a} + (1 - {label}) / (1 - {a})",
                    "nan",
                ]
                # a = σ(z) used only here, L the root: write the seed's dz = a − y.
                source = node.parents[0]
                if (
                    node is self.root
                    and source.op is P.sigmoid
                    and self.children.get(source) == 1
                    and source.parents[0] in self.needs_delta
                ):
                    fused[node] = f"{a} - {label}"
        else:
            # Any other op (a user primitive, a Value exponent): call its forward.
            slopes_name = f"_g{len(self.callables)}"
            function_name = f"_f{len(self.callables)}"
            self.callables[function_name] = _checked_forward(node)
            args = ", ".join(x)
            lines = [f"{out}, {slopes_name} = {function_name}({args})"]
            slopes = [f"{slopes_name}[{i}]" for i in range(len(x))]
        return lines, [s for s, keep in zip(slopes, is_parent, strict=True) if keep]


_HELPER_NAME = {
    P.exp: "exp",
    P.log: "log",
    P.tanh: "tanh",
    P.sqrt: "sqrt",
    P.sigmoid: "sigmoid",
    P.relu: "relu",
    P.bce: "bce",
    P.bce_with_logits: "bce_with_logits",
}
# ∂out/∂x for the one-input ops, written as the primitives compute them.
_UNARY_SLOPES = {
    P.exp: "{out}",
    P.log: "1 / {x}",
    P.tanh: "1 - {out} * {out}",
    P.sqrt: "0.5 / {out}",
    P.sigmoid: "{out} * (1 - {out})",
    P.relu: "({x} > 0)",
}


def _accumulate(target: str, derivative: str, delta: str, already: bool) -> str:
    """`db = c * du`, `da = dv` (a slope of 1), `dy -= dt` (a slope of −1), or `+=`."""
    if derivative == "1":
        term, sign = delta, "+"
    elif derivative == "-1":
        term, sign = delta, "-"
    else:
        term, sign = f"{_grouped(derivative)} * {delta}", "+"
    if already:
        return f"{target} {sign}= {term}"
    return f"{target} = {term}" if sign == "+" else f"{target} = -{term}"


def _grouped(expression: str) -> str:
    """Parenthesised if it has a top-level + or − (so that `* delta` binds to all of it)."""
    depth = 0
    for position, char in enumerate(expression):
        depth += (char == "(") - (char == ")")
        if depth == 0 and char in "+-" and expression[position - 1 : position] == " ":
            return f"({expression})"
    return expression


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _number(c: float) -> str:
    """A constant as Python source: 3 for 3.0, (-2) for -2.0, inf, nan."""
    if math.isnan(c):
        return "nan"
    if math.isinf(c):
        return "inf" if c > 0 else "(-inf)"
    text = str(int(c)) if c.is_integer() and abs(c) < 2**53 else repr(c)
    return f"({text})" if c < 0 or text.startswith("-") else text


def _checked_forward(node: Value) -> Callable[..., tuple[float, Sequence[float]]]:
    """The primitive's forward, with the checks the operators make (a validated result)."""
    op = node.op
    assert isinstance(op, Primitive)
    count = len(node.constants) if node.constants else len(node.parents)

    def forward(*inputs: float) -> tuple[float, Sequence[float]]:
        if op is P.power and len(inputs) == 2 and (not node.constants or node.constants[1] is None):
            if inputs[0] < 0:
                raise ValueError("a Value exponent needs a base >= 0")
        value, derivatives = _validated(op, op.forward(*inputs), count)
        return value, derivatives

    return forward


def _validated(op: Primitive, result: object, count: int) -> tuple[float, tuple[float, ...]]:
    try:
        value: Any
        returned: Any
        value, returned = result  # type: ignore[misc]
        derivatives: tuple[Any, ...] = tuple(returned)
    except (TypeError, ValueError):
        raise TypeError(
            f"primitive {str(op)!r} must return (value, (∂/∂input1, ...)), got {result!r}"
        ) from None
    if len(derivatives) != count:
        raise TypeError(
            f"primitive {str(op)!r} returned {len(derivatives)} local derivative(s) "
            f"for {count} input(s); it must return one per input"
        )
    for what, number in (("value", value), *(("a local derivative", d) for d in derivatives)):
        if not _is_number(number):
            raise TypeError(
                f"primitive {str(op)!r} returned {what} {number!r} "
                f"({type(number).__name__}); it must be a real number"
            )
    return float(value), tuple(map(float, derivatives))


def _reference(
    order: Sequence[Value], root: Value, wrt: Sequence[Value], inputs: Sequence[float]
) -> tuple[float, list[float]]:
    """The same step through the primitives, node by node: the engine's exact semantics.

    Used when the fast code meets an overflow or a domain error; a domain error
    is raised naming the node, before anything is written.
    """
    values: dict[Value, float] = {}
    slopes: dict[Value, tuple[float, ...]] = {}
    leaf_inputs = iter(inputs)
    for node in order:
        if not node.parents:
            values[node] = next(leaf_inputs)
            continue
        parents = iter(node.parents)
        operands = (
            [values[next(parents)] if c is None else c for c in node.constants]
            if node.constants
            else [values[p] for p in node.parents]
        )
        try:
            value, derivatives = _checked_forward(node)(*operands)
        except (ValueError, ZeroDivisionError) as error:
            shown = [
                Value(v, label=p.label) if p is not None else v
                for p, v in zip(_operand_nodes(node), operands, strict=True)
            ]
            name = f" {node.label!r}" if node.label else ""
            raise type(error)(
                f"compiled step: node{name} = {_describe(node.op, shown)}: {error}"  # type: ignore[arg-type]
            ) from None
        values[node] = value
        kept = zip(derivatives, node.constants, strict=True) if node.constants else None
        slopes[node] = tuple(d for d, c in kept if c is None) if kept else tuple(derivatives)
    deltas: dict[Value, float] = dict.fromkeys(order, 0.0)
    deltas[root] = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, slopes.get(node, ()), strict=True):
            deltas[parent] += local * deltas[node]
    return values[root], [deltas[leaf] for leaf in wrt]


def _operand_nodes(node: Value) -> list[Value | None]:
    parents = iter(node.parents)
    if not node.constants:
        return list(node.parents)
    return [next(parents) if c is None else None for c in node.constants]
