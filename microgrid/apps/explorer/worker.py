"""The browser edition's entry: one API request in, its status and JSON out.

``make site`` builds a static page whose scripts are the explorer's own; its
requests go to a Web Worker running microgrid in Pyodide, which calls `answer`.
`answer` hands them to the same `ExplorerAPI` methods `microgrid play`'s server
calls (routes.py), and turns their errors into the same JSON the server sends.
There is no HTTP here, so none of the server's checks (Host, Origin, token)
apply: nothing but the page itself can send the worker a message.

>>> status, text = answer("POST", "/api/graph", '{"expression": "3*x", "values": {"x": 2}}')
>>> status, json.loads(text)["value"]
(200, 6.0)
>>> answer("GET", "/api/train/x", "null")[0]
404
"""

from __future__ import annotations

import json
import sys
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from microgrid.apps.explorer.graph_api import RequestError
from microgrid.apps.explorer.routes import MAX_BODY, ExplorerAPI, HTTPError

__all__ = ["answer", "explorer"]

explorer = ExplorerAPI()
"""The worker's one explorer: one page, one learner (the page's progress lives in the
browser's storage, given back when the Exercises page starts)."""


def answer(method: str, path: str, body: str) -> tuple[int, str]:
    """``(status, JSON text)`` for a request as the page's ``api(method, path, body)``
    makes it (`body` is its JSON text; ``"null"`` for none)."""
    try:
        if len(body) > MAX_BODY:
            raise HTTPError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {len(body):,} characters; at most {MAX_BODY:,}",
            )
        parts = urlsplit(path)
        if method == "GET":
            result: Any = explorer.api_get(parts.path, parse_qs(parts.query))
        elif method == "POST":
            decoded = json.loads(body) if body else None
            result = explorer.api_post(parts.path, {} if decoded is None else decoded)
        else:
            raise HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method[:20]} is not allowed here")
        return 200, _json(result)
    except HTTPError as error:
        return int(error.status), _json(error.body)
    except RequestError as error:
        return 400, _json(error.as_json())
    except json.JSONDecodeError as error:
        return 400, _json({"error": f"the request body is not valid JSON: {error}"[:300]})
    except Exception as error:  # a bug of ours: still JSON, and the worker lives on
        print(f"microgrid worker: {type(error).__name__}: {str(error)[:300]}", file=sys.stderr)
        return 500, _json({"error": f"microgrid failed ({type(error).__name__}: {error})"[:300]})


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False)
