"""Logistic regression three ways: the Value graph, the seed's loop, vectorized NumPy.

The seed's conventions: samples are columns, X has shape (n, m), Y has shape
(1, m), w has shape (n, 1) and b is a plain number. For one sample x:

    z = wᵀx + b,   a = σ(z),   L(a, y) = −(y·log a + (1 − y)·log(1 − a))

and the cost is J = (1/m) Σ L(a⁽ⁱ⁾, y⁽ⁱ⁾). The three ways compute the same
J, dw = dJ/dw and db = dJ/db:

- `graph`: `cost_graph` / `graph_gradients`, Value nodes, backprop by the chain rule;
- `loop`: `loop_gradients`, the seed's pseudo-code, plain Python floats, two loops;
- `vectorized`: `vectorized_gradients`, A = σ(wᵀX + b), dZ = A − Y, dw = X dZᵀ / m.

`descent` repeats any of them (`gradient_descent`), `model` wraps that in
`LogisticRegression`, `pictures` draws the learning curve and the weights, and
`run` is the `microgrid logreg` command; `common` holds what they share.

>>> import numpy as np
>>> X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
>>> w, b = np.array([[1.0], [2.0]]), 2.0
>>> round(vectorized_gradients(X, Y, w, b).cost, 6)
5.801545
>>> round(loop_gradients(X, Y, w, b).cost, 6), round(graph_gradients(X, Y, w, b).cost, 6)
(5.801545, 5.801545)
"""

from microgrid.course.logistic.common import ENGINES, Gradients
from microgrid.course.logistic.descent import Descent, gradient_descent
from microgrid.course.logistic.graph import (
    CostGraph,
    cost_graph,
    graph_gradients,
    single_example,
)
from microgrid.course.logistic.loop import loop_gradients
from microgrid.course.logistic.model import LogisticRegression
from microgrid.course.logistic.pictures import plot_costs, save_weights_image
from microgrid.course.logistic.run import run_logreg
from microgrid.course.logistic.vectorized import vectorized_gradients

__all__ = [
    "ENGINES",
    "CostGraph",
    "Descent",
    "Gradients",
    "LogisticRegression",
    "cost_graph",
    "gradient_descent",
    "graph_gradients",
    "loop_gradients",
    "plot_costs",
    "run_logreg",
    "save_weights_image",
    "single_example",
    "vectorized_gradients",
]
