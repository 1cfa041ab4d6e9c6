"""Doctests of the compiled engine modules run against their .py source.

With the compiled engine, `microgrid.engine.value` is a C extension, and pytest
cannot collect the doctests of `value.py` from it (an "import file mismatch").
They run in `make test`'s second pass, with MICROGRID_ENGINE=python.
"""

from microgrid.engine import ENGINE
from microgrid.engine.which import COMPILED_MODULES

collect_ignore = (
    [f"microgrid/engine/{name}.py" for name in COMPILED_MODULES] if ENGINE == "compiled" else []
)
