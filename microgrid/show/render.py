"""Pictures of a graph with graphviz: `draw`, `render`, and the backprop flip-book.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = (3 * (a + (b * c).named("u")).named("v")).named("J")
>>> J.backward()
>>> graph = draw(J)
>>> print([line.strip() for line in graph.source.splitlines() if "->" in line])
['n1 -> n3', 'n2 -> n3', 'n0 -> n4', 'n3 -> n4', 'n4 -> n5']

Each node is an HTML-like graphviz label built from escaped text: a label is
data, never markup, so quotes, ``<``, ``{`` or ``|`` in a label are drawn as
they are. Node ids are n0, n1, … in topological order, never derived from labels.
Drawing SVG/PNG/PDF needs Graphviz's ``dot`` program; DOT source does not.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import graphviz

from microgrid.engine import Value
from microgrid.engine.walks import topological_order
from microgrid.show.explain import backward_deltas
from microgrid.show.layout import (
    BIG_GRAPH_ATTRIBUTES,
    DEFAULT_TIMEOUT,
    LARGE_GRAPH,
    GraphvizNotFoundError,
    RenderError,
    RenderTimeoutError,
    check_timeout,
    dot_available,
    drawable_nodes,
    far_uses,
    run_dot,
)
from microgrid.show.markup import html_label as _html
from microgrid.show.markup import text as _text
from microgrid.show.notation import d_name, format_number, formula, node_names, number_in_formula

__all__ = [
    "FORMATS",
    "GraphvizNotFoundError",
    "RenderError",
    "RenderTimeoutError",
    "dot_available",
    "draw",
    "render",
]

FORMATS = ("svg", "png", "pdf", "dot", "gv")
"""Formats `render` picks from a file's extension (dot/gv are DOT source)."""

RANKDIRS = ("LR", "RL", "TB", "BT")

