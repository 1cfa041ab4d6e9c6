"""Losses for classifiers: `softmax`, `cross_entropy` (several classes) and `hinge` (±1 labels).

Each is one primitive: its value and its local derivatives side by side, written
so that logits of ±1000 give finite values and slopes (the largest logit is
subtracted before any exp, as `torch.nn.functional.cross_entropy` does):

>>> from microgrid import Value, cross_entropy
>>> z = [Value(1000.0, label="z1"), Value(-1000.0, label="z2"), Value(0.0, label="z3")]
>>> L = cross_entropy(z, 2)
>>> L.backward()
>>> L.value, [round(zk.delta, 12) for zk in z]
(1000.0, [1.0, 0.0, -1.0])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from microgrid.engine import Operand, Value, primitive
from microgrid.higher import value_derivatives


def _softmax(logits: Sequence[float]) -> list[float]:
    """e^(z_k − max z) / Σ e^(z_j − max z): every exp is at most 1, never overflows.

    A NaN logit makes every probability NaN (max() would skip it or not, by its place);
    +inf logits share the probability 1 (the limit), and all −inf give equal shares.
    """
    if any(z != z for z in logits):
        return [math.nan] * len(logits)
    top = max(logits)
    if math.isinf(top):
        if top < 0:  # every logit −inf: no class is preferred
            return [1.0 / len(logits)] * len(logits)
        winners = [1.0 if z == top else 0.0 for z in logits]
        return [w / math.fsum(winners) for w in winners]
    exps = [math.exp(z - top) for z in logits]
    total = math.fsum(exps)
    return [e / total for e in exps]


@primitive(name="softmax")
def softmax_entry(k: float, *logits: float) -> tuple[float, tuple[float, ...]]:
    # The k-th output of softmax (k is a constant input). ∂p_k/∂z_j = p_k (δ_kj − p_j).
    index = int(k)
    p = _softmax(logits)
    if p[0] != p[0]:  # a NaN logit: NaN out, and NaN slopes (never a quiet 0)
        return math.nan, (0.0, *[math.nan] * len(logits))
    p_k = p[index]
    slopes = tuple(p_k * ((1.0 if j == index else 0.0) - p_j) for j, p_j in enumerate(p))
    return p_k, (0.0, *slopes)


@primitive(name="cross_entropy")
def cross_entropy_loss(t: float, *logits: float) -> tuple[float, tuple[float, ...]]:
    # L = log Σ e^z_j − z_t, computed as (max − z_t) + log Σ e^(z_j − max).
    # ∂L/∂z_j = softmax_j − [j = t]. t (the true class) is a constant input.
    index = int(t)
    p = _softmax(logits)
    slopes = tuple(p_j - (1.0 if j == index else 0.0) for j, p_j in enumerate(p))
    top = max(logits)
    if p[0] != p[0]:  # a NaN logit: the loss and every slope are NaN
        return math.nan, (0.0, *slopes)
    if math.isinf(top):  # L = −log p_t with softmax's limits: log(k) for one of k +inf
        return (0.0 - math.log(p[index]) if p[index] > 0 else math.inf), (0.0, *slopes)
    # log Σ e^(z_j − max) = log1p(the other terms): when the true class has the largest
    # logit, L is that small log1p, and top + log(...) − z_t would cancel its digits away
    # (z = (0, 497, 487), t = 1: L = 4.5398899216865e-05, which lost 10 digits).
    first_top = logits.index(top)
    others = math.fsum(math.exp(z - top) for j, z in enumerate(logits) if j != first_top)
    value = (top - logits[index]) + math.log1p(others)  # inf when z_t is −inf
    return value, (0.0, *slopes)


@primitive(name="hinge", formula="max(0, 1 − {1}·{0})")
def hinge_loss(score: float, y: float) -> tuple[float, tuple[float, float]]:
    # max(0, 1 − y·s): zero (and flat) once the score is on the right side by a margin of 1.
    # At the kink (y·s = 1 exactly) the slope is 0, as for relu.
    margin = 1.0 - y * score
    if margin > 0:
        return margin, (-y, -score)
    if margin != margin:  # NaN in, NaN out, and NaN slopes: `NaN > 0` must not hide it
        return math.nan, (math.nan, math.nan)
    return 0.0, (0.0, 0.0)


# The same local derivatives written with Values, so create_graph can differentiate
# them (higher/derivative_rules.py; a test checks both forms give the same numbers).


@value_derivatives(softmax_entry)
def _softmax_entry_values(node: Value, k: float, *logits: Operand) -> tuple[Operand, ...]:
    # ∂p_k/∂z_j = p_k (δ_kj − p_j), each p_j a softmax node of the same logits.
    index = int(k)
    slopes = []
    for j in range(len(logits)):
        p_j = node if j == index else softmax_entry(j, *logits)
        slopes.append(node * ((1.0 if j == index else 0.0) - p_j))
    return (0.0, *slopes)


@value_derivatives(cross_entropy_loss)
def _cross_entropy_values(node: Value, t: float, *logits: Operand) -> tuple[Operand, ...]:
    # ∂L/∂z_j = softmax_j − [j = t].
    index = int(t)
    slopes = [softmax_entry(j, *logits) - (1.0 if j == index else 0.0) for j in range(len(logits))]
    return (0.0, *slopes)


@value_derivatives(hinge_loss)
def _hinge_values(node: Value, score: Operand, y: Operand) -> tuple[Operand, Operand]:
    # −y and −score on the sloped side (each a constant or a node), 0 on the flat side.
    margin = 1.0 - (y.value if isinstance(y, Value) else y) * (
        score.value if isinstance(score, Value) else score
    )
    return (-y, -score) if margin > 0 else (0.0, 0.0)


def _check_logits(logits: Sequence[Operand], name: str) -> tuple[Operand, ...]:
    values = tuple(logits)
    if not values:
        raise ValueError(f"{name}() needs at least one logit")
    return values


def _check_class(target: object, n: int) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(
            f"cross_entropy: target must be a class index 0 … {n - 1} (an int), got {target!r}"
        )
    if not 0 <= int(target) < n:
        raise ValueError(
            f"cross_entropy: target {int(target)} is not a class index 0 … {n - 1} for {n} logits"
        )
    return int(target)


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """Probabilities p_k = e^z_k / Σ_j e^z_j, one node per class; stable for any logits.

    >>> from microgrid import Value
    >>> p = softmax([Value(2.0), Value(1.0), Value(0.1)])
    >>> [round(p_k.value, 4) for p_k in p], round(sum(p_k.value for p_k in p), 12)
    ([0.659, 0.2424, 0.0986], 1.0)
    """
    values = _check_logits(logits, "softmax")
    return [softmax_entry(k, *values).named(f"p{k + 1}") for k in range(len(values))]


def cross_entropy(logits: Sequence[Operand], target: int) -> Value:
    """L = −log softmax(z)[target]: one node; ∂L/∂z_j = p_j − [j = target].

    `target` is the true class, counting from 0 (as in PyTorch).

    >>> from microgrid import Value
    >>> z = [Value(2.0), Value(1.0), Value(0.1)]
    >>> L = cross_entropy(z, 0)
    >>> L.backward()
    >>> round(L.value, 4), [round(zk.delta, 4) for zk in z]
    (0.417, [-0.341, 0.2424, 0.0986])
    """
    values = _check_logits(logits, "cross_entropy")
    loss: Value = cross_entropy_loss(_check_class(target, len(values)), *values)
    return loss


def hinge(score: Operand, y: Operand) -> Value:
    """max(0, 1 − y·score) for a label y = ±1 (micrograd's demo loss, an SVM's).

    >>> from microgrid import Value
    >>> s = Value(0.25, label="s")
    >>> L = hinge(s, -1)
    >>> L.backward()
    >>> L.value, s.delta, hinge(Value(3.0), 1).value
    (1.25, 1.0, 0.0)
    """
    loss: Value = hinge_loss(score, y)
    return loss
