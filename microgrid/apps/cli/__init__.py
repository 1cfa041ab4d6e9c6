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
from typing import ClassVar, NoReturn

from microgrid import __version__
from microgrid.apps.cli import bench, demo, draw, explain, gradcheck, logreg, play, train
from microgrid.apps.cli.common import one_line
from microgrid.apps.expression import ExpressionError

_OPERATOR_CHARACTERS = set("*/+()^.0123456789")


class _Parser(argparse.ArgumentParser):
    """argparse, plus the -- fix when an expression starting with - was read as an option."""

    words: ClassVar[list[str]] = []  # what main() was given, for the hint

    def error(self, message: str) -> NoReturn:
        dashed = [
            word
            for word in self.words
            if word.startswith("-")
            and not word.startswith("--")
            and _OPERATOR_CHARACTERS & set(word)
        ]
        if "required" in message and dashed:
            message += f"; {_double_dash_hint(self.prog, dashed[0])}"
        super().error(message)


def _double_dash_hint(prog: str, word: str) -> str:
    return f'if {word} is your expression, put -- before it: {prog} -- "{word}" NAME=VALUE ...'


class _PrintVersion(argparse.Action):
    """Print the version on one line (argparse's own would wrap the engine's reason)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from microgrid.engine import describe_engine

        print(f"microgrid {__version__}; {describe_engine()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="microgrid",
        description="A tiny scalar autograd engine for learning backpropagation.",
        epilog='example: microgrid explain "3*(a+b*c)" a=5 b=3 c=2   '
        "(microgrid COMMAND --help shows more)",
    )
    parser.add_argument(
        "--version",
        action=_PrintVersion,
        nargs=0,
        help="the version, and which engine runs (compiled, or plain Python and why)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # One line per subcommand.
    for command in (demo, draw, explain, gradcheck, logreg, train, bench, play):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _Parser.words = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if extra:
        message = one_line(f"unrecognized arguments: {' '.join(extra)}")
        dashed = [word for word in extra if word.startswith("-") and not word.startswith("--")]
        if dashed:
            # argparse reads "-x*w" as an option; the way out is in argparse's own usage.
            message += f"; {_double_dash_hint(f'microgrid {args.command}', dashed[0])}"
        parser.error(message)
    try:
        result: int = args.run(args)
    except (ExpressionError, ValueError, ZeroDivisionError, TypeError, OverflowError) as error:
        # A mistake in what was typed: one line (and a caret under the place), no traceback.
        print(f"microgrid {args.command}: error: {one_line(error)}", file=sys.stderr)
        if isinstance(error, ExpressionError) and error.pointer():
            print(error.pointer(), file=sys.stderr)
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
