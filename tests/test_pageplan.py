"""The plan of pages (`pageplan`): after an edit that keeps the site's structure, only the pages
naming what changed get their fingerprints worked out again, and the site is still byte for byte
that of a clean build; any other change plans every page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import items_asked, tree_bytes, write_files
from llmnotes import buildcache, pageplan, render
from llmnotes.build import build_site
from llmnotes.config import load_config
from test_incremental import TOPICS, _large_site, _link, _note


def _build(root: Path, out: Path, workers: int = 1, no_cache: bool = False) -> bool:
    return build_site(load_config(root).with_options(out=out), no_cache=no_cache, workers=workers).built


def _same_as_clean(root: Path) -> None:
    clean = root / "clean"
    assert _build(root, clean, no_cache=True)
    assert tree_bytes(root / "out") == tree_bytes(clean)


@pytest.fixture
def fingerprinted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The pages whose fingerprint this process works out, as it does so."""
    return items_asked(monkeypatch, "fingerprint")


def _edited(root: Path, fingerprinted: list[tuple[str, str]], change: Callable[[str], str]) -> int:
    """The large site built, then note 5 changed and built again: the number of pages the first
    build planned (`fingerprinted` then holds what the second one planned)."""
    _large_site(root)
    assert _build(root, root / "out")
    pages = len(fingerprinted)
    fingerprinted.clear()
    note = root / "notes" / "n-005.md"
    note.write_text(change(note.read_text()))
    assert _build(root, root / "out")
    return pages


def _memo(root: Path, out: Path) -> object:
    return buildcache.Memos(buildcache.cache_file(root, out), buildcache.cache_key(False), reuse=True).read(pageplan.MEMO)


def test_a_text_edit_works_out_the_fingerprints_of_the_pages_naming_the_note_only(tmp_path: Path, fingerprinted: list[tuple[str, str]]) -> None:
    out = tmp_path / "out"
    pages = _edited(tmp_path, fingerprinted, lambda text: text.replace("summary: About", "summary: Now about", 1).replace("About note 5.", "On note 5."))
    # its page, the note before it (whose link shows its summary), its topic, the two resources it cites
    assert {("note", "n-005"), ("note", "n-004"), ("topic", "a")} <= set(fingerprinted)
    # and the pages of the notes sharing a resource with it (every 7th), whose card of it may show
    # what the edited note says of it (the resource's digest is made from its citing notes)
    assert {("note", f"n-{i:03}") for i in range(5, 300, 7)} <= set(fingerprinted)
    assert len(fingerprinted) < pages // 10
    _same_as_clean(tmp_path)
    assert "Now about Note 5." in (out / "notes" / "n-004" / "index.html").read_text()


def test_an_edit_works_out_again_the_pages_showing_a_resource_it_cites(tmp_path: Path, fingerprinted: list[tuple[str, str]]) -> None:
    """What one note says of a resource (its annotation, its status) is part of the resource, so
    the pages showing its card are planned again, even those naming no note that changed: here
    120 notes cite one resource, too popular to make them related, and link no other note."""
    files = {"notes/topics.yaml": TOPICS, "llmnotes.toml": 'title = "Site"\n'}
    for i in range(120):
        links = _link("https://e.org/everyone", "Read by everyone") + _link(f"https://e.org/own/{i}", f"Own {i}")
        files[f"notes/n-{i:03}.md"] = _note(f"Note {i}", "[a]" if i % 2 else "[b]", links, f"Body {i}.")
    write_files(tmp_path, files)
    out = tmp_path / "out"
    assert _build(tmp_path, out)
    fingerprinted.clear()
    note = tmp_path / "notes" / "n-005.md"
    note.write_text(note.read_text().replace("Body 5.", "Body 5, edited."))
    assert _build(tmp_path, out)
    assert len(fingerprinted) < 20  # the resource is as it was: only what names the note
    fingerprinted.clear()
    note.write_text(note.read_text().replace("note: Worth reading.", "note: Worth reading, and read.\n    status: read", 1))
    assert _build(tmp_path, out)
    assert {("note", f"n-{i:03}") for i in range(120)} <= set(fingerprinted)
    assert ("resource", "own-1-") not in {(kind, key[:6]) for kind, key in fingerprinted}  # another note's own
    _same_as_clean(tmp_path)


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("a new link between notes", lambda text: text + "\nSee [[n-100]].\n"),
        ("another topic", lambda text: text.replace("topics: [a]", "topics: [b]")),
        ("a new resource", lambda text: text.replace("links:\n", "links:\n" + _link("https://e.org/brand-new", "Brand new"))),
    ],
)
def test_an_edit_changing_the_structure_plans_every_page(tmp_path: Path, fingerprinted: list[tuple[str, str]], what: str, change: Callable[[str], str]) -> None:
    pages = _edited(tmp_path, fingerprinted, change)
    assert len(fingerprinted) >= pages, what
    _same_as_clean(tmp_path)


