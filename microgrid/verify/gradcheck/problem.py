"""What gradcheck checks: the inputs, their analytic derivatives, a way to re-evaluate.

A `Problem` is built from either form, ``gradcheck(f, inputs)`` or ``gradcheck(J)``:
the rows' names and values, the deltas backprop gives, and ``evaluate(row, t)``,
the output with row's input set to t. For a function, that calls f again; for a
built graph, a `Replayer` moves one leaf at a time through `replay`.

>>> problem = function_problem(lambda x, w: x * w, [3.0, 2.0], None)
>>> problem.names, problem.analytic, problem.evaluate(0, 4.0)
(['x', 'w'], [2.0, 3.0], 8.0)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from microgrid.engine import Primitive, Value, modes, no_grad, set_local_derivatives
from microgrid.engine import fresh_deltas as engine_fresh_deltas
from microgrid.engine.walks import replay, topological_order
from microgrid.show.notation import node_names
from microgrid.verify.escapes import Escape, collect_escapes, escapes_into
from microgrid.verify.gradcheck.formatting import fmt, unique_names
from microgrid.verify.gradcheck.roundoff import roundoff_of_rows
from microgrid.verify.gradcheck.settings import is_number, same


@dataclass
class Problem:
    title: str  # "f(x, w)" or "J"
    names: list[str]  # one per row
    x0: list[float]  # the rows' input values
    analytic: list[float]
    fresh: list[float]  # what a fresh backward gives (differs from analytic only for
    # a graph whose deltas were already there)
    output: float
    source: str
    evaluate: Callable[[int, float], float]  # output with row i's input set to t
    graph: Replayer  # the recorded graph: to name kinks and the wrong op
    function_form: bool
    root_delta: float = 0.0  # the root's delta before the check (graph form)
    stale: bool = False  # the graph's values did not match its leaves (graph form)
    notes: list[str] = field(default_factory=list)
    all_leaves: list[Value] = field(default_factory=list)  # every leaf (graph form)
    # Per row: the round-off of one evaluation, and the node it mostly comes from.
    roundoff: list[tuple[float, Value | None]] = field(default_factory=list)
    # Values that left the graph while it was recorded (float(), math.*: verify/escapes.py).
    escapes: list[Escape] = field(default_factory=list)

    def session(self) -> AbstractContextManager[None]:
        """The time the check works inside: for a graph, it leaves it exactly as it was."""
        # A method, not a stored lambda: a lambda closing over the problem would be a
        # reference cycle keeping the whole graph alive until the collector ran.
        if self.function_form:
            return nullcontext()
        return _graph_session(self)


class Replayer:
    """Nudges one leaf of a recorded graph at a time through `replay`."""

    def __init__(self, root: Value, leaves: list[Value], x0: list[float]) -> None:
        self.root = root
        self.order = topological_order(root)
        self.leaves = leaves
        self.x0 = x0
        self.moved: int | None = None  # the row whose leaf is away from x0

    def at(self, row: int, t: float) -> float:
        changes = {self.leaves[row]: t}
        if self.moved is not None and self.moved != row:
            changes[self.leaves[self.moved]] = self.x0[self.moved]
        self.moved = row
        return replay(self.root, changes)

    def home(self) -> None:
        if self.moved is not None:
            moved, self.moved = self.moved, None
            replay(self.root, {self.leaves[moved]: self.x0[moved]})

    @contextmanager
    def preserved(self) -> Iterator[None]:
        """Restore every value and local derivative afterwards, exactly."""
        saved = [(node.value, node.local_derivatives) for node in self.order]
        try:
            yield
        finally:
            self.moved = None
            for node, (value, locals_) in zip(self.order, saved, strict=True):
                node.value = value
                set_local_derivatives(node, locals_)


def fresh_deltas(
    root: Value, order: list[Value], rows: list[Value]
) -> tuple[list[float], list[tuple[float, Value | None]]]:
    """dJ/d(row) from a clean backward pass, and each row's round-off (roundoff.py).

    The engine's `fresh_deltas` computes them; every node's delta stays as it was.
    """
    if not order or order[-1] is not root:
        order = topological_order(root)
    fresh = engine_fresh_deltas(order)
    by_node = dict(zip(order, fresh, strict=True))
    return [by_node.get(leaf, 0.0) for leaf in rows], roundoff_of_rows(order, rows, fresh)


@contextmanager
def recording() -> Iterator[None]:
    # gradcheck needs a recorded graph even when called inside no_grad().
    token = modes.recording_flag.set(True)
    try:
        yield
    finally:
        modes.recording_flag.reset(token)


def function_problem(f: Callable[..., Value], inputs: Any, wrt: Any) -> Problem:
    if inputs is None:
        raise TypeError(
            "gradcheck(f, inputs): the function form needs the input values, "
            "e.g. gradcheck(f, [0.5, 2.0])"
        )
    if isinstance(inputs, Value) or is_number(inputs):
        inputs = [inputs]
    elif isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise TypeError(
            f"gradcheck: inputs must be a list of numbers or Values, got "
            f"{type(inputs).__name__} {inputs!r}"
        )
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck: inputs is empty; f needs at least one input to check")
    values: list[float] = []
    labels: list[str] = []
    for position, item in enumerate(inputs, start=1):
        if isinstance(item, Value):
            values.append(item.value)
            labels.append(item.label)
        elif is_number(item):
            values.append(float(item))
            labels.append("")
        else:
            raise TypeError(
                f"gradcheck: input {position} is {type(item).__name__} {item!r}; "
                "expected a number or a Value (pass arrays element by element)"
            )
    fname = _function_name(f)
    parameters = _check_arity(f, fname, len(values))
    names = [
        label or (parameters[i] if i < len(parameters) else f"x{i + 1}")
        for i, label in enumerate(labels)
    ]
    rows = _select_inputs(wrt, names, inputs)

    with recording(), collect_escapes() as caught:  # reported below, not warned
        leaves = [Value(x, label=name) for x, name in zip(values, names, strict=True)]
        root = f(*leaves)
    ours = set(leaves)
    escapes = [escape for escape, _ in caught if any(leaf in ours for leaf in escape.leaves)]
    if not isinstance(root, Value):
        extra = " (did it use .value, float() or math.*? use Value ops: x.exp())"
        if escapes:
            extra = f" ({escapes[0].short()}; {escapes[0].advice})"
        raise TypeError(
            f"gradcheck: {fname} must return a Value, got {type(root).__name__} {root!r}"
            + (extra if is_number(root) else "")
        )
    order = topological_order(root)
    analytic, roundoff = fresh_deltas(root, order, [leaves[i] for i in rows])
    # The shared names (explain, draw) where the graph has the input; an input
    # f ignores is not in the graph and keeps its own name.
    shared = node_names(root)
    names = unique_names([shared.get(leaf, name) for leaf, name in zip(leaves, names, strict=True)])

    def evaluate(row: int, t: float) -> float:
        args = list(values)
        args[rows[row]] = t
        with no_grad():  # values only: faster, and f runs exactly as the user wrote it
            out = f(*(Value(a, label=n) for a, n in zip(args, names, strict=True)))
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: {fname} returned {type(out).__name__} {out!r}")
        return out.value

    return Problem(
        title=f"{fname}({', '.join(names)})",
        names=[names[i] for i in rows],
        x0=[values[i] for i in rows],
        analytic=analytic,
        fresh=analytic,
        output=root.value,
        source="analytic: backward() through the graph that f records",
        evaluate=evaluate,
        graph=Replayer(root, [leaves[i] for i in rows], [values[i] for i in rows]),
        function_form=True,
        roundoff=roundoff,
        escapes=escapes,
    )


def _function_name(f: Callable[..., Any]) -> str:
    if isinstance(f, Primitive):
        return str(f)
    name = getattr(f, "__name__", "")
    return name if name and name.isidentifier() else "f"


def _check_arity(f: Callable[..., Any], fname: str, count: int) -> list[str]:
    """The names of f's positional parameters; a TypeError if `count` inputs don't fit."""
    target = f.forward if isinstance(f, Primitive) else f
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # some builtins have no signature: let the call decide
        return []
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    try:
        signature.bind(*range(count))
    except TypeError:
        wanted = ", ".join(p.name for p in positional) or "no positional inputs"
        raise TypeError(
            f"gradcheck: {fname} takes {len(positional)} input(s) ({wanted}) but {count} were given"
        ) from None
    return [p.name for p in positional]


def _select_inputs(wrt: Any, names: list[str], inputs: list[Any]) -> list[int]:
    """Positions of the inputs to check: all, or those `wrt` names (str, int or Value)."""
    if wrt is None:
        return list(range(len(names)))
    items = [wrt] if isinstance(wrt, (str, int, Value)) else list(wrt)
    chosen: list[int] = []
    for item in items:
        if isinstance(item, bool):
            raise TypeError(f"gradcheck: wrt={item!r} is not an input name or position")
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"gradcheck: wrt names {item!r}, but f's inputs are {names}")
            index = names.index(item)
        elif isinstance(item, int):
            if not 0 <= item < len(names):
                raise ValueError(
                    f"gradcheck: wrt position {item} is out of range for {len(names)} inputs"
                )
            index = item
        elif isinstance(item, Value):
            matches = [i for i, x in enumerate(inputs) if x is item]
            if not matches:
                raise ValueError(f"gradcheck: wrt Value {item!r} is not one of the inputs")
            index = matches[0]
        else:
            raise TypeError(
                f"gradcheck: wrt items must be input names, positions or Values, got {item!r}"
            )
        if index not in chosen:
            chosen.append(index)
    if not chosen:
        raise ValueError("gradcheck: wrt is empty; nothing to check")
    return chosen


def graph_problem(root: Value, inputs: Any, wrt: Any) -> Problem:
    if inputs is not None:
        raise TypeError(
            "gradcheck(J): a built graph takes no inputs (its leaves are the inputs); "
            "choose leaves with wrt=[...]"
        )
    order = topological_order(root)
    names = node_names(root)
    all_leaves = [node for node in order if not node.parents]
    if wrt is None:
        rows = all_leaves
    else:
        items = [wrt] if isinstance(wrt, Value) else wrt
        if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
            raise TypeError(f"gradcheck: wrt must be a leaf Value or a list of them, got {wrt!r}")
        under_root = set(order)
        rows = []
        for item in items:
            if not isinstance(item, Value):
                raise TypeError(
                    f"gradcheck: wrt items must be leaf Values of the graph, got "
                    f"{type(item).__name__} {item!r}"
                )
            if item not in under_root:
                raise ValueError(
                    f"gradcheck: wrt {item!r} is not a node of the graph under {names[root]}"
                )
            if item.parents:
                raise ValueError(
                    f"gradcheck: wrt {names[item]!r} is computed by {str(item.op)!r}, not a "
                    "leaf; gradcheck nudges leaves (inputs and parameters)"
                )
            if item not in rows:
                rows.append(item)
        if not rows:
            raise ValueError("gradcheck: wrt is empty; nothing to check")
    x0 = [leaf.value for leaf in rows]
    root_name = names[root]
    replayer = Replayer(root, rows, x0)
    return Problem(
        title=root_name,
        names=unique_names([names[leaf] for leaf in rows]),
        x0=x0,
        analytic=[],
        fresh=[],
        output=root.value,
        source="",
        evaluate=replayer.at,
        graph=replayer,
        function_form=False,
        root_delta=delta_number(root),
        all_leaves=all_leaves,
        escapes=escapes_into(root, order),
    )


def delta_number(node: Value) -> float:
    """A node's delta as a number: after backward(create_graph=True) it is a Value."""
    delta = node.delta
    return delta.value if isinstance(delta, Value) else delta


