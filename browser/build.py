"""Build the browser edition of the explorer into site/ (``make site``).

site/ is a static folder: the explorer's own pages and scripts (from
microgrid/apps/explorer/static, with transport.js put before common.js),
a Web Worker that runs microgrid in Pyodide (worker.js, bootstrap.py), Pyodide's
core and viz-js (copied from node_modules, installed by ``npm ci`` from
package-lock.json), and two pure-Python wheels: microgrid's (built with
MICROGRID_ENGINE=python, so mypyc is skipped) and graphviz's (the version
lock file pins). Serve it from any static host, or locally:

    python -m http.server -d site 8000      # then open http://127.0.0.1:8000/

Nothing is fetched from the network when the page runs; the build itself needs npm's
registry (once, for npm ci) and PyPI (graphviz's wheel).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STATIC = REPO / "microgrid" / "apps" / "explorer" / "static"
MODULES = HERE / "node_modules"
THEIRS = ("graphviz", "mypy-extensions")
"""The wheels of microgrid's dependencies the page needs (NumPy and tqdm it does not)."""
LIMIT = 15_000_000
"""The site's size limit in bytes (issue 31: 15 MB)."""

PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]
PAGES = {"graph.html": "index.html", "train.html": "train.html", "exercises.html": "exercises.html"}
LINKS = {
    'href="/"': 'href="index.html"',
    'href="/train"': 'href="train.html"',
    'href="/exercises"': 'href="exercises.html"',
}
# The page's own policy (a static host sends no header): only this folder's scripts, and
# the worker (Pyodide's WebAssembly runs there, under the worker's own policy).
CSP = (
    "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'"
)
# Standard-library packages the explorer never imports, left out of Pyodide's
# python_stdlib.zip to keep the site under its size limit.
STDLIB_UNUSED = (
    "_pyrepl/",
    "multiprocessing/",
    "unittest/",
    "sqlite3/",
    "xmlrpc/",
    "wsgiref/",
    "tomllib/",
    "ensurepip/",
    "venv/",
    "idlelib/",
    "turtledemo/",
    "curses/",
    "dbm/",
    "pydoc_data/",
    "pdb.py",
    "doctest.py",
    "pydoc.py",
    "turtle.py",
    "mailbox.py",
    "imaplib.py",
    "smtplib.py",
    "ftplib.py",
    "poplib.py",
    "nntplib.py",
    "telnetlib.py",
    "tkinter/",
    "lib2to3/",
)


def run(command: list[str], **options: object) -> None:
    print("  $", " ".join(command), flush=True)
    subprocess.run(command, check=True, **options)  # type: ignore[call-overload]


def npm_ci() -> None:
    """node_modules exactly as package-lock.json says (again only when the lock changed)."""
    stamp = MODULES / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE)


def lock_file() -> Path:
    """The lock file of the Python that runs the build (constraints/pythonX.Y.txt)."""
    path = REPO / "constraints" / f"python{sys.version_info[0]}.{sys.version_info[1]}.txt"
    if not path.exists():
        raise SystemExit(f"build: no lock file {path.relative_to(REPO)} for this Python")
    return path


def pinned(name: str) -> str:
    """The version the lock file pins for `name` (the versions CI tested)."""
    text = lock_file().read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}==([^\s#]+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"build: {lock_file().name} pins no version of {name}")
    return match.group(1)


def wheels(out: Path, cache: Path) -> list[str]:
    """microgrid's pure-Python wheel (built here), and those of graphviz and
    mypy_extensions (from PyPI, the versions the lock file pins)."""
    out.mkdir(parents=True)
    ours = cache / "microgrid"
    shutil.rmtree(ours, ignore_errors=True)
    # setup.py skips mypyc; pip's build environment gets the versions CI tested.
    environment = {
        **os.environ,
        "MICROGRID_ENGINE": "python",
        "PIP_CONSTRAINT": str(lock_file()),
    }
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(ours),
            str(REPO),
        ],
        env=environment,
    )
    found = list(ours.glob("microgrid_autograd-*.whl"))  # the distribution's name
    for name in THEIRS:  # microgrid's pure-Python dependencies, at the versions CI tested
        version = pinned(name)
        theirs = cache / name
        pattern = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        if not list(theirs.glob(pattern)):
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--only-binary=:all:",
                    "-d",
                    str(theirs),
                    f"{name}=={version}",
                ]
            )
        found.extend(theirs.glob(pattern))
    names = []
    for wheel in found:
        if not wheel.name.endswith("-py3-none-any.whl"):
            raise SystemExit(f"build: {wheel.name} is not a pure-Python wheel")
        with zipfile.ZipFile(wheel) as archive:
            compiled = [n for n in archive.namelist() if n.endswith((".so", ".pyd"))]
        if compiled:
            raise SystemExit(f"build: {wheel.name} holds compiled files: {compiled[:3]}")
        shutil.copy2(wheel, out / wheel.name)
        names.append(wheel.name)
    return sorted(names)


