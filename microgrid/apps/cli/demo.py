"""`microgrid demo`: the seed's J = 3(a + bc), end to end."""

from __future__ import annotations

import argparse

from microgrid.apps.cli.common import (
    one_line,
    seed_graph,
)
from microgrid.engine.walks import topological_order


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="the seed's J = 3(a + bc), end to end",
        description="The seed's computation graph u = b·c, v = a + u, J = 3v with a=5, b=3, "
        "c=2: the values, backprop, the chain rule node by node, the nudge experiment "
        "(a += 0.001 moves J by 0.003), and a picture of the graph.",
        epilog="examples:\n  microgrid demo\n  microgrid demo -o seed.png\n"
        "  microgrid demo --no-picture",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "-o",
        "--output",
        default="j.svg",
        metavar="FILE",
        help="where to draw the graph (.svg .png .pdf .dot; default: %(default)s)",
    )
    demo.add_argument("--no-picture", action="store_true", help="do not write a picture")
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from microgrid.show.explain import explain
    from microgrid.show.nudge import nudge_table
    from microgrid.show.render import GraphvizNotFoundError, render

    J = seed_graph()
    J.backward()
    print("The seed's computation graph: u = b·c, v = a + u, J = 3v  (a = 5, b = 3, c = 2)")
    print()
    print("1. Forward pass, then J.backward(): every node's value and delta = dJ/dnode")
    print(f"   {'node':<6}{'value':>8}{'delta':>8}")
    for node in topological_order(J):
        print(f"   {node.label:<6}{node.value:>8g}{node.delta:>8g}")
    print()
    print("2. The chain rule, node by node (microgrid.show.explain)")
    for line in explain(J).lines():
        print(f"   {line}")
    print()
    print("3. The nudge experiment: add h = 0.001 to a leaf and watch J (microgrid.nudge)")
    for line in nudge_table(J, h=1e-3).splitlines():
        print(f"   {line}")
    print("   The slope (J' − J)/h matches the delta backprop computed: a += 0.001 moves")
    print("   J from 33 to 33.003, so dJ/da = 3.")
    print()
    print("4. The picture (microgrid.draw)")
    if args.no_picture:
        print("   skipped (--no-picture)")
        return 0
    try:
        path = render(J, args.output, show_local=True)
    except GraphvizNotFoundError as error:
        print(f"   could not draw {args.output}: {one_line(error)}")
        print("   (microgrid demo -o j.dot writes the DOT source without Graphviz)")
    except OSError as error:
        print(f"   could not write {args.output}: {one_line(error)}")
    else:
        print(f"   wrote {path}: each edge shows ∂child/∂parent and the delta flowing back")
    return 0
