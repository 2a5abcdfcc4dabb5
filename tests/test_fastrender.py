"""Fast render (`serve` shows the open pages before the build): a page rendered from the last good
graph with the edit swapped in must be the very page the build then writes, and an edit the graph
depends on must wait for the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import tree_bytes
from llmnotes import fastrender
from llmnotes.build import Session, build_site
from llmnotes.config import load_config

NOTE = "notes/transformers/index.html"
OPEN_PAGES = [
    NOTE,
    "notes/scaling/index.html",  # lists the transformer note (its summary) as a prerequisite
    "topics/attention/index.html",
    "index.html",
    "search/index.html",
    "404.html",
]

# Edits of a note's own text: the graph keeps its shape, so the open pages can be redone at once.
TEXT_EDITS = {
    "summary": ("summary: How attention works.", "summary: How attention works, *edited*."),
    "title": ("title: The transformer", "title: The transformer, revised"),
    "body lines added above a link": ("# Attention\n", "# Attention\n\nA new paragraph.\n\nAnd another one.\n"),
    "annotation and status": ("note: The paper that introduced the transformer.\n    discussion:", "note: Edited annotation.\n    discussion:"),
    "status": ("status: read", "status: reading"),
    "date": ("date: 2024-01-02", "date: 2025-03-04"),
}

# Edits the graph is made from: a fast render would guess, so they wait for the build.
SHAPE_EDITS = {
    "topics": ("topics: [foundations, attention]", "topics: [foundations]"),
    "a link's title": ("title: Attention Is All You Need", "title: Attention Is All You Need (v2)"),
    "a new link": ("links:\n", "links:\n  - url: https://example.org/new\n    title: New\n"),
    "a wikilink": ("Read [[scaling]] next", "Read [[transformers]] next"),
    "draft": ("date: 2024-01-02", "date: 2024-01-02\ndraft: true"),
}


@pytest.fixture
def built(make_site, tmp_path: Path):  # type: ignore[no-untyped-def]
    site = make_site()
    config = load_config(site).with_options(out=tmp_path / "out")
    session = Session()
    assert build_site(config, session=session).built
    assert session.context is not None
    return site, config, session.context


def _edit(site: Path, old: str, new: str) -> Path:
    path = site / "notes" / "transformers.md"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("edit", TEXT_EDITS.values(), ids=TEXT_EDITS.keys())
def test_a_text_edit_renders_the_open_pages_as_the_build_then_writes_them(built, tmp_path: Path, edit: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    site, config, ctx = built
    changed = _edit(site, *edit)
    found = fastrender.edit_of(ctx, ctx.site, [changed], site / "notes", ctx.template_dirs)
    assert found is not None and not found.problems
    fast = fastrender.render(ctx, found.site, OPEN_PAGES)
    assert sorted(fast) == sorted(OPEN_PAGES)
    clean = tmp_path / "clean"
    assert build_site(config.with_options(out=clean), no_cache=True).built
    written = tree_bytes(clean)
    for output, content in fast.items():
        assert content == written[output], output
    assert fast[NOTE] != (tmp_path / "out" / NOTE).read_bytes()  # and the edit shows


def test_resource_pages_follow_an_annotation_edit(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site, config, ctx = built
    rid = ctx.site.note_resources["transformers"][0]
    page = f"resources/{rid}/index.html"
    changed = _edit(site, "note: The paper that introduced the transformer.", "note: Where the transformer began.")
    found = fastrender.edit_of(ctx, ctx.site, [changed], site / "notes", ctx.template_dirs)
    assert found is not None
    fast = fastrender.render(ctx, found.site, [page])
    assert b"Where the transformer began." in fast[page]
    assert build_site(config.with_options(out=tmp_path / "clean"), no_cache=True).built
    assert fast[page] == (tmp_path / "clean" / page).read_bytes()


@pytest.mark.parametrize("edit", SHAPE_EDITS.values(), ids=SHAPE_EDITS.keys())
def test_an_edit_of_what_the_graph_is_made_of_waits_for_the_build(built, edit: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    site, _, ctx = built
    changed = _edit(site, *edit)
    assert fastrender.edit_of(ctx, ctx.site, [changed], site / "notes", ctx.template_dirs) is None


def test_new_notes_topics_and_static_files_wait_for_the_build(built) -> None:  # type: ignore[no-untyped-def]
    site, _, ctx = built
    new = site / "notes" / "new.md"
    new.write_text("---\ntitle: New\n---\n")
    for changed in (new, site / "notes" / "topics.yaml", site / "static" / "style.css", site / "llmnotes.toml"):
        assert fastrender.edit_of(ctx, ctx.site, [changed], site / "notes", ctx.template_dirs) is None, changed


def test_a_broken_edit_gives_its_errors_and_renders_nothing(built) -> None:  # type: ignore[no-untyped-def]
    site, _, ctx = built
    changed = _edit(site, "title: The transformer", "title: [unclosed")
    found = fastrender.edit_of(ctx, ctx.site, [changed], site / "notes", ctx.template_dirs)
    assert found is not None
    assert [f"{d.path}:{d.line}:{d.col}" for d in found.problems] == [f"{found.notes[0]}:3:8"]
    assert "invalid YAML" in found.problems[0].message


def test_a_template_edit_renders_the_open_pages_with_the_new_template(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site, config, ctx = built
    footer = site / "templates" / "partials" / "footer.html"
    footer.parent.mkdir(parents=True)
    theme_footer = Path(__file__).resolve().parents[1] / "templates" / "partials" / "footer.html"
    footer.write_text(theme_footer.read_text().replace("built with llmnotes", "built with llmnotes, by hand"))
    found = fastrender.edit_of(ctx, ctx.site, [footer], site / "notes", ctx.template_dirs)
    assert found is not None and found.site is ctx.site
    fast = fastrender.render(ctx, found.site, OPEN_PAGES)
    assert all(b"built with llmnotes, by hand" in content for content in fast.values())
    assert build_site(config.with_options(out=tmp_path / "clean"), no_cache=True).built
    written = tree_bytes(tmp_path / "clean")
    assert all(content == written[output] for output, content in fast.items())


def test_pages_a_fast_render_does_not_redo_are_left_to_the_build(built) -> None:  # type: ignore[no-untyped-def]
    _, _, ctx = built
    assert fastrender.render(ctx, ctx.site, ["resources/index.html", "graph/index.html", "notes/gone/index.html", "static/style.css"]) == {}
