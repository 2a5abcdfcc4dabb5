"""resources.bib, resources.json and resources.ris, proven by the parsers reference managers use:
bibtexparser 2, citeproc-py and rispy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from hypothesis import given
from hypothesis import strategies as st

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = """\
---
title: Hostile {titles}
summary: Characters BibTeX treats specially.
topics: [scale]
links:
  - url: https://example.org/a_b?x=1&y=%7B#frag
    title: "Open {brace and 100% \\\\ back}slash & #hash $dollar ~tilde ^caret under_score"
    kind: article
    authors: [Zoë Ünïcode, Acme Research and Development, et al.]
    year: 2021
    note: "Braces } unbalanced { and a % comment"
  - url: https://github.com/example/tool
    title: "}"
    kind: repo
---
Body.
"""


def build(root: Path, out: Path, *extra: str) -> Path:
    result = run_cli("build", "--out", str(out), *extra, cwd=root)
    assert result.returncode == 0, result.stderr
    return out


def formats(out: Path) -> tuple[list, list[dict], list[dict]]:
    library = bibtexparser.parse_file(str(out / "resources.bib"))
    assert library.failed_blocks == []
    items = json.loads((out / "resources.json").read_text(encoding="utf-8"))
    with (out / "resources.ris").open(encoding="utf-8") as f:
        ris = rispy.load(f)
    return library.entries, items, ris


def check_consistent(out: Path) -> tuple[list, list[dict], list[dict]]:
    entries, items, ris = formats(out)
    resources = [p for p in (out / "resources").iterdir() if (p / "index.html").is_file()]
    assert len(entries) == len(items) == len(ris) == len(resources) > 0
    keys = [e.key for e in entries]
    assert len(set(keys)) == len(keys)
    assert keys == [i["id"] for i in items] == [r["id"] for r in ris]
    assert all(k.isascii() and k == k.lower() for k in keys)
    return entries, items, ris


def format_all(items: list[dict]) -> list[str]:
    """Every CSL item through a real CSL processor, with the style citeproc-py bundles."""
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


@pytest.fixture(scope="module")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(ROOT, tmp_path_factory.mktemp("flagship") / "out")


def test_flagship_bibliography_parses_in_all_three_formats(flagship: Path) -> None:
    entries, items, ris = check_consistent(flagship)
    formatted = format_all(items)
    assert len(formatted) == len(items) and all(formatted)
    by_key = {e.key: e for e in entries}
    # every entry has its URL and the notes citing it, absolutely (the flagship's base URL is absolute)
    for entry in entries:
        assert entry.fields_dict["url"].value.startswith("http")
        assert entry.fields_dict["citedin"].value.startswith("https://llmnotes.example.org/notes/")
    # an arXiv paper is an eprint
    arxiv = [e for e in entries if "arxiv.org" in e.fields_dict["url"].value and "eprint" in e.fields_dict]
    assert arxiv and all(e.fields_dict["archivePrefix"].value == "arXiv" for e in arxiv)
    assert all(r["urls"] and r["title"] for r in ris)
    assert set(by_key) == {i["id"] for i in items}


def test_small_site_entries_annotations_and_notes(make_site, tmp_path: Path) -> None:
    out = build(make_site(), tmp_path / "out")
    entries, items, ris = check_consistent(out)
    assert [e.key for e in entries] == ["vaswani2017attention", "anon2022training"]
    attention = entries[0]
    assert attention.entry_type == "misc"
    assert attention.fields_dict["eprint"].value == "1706.03762"
    assert attention.fields_dict["author"].value == "Ashish Vaswani and Noam Shazeer"
    assert attention.fields_dict["annote"].value == "The paper that introduced the transformer."
    # the base URL is not absolute: the citing notes as site paths
    assert attention.fields_dict["citedin"].value == "notes/scaling/, notes/transformers/"
    assert items[0]["note"] == "The paper that introduced the transformer."
    assert items[0]["author"] == [{"family": "Vaswani", "given": "Ashish"}, {"family": "Shazeer", "given": "Noam"}]
    assert items[0]["issued"] == {"date-parts": [[2017]]}
    assert ris[0]["type_of_reference"] == "JOUR" and ris[0]["authors"] == ["Vaswani, Ashish", "Shazeer, Noam"]
    assert ris[0]["notes"] == ["The paper that introduced the transformer."]
    assert ris[0]["custom1"] == "Cited in: notes/scaling/, notes/transformers/"
    assert format_all(items)


def test_absolute_base_url_gives_absolute_note_urls(make_site, tmp_path: Path) -> None:
    out = build(make_site(), tmp_path / "out", "--base-url", "https://example.org/sub/")
    entries, _, _ = formats(out)
    assert entries[0].fields_dict["citedin"].value == "https://example.org/sub/notes/scaling/, https://example.org/sub/notes/transformers/"


def test_hostile_titles_are_escaped(make_site, tmp_path: Path) -> None:
    out = build(make_site({"notes/hostile.md": HOSTILE}), tmp_path / "out")
    entries, items, ris = check_consistent(out)
    bib = (out / "resources.bib").read_text(encoding="utf-8")
    hostile = next(e for e in entries if "example.org" in e.fields_dict["url"].value)
    assert hostile.key == "unicode2021open"  # ASCII key from "Ünïcode"
    title = hostile.fields_dict["title"].value
    assert title == (
        r"{Open \{brace and 100\% \textbackslash{} back\}slash \& \#hash \$dollar \textasciitilde{}tilde "
        r"\textasciicircum{}caret under\_score}"
    )
    assert hostile.fields_dict["author"].value == "Zoë Ünïcode and {Acme Research and Development} and others"
    assert hostile.fields_dict["annote"].value == r"Braces \} unbalanced \{ and a \% comment"
    assert r"title = {{\}}}" in bib
    assert hostile.fields_dict["url"].value == "https://example.org/a_b?x=1&y=%7B#frag"  # verbatim
    assert "Zoë" in bib  # Unicode kept as UTF-8
    # the other formats carry the raw text, and "et al." just ends the author list
    item = next(i for i in items if i["id"] == hostile.key)
    assert item["title"].startswith("Open {brace and 100% \\ back}slash")
    assert item["author"][0] == {"family": "Ünïcode", "given": "Zoë"} and len(item["author"]) == 2
    assert next(r for r in ris if r["id"] == hostile.key)["type_of_reference"] == "ELEC"
    assert next(i for i in items if i["type"] == "software")["title"] == "}"
    assert format_all(items)


def test_keys_stable_when_unrelated_resources_are_added(make_site, tmp_path: Path) -> None:
    before, _, _ = formats(build(make_site(), tmp_path / "a"))
    extra = """\
