"""`--fix` (links/fix.py): rewrite a permanently redirected URL at the places it is written, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmnotes.links.extract import extract
from llmnotes.links.fix import apply
from llmnotes.links.report import Finding, Report
from llmnotes.links.result import Result, Verdict
from llmnotes.load import load_for_links, load_note
from llmnotes.model import Place, SourceFile
from llmnotes.normalize import fetch_key
from llmnotes.schema import url_problem

NOTE = """---
title: "A note"   # a comment that stays
links:
  - url: "http://old.org/page"
    title: Old
    discussion:
      - http://old.org/page#talk
---
See [the page](http://old.org/page) and keep https://other.org/ as it is.
"""


def _moved(*places: Place, old: str = "http://old.org/page", new: str = "https://new.org/page") -> Report:
    result = Result(old, Verdict.REDIRECTED, 200, final_url=new, permanent=True)
    return Report((Finding(result, places),), ())


def _places(tmp_path: Path, url: str) -> tuple[Place, ...]:
    """Where the loader says `url` is written, as check-links would hand them to --fix."""
    targets = extract(load_for_links(tmp_path))
    places = next(t.places for t in targets if t.key == fetch_key(url))
    return tuple(Place(p.path.rsplit("/", 1)[-1], p.line, p.col) for p in places)


def test_rewrites_each_place_and_keeps_the_rest_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(NOTE)
    places = _places(tmp_path, "http://old.org/page")
    assert [p.line for p in places] == [4, 7, 9]
    changes, refused = apply(_moved(*places), tmp_path)
    assert refused == []
    assert [(c.place.line, c.old, c.new) for c in changes] == [
        (4, "http://old.org/page", "https://new.org/page"),
        (7, "http://old.org/page#talk", "https://new.org/page#talk"),  # the fragment is kept
        (9, "http://old.org/page", "https://new.org/page"),
    ]
    expected = NOTE.replace('"http://old.org/page"', '"https://new.org/page"').replace("http://old.org/page#talk", "https://new.org/page#talk")
    expected = expected.replace("(http://old.org/page)", "(https://new.org/page)")
    assert (tmp_path / "a.md").read_text() == expected


def test_a_place_whose_text_changed_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(NOTE)
    changes, refused = apply(_moved(Place("a.md", 5, 12), Place("a.md", 99, 1)), tmp_path)  # line 5 holds the title
    assert changes == [] and [r.reason.split(" (")[0] for r in refused] == ["is not written at this place as it was checked"] * 2
    assert (tmp_path / "a.md").read_text() == NOTE


def test_windows_line_ends_are_kept(tmp_path: Path) -> None:
    crlf = NOTE.replace("\n", "\r\n").encode()
    (tmp_path / "a.md").write_bytes(crlf)
    apply(_moved(Place("a.md", 4, 10)), tmp_path)
    assert (tmp_path / "a.md").read_bytes() == crlf.replace(b'"http://old.org/page"', b'"https://new.org/page"')


def test_only_permanent_redirects_are_written(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(NOTE)
    temporary = Result("http://old.org/page", Verdict.OK, 200, final_url="https://new.org/page")
    broken = Result("http://old.org/page", Verdict.BROKEN, 404)
    report = Report((Finding(temporary, (Place("a.md", 4, 10),)), Finding(broken, (Place("a.md", 9, 5),))), ())
    assert apply(report, tmp_path) == ([], [])
    assert (tmp_path / "a.md").read_text() == NOTE


HOSTILE = [
    ("http://old.org/a: b", "https://old.org/a:%20b"),
    ("http://old.org/x) <img src=x onerror=alert(1)> [y](/z", "https://old.org/x%29%20%3Cimg%20src=x%20onerror=alert%281%29%3E%20%5By%5D%28/z"),
    ("http://old.org/a b", "https://old.org/a%20b"),
    ("http://old.org/esc\x1b[31m", "https://old.org/esc%1B%5B31m"),
]


@pytest.mark.parametrize(("location", "written"), [(loc.replace("http://", "https://"), w) for loc, w in HOSTILE])
def test_a_hostile_location_is_written_encoded_and_the_note_still_loads(tmp_path: Path, location: str, written: str) -> None:
    (tmp_path / "a.md").write_text(NOTE)
    places = _places(tmp_path, "http://old.org/page")
    changes, refused = apply(_moved(*places, new=location), tmp_path)
    assert refused == [] and {c.new.strip('"').split("#")[0] for c in changes} == {written}
    text = (tmp_path / "a.md").read_text()
    assert "<img" not in text and "\x1b" not in text
    note, problems = load_note(SourceFile(tmp_path / "a.md", "a.md", "a"))
    assert note is not None and [str(p) for p in problems] == []
    assert note.links[0].url == written and note.body_links[0].url == written


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("javascript:alert(1)", "not a web page"),
        ("https://user:secret@old.org/page", "credentials"),
        ("http://old.org/plain", "downgrade"),
        ("ftp://old.org/file", "not a web page"),
    ],
)
def test_a_redirect_that_cannot_be_written_safely_is_reported_and_the_file_untouched(tmp_path: Path, location: str, why: str) -> None:
    secure = NOTE.replace("http://old.org/page", "https://old.org/page")
    (tmp_path / "a.md").write_text(secure)
    places = _places(tmp_path, "https://old.org/page")
    changes, refused = apply(_moved(*places, old="https://old.org/page", new=location), tmp_path)
    assert changes == [] and len(refused) == len(places) and all(why in r.reason for r in refused)
    assert (tmp_path / "a.md").read_text() == secure


def test_only_the_destination_that_was_checked_changes(tmp_path: Path) -> None:
    body = "Code `http://old.org/page` stays, and [http://old.org/page](http://old.org/page) moves.\n"
    (tmp_path / "a.md").write_text("---\ntitle: T\n---\n" + body)
    places = _places(tmp_path, "http://old.org/page")
    assert [(p.line, p.col) for p in places] == [(4, body.index("](") + 3)]  # the destination, not the label or code
    apply(_moved(*places), tmp_path)
    assert (tmp_path / "a.md").read_text().endswith("Code `http://old.org/page` stays, and [http://old.org/page](https://new.org/page) moves.\n")


def test_a_reference_link_is_fixed_at_its_definition_not_in_a_code_block(tmp_path: Path) -> None:
    body = "See [it][d] and `http://old.org/page`.\n\n```\n[d]: http://old.org/page\n```\n\n[d]: <http://old.org/page>\n"
    (tmp_path / "a.md").write_text("---\ntitle: T\n---\n" + body)
    places = _places(tmp_path, "http://old.org/page")
    assert [(p.line, p.col) for p in places] == [(10, 7)]
    changes, refused = apply(_moved(*places), tmp_path)
    assert len(changes) == 1 and refused == []
    assert (tmp_path / "a.md").read_text().endswith("`http://old.org/page`.\n\n```\n[d]: http://old.org/page\n```\n\n[d]: <https://new.org/page>\n")


def test_a_bare_autolink_that_would_be_cut_short_is_refused(tmp_path: Path) -> None:
    # linkify leaves a final '.' out of a bare URL: written there, the link would point elsewhere
    (tmp_path / "a.md").write_text("---\ntitle: T\n---\nSee http://old.org/page now.\n")
    changes, refused = apply(_moved(*_places(tmp_path, "http://old.org/page"), new="https://new.org/a."), tmp_path)
    assert changes == [] and [r.reason for r in refused] == ["would not read back as that one link changed"]
    assert (tmp_path / "a.md").read_text() == "---\ntitle: T\n---\nSee http://old.org/page now.\n"


def test_an_entity_in_a_destination_is_written_in_yaml_and_refused_in_markdown(tmp_path: Path) -> None:
    # "&copy;" is a character reference in a Markdown destination, plain text in YAML
    (tmp_path / "a.md").write_text(NOTE)
    changes, refused = apply(_moved(*_places(tmp_path, "http://old.org/page"), new="https://new.org/?a&copy;"), tmp_path)
    assert [c.place.line for c in changes] == [4, 7] and [r.place.line for r in refused] == [9]
    note, _ = load_note(SourceFile(tmp_path / "a.md", "a.md", "a"))
    assert note is not None and note.links[0].url == "https://new.org/?a&copy;" and note.body_links[0].url == "http://old.org/page"


def test_a_single_quoted_value_never_gets_a_raw_quote(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(NOTE.replace('"http://old.org/page"', "'http://old.org/page'"))
    changes, _ = apply(_moved(*_places(tmp_path, "http://old.org/page"), new="https://new.org/it's #here"), tmp_path)
    assert changes[0].new == "https://new.org/it%27s%20#here"
    note, _ = load_note(SourceFile(tmp_path / "a.md", "a.md", "a"))
    assert note is not None and note.links[0].url == "https://new.org/it%27s%20#here"


def test_a_cached_javascript_redirect_is_never_written(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(NOTE)
    result = Result("http://old.org/page", Verdict.REDIRECTED, 301, final_url="javascript:alert(1)", permanent=True, from_cache=True)
    changes, refused = apply(Report((Finding(result, _places(tmp_path, "http://old.org/page")),), ()), tmp_path)
    assert changes == [] and len(refused) == 3 and (tmp_path / "a.md").read_text() == NOTE


_LOCATIONS = st.one_of(
    st.text(max_size=40),
    st.builds(lambda s, t: s + t, st.sampled_from(["https://new.org/", "http://new.org/", "https://u:p@new.org/", "javascript:", "HTTPS://new.org", "//new.org/"]), st.text(max_size=40)),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(location=_LOCATIONS, quoted=st.booleans())
def test_any_location_leaves_a_note_that_loads_with_a_valid_url(tmp_path: Path, location: str, quoted: bool) -> None:
    text = NOTE if quoted else NOTE.replace('"http://old.org/page"', "http://old.org/page")
    (tmp_path / "a.md").write_text(text)
    places = _places(tmp_path, "http://old.org/page")
    changes, refused = apply(_moved(*places, new=location), tmp_path)
    assert len(changes) + len(refused) == (len(places) if location else 0)  # no Location: nothing to write
    note, problems = load_note(SourceFile(tmp_path / "a.md", "a.md", "a"))
    assert note is not None and [str(p) for p in problems if p.severity.value == "error"] == []
    urls = [note.links[0].url, note.links[0].discussion[0][0], note.body_links[0].url]
    assert all(url_problem(u) is None and "@" not in u.split("/")[2] for u in urls)
    assert note.title == "A note" and note.body_links[0].text == "the page" and len(note.body_links) == 2
    if not changes:
        assert (tmp_path / "a.md").read_text() == text
