"""The course's neural networks (weeks 3 and 4), three ways that give the same numbers.

- `vectorized`: the course's NumPy code, forward and backward by hand, in its notation;
- `graph`: the same network built from `microgrid.nn` Values, backprop by the chain rule;
- `optimization`: course 2's mini-batches, momentum, Adam and learning-rate decay;
- `NeuralNetwork(engine=...)`: any of them behind `fit` / `predict` / `score`, with
  course 2's initialisations, L2, dropout and optimizers.

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
from microgrid.course.networks.model import DECAYS, ENGINES, OPTIMIZERS, NeuralNetwork
from microgrid.course.networks.optimization import (
    initialize_adam,
    initialize_velocity,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from microgrid.course.networks.vectorized import (
    Cache,
    backward_propagation,
    compute_cost,
    course_loss_sum,
    dropout_masks,
    forward_propagation,
    initialize_parameters,
    l2_sum,
    update_parameters,
    vectorized_gradients,
)

__all__ = [
    "DECAYS",
    "ENGINES",
    "OPTIMIZERS",
    "Cache",
    "Gradients",
    "NetworkGraph",
    "NeuralNetwork",
    "backward_propagation",
    "compute_cost",
    "cost_graph",
    "course_loss_sum",
    "dropout_masks",
    "forward_propagation",
    "graph_gradients",
    "initialize_adam",
    "initialize_parameters",
    "initialize_velocity",
    "l2_sum",
    "one_sample_graph",
    "random_mini_batches",
    "schedule_lr_decay",
    "update_lr",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "vectorized_gradients",
]
