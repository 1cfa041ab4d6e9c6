"""The browser edition (``make site``) in a real browser: microgrid in Pyodide, no server of ours.

site/ is served as any static host would serve it (the standard library's
``http.server``, as ``python -m http.server -d site``) on 127.0.0.1, and Debian's
headless Chromium opens it through Playwright (``executable_path``; nothing is
downloaded). The page must reach Python-ready, move J when a slider moves with
exactly the numbers CPython's microgrid prints, draw the graph (viz-js), grade an
exercise wrong then right and keep the progress across a reload (localStorage),
and send no request outside the site's folder (Playwright's request log).

Skipped, naming ``make site``, when site/ has not been built (``make test`` builds it).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from microgrid.apps.explorer.graph_api import graph_answer
from microgrid.apps.expression import build
from microgrid.verify.gradcheck import gradcheck

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
STATIC = ROOT / "microgrid" / "apps" / "explorer" / "static"
CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
)
pytestmark = [
    pytest.mark.skipif(
        not (SITE / "index.html").exists(),
        reason="site/ is not built: run `make site` (make test builds it)",
    ),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed, so the site is not tested in a browser "
        "(`make test` installs Debian's chromium as root)",
    ),
    pytest.mark.skipif(
        sync_playwright is None, reason="playwright (the dev extra) is not installed"
    ),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FIGURES = ROOT / "docs" / "figures"
RECORD = FIGURES / "site_screenshots.txt"
UPDATE = os.environ.get("MICROGRID_UPDATE_SCREENSHOTS") == "1"
LONG = 90_000  # ms: Pyodide starts in seconds, more on a busy shared machine
SEED = "u = b*c; v = a + u; J = 3*v"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """site/ on http://127.0.0.1:PORT/, served as `python -m http.server` serves it."""
    for source in STATIC.iterdir():  # the site must hold the page's current files
        built = SITE / "static" / source.name
        if source.suffix in (".js", ".css"):
            assert built.exists() and built.read_bytes() == source.read_bytes(), (
                f"site/ is older than microgrid/apps/explorer/static/{source.name}: run `make site`"
            )
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Visit:
    """A page of the site, with every request the browser made for it (workers' too)."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(m.text)
                if m.type == "error" and "status of 400" not in m.text and "501" not in m.text
                else None
            ),
        )

    def outside(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith(self.base) and not url.startswith(("data:", "blob:"))
        ]


@pytest.fixture
def visit(browser: Browser, site: str) -> Iterator[Visit]:
    opened = Visit(browser, site)
    yield opened
    opened.context.close()
    assert not opened.problems, opened.problems
    assert opened.outside() == [], opened.outside()


def text(page: Page, selector: str) -> str:
    return page.text_content(selector) or ""


def python_ready(page: Page) -> None:
    page.wait_for_selector("html[data-python=ready]", timeout=LONG)


def shown_numbers(page: Page) -> list[list[str]]:
    """The table's rows as the page shows them: node, formula, value, delta."""
    rows = page.locator("#nodes tbody tr")
    return [rows.nth(i).locator("td").all_text_contents() for i in range(rows.count())]


def screenshot(page: Page, name: str) -> None:
    """The README's picture of the site; its record says what it showed (the page's files
    and text), so a change of the page makes the test say it is stale."""
    # How long Python took to start differs from run to run: not part of the picture.
    page.evaluate(
        "() => { const n = document.getElementById('python-status');"
        " n.textContent = n.textContent.replace(/; ready in [0-9.]+ s/, '');"
        " document.getElementById('status').textContent = ''; }"
    )
    digest = hashlib.sha256()
    for path in [*sorted(STATIC.iterdir()), ROOT / "browser" / "site.css"]:
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(page.inner_text("body").encode())
    now = digest.hexdigest()[:16]
    if UPDATE:
        page.screenshot(path=str(FIGURES / name))
        RECORD.write_text(
            "# tests/test_site_browser.py: screenshot, fingerprint of what it shows\n"
            f"{name} {now}\n",
            encoding="utf-8",
        )
        return
    recorded = RECORD.read_text(encoding="utf-8") if RECORD.exists() else ""
    assert (FIGURES / name).exists() and f"{name} {now}" in recorded.splitlines(), (
        f"docs/figures/{name} is stale (the page changed since it was taken): retake it with "
        "MICROGRID_UPDATE_SCREENSHOTS=1 pytest tests/test_site_browser.py"
    )


def cpython_numbers(values: dict[str, float]) -> tuple[dict[str, Any], list[list[str]]]:
    answer = graph_answer({"expression": SEED, "values": values}, svg=False)
    rows = [[n["name"], n["formula"], n["value_text"], n["delta_text"]] for n in answer["nodes"]]
    return answer, rows


