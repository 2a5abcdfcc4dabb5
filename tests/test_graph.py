"""Graph stage: topics, unified resources, links, backlinks, related notes, reading paths."""

from __future__ import annotations

from pathlib import Path

from llmnotes.graph import build_graph, graph_json
from llmnotes.load import load_all


def site_of(tmp_path: Path, notes: dict[str, str], topics: str = "a:\n  title: A\nb:\n  title: B\n  parent: a\n"):
    (tmp_path / "topics.yaml").write_text(topics)
    for slug, text in notes.items():
        path = tmp_path / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    loaded = load_all(tmp_path)
    assert [d for d in loaded.diagnostics if d.severity.value == "error"] == []
    site, problems = build_graph(loaded)
    return site, [str(p) for p in problems]


def note(title: str, *, topics="[]", after="[]", links="", body="") -> str:
    return f"---\ntitle: {title}\ntopics: {topics}\nafter: {after}\nlinks:\n{links or '  []'}\n---\n{body}\n"


def link(url: str, title: str = "T", extra: str = "") -> str:
    return f"  - url: {url}\n    title: {title}\n{extra}"


def test_one_resource_per_work_whatever_the_spelling(tmp_path: Path) -> None:
    site, problems = site_of(tmp_path, {
        "x": note("X", links=link("https://arxiv.org/abs/1706.03762", "Attention", "    kind: paper\n    year: 2017\n    note: From x.\n")),
        "y": note("Y", links=link("https://arxiv.org/pdf/1706.03762v5.pdf", "Attention (pdf)", "    note: From y.\n")),
        "z": note("Z", body="Body link to [the PDF](http://arxiv.org/pdf/1706.03762) and [elsewhere](https://example.org/)."),
    })
    assert problems == []
    attention = [r for r in site.resources.values() if r.key == "https://arxiv.org/abs/1706.03762"]
    assert len(attention) == 1
    (res,) = attention
    assert res.title == "Attention" and res.kind == "paper" and res.year == 2017
    assert [(c.note, c.annotation) for c in res.citations] == [("x", "From x."), ("y", "From y."), ("z", "")]
    assert len(site.resources) == 2
    assert site.note_resources["z"] == (res.id, next(r.id for r in site.resources.values() if "example.org" in r.key))


def test_a_resource_takes_its_first_description_and_what_later_citations_add(tmp_path: Path) -> None:
    """Notes are read in slug order: a body link only names a resource until a front-matter
    entry describes it; later entries fill in only what is still missing, and their discussions
    are added once each."""
    url = "https://example.org/paper"
    site, problems = site_of(tmp_path, {
        "a": note("A", body=f"See [the body text]({url})."),
        "b": note("B", links=link(url, "Described", "    kind: paper\n    discussion:\n      - https://news.ycombinator.com/item?id=1\n")),
        "c": note("C", links=link(url, "Ignored title", "    kind: article\n    year: 2020\n    authors: [Ada Lovelace]\n    status: read\n"
                                 "    discussion:\n      - https://news.ycombinator.com/item?id=1\n      - https://lobste.rs/s/x\n")),
        "d": note("D", links=link(url, "Later", "    year: 1999\n    authors: [Someone Else]\n") + link(f"{url}/", "Twice")),
    })
    (res,) = site.resources.values()
    assert (res.url, res.title, res.kind, res.year, res.authors) == (url, "Described", "paper", 2020, ("Ada Lovelace",))
    assert res.discussion == ("https://news.ycombinator.com/item?id=1", "https://lobste.rs/s/x")
    assert [(c.note, c.status) for c in res.citations] == [("a", None), ("b", None), ("c", "read"), ("d", None)]
    assert res.status == "read"
    assert {slug: len(rids) for slug, rids in site.note_resources.items()} == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert len(problems) == 1 and "d.md:" in problems[0] and "is listed twice in this note" in problems[0]


