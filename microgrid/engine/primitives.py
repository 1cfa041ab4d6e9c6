"""The primitive ops: each op's forward value and local derivatives, side by side.

Read after node.py; backprop.py comes next, then value.py.

A primitive is a function from input numbers to (value, local derivatives):
``mul_forward(x, y)`` is ``x * y, (y, x)``. This module is only the math; it
knows nothing about nodes. `Value`'s operators (value.py) call these functions
by name (compiled, that is a direct C call on unboxed floats), and its backward
pass multiplies the local derivatives along the graph (the chain rule).

>>> mul.forward(3.0, 2.0)
(6.0, (2.0, 3.0))
>>> sigmoid.forward(0.0)
(0.5, (0.25,))
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from typing import Any, Final, overload

from mypy_extensions import mypyc_attr

__all__ = ["Forward", "Primitive", "op_named", "primitive"]

Forward = Callable[..., tuple[float, Sequence[float]]]


# ---------------------------------------------------------------------------
# The Primitive: an op, carrying its math. An op is itself: compared and
# hashed by identity, so tables are keyed by the op object.
# ---------------------------------------------------------------------------


@mypyc_attr(allow_interpreted_subclasses=True)
class Primitive:
    """An op: ``forward(*inputs)`` gives the value and one ∂value/∂input per input.

    ``formula`` writes it with its inputs (``"{0} · {1}"``); ``built_in`` marks
    microgrid's own. An op equals only itself (``node.op is mul``; its name is
    ``str(node.op)``), so a user's op called ``exp`` is never the built-in one:

    >>> mul, str(mul), mul.built_in, mul == "*"
    (<op '*'>, '*', True, False)
    """

    name: str
    forward: Forward
    formula: str | None
    built_in: bool
    module: str  # where `@primitive` put it (pickle finds it there)
    name_in_module: str

    def __init__(
        self, name: str, forward: Forward, formula: str | None = None, *, built_in: bool = False
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a primitive's name must be a str, got {type(name).__name__}")
        self.name = str(name)
        self.forward = forward
        self.formula = formula
        self.built_in = built_in
        self.module = str(getattr(forward, "__module__", None) or __name__)
        self.name_in_module = str(getattr(forward, "__qualname__", None) or name)

    def __call__(self, *operands: Any) -> Any:
        """Record a node (value.py installs the recorder: the math never imports the node)."""
        if not recorders:
            raise RuntimeError("import microgrid.engine to record nodes")
        return recorders[0](self, operands)

    # -- an op prints as its name --------------------------------------------

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<op {self.name!r}>"

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)

    def __bool__(self) -> bool:
        return self.name != ""  # only the leaf's "op" is empty

    # -- copied and pickled by reference, like a function ---------------------

    def __reduce__(self) -> tuple[Any, ...]:
        return (op_named, (self.module, self.name_in_module))

    def __copy__(self) -> Primitive:
        return self

    def __deepcopy__(self, memo: object) -> Primitive:
        return self


Recorder = Callable[[Primitive, Sequence[Any]], Any]
# value.py appends its `record`: calling a primitive on Values (`mul(x, 2)`) records a node.
recorders: list[Recorder] = []


def op_named(module: str, name: str) -> Primitive:
    """The primitive defined as `name` in `module` (how a pickled op is found again)."""
    found: object = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    if not isinstance(found, Primitive):
        raise TypeError(f"{module}.{name} is {type(found).__name__}, not a microgrid primitive")
    return found


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

    This is how you add your own op (the built-in ones below are made the same
    way, from a plain function, and marked built_in):

    >>> from microgrid import Value
    >>> @primitive
    ... def cube(x):
    ...     return x ** 3, (3 * x ** 2,)
    >>> y = cube(Value(2.0, label="x"))
    >>> y.value, y.op, y.local_derivatives
    (8.0, <op 'cube'>, (12.0,))
    """

    def make(forward: Forward) -> Primitive:
        return Primitive(name or forward.__name__, forward, formula)

    return make if function is None else make(function)


# ---------------------------------------------------------------------------
# The built-in ops: each op's math, value and local derivatives side by side.
# ---------------------------------------------------------------------------