---
title: More
summary: Unrelated resources, one colliding with nothing.
topics: [scale]
links:
  - url: https://example.org/aaa-first
    title: A book about training
    kind: book
    year: 2020
---
Body.
"""
    after, _, _ = formats(build(make_site({"notes/more.md": extra}), tmp_path / "b"))
    keys_before = {e.fields_dict["url"].value: e.key for e in before}
    keys_after = {e.fields_dict["url"].value: e.key for e in after}
    assert {u: keys_after[u] for u in keys_before} == keys_before
    assert keys_after["https://example.org/aaa-first"] == "anon2020book"


def test_colliding_keys_get_letters_in_url_order(make_site, tmp_path: Path) -> None:
    def note(urls: list[str]) -> str:
        links = "".join(f"  - url: {u}\n    title: Same Title\n    authors: [Jane Doe]\n    year: 2020\n" for u in urls)
        return f"---\ntitle: Twins\nsummary: Same key.\ntopics: [scale]\nlinks:\n{links}---\nBody.\n"

    one, _, _ = formats(build(make_site({"notes/twins.md": note(["https://b.example/x", "https://a.example/x"])}), tmp_path / "a"))
    two, _, _ = formats(build(make_site({"notes/twins.md": note(["https://a.example/x", "https://b.example/x"])}), tmp_path / "b"))
    keys = lambda entries: {e.fields_dict["url"].value: e.key for e in entries if "doe" in e.key}  # noqa: E731
    assert keys(one) == keys(two) == {"https://a.example/x": "doe2020same", "https://b.example/x": "doe2020sameb"}


def test_bibliography_is_byte_identical_between_builds(make_site, tmp_path: Path) -> None:
    root = make_site({"notes/hostile.md": HOSTILE})
    a, b = build(root, tmp_path / "a", "--no-cache"), build(root, tmp_path / "b", "--no-cache")
    for name in ("resources.bib", "resources.json", "resources.ris"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_cite_control_in_pages(make_site, tmp_path: Path) -> None:
    out = build(make_site(), tmp_path / "out")
    bib = (out / "resources.bib").read_text(encoding="utf-8")
    first = bib.split("\n\n")[0].strip()
    resource_pages = [p / "index.html" for p in (out / "resources").iterdir() if (p / "index.html").is_file()]
    page = next(p.read_text(encoding="utf-8") for p in resource_pages if "Attention Is All You Need" in p.read_text(encoding="utf-8"))
    assert '<details class="cite-block" id="cite">' in page
    assert "vaswani2017attention" in page and "@misc{vaswani2017attention," in page
    note = (out / "notes" / "transformers" / "index.html").read_text(encoding="utf-8")
    # a card's Cite points at that block; the entry itself is written once, on the resource page
    assert 'class="cite" href="../../resources/' in note and "data-bibtex" not in note and "@misc{" not in note
    assert first.startswith("@misc{vaswani2017attention,")


@pytest.mark.parametrize("name", ["resources.bib", "resources.json", "resources.ris"])
def test_importing_the_export_gives_back_the_same_resources(flagship: Path, tmp_path: Path, name: str) -> None:
    """`llmnotes import` of each exported file, built again: the same URLs, titles and years, and
    the same annotation for every resource a single note annotates."""
    site = tmp_path / "again"
    site.mkdir()
    result = run_cli("import", str(flagship / name), "--into", "notes", cwd=site)
    assert result.returncode == 0, result.stderr
    again = build(site, tmp_path / "out")
    original = {i["URL"]: i for i in json.loads((flagship / "resources.json").read_text(encoding="utf-8"))}
    imported = {i["URL"]: i for i in json.loads((again / "resources.json").read_text(encoding="utf-8"))}
    assert set(imported) == set(original)
    for url, item in original.items():
        assert (imported[url]["title"], imported[url].get("issued")) == (item["title"], item.get("issued")), url
        if "note" in item and "\n\n" not in item["note"]:
            assert imported[url].get("note") == item["note"], url


@given(st.lists(st.sampled_from(["the", "a", "2", "3d", "OLMo", "Ünïcode", "—", "::", "", "x-y", "of", "Été", "42nd", "GPT/4"]), max_size=8).map(" ".join))
def test_a_keys_title_word_follows_the_rule_spelled_out(title: str) -> None:
    """The key's word, looked for lazily, is the one the rule names when every word is worked out:
    the first significant word that starts with a letter, else the first significant, else the first."""
    from llmnotes import bibliography

    words = [bibliography._ascii(w) for w in re.split(r"[\s\-–—/:]+", title)]
    significant = [w for w in words if w and w not in bibliography._STOPWORDS]
    lettered = [w for w in significant if w[0].isalpha()]
    assert bibliography._key_word(title) == (lettered or significant or [w for w in words if w] or [""])[0]
