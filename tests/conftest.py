"""Shared pytest configuration: hypothesis profiles only.

`HYPOTHESIS_PROFILE=thorough pytest` runs ten times as many examples.
"""

from __future__ import annotations

import os

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
