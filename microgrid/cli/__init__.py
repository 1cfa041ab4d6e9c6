"""The `microgrid` command line (argparse). `python -m microgrid` runs it too.

Each subcommand is a module of this package (demo, draw, explain, ...) whose
``register(commands)`` adds its parser and its ``run`` function; `build_parser`
calls them in a plain list.
Errors in what the user typed (a bad expression, log of a negative, ...) end
as one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from microgrid.cli import bench, demo, draw, explain, gradcheck, logreg, train
from microgrid.cli.common import one_line
from microgrid.expr import ExpressionError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgrid",
        description="A tiny scalar autograd engine for learning backpropagation.",
        epilog='example: microgrid explain "3*(a+b*c)" a=5 b=3 c=2   '
        "(microgrid COMMAND --help shows more)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # One line per subcommand.
    for command in (demo, draw, explain, gradcheck, logreg, train, bench):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except (ExpressionError, ValueError, ZeroDivisionError, TypeError, OverflowError) as error:
        # A mistake in what was typed: one line, no traceback.
        print(f"microgrid {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `microgrid draw ... -o - | head`: the reader left; not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
