"""What the subcommands share: the expression arguments, argument types, the seed's graph."""

from __future__ import annotations

import argparse
import math
import sys

from microgrid.apps.expression import build, non_finite_note, parse_bindings
from microgrid.engine import Value
from microgrid.show.layout import MAX_TIMEOUT

EXPRESSION_HELP = """\
expressions: numbers, names, + - * / **, unary minus, parentheses, the functions
exp log sigmoid tanh relu sqrt abs, and statements separated by ; so that
intermediate nodes carry your names: "u = b*c; v = a + u; J = 3*v" (the last
statement is the root). Give every name a value: a=5 b=3 c=2. An expression
starting with - needs -- before it: microgrid explain -- "-x*w" x=1 w=2."""


def seed_graph() -> Value:
    """The seed's graph: u = b·c, v = a + u, J = 3v with a = 5, b = 3, c = 2."""
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (3 * v).named("J")


def one_line(error: BaseException | str) -> str:
    """The message on one line, every long word (an echoed name or number) cut short.

    >>> one_line(ValueError("unknown name " + "b" * 20000))
    'unknown name bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb… (20,000 characters)'
    """
    words = [clip_word(word) for word in str(error).split()]
    return " ".join(words) or type(error).__name__


def clip_word(word: str, limit: int = 60) -> str:
    return word if len(word) <= limit else f"{word[:40]}… ({len(word):,} characters)"


def graph_from(args: argparse.Namespace) -> Value:
    root = build(args.expression, parse_bindings(args.bindings))
    note = non_finite_note(root)
    if note:  # the graph is still explained and drawn: inf and nan are worth seeing
        print(f"microgrid {args.command}: note: {one_line(note)}", file=sys.stderr)
    return root


def add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", metavar="EXPR", help='e.g. "3*(a+b*c)" (quote it)')
    parser.add_argument(
        "bindings", nargs="*", metavar="NAME=VALUE", help="a value for every name, e.g. a=5"
    )


def precision(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"must be from 1 to 17, got {value}")
    return value


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def nonzero_step(text: str) -> float:
    value = float(text)
    if value == 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite, nonzero number, got {text}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value <= MAX_TIMEOUT:  # 1e308 s would overflow the clock
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:g} (a day), "
            f"got {text[:40]}"
        )
    return value
