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


def _number(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid train`: networks from the course's weeks 3 and 4 (microgrid/networks/)."""
    from microgrid.course.networks.model import DECAYS, ENGINES, OPTIMIZERS
    from microgrid.course.networks.run import DATASETS
    from microgrid.nn import INITS

    train = commands.add_parser(
        "train",
        help="train a neural network (planar, cats, circles, football, moons)",
        description="A fully connected network trained with the course's settings: "
        "planar = week 3's [2, 4, 1] tanh network (learning rate 1.2, 10,000 iterations); "
        "cats = week 4's [12288, 20, 7, 5, 1] relu network (0.0075, 2500 iterations); "
        "course 2: circles = initialization's [2, 10, 5, 1] (0.01, 15,000 iterations, He); "
        "football = regularization's [2, 20, 3, 1] (0.3, 30,000 iterations); moons = "
        "optimization's [2, 5, 2, 1] (0.0007, 5,000 epochs of mini-batches of 64). Prints "
        "the cost as the course does and the accuracy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  microgrid train planar --plot boundary.png\n"
        "  microgrid train planar --hidden 20 --iterations 5000\n"
        "  microgrid train cats --data DIR     # the course's train/test_catvnoncat.h5\n"
        "  microgrid train cats --layers 7     # week 4's two-layer model\n"
        "  microgrid train circles --init zeros\n"
        "  microgrid train football --data DIR --l2 0.7      # DIR holds the course's data.mat\n"
        "  microgrid train football --data DIR --keep-prob 0.86\n"
        "  microgrid train moons --optimizer adam --mini-batch 64\n"
        "  microgrid train moons --lr 0.1 --decay schedule\n"
        "  microgrid train planar --engine graph --iterations 20   # Values and backprop",
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
        metavar="DIR",
        help="cats: a folder with the course's train_catvnoncat.h5 and test_catvnoncat.h5 "
        "(default: built-in synthetic pictures); football: the folder with its data.mat",
    )
    techniques = train.add_argument_group("course 2's techniques")
    techniques.add_argument(
        "--init", choices=INITS, help="initialisation (default: the recipe's; circles: he)"
    )
    techniques.add_argument("--l2", type=_number, metavar="λ", help="L2 regularisation (lambd)")
    techniques.add_argument(
        "--keep-prob", type=_number, metavar="P", help="dropout: keep each hidden unit with P"
    )
    techniques.add_argument("--optimizer", choices=OPTIMIZERS, help="gd (default), momentum, adam")
    techniques.add_argument(
        "--mini-batch", type=positive, metavar="N", help="mini-batch size (with epochs; 64)"
    )
    techniques.add_argument(
        "--epochs", type=_count, metavar="N", help="passes over mini-batches (moons: 5000)"
    )
    techniques.add_argument("--beta", type=_number, metavar="β", help="momentum's β (0.9)")
    techniques.add_argument("--beta1", type=_number, metavar="β1", help="Adam's β1 (0.9)")
    techniques.add_argument("--beta2", type=_number, metavar="β2", help="Adam's β2 (0.999)")
    techniques.add_argument(
        "--decay", choices=[d for d in DECAYS if d], help="learning-rate decay after each epoch"
    )
    techniques.add_argument("--decay-rate", type=_number, metavar="R", help="decay rate (1)")
    techniques.add_argument(
        "--time-interval", type=positive, metavar="N", help="schedule: decay every N epochs"
    )

    def run(args: argparse.Namespace) -> int:
        from microgrid.course.networks.run import Techniques, run_train

        if args.data is not None and args.dataset not in ("cats", "football"):
            print("microgrid train: error: --data is for cats and football only", file=sys.stderr)
            return 2
        chosen = Techniques(
            init=args.init,
            l2=args.l2,
            keep_prob=args.keep_prob,
            optimizer=args.optimizer,
            mini_batch=args.mini_batch,
            epochs=args.epochs,
            beta=args.beta,
            beta1=args.beta1,
            beta2=args.beta2,
            decay=args.decay,
            decay_rate=args.decay_rate,
            time_interval=args.time_interval,
        )
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
                cats="synthetic" if args.data is None else args.data,
                techniques=chosen,
                football=args.data if args.dataset == "football" else None,
            )
        except (OSError, ValueError, ImportError) as error:
            print(f"microgrid train: error: {error}", file=sys.stderr)
            return 2
        return 0

    train.set_defaults(run=run)
