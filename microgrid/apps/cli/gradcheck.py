"""`microgrid gradcheck`: finite differences against backprop for an expression."""

from __future__ import annotations

import argparse

from microgrid.apps.cli.common import (
    EXPRESSION_HELP,
    add_expression_arguments,
    graph_from,
)
from microgrid.apps.expression import ExpressionError
from microgrid.engine.walks import topological_order


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid gradcheck`: backprop against finite differences (microgrid/gradcheck/)."""
    from microgrid.verify.gradcheck import METHODS

    gradcheck = commands.add_parser(
        "gradcheck",
        help="check backprop's derivatives against finite differences",
        description="Build the graph of EXPR, nudge every variable by ±eps and compare the "
        "slope with backprop's delta, one row per variable. Exit status: 0 when every row "
        "passes (a kink, where relu or abs switches, is not a failure), 1 when a row "
        "FAILs, 2 on bad input.",
        epilog="examples:\n"
        '  microgrid gradcheck "log(1+exp(-x*w))" x=0.5 w=2\n'
        '  microgrid gradcheck "relu(x)*3" x=0             (a kink)\n'
        '  microgrid gradcheck "sigmoid(w*x+b)" w=2 x=1 b=-1 --method richardson\n'
        '  microgrid gradcheck "exp(x)" x=1 --sweep        (error against step size)\n\n'
        + EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(gradcheck)
    gradcheck.add_argument(
        "--eps", type=float, default=1e-6, help="the step, times max(1, |x|) (default: %(default)s)"
    )
    gradcheck.add_argument(
        "--atol", type=float, default=1e-5, help="absolute tolerance (default: %(default)s)"
    )
    gradcheck.add_argument(
        "--rtol", type=float, default=1e-3, help="relative tolerance (default: %(default)s)"
    )
    gradcheck.add_argument("--method", choices=METHODS, default="central")
    gradcheck.add_argument(
        "--wrt", action="append", metavar="NAME", help="check only this variable (repeatable)"
    )
    gradcheck.add_argument(
        "--sweep", action="store_true", help="also show the error for steps from 1e-1 to 1e-10"
    )

    def run(args: argparse.Namespace) -> int:
        from microgrid.show.notation import node_names
        from microgrid.verify.gradcheck import gradcheck

        root = graph_from(args)
        wrt = None
        if args.wrt:
            names = node_names(root)
            leaves = {names[n]: n for n in topological_order(root) if not n.parents}
            unknown = [name for name in args.wrt if name not in leaves]
            if unknown:
                raise ExpressionError(
                    f"--wrt: no variable named {unknown[0]!r} (variables: {', '.join(leaves)})"
                )
            wrt = [leaves[name] for name in args.wrt]
        report = gradcheck(
            root, wrt=wrt, eps=args.eps, atol=args.atol, rtol=args.rtol, method=args.method
        )
        print(report)
        if args.sweep:
            print()
            print(report.sweep())
        return 0 if report.ok else 1

    gradcheck.set_defaults(run=run)