def slim_stdlib(source: Path, target: Path) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            if not item.filename.startswith(STDLIB_UNUSED):
                new.writestr(item, old.read(item.filename), compress_type=item.compress_type)


# What the pages say about the server that is not so in the site.
SAYINGS = {
    "exercises.html": (
        "Your progress counts on this page only (a new tab starts at 0).",
        "Your progress is kept in this browser (its local storage) until you clear the "
        "site's data.",
    )
}


def page(name: str) -> str:
    """An explorer page with the site's paths and transport (its look is unchanged)."""
    text = (STATIC / name).read_text(encoding="utf-8")
    if name in SAYINGS:
        old, new = SAYINGS[name]
        if " ".join(old.split()) not in " ".join(text.split()):
            raise SystemExit(f"build: {name} no longer says {old!r}")
        text = _replace_words(text, old, new)
    for old, new in LINKS.items():
        text = text.replace(old, new)
    text = text.replace('"/static/', '"static/')
    token = '<meta name="microgrid-token" content="MICROGRID-TOKEN">'
    if token not in text or '<script src="static/common.js">' not in text:
        raise SystemExit(f"build: {name} no longer has the token meta or common.js")
    text = text.replace(token, f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    link = '<link rel="stylesheet" href="static/explorer.css">'
    if link not in text:
        raise SystemExit(f"build: {name} no longer links explorer.css")
    text = text.replace(link, link + '\n<link rel="stylesheet" href="static/site.css">')
    return text.replace(
        '<script src="static/common.js">',
        '<script src="static/transport.js"></script>\n<script src="static/common.js">',
    )


def _replace_words(text: str, old: str, new: str) -> str:
    """`text` with the sentence `old` (however its lines are broken) replaced by `new`."""
    pattern = r"\s+".join(re.escape(word) for word in old.split())
    return re.sub(pattern, new, text, count=1)


def build(site: Path) -> None:
    npm_ci()
    cache = REPO / "build" / "site-cache"
    cache.mkdir(parents=True, exist_ok=True)
    staging = site.with_name(site.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "static").mkdir(parents=True)
    for entry in STATIC.iterdir():
        if entry.suffix in (".js", ".css"):
            shutil.copy2(entry, staging / "static" / entry.name)
    shutil.copy2(HERE / "transport.js", staging / "static" / "transport.js")
    shutil.copy2(HERE / "site.css", staging / "static" / "site.css")
    for source, target in PAGES.items():
        (staging / target).write_text(page(source), encoding="utf-8")
    shutil.copy2(HERE / "worker.js", staging / "worker.js")
    shutil.copy2(HERE / "bootstrap.py", staging / "bootstrap.py")
    (staging / "pyodide").mkdir()
    for name in PYODIDE_FILES:
        if name == "python_stdlib.zip":
            slim_stdlib(MODULES / "pyodide" / name, staging / "pyodide" / name)
        else:
            shutil.copy2(MODULES / "pyodide" / name, staging / "pyodide" / name)
    (staging / "viz").mkdir()
    shutil.copy2(MODULES / "@viz-js" / "viz" / "dist" / "viz.js", staging / "viz" / "viz.js")
    names = wheels(staging / "wheels", cache)
    versions = {
        package: json.loads((MODULES / path / "package.json").read_text())["version"]
        for package, path in (("pyodide", "pyodide"), ("@viz-js/viz", "@viz-js/viz"))
    }
    manifest = {"wheels": names, "npm": versions}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    size = sum(path.stat().st_size for path in staging.rglob("*") if path.is_file())
    if size > LIMIT:
        raise SystemExit(f"build: the site is {size:,} bytes, over the limit of {LIMIT:,}")
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)
    print(
        f"site: {site} ({size / 1e6:.1f} MB: {', '.join(names)}); serve it with "
        f"python -m http.server -d {os.path.relpath(site)} 8000"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "site", help="default: site/")
    build(parser.parse_args().out.resolve())


if __name__ == "__main__":
    main()
