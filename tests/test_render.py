"""microgrid.show.render: DOT content, real SVG through `dot`, escaping, the flip-book, render()."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from microgrid import (
    GraphvizNotFoundError,
    RenderError,
    Value,
    draw,
    draw_backward_steps,
    explain,
    flipbook_html,
    render,
    topological_order,
    write_flipbook,
    write_steps,
)
from microgrid import sum as msum
from microgrid.show import layout
from microgrid.show.notation import node_names
from microgrid.show.render import RenderTimeoutError

# `microgrid.render` the attribute is the render() function; the module is here.
render_module = importlib.import_module("microgrid.show.render")

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)


def seed() -> Value:
    a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    u = (b * c).named("u")
    v = (a + u).named("v")
    return (3 * v).named("J")


def node_lines(graph: graphviz.Digraph) -> dict[str, str]:
    """{node id: its DOT line} for the node statements of a Digraph."""
    lines = {}
    for line in graph.source.splitlines():
        match = re.match(r"\s*(n\d+) \[", line)
        if match:
            lines[match.group(1)] = line
    return lines


def edges(graph: graphviz.Digraph) -> list[str]:
    return re.findall(r"^\s*(n\d+ -> n\d+)", graph.source, flags=re.MULTILINE)


def svg_texts(svg: str) -> list[str]:
    """Every <text> element of an SVG, as the browser would show it (entities decoded)."""
    root = ET.fromstring(svg)
    return [
        "".join(element.itertext())
        for element in root.iter()
        if element.tag.endswith("}text") or element.tag == "text"
    ]


# ---------------------------------------------------------------------------
# DOT content
# ---------------------------------------------------------------------------


def test_seed_nodes_show_label_formula_value_and_delta() -> None:
    J = seed()
    J.backward()
    lines = node_lines(draw(J))
    # Ids follow the topological order a, b, c, u, v, J.
    assert list(lines) == ["n0", "n1", "n2", "n3", "n4", "n5"]
    expected = {
        "n0": ("<B>a</B>", "5", "dJ/da", "3"),
        "n1": ("<B>b</B>", "3", "dJ/db", "6"),
        "n2": ("<B>c</B>", "2", "dJ/dc", "9"),
        "n3": ("<B>u = b · c</B>", "6", "dJ/du", "3"),
        "n4": ("<B>v = a + u</B>", "11", "dJ/dv", "3"),
        "n5": ("<B>J = 3 · v</B>", "33", "dJ/dJ", "1"),
    }
    for node_id, (title, value, delta_name, delta) in expected.items():
        line = lines[node_id]
        assert title in line
        assert f'value</TD><TD ALIGN="RIGHT">{value}</TD>' in line
        assert f'{delta_name}</TD><TD ALIGN="RIGHT"><FONT COLOR="#b91c1c">{delta}</FONT>' in line
    # Constants are inside formulas, not nodes: 6 nodes, 5 edges.
    assert edges(draw(J)) == ["n1 -> n3", "n2 -> n3", "n0 -> n4", "n3 -> n4", "n4 -> n5"]


def test_deltas_before_backward_are_question_marks_not_zeros() -> None:
    J = seed()
    lines = node_lines(draw(J))
    for line in lines.values():
        assert '<TD ALIGN="RIGHT">?</TD>' in line
        assert '"RIGHT"><FONT COLOR="#b91c1c">0<' not in line
    J.backward()
    assert "?" not in draw(J).source


def test_deltas_from_another_root_are_not_called_d_root() -> None:
    J = seed()
    J.backward()
    v = J.parents[0]
    # v.delta = dJ/dv = 3, so these are not dv/dnode: the rows just say "delta".
    source = draw(v).source
    assert "dv/d" not in source
    assert '>delta</TD><TD ALIGN="RIGHT"><FONT COLOR="#b91c1c">9</FONT>' in source  # dJ/dc
    J.backward()  # accumulated: J.delta is 2, no longer dJ/dJ
    assert "dJ/d" not in draw(J).source


def test_deltas_summed_over_two_roots_are_not_called_d_root() -> None:
    # x feeds two graphs and both ran backward(): x.delta = 2 + 3 is not dJ1/dx = 2.
    x = Value(1.0, label="x")
    J1, J2 = (x * 2).named("J1"), (x * 3).named("J2")
    J1.backward()
    J2.backward()
    source = draw(J1).source
    assert "dJ1/dx" not in source
    assert '>delta</TD><TD ALIGN="RIGHT"><FONT COLOR="#b91c1c">5</FONT>' in source
    J1.zero_grad()
    J1.backward()
    assert '>dJ1/dx</TD><TD ALIGN="RIGHT"><FONT COLOR="#b91c1c">2</FONT>' in draw(J1).source


def test_no_delta_hides_the_delta_rows() -> None:
    J = seed()
    J.backward()
    source = draw(J, show_delta=False).source
    assert "dJ/d" not in source and "?" not in source
    assert "value" in source


def test_one_edge_per_operand_use() -> None:
    x = Value(3.0, label="x")
    y = (x * x).named("y")
    assert edges(draw(y)) == ["n0 -> n1", "n0 -> n1"]
    z = msum([x, x, x]).named("z")
    assert edges(draw(z)) == ["n0 -> n1"] * 3


def test_local_derivatives_and_flows_on_edges() -> None:
    J = seed()
    J.backward()
    source = draw(J, show_local=True).source
    assert 'n3 -> n4 [label=<∂v/∂u = 1<BR ALIGN="CENTER"/>← 3 · 1 = 3>]' in source
    assert 'n1 -> n3 [label=<∂u/∂b = 2<BR ALIGN="CENTER"/>← 3 · 2 = 6>]' in source
    assert 'n4 -> n5 [label=<∂J/∂v = 3<BR ALIGN="CENTER"/>← 1 · 3 = 3>]' in source
    # Before backward (or without deltas) only the local derivative is known.
    fresh = seed()
    before = draw(fresh, show_local=True).source
    assert "n3 -> n4 [label=<∂v/∂u = 1>]" in before
    assert "←" not in before
    assert "←" not in draw(J, show_local=True, show_delta=False).source


def test_negative_flows_are_parenthesised() -> None:
    x = Value(2.0, label="x")
    y = (x * -3).named("y")
    z = (y * y).named("z")  # dz/dy = 2y = -12
    z.backward()
    source = draw(z, show_local=True).source
    assert "∂y/∂x = −3<BR" in source
    assert "← (−12) · (−3) = 36" in source
    assert "y = x · (−3)" in source


def test_leaves_computed_nodes_and_the_root_look_different() -> None:
    J = seed()
    lines = node_lines(draw(J))
    leaf, computed, root = lines["n0"], lines["n3"], lines["n5"]
    assert 'fillcolor="#dbeafe"' in leaf and "rounded" in leaf
    assert 'fillcolor="#f3f4f6"' in computed
    assert 'fillcolor="#fde68a"' in root and "bold" in root


def test_highlight_marks_the_paths_from_a_leaf_to_the_root() -> None:
    J = seed()
    b = next(n for n in topological_order(J) if n.label == "b")
    graph = draw(J, highlight=b)
    lines = node_lines(graph)
    on_path = {"n1", "n3", "n4", "n5"}  # b → u → v → J
    for node_id, line in lines.items():
        assert ('color="#dc2626"' in line) == (node_id in on_path), node_id
    marked = re.findall(r"(n\d+ -> n\d+) \[color=\"#dc2626\"", graph.source)
    assert marked == ["n1 -> n3", "n3 -> n4", "n4 -> n5"]
    with pytest.raises(ValueError, match="not a node of the graph"):
        draw(J, highlight=Value(1.0))


def test_names_are_shared_with_explain() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    root = (a * b + a).exp()
    source = draw(root).source
    names = node_names(root)
    assert sorted(names.values()) == ["J", "a", "b", "t1", "t2"]
    assert "<B>t1 = a · b</B>" in source and "<B>t2 = t1 + a</B>" in source
    assert "<B>J = exp(t2)</B>" in source
    assert "t1 = a · b = 2 · 3 = 6" in str(explain(root))


def test_ids_never_come_from_labels() -> None:
    x = Value(1.0, label='n1: "x" -> y; }')
    y = (x + 1).named("n0")
    source = draw(y).source
    assert re.findall(r"^\s*(n\d+) \[", source, flags=re.MULTILINE) == ["n0", "n1"]
    assert edges(draw(y)) == ["n0 -> n1"]


def test_dot_with_many_parents_is_drawn_with_a_short_formula() -> None:
    from microgrid import dot

    ws = [Value(0.01, label=f"w{i}") for i in range(1, 101)]
    z = dot(ws, [1.0] * 100).named("z")
    source = draw(z).source
    assert "z = w1 · 1 + w2 · 1 + … + w100 · 1 (100 terms)" in source


def test_max_nodes_error_gives_the_count_and_the_way_out() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(20):
        y = y * 1.0
    with pytest.raises(ValueError, match=r"21 nodes.*max_nodes=10.*max_nodes=21"):
        draw(y, max_nodes=10)
    assert len(node_lines(draw(y, max_nodes=21))) == 21
    assert len(node_lines(draw(y, max_nodes=None))) == 21


def test_bad_options_are_refused() -> None:
    J = seed()
    with pytest.raises(ValueError, match="rankdir"):
        draw(J, rankdir="XY")
    with pytest.raises(ValueError, match="precision"):
        draw(J, precision=0)
    with pytest.raises(TypeError, match="needs a Value"):
        draw(3.0)  # type: ignore[arg-type]
    assert "rankdir=TB" in draw(J, rankdir="TB").source


def test_precision_controls_the_digits() -> None:
    z = Value(0.123456789, label="z")
    a = z.sigmoid().named("a")
    four, eight = f">{a.value:.4g}<", f">{a.value:.8g}<"
    assert four != eight
    assert four in draw(a).source and eight not in draw(a).source
    assert eight in draw(a, precision=8).source


def test_the_digraph_shows_itself_in_jupyter() -> None:
    graph = draw(seed())
    assert isinstance(graph, graphviz.Digraph)
    assert hasattr(graph, "_repr_mimebundle_")


# ---------------------------------------------------------------------------
# Escaping: labels are data, checked in the SVG that the real dot draws.
# ---------------------------------------------------------------------------

HOSTILE = [
    'he said "hi"',
    "<b>bold?</b> & <br/>",
    "{record|fields}",
    "back\\slash \\N \\G \\n \\l",
    "]]> <!-- -->",
    "&amp; &#60;",
]


@needs_dot
def test_hostile_labels_render_literally_in_svg() -> None:
    leaves = [Value(float(i), label=label) for i, label in enumerate(HOSTILE, start=1)]
    root = msum(leaves).named("two\nlines")
    root.backward()
    svg = draw(root, show_local=True).pipe(format="svg").decode("utf-8")
    texts = svg_texts(svg)
    for label in HOSTILE:
        assert label in texts, label  # each label, exactly, as one text line
    # A newline in a label is a line break: "two" and "lines = …" are separate lines.
    assert "two" in texts and any(text.startswith("lines = ") for text in texts)
    assert any(text.startswith("∂(two") for text in texts)


@needs_dot
def test_control_characters_are_shown_not_lost() -> None:
    x = Value(1.0, label="tab\there\x00nul")
    svg = draw(x * 2).pipe(format="svg").decode("utf-8")
    assert "tab\\there\\x00nul" in svg_texts(svg)


def test_html_in_labels_is_escaped_in_the_dot_source() -> None:
    x = Value(1.0, label="<TABLE>")
    source = draw((x * 2).named("y")).source
    assert "&lt;TABLE&gt;" in source
    assert source.count("<TABLE ") == 2  # only our own tables


# ---------------------------------------------------------------------------
# The flip-book
# ---------------------------------------------------------------------------


def test_one_frame_per_node_in_backward_order() -> None:
    J = seed()
    frames = draw_backward_steps(J)
    order = topological_order(J)
    assert len(frames) == len(order) == 6
    explained = [line.strip() for line in explain(J).lines()[-6:]]
    for step, frame in enumerate(frames, start=1):
        source = frame.source
        # The node computed at this step is highlighted (fill colour of the current node).
        current = len(order) - step  # its id: backward order is reversed topological order
        assert 'fillcolor="#fecaca"' in node_lines(frame)[f"n{current}"]
        assert source.count('fillcolor="#fecaca"') == 1
        # Nodes not reached yet show "?": 5, 4, ..., 0 of them.
        assert source.count('<TD ALIGN="RIGHT">?</TD>') == len(order) - step
        # The caption is the explain() line of that node.
        assert f"Step {step} of 6: {explained[step - 1]}" in source.replace("&#x27;", "'")


def test_flipbook_does_not_need_or_change_backward() -> None:
    J = seed()
    frames = draw_backward_steps(J)
    assert all(node.delta == 0.0 for node in topological_order(J))
    assert "dJ/du = dJ/dv · ∂v/∂u = 3 · 1 = 3" in frames[2].source


@needs_dot
def test_flipbook_page_is_self_contained() -> None:
    page = flipbook_html(seed())
    assert page.count('<section class="frame"') == 6
    assert page.count("<svg") == 6
    for step in range(1, 7):
        assert f'id="step-{step}" data-step="{step}"' in page
    # No network resources: no external scripts, styles, images or fonts.
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "@import" not in page and "url(" not in page
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    # SVG ids are unique across the frames.
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


@needs_dot
def test_write_steps_writes_numbered_svgs(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    y = x
    for i in range(11):
        y = (y * 1.5).named(f"y{i}")
    paths = write_steps(y, tmp_path / "frames")
    assert [p.name for p in paths] == [f"step-{i:02d}.svg" for i in range(1, 13)]
    assert all(ET.fromstring(p.read_text()).tag.endswith("svg") for p in paths)
    assert "Step 12 of 12" in "".join(svg_texts(paths[-1].read_text()))


# ---------------------------------------------------------------------------
# render()
# ---------------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize(
    ("name", "magic"),
    [("j.svg", b"<?xml"), ("j.png", b"\x89PNG"), ("j.pdf", b"%PDF"), ("J.SVG", b"<?xml")],
)
def test_render_picks_the_format_from_the_extension(
    tmp_path: Path, name: str, magic: bytes
) -> None:
    J = seed()
    J.backward()
    path = render(J, tmp_path / name, show_local=True)
    assert path.read_bytes().startswith(magic)


def test_render_dot_source_needs_no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)
    J = seed()
    for name in ("j.dot", "j.gv"):
        path = render(J, tmp_path / name)
        assert path.read_text(encoding="utf-8") == draw(J).source


def test_render_without_dot_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)
    J = seed()
    for name in ("j.svg", "j.png", "j.pdf"):
        with pytest.raises(GraphvizNotFoundError) as raised:
            render(J, tmp_path / name)
        message = str(raised.value)
        assert "sudo apt-get install graphviz" in message
        assert "brew install graphviz" in message
        assert name in message
        assert not (tmp_path / name).exists()
    with pytest.raises(GraphvizNotFoundError):
        write_flipbook(J, tmp_path / "f.html")
    with pytest.raises(GraphvizNotFoundError):
        write_steps(J, tmp_path / "steps")


def test_render_without_dot_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no dot anywhere
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render(seed(), tmp_path / "j.svg")


def test_render_refuses_unknown_extensions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot, \.gv"):
        render(seed(), tmp_path / "j.jpeg")
    with pytest.raises(ValueError, match="extension"):
        render(seed(), tmp_path / "j")


def test_render_accepts_a_digraph(tmp_path: Path) -> None:
    graph = draw(seed(), rankdir="TB")
    assert render(graph, tmp_path / "g.dot").read_text() == graph.source
    with pytest.raises(TypeError, match="no draw options"):
        render(graph, tmp_path / "g.dot", rankdir="LR")


# ---------------------------------------------------------------------------
# docs/figures are up to date
# ---------------------------------------------------------------------------


def test_checked_in_figures_are_not_stale() -> None:
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "docs" / "make_figures.py"
    spec = importlib.util.spec_from_file_location("make_figures", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stale = module.stale_figures()
    assert not stale, f"regenerate with: python docs/make_figures.py ({', '.join(stale)} stale)"


SLEEP = shutil.which("sleep") or "/bin/sleep"


def fake_dot(folder: Path, body: str) -> Path:
    """A `dot` on PATH that runs the shell commands `body` (for failures and hangs)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "dot"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return folder