def test_links_backlinks_and_dangling_references(tmp_path: Path) -> None:
    site, problems = site_of(tmp_path, {
        "a": note("A", topics="[a, nope]", body="## Part one\n\n[[b]] [[b#intro]] [[b#missing]] [[ghost]] [b again](b.md) [self](#part-one) [bad](#nowhere) [up](#top) [[b#Top]]"),
        "b": note("B", topics="[b]", body="## Intro\n"),
    })
    assert site.links_to["a"] == ("b",)
    assert site.backlinks == {"b": ("a",)}
    assert site.topic_notes == {"a": ("a",), "b": ("b",)}
    assert site.topic_children == {"a": ("b",)}
    text = "\n".join(problems)
    assert "a.md:3:13: error: unknown topic 'nope'" in text
    assert "error: note 'b' has no heading '#missing'" in text
    assert "error: unknown note [[ghost]]" in text
    assert "warning: link to '#nowhere': no such heading in this note" in text
    assert "#part-one" not in text
    assert "#top" not in text.lower()  # #top is the top of any page, heading or not


def test_reading_paths_follow_after_and_report_cycles(tmp_path: Path) -> None:
    site, problems = site_of(tmp_path, {
        "intro": note("Intro"),
        "basics": note("Basics", after="[intro]"),
        "deep": note("Deep", after="[basics, intro]"),
        "side": note("Side", after="[intro]"),
        "alone": note("Alone"),
    })
    assert problems == []
    assert site.paths == (("intro", "basics", "side", "deep"),)
    assert site.neighbours_on_paths("basics") == [(None, "intro", "side")]
    assert site.neighbours_on_paths("alone") == []

    cyc = tmp_path / "cyc"
    cyc.mkdir()
    _, problems = site_of(cyc, {"p": note("P", after="[q]"), "q": note("Q", after="[p]"), "r": note("R", after="[r, nobody]")})
    text = "\n".join(problems)
    assert "error: 'after' forms a cycle: p → q → p" in text
    assert "r.md:4:9: error: a note cannot come after itself" in text
    assert "r.md:4:12: error: 'after' names unknown note 'nobody'" in text


def test_related_notes_prefer_shared_resources(tmp_path: Path) -> None:
    shared = link("https://example.org/shared")
    site, _ = site_of(tmp_path, {
        "a": note("A", topics="[a]", links=shared),
        "b": note("B", topics="[b]", links=shared),
        "c": note("C", topics="[a]"),
        "d": note("D", topics="[b]"),
    })
    assert site.related["a"][:2] == ("b", "c")
    assert "a" not in site.related["a"]


def test_related_notes_leave_out_what_linked_from_lists(tmp_path: Path) -> None:
    shared = link("https://example.org/shared")
    site, _ = site_of(tmp_path, {
        "a": note("A", topics="[a]", links=shared),
        "b": note("B", topics="[a]", links=shared, body="[[a]]"),  # links to a: shown under "Linked from"
        "c": note("C", topics="[a]", links=shared),
    })
    assert site.backlinks["a"] == ("b",)
    assert site.related["a"] == ("c",)
    assert "a" in site.related["b"]  # b does not appear on a's "Linked from", but a is still related to b


def test_graph_json_lists_nodes_and_edges(tmp_path: Path) -> None:
    site, _ = site_of(tmp_path, {"a": note("A", topics="[a]", links=link("https://e.org/"), body="[[b]]"), "b": note("B", after="[a]")})
    data = graph_json(site)
    types = sorted({n["type"] for n in data["nodes"]})
    assert {n["id"]: n["url"] for n in data["nodes"] if n["type"] != "resource"} == {
        "note:a": "notes/a/", "note:b": "notes/b/", "topic:a": "topics/a/", "topic:b": "topics/b/"
    }
    assert types == ["note", "resource", "topic"]
    edges = {(e["source"], e["target"], e["type"]) for e in data["edges"]}
    assert ("note:a", "note:b", "link") in edges
    assert ("note:a", "note:b", "after") in edges
    assert ("note:a", "topic:a", "topic") in edges
    assert ("topic:b", "topic:a", "parent") in edges
    assert data["paths"] == [["a", "b"]]


