"""`microgrid play`: the live explorer in the browser."""

from __future__ import annotations

import argparse
import os
import sys
import webbrowser

from microgrid.apps.cli.common import EXPRESSION_HELP, positive
from microgrid.apps.expression import ExpressionError, build, parse_bindings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    play = commands.add_parser(
        "play",
        help="the live explorer: edit leaves, step through backprop, watch training",
        description="Serve the live explorer on 127.0.0.1 and open it in the browser: "
        "a slider per leaf (values and deltas update at once), the nudge, backprop one "
        "node at a time, a training page, and the Exercises page (/exercises): questions "
        "for every chapter of the tutorial, 0 to 11, that you answer and the engine grades "
        "(in Python: microgrid.exercises). Ctrl-C stops it.",
        epilog="examples:\n"
        "  microgrid play                       # the seed's J = 3(a + bc)\n"
        '  microgrid play "sigmoid(w*x + b)" w=2 x=1 b=-1 --port 8000 --no-browser\n\n'
        + EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    play.add_argument(
        "expression", nargs="?", metavar="EXPR", help="the graph to open on (default: the seed's)"
    )
    play.add_argument(
        "bindings", nargs="*", metavar="NAME=VALUE", help="a value for every name, e.g. a=5"
    )
    play.add_argument(
        "--port", type=int, default=0, metavar="N", help="the port (default: a free one)"
    )
    play.add_argument("--no-browser", action="store_true", help="only print the address")
    play.add_argument(
        "--max-nodes", type=positive, default=200, metavar="N", help="default: %(default)s"
    )
    play.set_defaults(run=run_play)


def run_play(args: argparse.Namespace) -> int:
    from microgrid.apps.explorer import ExplorerServer
    from microgrid.apps.explorer.graph_api import SEED_EXPRESSION, SEED_VALUES

    if not 0 <= args.port <= 65535:
        raise ExpressionError(f"--port must be from 0 to 65535, got {args.port}")
    if args.expression is None:
        if args.bindings:
            raise ExpressionError("NAME=VALUE needs an expression before it")
        expression, values = SEED_EXPRESSION, dict(SEED_VALUES)
    else:
        expression, values = args.expression, parse_bindings(args.bindings)
        build(expression, values)  # a mistake is one line here, before any server starts
    try:
        server = ExplorerServer(args.port, expression, values, max_nodes=args.max_nodes)
    except OSError as error:
        print(f"microgrid play: cannot listen on port {args.port}: {error}", file=sys.stderr)
        return 1
    print(f"microgrid play: the explorer is at {server.url}  (Ctrl-C stops it)", flush=True)
    if not args.no_browser:
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            # Without a display, webbrowser would start a text browser in this terminal.
            print("microgrid play: no display here: open the address in a browser", flush=True)
        else:
            webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nmicrogrid play: stopped", file=sys.stderr)
    finally:
        server.close()
    return 0
