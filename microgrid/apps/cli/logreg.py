"""`microgrid logreg`: train the seed's cat classifier."""

from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid logreg`: train the seed's cat classifier (microgrid/logistic/)."""
    from microgrid.course.logistic import ENGINES

    logreg = commands.add_parser(
        "logreg",
        help="train the cat classifier by logistic regression",
        description="Logistic regression on 64×64×3 pictures, as in the seed: zero "
        "initialisation, full-batch gradient descent; prints the cost every 100 iterations "
        "and the train/test accuracy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  microgrid logreg --plot costs.png --weights-image w.png\n"
        "  microgrid logreg --data DIR     # the course's train/test_catvnoncat.h5\n"
        "  microgrid logreg --engine graph --iterations 5   # slow: Values and backprop",
    )
    logreg.add_argument(
        "--data",
        default="synthetic",
        metavar="synthetic|DIR",
        help="built-in synthetic pictures (default) or a folder with the course's .h5 files",
    )
    logreg.add_argument(
        "--engine",
        choices=ENGINES,
        default="vectorized",
        help="vectorized (NumPy, default), loop (the seed's for-loops, ~0.2 s per iteration "
        "on 209 pictures) or graph (Values + backprop, ~0.5 s per iteration)",
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
        from microgrid.course.logistic import run_logreg

        try:
            run_logreg(
                args.data, args.engine, args.iterations, args.lr, args.plot, args.weights_image
            )
        except (OSError, ValueError, ImportError) as error:
            print(f"microgrid logreg: error: {error}", file=sys.stderr)
            return 2
        return 0

    logreg.set_defaults(run=run)
