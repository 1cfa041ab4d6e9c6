"""The numerics: a derivative from function values alone, and how far to trust it.

`numeric_derivative(g, x, g(x), settings)` is a central difference
(g(x + h) − g(x − h)) / 2h with h = eps·max(1, |x|), plus what makes it safe:

- near a domain edge (log x, x close to 0) the step shrinks until x ± h fits;
  on the edge itself, a one-sided difference;
- where g bends sharply, `refine` shrinks the step until the quotient settles;
- `kink_test` tells smooth from kinked by how the one-sided slopes behave as h halves;
- ``method="richardson"`` extrapolates central differences over wide steps.

>>> import math
>>> from microgrid.gradcheck.settings import Settings
>>> settings = Settings.validated(1e-6, 1e-5, 1e-3, "central")
>>> round(numeric_derivative(math.exp, 1.0, math.e, settings).numeric, 6)
2.718282
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from microgrid.gradcheck.formatting import fmt
from microgrid.gradcheck.settings import EPSILON, Settings

_RICHARDSON_LEVELS = 5  # central differences at h, h/2, ..., h/16
_MAX_SHRINKS = 30  # tenfold smaller steps tried near a domain edge (log x at x = 1e-20)


@dataclass
class Estimate:
    numeric: float
    left: float | None = None
    right: float | None = None
    kink: bool = False
    failure: str = ""  # non-empty when no numeric derivative could be formed
    notes: list[str] = field(default_factory=list)
    noise: float = 0.0  # round-off uncertainty of `numeric`
    step: float = math.nan
    kind: str = "central"  # or "forward", "one-sided", "richardson"
    rough: bool = False  # not smooth within ±h, smooth closer in: see kink_test
    central: float = math.nan  # the central difference, whatever the method


def try_at(g: Callable[[float], float], t: float) -> tuple[float | None, str]:
    """g(t), or None and the reason when g is undefined there (a domain error)."""
    try:
        return g(t), ""
    except (ArithmeticError, ValueError) as error:
        return None, str(error) or type(error).__name__


def numeric_derivative(
    g: Callable[[float], float], x: float, gx: float, settings: Settings
) -> Estimate:
    """dg/dx at x by finite differences, with kink detection and fallbacks."""
    h = settings.eps * max(1.0, abs(x))
    gp, why_p = try_at(g, x + h)
    gm, why_m = try_at(g, x - h)
    if gp is None and gm is None:
        return Estimate(
            math.nan,
            failure=f"the output is undefined at x ± h ({why_p}); try a smaller eps",
        )
    notes = []
    if gp is None or gm is None:
        # x is within h of the edge of the domain (log near 0, say): a smaller
        # step may fit inside it; if none does, use a one-sided difference.
        why, first_h = why_m or why_p, h
        side = 1.0 if gm is None else -1.0  # the side where the domain goes on
        for _ in range(_MAX_SHRINKS):
            h /= 10
            if h <= 4 * EPSILON * abs(x):  # x ± h would round to x: x is on the edge
                break
            gp, _ = try_at(g, x + h)
            gm, _ = try_at(g, x - h)
            if gp is not None and gm is not None:
                break
        if gp is None or gm is None or h <= 4 * EPSILON * abs(x):
            return one_sided(g, x, gx, first_h, side, why)
        notes.append(
            f"step shrunk to h = {fmt(h)}: the output is undefined at ±{fmt(first_h)} ({why})"
        )
    hp, hm = (x + h) - x, x - (x - h)  # the steps floats actually took
    right, left = (gp - gx) / hp, (gx - gm) / hm
    noise = 2 * EPSILON * max(abs(gp), abs(gm), abs(gx)) / h
    numeric = (gp - gm) / (hp + hm) if settings.method != "forward" else right
    estimate = Estimate(numeric, left=left, right=right, noise=noise, notes=notes, step=h)
    estimate.central = (gp - gm) / (hp + hm)
    estimate.kind = settings.method if settings.method == "forward" else "central"
    if not all(map(math.isfinite, (gp, gm, gx))):
        return estimate
    shape = kink_test(g, x, gx, h, (left, right, noise), settings)
    estimate.kink = shape == "kink"
    estimate.rough = shape == "rough"
    if notes and not estimate.kink:
        # Near a domain edge the function bends sharply (log x near 0): make
        # sure the central difference has settled at this step.
        refine(g, x, gx, estimate, settings)
    if settings.method == "richardson" and shape == "smooth" and not notes:
        better = richardson(g, x, gx, settings)
        if better is None:
            estimate.notes.append(
                "Richardson needs room: the output is not smooth or not defined over "
                "a wider step here, so this is a plain central difference"
            )
        else:
            estimate.numeric, estimate.step = better
            estimate.kind = "richardson"
            estimate.noise = noise * h / estimate.step
    return estimate


def refine(
    g: Callable[[float], float], x: float, gx: float, estimate: Estimate, settings: Settings
) -> None:
    """Shrink the step while the central difference has not settled.

    Where the function bends sharply (log x at x = 1e-5), the h² error at the
    default step is large. A tenfold smaller step tells: if the estimate moves
    by more than the tolerance, the first one was not to be trusted.
    """
    first, h, d = estimate.step, estimate.step, estimate.numeric
    if not math.isfinite(d):
        return
    noise = estimate.noise
    for _ in range(4):
        small = h / 10
        gp, _ = try_at(g, x + small)
        gm, _ = try_at(g, x - small)
        width = (x + small) - (x - small)  # 0 when the step is lost in x's rounding
        if not width or gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            break
        d_small = (gp - gm) / width
        noise_small = 2 * EPSILON * max(abs(gp), abs(gm), abs(gx)) / small
        tolerance = settings.atol + settings.rtol * abs(d_small)
        if noise_small > tolerance / 4:
            break  # round-off would swamp the smaller step
        settled = abs(d_small - d) <= tolerance / 4
        if settled and h == first:
            return  # the first estimate was already good: the analytic is what differs
        h, d, noise = small, d_small, noise_small
        if settled:
            break
    if h != first:
        estimate.notes.append(
            f"step refined to h = {fmt(h)}: at h = {fmt(first)} the difference quotient had "
            "not settled (the function bends sharply here)"
        )
        estimate.numeric, estimate.step, estimate.noise = d, h, noise


def one_sided(
    g: Callable[[float], float], x: float, gx: float, h: float, side: float, why: str
) -> Estimate:
    # A second-order one-sided difference, when one side is outside the domain:
    # (−3g(x) + 4g(x+h) − g(x+2h)) / 2h, mirrored for the left side.
    g1, _ = try_at(g, x + side * h)
    g2, _ = try_at(g, x + side * 2 * h)
    where = "x − h" if side > 0 else "x + h"
    if g1 is None or g2 is None:
        return Estimate(math.nan, failure=f"the output is undefined at {where} ({why})")
    numeric = side * (-3 * gx + 4 * g1 - g2) / (2 * h)
    noise = 8 * EPSILON * max(abs(gx), abs(g1), abs(g2)) / h
    note = f"one-sided difference: the output is undefined at {where} ({why})"
    return Estimate(numeric, noise=noise, notes=[note], step=h, kind="one-sided")


def _smooth_at(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    slopes: tuple[float, float, float] | None,
    settings: Settings,
) -> bool:
    """Do the one-sided slopes at steps h, h/2, h/4 behave like a smooth function's?

    For a smooth g, right − left ≈ h·g''(x): halving h halves the gap. At a kink
    the gap stays (relu at 0: slopes 0 and 1 at every h) or jumps about.
    `slopes` is (left, right, noise) at h when the caller has them already.
    """
    if slopes is None:
        gp, _ = try_at(g, x + h)
        gm, _ = try_at(g, x - h)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return False
        left, right = (gx - gm) / h, (gp - gx) / h
        noise = 2 * EPSILON * max(abs(gp), abs(gm), abs(gx)) / h
    else:
        left, right, noise = slopes
    gap = right - left
    if abs(gap) <= max(settings.atol + settings.rtol * max(abs(left), abs(right)), 16 * noise):
        return True  # the slopes agree to within the check's own tolerance
    curvature = gap / h
    for k in (2, 4):
        step = h / k
        gp, _ = try_at(g, x + step)
        gm, _ = try_at(g, x - step)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return False
        c = ((gp - gx) - (gx - gm)) / (step * step)
        slack = 0.25 * abs(curvature) + 16 * noise * k * k / h
        if abs(c - curvature) > slack:
            return False
    return True


def kink_test(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    slopes: tuple[float, float, float],
    settings: Settings,
) -> str:
    """Classify g near x as "smooth", "kink", or "rough" (smooth only at a smaller step).

    "rough" is a function that bends sharply within ±h (log x just above
    x = h), or a kink near x but not at it (relu at x = 0.3h): smooth at x.
    """
    if _smooth_at(g, x, gx, h, slopes, settings):
        return "smooth"
    for smaller in (h / 10, h / 100):
        if _smooth_at(g, x, gx, smaller, None, settings):
            return "rough"
    return "kink"


def richardson(
    g: Callable[[float], float], x: float, gx: float, settings: Settings
) -> tuple[float, float] | None:
    """Richardson extrapolation of central differences: (value, first step) or None.

    D(h) = g' + c₂h² + c₄h⁴ + ...; combining D(h), D(h/2), ... cancels the h², h⁴
    terms one by one. It starts from a wide step (0.1·max(1, |x|)) so round-off
    stays small, and shrinks the start tenfold if g is not smooth or not defined
    that far out.
    """
    scale = max(1.0, abs(x))
    start = 0.1 * scale
    while start >= 100 * settings.eps * scale:
        table = _richardson_table(g, x, gx, start, settings)
        if table is not None:
            return table, start
        start /= 10
    return None


def _richardson_table(
    g: Callable[[float], float], x: float, gx: float, start: float, settings: Settings
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
    noise = 2 * EPSILON * max(map(abs, [*plus, *minus, gx]))
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
