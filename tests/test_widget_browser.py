"""The widget in a real notebook: JupyterLab on 127.0.0.1 with a token, driven by Debian's
headless Chromium through Playwright (``executable_path``; nothing is downloaded).

One test, as a learner works: open a notebook, run its cells (a small graph, a 63-node
network graph, an exercise), move a slider and see J and the deltas become the engine's,
step backprop with the button and the arrow key, answer an exercise wrong and then right.
It measures the slider-to-picture latency (printed; the figures are in docs/explorer.md)
and takes the screenshots docs/explorer.md shows when ``MICROGRID_UPDATE_SCREENSHOTS=1``.
It skips, saying why, when chromium, Playwright, anywidget, JupyterLab or dot is missing,
or when the server does not start.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from microgrid import Value, datasets, exercises, explain, logistic
from microgrid.show.notation import format_number

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed, so the widget is not tested in a browser "
        "(`make test` installs Debian's chromium as root)",
    ),
    pytest.mark.skipif(sync_playwright is None, reason="playwright (the dev extra) is missing"),
    pytest.mark.skipif(not _has("anywidget"), reason="anywidget (the widget extra) is missing"),
    pytest.mark.skipif(not _has("jupyterlab"), reason="jupyterlab (the dev extra) is missing"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot draws the graphs"),
]

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
UPDATE = os.environ.get("MICROGRID_UPDATE_SCREENSHOTS") == "1"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LONG = 30_000  # ms: generous waits on a busy shared machine

CELLS = [
    """\
from microgrid import Value, widget, exercises
a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
u = (b * c).named("u"); v = (a + u).named("v"); J = (3 * v).named("J")
small = widget(J)
small""",
    """\
from microgrid import networks
parameters = networks.initialize_parameters([4, 6, 1], seed=1)
big = widget(networks.one_sample_graph([0.5, -1.0, 2.0, 0.25], 1, parameters))
big""",
    """\
exercises.restart()
quiz = widget(exercises.get(5))
quiz""",
    """\
