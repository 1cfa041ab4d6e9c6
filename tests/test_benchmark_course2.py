"""benchmarks/course2.py times the course's code beside microgrid's: checked here at a tiny size.

No timing (speed is never a unit test): the course's functions, written in its style in
benchmarks/course2_reference.py, and `NeuralNetwork` must compute the same costs, and the
benchmark must refuse to time two computations that differ.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "course2_benchmark", ROOT / "benchmarks" / "course2.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def numpys_global_state() -> Iterator[None]:
    """The course's code seeds NumPy's global generator: put it back for the other tests."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def test_every_run_computes_the_courses_costs(bench: ModuleType, tmp_path: Path) -> None:
    football = ROOT.parent / "shared" / "data" / "football"
    runs = bench.full_batch_runs(football if (football / "data.mat").is_file() else None)
    runs += bench.mini_batch_runs()
    assert len(runs) in (4, 7)
    for run in runs:
        theirs, ours = run.course(4), run.ours(4, "vectorized")
        assert len(theirs) == len(ours) == 4
        assert np.allclose(theirs, ours, rtol=1e-12, atol=0), run.name
        bench.check_same(run, theirs, run.ours(2, "graph") + ours[2:])


def test_different_computations_are_not_timed(bench: ModuleType) -> None:
    run = bench.mini_batch_runs()[0]
    with pytest.raises(SystemExit, match="the costs differ at epoch 1: not timed"):
        bench.check_same(run, [0.7, 0.6], [0.7, 0.6 * (1 + 1e-6)])
