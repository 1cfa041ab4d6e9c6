"""The engine a learner reads in one sitting (issue 28): `Value`, `x * y` and `backward()`
end to end stay within 250 lines, and docs/architecture.md says how many.

benchmarks/learner_slice.py counts them; this test fails when an item it counts is renamed
(the slice would shrink without anyone reading less) or when the slice grows past 250.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "microgrid" / "engine"


def _learner_slice() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "learner_slice", ROOT / "benchmarks" / "learner_slice.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_item_of_the_slice_is_found_in_the_engine() -> None:
    counter = _learner_slice()
    for wanted in (counter.SLICE, counter.CHECKS):
        for name, parts in wanted.items():
            source = (ENGINE / name).read_text(encoding="utf-8").splitlines()
            found = counter.spans(ast.parse("\n".join(source)), source, parts)
            assert len(found) == len(parts), f"{name}: {parts} found as {found}"


def test_the_slice_is_at_most_250_lines_and_the_architecture_page_says_how_many() -> None:
    counter = _learner_slice()
    lines = counter.count(ENGINE, counter.SLICE)
    assert 150 < lines <= 250
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    stated = re.search(r"end to end are (\d+) lines", page)
    assert stated is not None and int(stated.group(1)) == lines