from microgrid import training_widget
trainer = training_widget("logistic", "toy")
trainer""",
]


KERNEL_READY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  const kernel = session && session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _notebook() -> dict[str, object]:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(CELLS)
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """JupyterLab on 127.0.0.1, a fresh port and a random token; its files in a temp dir."""
    home = tmp_path_factory.mktemp("lab")
    (home / "widget.ipynb").write_text(json.dumps(_notebook()), encoding="utf-8")
    # No "get Jupyter news?" pop-up and no "select a kernel" dialog over the widgets.
    for extension, plugin, value in [
        ("apputils-extension", "notification", '{"fetchNews": "false"}'),
        ("notebook-extension", "tracker", '{"autoStartDefaultKernel": true}'),
    ]:
        folder = home / "settings" / "@jupyterlab" / extension
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plugin}.jupyterlab-settings").write_text(value, encoding="utf-8")
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),  # the notary's key too: nothing in ~
        "IPYTHONDIR": str(home / "ipython"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={home}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        # Nothing from the network: no extension manager, no update check, no news.
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # a CI container runs as root
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.skip(
                        "JupyterLab did not start: "
                        + (home / "server.log").read_text(encoding="utf-8")[-600:]
                    )
                time.sleep(0.3)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def page(lab: tuple[str, str]) -> Iterator[Page]:
    base, token = lab
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as error:  # any launch failure is a reason to skip, said
            pytest.skip(f"chromium did not start: {error}"[:300])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(f"{base}/lab/tree/widget.ipynb?token={token}&reset", timeout=LONG)
        tab.wait_for_function(
            "() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')",
            timeout=LONG,
        )
        # Run All is lost when it comes while the kernel's websocket is (re)connecting, as
        # it can on a busy machine: wait for a connected, idle kernel, and try again.
        for _ in range(4):
            tab.wait_for_function(KERNEL_READY, timeout=LONG)
            tab.evaluate(  # not awaited: its promise ends when every cell has run
                "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
            )
            try:
                tab.wait_for_function(
                    "() => document.querySelector('.jp-InputArea-prompt') &&"
                    " !document.querySelector('.jp-InputArea-prompt').innerText.includes('[ ]')",
                    timeout=10_000,
                )
                break
            except PlaywrightError:
                continue
        yield tab
        browser.close()


def widget_root(page: Page, index: int) -> str:
    selector = f".mg-widget >> nth={index}"
    page.wait_for_selector(selector, timeout=LONG)
    return selector


def wait_state(page: Page, root: str, state: str = "ready") -> None:
    page.locator(root).and_(page.locator(f"[data-state={state}]")).wait_for(timeout=LONG)


def engine_seed_graph(a: float, b: float, c: float) -> Value:
    A, B, C = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
    return (3 * (A + (B * C).named("u")).named("v")).named("J")


def leaf(page: Page, root: str, name: str) -> str:
    return f"{root} >> .mg-leaf[data-name='{name}']"


def delta_of(page: Page, root: str, name: str) -> str:
    return page.locator(f"{leaf(page, root, name)} >> .mg-delta").inner_text()


def slider_latency(page: Page, root: str, name: str, moves: int) -> list[float]:
    """ms from a slider move (a click on its track) to J, the deltas and the picture's
    numbers being the new ones, as the page measures it (``data-latency-ms``)."""
    figures = []
    slider = page.locator(f"{leaf(page, root, name)} >> input[type=range]")
    index = int(root.rsplit("=", 1)[1])
    for move in range(moves):
        before = page.locator(root).get_attribute("data-latency-ms")
        box = slider.bounding_box()
        assert box is not None
        slider.click(position={"x": box["width"] * (0.55 + 0.07 * move), "y": box["height"] / 2})
        page.wait_for_function(
            "([index, before]) => { const el = document.querySelectorAll('.mg-widget')[index];"
            " return el.getAttribute('data-latency-ms') !== before &&"
            " el.getAttribute('data-state') !== 'loading'; }",
            arg=[index, before],
            timeout=LONG,
        )
        figures.append(float(page.locator(root).get_attribute("data-latency-ms") or "nan"))
        wait_state(page, root)  # the new layout too, before the next move
    return figures


def test_the_widget_in_jupyterlab(page: Page) -> None:
    small = widget_root(page, 0)
    wait_state(page, small)
    assert page.locator(f"{small} >> .mg-root-value").inner_text() == "33"
    assert page.locator(f"{small} >> .mg-viewport svg g.node").count() == 6

    # A leaf's number field: J and every delta become the engine's.
    number = page.locator(f"{leaf(page, small, 'b')} >> input[type=number]")
    number.fill("4.5")
    wait_state(page, small)
    J = engine_seed_graph(5, 4.5, 2)
    J.backward()
    assert page.locator(f"{small} >> .mg-root-value").inner_text() == format_number(J.value)
    _, b_, c_ = _leaves(J)
    assert delta_of(page, small, "c") == format_number(c_.delta)  # 3 · b = 13.5
    assert delta_of(page, small, "b") == format_number(b_.delta)
    assert "slope" in page.locator(f"{leaf(page, small, 'c')} >> .mg-nudge").inner_text()
    # …and the picture shows them (a node's value/delta rows in draw()'s SVG).
    svg_text = page.locator(f"{small} >> .mg-viewport svg").text_content() or ""
    assert format_number(J.value) in svg_text and format_number(c_.delta) in svg_text

    latency_small = slider_latency(page, small, "a", 5)
    print(f"\nslider → numbers in the picture, 6 nodes: {latency_small} ms")
    if UPDATE:
        page.locator(small).screenshot(path=str(FIGURES / "widget_graph.png"))

    # Backprop step by step: the Step button, then the → key on the widget.
    for _ in range(2):
        page.locator(f"{small} >> button:has-text('Step')").click()
    page.locator(f"{small} >> .mg-stepper legend").click()  # the widget has the keys now
    page.keyboard.press("ArrowRight")
    page.locator(small).and_(page.locator("[data-step='3']")).wait_for(timeout=LONG)
    wait_state(page, small)
    shown = {
        name: float(page.locator(f"{leaf(page, small, name)} >> input[type=number]").input_value())
        for name in "abc"
    }
    assert shown["a"] != 5.0 and shown["b"] == 4.5  # the slider moved a
    lines = [str(row) for row in explain(engine_seed_graph(**shown)).backward]
    assert page.locator(f"{small} >> .mg-step-line").inner_text() == lines[2]
    assert delta_of(page, small, "a") == "?"  # not reached yet
    if UPDATE:
        page.locator(small).screenshot(path=str(FIGURES / "widget_step.png"))

    # The 63-node graph: slider latency, pan and zoom.
    big = widget_root(page, 1)
    wait_state(page, big)
    assert page.locator(f"{big} >> .mg-viewport svg g.node").count() == 63
    latency_big = slider_latency(page, big, "x1", 5)
    print(f"slider → numbers in the picture, 63 nodes: {latency_big} ms")
    before = page.locator(f"{big} >> .mg-viewport svg").get_attribute("viewBox")
    page.locator(f"{big} >> button:has-text('+')").click()
    assert page.locator(f"{big} >> .mg-viewport svg").get_attribute("viewBox") != before
    if UPDATE:  # zoomed in on the output end: the last layer's boxes are readable
        for _ in range(6):
            page.locator(f"{big} >> button:has-text('+')").click()
        viewport = page.locator(f"{big} >> .mg-graph-panel .mg-viewport")
        box = viewport.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        viewport.screenshot(path=str(FIGURES / "widget_network.png"))

    # The layer view of the same network: one box per layer, then layer 1 opened.
    page.locator(f"{big} >> button:has-text('fit')").click()
    assert page.locator(f"{big} >> fieldset.mg-layers").is_visible()
    assert page.locator(f"{small} >> fieldset.mg-layers").is_hidden()  # J = 3(a + bc): none
    page.locator(f"{big} >> input.mg-layers-check").check()
    page.locator(big).and_(page.locator("[data-picture-layers='0']")).wait_for(timeout=LONG)
    wait_state(page, big)
    boxes = page.locator(f"{big} >> .mg-viewport svg").text_content() or ""
    assert "layer 1: 6 tanh units" in boxes and "dW1 = dZ1·Xᵀ / m" in boxes
    assert "dA1 = W2ᵀdZ2 (6, 1)" in boxes and "W1[0,0]" not in boxes
    page.locator(f"{big} >> select.mg-expand").select_option("1")
    page.locator(big).and_(page.locator("[data-picture-layers='1']")).wait_for(timeout=LONG)
    wait_state(page, big)
    opened = page.locator(f"{big} >> .mg-viewport svg").text_content() or ""
    assert "layer 1, opened" in opened and "W1[0,0]" in opened and "dW2 = dZ2·A1ᵀ / m" in opened
    page.locator(f"{big} >> input.mg-layers-check").uncheck()
    page.locator(big).and_(page.locator("[data-picture-layers='off']")).wait_for(timeout=LONG)
    wait_state(page, big)
    assert page.locator(f"{big} >> .mg-viewport svg g.node").count() == 63

    # The exercise: wrong, then right, judged by the engine.
    quiz = widget_root(page, 2)
    answer = page.locator(f"{quiz} >> .mg-answer")
    answer.fill("2")
    answer.press("Enter")
    page.locator(quiz).and_(page.locator("[data-verdict='wrong']")).wait_for(timeout=LONG)
    verdict = page.locator(f"{quiz} >> .mg-verdict").inner_text()
    assert "You gave 2 = ∂u/∂b; the delta also needs dJ/du = 3: 3 · 2 = 6." in verdict
    if UPDATE:
        page.locator(quiz).screenshot(path=str(FIGURES / "widget_exercise.png"))
    answer.fill("6")
    page.locator(f"{quiz} >> button:has-text('Check')").click()
    page.locator(quiz).and_(page.locator("[data-verdict='right']")).wait_for(timeout=LONG)
    progress = page.locator(f"{quiz} >> .mg-progress").inner_text()
    assert f"1 of {exercises.count()} solved" in progress

    # The training view: Step twice, and the cost curve is drawn with the engine's costs.
    started = time.monotonic()
    trainer = ".mg-training"
    page.locator(trainer).and_(page.locator("[data-state=ready]")).wait_for(timeout=LONG)
    assert page.locator(trainer).get_attribute("data-costs") == "0"
    curve = f"{trainer} >> canvas.mg-costs"
    empty = page.locator(curve).evaluate("canvas => canvas.toDataURL()")
    for count in ("1", "2"):
        page.locator(f"{trainer} >> button:has-text('Step')").click()
        page.locator(trainer).and_(page.locator(f"[data-costs='{count}']")).wait_for(timeout=LONG)
    assert page.locator(curve).evaluate("canvas => canvas.toDataURL()") != empty
    X, Y = datasets.toy_2d(200, seed=0)
    descent = logistic.gradient_descent(X, Y, [[0.0], [0.0]], 0.0, 0.1, 2, engine="graph")
    after = logistic.vectorized_gradients(X, Y, descent.w, descent.b).cost
    shown_cost = float(page.locator(trainer).get_attribute("data-cost") or "nan")
    assert shown_cost == pytest.approx(after, rel=1e-12) and after < descent.costs[0]
    status = page.locator(f"{trainer} >> .mg-train-status").inner_text()
    assert f"cost J = {after:.6f}" in status
    page.locator(f"{trainer} >> button:has-text('Train N')").click()  # N = 100
    page.locator(trainer).and_(page.locator("[data-iteration='102']")).wait_for(timeout=LONG)
    assert page.locator(f"{trainer} >> .mg-viewport svg g.node").count() > 8
    if UPDATE:
        page.locator(trainer).screenshot(path=str(FIGURES / "widget_training.png"))
    print(f"\nthe training view's Step, Step, Train 100: {time.monotonic() - started:.1f} s")

    print(
        f"\nslider → numbers in the picture, median of 5 moves: 6 nodes "
        f"{statistics.median(latency_small):.0f} ms {latency_small}, 63 nodes "
        f"{statistics.median(latency_big):.0f} ms {latency_big}"
    )
    assert statistics.median(latency_small) < 1500 and statistics.median(latency_big) < 1500


def _leaves(J: Value) -> list[Value]:
    from microgrid import topological_order

    return [n for n in topological_order(J) if not n.parents]