@contextmanager
def _graph_session(problem: Problem) -> Iterator[None]:
    """Work on the user's graph; leave values, local derivatives and deltas as they were."""
    replayer = problem.graph
    root = replayer.root
    stored_output = root.value
    with replayer.preserved():
        # Recompute everything once from the leaves: a graph whose leaves were
        # changed after the forward pass (w.value -= ...) is checked where its
        # leaves now are.
        output = replay(root, {leaf: leaf.value for leaf in problem.all_leaves})
        for leaf, x in zip(replayer.leaves, problem.x0, strict=True):
            if leaf.value != x:  # the sweep of an old report: go back to its point
                output = replay(root, dict(zip(replayer.leaves, problem.x0, strict=True)))
                break
        problem.output = output
        if not problem.analytic:
            _graph_analytic(problem, replayer, stored_output)
        yield


def _graph_analytic(problem: Problem, replayer: Replayer, stored_output: float) -> None:
    root, rows = replayer.root, replayer.leaves
    name = problem.title
    problem.fresh, problem.roundoff = fresh_deltas(root, replayer.order, rows)
    if problem.root_delta != 0.0:
        # backward() already ran: check the deltas the user has.
        problem.analytic = [delta_number(leaf) for leaf in rows]
        problem.source = (
            f"analytic: the deltas already on the graph ({name}.backward() had run; "
            f"{name}.delta = {fmt(problem.root_delta)})"
        )
    else:
        problem.analytic = list(problem.fresh)
        problem.source = "analytic: a fresh backward pass (the graph's deltas were restored)"
    if not same(stored_output, problem.output):
        problem.stale = True
        problem.notes.append(
            f"the graph was stale: {name}.value was {fmt(stored_output)} but its leaves give "
            f"{fmt(problem.output)} (a leaf changed after the forward pass); checked at the "
            "leaves' current values, and the stale values were put back"
        )
