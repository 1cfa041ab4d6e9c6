"""microgrid: a tiny scalar autograd engine for learning backpropagation.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)
"""

from microgrid import _old_paths, nn
from microgrid.apps.explorer import explore
from microgrid.compiled import CompiledStep, compile  # noqa: A004 - microgrid.compile, like torch.compile
from microgrid.course import datasets, logistic, networks
from microgrid.course.logistic import LogisticRegression
from microgrid.course.networks import NeuralNetwork
from microgrid.engine import (
    GraphStats,
    Primitive,
    Value,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    dot,
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
    sum,  # noqa: A004 - microgrid.sum: one n-ary node, like torch.sum
    topological_order,
    value_derivatives,
)
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
from microgrid.verify import testing
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

__version__ = "0.1.0"

__all__ = [
    "BackpropReport",
    "CompiledStep",
    "Explanation",
    "GradcheckError",
    "GradcheckReport",
    "GradgradcheckReport",
    "GradientDifference",
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
    "compile",
    "cross_entropy",
    "datasets",
    "dot",
    "draw",
    "draw_backward_steps",
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
    "sum",
    "testing",
    "topological_order",
    "value_derivatives",
    "write_flipbook",
    "write_steps",
]
