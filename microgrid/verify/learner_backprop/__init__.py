"""Check your own backprop: a learner's NumPy gradients against the graph's, entry by entry.

The course's learners write their backward pass by hand (dZ2 = A2 − Y,
dW1 = dZ1 Xᵀ / m, ...). `check_backprop` runs their forward code unchanged on
arrays of Values, backprops, and says which entry of which gradient is wrong,
and why (a transposed shape, a missing 1/m, tanh′ written as A1, ...).
`gradient_difference` is the course's own one-number check beside it.

The parts: `parameters` (the learner's dicts, as Values), `arrays` (matrix
products as n-ary nodes), `learner` (running their code, naming their line),
`diagnosis` (the hints), `report` and `html` (what is shown), `difference`
(central differences), `check` (the two functions).
"""

from microgrid.verify.learner_backprop.check import (
    LearnerCodeError,
    check_backprop,
    gradient_difference,
)
from microgrid.verify.learner_backprop.difference import GradientDifference
from microgrid.verify.learner_backprop.learner import CodeLine, LearnerError
from microgrid.verify.learner_backprop.report import BackpropReport, GradientCheck, WrongEntry

__all__ = [
    "BackpropReport",
    "CodeLine",
    "GradientCheck",
    "GradientDifference",
    "LearnerCodeError",
    "LearnerError",
    "WrongEntry",
    "check_backprop",
    "gradient_difference",
]
