"""The package layout: old public paths keep working, and layers import one way.

``tests/data/released_layout.pickle`` was written by microgrid 0.1.0 before the
package was split into layers (its nodes name ``microgrid.engine``,
``microgrid.primitives``, ``microgrid.losses``, ``microgrid.nn`` and
``microgrid.optim``). A learner's saved graph must still load.
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest

import microgrid

STORED = Path(__file__).parent / "data" / "released_layout.pickle"


def test_a_pickle_written_by_the_released_layout_loads_and_backpropagates() -> None:
    with STORED.open("rb") as f:
        saved = pickle.load(f)
    root, (a, b, c, x) = saved["root"], saved["inputs"]
    assert root.value == saved["value"]
    assert [a.delta, b.delta, c.delta, x.delta] == saved["deltas"]
    # The loaded graph is live: its ops replay and backpropagate as before.
    root.zero_grad()
    root.backward()
    assert [a.delta, b.delta, c.delta, x.delta] == saved["deltas"]
    assert isinstance(root, microgrid.Value)
    mlp = saved["mlp"]
    assert isinstance(mlp, microgrid.nn.MLP)
    assert isinstance(saved["opt"], microgrid.optim.Adam)
    assert len(mlp.parameters()) == 13


@pytest.mark.parametrize(
    "path",
    [
        "microgrid.engine",
        "microgrid.nn",
        "microgrid.optim",
        "microgrid.datasets",
        "microgrid.gradcheck",
        "microgrid.logistic",
        "microgrid.networks",
        "microgrid.testing",
    ],
)
def test_the_public_module_paths_import(path: str) -> None:
    module = importlib.import_module(path)
    assert module.__name__.startswith("microgrid.")


def test_everything_in_all_is_there() -> None:
    for name in microgrid.__all__:
        assert getattr(microgrid, name) is not None, name