def test_links_to_drafts_warn_instead_of_failing(tmp_path: Path) -> None:
    site, problems = site_of(tmp_path, {"a": note("A", body="[[wip]]"), "wip": "---\ntitle: W\ndraft: true\n---\n"})
    assert "wip" not in site.notes
    assert any("warning: [[wip]] is a draft, left out of this build" in p for p in problems)


def test_a_resource_made_from_the_same_notes_keeps_its_known_digest(tmp_path: Path) -> None:
    shared, own, other = "https://example.org/shared", "https://example.org/own", "https://example.org/other"
    (tmp_path / "topics.yaml").write_text("a:\n  title: A\n")
    (tmp_path / "one.md").write_text(note("One", links=link(shared, "Shared", "    note: Worth it.\n")))
    (tmp_path / "two.md").write_text(note("Two", links=link(shared, "Shared") + link(own, "Own")))
    (tmp_path / "three.md").write_text(note("Three", links=link(other, "Other")))
    cache: dict = {}  # with a notes cache, each note carries the digest of its bytes
    site, _ = build_graph(load_all(tmp_path, cache=cache))
    real, rid = dict(site.resource_digests), {r.url: rid for rid, r in site.resources.items()}
    known = {r: (made_from, "known") for r, (made_from, _) in site.resource_stamps.items()}
    again, _ = build_graph(load_all(tmp_path, cache=cache), known)
    assert set(again.resource_digests.values()) == {"known"}  # nothing changed: no resource digested again
    (tmp_path / "two.md").write_text(note("Two", links=link(shared, "Shared", "    note: Now annotated.\n") + link(own, "Own")))
    edited, _ = build_graph(load_all(tmp_path, cache=cache), known)
    assert edited.resource_digests[rid[other]] == "known"  # its one note is unchanged
    assert edited.resource_digests[rid[own]] != "known"  # its note changed (the link moved a line down): digested again
    assert edited.resource_digests[rid[shared]] not in ("known", real[rid[shared]])  # an annotation of it changed


def test_related_notes_are_taken_from_the_last_build_only_while_what_they_are_made_from_holds(tmp_path: Path) -> None:
    shared = "https://example.org/shared"
    (tmp_path / "topics.yaml").write_text("a:\n  title: A\nb:\n  title: B\n")
    (tmp_path / "one.md").write_text(note("One", topics="[a]", links=link(shared, "Shared")))
    (tmp_path / "two.md").write_text(note("Two", topics="[a]", links=link(shared, "Shared")))
    (tmp_path / "three.md").write_text(note("Three", topics="[b]"))
    site, _ = build_graph(load_all(tmp_path))
    assert site.related["one"] == ("two",)
    marked = dict.fromkeys(site.related, ("marked",))  # what only the memo could have said
    kept, _ = build_graph(load_all(tmp_path), known_related=(site.related_inputs, marked))
    assert kept.related is marked and kept.related_memo == (site.related_inputs, marked)
    (tmp_path / "two.md").write_text(note("Two", topics="[a]", links=link(shared, "Shared"), body="Its text edited."))
    text_edit, _ = build_graph(load_all(tmp_path), known_related=(site.related_inputs, marked))
    assert text_edit.related is marked  # a note's text is not what related notes are made from
    (tmp_path / "three.md").write_text(note("Three", topics="[a]"))  # a topic changed: the memo no longer holds
    moved, _ = build_graph(load_all(tmp_path), known_related=(site.related_inputs, marked))
    assert moved.related_inputs != site.related_inputs
    assert moved.related == build_graph(load_all(tmp_path))[0].related
    assert moved.related["three"] == ("one", "two")