def add_forward(x: float, y: float) -> tuple[float, tuple[float, float]]:
    return x + y, (1.0, 1.0)


def sub_forward(x: float, y: float) -> tuple[float, tuple[float, float]]:
    return x - y, (1.0, -1.0)


def mul_forward(x: float, y: float) -> tuple[float, tuple[float, float]]:
    return x * y, (y, x)


def div_forward(x: float, y: float) -> tuple[float, tuple[float, float]]:
    if y == 0:
        raise ZeroDivisionError("division by zero")
    # ∂/∂y = −x/y², computed as −(x/y)/y: y² on its own loses digits once it is
    # subnormal (|y| < 1.5e-154) and rounds to inf for |y| > 1.3e154, where the
    # slope is still an ordinary number (x = 1e300, y = 1e160: −1e-20).
    value = x / y
    return value, (1.0 / y, -value / y)


def power_forward(x: float, y: float) -> tuple[float, tuple[float, float]]:
    if x == 0 and y < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if x < 0 and not float(y).is_integer():
        raise ValueError("a negative base needs a whole-number exponent")
    value = ieee_pow(x, y)
    # d/dx x^y = y·x^(y-1); at x = 0 with 0 < y < 1 the slope is infinite (x^0 is flat).
    # x^0 = 1 is flat everywhere (even at x = 0, NaN or a subnormal, where 0 · x^-1 is NaN).
    if y == 0:
        d_base = 0.0
    elif x != 0 or y >= 1:
        d_base = y * ieee_pow(x, y - 1)
    else:
        d_base = math.inf
    # d/dy x^y = x^y·ln x; its limit is 0 at x = 0, undefined for x < 0.
    d_exponent = value * math.log(x) if x > 0 else (0.0 if x == 0 else math.nan)
    return value, (d_base, d_exponent)


def neg_forward(x: float) -> tuple[float, tuple[float]]:
    return -x, (-1.0,)


def exp_forward(x: float) -> tuple[float, tuple[float]]:
    value = ieee_exp(x)
    return value, (value,)


def log_forward(x: float) -> tuple[float, tuple[float]]:
    if x <= 0:
        raise ValueError("log is defined only for values > 0")
    return math.log(x), (1.0 / x,)


def sigmoid_forward(x: float) -> tuple[float, tuple[float]]:
    # Two forms so that exp never overflows: exp(-x) for x >= 0, exp(x) below.
    if x >= 0:
        value = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        value = e / (1.0 + e)
    return value, (value * (1.0 - value),)


def tanh_forward(x: float) -> tuple[float, tuple[float]]:
    value = math.tanh(x)
    return value, (1.0 - value * value,)


def relu_forward(x: float) -> tuple[float, tuple[float]]:
    # At exactly 0 we use slope 0, as PyTorch does (relu has a kink there).
    # NaN propagates: relu(NaN) is NaN (x > 0 and x <= 0 are both false for it).
    if x > 0:
        return x, (1.0,)
    return (0.0, (0.0,)) if x <= 0 else (x, (0.0,))


def sqrt_forward(x: float) -> tuple[float, tuple[float]]:
    if x < 0:
        raise ValueError("sqrt is defined only for values >= 0")
    value = math.sqrt(x)
    return value, (0.5 / value if value else math.inf,)


def abs_forward(x: float) -> tuple[float, tuple[float]]:
    # Slope 0 at the kink x = 0, as PyTorch does.
    return abs(x), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)


def sum_forward(*xs: float) -> tuple[float, tuple[float, ...]]:
    return exact_sum(xs), (1.0,) * len(xs)


def dot_forward(*ws_then_xs: float) -> tuple[float, tuple[float, ...]]:
    # Inputs are w1..wn then x1..xn; ∂/∂wi = xi and ∂/∂xi = wi.
    n = len(ws_then_xs) // 2
    ws, xs = ws_then_xs[:n], ws_then_xs[n:]
    products = [w * x for w, x in zip(ws, xs)]  # noqa: B905 - halves
    try:
        value = math.fsum(products)
    except (OverflowError, ValueError):  # where fsum raises, IEEE's inf or NaN
        value = exact_sum(products)
    return value, xs + ws