def test_a_failing_dot_is_a_render_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = fake_dot(tmp_path / "bin", 'echo "Error: out of memory" >&2; exit 1')
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(
        RenderError, match=r"cannot draw .*j\.svg: dot failed: Error: out of memory"
    ):
        render(seed(), tmp_path / "j.svg")


# ---------------------------------------------------------------------------
# Big graphs: a simpler layout, a time limit, progress, an honest max_nodes hint.
# ---------------------------------------------------------------------------


def wide_sum(terms: int) -> Value:
    """x·0 + x·1 + … : the leaf x feeds every rank (what made dot take minutes)."""
    x = Value(1.0, label="x")
    y = x * 0
    for k in range(1, terms):
        y = y + x * k
    return y


def test_small_graphs_are_drawn_as_they_are() -> None:
    graph = draw(wide_sum(40))  # 80 nodes
    assert "splines" not in graph.source and "dashed" not in graph.source
    assert len(node_lines(graph)) == 80


def test_big_graphs_draw_far_uses_again_and_lay_out_simply() -> None:
    root = wide_sum(150)  # 300 nodes: 26 s, then > 200 s, before
    graph = draw(root)
    source = graph.source
    for name, value in layout.BIG_GRAPH_ATTRIBUTES.items():
        assert f"{name}={value}" in source
    copies = re.findall(r"^\s*(n\d+c\d+) \[.*dashed", source, flags=re.MULTILINE)
    # x is drawn once in full and again beside each far use, with its name only.
    assert len(copies) == 147
    assert source.count("<I>x</I>") == 147
    # Every operand still has exactly one edge into its node.
    arrows = re.findall(r"^\s*\S+ -> (n\d+)", source, flags=re.MULTILINE)
    assert len(arrows) == sum(len(node.parents) for node in topological_order(root))


