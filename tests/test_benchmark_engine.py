"""benchmarks/engine.py compares like with like: the same graphs, the same op counts.

No timing here (speed is never a unit test): the builders run at tiny sizes and
microgrid's and micrograd's losses and gradients are compared.
"""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from microgrid import Value, graph_stats

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "engine_benchmark", ROOT / "benchmarks" / "engine.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def op_count(root: Value) -> int:
    return sum(graph_stats(root).ops.values())


def test_op_counts_are_the_graphs_op_counts(bench: ModuleType) -> None:
    w, xs = bench.linear_data(7, 3)
    loss, ops = bench.build_a(Value, w, xs)
    assert op_count(loss) == ops == (2 * 7 - 1 + 3) * 3
    loss, ops = bench.build_b(w, xs)
    assert ops == (2 * 7 - 1 + 3) * 3  # counted as (a): the same loss
    assert op_count(loss) == 3 * 3 + 1  # dot, z·z, relu per sample, one sum
    mx, my = bench.moons(4)
    loss, ops = bench.build_c(bench.MicrogridMLP([2, 16, 16, 1]), Value, mx, my)
    assert op_count(loss) == ops
    loss, ops = bench.build_d(Value, 100)
    assert op_count(loss) == ops == 101
    assert graph_stats(loss).depth == 101


def test_the_same_graphs_in_both_libraries(bench: ModuleType) -> None:
    micrograd = pytest.importorskip("micrograd.engine")
    nn = pytest.importorskip("micrograd.nn")
    w, xs = bench.linear_data(6, 3)
    ours, _ = bench.build_a(Value, w, xs)
    dotted, _ = bench.build_b(w, xs)
    theirs, _ = bench.build_a(micrograd.Value, w, xs)
    assert math.isclose(ours.value, theirs.data, rel_tol=1e-12)
    assert math.isclose(dotted.value, theirs.data, rel_tol=1e-12)

    # (c): both MLPs draw their weights from a Random(2) sequence in the same order.
    mx, my = bench.moons(5)
    model = bench.MicrogridMLP([2, 16, 16, 1])
    state = random.getstate()
    random.seed(2)  # micrograd's Neuron draws from the global generator
    their_model = nn.MLP(2, [16, 16, 1])
    random.setstate(state)
    ours, _ = bench.build_c(model, Value, mx, my)
    theirs, _ = bench.build_c(their_model, micrograd.Value, mx, my)
    ours.backward()
    theirs.backward()
    assert math.isclose(ours.value, theirs.data, rel_tol=1e-12)
    our_params = [p for layer in model.layers for w, b in layer for p in [*w, b]]
    their_params = their_model.parameters()
    assert len(our_params) == len(their_params) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    for mine, other in zip(our_params, their_params, strict=True):
        assert mine.value == other.data
        assert math.isclose(mine.delta, other.grad, rel_tol=1e-9, abs_tol=1e-12)

    ours, _ = bench.build_d(Value, 50)
    theirs, _ = bench.build_d(micrograd.Value, 50)
    assert math.isclose(ours.value, theirs.data, rel_tol=1e-12)


def test_micrograd_chain_runs_in_a_subprocess(bench: ModuleType) -> None:
    pytest.importorskip("micrograd")
    limit = sys.getrecursionlimit()
    result = bench.micrograd_chain(200, 1)
    assert isinstance(result, bench.Result)
    assert result.ops == 201 and result.bytes_per_op > 0 and result.seconds > 0
    assert sys.getrecursionlimit() == limit  # only the child process raised it
