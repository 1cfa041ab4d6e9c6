"""The reusable library built on the engine, named as PyTorch names it.

``modules.py`` holds the networks (`Neuron`, `Layer`, `MLP`, micrograd's
nn.py with the course's names), ``optim.py`` the optimizers (`SGD`, `Adam`),
``losses.py`` the multi-class losses (`softmax`, `cross_entropy`, `hinge`).

>>> from microgrid import nn
>>> model = nn.MLP(2, [4, 1], init="course", seed=2)
>>> len(model.parameters())
17
"""

from microgrid.nn.modules import (
    ACTIVATIONS,
    INITS,
    MLP,
    Layer,
    Module,
    Neuron,
    check_layer_sizes,
    initial_arrays,
    parameter_count,
)

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "check_layer_sizes",
    "initial_arrays",
    "parameter_count",
]
