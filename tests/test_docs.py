"""The docs cannot lie: every example in README.md and docs/*.md is run.

* Every ```python block is a doctest (``>>>`` lines and the output they print).
  The blocks of one page run in order in one namespace, like a notebook, so a
  chapter can build a graph in one block and inspect it in the next. A python
  block without ``>>>`` fails: nothing shown as Python goes unchecked.
* Every ``$ microgrid ...`` line in a ```console block is run through
  `microgrid.apps.cli.main` and must print what the page shows after it.
* Printed numbers are compared digit for digit, except where the page marks the digits
  that are the same on every machine: a line ending in ``0.218...`` (``...`` right after a
  digit) matches a printed number that starts with 0.218 (0.218607, 0.218553), and only
  that. A ``...`` anywhere else stands for any text, as in any doctest (a skipped line, a
  memory address). docs/testing.md says which printed numbers need it and why.
* Every relative link and image points at a file that exists (and, for
  ``page.md#anchor``, at a heading that exists).
* docs/api.md lists every name in `microgrid.__all__`; the glossary has every
  Chinese term from the seed.

Failures name the page and the line, e.g. ``docs/01-computation-graph.md:42``.
"""

from __future__ import annotations

import contextlib
import doctest
import inspect
import io
import os
import re
import shlex
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import microgrid
from microgrid.apps import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

# The chapters the tutorial promises (issue 6); each must exist and be linked from index.md.
CHAPTERS = [
    "00-a-picture-as-numbers.md",
    "01-computation-graph.md",
    "02-backprop.md",
    "03-logistic-one-example.md",
    "04-logistic-m-examples.md",
    "04b-why-this-loss.md",
    "05-vectorization.md",
    "05b-from-one-path-to-a-matrix.md",
    "06-gradient-checking.md",
    "07-your-own-primitive.md",
    "09b-initialization-and-regularization.md",
    "09c-optimization.md",
    "10-check-your-own-backprop.md",
    "11-second-derivatives.md",
    "glossary.md",
    "api.md",
    "architecture.md",
    "performance.md",
    "testing.md",
]
SEED_TERMS = [
    "正向传播",
    "反向传播",
    "计算图",
    "损失函数",
    "代价函数",
    "梯度下降",
    "学习率",
    "向量化",
    "偏置",
    "权重",
]


@dataclass
class Block:
    """A fenced code block: its info string (``python``), first content line (1-based), text."""

    lang: str
    line: int
    text: str


def fenced_blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, with the line where each one's content starts.

    >>> [(b.lang, b.line, b.text) for b in fenced_blocks("x\\n```python\\n>>> 1\\n1\\n```\\n")]
    [('python', 3, '>>> 1\\n1\\n')]
    """
    blocks: list[Block] = []
    fence: str | None = None
    lang, start, body = "", 0, []
    for number, line in enumerate(markdown.splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            match = re.match(r"(`{3,}|~{3,})\s*([\w+-]*)", stripped)
            if match:
                fence, lang, start, body = match.group(1), match.group(2).lower(), number + 1, []
        elif stripped.startswith(fence) and stripped.strip(fence[0]) == "":
            blocks.append(Block(lang, start, "".join(f"{b}\n" for b in body)))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        raise ValueError(f"a ``` fence opened on line {start - 1} is never closed")
    return blocks


def doctest_source(blocks: list[Block]) -> str:
    """The python blocks as one doctest text, each block at its own line of the page.

    Padding with blank lines keeps line numbers true (a failure says which line
    of the page), and a blank line also ends the expected output of the block before.
    """
    lines: list[str] = []
    for block in blocks:
        lines.extend([""] * (block.line - 1 - len(lines)))
        lines.extend(block.text.splitlines())
    return "\n".join(lines) + "\n"


# A number cut short by "..." at the end of a line (``Cost: 0.218...``): its printed
# digits go on (``0.218607``, or ``1.5`` for ``1...``), maybe with an exponent, and the
# line ends there. Mid-line, ``0.62...  FAIL`` is doctest's "anything" as before.
STABLE_DIGITS = re.compile(r"(\d)\.\.\.[ \t]*$", re.M)
_MARK = "\x00"  # stands for a STABLE_DIGITS "..." while whitespace is normalized


class StableDigitsChecker(doctest.OutputChecker):
    """doctest's checker, plus the page's mark for the digits that every machine prints.

    Where a line of an expected output ends in ``DIGITS...``, the ``...`` stands for more
    digits of that number only: ``Cost: 0.218...`` matches ``Cost: 0.218614`` but not
    ``Cost: 0.21``, ``Cost: 0.219``, ``Cost: 0.218 and more`` or a ``Cost: 0.218`` followed
    by more lines. Why: after 10,000 steps the last digits of a cost depend on how the
    machine's BLAS rounds its sums, and the page says which digits to trust
    (docs/testing.md). Any other ``...`` is doctest's ELLIPSIS.
    """

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if not STABLE_DIGITS.search(want):
            return super().check_output(want, got, optionflags)
        # The expected text becomes a pattern: text as it is, each marked number as its
        # digits then more digits, any other "..." as doctest's anything. Whitespace is
        # normalized in both, as NORMALIZE_WHITESPACE does.
        marked = STABLE_DIGITS.sub(lambda m: m.group(1) + _MARK, want)
        pattern = []
        for piece in re.split(rf"({_MARK}|\.\.\.)", " ".join(marked.split())):
            if piece == "...":
                pattern.append(".*?")
            elif piece == _MARK:
                pattern.append(r"[\d.]*(?:e[-+]?\d+)?(?=\s|$)")
            else:
                pattern.append(re.escape(piece.replace("<BLANKLINE>", "")))
        return re.fullmatch("".join(pattern), " ".join(got.split()), re.S) is not None


CHECKER = StableDigitsChecker()


def run_python_blocks(name: str, markdown: str) -> tuple[int, int, str]:
    """Run a page's python blocks as one doctest: (failures, examples tried, report)."""
    blocks = [b for b in fenced_blocks(markdown) if b.lang in ("python", "py", "pycon")]
    source = doctest_source(blocks)
    test = doctest.DocTestParser().get_doctest(source, {"__name__": "__docs__"}, name, name, 0)
    out = io.StringIO()
    runner = doctest.DocTestRunner(checker=CHECKER, optionflags=FLAGS)
    result = runner.run(test, out=out.write, clear_globs=True)
    return result.failed, result.attempted, out.getvalue()


