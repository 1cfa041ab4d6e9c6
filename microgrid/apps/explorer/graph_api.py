"""What ``POST /api/graph`` answers: a graph's values, deltas, chain-rule steps and picture.

Every request carries its expression (or the id of a graph handed over from
Python) and its leaf values, so the answer depends on the request alone: two
browser tabs never share state. The numbers all come from the engine
(`backward`, `explain`, `nudge`); the page only shows them.

>>> answer = graph_answer({"expression": "3*(a+b*c)", "values": {"a": 5, "b": 3, "c": 2}},
...                       svg=False)
>>> answer["root"], answer["value"], [leaf["name"] for leaf in answer["leaves"]]
('J', 33.0, ['a', 'b', 'c'])
>>> [(step["name"], step["delta"]) for step in answer["steps"]][-1]
('a', 3.0)
"""

from __future__ import annotations

import ast
import math
import pickle
import threading
from collections.abc import Callable, Mapping
from typing import Any

from microgrid.apps.expression import FUNCTIONS, MAX_LENGTH, ExpressionError, build
from microgrid.engine import Value
from microgrid.engine.walks import replay, topological_order
from microgrid.show.explain import backward_deltas, children_of, explain
from microgrid.show.notation import d_name, format_number, formula, node_names
from microgrid.show.nudge import nudge

__all__ = [
    "DEFAULT_VALUE",
    "DOT_SECONDS",
    "MAX_NODES",
    "NETWORK",
    "SEED_EXPRESSION",
    "SEED_VALUES",
    "GraphStore",
    "RequestError",
    "answer_for",
    "clipped",
    "course_network",
    "graph_answer",
    "layer_names",
    "svg_of",
    "use_layout",
]

SEED_EXPRESSION = "u = b*c; v = a + u; J = 3*v"
SEED_VALUES = {"a": 5.0, "b": 3.0, "c": 2.0}
DEFAULT_VALUE = 1.0
"""The value a new name gets when the learner types it into the expression."""

MAX_NODES = 200
"""Larger graphs are refused: too many boxes to read in a page (``--max-nodes`` raises it)."""

DOT_SECONDS = 10.0
"""dot's time limit for one picture: a request never holds a thread (and a dot) longer."""

MAX_LEAVES = 50
"""One slider per leaf; more than this is not a page a learner can use."""

NETWORK = "network"
"""The graph id every store knows: the course's [2, 4, 1] network on three of the flower's
samples (chapter 5b's), for the layer view when no graph came from Python."""


def course_network() -> Value:
    """Chapter 5b's graph: J of the [2, 4, 1] tanh network on the flower's samples 0, 200, 399.

    >>> from microgrid.engine.walks import leaves
    >>> J = course_network()
    >>> J.label, len(leaves(J))
    ('J', 17)
    """
    try:
        from microgrid.course.datasets import planar
        from microgrid.course.networks.graph import cost_graph
        from microgrid.course.networks.vectorized import initialize_parameters
    except ImportError as error:  # the browser edition's Python has no NumPy
        raise RequestError(
            f"the course's network needs NumPy ({error.name or 'numpy'} is missing here): "
            "run it with the installed microgrid, microgrid play"
        ) from None

    X, Y = planar()
    samples = [0, 200, 399]
    parameters = initialize_parameters([2, 4, 1], init="scaled", seed=1)
    return cost_graph(X[:, samples], Y[:, samples], parameters).J


class RequestError(ValueError):
    """A request the explorer cannot answer; ``str()`` is the message shown in the page.

    ``column`` and ``length`` point into the expression when the parser said where.
    """

    def __init__(self, message: str, column: int | None = None, length: int = 1) -> None:
        super().__init__(message)
        self.column = column
        self.length = length

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"error": clipped(str(self), 600)}
        if self.column is not None:
            answer["column"] = self.column
            answer["length"] = self.length
        return answer


