"""The backprop flip-book: one picture per backward step, as frames, SVG files or one page.

Frame k highlights the node whose delta backprop computes at step k, with
explain()'s chain-rule line as its caption.

>>> from microgrid import Value
>>> x = Value(3.0, label="x")
>>> len(draw_backward_steps((x * x).named("y")))
2
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import graphviz

from microgrid.engine import Value
from microgrid.show import flipbook_page
from microgrid.show.explain import backward_deltas, chain_rule, children_of
from microgrid.show.layout import DEFAULT_TIMEOUT, require_dot
from microgrid.show.markup import CONTROL_CHARACTERS, visible
from microgrid.show.notation import ChainRuleRow, d_name, format_number, node_names
from microgrid.show.render import (
    Deadline,
    checked_order,
    digraph,
    pipe,
    quiet_after_first,
    to_stderr,
)

__all__ = ["draw_backward_steps", "flipbook_html", "write_flipbook", "write_steps"]


def draw_backward_steps(
    root: Value,
    show_local: bool = True,
    rankdir: str = "LR",
    max_nodes: int | None = 500,
    precision: int = 4,
) -> list[graphviz.Digraph]:
    """One Digraph per backward step, in backward order (the root first).

    Frame k highlights the node whose delta backprop computes at step k, with
    its chain-rule line as the caption; deltas not yet reached show ``?``. The
    deltas are computed afresh (as one ``root.backward()`` would), so this works
    before ``backward()`` and changes no node.

    >>> from microgrid import Value
    >>> x = Value(3.0, label="x")
    >>> frames = draw_backward_steps((x * x).named("y"))
    >>> len(frames), frames[0].source.count("?")
    (2, 1)
    """
    return [frame for frame, _ in _frames(root, show_local, rankdir, max_nodes, precision)]


def _frames(
    root: Value,
    show_local: bool,
    rankdir: str,
    max_nodes: int | None,
    precision: int,
    id_prefix: str = "",
    caption_in_picture: bool = True,
) -> list[tuple[graphviz.Digraph, str]]:
    """(frame, caption) pairs; the captions are the explain() chain-rule lines."""
    order = checked_order(root, rankdir, max_nodes, precision)
    names = node_names(root)
    deltas = backward_deltas(root, order)
    children = children_of(order)
    top = d_name(names[root])
    frames = []
    known: set[Value] = set()
    steps = list(reversed(order))  # the order backward() finishes each node's delta
    for step, node in enumerate(steps, start=1):
        known.add(node)
        symbols, numbers = chain_rule(node, root, names, deltas, children, precision)
        derivative = f"d{top}/d{d_name(names[node])}"
        line = ChainRuleRow(derivative, symbols, numbers, format_number(deltas[node], precision))
        caption = f"Step {step} of {len(steps)}: {line}"
        frame = digraph(
            root,
            order,
            deltas=deltas,
            show_delta=True,
            show_local=show_local,
            rankdir=rankdir,
            precision=precision,
            known=set(known),
            current=node,
            caption=caption if caption_in_picture else "",
            id_prefix=f"{id_prefix}s{step}-" if id_prefix else "",
        )
        frames.append((frame, caption))
    return frames


def write_steps(
    root: Value,
    directory: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = to_stderr,
    **options: object,
) -> list[Path]:
    """Write the flip-book frames as numbered SVG files (step-01.svg, …) into `directory`.

    `timeout` (seconds) is for all the frames together.
    """
    deadline = Deadline(timeout)
    require_dot(f"the steps in {directory}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    frames = draw_backward_steps(root, **options)  # type: ignore[arg-type]
    width = len(str(len(frames)))
    paths = []
    progress = quiet_after_first(progress)
    for step, frame in enumerate(frames, start=1):
        path = directory / f"step-{step:0{width}d}.svg"
        path.write_bytes(pipe(frame, "svg", str(path), deadline, progress))
        paths.append(path)
    return paths


def flipbook_html(
    root: Value,
    title: str = "",
    show_local: bool = True,
    rankdir: str = "LR",
    max_nodes: int | None = 500,
    precision: int = 4,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = to_stderr,
) -> str:
    """One self-contained HTML page: every backward step as inline SVG, with
    previous/next buttons, the arrow keys, and ``#step=N`` in the address.

    `timeout` (seconds) is for all the frames together."""
    deadline = Deadline(timeout)
    # The page writes each caption as a heading, so the pictures leave it out.
    frames = _frames(
        root, show_local, rankdir, max_nodes, precision, id_prefix="mg-", caption_in_picture=False
    )
    total = len(frames)
    if not title:
        names = node_names(root)
        top = names[root]
        title = f"Backprop, one node at a time: d{d_name(top)}/dnode for {top}"
    sections = []
    progress = quiet_after_first(progress)
    for step, (frame, caption) in enumerate(frames, start=1):
        svg = pipe(frame, "svg", "the flip-book", deadline, progress).decode("utf-8")
        svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: inline SVG
        sections.append(
            f'<section class="frame" id="step-{step}" data-step="{step}">\n'
            f"<h2>{_page_text(caption)}</h2>\n{svg}</section>"
        )
    return flipbook_page.PAGE.format(
        title=_page_text(title),
        total=total,
        frames="\n".join(sections),
        style=flipbook_page.STYLE,
        script=flipbook_page.SCRIPT,
    )


def _page_text(text: str) -> str:
    """Text for the page's title and headings: control characters shown as escapes."""
    return html.escape(
        CONTROL_CHARACTERS.sub(lambda m: visible(m.group()), text.replace("\n", " "))
    )


def write_flipbook(root: Value, path: str | Path, **options: object) -> Path:
    """Write `flipbook_html(root)` to `path` (UTF-8)."""
    path = Path(path)
    path.write_text(flipbook_html(root, **options), encoding="utf-8")  # type: ignore[arg-type]
    return path
