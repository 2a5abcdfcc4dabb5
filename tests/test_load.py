"""Load stage: every kind of bad note gives `path:line:col: error: …`, never a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from llmnotes.diagnostics import Severity
from llmnotes.folder import discover
from llmnotes.load import load_all, load_note, load_topics
from llmnotes.model import SourceFile


def load(tmp_path: Path, text: str | bytes, name: str = "note.md"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_note(SourceFile(path, name, name.rsplit(".", 1)[0]))


def messages(diagnostics) -> list[str]:
    return [str(d) for d in diagnostics]


GOOD = """---
title: A note
summary: One line.
topics: [foundations]
date: 2023-10-12
updated: 2024-01-03
draft: false
after: [transformers]
links:
  - url: https://arxiv.org/abs/2211.00593
    title: "Interpretability in the Wild"
    kind: paper
    authors: [Kevin Wang]
    year: 2022
    note: Finds a circuit.
    discussion: [https://news.ycombinator.com/item?id=1]
    status: read
---
Body with [[transformers]].
"""


def test_a_good_note_loads_every_field(tmp_path: Path) -> None:
    note, problems = load(tmp_path, GOOD)
    assert problems == []
    assert note is not None
    assert note.title == "A note" and note.summary == "One line."
    assert note.topic_slugs == ("foundations",)
    assert note.date == dt.date(2023, 10, 12) and note.updated == dt.date(2024, 1, 3)
    assert note.after_slugs == ("transformers",)
    (link,) = note.links
    assert (link.url, link.kind, link.authors, link.year, link.status) == (
        "https://arxiv.org/abs/2211.00593", "paper", ("Kevin Wang",), 2022, "read")
    assert link.place.line == 10 and link.place.col == 10
    assert link.discussion[0][0] == "https://news.ycombinator.com/item?id=1"
    (wikilink,) = note.note_links
    assert (wikilink.target, wikilink.place.line, wikilink.place.col) == ("transformers", 19, 11)
    assert note.text == "Body with . Finds a circuit."  # what search reads: the commentary's words, then the annotations
    assert note.words == "a body circuit finds with"  # its distinct words, sorted, as the cache keeps them


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "note.md:1:1: error: empty file"),
        ("   \n\n", "note.md:1:1: error: empty file"),
        ("# Just markdown\n", "note.md:1:1: error: no front-matter"),
        ("---\ntitle: x\n", "note.md:1:1: error: front-matter is never closed"),
        ("---\n---\nbody\n", "note.md:1:1: error: front-matter is empty"),
        ("---\n- a\n- b\n---\n", "note.md:2:1: error: front-matter must be a mapping"),
        ("---\ntitle: [unclosed\n---\n", "note.md:3:1: error: invalid YAML"),
        ("---\ntitle: x\nlinks:\n\t- url: https://a.org\n---\n", "note.md:4:1: error: tab character in YAML indentation"),
        ("---\ntitle: x\ntitle: y\n---\n", "note.md:3:1: error: duplicate key 'title' (first written on line 2)"),
        ("---\nsummary: s\n---\n", "note.md:2:1: error: missing required key 'title'"),
        ("---\ntitle: 42\n---\n", "note.md:2:8: error: 'title' must be text, not the number 42"),
        ("---\ntitle: ''\n---\n", "note.md:2:8: error: 'title' must not be empty"),
        ("---\ntitle: x\ndate: 2023-13-45\n---\n", "note.md:3:7: error: '2023-13-45' is not a real date (month must be in 1..12)"),
        ("---\ntitle: x\ndate: yesterday\n---\n", "note.md:3:7: error: 'date' must be a date written YYYY-MM-DD, not 'yesterday'"),
        ("---\ntitle: x\ndraft: maybe\n---\n", "note.md:3:8: error: 'draft' must be true or false"),
        ("---\ntitle: x\ntopics: foundations\n---\n", None),
        ("---\ntitle: x\ntopics: {a: 1}\n---\n", "note.md:3:9: error: 'topics' must be a list"),
        ("---\ntitle: x\ntopics: [Big Topic]\n---\n", "note.md:3:10: error: topic 'Big Topic' is not a valid slug"),
        ("---\ntitle: x\nlinks: https://a.org\n---\n", "note.md:3:8: error: 'links' must be a list of resources"),
        ("---\ntitle: x\nlinks:\n  - https://a.org\n---\n", "note.md:4:5: error: each entry of 'links' must be a mapping"),
        ("---\ntitle: x\nlinks:\n  - title: t\n---\n", "note.md:4:5: error: link is missing required key 'url'"),
        ("---\ntitle: x\nlinks:\n  - url: https://a.org\n---\n", "note.md:4:5: error: missing required key 'title'"),
        ("---\ntitle: x\nlinks:\n  - url: ftp://a.org/x\n    title: t\n---\n", "note.md:4:10: error: url 'ftp://a.org/x' must be an absolute http:// or https:// URL"),
        ("---\ntitle: x\nlinks:\n  - url: javascript:alert(1)\n    title: t\n---\n", "note.md:4:10: error: url 'javascript:alert(1)' must be an absolute"),
        ("---\ntitle: x\nlinks:\n  - url: /relative/path\n    title: t\n---\n", "note.md:4:10: error: url '/relative/path' must be an absolute"),
        ("---\ntitle: x\nlinks:\n  - url: https://a.org:99999/\n    title: t\n---\n", "note.md:4:10: error: url 'https://a.org:99999/' Port out of range"),
        ("---\ntitle: x\nlinks:\n  - url: https:///nohost\n    title: t\n---\n", "note.md:4:10: error: url 'https:///nohost' has no host"),
        ("---\ntitle: x\nlinks:\n  - url: https://a.org\n    title: t\n    kind: blogpost\n---\n", "note.md:6:11: error: 'kind' must be one of paper, article"),
        ("---\ntitle: x\nlinks:\n  - url: https://a.org\n    title: t\n    status: done\n---\n", "note.md:6:13: error: 'status' must be one of read, reading, to-read"),
        ("---\ntitle: x\nlinks:\n  - url: https://a.org\n    title: t\n    year: twenty\n---\n", "note.md:6:11: error: 'year' must be a four-digit year"),
        ("---\ntitle: x\nlinks:\n  - url: https://a.org\n    title: t\n    discussion: [not a url]\n---\n", "note.md:6:18: error: discussion URL 'not a url' contains whitespace"),
        ("---\ntitle: x\nafter: [Not A Slug]\n---\n", "note.md:3:9: error: 'after' entry 'Not A Slug' is not a note slug"),
        ("---\ntitle: x\n---\n[x](../../outside.png)\n", "note.md:4:5: error: link '../../outside.png' points outside the notes folder"),
    ],
)
def test_bad_input_is_reported_at_its_place(tmp_path: Path, text: str, expected: str | None) -> None:
    note, problems = load(tmp_path, text)
    found = messages(problems)
    if expected is None:
        assert found == [] and note is not None
    else:
        assert any(m.startswith(expected) for m in found), found


def test_unknown_keys_are_warnings_with_a_suggestion(tmp_path: Path) -> None:
    note, problems = load(tmp_path, "---\ntitle: x\ntopic: [a]\nlinks:\n  - url: https://a.org\n    title: t\n    autor: [me]\n---\n")
    assert note is not None
    assert messages(problems) == [
        "note.md:3:1: warning: unknown key 'topic' in the front-matter (did you mean 'topics'?)",
        "note.md:7:5: warning: unknown key 'autor' in a link (did you mean 'authors'?)",
    ]
    assert all(p.severity is Severity.WARNING for p in problems)


def test_every_problem_of_a_note_is_reported_not_just_the_first(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "---\ntitle: 1\ndate: nope\ndraft: 3\nlinks:\n  - url: x\n---\n")
    assert len(problems) == 5  # title type, date, draft, url, missing link title


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    note, problems = load(tmp_path, b"---\ntitle: caf\xe9\n---\n")
    assert note is None
    assert messages(problems) == ["note.md:2:11: error: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    note, problems = load(tmp_path, "\ufeff---\r\ntitle: x\r\n---\r\nBody [[y]]\r\n".encode())
    assert problems == [] and note is not None and note.title == "x"
    assert note.note_links[0].place.line == 4


def test_yaml_dates_and_quoted_dates_both_work(tmp_path: Path) -> None:
    note, problems = load(tmp_path, "---\ntitle: x\ndate: '2024-05-06'\nupdated: 2024-05-07\n---\n")
    assert problems == [] and note.date == dt.date(2024, 5, 6) and note.updated == dt.date(2024, 5, 7)


def test_an_impossible_yaml_date_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    note, problems = load(tmp_path, "---\ntitle: x\ndate: 2023-02-30\n---\n")
    assert note is None
    assert messages(problems) == ["note.md:3:7: error: '2023-02-30' is not a real date (day is out of range for month)"]


def test_discover_rejects_bad_file_names_and_duplicate_slugs(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    for name in ("good.md", "Bad Name.md", "sub/x.md", "sub/x.markdown", ".hidden.md", "image.png"):
        (notes / name).write_text("---\ntitle: t\n---\n")
    sources, assets, problems = discover(notes)
    assert [s.slug for s in sources] == ["good", "sub/x"]
    assert [a.relpath for a in assets] == ["image.png"]
    text = "\n".join(messages(problems))
    assert "Bad Name.md:1:1: error: file name gives the slug 'Bad Name'" in text
    assert "x.md:1:1: error: duplicate slug 'sub/x'" in text or "x.markdown:1:1: error: duplicate slug 'sub/x'" in text


def test_drafts_are_left_out_unless_asked_for(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: a\ndraft: true\n---\n")
    (tmp_path / "b.md").write_text("---\ntitle: b\n---\n")
    assert [n.slug for n in load_all(tmp_path).notes] == ["b"]
    assert load_all(tmp_path).drafts == {"a"}
    assert [n.slug for n in load_all(tmp_path, drafts=True).notes] == ["a", "b"]


def test_topics_file_is_validated(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text(
        "a:\n  title: A\n  parent: b\nb:\n  title: B\n  parent: a\nBad Slug:\n  title: x\nc:\n  title: C\n  parent: nowhere\n  colour: red\n"
    )
    topics, problems = load_topics(tmp_path)
    text = messages(problems)
    assert set(topics) == {"a", "b", "c"}
    assert "topics.yaml:7:1: error: topic 'Bad Slug' is not a valid slug: use a-z, 0-9 and '-'" in [m.split("/")[-1] for m in text]
    joined = "\n".join(text)
    assert "topics.yaml:11:11: error: topic 'c' has unknown parent 'nowhere'" in joined
    assert "warning: unknown key 'colour' in topic 'c'" in joined
    assert "topic parents form a cycle: a → b → a" in joined


def test_loading_for_links_in_parallel_gives_the_same_notes(tmp_path: Path) -> None:
    from llmnotes.load import PARALLEL_FROM, load_for_links

    for i in range(PARALLEL_FROM + 6):
        (tmp_path / f"n{i:03d}.md").write_text(
            f"---\ntitle: Note {i}\nlinks:\n  - url: https://example.org/{i}\n    title: T\n---\n## Part\n\n[[n{(i + 1) % 70:03d}]] [x](#part)\n"
        )
    (tmp_path / "bad.md").write_text("---\ntitle: [\n---\n")
    serial = load_for_links(tmp_path, workers=1)
    parallel = load_for_links(tmp_path, workers=2)
    assert parallel == serial
    assert len(parallel.notes) == PARALLEL_FROM + 6 and all(n.body.html == "" for n in parallel.notes)
    assert [d.path.rsplit("/", 1)[-1] for d in parallel.diagnostics] == ["bad.md"]
    assert parallel.notes[0].fragment_links[0][0] == "part"


@pytest.mark.parametrize("where", ["inside", "the notes folder", "a subfolder", "outside"])
def test_discovered_files_are_named_as_display_path_names_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """`discover` names a folder's files from the folder's name, worked out once; each must read
    as `display_path` would name the file alone, wherever the command runs from."""
    from llmnotes.diagnostics import display_path

    notes = tmp_path / "site" / "notes"
    for rel in ("a.md", "sub/b.md", "sub/deep/c.markdown", "sub/picture.png", "Bad Name.md"):
        (notes / rel).parent.mkdir(parents=True, exist_ok=True)
        (notes / rel).write_text("---\ntitle: T\n---\n", encoding="utf-8")
    cwd = {"inside": tmp_path / "site", "the notes folder": notes, "a subfolder": notes / "sub", "outside": tmp_path / "elsewhere"}[where]
    cwd.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(cwd)
    sources, assets, problems = discover(notes)
    assert [s.display for s in sources] == [display_path(s.path) for s in sources]
    assert {s.slug for s in sources} == {"a", "sub/b", "sub/deep/c"} and [a.relpath for a in assets] == ["sub/picture.png"]
    assert [p.path for p in problems] == [display_path(notes / "Bad Name.md")]
    if where == "outside":
        assert sources[0].display == str(notes / "a.md")
    elif where == "the notes folder":
        assert [s.display for s in sources] == ["a.md", "sub/b.md", "sub/deep/c.markdown"]
