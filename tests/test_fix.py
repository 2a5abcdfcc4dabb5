"""`--fix` (links/fix.py): rewrite a permanently redirected URL at the places it is written, and nothing else."""

from __future__ import annotations

from pathlib import Path

from llmnotes.links.extract import extract
from llmnotes.links.fix import apply
from llmnotes.links.report import Finding, Report
from llmnotes.links.result import Result, Verdict
from llmnotes.load import load_for_links
from llmnotes.model import Place
from llmnotes.normalize import fetch_key

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
    changes = apply(_moved(*places), tmp_path)
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
    assert apply(_moved(Place("a.md", 5, 12)), tmp_path) == []  # line 5 holds the title, not the URL
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
    assert apply(report, tmp_path) == []
    assert (tmp_path / "a.md").read_text() == NOTE