def test_an_edit_that_changes_another_resources_citation_key_is_seen(tmp_path: Path, fingerprinted: list[tuple[str, str]]) -> None:
    """Two resources by the same author, year and first title word share a key before collisions
    ("smith2024scaling" and "smith2024scalingb"). Giving the first another year frees the plain key
    for the second, whose page (its Cite block) no note edit names: the plan must see it."""

    def cites(title: str, url: str, year: int) -> str:
        return _link(url, title) + f"    authors: [Ann Smith]\n    year: {year}\n"

    write_files(tmp_path, {
        "notes/topics.yaml": TOPICS,
        "llmnotes.toml": 'title = "Site"\n',
        "notes/one.md": _note("One", links=cites("Scaling laws", "https://e.org/a", 2024)),
        "notes/two.md": _note("Two", links=cites("Scaling up", "https://e.org/b", 2024)),
    })
    out = tmp_path / "out"
    assert _build(tmp_path, out)
    second = next((out / "resources").glob("scaling-up-*")) / "index.html"
    assert "smith2024scalingb" in second.read_text()
    pages = len(fingerprinted)
    fingerprinted.clear()
    one = tmp_path / "notes" / "one.md"
    one.write_text(one.read_text().replace("year: 2024", "year: 2023"))
    assert _build(tmp_path, out)
    assert len(fingerprinted) >= pages  # a key may have moved: every page planned
    assert "smith2024scalingb" not in second.read_text() and "smith2024scaling" in second.read_text()
    _same_as_clean(tmp_path)


def test_a_first_build_on_workers_leaves_the_plan_the_next_edit_uses(tmp_path: Path, fingerprinted: list[tuple[str, str]]) -> None:
    _large_site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, workers=2, no_cache=True)
    plan = _memo(tmp_path, out)
    assert isinstance(plan, pageplan.PagePlan) and len(plan.fingerprints) > 500
    fingerprinted.clear()  # this process worked the plan out while the workers rendered
    note = tmp_path / "notes" / "n-005.md"
    note.write_text(note.read_text().replace("Body of note 5", "The body of note 5, edited"))
    assert _build(tmp_path, out, workers=2)
    assert 0 < len(fingerprinted) < 50
    _same_as_clean(tmp_path)


def test_an_unreadable_plan_is_made_afresh_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _large_site(tmp_path, notes=30)
    out = tmp_path / "out"
    assert _build(tmp_path, out)
    main = buildcache.cache_file(tmp_path, out)
    memo = main.with_name(f"{main.stem}.{pageplan.MEMO}.pickle")
    memo.write_bytes(b"not a pickle")
    note = tmp_path / "notes" / "n-005.md"
    note.write_text(note.read_text().replace("Body of note 5", "Edited body"))
    assert _build(tmp_path, out)
    assert f"warning: build cache {memo} unreadable" in capsys.readouterr().err
    _same_as_clean(tmp_path)
    assert isinstance(_memo(tmp_path, out), pageplan.PagePlan)  # written anew


def test_a_pages_fingerprint_reads_the_digests_of_the_notes_and_resources_it_names_and_no_other(tmp_path: Path) -> None:
    """What `pageplan` rests on: give one note, or one resource, another digest, and the only
    fingerprints that change are those of pages `Renderer.names` says name it (for a note, all of them)."""
    import dataclasses

    from llmnotes.emit import Context
    from llmnotes.graph import build_graph
    from llmnotes.load import load_all

    _large_site(tmp_path, notes=60)
    write_files(tmp_path, {"notes/paths.yaml": "start:\n  title: A path\n  notes: [n-001, n-002, n-003]\n"})
    config = load_config(tmp_path)
    site, problems = build_graph(load_all(tmp_path / "notes"))
    assert not [p for p in problems if p.severity.value == "error"]

    def fingerprints(site: object) -> list[str]:
        renderer = render.Renderer(Context(config=config, site=site, template_dirs=(), static_dirs=(), last_broken=lambda url: None))  # type: ignore[arg-type]
        return [renderer.fingerprint(item) for item in renderer.items()]

    renderer = render.Renderer(Context(config=config, site=site, template_dirs=(), static_dirs=(), last_broken=lambda url: None))
    assert site.reading_paths and site.related and site.backlinks
    items = renderer.items()
    before = fingerprints(site)
    for slug in ["n-001", "n-002", "n-030", "n-059"]:
        notes = {**site.notes, slug: dataclasses.replace(site.notes[slug], digest="another")}
        after = fingerprints(dataclasses.replace(site, notes=notes))
        changed = {items[i] for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
        assert changed == {item for item in items if slug in renderer.names(item)[0]}, slug
    for rid in list(site.resources)[:: max(1, len(site.resources) // 5)]:
        other = dataclasses.replace(site)
        other.__dict__["resource_stamps"] = {**site.resource_stamps, rid: (site.resource_stamps[rid][0], "another")}
        after = fingerprints(other)
        changed = {items[i] for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
        # a topic page reads the status of what its notes cite, a part of their digest: named, not always changed
        assert ("resource", rid) in changed and changed <= {item for item in items if rid in renderer.names(item)[1]}, rid


def test_a_plan_kept_by_a_checkout_with_other_fields_is_not_used(tmp_path: Path, fingerprinted: list[tuple[str, str]]) -> None:
    _large_site(tmp_path, notes=30)
    out = tmp_path / "out"
    assert _build(tmp_path, out)
    pages = len(fingerprinted)
    plan = _memo(tmp_path, out)
    assert isinstance(plan, pageplan.PagePlan)
    del plan.__dict__["named"]  # as an older plan, without a field this one has, reads back
    buildcache.Memos(buildcache.cache_file(tmp_path, out), buildcache.cache_key(False), reuse=True).write(pageplan.MEMO, plan)
    fingerprinted.clear()
    note = tmp_path / "notes" / "n-005.md"
    note.write_text(note.read_text().replace("Body of note 5", "Edited body"))
    assert _build(tmp_path, out)
    assert len(fingerprinted) >= pages  # planned afresh, no AttributeError
    _same_as_clean(tmp_path)