def console_commands(block: Block) -> Iterator[tuple[int, str, str]]:
    """(line, command, expected output) for each ``$ command`` line of a console block."""
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            raise ValueError(f"line {block.line + i}: a console block must start with '$ '")
        command, number = lines[i][2:], block.line + i
        i += 1
        expected: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        yield number, command, "".join(f"{e}\n" for e in expected)


def run_console_command(command: str) -> str:
    """Run ``microgrid ARGS`` in-process and return what it printed (stdout and stderr)."""
    argv = shlex.split(command)
    if not argv or argv[0] != "microgrid":
        raise ValueError(f"only microgrid commands are run from docs, not {command!r}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            cli.main(argv[1:])
        except SystemExit:  # --help and argparse errors exit; their text is the output
            pass
    return out.getvalue()


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: ``## 1. The nudge!`` → ``1-the-nudge``."""
    text = heading.strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N"))
    return kept.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    outside = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return {github_anchor(h) for h in re.findall(r"^#{1,6}\s+(.*?)\s*#*$", outside, flags=re.M)}


def local_links(markdown: str) -> list[str]:
    """Relative link targets of a page: ``[text](target)`` and ``![alt](target)``."""
    outside = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    outside = re.sub(r"`[^`\n]*`", "", outside)
    targets = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", outside)
    targets += re.findall(r"<img[^>]*\bsrc=\"([^\"]+)\"", outside)
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# ---------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_python_blocks_run_and_print_what_they_show(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markdown = page.read_text(encoding="utf-8")
    for block in fenced_blocks(markdown):
        if block.lang in ("python", "py", "pycon"):
            assert ">>>" in block.text, (
                f"{_id(page)}:{block.line}: a python block with no >>> would go unchecked; "
                "write it as a doctest (>>> lines and their output)"
            )
    # Examples that write files write them in a scratch directory.
    monkeypatch.chdir(tmp_path)
    failed, _, report = run_python_blocks(_id(page), markdown)
    assert failed == 0, f"{_id(page)}: {failed} example(s) print something else:\n{report}"


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_console_blocks_print_what_they_show(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps --help text to the terminal width
    for block in fenced_blocks(page.read_text(encoding="utf-8")):
        if block.lang != "console":
            continue
        for line, command, expected in console_commands(block):
            got = run_console_command(command)
            assert CHECKER.check_output(expected, got, FLAGS), (
                f"{_id(page)}:{line}: `{command}` prints\n{got}\nbut the page shows\n{expected}"
            )


def quoted_files(markdown: str) -> list[tuple[int, str, str, str]]:
    """(line, how, file, text) for each block right after a quoting comment.

    ``<!-- same as path/to/file -->``: the block is the whole file.
    ``<!-- lines from path/to/file -->``: every line of the block is a line of the file
    (a few rows of a table, say).
    """
    lines = markdown.splitlines()
    quotes = []
    for block in fenced_blocks(markdown):
        # The fence is on line block.line - 1; the comment on the line before it.
        above = lines[block.line - 3].strip() if block.line >= 3 else ""
        match = re.fullmatch(r"<!--\s*(same as|lines from)\s+(\S+)\s*-->", above)
        if match:
            quotes.append((block.line, match.group(1), match.group(2), block.text))
    return quotes


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_quoted_files_match_the_files(page: Path) -> None:
    # Numbers from other files (docs/figures/*.txt, made by make_figures.py and checked
    # there for staleness; the measured speeds in performance.md) are quoted in the
    # pages: a quote must match its file.
    for line, how, name, text in quoted_files(page.read_text(encoding="utf-8")):
        quoted = page.parent / name
        assert quoted.exists(), f"{_id(page)}:{line}: quotes {name}, which does not exist"
        source = quoted.read_text(encoding="utf-8")
        if how == "same as":
            assert text == source, f"{_id(page)}:{line}: the block differs from {name}"
        else:
            missing = [q for q in text.splitlines() if q not in source.splitlines()]
            assert not missing, f"{_id(page)}:{line}: {name} has no line {missing[0]!r}"


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_links_and_images_point_at_files_that_exist(page: Path) -> None:
    broken = []
    for target in local_links(page.read_text(encoding="utf-8")):
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md":
            if anchor not in anchors(linked.read_text(encoding="utf-8")):
                broken.append(f"{target} (no heading #{anchor} in {linked.name})")
    assert not broken, f"{_id(page)} has broken links: {broken}"


def test_every_chapter_exists_and_is_linked_from_index() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = {t.partition("#")[0] for t in local_links(index)}
    missing = [c for c in CHAPTERS if not (DOCS / c).exists()]
    unlinked = [c for c in CHAPTERS if c not in linked]
    assert not missing, f"docs/ lacks {missing}"
    assert not unlinked, f"docs/index.md does not link {unlinked}"


def source_file(obj: object) -> str | None:
    """The .py file that defines `obj`; for the compiled engine, the source it was built from."""
    try:
        source = inspect.getsourcefile(inspect.unwrap(obj))  # type: ignore[arg-type]
    except TypeError:  # a function compiled by mypyc is a builtin
        source = None
    if source is None and getattr(obj, "__module__", None):
        module = sys.modules[obj.__module__]  # type: ignore[attr-defined]
        stem = module.__name__.rpartition(".")[2]
        source = str(Path(module.__file__ or "").with_name(f"{stem}.py"))
    return source


API_ROW = re.compile(r"^\s*[-*]\s+\[`([\w.]+)`\]\(([^)\s]+)\)", flags=re.M)


def test_api_page_lists_every_public_name_with_its_source() -> None:
    rows = dict(API_ROW.findall((DOCS / "api.md").read_text(encoding="utf-8")))
    missing = [name for name in microgrid.__all__ if name not in rows]
    assert not missing, f"docs/api.md does not list {missing}"
    wrong = []
    for name, link in rows.items():
        obj: object = microgrid
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is None:
            wrong.append(f"{name}: no such name in microgrid")
            continue
        # The link must open the file that defines the name (where its docstring is).
        source = source_file(obj)
        if source is None or (DOCS / link).resolve() != Path(source).resolve():
            wrong.append(f"{name}: links {link}, defined in {source}")
    assert not wrong, f"docs/api.md: {wrong}"


def test_glossary_has_every_seed_term() -> None:
    glossary = (DOCS / "glossary.md").read_text(encoding="utf-8")
    missing = [term for term in SEED_TERMS if term not in glossary]
    assert not missing, f"docs/glossary.md lacks {missing}"


def test_readme_shows_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme and "make bench" in readme


def test_readme_speed_table_quotes_performance_md() -> None:
    # Each README row "| (a) ... |" may only show numbers that performance.md's rows
    # for the same case (a) show: measured numbers are never typed in by hand twice.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    performance = (DOCS / "performance.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \((\w)\) (.*)$", readme, flags=re.M)
    assert len(rows) >= 4, "the README's speed table is gone"
    for case, row in rows:
        measured = " ".join(re.findall(rf"^\| \({case}\) .*$", performance, flags=re.M))
        cells = row.split("|")[1:]  # the first cell describes the case in words
        numbers = re.findall(r"\d[\d,.]*(?: ms|×)?", " ".join(cells))
        unmatched = [n for n in numbers if n not in measured]
        assert not unmatched, f"README row ({case}) shows {unmatched}, not in performance.md"


def test_readme_claims_about_micrograd_hold() -> None:
    # The README's comparison table says what micrograd 0.1.0 lacks and where its
    # recursive backward stops; check it against the real package (the `compare` extra).
    micrograd = pytest.importorskip("micrograd.engine")
    ops = {"exp", "log", "sigmoid", "tanh", "sqrt", "abs"}
    assert not ops & set(dir(micrograd.Value)), "micrograd gained ops: update the README"
    x = micrograd.Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    with pytest.raises(RecursionError):
        y.backward()
    # And microgrid, at twenty times the depth, under the same recursion limit:
    v = microgrid.Value(0.5)
    w = v
    for _ in range(100_000):
        w = w * 1.0
    w.backward()
    assert v.delta == 1.0


# ---------------------------------------------------------------------------
# The harness itself: a wrong page must fail.
# ---------------------------------------------------------------------------


def test_a_wrong_shown_output_is_caught() -> None:
    page = "Text.\n\n```python\n>>> x = 2\n```\n\nMore.\n\n```python\n>>> x + 1\n4\n```\n"
    failed, attempted, report = run_python_blocks("wrong.md", page)
    assert (failed, attempted) == (1, 2)
    # The report names the page line of the failing example (line 10).
    assert "line 10" in report and "Expected:\n    4\nGot:\n    3" in report


def test_stable_digits_mark_matches_more_digits_of_that_number_only() -> None:
    def check(want: str, got: str) -> bool:
        return CHECKER.check_output(want, got, FLAGS)

    cost = "Cost at 0: 0.693048\nCost at 9000: 0.218...\n"
    assert check(cost, "Cost at 0: 0.693048\nCost at 9000: 0.218607\n")
    assert check(cost, "Cost at 0: 0.693048\nCost at 9000: 0.218\n")
    assert not check(cost, "Cost at 0: 0.693048\nCost at 9000: 0.2191\n")
    assert not check(cost, "Cost at 0: 0.693049\nCost at 9000: 0.2186\n")
    # The marked "..." stands for digits only, never for more lines or more text.
    assert not check(cost, "Cost at 0: 0.693048\nCost at 9000: 0.218\nx\n")
    assert not check("J = 0.21...\n", "J = 0.21 and more\n")
    # An exponent may follow the digits; doctest's own "..." still works beside the mark,
    # and mid-line (a number, then other columns) "..." is doctest's anything.
    assert check("d = 3.1...\n", "d = 3.19e-09\n")
    assert check("a\n...\nb = 1...\n", "a\nskipped\nlines\nb = 1.5\n")
    assert check("x  0.6224...  FAIL\nJ = 2...\n", "x  0.62245  2.4e-01  FAIL\nJ = 2.5\n")
    failed, attempted, _ = run_python_blocks("m.md", "```python\n>>> 2 / 3\n0.66...\n```\n")
    assert (failed, attempted) == (0, 1)
    failed, attempted, _ = run_python_blocks("m.md", "```python\n>>> 2 / 3\n0.67...\n```\n")
    assert (failed, attempted) == (1, 1)


def test_a_right_page_passes_and_blocks_share_a_namespace() -> None:
    page = "```python\n>>> x = 2\n```\n\n```python\n>>> x + 1\n3\n```\n"
    assert run_python_blocks("right.md", page)[:2] == (0, 2)


def test_quoted_blocks_are_found() -> None:
    page = "Text\n\n<!-- same as figures/x.txt -->\n```text\nJ = 1\n```\n\n```text\nno\n```\n"
    assert quoted_files(page) == [(5, "same as", "figures/x.txt", "J = 1\n")]


def test_an_unclosed_fence_is_an_error() -> None:
    with pytest.raises(ValueError, match="never closed"):
        fenced_blocks("```python\n>>> 1\n")


def test_console_blocks_are_split_into_commands() -> None:
    block = Block("console", 5, "$ microgrid --version\nx\n$ microgrid y\n")
    assert list(console_commands(block)) == [
        (5, "microgrid --version", "x\n"),
        (7, "microgrid y", ""),
    ]
    with pytest.raises(ValueError, match="only microgrid"):
        run_console_command("rm -rf /")


def test_github_anchors() -> None:
    assert github_anchor("1. The nudge experiment!") == "1-the-nudge-experiment"
    assert github_anchor("dz = a − y") == "dz--a--y"
    assert github_anchor("Glossary: 计算图") == "glossary-计算图"


def test_pages_are_found() -> None:
    # Guards the parametrized tests above against silently checking nothing.
    assert ROOT / "README.md" in PAGES and len(PAGES) > 1
    assert os.path.isdir(DOCS)
