"""Richardson extrapolation: central differences at h, h/2, h/4, ... combined.

A central difference is D(h) = g'(x) + c₂h² + c₄h⁴ + ...; D(h/2) has the same
terms with c₂h²/4, so (4·D(h/2) − D(h))/3 cancels the h² term, and so on up a
table. Starting from a wide step keeps round-off small, so the result is
good to ~1e-10 on smooth functions (``gradcheck(..., method="richardson")``).

>>> import math
>>> from microgrid.verify.gradcheck.settings import Settings
>>> value, step = richardson(math.exp, 1.0, math.e, Settings.validated(1e-6, 0, 0, "richardson"))
>>> abs(value - math.e) < 1e-12, step
(True, 0.1)
"""

from __future__ import annotations

import math
from collections.abc import Callable

from microgrid.verify.gradcheck.differences import Estimate, try_at
from microgrid.verify.gradcheck.settings import EPSILON, Settings

_RICHARDSON_LEVELS = 5  # central differences at h, h/2, ..., h/16


def improve_by_richardson(
    g: Callable[[float], float], x: float, gx: float, estimate: Estimate, settings: Settings
) -> None:
    """Replace a smooth central estimate by Richardson's, or say why it could not be."""
    if not estimate.smooth or estimate.shrunk or estimate.kind != "central":
        return
    better = richardson(g, x, gx, settings, estimate.roundoff)
    if better is None:
        estimate.notes.append(
            "Richardson needs room: the output is not smooth or not defined over "
            "a wider step here, so this is a plain central difference"
        )
        return
    first = estimate.step
    estimate.numeric, estimate.step = better
    estimate.kind = "richardson"
    estimate.noise = estimate.noise * first / estimate.step
    estimate.settled = True  # the table's entries agreed (see _richardson_table)


def richardson(
    g: Callable[[float], float], x: float, gx: float, settings: Settings, roundoff: float = 0.0
) -> tuple[float, float] | None:
    """Richardson extrapolation of central differences: (value, first step) or None.

    D(h) = g' + c₂h² + c₄h⁴ + ...; combining D(h), D(h/2), ... cancels the h², h⁴
    terms one by one. It starts from a wide step (0.1·max(1, |x|)) so round-off
    stays small, and shrinks the start tenfold if g is not smooth or not defined
    that far out. `roundoff` is the round-off of one evaluation of g (roundoff.py).
    """
    scale = max(1.0, abs(x))
    start = 0.1 * scale
    while start >= 100 * settings.eps * scale:
        table = _richardson_table(g, x, gx, start, settings, roundoff)
        if table is not None:
            return table, start
        start /= 10
    return None


def _richardson_table(
    g: Callable[[float], float],
    x: float,
    gx: float,
    start: float,
    settings: Settings,
    roundoff: float,
) -> float | None:
    steps = [start / 2**k for k in range(_RICHARDSON_LEVELS)]
    plus: list[float] = []
    minus: list[float] = []
    for h in steps:
        gp, _ = try_at(g, x + h)
        gm, _ = try_at(g, x - h)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return None
        plus.append(gp)
        minus.append(gm)
    # Smooth over the whole stencil? The second difference / h² must agree across steps.
    # (A kink inside the stencil makes the narrower curvatures grow like 1/h.)
    curvatures = [
        ((p - gx) - (gx - m)) / (h * h) for p, m, h in zip(plus, minus, steps, strict=True)
    ]
    central = [(p - m) / (2 * h) for p, m, h in zip(plus, minus, steps, strict=True)]
    noise = 2 * max(EPSILON * max(map(abs, [*plus, *minus, gx])), roundoff)
    for c, h in zip(curvatures, steps, strict=True):
        slack = 1e-3 * (abs(central[-1]) + abs(curvatures[-1]) * h) + 1e-9 + 64 * noise / h
        if abs(c - curvatures[-1]) * h > slack:
            return None
    # The Richardson table: row k starts with D(h/2^k); column j cancels h^(2j).
    rows = [[d] for d in central]
    for k in range(1, len(rows)):
        for j in range(1, k + 1):
            factor = 4.0**j
            rows[k].append((factor * rows[k][j - 1] - rows[k - 1][j - 1]) / (factor - 1))
    diagonal = [rows[k][k] for k in range(len(rows))]
    # Pick the diagonal entry that changed least from the one before: later
    # entries cancel more truncation error but amplify round-off.
    changes = [abs(diagonal[k] - diagonal[k - 1]) for k in range(1, len(diagonal))]
    best = min(range(len(changes)), key=changes.__getitem__)
    return float(diagonal[best + 1])
