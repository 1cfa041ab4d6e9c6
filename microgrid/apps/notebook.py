"""`explore(J)`: the live graph in a notebook, as a widget where widgets work, or as the
explorer's page in an IFrame.

The widget (`microgrid.widget`) runs wherever Jupyter widgets run, with no server
of ours, so it is the first choice: inside an IPython kernel that has a comm
manager (JupyterLab, Notebook 7, VS Code, Colab), with anywidget installed.
Anywhere else (a terminal, a script, a kernel without anywidget) `explore`
returns the explorer's page, which a local notebook shows as an IFrame and a
terminal prints as its address.

This module stands beside both (apps/explorer and apps/widget) so that neither
imports the other in a circle: the widget uses the explorer's code, and this
chooses between them.

>>> from microgrid import Value, explore
>>> x = Value(2.0, label="x")
>>> explore((x * x).named("y")).url.startswith("http://127.0.0.1:")   # no kernel here
True
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from microgrid.apps.explorer import ExplorerPage, explore_page
from microgrid.apps.widget import widget as make_widget
from microgrid.engine import Value

__all__ = ["explore", "widgets_work"]


def widgets_work() -> bool:
    """True inside an IPython kernel with a comm manager, with anywidget installed: a
    widget shown there reaches a front end that can draw it."""
    if importlib.util.find_spec("anywidget") is None:
        return False
    ipython = sys.modules.get("IPython")  # not imported: not in IPython at all
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    kernel = getattr(shell, "kernel", None)  # a terminal IPython has no kernel
    return getattr(kernel, "comm_manager", None) is not None


def explore(root: Value, height: int = 720, *, widget: bool | None = None) -> Any:
    """Explore `root`'s graph live: sliders for its leaves, its deltas, backprop step by step.

    In a notebook kernel where widgets work, the widget (`microgrid.widget(root)`);
    elsewhere the explorer's page (an `ExplorerPage`: an IFrame in a local notebook,
    an address in a terminal). `widget=True` asks for the widget (an ImportError
    says how to install anywidget), `widget=False` for the page. Your graph is
    never changed: both keep a copy.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore() needs a Value, got {type(root).__name__}")
    if widget is None:
        widget = widgets_work()
    if widget:
        return make_widget(root)
    page: ExplorerPage = explore_page(root, height=height)
    return page
