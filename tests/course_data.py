"""Where the course's data folders are, and the marks that skip a test, naming the folder,
when they are not there.

Course 1's catvnoncat and course 2's football data live in ../shared/data beside the
repository; $MICROGRID_CATVNONCAT and $MICROGRID_FOOTBALL point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _folder(variable: str, name: str) -> Path:
    return Path(os.environ.get(variable, REPO.parent / "shared" / "data" / name))


def _needs(folder: Path, file: str, what: str, variable: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not (folder / file).is_file(),
        reason=f"{what} not in {folder} (set {variable} to its folder to run this test)",
    )


CAT_DIR = _folder("MICROGRID_CATVNONCAT", "catvnoncat")
needs_cat_files = _needs(
    CAT_DIR, "train_catvnoncat.h5", "the course's catvnoncat .h5 files are", "MICROGRID_CATVNONCAT"
)
FOOTBALL_DIR = _folder("MICROGRID_FOOTBALL", "football")
needs_football = _needs(
    FOOTBALL_DIR, "data.mat", "the course's football data.mat is", "MICROGRID_FOOTBALL"
)
