"""microgrid: a tiny scalar autograd engine for learning backpropagation.

>>> from microgrid import Value
>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
>>> J = 3 * (a + b * c)
>>> J.backward()
>>> J.value, a.delta, b.delta, c.delta
(33.0, 3.0, 6.0, 9.0)

`import microgrid` loads only the engine and its second derivatives (microgrid.higher;
no NumPy, no web server); the pictures, the checks, the course and the apps load the
first time one of their names is used (`microgrid.draw`, `from microgrid import
gradcheck`), through `__getattr__`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from microgrid import _old_paths
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
    graph_stats,
    is_grad_enabled,
    leaves,
    no_grad,
    primitive,
    replay,
    topological_order,
)

# Reachable as microgrid.X but not in __all__, so that `from microgrid import *` leaves
# Python's sum() and compile() and math's exp, log, ... alone (they take other arguments
# and return plain numbers): microgrid.compile (like torch.compile), microgrid.sum (one
# n-ary node, like torch.sum), and microgrid.exp, log, tanh, sigmoid, relu, sqrt
# (x.exp() for a Value x: what to write instead of math.exp(x), which leaves the graph).
from microgrid.engine import exp as exp
from microgrid.engine import log as log
from microgrid.engine import relu as relu
from microgrid.engine import sigmoid as sigmoid
from microgrid.engine import sqrt as sqrt
from microgrid.engine import sum as sum  # noqa: A004
from microgrid.engine import tanh as tanh

# Second derivatives: importing the layer registers backward(create_graph=True)'s recorded
# pass with the engine, so every import of microgrid has it (like the escape hook below).
from microgrid.higher import grad, hessian, hvp, jacobian, value_derivatives
from microgrid.verify import escapes as _escapes

# float(v), math.exp(v), ... on a Value while recording warn at the learner's line:
# the engine calls a hook, registered here, so that every import of microgrid (even
# `from microgrid.engine import Value`, which runs this file first) has it.
_escapes.install()

# Pickles written by microgrid 0.1.0 name microgrid.primitives, .losses and .optim.
_old_paths.install()

__version__ = "0.1.0"

# Every other public name, and the module it comes from: imported on first use.
_LAZY = {
    "explore": "microgrid.apps.notebook",
    "training_widget": "microgrid.apps.widget",
    "widget": "microgrid.apps.widget",
    "CompiledStep": "microgrid.compiled",
    "jvp": "microgrid.higher.forward",
    "compile": "microgrid.compiled",
    "LogisticRegression": "microgrid.course.logistic",
    "NeuralNetwork": "microgrid.course.networks",
    "cross_entropy": "microgrid.nn.losses",
    "hinge": "microgrid.nn.losses",
    "softmax": "microgrid.nn.losses",
    "Explanation": "microgrid.show.explain",
    "explain": "microgrid.show.explain",
    "draw_backward_steps": "microgrid.show.flipbook",
    "flipbook_html": "microgrid.show.flipbook",
    "write_flipbook": "microgrid.show.flipbook",
    "write_steps": "microgrid.show.flipbook",
    "NudgeResult": "microgrid.show.nudge",
    "nudge": "microgrid.show.nudge",
    "nudge_table": "microgrid.show.nudge",
    "GraphvizNotFoundError": "microgrid.show.render",
    "RenderError": "microgrid.show.render",
    "RenderTimeoutError": "microgrid.show.render",
    "draw": "microgrid.show.render",
    "render": "microgrid.show.render",
    "GradcheckError": "microgrid.verify.gradcheck",
    "GradcheckReport": "microgrid.verify.gradcheck",
    "GradgradcheckReport": "microgrid.verify.gradcheck",
    "gradcheck": "microgrid.verify.gradcheck",
    "gradgradcheck": "microgrid.verify.gradcheck",
    "BackpropReport": "microgrid.verify.learner_backprop",
    "GradientDifference": "microgrid.verify.learner_backprop",
    "UpdateReport": "microgrid.verify.learner_backprop",
    "check_backprop": "microgrid.verify.learner_backprop",
    "check_update": "microgrid.verify.learner_backprop",
    "gradient_difference": "microgrid.verify.learner_backprop",
}
# Modules that are public names: microgrid.nn, microgrid.optim, microgrid.datasets, ...
_LAZY_MODULES = {
    "datasets": "microgrid.course.datasets",
    "exercises": "microgrid.course.exercises",
    "logistic": "microgrid.course.logistic",
    "networks": "microgrid.course.networks",
    "nn": "microgrid.nn",
    "optim": "microgrid.nn.optim",
    "testing": "microgrid.verify.testing",
}


def __getattr__(name: str) -> Any:
    """A public name of a layer above the engine, imported the first time it is asked for."""
    if name in _LAZY_MODULES:
        found = importlib.import_module(_LAZY_MODULES[name])
    elif name in _LAZY:
        found = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'microgrid' has no attribute {name!r}")
    globals()[name] = found  # once: the next look-up is an ordinary one
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_LAZY_MODULES})


if TYPE_CHECKING:  # what type checkers and editors see; at run time, __getattr__ above
    from microgrid import nn
    from microgrid.apps.notebook import explore
    from microgrid.apps.widget import training_widget, widget
    from microgrid.compiled import CompiledStep
    from microgrid.compiled import compile as compile  # noqa: A004
    from microgrid.course import datasets, exercises, logistic, networks
    from microgrid.course.logistic import LogisticRegression
    from microgrid.course.networks import NeuralNetwork
    from microgrid.higher.forward import jvp
    from microgrid.nn import optim
    from microgrid.nn.losses import cross_entropy, hinge, softmax
    from microgrid.show.explain import Explanation, explain
    from microgrid.show.flipbook import (
        draw_backward_steps,
        flipbook_html,
        write_flipbook,
        write_steps,
    )
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
        UpdateReport,
        check_backprop,
        check_update,
        gradient_difference,
    )

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
    "UpdateReport",
    "Value",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "check_backprop",
    "check_update",
    "cross_entropy",
    "datasets",
    "dot",
    "draw",
    "draw_backward_steps",
    "escapes_allowed",
    "exercises",
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
    "training_widget",
    "value_derivatives",
    "widget",
    "write_flipbook",
    "write_steps",
]
