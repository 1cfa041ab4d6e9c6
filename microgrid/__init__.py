"""microgrid: a tiny scalar autograd engine for learning backpropagation.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)
"""

from microgrid import datasets, logistic, networks, nn, optim, testing
from microgrid.compiled import CompiledStep, compile  # noqa: A004 - microgrid.compile, like torch.compile
from microgrid.engine import (
    Primitive,
    Value,
    gc_paused,
    is_grad_enabled,
    no_grad,
    primitive,
)
from microgrid.explain import Explanation, NudgeResult, explain, nudge, nudge_table
from microgrid.explorer import explore
from microgrid.gradcheck import GradcheckError, GradcheckReport, gradcheck
from microgrid.graph import GraphStats, graph_stats, leaves, replay, topological_order
from microgrid.logistic import LogisticRegression
from microgrid.losses import cross_entropy, hinge, softmax
from microgrid.nary import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    dot,
    sum,  # noqa: A004 - microgrid.sum: one n-ary node, like torch.sum
)
from microgrid.networks import NeuralNetwork
from microgrid.ownbackprop import (
    BackpropReport,
    GradientDifference,
    check_backprop,
    gradient_difference,
)
from microgrid.render import (
    GraphvizNotFoundError,
    RenderError,
    RenderTimeoutError,
    draw,
    draw_backward_steps,
    flipbook_html,
    render,
    write_flipbook,
    write_steps,
)

__version__ = "0.1.0"

__all__ = [
    "BackpropReport",
    "CompiledStep",
    "Explanation",
    "GradcheckError",
    "GradcheckReport",
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
    "gradcheck",
    "gradient_difference",
    "graph_stats",
    "hinge",
    "is_grad_enabled",
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
    "write_flipbook",
    "write_steps",
]
