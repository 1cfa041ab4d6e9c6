"""Build the engine twice over from one source: compiled by mypyc when a C compiler works.

The six engine modules below are typed Python. Where a C compiler is found, mypyc turns
them into C extensions (each `optional`: a failed compile is a warning, not an error), and
`microgrid.engine.which` imports them; elsewhere the same .py files run as they are. After
a successful build, `compiled.sha256` records the sources the extensions were made from, so
that an edited engine is never silently ignored (see docs/architecture.md).
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

ENGINE = Path("microgrid", "engine")
COMPILED = ["primitives.py", "evaluate.py", "modes.py", "node.py", "backprop.py", "value.py"]
STAMP = "compiled.sha256"


def sources_digest(folder: Path) -> str:
    """One line per compiled module: its SHA-256 and name (what which.py compares)."""
    lines = []
    for name in COMPILED:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    return "".join(lines)


# The digest of the sources as mypyc reads them (an edit during the build is then stale).
DIGEST: list[str] = []


class BuildEngine(build_ext):
    """build_ext that writes the stamp only when every engine extension was built."""

    def run(self) -> None:
        self.failed: list[str] = []
        stamp = Path(self.get_ext_fullpath("microgrid.engine.value")).parent / STAMP
        stamp.unlink(missing_ok=True)  # a failed build must not leave an old stamp behind
        super().run()
        built = [Path(self.get_ext_fullpath(ext.name)) for ext in self.extensions]
        if built and DIGEST and not self.failed and all(path.exists() for path in built):
            stamp.write_text(DIGEST[0], encoding="utf-8")
            print("microgrid: the engine was compiled by mypyc", file=sys.stderr)
        elif built:
            for path in built:  # an older build's extensions would be stale: remove them
                path.unlink(missing_ok=True)
            print(
                "microgrid: the engine could not be compiled (no working C compiler?): "
                "it runs as plain Python",
                file=sys.stderr,
            )

    def build_extension(self, ext: Any) -> None:
        try:
            super().build_extension(ext)
        except Exception:  # setuptools warns and goes on for an optional extension
            self.failed.append(ext.name)
            raise


def plain_python_asked() -> bool:
    """MICROGRID_ENGINE=python, in any case, as microgrid/engine/which.py reads it."""
    asked = os.environ.get("MICROGRID_ENGINE", "")
    if asked.lower() == "python":
        return True
    if asked:
        print(
            f"microgrid: MICROGRID_ENGINE={asked!r} is not understood and is ignored: the only "
            "value is python (build no compiled engine)",
            file=sys.stderr,
        )
    return False


def engine_extensions() -> list[object]:
    if plain_python_asked():
        return []  # asked for the plain-Python engine: nothing to compile
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("microgrid: mypy is not installed: the engine runs as plain Python", file=sys.stderr)
        return []
    DIGEST.append(sources_digest(ENGINE))
    # Not the project's [tool.mypy] (it checks the whole package, whose imports, NumPy
    # and the rest, are not installed where pip builds): the engine modules only, and
    # `make typecheck` keeps them strict.
    options = ["--config-file", os.devnull, "--follow-imports=silent", "--ignore-missing-imports"]
    sources = [str(ENGINE / name) for name in COMPILED]
    extensions = mypycify([*options, *sources], opt_level="3")
    for extension in extensions:
        extension.optional = True  # no compiler: a warning, and the .py files run
    return list(extensions)


setup(ext_modules=engine_extensions(), cmdclass={"build_ext": BuildEngine})
