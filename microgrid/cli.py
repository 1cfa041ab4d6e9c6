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


def _add_logreg(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid logreg`: train the seed's cat classifier (microgrid/logistic.py)."""
    from microgrid.logistic import ENGINES

    logreg = commands.add_parser(
        "logreg",
        help="train the cat classifier by logistic regression",
        description="Logistic regression on 64×64×3 pictures, as in the seed: zero "
        "initialisation, full-batch gradient descent; prints the cost every 100 iterations "
        "and the train/test accuracy.",
        epilog="examples: microgrid logreg --plot costs.png --weights-image w.png   |   "
        "microgrid logreg --data DIR  (the course's train/test_catvnoncat.h5)   |   "
        "microgrid logreg --engine graph --iterations 5  (slow: Values and backprop)",
    )
    logreg.add_argument(
        "--data",
        default="synthetic",
        metavar="synthetic|DIR",
        help="built-in synthetic pictures (default) or a folder with the course's .h5 files",
    )
    logreg.add_argument(
        "--engine", choices=ENGINES, default="vectorized", help="default: %(default)s"
    )
    logreg.add_argument(
        "--iterations", type=int, default=2000, metavar="N", help="default: %(default)s"
    )
    logreg.add_argument(
        "--lr", type=float, default=0.005, metavar="R", help="learning rate (default: %(default)s)"
    )
    logreg.add_argument("--plot", metavar="costs.png", help="write the learning curve (matplotlib)")
    logreg.add_argument(
        "--weights-image",
        metavar="w.png",
        help="write w as a picture: red pixels vote cat, blue ones not cat (matplotlib)",
    )

    def run(args: argparse.Namespace) -> int:
        from microgrid.logistic import run_logreg

        try:
            run_logreg(
                args.data, args.engine, args.iterations, args.lr, args.plot, args.weights_image
            )
        except (OSError, ValueError, ImportError) as error:
            print(f"microgrid logreg: error: {error}", file=sys.stderr)
            return 2
        return 0

    logreg.set_defaults(run=run)


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
    _add_logreg(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