@needs_dot
def test_the_default_max_nodes_draws_without_hitting_the_time_limit(tmp_path: Path) -> None:
    # 500 nodes of the slowest shape: well inside the limit (timings: benchmarks/drawing.py).
    messages: list[str] = []
    render(wide_sum(250), tmp_path / "big.svg", progress=messages.append)
    assert (tmp_path / "big.svg").read_bytes().startswith(b"<?xml")
    assert messages == ["laying out 500 nodes with dot (limit 30 s)…"]


@needs_dot
def test_small_graphs_say_nothing(tmp_path: Path) -> None:
    messages: list[str] = []
    render(seed(), tmp_path / "j.svg", progress=messages.append)
    assert messages == []


def test_a_hanging_dot_is_stopped_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "dot.pid"
    bin_dir = fake_dot(tmp_path / "bin", f"echo $$ > {pid_file}; exec {SLEEP} 60")
    monkeypatch.setenv("PATH", str(bin_dir))
    start = time.monotonic()
    with pytest.raises(RenderTimeoutError) as raised:
        render(wide_sum(60), tmp_path / "j.svg", timeout=0.5, progress=None)
    assert time.monotonic() - start < 10
    message = str(raised.value)
    assert "did not finish in 0.5 s and was stopped" in message
    assert "120 nodes" in message and "max_nodes" in message and "--timeout" in message
    assert not (tmp_path / "j.svg").exists()
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # dot is gone, not left running


