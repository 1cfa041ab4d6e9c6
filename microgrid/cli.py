"""The `microgrid` command line (argparse). `python -m microgrid` runs it too.

Each subcommand is one ``_add_NAME(commands)`` function that registers its
parser and its ``run`` function; `build_parser` calls them in a plain list.
Errors in what the user typed (a bad expression, log of a negative, ...) end
as one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from microgrid.engine import Value
from microgrid.expr import ExpressionError, build, parse_bindings
from microgrid.graph import topological_order

_EXPRESSION_HELP = """\
expressions: numbers, names, + - * / **, unary minus, parentheses, the functions
exp log sigmoid tanh relu sqrt abs, and statements separated by ; so that
intermediate nodes carry your names: "u = b*c; v = a + u; J = 3*v" (the last
statement is the root). Give every name a value: a=5 b=3 c=2. An expression
starting with - needs -- before it: microgrid explain -- "-x*w" x=1 w=2."""


def _seed_graph() -> Value:
    """The seed's graph: u = b·c, v = a + u, J = 3v with a = 5, b = 3, c = 2."""
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (3 * v).named("J")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _graph_from(args: argparse.Namespace) -> Value:
    return build(args.expression, parse_bindings(args.bindings))


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", metavar="EXPR", help='e.g. "3*(a+b*c)" (quote it)')
    parser.add_argument(
        "bindings", nargs="*", metavar="NAME=VALUE", help="a value for every name, e.g. a=5"
    )


