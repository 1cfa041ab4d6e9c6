"""The layer view's pictures in chapter 5b (docs/05b-from-one-path-to-a-matrix.md).

Loaded by docs/make_figures.py, which writes GRAPHS (name -> Digraph) and checks their
DOT sources for staleness (tests/test_render.py). Each figure builds the graph the
chapter builds, with public microgrid names only.
"""

from __future__ import annotations

from collections.abc import Callable

import graphviz
import numpy as np

from microgrid import datasets, draw, nn
from microgrid.course.networks import cost_graph, initialize_parameters
from microgrid.course.networks.graph import build_cost_graph

GRAPHS: dict[str, Callable[[], graphviz.Digraph]] = {}


def layers_2_4_1() -> graphviz.Digraph:
    """The [2, 4, 1] network on three of the flower's samples, one box per layer."""
    X, Y = datasets.planar()
    X, Y = X[:, [0, 200, 399]], Y[:, [0, 200, 399]]
    graph = cost_graph(X, Y, initialize_parameters([2, 4, 1], init="scaled", seed=1))
    graph.backward()
    return draw(graph.J, layers=True)


def layers_identical_units() -> graphviz.Digraph:
    """[2, 2, 1] with two identical hidden units, layer 1 opened: equal values and deltas."""
    X, Y = datasets.planar()
    same = {
        "W1": np.array([[0.5, -0.5], [0.5, -0.5]]),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[0.5, 0.5]]),
        "b2": np.zeros((1, 1)),
    }
    graph = cost_graph(X[:, :1], Y[:, :1], same)
    graph.backward()
    return draw(graph.J, layers=True, expand=1)


def layers_cats() -> graphviz.Digraph:
    """The course's [12288, 20, 7, 5, 1] relu network on one synthetic cat picture."""
    pictures, labels = datasets.synthetic_cats(1, seed=0)
    column = datasets.flatten_images(pictures)  # (12288, 1), in [0, 1]
    parameters = initialize_parameters([12288, 20, 7, 5, 1], init="scaled", seed=1)
    model = nn.MLP.from_arrays(parameters, "relu")
    graph = build_cost_graph(column.T.tolist(), np.ravel(labels).tolist(), model)
    graph.backward()
    return draw(graph.J, layers=True, max_nodes=None)


GRAPHS["layers_2_4_1"] = layers_2_4_1
GRAPHS["layers_identical_units"] = layers_identical_units
GRAPHS["layers_cats"] = layers_cats
