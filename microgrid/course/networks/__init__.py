"""The course's neural networks (weeks 3 and 4), three ways that give the same numbers.

- `vectorized`: the course's NumPy code, forward and backward by hand, in its notation;
- `graph`: the same network built from `microgrid.nn` Values, backprop by the chain rule;
- `NeuralNetwork(engine=...)`: either one behind `fit` / `predict` / `score`.

>>> from microgrid.course.datasets import planar
>>> from microgrid.course.networks import NeuralNetwork
>>> X, Y = planar()
>>> model = NeuralNetwork([2, 4, 1], learning_rate=1.2, iterations=1001, print_every=1000)
>>> model = model.fit(X, Y)
Cost after iteration 0: 0.693048
Cost after iteration 1000: 0.288083
"""

from microgrid.course.networks.common import Gradients
from microgrid.course.networks.graph import (
    NetworkGraph,
    cost_graph,
    graph_gradients,
    one_sample_graph,
)
from microgrid.course.networks.model import ENGINES, NeuralNetwork
from microgrid.course.networks.vectorized import (
    Cache,
    backward_propagation,
    compute_cost,
    forward_propagation,
    initialize_parameters,
    update_parameters,
    vectorized_gradients,
)

__all__ = [
    "ENGINES",
    "Cache",
    "Gradients",
    "NetworkGraph",
    "NeuralNetwork",
    "backward_propagation",
    "compute_cost",
    "cost_graph",
    "forward_propagation",
    "graph_gradients",
    "initialize_parameters",
    "one_sample_graph",
    "update_parameters",
    "vectorized_gradients",
]
