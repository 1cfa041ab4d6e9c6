"""After backward(create_graph=True) through a deep graph, copies and views need no recursion.

Each delta is then a Value whose graph leads back into the first one (dJ/dx of
tanh(x) uses tanh(x)), one graph per layer: pickling or copying them one inside
the next used to nest one level per layer (issue 30, item 11).
"""

from __future__ import annotations

import copy
import pickle
import sys

import pytest

import microgrid
from microgrid import Value

LAYERS = 100


def deep_tanh() -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    h = x
    for _ in range(LAYERS):
        h = h.tanh()
    J = h.named("J")
    J.backward(create_graph=True)
    return x, J


@pytest.fixture
def low_recursion_limit() -> object:
    """A limit well under the graph's depth times pickle's frames per node."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(250)
    yield None
    sys.setrecursionlimit(before)


@pytest.mark.parametrize("copier", ["pickle0", "pickle5", "deepcopy"])
def test_a_second_order_graph_pickles_and_deep_copies(
    copier: str, low_recursion_limit: object
) -> None:
    x, J = deep_tanh()
    if copier == "deepcopy":
        restored = copy.deepcopy(J)
    else:
        restored = pickle.loads(pickle.dumps(J, protocol=int(copier[-1])))
    original, copied = microgrid.topological_order(J), microgrid.topological_order(restored)
    assert [n.value for n in copied] == [n.value for n in original]
    assert not set(map(id, copied)) & set(map(id, original))  # a copy, not the same nodes
    rx = copied[0]
    assert rx.label == "x" and isinstance(rx.delta, Value)
    assert rx.delta.value == x.delta.value
    # The copied delta is a live graph: differentiated again, it gives the same number.
    sys.setrecursionlimit(1000)
    (second,) = microgrid.grad(x.delta, [x])
    (second_copied,) = microgrid.grad(rx.delta, [rx])
    assert second_copied == second


def test_explore_and_widget_of_a_second_order_graph(low_recursion_limit: object) -> None:
    _, J = deep_tanh()
    sys.setrecursionlimit(400)  # what the server's threads and the widget's code need
    page = microgrid.explore(J)
    assert "?graph=" in page.url
    pytest.importorskip("anywidget")
    shown = microgrid.widget(J)
    assert shown is not None