def clipped(text: str, limit: int = 60) -> str:
    """An echoed input cut short: a message never repeats 60 KB of a request."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# Graphs handed over from Python (`microgrid.explore(J)`).
# ---------------------------------------------------------------------------


class GraphStore:
    """Copies of Python-built graphs, by id; each request replays one under a lock.

    The store keeps its own copy (a pickle round trip), so the page never
    changes the learner's nodes, and restores the copy's leaves after each request.
    """

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self._graphs: dict[str, Value] = {}
        self._lock = threading.Lock()
        self._count = 0

    def add(self, root: Value) -> str:
        if not isinstance(root, Value):
            raise TypeError(f"explore() needs a Value, got {type(root).__name__}")
        copy = pickle.loads(pickle.dumps(root))
        with self._lock:
            self._count += 1
            graph_id = f"g{self._count}"
            self._graphs[graph_id] = copy
            while len(self._graphs) > self.limit:  # forget the oldest
                del self._graphs[next(iter(self._graphs))]
        return graph_id

    def answer(self, graph_id: str, values: Mapping[str, float], **options: Any) -> dict[str, Any]:
        with self._lock:
            if graph_id == NETWORK and graph_id not in self._graphs:
                self._graphs[NETWORK] = course_network()  # built the first time it is asked for
            root = self._graphs.get(graph_id)
            if root is None:
                raise RequestError(
                    f"no graph {clipped(graph_id)!r} on this server (it was replaced or the server "
                    "restarted): run explore(J) again"
                )
            order = topological_order(root)
            names = node_names(root)
            leaves = {names[node]: node for node in order if not node.parents}
            unknown = [name for name in values if name not in leaves]
            if unknown:
                raise RequestError(f"the graph has no leaf named {clipped(unknown[0])!r}")
            original = {node: node.value for node in leaves.values()}
            new_values = {leaves[name]: value for name, value in values.items()}
            try:
                replay(root, new_values)
                return _answer(root, order, **options)
            finally:
                replay(root, original)
                for node in order:
                    node.delta = 0.0


# ---------------------------------------------------------------------------
# Reading a request.
# ---------------------------------------------------------------------------


def _expression_variables(text: str) -> list[str]:
    """The names an expression reads before (or without) assigning them, in order.

    Only a list of names: the expression is built (and every error reported) by
    `microgrid.apps.expression.build`. A text `ast` cannot parse gives no names.
    """
    if len(text) > MAX_LENGTH:
        return []
    try:
        tree = ast.parse(text, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    assigned: set[str] = set()
    found: list[str] = []
    for statement in tree.body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.Expr)) else statement
        for node in ast.walk(value):
            if (
                isinstance(node, ast.Name)
                and node.id not in assigned
                and node.id not in found
                and node.id not in FUNCTIONS
            ):
                found.append(node.id)
        if isinstance(statement, ast.Assign):
            assigned.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return found


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = "null (not a number)" if value is None else repr(value)[:40]
        raise RequestError(f"the value of {clipped(name)} must be a number, got {shown}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf  # a whole number too large for a float
    if not math.isfinite(number):
        raise RequestError(f"the value of {clipped(name)} must be finite, got {number}")
    return number


def _values(request: Mapping[str, Any]) -> dict[str, float]:
    values = request.get("values", {})
    if not isinstance(values, dict):
        raise RequestError('"values" must be an object like {"a": 5}')
    if len(values) > MAX_LEAVES:
        raise RequestError(f'"values" has {len(values)} names; the limit is {MAX_LEAVES}')
    return {str(name): _number(str(name), value) for name, value in values.items()}


def _option(request: Mapping[str, Any], key: str, kind: type, default: Any) -> Any:
    value = request.get(key, default)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:  # 10**400
            raise RequestError(f'"{key}" must be a number within the float range') from None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise RequestError(f'"{key}" must be a {kind.__name__}, got {value!r}'[:120])
    return value


def graph_answer(
    request: Mapping[str, Any],
    *,
    store: GraphStore | None = None,
    svg: bool = True,
    max_nodes: int = MAX_NODES,
) -> dict[str, Any]:
    """Answer one ``POST /api/graph`` request (already decoded from JSON).

    Request keys: ``expression`` (or ``graph``, an id from `GraphStore`),
    ``values`` ({name: number}; a name the expression uses but ``values`` lacks
    starts at 1, a name it does not use is dropped), ``show_local`` (∂child/∂parent
    on the edges), ``step`` (draw backprop's frame k, 1 = the root; 0 or absent:
    the finished graph), ``svg`` (false: numbers only, no picture), ``h`` (the nudge),
    ``gradcheck`` (true: `gradcheck()`'s table too),
    ``layers`` (true: the layer view, one box per layer, for a network whose parameters
    are labelled W1[j,k], b1[j]; the answer's ``layers`` lists the layers it found) and
    ``expand`` (a layer's number to open into its scalar nodes; 0: none).
    """
    if not isinstance(request, Mapping):
        raise RequestError("the request must be a JSON object")
    values = _values(request)
    options = {
        "svg": svg and _option(request, "svg", bool, True),
        "show_local": _option(request, "show_local", bool, False),
        "step": _option(request, "step", int, 0),
        "h": _option(request, "h", float, 1e-3),
        "precision": _option(request, "precision", int, 4),
        "gradcheck": _option(request, "gradcheck", bool, False),
        "max_nodes": max_nodes,
        "layers": _option(request, "layers", bool, False),
        "expand": _option(request, "expand", int, 0),
    }
    if not 1 <= options["precision"] <= 17:
        raise RequestError(f'"precision" must be from 1 to 17, got {options["precision"]}')
    if options["h"] == 0 or not math.isfinite(options["h"]):
        raise RequestError(f'the nudge "h" must be a finite, nonzero number, got {options["h"]}')
    graph_id = request.get("graph")
    if graph_id is not None:
        if store is None or not isinstance(graph_id, str):
            raise RequestError(f"no graph {str(graph_id)[:40]!r} on this server")
        return store.answer(graph_id, values, **options)
    text = request.get("expression")
    if not isinstance(text, str):
        raise RequestError('the request needs an "expression" (a string), e.g. "3*(a+b*c)"')
    names = _expression_variables(text)
    bindings = {name: values.get(name, DEFAULT_VALUE) for name in names}
    new_names = [name for name in names if name not in values]  # each gets a slider at 1
    try:
        root = build(text, bindings, new_names=new_names)
    except ExpressionError as error:
        raise RequestError(str(error), error.column, error.length) from None
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as error:
        raise RequestError(str(error)) from None  # a domain error: log of a negative, ...
    order = topological_order(root)
    return _answer(root, order, **options)


# ---------------------------------------------------------------------------
# The answer.
# ---------------------------------------------------------------------------


def answer_for(
    root: Value,
    *,
    svg: bool = True,
    show_local: bool = False,
    step: int = 0,
    h: float = 1e-3,
    precision: int = 4,
    max_nodes: int = MAX_NODES,
    rankdir: str = "LR",
    layers: bool = False,
    expand: int = 0,
) -> dict[str, Any]:
    """The answer for a graph built in Python (its nodes' deltas are overwritten)."""
    return _answer(
        root,
        topological_order(root),
        svg=svg,
        show_local=show_local,
        step=step,
        h=h,
        precision=precision,
        max_nodes=max_nodes,
        rankdir=rankdir,
        layers=layers,
        expand=expand,
    )


def _json_number(x: float) -> float | None:
    """JSON has no inf or NaN: they travel as null (with the text beside them)."""
    return x if math.isfinite(x) else None


def _answer(
    root: Value,
    order: list[Value],
    *,
    svg: bool,
    show_local: bool,
    step: int,
    h: float,
    precision: int,
    max_nodes: int,
    rankdir: str = "LR",
    nudges: bool = True,
    gradcheck: bool = False,
    layers: bool = False,
    expand: int = 0,
) -> dict[str, Any]:
    if len(order) > max_nodes:
        raise RequestError(
            f"the graph has {len(order)} nodes, more than the explorer's limit of {max_nodes}: "
            f"too many to read in one page (start it with microgrid play --max-nodes "
            f"{len(order)})"
        )
    leaf_count = sum(1 for node in order if not node.parents)
    if leaf_count > MAX_LEAVES:
        raise RequestError(f"the graph has {leaf_count} leaves; the explorer shows at most 50")
    if not 0 <= step <= len(order):
        raise RequestError(f'"step" must be from 0 to {len(order)}, got {step}')
    names = node_names(root)
    ids = {node: f"n{index}" for index, node in enumerate(order)}  # as draw() numbers them
    deltas = backward_deltas(root, order)
    explanation = explain(root, precision)
    children = children_of(order)
    top = d_name(names[root])

    def show(x: float) -> str:
        return format_number(x, precision)

    nodes = [
        {
            "id": ids[node],
            "name": names[node],
            "formula": formula(node, names, precision),
            "value": _json_number(node.value),
            "value_text": show(node.value),
            "delta": _json_number(deltas[node]),
            "delta_text": show(deltas[node]),
            "leaf": not node.parents,
            "root": node is root,
        }
        for node in order
    ]
    steps = []
    for row, node in zip(explanation.backward, reversed(order), strict=True):
        terms = []
        for child, position in children[node]:
            local = child.local_derivatives[position]
            terms.append(
                {
                    "from": names[child],
                    "edge": f"{ids[node]}->{ids[child]}",
                    "symbols": f"d{top}/d{d_name(names[child])} · "
                    f"∂{d_name(names[child])}/∂{d_name(names[node])}",
                    "numbers": f"{show(deltas[child])} · {show(local)}",
                    "flow": show(deltas[child] * local),
                }
            )
        steps.append(
            {
                "id": ids[node],
                "name": names[node],
                "line": str(row),
                "delta": _json_number(deltas[node]),
                "terms": terms,
            }
        )
    leaves = []
    for node in order:
        if node.parents:
            continue
        leaf: dict[str, Any] = {
            "name": names[node],
            "value": _json_number(node.value),  # an inf constant (1e999) travels as null
            "value_text": show(node.value),
            "id": ids[node],
        }
        if not nudges:  # the notebook widget sends them later: 2 replays per leaf take time
            leaves.append(leaf)
            continue
        try:
            result = nudge(root, node, h)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            leaf["nudge_error"] = str(error)
        else:
            leaf["nudge"] = {
                "h": h,
                "before": _json_number(result.before),
                "after": _json_number(result.after),
                "slope": _json_number(result.slope),
                "delta": _json_number(result.delta),
                "text": str(result),
            }
        leaves.append(leaf)
    answer: dict[str, Any] = {
        "root": names[root],
        "value": _json_number(root.value),
        "value_text": show(root.value),
        "nodes": nodes,
        "leaves": leaves,
        "steps": steps,
        "explain": str(explanation),
        "step": step,
        "svg": None,
        "layers": layer_names(root),
    }
    if gradcheck:
        answer["gradcheck"] = _gradcheck(root)
    if svg and (layers or expand) and not answer["layers"]:
        raise RequestError(
            "the layer view needs a network whose parameters are labelled W1[j,k] and b1[j] "
            "(as nn.MLP names them); this graph has none"
        )
    if svg and expand and not 1 <= expand <= len(answer["layers"]):
        raise RequestError(f'"expand" must be from 0 to {len(answer["layers"])}, got {expand}')
    if svg:
        if layers or expand:
            answer["svg"] = _layer_picture(root, expand, precision, max_nodes)
        else:
            answer["svg"] = _picture(root, show_local, step, precision, max_nodes, rankdir)
    return answer


def _gradcheck(root: Value) -> dict[str, Any]:
    """`gradcheck(root)`'s table: every leaf's delta against finite differences."""
    from microgrid.verify.gradcheck import gradcheck

    try:
        report = gradcheck(root)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return {"ok": False, "text": f"gradcheck could not run: {clipped(str(error), 300)}"}
    return {"ok": report.ok, "text": str(report)}


def layer_names(root: Value) -> list[str]:
    """The layers the layer view finds under `root` ("layer 1", …); [] for other graphs."""
    from microgrid.show.layers import LayerError, find_layers

    try:
        return [layer.name for layer in find_layers(root).layers]
    except LayerError:
        return []


def _layer_picture(root: Value, expand: int, precision: int, max_nodes: int) -> str:
    from microgrid.show.render import draw

    root.zero_grad()
    root.backward()
    try:
        graph = draw(
            root, layers=True, expand=expand or None, precision=precision, max_nodes=max_nodes
        )
    except ValueError as error:
        raise RequestError(str(error)) from None
    return svg_of(graph)


def _picture(
    root: Value, show_local: bool, step: int, precision: int, max_nodes: int, rankdir: str
) -> str:
    from microgrid.show.flipbook import draw_backward_steps
    from microgrid.show.render import draw

    options = {"precision": precision, "max_nodes": max_nodes, "rankdir": rankdir}
    if step:
        # Frame `step` of the flip-book: deltas not yet reached show "?".
        return svg_of(draw_backward_steps(root, **options)[step - 1])  # type: ignore[arg-type]
    root.zero_grad()
    root.backward()
    return svg_of(draw(root, show_local=show_local, **options))  # type: ignore[arg-type]


_layout: Callable[[str], str] | None = None


def use_layout(layout: Callable[[str], str] | None) -> None:
    """Lay pictures out with `layout` (DOT text in, SVG text out) instead of Graphviz's
    ``dot`` program; None: ``dot`` again. The browser edition has no ``dot`` and gives
    viz-js (Graphviz compiled to WebAssembly) here."""
    global _layout
    _layout = layout


def svg_of(graph: Any) -> str:
    """A Digraph as SVG text, drawn by dot within `DOT_SECONDS` (a RequestError past it)."""
    if _layout is not None:
        text = _layout(graph.source)
        start = text.find("<svg")
        return text[start:] if start >= 0 else text
    from microgrid.show.layout import RenderError
    from microgrid.show.render import Deadline, pipe

    try:
        text = pipe(graph, "svg", "the picture", Deadline(DOT_SECONDS), None).decode("utf-8")
    except RenderError as error:
        # dot has been stopped; the message names no file (none was written).
        raise RequestError(str(error).split(". Draw a smaller graph")[0][:300]) from None
    start = text.find("<svg")
    return text[start:] if start >= 0 else text  # no XML prolog: the page inserts it