def test_the_flipbook_time_limit_covers_all_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = fake_dot(tmp_path / "bin", f"{SLEEP} 0.3; echo '<svg></svg>'")
    monkeypatch.setenv("PATH", str(bin_dir))
    start = time.monotonic()
    with pytest.raises(RenderTimeoutError, match="flip-book"):
        flipbook_html(seed(), timeout=0.5, progress=None)  # 6 frames of 0.3 s each
    assert time.monotonic() - start < 5


def test_bad_timeouts_are_refused(tmp_path: Path) -> None:
    for bad in (0, -1.0, float("nan"), True, 1e308, float("inf"), 10**400):
        with pytest.raises(ValueError, match="timeout must be a number of seconds"):
            render(seed(), tmp_path / "j.svg", timeout=bad)
    with pytest.raises(ValueError, match=r"at most 86400 \(a day\), got 1e\+308"):
        render(seed(), tmp_path / "j.svg", timeout=1e308)  # it was the clock's OverflowError


def test_the_max_nodes_hint_never_suggests_an_undrawable_size() -> None:
    drawable = layout.drawable_nodes()
    with pytest.raises(ValueError) as raised:
        draw(wide_sum(drawable // 2 + 100), max_nodes=500)  # more than dot can do in time
    message = str(raised.value)
    assert f"{drawable + 200} nodes" in message
    assert f"max_nodes={drawable + 200})" not in message
    assert "smaller graph" in message and "graph.dot" in message
    with pytest.raises(ValueError, match=r"max_nodes=600\) \(on the command line --max-nodes 600"):
        draw(wide_sum(300), max_nodes=500)  # drawable: the hint says how


def test_the_flipbook_title_escapes_control_characters() -> None:
    J = (Value(1.0, label="a\x00b\x1bc") * 2).named("J\x1b")
    page = flipbook_html(J, progress=None)
    head = page[: page.index("<main>")]
    assert "\x00" not in page and "\x1b" not in page
    assert "<title>Backprop, one node at a time: d(J\\x1b)/dnode for J\\x1b</title>" in head
    assert "<h1>Backprop, one node at a time: d(J\\x1b)/dnode for J\\x1b</h1>" in head
    custom = flipbook_html(J, title="t\x07<i>", progress=None)
    assert "<title>t\\x07&lt;i&gt;</title>" in custom


def test_the_jupyter_picture_has_the_time_limit_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = fake_dot(tmp_path / "bin", f"exec {SLEEP} 60")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(render_module, "DEFAULT_TIMEOUT", 0.3)
    with pytest.raises(RenderTimeoutError, match=r"did not finish in 0\.3 s"):
        draw(seed())._repr_mimebundle_()


def test_a_small_graph_with_a_far_fanout_and_edge_labels_gets_copies() -> None:
    # x·x·…·x: x feeds every rank. With ∂child/∂parent on the edges, 50 factors kept
    # dot busy for over 30 s (the explorer's show_local); copies of x make it quick.
    x = Value(1.0, label="x")
    y = x * x
    for _ in range(33):  # 35 factors, 36 nodes: dot's hidden nodes on x's edges, 560
        y = y * x
    assert "dashed" in draw(y, show_local=True).source  # labelled: 1120 > 800
    assert "dashed" not in draw(y).source  # unlabelled: still drawn whole
