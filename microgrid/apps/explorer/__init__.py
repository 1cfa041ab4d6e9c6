"""The live explorer: a local web page served by the engine itself.

`microgrid play` starts it from the command line; `explore_page(J)` shows a graph
built in Python in a notebook (an IFrame on a server in a background thread).
`microgrid.explore(J)` (apps/notebook.py) uses it where the notebook widget cannot run.
The page edits leaves and watches values and deltas change, steps through
backprop one node at a time, and watches logistic regression train.
See docs/explorer.md for the page and its JSON API.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from microgrid.engine import Value

if TYPE_CHECKING:
    from microgrid.apps.explorer.server import ExplorerServer

__all__ = ["ExplorerPage", "ExplorerServer", "explore_page"]

_server: ExplorerServer | None = None
_server_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    # The web server (http.server) is imported when asked for: the browser edition
    # imports this package's API modules and has no use for it (1.7 s in Pyodide).
    if name == "ExplorerServer":
        from microgrid.apps.explorer.server import ExplorerServer

        return ExplorerServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class ExplorerPage:
    """The address of a graph's page; a notebook shows it as an IFrame."""

    url: str
    width: str = "100%"
    height: int = 720

    def _repr_html_(self) -> str:
        return (
            f'<iframe src="{html.escape(self.url)}" width="{html.escape(self.width)}" '
            f'height="{int(self.height)}" style="border: 1px solid #d1d5db"></iframe>'
        )

    def __str__(self) -> str:
        return self.url


def explore_page(root: Value, height: int = 720) -> ExplorerPage:
    """Open `root`'s graph in the live explorer (a notebook shows the page inline).

    The server keeps a copy of the graph: moving a slider never changes your
    nodes. One server per Python process, on 127.0.0.1 and a free port, started
    the first time and stopped when Python exits.

    >>> from microgrid import Value
    >>> x = Value(2.0, label="x")
    >>> page = explore_page((x * x).named("y"))
    >>> page.url.startswith("http://127.0.0.1:") and "?graph=" in page.url
    True
    """
    global _server
    if not isinstance(root, Value):
        raise TypeError(f"explore() needs a Value, got {type(root).__name__}")
    from microgrid.apps.explorer.server import ExplorerServer

    with _server_lock:
        if _server is None:
            _server = ExplorerServer().start()
        server = _server
    return ExplorerPage(server.add_graph(root), height=height)
