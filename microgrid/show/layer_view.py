"""The layer view: a network's graph drawn one box per layer, in the course's notation.

`draw(J, layers=True)` calls `draw_layers`. Each box holds the layer's parameters
and activations with their shapes (W1 (4, 2), b1 (4, 1), Z1 (4, m), A1 (4, m)),
its forward formulas, and its backward formulas with the numbers the graph's own
deltas give (a small matrix in full, else its first entries). Arrows down carry
A[l] forward; red arrows up carry dA[l] = W[l+1]ᵀdZ[l+1] back. ``expand=l``
opens layer l into its scalar nodes, the rest of the picture unchanged.

The backward numbers are in the course's units: dZ = m · ∂J/∂Z and dA = m · ∂J/∂A
(the course's dZ2 = A2 − Y carries no 1/m), dW = ∂J/∂W and db = ∂J/∂b (its
dW = dZ·A_prevᵀ/m puts the 1/m back).

>>> from microgrid import nn
>>> from microgrid.engine.nary import binary_cross_entropy_with_logits as bce
>>> model = nn.MLP(2, [4, 1], init="course", seed=2)
>>> J = bce(model([1.0, -2.0]), 1)
>>> J.backward()
>>> source = draw_layers(J).source
>>> "dW1 = dZ1·Xᵀ / m" in source, "dZ2 = A2 − Y" in source
(True, True)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import graphviz

from microgrid.engine import Value
from microgrid.show.layers import Layer, Network, delta_number, find_layers, layer_number
from microgrid.show.markup import html_label, text
from microgrid.show.notation import d_name, format_number, formula, node_names

__all__ = ["draw_layers", "matrix_markup"]

_BOX = {"shape": "plain"}
_FORWARD = "#374151"
_BACKWARD = "#b91c1c"
_HEAD = "#e5e7eb"
_LEAF = "#dbeafe"
_MAX_SHOWN = 4  # a matrix up to 4 × 4 in full; larger ones by their first entries


def matrix_markup(
    array: Sequence[Sequence[float]],
    precision: int = 4,
    colour: str = _FORWARD,
    shape: tuple[int, int] | None = None,
) -> str:
    """A matrix (a list of rows) as a small table: in full up to 4 × 4, else its first
    3 × 3 entries. `shape`: the whole matrix's, when `array` is only its corner.

    >>> "⋮" in matrix_markup([[0.0] * 3] * 20), "…" in matrix_markup([[1.0, 2.0], [3.0, 4.0]])
    (True, False)
    """
    rows, cols = shape if shape is not None else (len(array), len(array[0]))
    show_rows = rows if rows <= _MAX_SHOWN else _MAX_SHOWN - 1
    show_cols = cols if cols <= _MAX_SHOWN else _MAX_SHOWN - 1
    lines = []
    for j in range(show_rows):
        cells = [
            f'<TD ALIGN="RIGHT">{text(format_number(float(array[j][k]), precision))}</TD>'
            for k in range(show_cols)
        ]
        if show_cols < cols:
            cells.append("<TD>…</TD>")
        lines.append("<TR>" + "".join(cells) + "</TR>")
    if show_rows < rows:
        lines.append(f'<TR><TD COLSPAN="{show_cols + (show_cols < cols)}">⋮</TD></TR>')
    return (
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD><FONT COLOR="{colour}"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" '
        f'CELLPADDING="1">{"".join(lines)}</TABLE></FONT></TD></TR></TABLE>'
    )


def _corner(layer: Layer, what: str, precision: int, colour: str) -> str:
    """The matrix `what` of `layer` as matrix_markup shows it, reading only its corner."""
    return matrix_markup(layer.rows(what, _MAX_SHOWN), precision, colour, layer.shape(what))


def _shape(shape: tuple[int, int], m: int) -> str:
    rows, cols = shape
    return f"({rows}, {'m' if cols == m and m > 1 else cols})"


def _g(layer: Layer) -> tuple[str, str]:
    """(A = g(Z) written out, g′(Z) written out) for the layer's activation."""
    Z, A = f"Z{layer.index}", f"A{layer.index}"
    return {
        "tanh": (f"tanh({Z})", f"(1 − {A}²)"),
        "relu": (f"relu({Z})", f"({Z} > 0)"),
        "sigmoid": (f"σ({Z})", f"{A}(1 − {A})"),
        "linear": (f"{Z}", "1"),
        "σ (in the loss)": (f"σ({Z}), inside the loss", f"{A}(1 − {A})"),
    }.get(layer.activation, (f"g({Z})", f"g′({Z})"))