# Colours: leaves blue, computed nodes grey, the root gold; highlights red.
_LEAF = {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbeafe", "color": "#1d4ed8"}
_COMPUTED = {"shape": "box", "style": "filled", "fillcolor": "#f3f4f6", "color": "#4b5563"}
_ROOT = {"shape": "box", "style": "filled,bold", "fillcolor": "#fde68a", "color": "#92400e"}
_COPY = {"shape": "box", "style": "rounded,dashed", "color": "#6b7280", "fontsize": "10"}
# A dimmed node (a unit dropout switched off): faded, dashed, still in its place.
_DIMMED = {
    "style": "dashed,filled",
    "fillcolor": "#f9fafb",
    "color": "#d1d5db",
    "fontcolor": "#9ca3af",
}
_HIGHLIGHT = "#dc2626"
_DELTA_COLOUR = "#b91c1c"
_UNKNOWN = "?"

# ---------------------------------------------------------------------------
# draw()
# ---------------------------------------------------------------------------


class Picture(graphviz.Digraph):  # type: ignore[misc]  # (graphviz has no type hints)
    """draw()'s Digraph: Jupyter shows the picture; a terminal prints how to see it."""

    hint = ""  # draw() names its root here; a flip-book frame keeps the general words

    def __repr__(self) -> str:
        return self.hint or (
            '<a graph picture: Jupyter shows it; here, .render("name", format="svg") saves it>'
        )


def draw(
    root: Value,
    show_delta: bool = True,
    show_local: bool = False,
    rankdir: str | None = None,
    max_nodes: int | None = 500,
    precision: int = 4,
    highlight: Value | None = None,
    layers: bool = False,
    expand: int | str | None = None,
    dimmed: Collection[Value] = (),
) -> graphviz.Digraph:
    """The graph under `root` as a ``graphviz.Digraph`` (shows itself in Jupyter).

    Each computed node shows its name, its formula in its parents' names
    (``u = b · c``), its value and its ``delta`` (``?`` before ``backward()``),
    named dJ/dnode when ``backward()`` started at this root (J is the root's name).
    ``show_local=True`` writes ∂child/∂parent on every edge, and with deltas
    also the delta flowing along it (``← 3 · 1 = 3``). ``highlight=leaf`` marks the
    paths from that node to the root. `rankdir` is "LR" (left to right) unless given.

    ``layers=True`` draws a network one box per layer instead (`draw_layers`):
    shapes, the course's forward and backward formulas with the graph's numbers,
    dA flowing between the boxes; layers are found from the parameters' labels
    W1[j,k], b1[j], … (as `nn.MLP` and `NeuralNetwork` name them).
    ``expand=1`` (or ``"layer 1"``) opens that layer into its scalar nodes and
    implies ``layers=True``; the other boxes stay closed. Top to bottom unless
    `rankdir` says otherwise.
    ``dimmed``: nodes drawn faded and dashed, with the edges out of them (the units
    dropout switched off, say).

    >>> from microgrid import Value
    >>> x = Value(2.0, label="x")
    >>> "?" in draw((x * x).named("y")).source  # before backward: deltas unknown
    True
    >>> draw((x * x).named("y"))  # in a terminal: how to see the picture
    <the graph of y (2 nodes): Jupyter shows the picture; here, render(y, "y.svg") saves it>
    """
    if layers or expand is not None:
        from microgrid.show.layer_view import draw_layers

        if show_local or highlight is not None or dimmed:
            raise ValueError(
                "the layer view draws no edges between scalar nodes: show_local=, "
                "highlight= and dimmed= are for draw(J) without layers=True"
            )
        direction = "TB" if rankdir is None else rankdir
        _check_options(root, direction, precision)
        layered = draw_layers(
            root,
            expand=expand,
            show_delta=show_delta,
            rankdir=direction,
            max_nodes=max_nodes,
            precision=precision,
        )
        # Jupyter shows it with render's time limit too (an opened layer can be big).
        layered._repr_image_svg_xml = functools.partial(_svg_in_time, layered)
        return layered
    rankdir = "LR" if rankdir is None else rankdir
    order = checked_order(root, rankdir, max_nodes, precision)
    # Before backward() every delta is still 0: show "?" rather than a false 0.
    # (After backward(create_graph=True) a delta is a Value: its number is drawn.)
    deltas = {node: delta_number(node) for node in order} if delta_number(root) != 0.0 else None
    # node.delta is d(whatever backward() started from)/dnode. Only when the deltas
    # are those of one backward() from this root can the picture call them
    # d(root)/dnode; otherwise (a part of a bigger graph, deltas accumulated over
    # several calls or summed with another root's) it is just "delta".
    derivative_names = deltas is None or _one_backward_from(root, order)
    on_path: set[Value] = set()
    if highlight is not None:
        on_path = _paths_from(order, highlight)
    graph = digraph(
        root,
        order,
        deltas=deltas if show_delta else None,
        show_delta=show_delta,
        show_local=show_local,
        rankdir=rankdir,
        precision=precision,
        on_path=on_path,
        derivative_names=derivative_names,
        dimmed=_dimmed_nodes(order, dimmed),
    )
    name = node_names(root)[root]
    shown = name if name.isidentifier() else "root"  # a label like "L(0)" is no variable
    graph.hint = (
        f"<the graph of {name} ({len(order)} nodes): Jupyter shows the picture; "
        f'here, render({shown}, "{shown}.svg") saves it>'
    )
    return graph


def _dimmed_nodes(order: Sequence[Value], dimmed: Collection[Value]) -> set[Value]:
    """`dimmed` as a set of nodes of the graph; a clear error for anything else."""
    nodes, under_root = set(), set(order)
    for node in dimmed:
        if not isinstance(node, Value):
            raise TypeError(f"dimmed must hold Values, got {type(node).__name__}")
        if node not in under_root:
            raise ValueError(f"dimmed: {node!r} is not a node of the graph under the root")
        nodes.add(node)
    return nodes


def _one_backward_from(root: Value, order: Sequence[Value]) -> bool:
    """Are the deltas under `root` exactly those one ``root.backward()`` gives?"""
    fresh = backward_deltas(root, order)
    # Same order, same arithmetic: equal to the bit (NaN counts as equal to NaN).
    numbers = [(delta_number(node), d) for node, d in fresh.items()]
    return all(delta == d or (delta != delta and d != d) for delta, d in numbers)


def delta_number(node: Value) -> float:
    """A node's delta as a number (after backward(create_graph=True) it is a Value)."""
    delta = node.delta
    return delta.value if isinstance(delta, Value) else delta


def _check_options(root: Value, rankdir: str, precision: int) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw() needs a Value as its root, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be a whole number from 1 to 17, got {precision!r}")


def checked_order(root: Value, rankdir: str, max_nodes: int | None, precision: int) -> list[Value]:
    _check_options(root, rankdir, precision)
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        count = len(order)
        if count <= drawable_nodes():
            way_out = (
                f"Draw it anyway with draw(root, max_nodes={count}) "
                f"(on the command line --max-nodes {count})"
            )
        else:
            # Never suggest a size that dot cannot lay out within the time limit.
            way_out = (
                f"It is also more than dot lays out in {DEFAULT_TIMEOUT:g} s (about "
                f"{drawable_nodes():,} nodes): draw a smaller graph (fewer terms or samples), "
                "or write the DOT source with render(root, 'graph.dot', max_nodes=None) "
                "(on the command line -o graph.dot --max-nodes "
                f"{count}) and lay it out yourself"
            )
        raise ValueError(
            f"the graph has {count} nodes, more than max_nodes={max_nodes}: too many to "
            f"read in one picture. {way_out}"
        )
    return order


def _paths_from(order: Sequence[Value], start: Value) -> set[Value]:
    """`start` and every node downstream of it: the paths from `start` to the root."""
    if not isinstance(start, Value):
        raise TypeError(f"highlight must be a Value, got {type(start).__name__}")
    if start not in set(order):
        raise ValueError(f"highlight: {start!r} is not a node of the graph under the root")
    on_path = {start}
    for node in order:  # parents come first, so one pass suffices
        if any(parent in on_path for parent in node.parents):
            on_path.add(node)
    return on_path


def digraph(
    root: Value,
    order: Sequence[Value],
    *,
    deltas: dict[Value, float] | None,
    show_delta: bool,
    show_local: bool,
    rankdir: str,
    precision: int,
    on_path: Collection[Value] = (),
    known: Collection[Value] | None = None,
    current: Value | None = None,
    caption: str = "",
    id_prefix: str = "",
    derivative_names: bool = True,
    dimmed: Collection[Value] = (),
) -> graphviz.Digraph:
    """Build the Digraph. `known`: the nodes whose delta is shown (None: all of them).

    `derivative_names`: call each delta dJ/dnode (J the root) rather than "delta".
    `dimmed`: nodes drawn faded, with the edges out of them.
    """
    names = node_names(root)
    ids = {node: f"n{index}" for index, node in enumerate(order)}
    graph = Picture(name="microgrid")
    # Jupyter calls this to show the graph: with a time limit instead of graphviz's none.
    graph._repr_image_svg_xml = functools.partial(_svg_in_time, graph)
    graph.attr(rankdir=rankdir, fontname="Helvetica", bgcolor="white")
    if len(order) > LARGE_GRAPH:
        graph.attr(**BIG_GRAPH_ATTRIBUTES)
    graph.attr("node", fontname="Helvetica", fontsize="12", margin="0.08,0.04")
    graph.attr("edge", fontname="Helvetica", fontsize="10", color="#6b7280", arrowsize="0.7")
    if id_prefix:
        graph.attr(id=f"{id_prefix}graph")
    if caption:
        graph.attr(label=_html(f"<B>{_text(caption)}</B>"), labelloc="t", fontsize="14")

    def delta_of(node: Value) -> float | None:
        if deltas is None or (known is not None and node not in known):
            return None
        return deltas[node]

    top = d_name(names[root])
    for node in order:
        name = names[node]
        rows = [f'<TR><TD COLSPAN="2">{_title(node, names, precision)}</TD></TR>']
        rows.append(_row("value", format_number(node.value, precision)))
        if show_delta:
            delta = delta_of(node)
            shown = _UNKNOWN if delta is None else format_number(delta, precision)
            key = f"d{top}/d{d_name(name)}" if derivative_names else "delta"
            rows.append(_row(key, shown, colour=_DELTA_COLOUR))
        label = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows)
            + "</TABLE>"
        )
        style = dict(_ROOT if node is root else _COMPUTED if node.parents else _LEAF)
        if node in on_path:
            style.update(color=_HIGHLIGHT, penwidth="2.5")
        if node is current:
            style.update(color=_HIGHLIGHT, penwidth="3.5", fillcolor="#fecaca")
        if node in dimmed:
            style.update(_DIMMED)
        if id_prefix:
            style["id"] = f"{id_prefix}{ids[node]}"
        graph.node(ids[node], label=_html(label), **style)

    edge_number = 0
    far = far_uses(order, labelled=show_local)
    for node in order:
        for position, parent in enumerate(node.parents):
            attrs: dict[str, str] = {}
            source = ids[parent]
            if (node, position) in far:
                # Drawn again beside this use: a long edge is what makes dot slow.
                source = f"{ids[parent]}c{edge_number}"
                copy = dict(_COPY)
                if parent in on_path:
                    copy.update(color=_HIGHLIGHT, penwidth="2.5")
                copy["tooltip"] = f"{names[parent]} again (drawn in full where it is first used)"
                graph.node(source, label=_html(f"<I>{_text(names[parent])}</I>"), **copy)
            if show_local:
                attrs["label"] = _html(
                    _edge_label(node, parent, position, names, delta_of(node), precision)
                )
            if parent in on_path and node in on_path:
                attrs.update(color=_HIGHLIGHT, penwidth="2.5")
            if parent in dimmed:
                attrs.update(color=_DIMMED["color"], style="dashed")
            if current is not None and parent is current:
                # The edges whose flows just summed into the current node's delta.
                attrs.update(color=_HIGHLIGHT, penwidth="2.5", fontcolor=_HIGHLIGHT)
            if id_prefix:
                attrs["id"] = f"{id_prefix}e{edge_number}"
            edge_number += 1
            graph.edge(source, ids[node], **attrs)
    return graph


