"""Re-execute examples/backprop_tour.ipynb in place, so it ships with current outputs.

    make notebook                        # the usual way (installs what it needs first)
    .venv/bin/python examples/run_notebook.py [--check]

The notebook is run top to bottom in a Jupyter kernel that is this very
interpreter (a kernel spec in a temporary folder says so), from examples/, so
the files it writes land in examples/build/ (ignored by git). Volatile parts
(timings, memory addresses) are left out, so re-running it without changes
gives the same file. ``--check`` writes nothing and exits 1 when the stored
outputs differ from a fresh run in what every machine prints alike (`comparable`);
tests/test_notebook.py does the same check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

NOTEBOOK = Path(__file__).resolve().parent / "backprop_tour.ipynb"
KERNEL = "microgrid-notebook-python"

_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
_SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)
# A number as the notebook prints it: 33, -0.354344, 89.75, 4.16e-17.
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
# Below this, a printed number is rounding: the max error of a right gradient (4e-17 on
# one machine, 1e-17 on the next: the last bit of a BLAS sum) or a central difference's
# error. Only its being that small is the same on every machine (docs/testing.md).
ROUNDING = 1e-7


def execute(notebook_path: Path = NOTEBOOK, workdir: Path | None = None) -> Any:
    """The notebook, executed (an nbformat NotebookNode); files it writes go to `workdir`."""
    import nbclient
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    with tempfile.TemporaryDirectory() as home:
        spec_dir = Path(home) / "jupyter" / "kernels" / KERNEL
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "microgrid",
            "language": "python",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        saved = {name: os.environ.get(name) for name in ("JUPYTER_PATH", "MPLCONFIGDIR")}
        os.environ["JUPYTER_PATH"] = str(Path(home) / "jupyter")
        os.environ["MPLCONFIGDIR"] = str(Path(home) / "mpl")
        try:
            client = nbclient.NotebookClient(
                notebook,
                kernel_name=KERNEL,
                timeout=300,  # per cell; the training cell takes seconds on a busy machine
                record_timing=False,  # no timestamps: a re-run gives the same file
                # A widget's state is not stored (its ES module alone is 30 KB): the widget's
                # output carries draw()'s picture for GitHub and nbviewer instead.
                store_widget_state=False,
                resources={"metadata": {"path": str(workdir or notebook_path.parent)}},
            )
            client.execute()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return notebook


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def stable(text: str) -> str:
    """`text` with what differs between machines taken out: memory addresses, and every
    number below `ROUNDING` in size written as ``<1e-07``.

    >>> stable("max error 4.16e-17, J = 0.785871, cost 0 at <graphviz.Digraph at 0x7f3a>")
    'max error <1e-07, J = 0.785871, cost <1e-07 at <graphviz.Digraph>'
    """

    def rounding(match: re.Match[str]) -> str:
        return "<1e-07" if abs(float(match.group())) < ROUNDING else match.group()

    return _NUMBER.sub(rounding, _ADDRESS.sub("", text))


def comparable(notebook: Any) -> list[list[Any]]:
    """Each code cell's outputs as what a reader sees, without what differs between machines.

    The structure is compared (which cells print, show HTML, draw a picture), text with its
    numbers (`stable`: memory addresses and rounding-sized numbers taken out), an SVG by
    the text it shows (its numbers and labels), a PNG only by being there.
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs: list[Any] = []
        for output in cell.outputs:
            kind = output.output_type
            if kind == "stream":
                text = stable(_text(output.text))
                if outputs and outputs[-1][0] == output.name:
                    # How a stream is cut into outputs depends on timing: join them.
                    text = outputs.pop()[1] + text
                outputs.append((output.name, text))
            elif kind == "error":
                outputs.append(("error", output.ename, output.evalue))
            else:
                data = output.get("data", {})
                shown: dict[str, str] = {}
                for mime, value in data.items():
                    text = _text(value)
                    if mime == "image/svg+xml":
                        shown[mime] = stable(" | ".join(_SVG_TEXT.findall(text)))
                    elif mime == "application/vnd.jupyter.widget-view+json":
                        shown[mime] = "a widget"  # its model_id is new on every run
                    elif mime == "text/html" and "<svg" in text:
                        # A widget's picture for readers without a kernel: its text, as an
                        # SVG's (dot's coordinates differ between Graphviz versions).
                        after = text[text.rfind("</svg>") :]
                        shown[mime] = stable(" | ".join(_SVG_TEXT.findall(text)) + after)
                    elif mime.startswith("image/"):
                        shown[mime] = "an image"
                    else:
                        shown[mime] = stable(text)
                outputs.append((kind, shown))
        cells.append(outputs)
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with a fresh run; write nothing"
    )
    args = parser.parse_args()
    import nbformat

    stored = nbformat.read(NOTEBOOK, as_version=4)
    (NOTEBOOK.parent / "build").mkdir(exist_ok=True)
    fresh = execute()
    if args.check:
        if comparable(stored) != comparable(fresh):
            print(f"{NOTEBOOK.name} is stale: run `make notebook`", file=sys.stderr)
            return 1
        print(f"{NOTEBOOK.name}: stored outputs match a fresh run")
        return 0
    for cell in fresh.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = _ADDRESS.sub("", _text(output.text))
            for mime, value in output.get("data", {}).items():
                if mime == "text/plain":
                    output.data[mime] = _ADDRESS.sub("", _text(value))
    nbformat.validate(fresh)
    nbformat.write(fresh, NOTEBOOK)
    print(f"wrote {NOTEBOOK} with its outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
