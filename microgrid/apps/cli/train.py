"""`microgrid train`: a neural network on the course's flower, two moons, or the cat pictures."""

from __future__ import annotations

import argparse
import sys

from microgrid.apps.cli.common import positive


def _layers(text: str) -> tuple[int, ...]:
    from microgrid.course.networks.run import parse_layers

    try:
        return parse_layers(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--layers ")) from None


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {value}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid train`: networks from the course's weeks 3 and 4 (microgrid/networks/)."""
    from microgrid.course.networks.model import ENGINES
    from microgrid.course.networks.run import DATASETS

    train = commands.add_parser(
        "train",
        help="train a neural network (planar flower, moons, cats)",
        description="A fully connected network trained by full-batch gradient descent with "
        "the course's settings: planar = week 3's [2, 4, 1] tanh network (learning rate 1.2, "
        "10,000 iterations); moons = two hidden layers of 16; cats = week 4's "
        "[12288, 20, 7, 5, 1] relu network (learning rate 0.0075, 2500 iterations). Prints "
        "the cost as the course does and the accuracy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  microgrid train planar --plot boundary.png\n"
        "  microgrid train planar --hidden 20 --iterations 5000\n"
        "  microgrid train cats --data DIR     # the course's train/test_catvnoncat.h5\n"
        "  microgrid train cats --layers 7     # week 4's two-layer model\n"
        "  microgrid train moons --engine graph --iterations 20   # Values and backprop",
    )
    train.add_argument("dataset", choices=DATASETS, help="which data to learn")
    size = train.add_mutually_exclusive_group()
    size.add_argument("--hidden", type=positive, metavar="N", help="one hidden layer of N units")
    size.add_argument(
        "--layers", type=_layers, metavar="A,B,…", help="hidden-layer sizes, e.g. 20,7,5"
    )
    train.add_argument(
        "--activation", choices=("tanh", "relu"), help="hidden units (default: the recipe's)"
    )
    train.add_argument(
        "--engine",
        choices=ENGINES,
        default="vectorized",
        help="vectorized (the course's NumPy code, default), graph (microgrid.nn Values "
        "rebuilt every iteration, backprop by the chain rule; slow) or compiled (that graph "
        "built once and replayed by microgrid.compile; planar and moons)",
    )
    train.add_argument("--iterations", type=_count, metavar="N", help="gradient-descent steps")
    train.add_argument("--lr", type=_rate, metavar="R", help="learning rate")
    train.add_argument(
        "--plot", metavar="boundary.png", help="write the decision boundary (planar, moons)"
    )
    train.add_argument("--curve", metavar="costs.png", help="write the learning curve")
    train.add_argument(
        "--data",
        default="synthetic",
        metavar="synthetic|DIR",
        help="cats only: built-in synthetic pictures (default) or a folder with the course's "
        "train_catvnoncat.h5 and test_catvnoncat.h5",
    )

    def run(args: argparse.Namespace) -> int:
        from microgrid.course.networks.run import run_train

        if args.data != "synthetic" and args.dataset != "cats":
            print("microgrid train: error: --data is for cats only", file=sys.stderr)
            return 2
        try:
            run_train(
                args.dataset,
                hidden=args.hidden,
                layers=args.layers,
                engine=args.engine,
                iterations=args.iterations,
                learning_rate=args.lr,
                plot=args.plot,
                curve=args.curve,
                activation=args.activation,
                cats=args.data,
            )
        except (OSError, ValueError, ImportError) as error:
            print(f"microgrid train: error: {error}", file=sys.stderr)
            return 2
        return 0

    train.set_defaults(run=run)
