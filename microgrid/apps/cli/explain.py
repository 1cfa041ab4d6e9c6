"""`microgrid explain`: the chain rule, node by node, for an expression."""

from __future__ import annotations

import argparse

from microgrid.apps.cli.common import (
    EXPRESSION_HELP,
    add_expression_arguments,
    graph_from,
    nonzero_step,
    precision,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    explain = commands.add_parser(
        "explain",
        help="the forward pass and the chain rule, node by node",
        description="Print every node's value (u = b · c = 3 · 2 = 6), then every node's "
        "delta by the chain rule (dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3).",
        epilog="examples:\n"
        '  microgrid explain "3*(a+b*c)" a=5 b=3 c=2\n'
        '  microgrid explain "u = b*c; v = a + u; J = 3*v" a=5 b=3 c=2 --nudge\n\n'
        + EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(explain)
    explain.add_argument(
        "--nudge", action="store_true", help="also nudge every leaf by h and compare slopes"
    )
    explain.add_argument(
        "--h", type=nonzero_step, default=1e-3, metavar="H", help="the nudge (default: %(default)s)"
    )
    explain.add_argument(
        "--precision",
        type=precision,
        default=4,
        metavar="P",
        help="significant digits (default: %(default)s)",
    )
    explain.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    from microgrid.show.explain import explain
    from microgrid.show.nudge import nudge_table

    root = graph_from(args)
    print(explain(root, precision=args.precision))
    if args.nudge:
        print()
        print(f"Nudge each leaf by h = {args.h:g} and watch the root:")
        print(nudge_table(root, h=args.h))
    return 0
