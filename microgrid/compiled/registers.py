"""The register writer: compact straight-line code for big graphs.

One named line per node is what a learner reads, but for 10⁵ nodes Python's own
`compile()` then spends seconds on 10⁵ statements and 2·10⁵ variable names, and
every replay drags a frame that large around. For big graphs `compile()` writes
the same forward and backward passes with three changes:

- **A value used once is written inline**, into the one expression that uses
  it (`r1 = (r0 * 0.999 + 0.001) * 0.999 + 0.001`), unless the backward pass
  reads it (a product's inputs are each other's slopes), up to `INLINE_OPS` ops
  per line, bracketed only where Python would group differently.
- **A delta is written once, as the sum of what each child passes down**, in
  the order `backward()` adds them (`r5 = r3 * 0.25 + r4 * 0.5`); a slope of 1
  passes the child's delta on with no line at all.
- **Names are registers** (`r0`, `r1`, …): once a value or delta is read for the
  last time its name is given to the next one, so a 50,000-deep chain uses a
  handful of names.

Every line still comes from the op's template (`compiled/templates.py`), and the
arithmetic is the same as the readable code's, operation for operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from microgrid.compiled.templates import (
    ATOM,
    BINDING,
    READS_INPUT_TWICE,
    TEMPLATES,
    Template,
    number,
)
from microgrid.engine import Value

__all__ = ["INLINE_OPS", "SUM_TERMS", "RegisterWriter"]

# At most this many ops in one inlined expression (a line stays short and its
# nesting far below the parser's limits).
INLINE_OPS = 8
# At most this many terms in one line's sum (a delta with more is summed over several lines).
SUM_TERMS = 64

CheckedForward = Callable[[Value], Callable[..., tuple[float, Sequence[float]]]]
# The writer first writes every line with placeholders ({v7}: node 7's value,
# {d7}: its delta, {g7}: a user primitive's slopes), then gives them registers.
_KEY = re.compile(r"\{(\w+)\}")
# An op with no entry in BINDING (dot, a user primitive): every input that is
# not a name or a number is bracketed.
_BRACKETED: tuple[int, tuple[int, ...]] = (ATOM, ())


class RegisterWriter:
    """Writes the compact source for one graph (see the module's docstring)."""

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

    def source(self) -> str:
        order = self.order
        n = len(order)
        index = {node: i for i, node in enumerate(order)}
        names = [f"{{v{i}}}" for i in range(n)]  # placeholders for the values
        # Per node: its inputs (a parent's index, or a constant written as a
        # number), the same as text, its template, its constants. Tuples, not
        # lists: the garbage collector stops tracking a tuple of numbers and text.
        inputs: list[tuple[int | str, ...] | None] = [None] * n
        texts: list[tuple[str, ...]] = [()] * n
        writers: list[Template | None] = [None] * n
        constants: list[tuple[float | None, ...]] = [()] * n
        children = [0] * n
        wanted = set(self.wrt)
        needs_delta = [False] * n
        numbers: dict[float, str] = {}  # 0.999 written once (not ±0: they are equal keys)
        all_parents: dict[int, tuple[None, ...]] = {}  # `constants` when every input is a node
        for i, node in enumerate(order):
            parents = node.parents
            if not parents:
                needs_delta[i] = node in wanted
                continue
            node_constants = node.constants
            slots: list[int | str] = []
            written: list[str] = []
            remaining = iter(parents)
            pattern = node_constants or all_parents.get(len(parents))
            if pattern is None:
                pattern = all_parents[len(parents)] = (None,) * len(parents)
            for c in pattern:
                if c is None:
                    p = index[next(remaining)]
                    slots.append(p)
                    written.append(names[p])
                    children[p] += 1
                    if needs_delta[p]:
                        needs_delta[i] = True
                else:
                    text = numbers.get(c) if c else None
                    if text is None:
                        text = numbers[c] = number(c)
                    slots.append(text)
                    written.append(text)
            inputs[i] = tuple(slots)
            texts[i] = tuple(written)
            constants[i] = node_constants
            writers[i] = TEMPLATES.get(node.op)
        root = index[self.root]
        self._nodes = inputs, texts, writers, constants, names
        forward, slopes = self._forward(children, needs_delta, root)
        backward, gradient = self._backward(slopes, needs_delta, root)
        returned = ", ".join(
            gradient.get(index[leaf], "0.0") if leaf in index else "0.0" for leaf in self.wrt
        )
        comma = "," if len(self.wrt) == 1 else ""
        statements = [*forward, *backward, ((), f"return {names[root]}, ({returned}{comma})")]
        return _registers(statements)

    def _forward(
        self, children: list[int], needs_delta: list[bool], root: int
    ) -> tuple[list[tuple[tuple[str, ...], str]], list[list[str] | None]]:
        """The forward lines (the leaves unpacked, then one line per named value),
        and each node's slopes ∂node/∂input, written with the inputs' names."""
        inputs, texts, writers, constants, names = self._nodes
        order = self.order
        leaves = tuple(f"v{i}" for i, slots in enumerate(inputs) if slots is None)
        lines: list[tuple[tuple[str, ...], str]] = [(leaves, "leaves")]
        all_slopes: list[list[str] | None] = [None] * len(order)
        # A value used once and not read by the backward pass waits here, as
        # text, to be written into the one expression that uses it (with how
        # tightly it binds, and how many ops it holds).
        waiting: list[tuple[str, int, int] | None] = [None] * len(order)
        for i, slots in enumerate(inputs):
            if slots is None:
                continue
            write = writers[i]
            written = write(texts[i], names[i], constants[i]) if write else None
            if written is None:  # called through its forward, which returns the slopes
                slopes = [f"{{g{i}}}[{k}]" for k in range(len(slots))]
                expression = None
            else:
                expression, slopes = written
            all_slopes[i] = slopes
            # The values the backward pass will read (a product's inputs are each
            # other's slopes; exp's slope is its own value) must have names.
            read: list[str] = []
            for s, slope in zip(slots, slopes, strict=True):
                if "{" in slope and type(s) is int and needs_delta[s]:
                    if slope[-1] == "}" and " " not in slope:
                        read.append(slope)  # one name, as a product's slope is
                    else:
                        read.extend([f"{{{key}}}" for key in _KEY.findall(slope)])
            if len(read) > 8:  # a dot of thousands of nodes: membership by hashing
                read = set(read)  # type: ignore[assignment]
            ops = 1
            op = order[i].op
            binds, needs = BINDING.get(op, _BRACKETED)
            inline: list[str] | None = None  # the inputs' texts, once one is written inline
            for k, s in enumerate(slots):
                if type(s) is not int:
                    continue
                held = waiting[s]
                if held is None:
                    continue
                waiting[s] = None
                text, held_binds, held_ops = held
                if expression is None or op in READS_INPUT_TWICE or (read and names[s] in read):
                    lines.append(((f"v{s}",), text))  # it gets its name after all
                    continue
                # Written inline, bracketed only where Python would group otherwise.
                ops += held_ops
                if inline is None:
                    inline = list(texts[i])
                if needs is None or held_binds >= (needs[k] if len(needs) > k else ATOM):
                    inline[k] = text
                else:
                    inline[k] = f"({text})"
            if inline is not None and write is not None:
                expression = write(inline, names[i], constants[i])[0]  # type: ignore[index]
            if expression is None:
                function = f"_f{i}"
                self.callables[function] = self._checked_forward(order[i])
                lines.append(((f"v{i}", f"g{i}"), f"{function}({', '.join(texts[i])})"))
            elif i == root or children[i] != 1 or ops > INLINE_OPS or (read and names[i] in read):
                lines.append(((f"v{i}",), expression))
            else:
                waiting[i] = (expression, binds, ops)
        return lines, all_slopes

    def _backward(
        self, all_slopes: list[list[str] | None], needs_delta: list[bool], root: int
    ) -> tuple[list[tuple[tuple[str, ...], str]], dict[int, str]]:
        """The backward lines, in reverse order; and each needed leaf's delta.

        A term passed down is written `delta * slope` (the delta first: a chain
        of slopes then reads left to right, d * 0.999 * 0.999, with no brackets;
        the product is the same number as backward()'s slope * delta).
        """
        inputs = self._nodes[0]
        lines: list[tuple[tuple[str, ...], str]] = []
        # What each child passes down to a node, in the order backward() adds it:
        # (text, ops in it, whether it is a sum at the top level).
        passed: list[list[tuple[str, int, bool]] | None] = [None] * len(inputs)
        gradient: dict[int, str] = {}
        for i in range(len(inputs) - 1, -1, -1):
            if not needs_delta[i]:
                continue
            if i == root:
                delta, ops, is_sum = "1.0", 0, False
            else:
                terms = passed[i]
                passed[i] = None
                assert terms is not None  # a node that needs a delta has a child that does
                if len(terms) == 1:
                    delta, ops, is_sum = terms[0]
                elif len(terms) <= SUM_TERMS:
                    # ((t1 + t2) + t3): the order backward() adds them in.
                    delta = " + ".join([f"({t})" if sum_ else t for t, _, sum_ in terms])
                    ops = sum([term_ops for _, term_ops, _ in terms]) + len(terms) - 1
                    is_sum = True
                else:
                    # A node with thousands of children: its sum over several lines
                    # (one expression of 10⁵ terms is too deep for Python's compiler).
                    delta, ops, is_sum = f"{{d{i}}}", 0, False
                    for start in range(0, len(terms), SUM_TERMS):
                        chunk = [
                            f"({t})" if sum_ else t for t, _, sum_ in terms[start:][:SUM_TERMS]
                        ]
                        if start:
                            chunk.insert(0, delta)
                        lines.append(((f"d{i}",), " + ".join(chunk)))
            slots = inputs[i]
            slopes = all_slopes[i]
            if slots is None or slopes is None:  # a leaf: its gradient is returned
                if ops:
                    lines.append(((f"d{i}",), delta))
                    delta = f"{{d{i}}}"
                gradient[i] = delta
                continue
            count = 0
            for s in slots:
                if type(s) is int and needs_delta[s]:
                    count += 1
            if ops and (count > 1 or ops >= INLINE_OPS):
                lines.append(((f"d{i}",), delta))
                delta, ops, is_sum = f"{{d{i}}}", 0, False
            factor = f"({delta})" if is_sum else delta
            for s, slope in zip(slots, slopes, strict=True):
                if type(s) is not int or not needs_delta[s]:
                    continue
                if slope == "1":
                    term = (delta, ops, is_sum)
                elif slope == "-1":
                    term = (f"-{factor}", ops + 1, False)
                else:
                    # A slope with an operator in it is bracketed (templates put
                    # spaces around operators; a name, number or call has none).
                    if " " in slope:
                        slope = f"({slope})"
                    term = (f"{factor} * {slope}", ops + 1, False)
                into = passed[s]
                if into is None:
                    passed[s] = [term]
                else:
                    into.append(term)
        return lines, gradient


def _registers(statements: list[tuple[tuple[str, ...], str]]) -> str:
    """The function's source, each placeholder given a register once its last reader is known."""
    last_read = {
        key: line for line, (_, text) in enumerate(statements) for key in _KEY.findall(text)
    }
    dying: dict[int, list[str]] = {}  # line -> the placeholders read there for the last time
    for key, line in last_read.items():
        if line in dying:
            dying[line].append(key)
        else:
            dying[line] = [key]
    names: dict[str, str] = {}
    free: list[str] = []
    registers = 0
    source = ["def step(leaves):"]
    for line, (targets, text) in enumerate(statements):
        # A line's inputs are read before its result is stored: the result may
        # take the register of an input read here for the last time (r1 = r1 * 2).
        for key in dying.get(line, ()):
            free.append(names[key])
        for key in targets:
            if key in names:
                continue  # written again (a long sum, line by line): it keeps its register
            if free:
                names[key] = free.pop()
            else:
                names[key] = f"r{registers}"
                registers += 1
        if targets:
            comma = "," if len(targets) == 1 and text == "leaves" else ""
            source.append(f"    {', '.join(f'{{{t}}}' for t in targets)}{comma} = {text}")
        else:
            source.append(f"    {text}")
    return "\n".join(source).format_map(names)
