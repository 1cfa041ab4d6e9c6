"""benchmarks/networks.py times the same computation three ways: checked here at a tiny size.

No timing (speed is never a unit test): micrograd's loop, microgrid's graph loop and the
compiled loop must give the same losses step for step from the same weights.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from microgrid import nn
from microgrid.course.datasets import moons

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "networks_benchmark", ROOT / "benchmarks" / "networks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_three_loops_compute_the_same_losses(bench: ModuleType) -> None:
    pytest.importorskip("micrograd")
    data, labels = moons(12, noise=0.1, seed=3)
    X, y = data.T.tolist(), [2.0 * v - 1.0 for v in labels[0].tolist()]
    ours = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=4)
    theirs = bench.micrograd_model(ours)
    twin = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=4)
    compiled = bench.compiled_loop(twin, X, y)
    for k in range(3):
        a = bench.micrograd_step(theirs, X, y, k)
        b = bench.graph_step(ours, X, y, k)
        c = compiled(k)
        assert math.isclose(a, b, rel_tol=1e-12) and math.isclose(a, c, rel_tol=1e-12), k
    # The weights moved identically too.
    assert math.isclose(theirs.layers[0].neurons[3].w[1].data, ours.layers[0].neurons[3].w[1].value)
