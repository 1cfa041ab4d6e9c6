"""The flip-book page in a real browser: headless Chromium's --dump-dom shows the DOM
after the page's own JavaScript ran (`#step=N`, buttons, arrow keys)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from microgrid import Value, write_flipbook

BROWSER = next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
)

pytestmark = [
    pytest.mark.skipif(
        BROWSER is None,
        reason="chromium is not installed, so the flip-book page is not tested in a browser "
        "(`make test` installs it as root: apt-get install chromium)",
    ),
    pytest.mark.skipif(
        shutil.which("dot") is None, reason="Graphviz's dot is needed to draw the flip-book"
    ),
]

STEPS = 6  # the seed's graph has six nodes


class PageState(HTMLParser):
    """What the dumped DOM says: which frames are active/hidden, the counter, the buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: dict[int, dict[str, str | None]] = {}
        self.body: dict[str, str | None] = {}
        self.buttons: dict[str, dict[str, str | None]] = {}
        self.counter = ""
        self._in_counter = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and "frame" in (attributes.get("class") or ""):
            self.frames[int(attributes["data-step"] or 0)] = attributes
        elif tag == "body":
            self.body = attributes
        elif tag == "button":
            self.buttons[attributes.get("id") or ""] = attributes
        elif tag == "span" and attributes.get("id") == "counter":
            self._in_counter = True

    def handle_data(self, data: str) -> None:
        if self._in_counter:
            self.counter += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_counter = False

    def active(self) -> list[int]:
        return [
            step
            for step, attributes in self.frames.items()
            if "active" in (attributes.get("class") or "").split()
        ]

    def visible(self) -> list[int]:
        return [step for step, attributes in self.frames.items() if "hidden" not in attributes]


def dump_dom(url: str) -> PageState:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=2000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    state = PageState()
    state.feed(result.stdout)
    assert len(state.frames) == STEPS, result.stdout[:500]
    return state


@pytest.fixture(scope="module")
def page() -> Path:
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    J = (3 * (a + (b * c).named("u")).named("v")).named("J")
    directory = Path(tempfile.mkdtemp(prefix="flipbook-"))
    return write_flipbook(J, directory / "flipbook.html")


@pytest.mark.parametrize(("fragment", "step"), [("#step=1", 1), ("#step=4", 4), ("#step=6", 6)])
def test_step_in_the_address_selects_the_frame(page: Path, fragment: str, step: int) -> None:
    state = dump_dom(page.as_uri() + fragment)
    assert state.active() == [step]
    assert state.visible() == [step]  # every other frame is hidden
    assert state.counter == f"step {step} of {STEPS}"
    assert state.body.get("data-step") == str(step)


@pytest.mark.parametrize(("fragment", "step"), [("", 1), ("#step=99", STEPS), ("#step=0", 1)])
def test_missing_or_out_of_range_steps_are_clamped(page: Path, fragment: str, step: int) -> None:
    state = dump_dom(page.as_uri() + fragment)
    assert state.active() == [step]
    assert ("disabled" in state.buttons["prev"]) == (step == 1)
    assert ("disabled" in state.buttons["next"]) == (step == STEPS)


def with_actions(page: Path, actions: str) -> Path:
    """A copy of the page with a script that acts like a user after the page's script."""
    html = page.read_text(encoding="utf-8")
    script = (
        "<script>"
        "function key(name) {"
        '  document.dispatchEvent(new KeyboardEvent("keydown", {key: name, bubbles: true}));'
        "}"
        "function click(id) { document.getElementById(id).click(); }"
        f"{actions}"
        'document.body.setAttribute("data-hash", window.location.hash);'
        "</script>"
    )
    copy = page.with_name(f"actions-{abs(hash(actions))}.html")
    copy.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    return copy


def test_arrow_keys_and_buttons_turn_the_pages(page: Path) -> None:
    # From step 1: → → next prev ← ends on step 2, and the address follows.
    copy = with_actions(
        page,
        'key("ArrowRight"); key("ArrowRight"); click("next"); click("prev"); key("ArrowLeft");',
    )
    state = dump_dom(copy.as_uri())
    assert state.active() == [2] and state.visible() == [2]
    assert state.counter == f"step 2 of {STEPS}"
    assert state.body.get("data-hash") == "#step=2"


def test_pages_stop_at_both_ends(page: Path) -> None:
    copy = with_actions(page, 'key("ArrowLeft"); click("prev");')
    state = dump_dom(copy.as_uri())
    assert state.active() == [1]
    ends = with_actions(page, 'key("End"); key("ArrowRight"); click("next");')
    state = dump_dom(ends.as_uri() + "#step=2")
    assert state.active() == [STEPS]
    assert "disabled" in state.buttons["next"]
