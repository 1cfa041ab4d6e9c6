"""Shared pytest configuration: hypothesis profiles, and the BLAS the run used.

`HYPOTHESIS_PROFILE=thorough pytest` runs ten times as many examples.
`pytest --blas-threads 1` limits NumPy's BLAS to one thread (threadpoolctl), here and in
the processes the tests start (the examples, the notebook's kernel): docs/testing.md runs
the digit-sensitive tests that way, with 1 and 2 threads.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# No deadline: building a graph is a few ms, but a busy CI machine makes
# timings noisy and a flaky deadline failure teaches nothing.
settings.register_profile(
    "microgrid",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "microgrid"))

_LIMITER = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--blas-threads",
        type=int,
        default=None,
        metavar="N",
        help="limit NumPy's BLAS to N threads (threadpoolctl), in the tests' subprocesses too",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Long runs (course 2's full trainings): `make test` and CI run them; `-m "not slow"` skips.
    config.addinivalue_line("markers", "slow: a test that takes seconds of CPU (full trainings)")
    threads = config.getoption("--blas-threads")
    if threads is None:
        return
    from threadpoolctl import threadpool_limits

    # Kept on the config object: the limit holds for the whole session.
    config.stash[_LIMITER] = threadpool_limits(limits=threads, user_api="blas")
    # Subprocesses (examples, the notebook's kernel) read these when their BLAS starts.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def pytest_report_header(config: pytest.Config) -> list[str]:
    # Every run says which NumPy and which BLAS kernel it ran on, with how many threads:
    # the digits a test may assert are those that do not change between these.
    import numpy

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [f"numpy {numpy.__version__} (threadpoolctl not installed: BLAS unknown)"]
    blas = [
        f"{pool['internal_api']} {pool['version']} {pool.get('architecture')}, "
        f"{pool['num_threads']} thread{'' if pool['num_threads'] == 1 else 's'}"
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    ]
    return [f"numpy {numpy.__version__}, BLAS: {'; '.join(blas) or 'none found'}"]
