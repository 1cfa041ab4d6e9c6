"""Gradient checking: are backprop's derivatives right? Ask a finite difference.

The seed's nudge experiment, made systematic: move one input by ±h, watch the
output, and compare the slope (J(x+h) − J(x−h)) / 2h with backprop's delta.
This script checks, in order:

1. the seed's single-example formulas (dz = a − y, dw1 = x1·dz, ...) that you
   derive by hand, against finite differences of the graph;
2. your own primitive (softplus), once right and once with a wrong derivative:
   gradcheck fails the right rows and names the op that is wrong;
3. relu at 0, a kink: no derivative exists there, and the check says so;
4. why eps is 1e-6: the error against the step size, from 1e-1 to 1e-10;
5. a classic bug: calling backward() twice without zero_grad();
6. round-off from inside: (x + 1e8) − 1e8 is checked with a wider step, and
   (x + 1e15) − 1e15, where no step can be trusted, is "undecided", not FAIL.

    python examples/06_gradient_checking.py
"""

from __future__ import annotations

import argparse
import math

from microgrid import Value, binary_cross_entropy, gradcheck, primitive


def section(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


@primitive
def softplus(x: float) -> tuple[float, tuple[float]]:
    """softplus(x) = log(1 + eˣ); its derivative is σ(x)."""
    return math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)


@primitive
def wrong_softplus(x: float) -> tuple[float, tuple[float]]:
    """The same function with a typical slip: σ(−x) instead of σ(x)."""
    return math.log1p(math.exp(x)), (1 / (1 + math.exp(x)),)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    failures = 0

    section("1. The seed's formulas, derived by hand, against finite differences")
    x1, x2, y = 1.5, 2.0, 1.0
    w1, w2, b = Value(0.4, label="w1"), Value(-0.1, label="w2"), Value(0.2, label="b")
    z = (w1 * x1 + w2 * x2 + b).named("z")
    a = z.sigmoid().named("a")
    L = binary_cross_entropy(a, y).named("L")
    report = gradcheck(L, wrt=[w1, w2, b])
    print(report)
    dz = a.value - y  # the seed: dz = a − y, dw1 = x1·dz, dw2 = x2·dz, db = dz
    print("\nThe hand-derived formulas beside the numeric column:")
    for name, formula, by_hand in (
        ("w1", "x1·(a − y)", x1 * dz),
        ("w2", "x2·(a − y)", x2 * dz),
        ("b", "a − y", dz),
    ):
        numeric = report[name].numeric
        agree = abs(by_hand - numeric) <= 1e-5 + 1e-3 * abs(numeric)
        failures += not agree
        print(
            f"  dL/d{name} = {formula:<10} = {by_hand:+.10f}   numeric {numeric:+.10f}   "
            + ("agree" if agree else "DISAGREE")
        )

    section("2. Your own primitive: softplus, right and wrong")
    right = gradcheck(lambda x, w: softplus(x * w), [0.5, 2.0])
    print(right)
    wrong = gradcheck(lambda x, w: wrong_softplus(x * w), [0.5, 2.0])
    print()
    print(wrong)
    failures += not right.ok
    failures += wrong.ok  # the wrong one must be caught

    section("3. relu at 0: a kink, reported and not counted as a failure")
    kink = gradcheck(lambda x: (x * 2).relu(), [0.0])
    print(kink)
    failures += kink.rows[0].status != "kink"

    section("4. Why eps = 1e-6: the error of a finite difference against the step h")
    print(gradcheck(lambda x: x.exp(), [1.0]).sweep())

    section("5. backward() twice without zero_grad(): every delta doubles")
    w, x = Value(0.5, label="w"), Value(3.0, label="x")
    J = (w * x).tanh().named("J")
    J.backward()
    J.backward()
    twice = gradcheck(J)
    print(twice)
    failures += twice.ok  # the doubled deltas must be caught
    J.zero_grad()
    J.backward()
    print(f"\nAfter J.zero_grad(); J.backward(): {'ok' if gradcheck(J).ok else 'still wrong'}")

    section("6. Round-off from inside the graph: a wider step, or 'undecided'")
    wider = gradcheck(lambda x: (x + 1e8) - 1e8, [1.0])
    print(wider)
    undecided = gradcheck(lambda x: (x + 1e15) - 1e15, [1.0])
    print()
    print(undecided)
    failures += wider.rows[0].status != "ok"
    failures += undecided.rows[0].status != "undecided"  # cannot tell, and says so

    print()
    print("All checks behaved as expected." if not failures else f"{failures} surprise(s)!")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
