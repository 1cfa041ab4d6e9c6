"""microgrid: a tiny scalar autograd engine for learning backpropagation.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)
"""

from microgrid import _old_paths, nn
from microgrid.apps.notebook import explore
from microgrid.compiled import CompiledStep

# Reachable as microgrid.X but not in __all__, so that `from microgrid import *` leaves
# Python's sum() and compile() and math's exp, log, ... alone (they take other arguments
# and return plain numbers): microgrid.compile (like torch.compile), microgrid.sum (one
# n-ary node, like torch.sum), and microgrid.exp, log, tanh, sigmoid, relu, sqrt
# (x.exp() for a Value x: what to write instead of math.exp(x), which leaves the graph).
from microgrid.compiled import compile as compile  # noqa: A004
from microgrid.course import datasets, logistic, networks
from microgrid.course.logistic import LogisticRegression
from microgrid.course.networks import NeuralNetwork
from microgrid.engine import (
    GraphEscapeWarning,
    GraphStats,
    Primitive,
    Value,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    dot,
    escapes_allowed,
    gc_paused,
    grad,
    graph_stats,
    hessian,
    hvp,
    is_grad_enabled,
    jacobian,
    jvp,
    leaves,
    no_grad,
    primitive,
    replay,
    topological_order,
    value_derivatives,
)
from microgrid.engine import exp as exp
from microgrid.engine import log as log
from microgrid.engine import relu as relu
from microgrid.engine import sigmoid as sigmoid
from microgrid.engine import sqrt as sqrt
from microgrid.engine import sum as sum  # noqa: A004
from microgrid.engine import tanh as tanh
from microgrid.nn import optim
from microgrid.nn.losses import cross_entropy, hinge, softmax
from microgrid.show.explain import Explanation, explain
from microgrid.show.flipbook import draw_backward_steps, flipbook_html, write_flipbook, write_steps
from microgrid.show.nudge import NudgeResult, nudge, nudge_table
from microgrid.show.render import (
    GraphvizNotFoundError,
    RenderError,
    RenderTimeoutError,
    draw,
    render,
)
from microgrid.verify import escapes, testing
from microgrid.verify.gradcheck import (
    GradcheckError,
    GradcheckReport,
    GradgradcheckReport,
    gradcheck,
    gradgradcheck,
)
from microgrid.verify.learner_backprop import (
    BackpropReport,
    GradientDifference,
    check_backprop,
    gradient_difference,
)

# `import microgrid.logistic`, `microgrid.optim`, ... (the 0.1.0 paths) still work.
_old_paths.install()

# float(v), math.exp(v), ... on a Value while recording warn at the learner's line:
# the engine calls a hook, registered here, so that any import of microgrid has it.
escapes.install()

__version__ = "0.1.0"

__all__ = [
    "BackpropReport",
    "CompiledStep",
    "Explanation",
    "GradcheckError",
    "GradcheckReport",
    "GradgradcheckReport",
    "GradientDifference",
    "GraphEscapeWarning",
    "GraphStats",
    "GraphvizNotFoundError",
    "LogisticRegression",
    "NeuralNetwork",
    "NudgeResult",
    "Primitive",
    "RenderError",
    "RenderTimeoutError",
    "Value",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "check_backprop",
    "cross_entropy",
    "datasets",
    "dot",
    "draw",
    "draw_backward_steps",
    "escapes_allowed",
    "explain",
    "explore",
    "flipbook_html",
    "gc_paused",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradient_difference",
    "graph_stats",
    "hessian",
    "hinge",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "leaves",
    "logistic",
    "networks",
    "nn",
    "no_grad",
    "nudge",
    "nudge_table",
    "optim",
    "primitive",
    "render",
    "replay",
    "softmax",
    "testing",
    "topological_order",
    "value_derivatives",
    "write_flipbook",
    "write_steps",
]

# The notebook widget and the exercises the engine grades (issue 23). The widget
# imports anywidget (the `widget` extra) only when it is called.
from microgrid.apps.widget import training_widget, widget  # noqa: E402 - after the block above
from microgrid.course import exercises  # noqa: E402

__all__ += ["exercises", "training_widget", "widget"]