def bce_forward(a: float, y: float) -> tuple[float, tuple[float, float]]:
    # The seed's loss L(a, y). a must lie strictly inside (0, 1) unless the
    # label makes the offending term vanish (y = 1 needs only a > 0, etc.).
    # Outside [0, 1] a is no probability (a forgotten sigmoid): refused whatever
    # the label, as PyTorch does, instead of a log that happens to be defined.
    if a < 0.0 or a > 1.0:  # (NaN goes on, as through every op)
        raise ValueError(
            f"bce needs a prediction a in [0, 1], got a = {a:g} (a forgotten sigmoid?); "
            "use binary_cross_entropy_with_logits(z, y) on the pre-activation z"
        )
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


def bce_with_logits_forward(z: float, y: float) -> tuple[float, tuple[float, float]]:
    # L = max(z, 0) − z·y + log(1 + e^−|z|): never overflows, exact for |z| ~ 1000.
    # Written so that no two terms cancel (z = 17, y = 0.99999: 17 − 16.99983 would
    # lose 5 digits), one form for each sign of z.
    if z >= 0:
        value = z * (1.0 - y) + math.log1p(math.exp(-z))
    else:
        value = -z * y + math.log1p(math.exp(z))
    # dL/dz = σ(z) − y, written as (1 − y)·σ(z) − y·σ(−z): for y = 1 and z = 37,
    # σ(z) − 1 would round to 0 while −σ(−z) keeps its 16 digits.
    a, _ = sigmoid_forward(z)
    one_minus_a, _ = sigmoid_forward(-z)
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


def leaf_forward(*inputs: float) -> tuple[float, tuple[float, ...]]:
    raise TypeError("a leaf is not computed by an op: it has no forward")


def ieee_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def ieee_pow(x: float, y: float) -> float:
    try:
        return float(x**y)
    except OverflowError:
        negative = x < 0 and float(y).is_integer() and int(y) % 2 == 1
        return -math.inf if negative else math.inf


# ---------------------------------------------------------------------------
# The ops themselves: a name, the math above, and how to write it.
#
# Each op's local derivatives are written above once, as numbers. Two more forms
# exist only because numbers cannot serve there: higher/derivative_rules.py writes them
# with Values (create_graph must record nodes, and compiled, these typed
# functions take only floats) and compiled/templates.py as source text (compile()
# writes code); tests/test_engine_core.py runs every op through all three.
# ---------------------------------------------------------------------------


def built_in(name_in_module: str, name: str, forward: Forward, formula: str | None) -> Primitive:
    op = Primitive(name, forward, formula, built_in=True)
    op.module, op.name_in_module = __name__, name_in_module
    return op


add: Final = built_in("add", "+", add_forward, "{0} + {1}")
sub: Final = built_in("sub", "-", sub_forward, "{0} − {1}")
mul: Final = built_in("mul", "*", mul_forward, "{0} · {1}")
div: Final = built_in("div", "/", div_forward, "{0} / {1}")
power: Final = built_in("power", "**", power_forward, "{0}^{1}")
neg: Final = built_in("neg", "neg", neg_forward, "−{0}")
exp: Final = built_in("exp", "exp", exp_forward, "exp({0})")
log: Final = built_in("log", "log", log_forward, "log({0})")
sigmoid: Final = built_in("sigmoid", "sigmoid", sigmoid_forward, "σ({0})")
tanh: Final = built_in("tanh", "tanh", tanh_forward, "tanh({0})")
relu: Final = built_in("relu", "relu", relu_forward, "relu({0})")
sqrt: Final = built_in("sqrt", "sqrt", sqrt_forward, "sqrt({0})")
absolute: Final = built_in("absolute", "abs", abs_forward, "|{0}|")
summation: Final = built_in("summation", "sum", sum_forward, None)
dot_product: Final = built_in("dot_product", "dot", dot_forward, None)
bce: Final = built_in("bce", "bce", bce_forward, "−({1}·log {0} + (1−{1})·log(1−{0}))")
bce_with_logits: Final = built_in(
    "bce_with_logits", "bce_with_logits", bce_with_logits_forward, "bce(σ({0}), {1})"
)
# A leaf's "op": empty, false, and equal to "" (a leaf is made by no op).
leaf: Final = built_in("leaf", "", leaf_forward, None)
