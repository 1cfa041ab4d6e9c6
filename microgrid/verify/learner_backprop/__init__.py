"""Check your own backprop: a learner's NumPy gradients against the graph's, entry by entry.

The course's learners write their backward pass by hand (dZ2 = A2 − Y,
dW1 = dZ1 Xᵀ / m, ...). `check_backprop` runs their forward code unchanged on
arrays of Values, backprops, and says which entry of which gradient is wrong,
and why (a transposed shape, a missing 1/m, tanh′ written as A1, ...).
`gradient_difference` is the course's own one-number check beside it.
`check_update` checks a learner's optimizer step (course 2: gradient descent,
momentum, Adam) against microgrid's `optim`, and names the slip.

The parts: `parameters` (the learner's dicts, as Values), `arrays` (matrix
products as n-ary nodes), `learner` (running their code, naming their line),
`diagnosis` (the hints), `regularization` (course 2's L2 and dropout slips),
`report` and `html` (what is shown), `difference` (central differences),
`check` (the two functions), `update` (`check_update`).
"""

from microgrid.verify.learner_backprop.check import (
    LearnerCodeError,
    check_backprop,
    gradient_difference,
)
from microgrid.verify.learner_backprop.difference import GradientDifference
from microgrid.verify.learner_backprop.learner import CodeLine, LearnerError
from microgrid.verify.learner_backprop.report import BackpropReport, GradientCheck, WrongEntry
from microgrid.verify.learner_backprop.update import ParameterSteps, UpdateReport, check_update

__all__ = [
    "BackpropReport",
    "CodeLine",
    "GradientCheck",
    "GradientDifference",
    "LearnerCodeError",
    "LearnerError",
    "ParameterSteps",
    "UpdateReport",
    "WrongEntry",
    "check_backprop",
    "check_update",
    "gradient_difference",
]