def _rows(
    net: Network, layer: Layer, known: bool, precision: int
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(forward rows, backward rows): (formula markup, shape, matrix markup) each."""
    l, m, L = layer.index, net.m, len(net.layers)  # noqa: E741
    prev = "X" if l == 1 else f"A{l - 1}"
    activation, derivative = _g(layer)

    def numbers(what: str, colour: str = _FORWARD) -> str:
        if colour == _BACKWARD and not known:
            return f'<FONT COLOR="{_BACKWARD}">?</FONT>'
        return _corner(layer, what, precision, colour)

    forward = [
        (f"W{l}", _shape(layer.shape("W"), m), numbers("W")),
        (f"b{l}", _shape(layer.shape("b"), m), numbers("b")),
        (f"Z{l} = W{l}·{prev} + b{l}", _shape(layer.shape("Z"), m), numbers("Z")),
        (f"A{l} = {activation}", _shape(layer.shape("A"), m), numbers("A")),
    ]
    if l == L:
        if net.loss and layer.activation in ("sigmoid", "σ (in the loss)"):
            dZ = f"dZ{l} = A{l} − Y"
        elif layer.A and layer.A[0][0] is not layer.Z[0][0]:
            dZ = f"dZ{l} = dA{l} ∗ {derivative}"
        else:
            dZ = f"dZ{l} = m · ∂{_root_name(net)}/∂Z{l}"
    else:
        times = "" if layer.activation == "linear" else f" ∗ {derivative}"
        dZ = f"dZ{l} = W{l + 1}ᵀdZ{l + 1}{times}"
    # W used beyond once per sample (a penalty term): its shares are in the numbers too.
    other = f" + W{l}'s other uses" if layer.other_uses else ""
    backward = [
        (dZ, _shape(layer.shape("dZ"), m), numbers("dZ", _BACKWARD)),
        (
            f"dW{l} = dZ{l}·{prev}ᵀ / m{other}",
            _shape(layer.shape("dW"), m),
            numbers("dW", _BACKWARD),
        ),
        (f"db{l} = Σ dZ{l} / m, keepdims", _shape(layer.shape("db"), m), numbers("db", _BACKWARD)),
    ]
    return forward, backward


def _root_name(net: Network) -> str:
    return d_name(net.root.label) if net.root.label else "J"


def _row(formula_markup: str, shape: str, matrix: str, colour: str) -> str:
    return (
        f'<TR><TD ALIGN="LEFT"><FONT COLOR="{colour}">{formula_markup}</FONT></TD>'
        f'<TD ALIGN="LEFT">{text(shape)}</TD><TD ALIGN="LEFT">{matrix}</TD></TR>'
    )


def _layer_box(net: Network, layer: Layer, known: bool, precision: int) -> str:
    forward, backward = _rows(net, layer, known, precision)
    units = len(layer.W)
    kind = "σ" if layer.activation == "σ (in the loss)" else layer.activation
    title = f"layer {layer.index}: {units} {kind} unit{'s' if units > 1 else ''}"
    rows = [f'<TR><TD COLSPAN="3" BGCOLOR="{_HEAD}"><B>{text(title)}</B></TD></TR>']
    rows += [_row(text(f), s, mx, _FORWARD) for f, s, mx in forward]
    rows.append(
        f'<TR><TD COLSPAN="3" ALIGN="LEFT"><FONT COLOR="{_BACKWARD}"><I>backward</I></FONT>'
        "</TD></TR>"
    )
    rows += [_row(text(f), s, mx, _BACKWARD) for f, s, mx in backward]
    return (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#4b5563" '
        f'BGCOLOR="#f9fafb">{"".join(rows)}</TABLE>'
    )


def _simple_box(title: str, lines: Sequence[str], fill: str) -> str:
    rows = [f'<TR><TD BGCOLOR="{_HEAD}"><B>{text(title)}</B></TD></TR>']
    rows += [f'<TR><TD ALIGN="LEFT">{text(line)}</TD></TR>' for line in lines]
    return (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#4b5563" '
        f'BGCOLOR="{fill}">{"".join(rows)}</TABLE>'
    )


def _scalar_label(
    node: Value, names: dict[Value, str], top: str, known: bool, precision: int
) -> str:
    written = formula(node, names, precision)
    title = f"{names[node]} = {written}" if written else names[node]
    delta = format_number(delta_number(node), precision) if known else "?"
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD COLSPAN="2"><B>{text(title)}</B></TD></TR>'
        f'<TR><TD ALIGN="LEFT">value</TD>'
        f'<TD ALIGN="RIGHT">{text(format_number(node.value, precision))}</TD></TR>'
        f'<TR><TD ALIGN="LEFT">{text(f"d{top}/d{d_name(names[node])}")}</TD>'
        f'<TD ALIGN="RIGHT"><FONT COLOR="{_BACKWARD}">{text(delta)}</FONT></TD></TR></TABLE>'
    )


def draw_layers(
    root: Value | Network,
    *,
    expand: int | str | None = None,
    show_delta: bool = True,
    rankdir: str = "TB",
    max_nodes: int | None = 500,
    precision: int = 4,
) -> graphviz.Digraph:
    """The graph under `root` one box per layer (see the module's docstring).

    `expand`: a layer to open into its scalar nodes, by number (1) or name ("layer 1");
    `max_nodes` caps how many scalar nodes that may draw. Raises `LayerError` when the
    graph's parameters are not labelled W1[j,k], b1[j], … (how layers are found).
    """
    net = root if isinstance(root, Network) else find_layers(root)
    opened = None if expand is None else net.layer(layer_number(expand, len(net.layers)))
    if opened is not None and max_nodes is not None and len(opened.nodes) > max_nodes:
        raise ValueError(
            f"layer {opened.index} has {len(opened.nodes)} scalar nodes, more than "
            f"max_nodes={max_nodes}: too many to read in one picture. Expand it anyway with "
            f"max_nodes={len(opened.nodes)}, or draw fewer samples"
        )
    known = show_delta and delta_number(net.root) != 0.0
    m, L = net.m, len(net.layers)
    graph = graphviz.Digraph(name="microgrid_layers")
    graph.attr(rankdir=rankdir, fontname="Helvetica", bgcolor="white", nodesep="0.3", ranksep="0.5")
    graph.attr("node", fontname="Helvetica", fontsize="12")
    graph.attr("edge", fontname="Helvetica", fontsize="11", color=_FORWARD, arrowsize="0.7")
    sizes = ", ".join(str(size) for size in net.sizes)
    samples = f"m = {m} sample{'s' if m > 1 else ''}"
    units = "backward in the course's units: dZ = m·∂J/∂Z, dA = m·∂J/∂A, dW = ∂J/∂W, db = ∂J/∂b"
    graph.attr(
        label=html_label(f"<B>{text(f'the [{sizes}] network, {samples}')}</B><BR/>{text(units)}"),
        labelloc="t",
        fontsize="12",
    )

    inputs = [node for node in net.inputs if not node.parents]
    lines = [f"X  {_shape((net.n_x, m), m)}, A0 = X"]
    if inputs:
        shown = ", ".join(node.label or "?" for node in inputs[:6])
        lines.append(f"leaves: {shown}{', …' if len(inputs) > 6 else ''}")
    graph.node("input", label=html_label(_simple_box("input", lines, _LEAF)), **_BOX)

    for layer in net.layers:
        if layer is opened:
            _expanded(graph, net, layer, known, precision)
        else:
            box = _layer_box(net, layer, known, precision)
            graph.node(f"layer{layer.index}", label=html_label(box), **_BOX)

    if net.cost:
        root_name = net.root.label or "J"
        if net.loss:
            A = f"A{L}"
            lines = [f"{root_name} = −(1/m) Σ (Y log {A} + (1 − Y) log(1 − {A}))"]
        else:
            lines = [f"{root_name}: {len(net.cost)} nodes after A{L}"]
        lines.append(f"{root_name} = {format_number(net.root.value, precision)}")
        graph.node("cost", label=html_label(_simple_box("cost", lines, "#fde68a")), **_BOX)

    # Forward arrows: X, A1, …, A[L] down; backward arrows: dA[l] up, in red.
    boxes = ["input", *(f"layer{layer.index}" for layer in net.layers)]
    if net.cost:
        boxes.append("cost")
    for position, (lower, upper) in enumerate(itertools.pairwise(boxes)):
        l = position  # noqa: E741 - A[l] flows from box l to box l + 1
        if opened is not None and f"layer{opened.index}" in (lower, upper):
            continue  # the scalar edges show the flow into and out of an opened layer
        name = "X" if l == 0 else f"A{l}"
        shape = _shape((net.sizes[l], m), m)
        graph.edge(lower, upper, label=html_label(text(f"{name} {shape}")))
        if l == 0:
            continue
        layer = net.layers[l - 1]
        if upper == "cost":
            if layer.A[0][0] is layer.Z[0][0]:
                what, label = "dZ", f"dZ{l} = " + (f"A{l} − Y" if net.loss else "m·∂J/∂Z")
            else:
                what, label = "dA", f"dA{l}"
        else:
            what, label = "dA", f"dA{l} = W{l + 1}ᵀdZ{l + 1}"
        numbers = (
            _corner(layer, what, precision, _BACKWARD)
            if known
            else f'<FONT COLOR="{_BACKWARD}">?</FONT>'
        )
        markup = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f'<TR><TD><FONT COLOR="{_BACKWARD}">{text(f"{label} {shape}")}</FONT></TD></TR>'
            f"<TR><TD>{numbers}</TD></TR></TABLE>"
        )
        graph.edge(
            lower, upper, dir="back", color=_BACKWARD, fontcolor=_BACKWARD, label=html_label(markup)
        )
    return graph


def _expanded(
    graph: graphviz.Digraph, net: Network, layer: Layer, known: bool, precision: int
) -> None:
    """Layer `layer` as a cluster of its scalar nodes, wired to the boxes around it."""
    group: dict[Value, str] = {node: "input" for node in net.inputs}
    for other in net.layers:
        group.update({node: f"layer{other.index}" for node in other.nodes})
    group.update({node: "cost" for node in net.cost})
    names = node_names(net.root)
    top = d_name(names[net.root])
    members = set(layer.nodes)
    # The ids draw(J) gives (n + the place in topological order): the live page writes
    # new numbers into the picture by them.
    ids = {node: f"n{index}" for index, node in enumerate(net.order) if node in members}
    parameters = {w for row in layer.W for w in row} | set(layer.b)
    m = net.m
    shapes = (
        f"W{layer.index} {_shape(layer.shape('W'), m)}, b{layer.index} "
        f"{_shape(layer.shape('b'), m)}, Z{layer.index} and A{layer.index} "
        f"{_shape(layer.shape('Z'), m)}"
    )
    with graph.subgraph(name=f"cluster_layer{layer.index}") as cluster:
        cluster.attr(
            label=html_label(f"<B>{text(f'layer {layer.index}, opened')}</B><BR/>{text(shapes)}"),
            style="rounded",
            color="#4b5563",
            fontsize="12",
        )
        for node in layer.nodes:
            fill = _LEAF if node in parameters else "#f3f4f6"
            cluster.node(
                ids[node],
                label=html_label(_scalar_label(node, names, top, known, precision)),
                shape="box",
                style="rounded,filled" if node in parameters else "filled",
                fillcolor=fill,
                fontsize="11",
            )
    drawn: set[tuple[str, str]] = set()
    children_outside: set[tuple[str, str]] = set()
    for node in layer.nodes:
        for parent in node.parents:
            source = ids[parent] if parent in members else group.get(parent)
            if source is None or (source, ids[node]) in drawn:
                continue
            drawn.add((source, ids[node]))
            graph.edge(source, ids[node])
    below = "input" if layer.index == 1 else f"layer{layer.index - 1}"
    for parameter in (*(w for row in layer.W for w in row), *layer.b):
        # Not a flow: it only keeps the parameters below the box before them.
        graph.edge(below, ids[parameter], style="invis")
    if not any(source == below for source, _ in drawn):
        # X is made of constants inside the first products: no edge reaches them.
        for node in layer.nodes:
            if node.parents and all(p in parameters for p in node.parents):
                graph.edge(below, ids[node], style="dashed", tooltip="X, as constants")
    for node in net.order:
        if node in members:
            continue
        target = group.get(node)
        if target is None:
            continue
        for parent in node.parents:
            if parent in members and (ids[parent], target) not in children_outside:
                children_outside.add((ids[parent], target))
                graph.edge(ids[parent], target)
