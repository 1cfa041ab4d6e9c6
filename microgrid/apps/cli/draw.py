"""`microgrid draw`: an expression's graph as a picture."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microgrid.apps.cli.common import (
    EXPRESSION_HELP,
    add_expression_arguments,
    graph_from,
    one_line,
    positive,
    precision,
    seconds,
)
from microgrid.apps.expression import ExpressionError
from microgrid.engine.walks import topological_order
from microgrid.show.layout import DEFAULT_TIMEOUT


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    draw = commands.add_parser(
        "draw",
        help="draw an expression's graph (SVG, PNG, PDF, DOT, a flip-book)",
        description="Build the graph of EXPR, run backprop, and draw it: every node with its "
        "formula, value and delta dJ/dnode.",
        epilog="examples:\n"
        '  microgrid draw "3*(a+b*c)" a=5 b=3 c=2 -o j.svg\n'
        '  microgrid draw "u = b*c; v = a + u; J = 3*v" a=5 b=3 c=2 -o j.png --local\n'
        '  microgrid draw "sigmoid(w*x + b)" w=2 x=1 b=-1 -o - | dot -Tpdf > a.pdf\n'
        '  microgrid draw "3*(a+b*c)" a=5 b=3 c=2 --html backprop.html --steps frames/\n\n'
        + EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(draw)
    draw.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the picture; the format comes from the extension (.svg .png .pdf .dot .gv); "
        "- prints DOT to stdout",
    )
    draw.add_argument(
        "--local", action="store_true", help="write ∂child/∂parent (and the delta flow) on edges"
    )
    draw.add_argument("--no-delta", action="store_true", help="leave deltas out (no backprop)")
    draw.add_argument("--rankdir", choices=["LR", "TB", "RL", "BT"], default="LR")
    draw.add_argument("--highlight", metavar="NAME", help="mark the paths from NAME to the root")
    draw.add_argument(
        "--steps",
        metavar="DIR",
        help="also write the backprop flip-book as DIR/step-N.svg, one frame per node "
        "(frames always show ∂child/∂parent on the edges)",
    )
    draw.add_argument(
        "--html",
        metavar="FILE",
        help="also write the flip-book as one self-contained web page "
        "(buttons, arrow keys, FILE#step=N)",
    )
    draw.add_argument(
        "--max-nodes", type=positive, default=500, metavar="N", help="default: %(default)s"
    )
    draw.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help="stop dot after S seconds (for --steps/--html: for all frames; default: %(default)g)",
    )
    draw.add_argument(
        "--precision",
        type=precision,
        default=4,
        metavar="P",
        help="significant digits (default: %(default)s)",
    )
    draw.set_defaults(run=run_draw)


def say(message: str) -> None:
    print(f"microgrid draw: {message}", file=sys.stderr, flush=True)


def run_draw(args: argparse.Namespace) -> int:
    from microgrid.show.flipbook import write_flipbook, write_steps
    from microgrid.show.notation import node_names
    from microgrid.show.render import GraphvizNotFoundError, RenderError, draw, render

    if not (args.output or args.steps or args.html):
        raise ExpressionError(
            "nothing to write: give -o FILE (or -o -), --steps DIR or --html FILE"
        )
    root = graph_from(args)
    if not args.no_delta:
        root.backward()
    highlight = None
    if args.highlight:
        names = node_names(root)
        matches = [node for node, name in names.items() if name == args.highlight]
        if not matches:
            known = ", ".join(names[node] for node in topological_order(root))
            raise ExpressionError(f"--highlight: no node named {args.highlight!r} (nodes: {known})")
        highlight = matches[0]
    options: dict[str, Any] = {
        "rankdir": args.rankdir,
        "max_nodes": args.max_nodes,
        "precision": args.precision,
    }
    graph = draw(
        root,
        show_delta=not args.no_delta,
        show_local=args.local,
        highlight=highlight,
        **options,
    )
    failures = 0
    jobs: list[tuple[str, Callable[[], Path | list[Path]]]] = []
    timed: dict[str, Any] = {"timeout": args.timeout, "progress": say}
    if args.output == "-":
        sys.stdout.write(graph.source)
    elif args.output:
        jobs.append((args.output, lambda: render(graph, args.output, **timed)))
    if args.steps:
        jobs.append(
            (
                args.steps,
                lambda: write_steps(root, args.steps, show_local=True, **timed, **options),
            )
        )
    if args.html:
        jobs.append((args.html, lambda: write_flipbook(root, args.html, **timed, **options)))
    for target, job in jobs:
        try:
            written = job()
        except GraphvizNotFoundError as error:
            failures += 1
            print(f"microgrid draw: {one_line(error)}", file=sys.stderr)
            print("microgrid draw: -o FILE.dot or -o - writes DOT without it", file=sys.stderr)
        except RenderError as error:
            failures += 1
            print(f"microgrid draw: {one_line(error)}", file=sys.stderr)
        except OSError as error:
            failures += 1
            print(f"microgrid draw: cannot write {target}: {one_line(error)}", file=sys.stderr)
        else:
            count = f" ({len(written)} frames)" if isinstance(written, list) else ""
            print(f"wrote {target}{count}", file=sys.stderr)
    return 1 if failures else 0
