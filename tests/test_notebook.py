"""The learners' notebook runs, top to bottom, in a real Jupyter kernel.

The kernel is this interpreter (``sys.executable``, the project's .venv under
``make test``): a kernel spec written to a temporary JUPYTER_PATH says so, so a
``python3`` kernel installed elsewhere on the machine can never be picked up
instead. Any cell error (an exception or a failed ``assert`` in the notebook)
fails the test, naming the cell.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "backprop_tour.ipynb"
KERNEL = "microgrid-test-python"


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec that runs ipykernel in this very interpreter."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "microgrid tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # Matplotlib and IPython write caches and history; keep them out of $HOME.
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return KERNEL


def tool() -> Any:
    """examples/run_notebook.py, the script `make notebook` runs, as a module."""
    import importlib.util

    script = NOTEBOOK.parent / "run_notebook.py"
    spec = importlib.util.spec_from_file_location("run_notebook", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def executed(kernel_name: str, workdir: Path) -> Any:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=300,  # per cell; the training cell takes a few seconds on a busy machine
        resources={"metadata": {"path": str(workdir)}},  # files the notebook writes go here
    )
    client.execute()
    return notebook


@pytest.mark.skipif(shutil.which("dot") is None, reason="the notebook draws graphs: needs dot")
def test_the_notebook_runs_and_shows_its_pictures(kernel_name: str, tmp_path: Path) -> None:
    try:
        notebook = executed(kernel_name, tmp_path)
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{NOTEBOOK.name}: a cell failed:\n{error}")
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [output for cell in code_cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    mimetypes = [set(o.get("data", {})) for o in outputs]
    # The graphs are drawn inline as SVG, explain() and the gradcheck report as HTML
    # tables, and the learning curve as a PNG from matplotlib.
    assert sum("image/svg+xml" in m for m in mimetypes) >= 4
    assert sum("text/html" in m for m in mimetypes) >= 2
    assert any("image/png" in m for m in mimetypes)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "a  value    5  delta 3" in printed
    assert "nudge a by h = 0.001: J goes from 33 to 33.003" in printed
    assert "train accuracy" in printed
    # Generated files go to build/, which .gitignore covers (not next to the notebook).
    assert (tmp_path / "build" / "backprop_flipbook.html").exists()
    assert not (tmp_path / "backprop_flipbook.html").exists()
    # The stored outputs are those of a fresh run: `make notebook` regenerates them.
    stored = nbformat.read(NOTEBOOK, as_version=4)
    run_notebook = tool()
    assert run_notebook.comparable(stored) == run_notebook.comparable(notebook), (
        f"{NOTEBOOK.name} has stale outputs: run `make notebook`"
    )


def test_stored_outputs_are_compared_on_what_every_machine_prints() -> None:
    # A max error of 4.16e-17 on one machine and 1.39e-17 on the next (the last bit of a
    # BLAS sum) is the same rounding; a cost, a count or a missing picture is a change.
    run_notebook = tool()

    def notebook(max_error: str, cost: str, picture: bool = True) -> Any:
        cell = nbformat.v4.new_code_cell("report")
        table = f"<td>dW1</td><td>8</td><td>0</td><td>{max_error}</td><td>ok</td>"
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"Cost: {cost}\n"),
            nbformat.v4.new_output("execute_result", {"text/html": table}, execution_count=1),
        ]
        if picture:
            cell.outputs.append(nbformat.v4.new_output("display_data", {"image/png": "iVBO"}))
        return nbformat.v4.new_notebook(cells=[cell])

    same = run_notebook.comparable(notebook("4.16e-17", "0.693048"))
    assert run_notebook.comparable(notebook("1.39e-17", "0.693048")) == same
    assert run_notebook.comparable(notebook("0", "0.693048")) == same
    assert run_notebook.comparable(notebook("2.5e-03", "0.693048")) != same
    assert run_notebook.comparable(notebook("4.16e-17", "0.693049")) != same
    assert run_notebook.comparable(notebook("4.16e-17", "0.693048", picture=False)) != same
    kept = "epsilon = 1e-07, J = 33, W1[1,2]"
    assert run_notebook.stable(kept) == kept


def test_the_checked_in_notebook_is_stored_executed() -> None:
    # It reads as a page before anyone runs it: every code cell has its outputs.
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    assert [cell.execution_count for cell in code_cells] == list(range(1, len(code_cells) + 1))
    assert all(cell.outputs for cell in code_cells)
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert all("execution" not in cell.metadata for cell in code_cells)  # no timestamps
    first = "".join(notebook.cells[0].source)
    assert "make notebook" in first and "matplotlib" in first  # what `make demo` lacks


def test_generated_files_are_ignored_by_git() -> None:
    ignore = (NOTEBOOK.parent.parent / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "build/" in ignore  # examples/build/ too: the pattern has no leading /
