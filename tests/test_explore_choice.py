"""`explore(J)` chooses: the widget inside a kernel where widgets work, the explorer's page
(an IFrame) elsewhere; `widget=False` forces the page, `widget=True` the widget."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from microgrid import Value, explore
from microgrid.apps import notebook
from microgrid.apps.explorer import ExplorerPage

ROOT = Path(__file__).resolve().parent.parent


def graph() -> Value:
    x = Value(1.5, label="x")
    return (x * x).named("y")


def fake_ipython(monkeypatch: pytest.MonkeyPatch, shell: object) -> None:
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", module)


def kernel_shell(comm_manager: object) -> object:
    return types.SimpleNamespace(kernel=types.SimpleNamespace(comm_manager=comm_manager))


def test_outside_a_kernel_it_is_the_page() -> None:
    assert notebook.widgets_work() is False  # pytest is no IPython kernel
    page = explore(graph())
    assert isinstance(page, ExplorerPage) and "?graph=g" in page.url


@pytest.mark.parametrize(
    ("shell", "works"),
    [
        (None, False),  # IPython imported, but no shell (a plain script)
        (types.SimpleNamespace(), False),  # a terminal IPython: no kernel
        (kernel_shell(None), False),  # a kernel without a comm manager
        (kernel_shell(object()), True),  # a Jupyter kernel
    ],
)
def test_widgets_work_only_in_a_kernel_with_a_comm_manager(
    monkeypatch: pytest.MonkeyPatch, shell: object, works: bool
) -> None:
    pytest.importorskip("anywidget")
    fake_ipython(monkeypatch, shell)
    assert notebook.widgets_work() is works


def test_without_anywidget_a_kernel_gets_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ipython(monkeypatch, kernel_shell(object()))
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "anywidget" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert notebook.widgets_work() is False
    assert isinstance(explore(graph()), ExplorerPage)


def test_in_a_kernel_it_is_the_widget_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anywidget")
    from microgrid.apps.widget.model import GraphWidget

    fake_ipython(monkeypatch, kernel_shell(object()))
    shown = explore(graph())
    assert isinstance(shown, GraphWidget) and shown.numbers["value"] == 2.25
    assert isinstance(explore(graph(), widget=False), ExplorerPage)
    monkeypatch.setitem(sys.modules, "IPython", None)  # …and widget=True anywhere
    assert isinstance(explore(graph(), widget=True), GraphWidget)
    with pytest.raises(TypeError, match="needs a Value"):
        explore(3.0)  # type: ignore[arg-type]


def test_in_a_real_kernel_explore_is_the_widget() -> None:
    """A notebook run by nbclient (a real ipykernel): the cell's output is the widget."""
    pytest.importorskip("anywidget")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cell = nbformat.v4.new_code_cell(
        "from microgrid import Value, explore\n"
        "x = Value(2.0, label='x')\n"
        "y = (x * x).named('y')\n"
        "print(type(explore(y)).__name__, type(explore(y, widget=False)).__name__)\n"
        "explore(y)"
    )
    book = nbformat.v4.new_notebook(cells=[cell])
    nbclient.NotebookClient(book, timeout=120, kernel_name="python3").execute(cwd=str(ROOT))
    outputs = book.cells[0].outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert printed.strip() == "GraphWidget ExplorerPage"
    shown = [o for o in outputs if o.output_type == "execute_result"]
    assert "application/vnd.jupyter.widget-view+json" in shown[0]["data"]
