"""The `microgrid` command line (argparse). `python -m microgrid` runs it too."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from microgrid.engine import Value
from microgrid.graph import topological_order


def _seed_graph() -> Value:
    """The seed's graph: u = b·c, v = a + u, J = 3v with a = 5, b = 3, c = 2."""
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (3 * v).named("J")


def run_demo(args: argparse.Namespace) -> int:
    J = _seed_graph()
    J.backward()
    print("The seed's computation graph: u = b·c, v = a + u, J = 3v")
    print(f"{'node':<6}{'value':>10}{'delta = dJ/dnode':>20}")
    for node in topological_order(J):
        print(f"{node.label:<6}{node.value:>10g}{node.delta:>20g}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgrid",
        description="A tiny scalar autograd engine for learning backpropagation.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="the seed's J = 3(a + bc), end to end",
        description="Run the seed's graph J = 3(a + b·c) with a=5, b=3, c=2.",
        epilog="example: microgrid demo",
    )
    demo.set_defaults(run=run_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