def _precision(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"must be from 1 to 17, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _step(text: str) -> float:
    value = float(text)
    if value == 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite, nonzero number, got {text}")
    return value


# ---------------------------------------------------------------------------
# microgrid demo
# ---------------------------------------------------------------------------


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    from microgrid.explain import explain, nudge_table
    from microgrid.render import GraphvizNotFoundError, render

    J = _seed_graph()
    J.backward()
    print("The seed's computation graph: u = b·c, v = a + u, J = 3v  (a = 5, b = 3, c = 2)")
    print()
    print("1. Forward pass, then J.backward(): every node's value and delta = dJ/dnode")
    print(f"   {'node':<6}{'value':>8}{'delta':>8}")
    for node in topological_order(J):
        print(f"   {node.label:<6}{node.value:>8g}{node.delta:>8g}")
    print()
    print("2. The chain rule, node by node (microgrid.explain)")
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
        print(f"   could not draw {args.output}: {_one_line(error)}")
        print("   (microgrid demo -o j.dot writes the DOT source without Graphviz)")
    except OSError as error:
        print(f"   could not write {args.output}: {_one_line(error)}")
    else:
        print(f"   wrote {path}: each edge shows ∂child/∂parent and the delta flowing back")
    return 0


# ---------------------------------------------------------------------------
# microgrid draw
# ---------------------------------------------------------------------------


def _add_draw(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    draw = commands.add_parser(
        "draw",
        help="draw an expression's graph (SVG, PNG, PDF, DOT, a flip-book)",
        description="Build the graph of EXPR, run backprop, and draw it: every node with its "
        "formula, value and delta dJ/dnode.",
        epilog="examples:\n"
        '  microgrid draw "3*(a+b*c)" a=5 b=3 c=2 -o j.svg\n'
        '  microgrid draw "u = b*c; v = a + u; J = 3*v" a=5 b=3 c=2 -o j.png --local\n'
        '  microgrid draw "sigmoid(w*x + b)" w=2 x=1 b=-1 -o - | dot -Tpdf > a.pdf\n'
        '  microgrid draw "3*(a+b*c)" a=5 b=3 c=2 --html backprop.html --steps frames/\n\n'
        + _EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_expression_arguments(draw)
    draw.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the picture; the format comes from the extension (.svg .png .pdf .dot .gv); "
        "- prints DOT to stdout",
    )
    draw.add_argument(
        "--local", action="store_true", help="write ∂child/∂parent (and the delta flow) on edges"
    )
    draw.add_argument("--no-delta", action="store_true", help="leave deltas out (no backprop)")
    draw.add_argument("--rankdir", choices=["LR", "TB", "RL", "BT"], default="LR")
    draw.add_argument("--highlight", metavar="NAME", help="mark the paths from NAME to the root")
    draw.add_argument(
        "--steps",
        metavar="DIR",
        help="also write the backprop flip-book as DIR/step-N.svg, one frame per node "
        "(frames always show ∂child/∂parent on the edges)",
    )
    draw.add_argument(
        "--html",
        metavar="FILE",
        help="also write the flip-book as one self-contained web page "
        "(buttons, arrow keys, FILE#step=N)",
    )
    draw.add_argument(
        "--max-nodes", type=_positive, default=500, metavar="N", help="default: %(default)s"
    )
    draw.add_argument(
        "--precision",
        type=_precision,
        default=4,
        metavar="P",
        help="significant digits (default: %(default)s)",
    )
    draw.set_defaults(run=run_draw)


def run_draw(args: argparse.Namespace) -> int:
    from microgrid.explain import node_names
    from microgrid.render import (
        GraphvizNotFoundError,
        RenderError,
        draw,
        render,
        write_flipbook,
        write_steps,
    )

    if not (args.output or args.steps or args.html):
        raise ExpressionError(
            "nothing to write: give -o FILE (or -o -), --steps DIR or --html FILE"
        )
    root = _graph_from(args)
    if not args.no_delta:
        root.backward()
    highlight = None
    if args.highlight:
        names = node_names(root)
        matches = [node for node, name in names.items() if name == args.highlight]
        if not matches:
            known = ", ".join(names[node] for node in topological_order(root))
            raise ExpressionError(f"--highlight: no node named {args.highlight!r} (nodes: {known})")
        highlight = matches[0]
    options: dict[str, Any] = {
        "rankdir": args.rankdir,
        "max_nodes": args.max_nodes,
        "precision": args.precision,
    }
    graph = draw(
        root,
        show_delta=not args.no_delta,
        show_local=args.local,
        highlight=highlight,
        **options,
    )
    failures = 0
    jobs: list[tuple[str, Callable[[], Path | list[Path]]]] = []
    if args.output == "-":
        sys.stdout.write(graph.source)
    elif args.output:
        jobs.append((args.output, lambda: render(graph, args.output)))
    if args.steps:
        jobs.append((args.steps, lambda: write_steps(root, args.steps, show_local=True, **options)))
    if args.html:
        jobs.append((args.html, lambda: write_flipbook(root, args.html, **options)))
    for target, job in jobs:
        try:
            written = job()
        except GraphvizNotFoundError as error:
            failures += 1
            print(f"microgrid draw: {_one_line(error)}", file=sys.stderr)
            print("microgrid draw: -o FILE.dot or -o - writes DOT without it", file=sys.stderr)
        except RenderError as error:
            failures += 1
            print(f"microgrid draw: {_one_line(error)}", file=sys.stderr)
        except OSError as error:
            failures += 1
            print(f"microgrid draw: cannot write {target}: {_one_line(error)}", file=sys.stderr)
        else:
            count = f" ({len(written)} frames)" if isinstance(written, list) else ""
            print(f"wrote {target}{count}", file=sys.stderr)
    return 1 if failures else 0


# ---------------------------------------------------------------------------
# microgrid explain
# ---------------------------------------------------------------------------


def _add_explain(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    explain = commands.add_parser(
        "explain",
        help="the forward pass and the chain rule, node by node",
        description="Print every node's value (u = b · c = 3 · 2 = 6), then every node's "
        "delta by the chain rule (dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3).",
        epilog="examples:\n"
        '  microgrid explain "3*(a+b*c)" a=5 b=3 c=2\n'
        '  microgrid explain "u = b*c; v = a + u; J = 3*v" a=5 b=3 c=2 --nudge\n\n'
        + _EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_expression_arguments(explain)
    explain.add_argument(
        "--nudge", action="store_true", help="also nudge every leaf by h and compare slopes"
    )
    explain.add_argument(
        "--h", type=_step, default=1e-3, metavar="H", help="the nudge (default: %(default)s)"
    )
    explain.add_argument(
        "--precision",
        type=_precision,
        default=4,
        metavar="P",
        help="significant digits (default: %(default)s)",
    )
    explain.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    from microgrid.explain import explain, nudge_table

    root = _graph_from(args)
    print(explain(root, precision=args.precision))
    if args.nudge:
        print()
        print(f"Nudge each leaf by h = {args.h:g} and watch the root:")
        print(nudge_table(root, h=args.h))
    return 0


# ---------------------------------------------------------------------------
# Other subcommands (each added by its own helper function).
# ---------------------------------------------------------------------------


def _add_logreg(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid logreg`: train the seed's cat classifier (microgrid/logistic.py)."""
    from microgrid.logistic import ENGINES

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


def _add_gradcheck(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`microgrid gradcheck`: backprop against finite differences (microgrid/gradcheck/)."""
    from microgrid.gradcheck import METHODS

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
        + _EXPRESSION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_expression_arguments(gradcheck)
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
        from microgrid.explain import node_names
        from microgrid.gradcheck import gradcheck

        root = _graph_from(args)
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


def _add_bench(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        "bench",
        help="a quick engine benchmark: + and * nodes vs one dot node (vs micrograd)",
        description="Time forward+backward of loss = Σ relu(z·z), z = Σ wᵢxᵢ, written with "
        "+ and * (one node per op) and with dot and sum (one node per z); with micrograd "
        "installed (the compare extra), the same + and * graph in micrograd. The full "
        "benchmark is benchmarks/engine.py (make bench).",
        epilog="example: microgrid bench --features 1000 --samples 20",
    )
    bench.add_argument("--features", type=int, default=500, help="default: %(default)s")
    bench.add_argument("--samples", type=int, default=10, help="default: %(default)s")
    bench.add_argument("--repeats", type=int, default=3, help="best of (default: %(default)s)")

    def run(args: argparse.Namespace) -> int:
        import importlib
        import random
        import time

        import microgrid

        if min(args.features, args.samples, args.repeats) < 1:
            print(
                "microgrid bench: --features, --samples and --repeats must be >= 1", file=sys.stderr
            )
            return 2
        rng = random.Random(0)
        w0 = [rng.uniform(-1, 1) for _ in range(args.features)]
        xs = [[rng.uniform(-1, 1) for _ in w0] for _ in range(args.samples)]

        def with_ops(V: Any) -> Any:  # the same code builds a microgrid or a micrograd graph
            ws = [V(wi) for wi in w0]
            loss = V(0.0)
            for x in xs:
                z = ws[0] * x[0]
                for wi, xi in zip(ws[1:], x[1:], strict=True):
                    z = z + wi * xi
                loss = loss + (z * z).relu()
            return loss

        def with_dot() -> Value:
            ws = [Value(wi) for wi in w0]
            return microgrid.sum([(microgrid.dot(ws, x) ** 2).relu() for x in xs])

        def best(build: Callable[[], Any]) -> float:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                build().backward()
                times.append(time.perf_counter() - start)
            return min(times)

        ops = (2 * args.features + 2) * args.samples
        rows = [("microgrid, + and *", best(lambda: with_ops(Value)))]
        rows.append(("microgrid, dot and sum", best(with_dot)))
        try:  # the `compare` extra
            micrograd = importlib.import_module("micrograd.engine")
        except ImportError:
            micrograd = None
        if micrograd is not None:
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 10 * ops))  # micrograd's sort is recursive
            try:
                rows.append(("micrograd 0.1.0, + and *", best(lambda: with_ops(micrograd.Value))))
            finally:
                sys.setrecursionlimit(limit)
        # Ratios against micrograd when it is there, else against microgrid's + and *.
        reference_name, reference = rows[-1] if micrograd is not None else rows[0]
        versus = "micrograd" if micrograd is not None else "+ and *"
        print(f"loss = Σ relu(z·z), z = Σ wᵢxᵢ: {args.features} features × {args.samples} samples")
        print(f"forward + backward, best of {args.repeats}\n")
        for name, seconds in rows:
            ratio = _speed_ratio(reference, seconds, versus) if name != reference_name else ""
            print(f"  {name:<26}{seconds * 1e3:9.1f} ms   {ratio}")
        if micrograd is None:
            print("\n(micrograd is not installed: pip install 'microgrid[compare]' to compare)")
        return 0

    bench.set_defaults(run=run)


def _speed_ratio(reference: float, seconds: float, versus: str) -> str:
    """'3.0× faster than micrograd', or '2.5× slower than ...' (never '0.4× faster')."""
    if min(reference, seconds) <= 0:  # below the clock's resolution: no ratio to give
        return ""
    if seconds <= reference:
        return f"{reference / seconds:.1f}× faster than {versus}"
    return f"{seconds / reference:.1f}× slower than {versus}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgrid",
        description="A tiny scalar autograd engine for learning backpropagation.",
        epilog='example: microgrid explain "3*(a+b*c)" a=5 b=3 c=2   '
        "(microgrid COMMAND --help shows more)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # One line per subcommand.
    _add_demo(commands)
    _add_draw(commands)
    _add_explain(commands)
    _add_gradcheck(commands)
    _add_logreg(commands)
    _add_bench(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except (ExpressionError, ValueError, ZeroDivisionError, TypeError, OverflowError) as error:
        # A mistake in what was typed: one line, no traceback.
        print(f"microgrid {args.command}: error: {_one_line(error)}", file=sys.stderr)
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
