"""Where course 2's football data is (../shared/data/football beside the repository, or
$MICROGRID_FOOTBALL), and the mark that skips a test, naming the folder, when it is not there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOOTBALL_DIR = Path(os.environ.get("MICROGRID_FOOTBALL", REPO.parent / "shared/data/football"))
needs_football = pytest.mark.skipif(
    not (FOOTBALL_DIR / "data.mat").is_file(),
    reason=f"the course's football data.mat is not in {FOOTBALL_DIR} "
    "(set MICROGRID_FOOTBALL to its folder to run this test)",
)