def test_the_graph_page_runs_microgrid_in_the_browser(visit: Visit) -> None:
    page = visit.page
    started = time.perf_counter()
    page.goto(visit.base)
    python_ready(page)
    ready_ms = 1000 * (time.perf_counter() - started)
    page.wait_for_selector("body[data-state=ready] #graph svg", timeout=LONG)
    picture_ms = 1000 * (time.perf_counter() - started)
    in_page = page.get_attribute("html", "data-python-ready-ms")
    print(
        f"\nsite: Python ready {ready_ms:.0f} ms after the page was asked for "
        f"({in_page} ms in the page's clock, {page.get_attribute('html', 'data-python-seconds')}"
        f" s in the worker's); the first picture {picture_ms:.0f} ms after; in the worker, ms: "
        f"{page.get_attribute('html', 'data-python-steps')}"
    )
    assert "runs in this page" in text(page, "#python-status")
    # The seed's numbers, exactly as CPython's microgrid prints them.
    answer, rows = cpython_numbers({"a": 5, "b": 3, "c": 2})
    assert text(page, "#root-value") == answer["value_text"] == "33"
    assert shown_numbers(page) == rows
    assert text(page, "#explain") == answer["explain"]  # explain(), narrated by the worker
    assert "slope (J′ − J)/h = 3" in text(page, '.leaf[data-name="a"] .nudge')
    # A picture drawn by viz-js: a box per node, with the seed's J = 33 in it.
    assert page.locator("#graph svg g.node").count() == 6
    assert "33" in page.inner_text("#graph")

    screenshot(page, "site_graph.png")

    # The learner moves b's slider one notch with the keyboard.
    page.focus('.leaf[data-name="b"] input[type=range]')
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.getElementById('root-value').textContent !== '33'", timeout=LONG
    )
    page.wait_for_selector("body[data-state=ready]", timeout=LONG)
    print(f"site: a slider move's numbers in {page.get_attribute('body', 'data-latency-ms')} ms")
    b = float(page.input_value('.leaf[data-name="b"] input[type=number]'))
    assert b != 3
    answer, rows = cpython_numbers({"a": 5, "b": b, "c": 2})
    assert text(page, "#root-value") == answer["value_text"]
    assert shown_numbers(page) == rows  # every value and delta, to the last printed digit
    assert answer["value_text"] in page.inner_text("#graph")  # the picture followed

    # gradcheck(), run by the worker when its box is opened: CPython's table, digit for digit.
    page.click("#gradcheck-box summary")
    page.wait_for_selector("body[data-gradcheck=ok][data-state=ready]", timeout=LONG)
    expected = str(gradcheck(build(SEED, {"a": 5.0, "b": b, "c": 2.0})))
    assert text(page, "#gradcheck") == expected

    # Backprop one node at a time: the first step is the root's, then v's.
    page.click("#step-next")
    page.click("#step-next")
    page.wait_for_selector("body[data-step='2'][data-state=ready]", timeout=LONG)
    assert text(page, "#step-line") == answer["steps"][1]["line"]
    assert text(page, '.leaf[data-name="a"] .delta') == "?"  # not reached yet
    assert visit.requests and any("pyodide.asm.wasm" in url for url in visit.requests)
    assert any("/wheels/microgrid_autograd-" in url for url in visit.requests)


def test_an_exercise_wrong_then_right_and_kept(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "exercises.html")
    python_ready(page)
    page.wait_for_selector("body[data-state=ready]", timeout=LONG)
    assert "Your progress is kept in this browser" in page.inner_text("main")
    offered = page.locator("#number option:not([disabled])").count()
    assert offered >= 10  # chapters 1-2's ten, and the later ones built from scalar Values
    assert "needs NumPy" in text(page, "#number option[value='12']")
    page.select_option("#number", "5")
    page.wait_for_selector("body[data-exercise='5/0'][data-state=ready]", timeout=LONG)
    assert "What is dJ/db?" in text(page, ".mg-question")
    assert page.locator("#exercise svg g.node").count() == 6  # stopped before b's delta
    page.fill(".mg-answer", "2")
    page.press(".mg-answer", "Enter")
    page.wait_for_selector("body[data-verdict=wrong][data-state=ready]", timeout=LONG)
    verdict = text(page, ".mg-verdict")
    assert "You gave 2 = ∂u/∂b; the delta also needs dJ/du = 3: 3 · 2 = 6." in verdict
    page.fill(".mg-answer", "6")
    page.click("button:has-text('Check')")
    page.wait_for_selector("body[data-verdict=right][data-state=ready]", timeout=LONG)
    assert f"1 of {offered} solved (1 tried)" in text(page, ".mg-progress")
    # The progress is kept in the browser: a reload (a new worker, a new Python) has it.
    page.reload()
    python_ready(page)
    print(
        "\nsite: after a reload (the browser's cache warm), Python ready in "
        f"{page.get_attribute('html', 'data-python-ready-ms')} ms; in the worker, ms: "
        f"{page.get_attribute('html', 'data-python-steps')}"
    )
    page.wait_for_selector("body[data-state=ready][data-solved='1']", timeout=LONG)
    assert f"1 of {offered} solved (1 tried)" in text(page, ".mg-progress")


def test_the_training_page_says_it_needs_the_installed_microgrid(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.base + "train.html")
    python_ready(page)
    page.wait_for_function(
        "() => document.getElementById('train-message').textContent.includes('NumPy')",
        timeout=LONG,
    )
    assert "microgrid play" in text(page, "#train-message")
