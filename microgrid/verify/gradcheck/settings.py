"""gradcheck's settings (step, tolerances, method), checked once at the door.

>>> Settings.validated(1e-6, 1e-5, 1e-3, "central").close(12.0, 12.00001)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from microgrid.engine.evaluate import is_number as is_real_number

METHODS = ("central", "forward", "richardson")


EPSILON = 2.0**-52  # spacing of floats near 1: the scale of round-off error


@dataclass(frozen=True)
class Settings:
    eps: float
    atol: float
    rtol: float
    method: str

    @staticmethod
    def validated(eps: object, atol: object, rtol: object, method: object) -> Settings:
        for name, x in (("eps", eps), ("atol", atol), ("rtol", rtol)):
            if not is_number(x):
                raise TypeError(f"gradcheck: {name} must be a number, got {x!r}")
        assert isinstance(eps, (int, float)) and isinstance(atol, (int, float))
        assert isinstance(rtol, (int, float))
        if not 0 < eps < math.inf:
            raise ValueError(f"gradcheck: eps must be a positive step, got {eps!r}")
        if eps >= 1:
            raise ValueError(f"gradcheck: eps={eps!r} is not a small step; try 1e-6")
        if eps < EPSILON:  # x + eps·max(1, |x|) would round back to x
            raise ValueError(
                f"gradcheck: eps={eps!r} is below float precision ({EPSILON:.1e}): "
                "x + h would equal x; try 1e-6"
            )
        for name, x in (("atol", atol), ("rtol", rtol)):
            if not 0 <= x < math.inf:
                raise ValueError(f"gradcheck: {name} must be a number >= 0, got {x!r}")
        if method not in METHODS:
            raise ValueError(f"gradcheck: method must be one of {METHODS}, got {method!r}")
        assert isinstance(method, str)
        return Settings(float(eps), float(atol), float(rtol), method)

    def close(self, analytic: float, numeric: float) -> bool:
        return abs(analytic - numeric) <= self.atol + self.rtol * abs(numeric)


def is_number(x: object) -> bool:
    return is_real_number(x) and not isinstance(x, bool)


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
