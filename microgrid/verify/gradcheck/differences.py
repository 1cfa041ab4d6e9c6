"""The numerics: a derivative from function values alone, and how far to trust it.

`numeric_derivative(g, x, g(x), settings)` is a central difference
(g(x + h) − g(x − h)) / 2h with h = eps·max(1, |x|), plus what makes it safe:

- near a domain edge (log x, x close to 0) the step shrinks with x itself until
  x ± h fits, for any x down to 1e-300; on the edge, a one-sided difference;
- `settle` decides whether the estimate can be trusted: where g bends sharply
  it shrinks the step until the quotient stops moving; where round-off swamps
  the difference (big intermediate values, roundoff.py) it widens the step;
  if neither works the estimate stays unsettled, and the row says "undecided";
- `kink_test` tells smooth from kinked by how the one-sided slopes behave as h halves.

>>> import math
>>> from microgrid.verify.gradcheck.settings import Settings
>>> settings = Settings.validated(1e-6, 1e-5, 1e-3, "central")
>>> round(numeric_derivative(math.exp, 1.0, math.e, settings).numeric, 6)
2.718282
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from microgrid.verify.gradcheck.formatting import fmt
from microgrid.verify.gradcheck.settings import EPSILON, Settings

_MAX_SHRINKS = 30  # tenfold smaller steps tried near a domain edge
_MAX_REFINES = 4  # tenfold smaller steps tried where g bends sharply


@dataclass
class Estimate:
    numeric: float
    left: float | None = None
    right: float | None = None
    kink: bool = False
    failure: str = ""  # non-empty when no numeric derivative could be formed
    notes: list[str] = field(default_factory=list)
    noise: float = 0.0  # round-off uncertainty of `numeric`
    slope_noise: float = 0.0  # round-off uncertainty of `left` and `right` (the first step)
    step: float = math.nan
    kind: str = "central"  # or "forward", "one-sided", "richardson"
    rough: bool = False  # not smooth within ±h, smooth closer in: see kink_test
    smooth_step: float = math.nan  # when rough: a smaller step at which g is smooth
    smooth: bool = False  # smooth within ±h: see kink_test
    shrunk: bool = False  # the step was shrunk to fit inside the domain
    central: float = math.nan  # the central difference, whatever the method
    roundoff: float = 0.0  # round-off of one evaluation of g (roundoff.py)
    settled: bool = False  # another step confirmed `numeric` to within tolerance/4
    swamped: bool = False  # round-off kept a smaller step from confirming it
    doubt: str = ""  # why `numeric` could not be confirmed, when it was not


def try_at(g: Callable[[float], float], t: float) -> tuple[float | None, str]:
    """g(t), or None and the reason when g is undefined there (a domain error)."""
    try:
        return g(t), ""
    except (ArithmeticError, ValueError) as error:
        return None, str(error) or type(error).__name__


def noise_at(h: float, roundoff: float, *values: float) -> float:
    """The round-off uncertainty of a difference quotient with step h.

    Each evaluation is off by its round-off: at least ε·|g|, more when g
    passes through values larger than itself (`roundoff`, from roundoff.py).
    """
    return 2 * max(EPSILON * max(map(abs, values)), roundoff) / h


def tolerance(settings: Settings, d: float) -> float:
    return settings.atol + settings.rtol * abs(d)


def smaller_step(h: float, x: float) -> float:
    """Tenfold smaller, and at once down to x's own scale when h is wider than |x|.

    log at x = 1e-300 needs h ≈ 1e-301 (tenfold steps from 1e-6 would take 295
    tries), and 1/y at y = 1e-100 needs h below 1e-100 not to straddle the pole.
    """
    smaller = min(h / 10, abs(x) / 10) if x else h / 10
    return max(smaller, 4 * math.ulp(x))  # never 0, never lost in x's last digit


def numeric_derivative(
    g: Callable[[float], float], x: float, gx: float, settings: Settings, roundoff: float = 0.0
) -> Estimate:
    """dg/dx at x by finite differences, with kink detection and fallbacks.

    `roundoff` is the round-off of one evaluation of g (0: judge by g's size).
    """
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
            shrunk = smaller_step(h, x)
            if shrunk >= h:  # h is at x's last digits already: x is on the edge
                break
            h = shrunk
            gp, _ = try_at(g, x + h)
            gm, _ = try_at(g, x - h)
            if gp is not None and gm is not None:
                break
        if gp is None or gm is None:
            return one_sided(g, x, gx, first_h, side, why, settings, roundoff)
        notes.append(
            f"step shrunk to h = {fmt(h)}: the output is undefined at ±{fmt(first_h)} ({why})"
        )
    hp, hm = (x + h) - x, x - (x - h)  # the steps floats actually took
    right, left = (gp - gx) / hp, (gx - gm) / hm
    noise = noise_at(h, roundoff, gp, gm, gx)
    numeric = (gp - gm) / (hp + hm) if settings.method != "forward" else right
    estimate = Estimate(numeric, left=left, right=right, noise=noise, notes=notes, step=h)
    estimate.slope_noise = noise
    estimate.central = (gp - gm) / (hp + hm)
    estimate.kind = settings.method if settings.method == "forward" else "central"
    estimate.roundoff, estimate.shrunk = roundoff, bool(notes)
    if not all(map(math.isfinite, (gp, gm, gx))):
        return estimate
    shape, estimate.smooth_step = kink_test(g, x, gx, h, (left, right, noise), settings, roundoff)
    estimate.kink = shape == "kink"
    estimate.rough = shape == "rough"
    estimate.smooth = shape == "smooth"
    if notes and not estimate.kink:
        # Near a domain edge the function bends sharply (log x near 0): make
        # sure the central difference has settled at this step.
        refine(g, x, gx, estimate, settings)
    return estimate


def settle(
    g: Callable[[float], float], x: float, gx: float, estimate: Estimate, settings: Settings
) -> None:
    """Confirm a central estimate with another step, smaller or (for round-off) wider."""
    if estimate.kind != "central" or estimate.settled or not math.isfinite(estimate.numeric):
        return
    refine(g, x, gx, estimate, settings)
    if not estimate.settled:
        widen(g, x, gx, estimate, settings)


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
    estimate.doubt = (
        "the difference quotient did not settle as the step shrank to "
        f"{fmt(smaller_step(first, x))} (the output bends too sharply here for floats)"
    )
    for _ in range(_MAX_REFINES):
        small = smaller_step(h, x)
        if small >= h:
            break  # the step is down to x's last digits: it cannot shrink further
        gp, _ = try_at(g, x + small)
        gm, _ = try_at(g, x - small)
        width = (x + small) - (x - small)  # 0 when the step is lost in x's rounding
        if not width or gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            break
        d_small = (gp - gm) / width
        noise_small = noise_at(small, estimate.roundoff, gp, gm, gx)
        if noise_small > tolerance(settings, d_small) / 4:
            estimate.swamped = True
            break  # round-off would swamp the smaller step
        settled = abs(d_small - d) <= tolerance(settings, d_small) / 4
        if settled and h == first:
            estimate.settled = True
            return  # the first estimate was already good: the analytic is what differs
        h, d, noise = small, d_small, noise_small
        if settled:
            estimate.settled = True
            break
        estimate.doubt = (
            f"the difference quotient did not settle as the step shrank to {fmt(h)} "
            "(the output bends too sharply here for floats)"
        )
    if h != first:
        estimate.notes.append(
            f"step refined to h = {fmt(h)}: at h = {fmt(first)} the difference quotient had "
            "not settled (the function bends sharply here)"
        )
        estimate.numeric, estimate.step, estimate.noise = d, h, noise
    if estimate.settled:
        estimate.doubt = ""


def widen(
    g: Callable[[float], float], x: float, gx: float, estimate: Estimate, settings: Settings
) -> None:
    """Widen the step where round-off swamps the difference, if g is smooth that far.

    Round-off falls like 1/h and truncation grows like h²: for (x + 1e8) − 1e8
    the round-off of the 1e8 inside is ±1.5e-8, so h = 1e-6 leaves ±0.02 of
    noise, while h = 1e-3 leaves ±2e-5 and (the function being a line) no
    truncation at all. D(H) and D(H/2) agreeing, with g smooth over ±H, settles it.
    """
    first, scale = estimate.step, max(1.0, abs(x))
    if not estimate.swamped and estimate.noise <= tolerance(settings, estimate.numeric) / 4:
        return  # round-off is not what stands in the way: a bend is (refine said so)
    wide = first
    tried: list[tuple[float, float, float]] = []  # (step, estimate, noise), narrow to wide
    while wide * 10 <= 0.1 * scale:
        wide *= 10
        values = [try_at(g, x + s)[0] for s in (wide, -wide, wide / 2, -wide / 2)]
        if any(v is None or not math.isfinite(v) for v in values):
            break
        gp, gm, gp_half, gm_half = (float(v) for v in values if v is not None)
        d_wide = (gp - gm) / ((x + wide) - (x - wide))
        d_half = (gp_half - gm_half) / ((x + wide / 2) - (x - wide / 2))
        noise_half = noise_at(wide / 2, estimate.roundoff, gp_half, gm_half, gx)
        if noise_half > tolerance(settings, d_half) / 4:
            tried.append((wide / 2, d_half, noise_half))
            continue  # still swamped: wider yet
        if not _smooth_at(g, x, gx, wide, None, settings, estimate.roundoff):
            break  # a kink or a bend within ±H: a wide step would be wrong another way
        if abs(d_wide - d_half) <= tolerance(settings, d_half) / 4:
            estimate.notes.append(
                f"step widened to h = {fmt(wide / 2)}: at h = {fmt(first)} round-off "
                f"(±{fmt(estimate.noise, 2)}) swamped the difference"
            )
            estimate.numeric, estimate.step, estimate.noise = d_half, wide / 2, noise_half
            estimate.settled, estimate.doubt = True, ""
            return
        break
    # Not settled by agreement: keep the step with the least total error
    # (round-off + truncation, where g is smooth), so the row shows the best
    # numeric value there is, and settles if round-off is all that is left.
    best: tuple[float, float, float, float] | None = None  # (error, step, estimate, noise)
    for step, d, noise in [(first, estimate.numeric, estimate.noise), *tried]:
        truncation = _truncation(g, x, gx, step, d, settings, estimate.roundoff)
        if truncation is not None and (best is None or noise + truncation < best[0]):
            best = (noise + truncation, step, d, noise)
    if best is not None:
        error, step, d, noise = best
        if step != first:
            estimate.notes.append(
                f"step widened to h = {fmt(step)}: at h = {fmt(first)} round-off "
                f"(±{fmt(estimate.noise, 2)}) swamped the difference"
            )
            estimate.numeric, estimate.step, estimate.noise = d, step, noise
        if 3 * (error - noise) <= tolerance(settings, d) / 4 + 2 * noise:  # |D(2h) − D(h)|
            # Round-off is all the doubt there is, and the verdict allows for it.
            estimate.settled, estimate.doubt = True, ""
            return
    estimate.doubt = (
        f"round-off: at h = {fmt(estimate.step)} the difference is only good to "
        f"±{fmt(estimate.noise, 2)}, and no step over which the output is smooth brings "
        "that under the tolerance"
    )


def _truncation(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    d: float,
    settings: Settings,
    roundoff: float,
) -> float | None:
    """D(h)'s truncation error, about |D(2h) − D(h)|/3 (it grows like h²); None if g
    is not smooth or not defined over ±2h."""
    gp, _ = try_at(g, x + 2 * h)
    gm, _ = try_at(g, x - 2 * h)
    if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
        return None
    if not _smooth_at(g, x, gx, 2 * h, None, settings, roundoff):
        return None
    return abs((gp - gm) / ((x + 2 * h) - (x - 2 * h)) - d) / 3


def one_sided(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    side: float,
    why: str,
    settings: Settings,
    roundoff: float,
) -> Estimate:
    """A second-order one-sided difference, when one side is outside the domain.

    (−3g(x) + 4g(x+h) − g(x+2h)) / 2h, mirrored for the left side; confirmed
    like `refine` does, by a tenfold smaller step.
    """
    where = "x − h" if side > 0 else "x + h"
    note = f"one-sided difference: the output is undefined at {where} ({why})"

    def at(step: float) -> tuple[float, float] | None:
        g1, _ = try_at(g, x + side * step)
        g2, _ = try_at(g, x + side * 2 * step)
        if g1 is None or g2 is None or not (math.isfinite(g1) and math.isfinite(g2)):
            return None
        numeric = side * (-3 * gx + 4 * g1 - g2) / (2 * step)
        return numeric, 4 * noise_at(step, roundoff, gx, g1, g2)

    first = at(h)
    if first is None:
        return Estimate(math.nan, failure=f"the output is undefined at {where} ({why})")
    estimate = Estimate(first[0], noise=first[1], notes=[note], step=h, kind="one-sided")
    estimate.roundoff, estimate.shrunk = roundoff, True
    estimate.doubt = "the one-sided difference did not settle as the step shrank"
    step, (d, noise) = h, first
    for _ in range(_MAX_REFINES):
        smaller = at(step / 10)
        if smaller is None or smaller[1] > tolerance(settings, smaller[0]) / 4:
            break
        settled = abs(smaller[0] - d) <= tolerance(settings, smaller[0]) / 4
        if settled and step == h:
            estimate.settled, estimate.doubt = True, ""
            return estimate  # the first step was already good
        step, (d, noise) = step / 10, smaller
        if settled:
            estimate.settled, estimate.doubt = True, ""
            break
    if step != h:
        estimate.numeric, estimate.step, estimate.noise = d, step, noise
        estimate.notes.append(f"one-sided step refined to h = {fmt(step)}")
    return estimate


def _smooth_at(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    slopes: tuple[float, float, float] | None,
    settings: Settings,
    roundoff: float,
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
        noise = noise_at(h, roundoff, gp, gm, gx)
    else:
        left, right, noise = slopes
    gap = right - left
    if abs(gap) <= max(settings.atol + settings.rtol * max(abs(left), abs(right)), 16 * noise):
        return True  # the slopes agree to within the check's own tolerance
    for k in (2, 4):
        step = h / k
        if (x + step) - (x - step) < step:
            return False  # below x's last digits: no slope can be measured this close
        gp, _ = try_at(g, x + step)
        gm, _ = try_at(g, x - step)
        if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
            return False
        # The slope gap at h/k, times k: the same as at h for a smooth g (both are
        # h·g''). Written without h², which underflows to 0 for h below 1e-162.
        scaled_gap = k * (((gp - gx) - (gx - gm)) / step)
        if abs(scaled_gap - gap) > 0.25 * abs(gap) + 16 * noise * k * k:
            return False
    return True


def kink_test(
    g: Callable[[float], float],
    x: float,
    gx: float,
    h: float,
    slopes: tuple[float, float, float],
    settings: Settings,
    roundoff: float = 0.0,
) -> tuple[str, float]:
    """Classify g near x as "smooth", "kink", or "rough" (smooth only at a smaller step).

    "rough" is a function that bends sharply within ±h (log x just above
    x = h), or a kink near x but not at it (relu at x = 0.3h): smooth at x.
    Also returns the step at which g looked smooth (nan for a kink).
    """
    if _smooth_at(g, x, gx, h, slopes, settings, roundoff):
        return "smooth", h
    smaller = h
    for _ in range(2):
        if smaller_step(smaller, x) >= smaller:
            break
        smaller = smaller_step(smaller, x)
        if _smooth_at(g, x, gx, smaller, None, settings, roundoff):
            return "rough", smaller
    return "kink", math.nan


def near_estimate(
    g: Callable[[float], float], x: float, gx: float, estimate: Estimate, settings: Settings
) -> Estimate | None:
    """The central difference at the smaller step where a rough g is smooth, settled.

    For relu at x = 3e-7 the default step crosses the kink, but at h = 3e-8 the
    slope on x's own side can be measured: it is what x's derivative must be.
    """
    h = estimate.smooth_step
    if not estimate.rough or not math.isfinite(h):
        return None
    gp, _ = try_at(g, x + h)
    gm, _ = try_at(g, x - h)
    if gp is None or gm is None or not (math.isfinite(gp) and math.isfinite(gm)):
        return None
    near = Estimate((gp - gm) / ((x + h) - (x - h)), step=h, roundoff=estimate.roundoff)
    near.noise = noise_at(h, estimate.roundoff, gp, gm, gx)
    refine(g, x, gx, near, settings)
    return near