def _svg_in_time(graph: graphviz.Digraph) -> str:
    """The picture Jupyter shows, drawn with the time limit like `render`'s."""
    return pipe(graph, "svg", "the picture", Deadline(DEFAULT_TIMEOUT), None).decode("utf-8")


def _title(node: Value, names: dict[Value, str], precision: int) -> str:
    # One bold run: mixing bold and plain text on one line lets a browser's
    # font metrics (not graphviz's) squeeze the two together.
    written = formula(node, names, precision)
    title = f"{names[node]} = {written}" if written else names[node]
    return f"<B>{_text(title)}</B>"


def _row(key: str, value: str, colour: str = "") -> str:
    shown = _text(value)
    if colour and value != _UNKNOWN:
        shown = f'<FONT COLOR="{colour}">{shown}</FONT>'
    return f'<TR><TD ALIGN="LEFT">{_text(key)}</TD><TD ALIGN="RIGHT">{shown}</TD></TR>'


def _edge_label(
    child: Value,
    parent: Value,
    position: int,
    names: dict[Value, str],
    child_delta: float | None,
    precision: int,
) -> str:
    """``∂v/∂u = 1`` and, once dJ/dv is known, the flow ``← 3 · 1 = 3``."""
    local = child.local_derivatives[position]
    lines = [
        f"∂{d_name(names[child])}/∂{d_name(names[parent])} = {format_number(local, precision)}"
    ]
    if child_delta is not None:
        flow = child_delta * local
        lines.append(
            f"← {number_in_formula(child_delta, precision)} · "
            f"{number_in_formula(local, precision)} = {format_number(flow, precision)}"
        )
    return '<BR ALIGN="CENTER"/>'.join(_text(line) for line in lines)


