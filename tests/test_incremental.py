"""Incremental builds (the build cache): always byte-identical to a clean build, and lazy.

The property test applies random sequences of edits, renames, deletions, topic, template, static and
config changes to a small site, and after each step compares an incremental build with a
`--no-cache` build of the same sources.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import items_asked, run_cli, tree_bytes, write_files
from llmnotes import buildcache
from llmnotes.build import build_site
from llmnotes.config import load_config

TOPICS = "a:\n  title: Topic A\nb:\n  title: Topic B\n  parent: a\n"


def _note(title: str, topics: str = "[a]", links: str = "", body: str = "") -> str:
    return f"---\ntitle: {title}\nsummary: About {title}.\ntopics: {topics}\nlinks:\n{links or '  []'}\n---\n{body}\n"


def _link(url: str, title: str, note: str = "Worth reading.") -> str:
    return f"  - url: {url}\n    title: {title}\n    note: {note}\n"


def _site(root: Path) -> None:
    write_files(root, {
        "notes/topics.yaml": TOPICS,
        "notes/one.md": _note("One", links=_link("https://e.org/1", "R1"), body="See [[two]] and [three](three.md)."),
        "notes/two.md": _note("Two", "[b]", _link("https://e.org/1", "R1 again") + _link("https://e.org/2", "R2"), "Back to [[three#heading]]."),
        "notes/three.md": _note("Three", "[a, b]", body="## Heading\n\nText with ![img](pic.png)."),
        "notes/pic.png": b"\x89PNG\r\n\x1a\n",
        "templates/partials/footer.html": "<footer>{{ config.title }}</footer>\n",
        "static/extra.css": "p { color: red; }\n",
        "llmnotes.toml": 'title = "Site"\n',
    })


def _build(root: Path, out: Path, no_cache: bool) -> bool:
    config = load_config(root).with_options(out=out)
    return build_site(config, no_cache=no_cache, workers=1).built


def _step(root: Path, kind: str, n: int) -> None:
    """One change of the kind an author makes."""
    notes = sorted(p for p in (root / "notes").glob("*.md"))
    note = notes[n % len(notes)] if notes else None
    if kind == "edit" and note:
        note.write_text(note.read_text().replace("summary: About", f"summary: Now {n}, about", 1))
    elif kind == "retitle" and note:  # shown in other notes' lists and in the BibTeX of what it cites
        text = note.read_text()
        title = text.split("title: ", 1)[1].split("\n", 1)[0]
        note.write_text(text.replace(f"title: {title}", f"title: {title} {n}", 1))
    elif kind == "annotate" and note:
        note.write_text(note.read_text().replace("note: Worth reading.", f"note: Worth reading, {n} times.", 1))
    elif kind == "status" and note:  # shown on the pages of topics whose notes cite the resource, whoever set it
        text = note.read_text()
        note.write_text(text.replace("note: Worth reading.", "note: Worth reading.\n    status: read", 1) if "status:" not in text else text.replace("status: read", "status: to-read"))
    elif kind == "body" and note:
        note.write_text(note.read_text() + f"\nMore words {n}, and a [link](https://e.org/{n % 3}).\n")
    elif kind == "date" and note:  # the sitemap's lastmod
        note.write_text(note.read_text().replace("\nsummary:", f"\nupdated: 2025-01-{n % 28 + 1:02d}\nsummary:", 1))
    elif kind == "retopic" and note:  # the graph's edges and the layout's clusters
        text = note.read_text()
        note.write_text(text.replace("topics: [a]", "topics: [b]", 1) if "topics: [a]" in text else text.replace("topics: [", "topics: [a, ", 1))
    elif kind == "relink" and note:  # a link between notes: an edge of the graph, a backlink
        note.write_text(note.read_text() + f"\nSee also [[{'one' if n % 2 else 'three'}]].\n")
    elif kind == "add":
        write_files(root, {f"notes/new-{n}.md": _note(f"New {n}", "[b]", _link(f"https://e.org/{n % 4}", f"R{n}"), "Links [[one]].")})
    elif kind == "rename" and note and note.stem not in ("one", "two", "three"):
        note.rename(note.with_name(f"renamed-{n}.md"))
    elif kind == "delete" and note and note.stem not in ("one", "two", "three"):
        note.unlink()
    elif kind == "topics":
        (root / "notes" / "topics.yaml").write_text(TOPICS.replace("Topic B", f"Topic B{n}"))
    elif kind == "template":
        (root / "templates" / "partials" / "footer.html").write_text(f"<footer>{{{{ config.title }}}} v{n}</footer>\n")
    elif kind == "static":
        (root / "static" / "extra.css").write_text(f"p {{ color: #{n % 999:03d}; }}\n")
    elif kind == "config":
        (root / "llmnotes.toml").write_text(f'title = "Site {n}"\n')
    elif kind == "break" and note:
        note.write_text(note.read_text().replace("title:", "title: [", 1))  # a broken note: both builds fail
    elif kind == "fix":
        for path in (root / "notes").glob("*.md"):
            path.write_text(path.read_text().replace("title: [", "title:"))


KINDS = ["edit", "retitle", "annotate", "status", "body", "date", "retopic", "relink", "add", "rename", "delete", "topics", "template", "static", "config", "break", "fix"]


@settings(max_examples=int(os.environ.get("LLMNOTES_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 50)), min_size=1, max_size=6))
def test_an_incremental_build_is_byte_identical_to_a_clean_one(tmp_path: Path, steps: list[tuple[str, int]]) -> None:
    root = tmp_path / "site"
    shutil.rmtree(root, ignore_errors=True)
    _site(root)
    assert _build(root, root / "out", no_cache=False)
    for kind, n in steps:
        _step(root, kind, n)
        incremental = _build(root, root / "out", no_cache=False)
        clean = _build(root, tmp_path / "clean", no_cache=True)
        assert incremental == clean, (kind, n)
        if clean:
            assert tree_bytes(root / "out") == tree_bytes(tmp_path / "clean"), (kind, n)
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)


def test_unchanged_files_keep_their_modification_time(tmp_path: Path) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    time.sleep(0.05)
    note = tmp_path / "notes" / "three.md"
    note.write_text(note.read_text().replace("Text with", "Words with"))
    assert _build(tmp_path, out, no_cache=False)
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    changed = {p.relative_to(out).as_posix() for p in after if after[p] != before.get(p)}
    # the note itself and the search index parts holding its words; the page of `one` (which links
    # to it) is rendered again, as its inputs changed, but comes out the same and is not written
    assert changed == {"notes/three/index.html", "search-index/index.js", "search-index/x/0.js", "search-index/w/wo.js"}


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("note", lambda r: (r / "notes" / "two.md").write_text(_note("Two changed", "[b]"))),
        ("topics", lambda r: (r / "notes" / "topics.yaml").write_text(TOPICS.replace("Topic A", "Topic Alpha"))),
        ("config", lambda r: (r / "llmnotes.toml").write_text('title = "Renamed site"\n')),
        ("template", lambda r: (r / "templates" / "partials" / "footer.html").write_text("<footer>changed</footer>\n")),
        ("static", lambda r: (r / "static" / "extra.css").write_text("p { color: blue; }\n")),
        ("version", None),
    ],
)
def test_each_kind_of_input_invalidates_what_depends_on_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, change) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    if what == "version":
        monkeypatch.setattr(buildcache, "__version__", "99.0")
    else:
        time.sleep(0.01)
        change(tmp_path)
    assert _build(tmp_path, out, no_cache=False)
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    if what == "version":  # a new version never trusts the old cache
        cache = buildcache.load(buildcache.cache_file(tmp_path, out), buildcache.cache_key(False))
        assert cache.key.split(":")[1] == "99.0"


def test_a_corrupt_cache_is_a_full_build_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    cache = buildcache.cache_file(tmp_path, out)
    cache.write_bytes(b"not a pickle")
    buildcache.snapshot_file(cache).write_text("{broken")
    (tmp_path / "notes" / "one.md").write_text(_note("One again"))
    assert _build(tmp_path, out, no_cache=False)
    err = capsys.readouterr().err
    assert "warning: build cache" in err and "unreadable" in err
    assert "One again" in (out / "notes" / "one" / "index.html").read_text()


def test_a_cache_an_earlier_version_wrote_is_a_full_build_without_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import dataclasses
    import pickle

    from llmnotes import model

    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    main = buildcache.cache_file(tmp_path, out)
    files = list(main.parent.glob(f"{main.stem}*.pickle"))
    assert len(files) >= 3 and all(f.read_bytes().startswith(b"llmnotes build cache ") for f in files)
    with pytest.MonkeyPatch.context() as patch:  # `Place` as it was: a frozen dataclass, pickled as its fields
        earlier = dataclasses.make_dataclass("Place", [("path", str), ("line", int), ("col", int)], frozen=True)
        earlier.__module__ = "llmnotes.model"
        patch.setattr(model, "Place", earlier)
        older = pickle.dumps(("9:0.1.0:False:x:y", {"notes/one.md": ("digest", earlier("notes/one.md", 1, 1), [], ())}), protocol=5)
    with pytest.raises(TypeError):
        pickle.loads(older)  # what reading it whole, as the earlier layout asked, would do
    for file in files:
        file.write_bytes(older)  # the earlier layout: one pickle of (key, value)
    (tmp_path / "notes" / "one.md").write_text(_note("One again"))
    capsys.readouterr()
    assert _build(tmp_path, out, no_cache=False)
    assert capsys.readouterr().err == ""
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert "One again" in (out / "notes" / "one" / "index.html").read_text()
    assert len(buildcache.load(main, buildcache.cache_key(False)).notes) == 3  # written anew, in this layout


def test_templates_compiled_by_the_last_build_are_reused_until_edited_and_a_corrupt_one_is_compiled_again(tmp_path: Path) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    compiled = buildcache.cache_file(tmp_path, out).with_suffix(".templates")
    assert not compiled.exists()  # a first build uses no cache, compiled templates included
    (tmp_path / "notes" / "one.md").write_text(_note("One again"))
    assert _build(tmp_path, out, no_cache=False)
    files = sorted(compiled.glob("*.cache"))
    assert len(files) >= 5
    footer = tmp_path / "templates" / "partials" / "footer.html"
    footer.write_text("<footer>edited {{ config.title }}</footer>\n")
    assert _build(tmp_path, out, no_cache=False)
    assert "<footer>edited Site</footer>" in (out / "index.html").read_text()  # not the compiled footer of before
    for path in compiled.glob("*.cache"):
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])  # cut short, as by a full disk
    footer.write_text("<footer>again {{ config.title }}</footer>\n")
    (tmp_path / "notes" / "two.md").write_text(_note("Two again", "[b]"))
    assert _build(tmp_path, out, no_cache=False)
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert "<footer>again Site</footer>" in (out / "index.html").read_text()


def test_an_edit_rewrites_only_the_notes_shard_of_the_edited_note(tmp_path: Path) -> None:
    _site(tmp_path)
    write_files(tmp_path, {f"notes/extra-{i:02}.md": _note(f"Extra {i}") for i in range(40)})
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    main = buildcache.cache_file(tmp_path, out)
    shards = {p.name: p.stat().st_mtime_ns for p in main.parent.glob(f"{main.stem}.notes-*.pickle")}
    assert len(shards) > 10  # 43 notes over the shards: most of them hold some
    (tmp_path / "notes" / "extra-07.md").write_text(_note("Extra seven, edited"))
    time.sleep(0.01)
    assert _build(tmp_path, out, no_cache=False)
    after = {p.name: p.stat().st_mtime_ns for p in main.parent.glob(f"{main.stem}.notes-*.pickle")}
    assert after.keys() == shards.keys()
    cache = buildcache.load(main, buildcache.cache_key(False))
    edited = next(path for path in cache.notes if path.endswith("/extra-07.md"))  # as the build shows it
    assert [name for name in shards if after[name] != shards[name]] == [f"{main.stem}.notes-{buildcache._shard_of(edited):02}.pickle"]
    assert cache.notes[edited][1].title == "Extra seven, edited" and len(cache.notes) == 43


def test_a_corrupt_notes_shard_costs_its_notes_a_parse_and_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    main = buildcache.cache_file(tmp_path, out)
    one = next(path for path in buildcache.load(main, buildcache.cache_key(False)).notes if path.endswith("/one.md"))
    shard = main.parent / f"{main.stem}.notes-{buildcache._shard_of(one):02}.pickle"
    shard.write_bytes(b"not a pickle")
    (tmp_path / "notes" / "two.md").write_text(_note("Two, edited", "[b]"))
    assert _build(tmp_path, out, no_cache=False)
    assert f"warning: build cache {shard} unreadable" in capsys.readouterr().err
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert one in buildcache.load(main, buildcache.cache_key(False)).notes  # the shard was written anew
    assert capsys.readouterr().err == ""


def test_a_corrupt_search_memo_is_an_index_made_afresh_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from llmnotes import search

    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    main = buildcache.cache_file(tmp_path, out)
    memo = main.with_name(f"{main.stem}.{search.MEMO}.pickle")
    assert memo.is_file()
    memo.write_bytes(b"not a pickle")
    (tmp_path / "notes" / "two.md").write_text(_note("Two", "[b]", body="Now with quixotic words."))
    assert _build(tmp_path, out, no_cache=False)
    assert f"warning: build cache {memo} unreadable" in capsys.readouterr().err
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert isinstance(buildcache.Memos(main, buildcache.cache_key(False), reuse=True).read(search.MEMO), search.Memo)  # written anew


def _large_site(root: Path, notes: int = 300) -> None:
    """Past `render.PARALLEL_FROM` (notes, resources and topics): large enough for the site-wide
    files to be made ahead, on another process, after an edit."""
    files = {"notes/topics.yaml": TOPICS, "llmnotes.toml": 'title = "Site"\n'}
    for i in range(notes):
        links = _link(f"https://e.org/own/{i}", f"Own {i}", f"About note {i}.") + _link(f"https://e.org/shared/{i % 7}", f"Shared {i % 7}")
        files[f"notes/n-{i:03}.md"] = _note(f"Note {i}", "[a]" if i % 2 else "[b]", links, f"Body of note {i}, see [[n-{(i + 1) % notes:03}]].")
    write_files(root, files)


def _edit_and_compare(root: Path) -> None:
    out = root / "out"
    assert _build_on(root, out, workers=2)
    (root / "notes" / "n-005.md").write_text(_note("Note five, edited", "[a]", _link("https://e.org/new", "New", "A new *resource*."), "Now about search words: zygote."))
    assert _build_on(root, out, workers=2)
    assert _build_on(root, root / "clean", workers=2, no_cache=True)
    assert tree_bytes(out) == tree_bytes(root / "clean")


def _build_on(root: Path, out: Path, workers: int, no_cache: bool = False) -> bool:
    return build_site(load_config(root).with_options(out=out), no_cache=no_cache, workers=workers).built


def _logged(log: Path, real: Callable[..., object], line: Callable[[tuple[object, ...]], str | None]) -> Callable[..., object]:
    """`real`, writing `line(args)` of each call (unless None) to `log`: from any process, forked ones too."""

    def call(*args: object) -> object:
        text = line(args)
        if text is not None:
            with log.open("a") as handle:
                handle.write(f"{text}\n")
        return real(*args)

    return call


def test_after_an_edit_the_site_wide_files_made_ahead_are_those_of_a_clean_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmnotes import search

    _large_site(tmp_path)
    parent, seen = os.getpid(), tmp_path / "made-in"
    postings = search.postings

    def watched(docs: list[search.Doc]) -> dict[str, list[list[int]]]:
        with seen.open("a") as log:  # which process made the word lists
            log.write(f"{'child' if os.getpid() != parent else 'parent'}\n")
        return postings(docs)

    monkeypatch.setattr(search, "postings", watched)
    _edit_and_compare(tmp_path)
    made = seen.read_text().split()
    assert "child" in made  # the edit's index was made ahead, on the forked process


def test_after_a_text_edit_the_search_index_keeps_its_order_and_remakes_only_the_parts_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents' id order is the last build's while their titles and pages are, and a file of
    result lines or of word lists made from what the last build's was made from is kept, not made
    again; a title edited sorts the documents again. Either way the index is a clean build's."""
    from llmnotes import search

    _large_site(tmp_path)  # 300 notes, 300-odd resources: 40 files of result lines
    out, calls = tmp_path / "out", tmp_path / "calls"
    monkeypatch.setattr(search, "_order", _logged(calls, search._order, lambda args: "order:"))
    monkeypatch.setattr(search, "_heads", _logged(calls, search._heads, lambda args: "heads:"))
    # `_script_of` makes every file of the index: only the word shards are logged
    monkeypatch.setattr(search, "_script_of", _logged(calls, search._script_of, lambda args: f"words:{args[0]}" if str(args[0]).startswith("w/") else None))
    assert _build_on(tmp_path, out, workers=1)
    first = calls.read_text().split()
    assert first.count("order:") == 1 and first.count("heads:") > 30 and sum(c.startswith("words:") for c in first) > 10
    calls.unlink()
    note = tmp_path / "notes" / "n-005.md"
    note.write_text(note.read_text().replace("Body of", "Zygote words of"))
    assert _build_on(tmp_path, out, workers=1)
    made = calls.read_text().split()
    assert "order:" not in made  # the titles are as they were: so is the order
    assert made.count("heads:") == 1  # the one file of result lines with note 5 in it
    # the shards of the words gained and lost ("zygote", "words"; "body"), no other
    assert sorted(c for c in made if c.startswith("words:")) == ["words:w/bo", "words:w/wo", "words:w/zy"]
    assert _build_on(tmp_path, tmp_path / "clean", workers=1, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    calls.unlink()
    note.write_text(note.read_text().replace("title: Note 5", "title: Note five"))
    assert _build_on(tmp_path, out, workers=1)
    assert "order:" in calls.read_text().split()
    shutil.rmtree(tmp_path / "clean")
    assert _build_on(tmp_path, tmp_path / "clean", workers=1, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_after_a_text_edit_the_search_index_is_patched_ahead_and_is_that_of_a_clean_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit of a note's words and of what it says about a link changes two documents of the
    index and none of their order: the forked process patches the last build's word lists
    (`search.word_shards`) rather than going through every document's words again."""
    from llmnotes import search

    _large_site(tmp_path)
    parent, made = os.getpid(), tmp_path / "made"

    def where(what: str) -> Callable[[tuple[object, ...]], str]:
        return lambda args: f"{what}-{'child' if os.getpid() != parent else 'parent'}"

    monkeypatch.setattr(search, "postings", _logged(made, search.postings, where("made")))
    monkeypatch.setattr(search, "_patch", _logged(made, search._patch, where("patched")))
    out = tmp_path / "out"
    assert _build_on(tmp_path, out, workers=2)
    assert made.read_text().split() == ["made-parent"]  # a first build: every list made
    made.unlink()
    links = _link("https://e.org/own/5", "Own 5", "Now says zygote.") + _link("https://e.org/shared/5", "Shared 5")
    (tmp_path / "notes" / "n-005.md").write_text(_note("Note 5", "[a]", links, "Body of note 5, now with quixotic words, see [[n-006]]."))
    assert _build_on(tmp_path, out, workers=2)
    assert made.read_text().split() == ["patched-child"]
    assert _build_on(tmp_path, tmp_path / "clean", workers=2, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert b'"quixotic":' in (out / "search-index" / "w" / "qu.js").read_bytes()  # the new words are in
    assert b'"zygote":' in (out / "search-index" / "w" / "zy.js").read_bytes()


def test_the_forked_process_stopped_while_writing_the_search_memo_finishes_it_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGTERM (the build's `Ahead.close`, or anyone's) that reaches the forked process just
    after the memo's temporary file is made waits for the memo to be renamed into place."""
    import signal
    import tempfile

    from llmnotes import search

    _large_site(tmp_path)
    out = tmp_path / "out"
    assert _build_on(tmp_path, out, workers=2)
    parent, mkstemp, stopped = os.getpid(), tempfile.mkstemp, tmp_path / "stopped"

    def then_stopped(prefix: str, dir: Path) -> tuple[int, str]:  # as `write.write_bytes_atomically` calls it
        made = mkstemp(prefix=prefix, dir=dir)
        if os.getpid() != parent and prefix.endswith(f".{search.MEMO}.pickle."):
            stopped.touch()
            os.kill(os.getpid(), signal.SIGTERM)
        return made

    monkeypatch.setattr(tempfile, "mkstemp", then_stopped)
    (tmp_path / "notes" / "n-005.md").write_text(_note("Note 5", "[a]", body="Body of note 5, now quixotic, see [[n-006]]."))
    assert _build_on(tmp_path, out, workers=2)
    assert stopped.exists()  # the forked process was stopped while it wrote the memo
    main = buildcache.cache_file(tmp_path, out)
    assert [p.name for p in main.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    memo = buildcache.Memos(main, buildcache.cache_key(False), reuse=True).read(search.MEMO)
    assert isinstance(memo, search.Memo) and any(w == "quixotic" for w in memo.lists)  # this build's, whole
    assert _build_on(tmp_path, tmp_path / "clean", workers=2, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_the_forked_process_writes_its_memo_after_sending_its_files_and_the_build_waits_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index's word lists are written for the next build while this one writes the
    site, not before the forked process sends the index back; and the build ends only once they
    are written."""
    from llmnotes import search, write

    _large_site(tmp_path)
    out, log, parent = tmp_path / "out", tmp_path / "order", os.getpid()
    assert _build_on(tmp_path, out, workers=2)
    store, commit = buildcache.Memos._store, write.Update.commit

    def slow_store(self: buildcache.Memos, name: str, value: object) -> None:
        if os.getpid() != parent and name == search.MEMO:
            with log.open("a") as handle:
                handle.write("memo-begun\n")
            time.sleep(1.0)
        store(self, name, value)
        if os.getpid() != parent and name == search.MEMO:
            with log.open("a") as handle:
                handle.write("memo-written\n")

    def logged_commit(self: write.Update, gone: list[str]) -> None:
        with log.open("a") as handle:
            handle.write("site-written\n")
        commit(self, gone)

    monkeypatch.setattr(buildcache.Memos, "_store", slow_store)
    monkeypatch.setattr(write.Update, "commit", logged_commit)
    (tmp_path / "notes" / "n-005.md").write_text(_note("Note 5", "[a]", body="Body of note 5, now quixotic, see [[n-006]]."))
    assert _build_on(tmp_path, out, workers=2)
    order = log.read_text().split()
    assert order.index("site-written") < order.index("memo-written")  # the site did not wait for the memo
    memo = buildcache.Memos(buildcache.cache_file(tmp_path, out), buildcache.cache_key(False), reuse=True).read(search.MEMO)
    assert isinstance(memo, search.Memo) and any(w == "quixotic" for w in memo.lists)  # but the build did, before it ended
    assert _build_on(tmp_path, tmp_path / "clean", workers=2, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_while_the_forked_process_is_busy_the_build_makes_the_last_of_those_files_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmnotes import graph, search

    _large_site(tmp_path)
    parent, index_made, json_made = os.getpid(), tmp_path / "index-made-in", tmp_path / "json-made-in"
    postings, graph_json = search.postings, graph.graph_json

    def slow(docs: list[search.Doc]) -> dict[str, list[list[int]]]:
        with index_made.open("a") as log:
            log.write(f"{'child' if os.getpid() != parent else 'parent'}\n")
        if os.getpid() != parent:
            time.sleep(1.5)  # the index keeps the forked process busy past the pages
        return postings(docs)

    def watched(site: graph.Site) -> dict[str, object]:
        with json_made.open("a") as log:
            log.write(f"{'child' if os.getpid() != parent else 'parent'}\n")
        return graph_json(site)

    monkeypatch.setattr(search, "postings", slow)
    monkeypatch.setattr(graph, "graph_json", watched)
    _edit_and_compare(tmp_path)
    assert "child" in index_made.read_text().split()  # the first file is the forked process's
    assert set(json_made.read_text().split()) == {"parent"}  # graph.json was taken by the build


def test_the_bibliography_is_the_builds_even_when_the_forked_process_is_done_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked process never takes the last of the files made ahead, the bibliography, which
    the build makes with the citation keys it has from the plan of pages: not even while the
    build is slow with its pages and the other process has nothing else left."""
    from llmnotes import bibliography, pageplan
    from llmnotes.emit import Context
    from llmnotes.render import Renderer

    _large_site(tmp_path)
    parent, made = os.getpid(), tmp_path / "bibliography-made-in"
    planned, csl_json = pageplan.planned, bibliography.csl_json

    def slow_plan(renderer: Renderer, ctx: Context) -> list[pageplan.Planned]:
        time.sleep(1.0)  # the pages keep the build busy until the forked process is done
        return planned(renderer, ctx)

    def watched(items: list[dict[str, object]]) -> str:
        with made.open("a") as log:
            log.write(f"{'child' if os.getpid() != parent else 'parent'}\n")
        return csl_json(items)

    monkeypatch.setattr(pageplan, "planned", slow_plan)
    monkeypatch.setattr(bibliography, "csl_json", watched)
    _edit_and_compare(tmp_path)  # the edit adds a resource: the bibliography is made again
    assert made.read_text().split() == ["parent", "parent", "parent"]  # the first build, the edit's, the clean one


def test_when_the_process_making_them_ahead_dies_the_build_makes_them_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmnotes import search

    _large_site(tmp_path)
    parent, postings, died = os.getpid(), search.postings, tmp_path / "died"

    def dying(docs: list[search.Doc]) -> dict[str, list[list[int]]]:
        if os.getpid() != parent:
            died.touch()
            os._exit(3)  # killed mid-way, nothing sent back
        return postings(docs)

    monkeypatch.setattr(search, "postings", dying)
    _edit_and_compare(tmp_path)
    assert died.exists()


def test_pages_rendered_on_worker_processes_are_written_there_as_one_process_writes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page workers give each page to the build's writer themselves (`Context.stage`), so its
    bytes are not sent back to the main process; a later build that renders every page again but
    finds the same bytes rewrites none of them."""
    from llmnotes import write

    _large_site(tmp_path)
    parent, log = os.getpid(), tmp_path / "put-by"
    put = write._Folder.put

    def watched(self: write._Folder, relpath: str, content: bytes) -> None:
        with log.open("a") as handle:  # which process wrote each page
            handle.write(f"{'worker' if os.getpid() != parent else 'main'} {relpath}\n")
        put(self, relpath, content)

    monkeypatch.setattr(write._Folder, "put", watched)
    out = tmp_path / "out"
    assert _build_on(tmp_path, out, workers=2, no_cache=True)
    by = {relpath: who for who, relpath in (line.split(" ", 1) for line in log.read_text().splitlines())}
    note_pages = [p for p in by if p.startswith(("notes/", "resources/")) and p.endswith("/index.html") and p.count("/") == 2]
    assert len(note_pages) > 500 and {by[p] for p in note_pages} == {"worker"}
    assert by["index.html"] == "main"  # the site's own pages are rendered by the main process
    assert _build_on(tmp_path, tmp_path / "one", workers=1, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "one")

    # A new template file changes every page's inputs: all are rendered again, none is rewritten.
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    log.unlink()
    write_files(tmp_path, {"templates/unused.html": "<p>not used by any page</p>\n"})
    time.sleep(0.01)
    assert _build_on(tmp_path, out, workers=2)
    assert not log.exists()
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.html")} == before
    assert tree_bytes(out) == tree_bytes(tmp_path / "one")


def test_a_first_build_makes_the_site_wide_files_while_its_page_workers_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ahead.Meanwhile`: the main process makes the search index before it takes in any page the
    workers rendered, not after all of them, and the same goes for the parsed notes' part of the
    build cache; it renders the site's own pages while the workers are at theirs. The site is the
    one a single process builds."""
    from llmnotes import render, search, write

    _large_site(tmp_path)
    adopted: list[str] = []
    when_index_made: list[int] = []
    when_notes_saved: list[int] = []
    workers_at_work: list[bool] = []
    adopt, postings, save_notes, resource_index = write._Folder.adopt, search.postings, buildcache.save_notes, render.Renderer.resource_index

    def saved(path: Path, cache: buildcache.BuildCache) -> None:
        when_notes_saved.append(len(adopted))
        save_notes(path, cache)

    def index_page(self: render.Renderer) -> object:
        workers_at_work.append(render._FORKED is not None)
        return resource_index(self)

    monkeypatch.setattr(buildcache, "save_notes", saved)
    monkeypatch.setattr(render.Renderer, "resource_index", index_page)

    def counted(self: write._Folder, relpath: str) -> None:
        if relpath.count("/") == 2:  # the page of a note, a resource or a topic, from a worker
            adopted.append(relpath)
        adopt(self, relpath)

    def watched(docs: list[search.Doc]) -> dict[str, list[list[int]]]:
        when_index_made.append(len(adopted))
        return postings(docs)

    monkeypatch.setattr(write._Folder, "adopt", counted)
    monkeypatch.setattr(search, "postings", watched)
    assert _build_on(tmp_path, tmp_path / "two", workers=2, no_cache=True)
    assert when_index_made == [0] and len(adopted) > 500  # made once, before the first worker's page was taken in
    assert when_notes_saved == [0] and workers_at_work == [True]
    assert len(list(tmp_path.glob(".llmnotes/build/*.notes-*.pickle"))) == buildcache.NOTE_SHARDS
    assert _build_on(tmp_path, tmp_path / "one", workers=1, no_cache=True)
    assert tree_bytes(tmp_path / "two") == tree_bytes(tmp_path / "one")


def test_a_note_saved_while_the_build_runs_is_built_by_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the next build's shortcut compares with is taken before the build reads the sources:
    a note saved after it was read (here, while the graph is built) is built again next time, not
    taken for built, however long ago its new time says it was saved."""
    from llmnotes import graph

    _site(tmp_path)
    long_ago = time.time() - 600  # every file well out of the racy window: the shortcut applies
    for path in tmp_path.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    out, note = tmp_path / "out", tmp_path / "notes" / "two.md"
    assert _build(tmp_path, out, no_cache=False)
    build_graph = graph.build_graph

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        note.write_text(note.read_text().replace("title: Two", "title: Saved mid-build"))
        os.utime(note, (long_ago + 60, long_ago + 60))
        return build_graph(*args, **kwargs)  # type: ignore[arg-type]

    write_files(tmp_path, {"notes/one.md": _note("One, edited")})
    os.utime(tmp_path / "notes" / "one.md", (long_ago + 30, long_ago + 30))
    monkeypatch.setattr(graph, "build_graph", saved_meanwhile)
    assert _build(tmp_path, out, no_cache=False)  # built from two.md as it was read
    monkeypatch.setattr(graph, "build_graph", build_graph)
    assert "Saved mid-build" not in (out / "notes" / "two" / "index.html").read_text()
    assert _build(tmp_path, out, no_cache=False)
    assert "Saved mid-build" in (out / "notes" / "two" / "index.html").read_text()


def _saved_just_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, during: object = None) -> tuple[Path, Path]:
    """A site built once long ago, then note two saved 1.5 s before a build that lasts until that
    save is more than the racy window old (the build waits in the graph step, after reading)."""
    from llmnotes import graph

    _site(tmp_path)
    long_ago = time.time() - 600
    for path in tmp_path.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    out, note = tmp_path / "out", tmp_path / "notes" / "two.md"
    assert _build(tmp_path, out, no_cache=False)
    note.write_text(note.read_text().replace("title: Two", "title: Just saved"))
    saved = time.time() - 1.5
    os.utime(note, (saved, saved))  # inside the racy window as the build begins
    build_graph = graph.build_graph

    def slow(*args: object, **kwargs: object) -> object:
        if callable(during):
            during()
        time.sleep(max(0.0, saved + buildcache.RACY_NS / 1e9 + 0.2 - time.time()))
        return build_graph(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(graph, "build_graph", slow)
    assert _build(tmp_path, out, no_cache=False)
    monkeypatch.setattr(graph, "build_graph", build_graph)
    return out, note


def test_a_note_saved_just_before_a_long_build_is_settled_by_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An author who saves and builds at once: by the end of a build longer than the racy window,
    the note's bytes are checked to be those built, and the next build with nothing changed stops
    at the shortcut without loading a note."""
    from llmnotes import pipeline

    out, _ = _saved_just_before(tmp_path, monkeypatch)
    assert "Just saved" in (out / "notes" / "two" / "index.html").read_text()

    def no_loading(*args: object, **kwargs: object) -> object:
        raise AssertionError("the notes were loaded: the shortcut was not taken")

    monkeypatch.setattr(pipeline, "load_all", no_loading)
    assert _build(tmp_path, out, no_cache=False)


def test_a_note_saved_again_within_its_clock_tick_is_not_taken_for_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race the window guards against: the note is saved again after the build read it, with
    the same size and the same modification time (one clock tick). Its bytes differ from those
    built, so the next build does not trust the times: it loads the note and builds the new text."""
    note = tmp_path / "notes" / "two.md"

    def saved_again() -> None:
        st = note.stat()
        note.write_text(note.read_text().replace("title: Just saved", "title: Same size!"))
        os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert note.stat().st_size == st.st_size

    out, _ = _saved_just_before(tmp_path, monkeypatch, saved_again)
    assert "Just saved" in (out / "notes" / "two" / "index.html").read_text()
    assert _build(tmp_path, out, no_cache=False)
    assert "Same size!" in (out / "notes" / "two" / "index.html").read_text()


def test_a_build_that_stops_at_once_imports_neither_jinja_nor_markdown_it(tmp_path: Path) -> None:
    """Step 0 lives apart from the rest of the build (`build`, `pipeline`): a build with nothing to
    do loads neither library, which were most of its time on a small site."""
    _site(tmp_path)
    long_ago = time.time() - 600  # out of the racy window: the shortcut applies
    for path in tmp_path.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    assert run_cli("build", "-q", "--out", "out", cwd=tmp_path).returncode == 0
    again = run_cli("build", "--out", "out", cwd=tmp_path, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert again.returncode == 0 and "0 files written" in again.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in again.stderr.splitlines() if line.startswith("import time:")}
    assert "llmnotes.build" in imported
    assert not {"jinja2", "markdown_it", "llmnotes.pipeline", "llmnotes.render"} & imported


def test_nothing_changed_writes_nothing_and_says_so(tmp_path: Path) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    past = time.time() - 60
    for path in (tmp_path / "notes").rglob("*"):
        os.utime(path, (past, past))  # edited a minute ago: the snapshot can trust the times
    config = load_config(tmp_path).with_options(out=out)
    assert build_site(config, workers=1).built
    first = build_site(config, workers=1)  # snapshot was untrusted if templates are new: a full check
    second = build_site(config, workers=1)
    assert second.changed == 0 and first.changed == 0
    assert second.pages == first.pages and second.notes == 3


def test_a_settled_note_is_not_read_again_and_an_edit_putting_its_time_back_is_still_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A note whose size, times and inode are those it was read with is taken from the cache
    without reading it. An edit of the same size whose modification time is put back (`touch -r`,
    a copy keeping times) still changes the change time, so it is read and built, and the step-0
    shortcut, which compares the same, does not stop the build either."""
    from llmnotes import folder, load

    _site(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setattr(folder, "RACY_NS", 0)  # every file settled at once, rather than 2 s after its save
    assert _build(tmp_path, out, no_cache=False)
    read: list[str] = []
    digest = load.file_digest
    monkeypatch.setattr(load, "file_digest", lambda path: read.append(path.name) or digest(path))
    one = tmp_path / "notes" / "one.md"
    before = one.stat()
    one.write_text(one.read_text().replace("title: One", "title: Uno"))  # the same size
    os.utime(one, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (one.stat().st_size, one.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _build(tmp_path, out, no_cache=False)
    assert read == ["one.md"]  # the others were not read
    assert "<h1>Uno</h1>" in (out / "notes" / "one" / "index.html").read_text()
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_a_build_asks_for_the_status_of_each_note_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader takes the notes' stamps from the status of every source the build began with
    (step 0), rather than asking for each note's again; a note is still read when they differ."""
    _site(tmp_path)
    out = tmp_path / "out"
    long_ago = time.time() - 600  # out of the racy window: no second look at the end of the build
    for note in (tmp_path / "notes").glob("*.md"):
        os.utime(note, (long_ago, long_ago))
    assert _build(tmp_path, out, no_cache=False)
    asked: list[str] = []
    stat = os.stat

    def counted(path: object, *args: object, **kwargs: object) -> os.stat_result:
        asked.append(os.fspath(path))  # type: ignore[arg-type]
        return stat(path, *args, **kwargs)  # type: ignore[arg-type]

    one = tmp_path / "notes" / "one.md"
    one.write_text(one.read_text().replace("title: One", "title: Uno"))
    os.utime(one, (long_ago + 1, long_ago + 1))
    monkeypatch.setattr(os, "stat", counted)
    assert _build(tmp_path, out, no_cache=False)
    monkeypatch.undo()
    for name in ("one.md", "two.md", "three.md"):
        assert sum(path.endswith(f"notes/{name}") for path in asked) == 1, name
    assert "<h1>Uno</h1>" in (out / "notes" / "one" / "index.html").read_text()


def test_the_last_builds_files_looked_at_ahead_find_those_changed_by_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the build reads its cache, a forked process looks at each file the last build wrote
    (`ahead.Look`): a page changed by hand or deleted is written again, the others kept."""
    from llmnotes import pipeline

    _large_site(tmp_path)
    out, seen = tmp_path / "out", tmp_path / "looked"
    parent, altered = os.getpid(), buildcache.altered

    def logged(cache: Path, key: str, folder: Path) -> frozenset[str]:
        found = altered(cache, key, folder)
        seen.write_text(f"{'child' if os.getpid() != parent else 'parent'} {' '.join(sorted(found))}")
        return found

    monkeypatch.setattr(buildcache, "altered", logged)
    monkeypatch.setattr(pipeline, "LOOK_FROM_BYTES", 0)
    assert _build_on(tmp_path, out, workers=2)
    assert not seen.exists()  # a first build: nothing to look at
    (out / "notes" / "n-007" / "index.html").write_text("changed by hand")
    (out / "notes" / "n-008" / "index.html").unlink()
    kept = out / "notes" / "n-009" / "index.html"
    kept_time = kept.stat().st_mtime_ns
    note = tmp_path / "notes" / "n-005.md"
    note.write_text(note.read_text().replace("Body of note 5", "The body of note 5, edited"))
    assert _build_on(tmp_path, out, workers=2)
    assert seen.read_text() == "child notes/n-007/index.html notes/n-008/index.html"
    assert kept.stat().st_mtime_ns == kept_time
    assert _build_on(tmp_path, tmp_path / "clean", workers=2, no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_a_note_saved_within_the_racy_window_keeps_no_stamp(tmp_path: Path) -> None:
    """Just written, a note could be written again within the same clock tick: the cache keeps its
    digest but no stamp, so the next build reads its bytes again."""
    _site(tmp_path)
    assert _build(tmp_path, tmp_path / "out", no_cache=False)
    cache = buildcache.load(buildcache.cache_file(tmp_path, tmp_path / "out"), buildcache.cache_key(False))
    assert len(cache.notes) == 3 and all(entry[0] and entry[3] is None for entry in cache.notes.values())


def test_the_fingerprints_a_first_build_works_out_on_its_workers_are_those_the_next_build_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first build renders every page, and its page workers work out each page's fingerprint as
    they go. Those must be the very ones the next build works out before it renders, or the next
    build would render every page again: after a note is saved unchanged (which gets past the
    step-0 shortcut), no page is rendered."""

    _large_site(tmp_path)
    out = tmp_path / "out"
    assert _build_on(tmp_path, out, workers=2, no_cache=True)
    rendered = items_asked(monkeypatch, "item")
    note = tmp_path / "notes" / "n-005.md"
    note.write_bytes(note.read_bytes())  # saved as it was: a new time, the same bytes
    assert _build_on(tmp_path, out, workers=1)
    assert rendered == []
    note.write_text(note.read_text().replace("Body of note 5", "The body of note 5, edited"))
    assert _build_on(tmp_path, out, workers=1)
    assert ("note", "n-005") in rendered and len(rendered) < 100  # of 600 pages


def test_the_graph_files_and_the_sitemap_are_kept_while_what_they_show_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit of a note's text (summary, body) leaves the whole-site graph, its canvas data,
    `graph.json` and the sitemap as they were: none is made again. A new title changes the
    first three, and a new `updated:` date the sitemap, and each is then made again."""
    from llmnotes import graph, graphview, render

    monkeypatch.setattr(graphview, "CANVAS_FROM", 5)  # the small site drawn on a canvas: graph/data.js is made
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    made: list[str] = []
    whole_site, graph_json, sitemap = graphview.whole_site, graph.graph_json, render.Renderer.sitemap
    monkeypatch.setattr(graphview, "whole_site", lambda site: made.append("layout") or whole_site(site))
    monkeypatch.setattr(graph, "graph_json", lambda site: made.append("graph.json") or graph_json(site))
    monkeypatch.setattr(render.Renderer, "sitemap", lambda self, locations: made.append("sitemap") or sitemap(self, locations))
    note = tmp_path / "notes" / "two.md"
    note.write_text(note.read_text().replace("summary: About", "summary: Now about") + "\nMore words.\n")
    assert _build(tmp_path, out, no_cache=False)
    assert made == []
    note.write_text(note.read_text().replace("title: Two", "title: Deux"))
    assert _build(tmp_path, out, no_cache=False)
    assert sorted(made) == ["graph.json", "layout"]
    assert "Deux" in (out / "graph" / "data.js").read_text() and "Deux" in (out / "graph.json").read_text()
    made.clear()
    note.write_text(note.read_text().replace("\nsummary:", "\nupdated: 2025-03-04\nsummary:", 1))
    assert _build(tmp_path, out, no_cache=False)
    assert made == ["sitemap"] and "<lastmod>2025-03-04</lastmod>" in (out / "sitemap.xml").read_text()
    made.clear()
    note.write_text(note.read_text() + "\nAnd see [[one]].\n")  # a link between notes, in neither's title
    assert _build(tmp_path, out, no_cache=False)
    assert sorted(made) == ["graph.json", "layout"]
    assert {"source": "note:two", "target": "note:one", "type": "link"} in json.loads((out / "graph.json").read_text())["edges"]
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_the_shortcut_sees_an_edit_that_puts_the_modification_time_back(tmp_path: Path) -> None:
    """Step 0 compares each file's change time and inode as well as its size and modification
    time, as git does: an edit of the same size whose modification time is put back (`touch -r`,
    a copy keeping times) is built, not taken for nothing changed."""
    _site(tmp_path)
    long_ago = time.time() - 600  # out of the racy window: the shortcut applies
    for path in tmp_path.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    note = tmp_path / "notes" / "one.md"
    before = note.stat()
    note.write_text(note.read_text().replace("title: One", "title: Uno"))
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _build(tmp_path, out, no_cache=False)
    assert "<h1>Uno</h1>" in (out / "notes" / "one" / "index.html").read_text()


def test_the_cache_is_keyed_by_the_code_that_made_it(tmp_path: Path) -> None:
    """A development checkout changes llmnotes without changing its version: a cache (and the
    shortcut's snapshot) made by other code is not used. Python's own bytecode does not count."""
    package = tmp_path / "pkg"
    write_files(package, {"a.py": "A = 1\n", "sub/b.py": "B = 2\n", "live.js": "let x;\n"})
    first = buildcache.code_digest(package)
    write_files(package, {"__pycache__/a.cpython-311.pyc": b"\0", "sub/__pycache__/b.cpython-311.pyc": b"\0"})
    buildcache.code_digest.cache_clear()
    assert buildcache.code_digest(package) == first
    (package / "sub" / "b.py").write_text("B = 30\n")  # another size: two writes in one clock tick keep the time
    buildcache.code_digest.cache_clear()
    assert buildcache.code_digest(package) != first
    own = Path(buildcache.__file__).parent
    assert buildcache.cache_key(False).endswith(buildcache.code_digest(own))


def _cache_sets(root: Path) -> set[str]:
    """The output folders' caches under `.llmnotes/build/` with more than a lock file, by name."""
    folder = root / buildcache.CACHE_DIR
    return {p.name.split(".")[0] for p in folder.iterdir() if not p.name.endswith(".lock") and not p.name.startswith(".")}


def test_the_caches_of_folders_no_longer_built_into_are_removed_beyond_the_four_built_last(tmp_path: Path) -> None:
    _site(tmp_path)
    outs = [tmp_path / f"out-{n}" for n in range(6)]
    names = [buildcache.cache_file(tmp_path, out).stem for out in outs]
    for out in outs[:4]:
        assert run_cli("build", "-q", "--out", str(out), cwd=tmp_path).returncode == 0
    assert _cache_sets(tmp_path) == set(names[:4])
    # a build into out-0 that finds nothing changed writes no cache file, yet counts as its use
    assert run_cli("build", "-q", "--out", str(outs[0]), cwd=tmp_path).returncode == 0
    assert run_cli("build", "-q", "--out", str(outs[4]), cwd=tmp_path).returncode == 0
    assert _cache_sets(tmp_path) == {names[0], names[2], names[3], names[4]}  # out-1, the least recently built, is gone
    assert (buildcache.cache_file(tmp_path, outs[1]).with_suffix(".lock")).is_file()  # its lock stays, for a build opening it now
    # the folder whose cache went is built in full, and as a clean build would
    (tmp_path / "notes" / "one.md").write_text(_note("One edited"))
    result = run_cli("build", "--out", str(outs[1]), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _build(tmp_path, tmp_path / "clean", no_cache=True)
    assert tree_bytes(outs[1]) == tree_bytes(tmp_path / "clean")


def test_the_cache_of_a_folder_being_built_into_is_not_removed(tmp_path: Path) -> None:
    import fcntl

    _site(tmp_path)
    outs = [tmp_path / f"out-{n}" for n in range(5)]
    for out in outs[:4]:
        assert _build(tmp_path, out, no_cache=False)
    busy = buildcache.cache_file(tmp_path, outs[0])
    with busy.with_suffix(".lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a build into out-0 running in another process holds it
        assert _build(tmp_path, outs[4], no_cache=False)
    assert busy.stem in _cache_sets(tmp_path) and busy.is_file()
    assert buildcache.prune(buildcache.cache_file(tmp_path, outs[4]), buildcache.cache_key(False)) == [busy.stem]  # once it is done, it goes
    assert busy.stem not in _cache_sets(tmp_path)


def test_a_memo_an_earlier_version_kept_under_a_name_no_longer_read_is_removed(tmp_path: Path) -> None:
    _site(tmp_path)
    out = tmp_path / "out"
    assert _build(tmp_path, out, no_cache=False)
    main = buildcache.cache_file(tmp_path, out)
    old_memo, foreign = main.with_name(f"{main.stem}.search-0.pickle"), main.with_name(f"{main.stem}.mine.pickle")
    old_memo.write_bytes(b"llmnotes build cache 1:0.1.0:False:x:y\n" + b"\x80\x05N.")
    foreign.write_bytes(b"not one of ours")  # not a cache file at all: not ours to remove
    kept = sorted(main.parent.glob(f"{main.stem}.*.pickle"))
    (tmp_path / "notes" / "one.md").write_text(_note("One edited"))
    assert _build(tmp_path, out, no_cache=False)
    assert not old_memo.exists() and foreign.exists()
    assert sorted(main.parent.glob(f"{main.stem}.*.pickle")) == [p for p in kept if p != old_memo]
