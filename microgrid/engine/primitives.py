"""The primitive ops: each op's forward value and local derivatives, side by side.

A primitive is a function from input numbers to (value, local derivatives):
``mul(x, y)`` is ``x * y, (y, x)``. This module is only the math; it knows
nothing about nodes. `microgrid.engine` records a node each time a primitive is
applied to Values, and its backward pass multiplies these local derivatives
along the graph (the chain rule).

>>> mul.forward(3.0, 2.0)
(6.0, (2.0, 3.0))
>>> sigmoid.forward(0.0)
(0.5, (0.25,))
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, overload

Forward = Callable[..., tuple[float, Sequence[float]]]


# ---------------------------------------------------------------------------
# Primitives: each op's forward value and local derivatives, side by side.
# ---------------------------------------------------------------------------


class Primitive(str):
    """An op: a function from input numbers to (value, local derivatives).

    A Primitive *is* its name (``node.op == "*"``), and also carries the math:
    ``forward(*inputs)`` returns the value and one ∂value/∂input per input, and
    ``formula`` writes the op with its inputs, e.g. ``"{0} · {1}"``.
    Calling a Primitive on Values records a node:

    >>> from microgrid import Value
    >>> mul(Value(3.0), 2).value
    6.0
    """

    forward: Forward
    formula: str | None
    name_in_module: str
    # Installed by value.py, which records the node: the math never imports the
    # node, so this module has no import of the engine, not even for type hints
    # (a call on Values returns a Value; here it is typed Any).
    record: ClassVar[Callable[[Primitive, Sequence[Any]], Any]]

    def __new__(cls, name: str, forward: Forward, formula: str | None = None) -> Primitive:
        op = super().__new__(cls, name)
        op.forward = forward
        op.formula = formula
        # Where `@primitive` put it (e.g. microgrid.engine.mul): pickle finds it there.
        op.__module__ = getattr(forward, "__module__", None) or __name__
        op.name_in_module = getattr(forward, "__qualname__", name)
        return op

    def __call__(self, *operands: Any) -> Any:
        return Primitive.record(self, operands)

    def __reduce__(self) -> str:
        # Pickled by reference, like a function: the decorated name refers to this op.
        return self.name_in_module


@overload
def primitive(
    function: Forward, *, name: str | None = None, formula: str | None = None
) -> Primitive: ...


@overload
def primitive(
    function: None = None, *, name: str | None = None, formula: str | None = None
) -> Callable[[Forward], Primitive]: ...


def primitive(
    function: Forward | None = None, *, name: str | None = None, formula: str | None = None
) -> Primitive | Callable[[Forward], Primitive]:
    """Turn ``f(x, ...) -> (value, (∂f/∂x, ...))`` into an op on Values.

    This is how every built-in op is defined, and how you add your own:

    >>> from microgrid import Value
    >>> @primitive
    ... def cube(x):
    ...     return x ** 3, (3 * x ** 2,)
    >>> y = cube(Value(2.0, label="x"))
    >>> y.value, y.op, y.local_derivatives
    (8.0, 'cube', (12.0,))
    """

    def make(forward: Forward) -> Primitive:
        return Primitive(name or forward.__name__, forward, formula)

    return make if function is None else make(function)


@primitive(name="+", formula="{0} + {1}")
def add(x: float, y: float) -> tuple[float, tuple[float, float]]:
    return x + y, (1.0, 1.0)


@primitive(name="-", formula="{0} − {1}")
def sub(x: float, y: float) -> tuple[float, tuple[float, float]]:
    return x - y, (1.0, -1.0)


@primitive(name="*", formula="{0} · {1}")
def mul(x: float, y: float) -> tuple[float, tuple[float, float]]:
    return x * y, (y, x)


@primitive(name="/", formula="{0} / {1}")
def div(x: float, y: float) -> tuple[float, tuple[float, float]]:
    if y == 0:
        raise ZeroDivisionError("division by zero")
    # ∂/∂y = −x/y², computed as −(x/y)/y: y² on its own loses digits once it is
    # subnormal (|y| < 1.5e-154) and rounds to inf for |y| > 1.3e154, where the
    # slope is still an ordinary number (x = 1e300, y = 1e160: −1e-20).
    value = x / y
    return value, (1.0 / y, -value / y)


@primitive(name="**", formula="{0}^{1}")
def power(x: float, y: float) -> tuple[float, tuple[float, float]]:
    if x == 0 and y < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if x < 0 and not float(y).is_integer():
        raise ValueError("a negative base needs a whole-number exponent")
    value = _ieee_pow(x, y)
    # d/dx x^y = y·x^(y-1); at x = 0 with 0 < y < 1 the slope is infinite (x^0 is flat).
    # x^0 = 1 is flat everywhere (even at x = 0, NaN or a subnormal, where 0 · x^-1 is NaN).
    if y == 0:
        d_base = 0.0
    elif x != 0 or y >= 1:
        d_base = y * _ieee_pow(x, y - 1)
    else:
        d_base = math.inf
    # d/dy x^y = x^y·ln x; its limit is 0 at x = 0, undefined for x < 0.
    d_exponent = value * math.log(x) if x > 0 else (0.0 if x == 0 else math.nan)
    return value, (d_base, d_exponent)


@primitive(name="neg", formula="−{0}")
def neg(x: float) -> tuple[float, tuple[float]]:
    return -x, (-1.0,)


@primitive(formula="exp({0})")
def exp(x: float) -> tuple[float, tuple[float]]:
    value = _ieee_exp(x)
    return value, (value,)


@primitive(formula="log({0})")
def log(x: float) -> tuple[float, tuple[float]]:
    if x <= 0:
        raise ValueError("log is defined only for values > 0")
    return math.log(x), (1.0 / x,)


@primitive(formula="σ({0})")
def sigmoid(x: float) -> tuple[float, tuple[float]]:
    # Two forms so that exp never overflows: exp(-x) for x >= 0, exp(x) below.
    if x >= 0:
        value = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        value = e / (1.0 + e)
    return value, (value * (1.0 - value),)


@primitive(formula="tanh({0})")
def tanh(x: float) -> tuple[float, tuple[float]]:
    value = math.tanh(x)
    return value, (1.0 - value * value,)


@primitive(formula="relu({0})")
def relu(x: float) -> tuple[float, tuple[float]]:
    # At exactly 0 we use slope 0, as PyTorch does (relu has a kink there).
    # NaN propagates: relu(NaN) is NaN (x > 0 and x <= 0 are both false for it).
    if x > 0:
        return x, (1.0,)
    return (0.0, (0.0,)) if x <= 0 else (x, (0.0,))


@primitive(formula="sqrt({0})")
def sqrt(x: float) -> tuple[float, tuple[float]]:
    if x < 0:
        raise ValueError("sqrt is defined only for values >= 0")
    value = math.sqrt(x)
    return value, (0.5 / value if value else math.inf,)


@primitive(name="abs", formula="|{0}|")
def absolute(x: float) -> tuple[float, tuple[float]]:
    # Slope 0 at the kink x = 0, as PyTorch does.
    return abs(x), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)


@primitive(name="sum")
def summation(*xs: float) -> tuple[float, tuple[float, ...]]:
    return exact_sum(xs), (1.0,) * len(xs)


@primitive(name="dot")
def dot_product(*ws_then_xs: float) -> tuple[float, tuple[float, ...]]:
    # Inputs are w1..wn then x1..xn; ∂/∂wi = xi and ∂/∂xi = wi.
    n = len(ws_then_xs) // 2
    ws, xs = ws_then_xs[:n], ws_then_xs[n:]
    try:
        value = math.fsum(map(operator.mul, ws, xs))
    except (OverflowError, ValueError):  # where fsum raises, IEEE's inf or NaN
        value = exact_sum(list(map(operator.mul, ws, xs)))
    return value, xs + ws


@primitive(name="bce", formula="−({1}·log {0} + (1−{1})·log(1−{0}))")
def bce(a: float, y: float) -> tuple[float, tuple[float, float]]:
    # The seed's loss L(a, y). a must lie strictly inside (0, 1) unless the
    # label makes the offending term vanish (y = 1 needs only a > 0, etc.).
    if (a <= 0 and y != 0) or (a >= 1 and y != 1):
        raise ValueError(
            "bce needs 0 < a < 1 (a saturated sigmoid?); "
            "use binary_cross_entropy_with_logits(z, y) for a stable loss"
        )
    log_a = math.log(a) if y != 0 else 0.0
    log_1_minus_a = math.log1p(-a) if y != 1 else 0.0
    value = -(y * log_a + (1 - y) * log_1_minus_a)
    # ∂L/∂a = −y/a + (1−y)/(1−a), skipping a term whose label weight is 0.
    d_a = (-y / a if y != 0 else 0.0) + ((1 - y) / (1 - a) if y != 1 else 0.0)
    # ∂L/∂y = log(1−a) − log(a) needs both logs even where y zeroed one term
    # out of the value (gradcheck found this); ±inf when a sits on 0 or 1.
    d_y = (math.log1p(-a) if a < 1 else -math.inf) - (math.log(a) if a > 0 else -math.inf)
    return value, (d_a, d_y)


@primitive(name="bce_with_logits", formula="bce(σ({0}), {1})")
def bce_with_logits(z: float, y: float) -> tuple[float, tuple[float, float]]:
    # L = max(z, 0) − z·y + log(1 + e^−|z|): never overflows, exact for |z| ~ 1000.
    # Written so that no two terms cancel (z = 17, y = 0.99999: 17 − 16.99983 would
    # lose 5 digits), one form for each sign of z.
    if z >= 0:
        value = z * (1.0 - y) + math.log1p(math.exp(-z))
    else:
        value = -z * y + math.log1p(math.exp(z))
    # dL/dz = σ(z) − y, written as (1 − y)·σ(z) − y·σ(−z): for y = 1 and z = 37,
    # σ(z) − 1 would round to 0 while −σ(−z) keeps its 16 digits.
    a, _ = sigmoid.forward(z)
    one_minus_a, _ = sigmoid.forward(-z)
    return value, ((1.0 - y) * a - y * one_minus_a, -z)


def exact_sum(terms: Sequence[float]) -> float:
    """The exact sum of the terms, rounded once (math.fsum), with IEEE's inf and NaN.

    fsum itself raises where `+` gives inf or NaN; this does not:

    >>> exact_sum([0.1] * 10), exact_sum([1e308, 1e308]), exact_sum([math.inf, -math.inf])
    (1.0, inf, nan)
    >>> exact_sum([1e308, 1e308, -1e308])  # exact: the partial sums' overflow is not kept
    1e+308
    """
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):
        pass  # inf + -inf, or finite terms whose partial sums leave the float range
    if any(x != x for x in terms):
        return math.nan
    infinities = {x for x in terms if math.isinf(x)}
    if infinities:
        return math.nan if len(infinities) == 2 else infinities.pop()
    # Every term is a whole multiple of 2^-1074 (the smallest float), so the
    # sum is an exact integer count of them; int / int rounds once, correctly.
    scale = 1 << 1074
    total = 0
    for x in terms:
        numerator, denominator = x.as_integer_ratio()
        total += numerator * (scale // denominator)
    try:
        return total / scale
    except OverflowError:  # the exact sum lies beyond the largest float
        return math.inf if total > 0 else -math.inf


def _ieee_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _ieee_pow(x: float, y: float) -> float:
    try:
        return float(x**y)
    except OverflowError:
        negative = x < 0 and float(y).is_integer() and int(y) % 2 == 1
        return -math.inf if negative else math.inf