# ---------------------------------------------------------------------------
# The flip-book: one frame per backward step.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Files: render(), numbered step SVGs, the one-page flip-book.
# ---------------------------------------------------------------------------


class Deadline:
    """The time left for `dot` when one drawing takes several runs (a flip-book)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = check_timeout(timeout)
        self.end = time.monotonic() + self.timeout

    def left(self, what: str) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise RenderTimeoutError(
                f"cannot draw {what}: the time limit of {self.timeout:g} s ran out; "
                "draw a smaller graph or allow more time with --timeout / timeout="
            )
        return remaining


def pipe(
    graph: graphviz.Digraph,
    fmt: str,
    what: str,
    deadline: Deadline,
    progress: Callable[[str], None] | None,
) -> bytes:
    nodes = graph.source.count("label=<<TABLE")  # one table per drawn node
    left = deadline.left(what)
    if progress is not None and nodes > LARGE_GRAPH:
        progress(f"laying out {nodes} nodes with dot (limit {deadline.timeout:g} s)…")
    return run_dot(
        graph.source, fmt, what, timeout=left, nodes=nodes, progress=None, limit=deadline.timeout
    )


def quiet_after_first(progress: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """A progress callback that speaks once (a flip-book has one frame per node)."""
    if progress is None:
        return None
    said = False

    def once(message: str) -> None:
        nonlocal said
        if not said:
            said = True
            progress(message)

    return once


def to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def render(
    root: Value | graphviz.Digraph,
    path: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = to_stderr,
    **draw_options: object,
) -> Path:
    """Draw `root` to `path`, the format taken from the extension (.svg .png .pdf .dot .gv).

    `root` may also be a Digraph from `draw`; other keyword arguments go to `draw`.
    SVG/PNG/PDF need Graphviz's ``dot`` (`GraphvizNotFoundError` says how to get it);
    .dot/.gv is the DOT source and works without it. ``dot`` is stopped after
    `timeout` seconds (`RenderTimeoutError`); a graph of more than 100 nodes is
    announced through `progress` (a function taking the message; None: quiet).

    >>> import tempfile, pathlib
    >>> from microgrid import Value
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "j.dot"
    >>> render(Value(1.0, label="x") * 2, out).read_text().startswith("digraph")
    True
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its extension; "
            f"use one of {', '.join('.' + f for f in FORMATS)}"
        )
    deadline = Deadline(timeout)
    if isinstance(root, graphviz.Digraph):
        if draw_options:
            raise TypeError("render(graph, path) takes no draw options: pass a Value instead")
        graph = root
    else:
        graph = draw(root, **draw_options)  # type: ignore[arg-type]
    if fmt in ("dot", "gv"):
        path.write_text(graph.source, encoding="utf-8")
    else:
        path.write_bytes(pipe(graph, fmt, str(path), deadline, progress))
    return path
