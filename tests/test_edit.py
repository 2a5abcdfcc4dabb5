"""Appending a resource keeps every other byte and reloads as exactly the values written."""

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes.edit import append_link

NOTE = "---\ntitle: X\nlinks:\n    - url: https://a.org/\n      note: \"kept\"\n\nsummary: s # c\n---\nBody\n"


def _front(text: str) -> dict[str, Any]:
    loaded = yaml.safe_load(text.replace("\r\n", "\n").split("---\n")[1])
    assert isinstance(loaded, dict)
    return loaded


def test_appends_in_the_files_style_and_keeps_the_rest() -> None:
    entry = {"url": "https://b.org/", "title": "A: b # c", "authors": ["X, Y"], "year": 2020}
    out = append_link(NOTE, entry)
    added = "    - url: https://b.org/\n      title: 'A: b # c'\n      authors: ['X, Y']\n      year: 2020\n"
    assert out.replace(added, "", 1) == NOTE
    assert _front(out)["links"][1] == entry


def test_crlf_and_missing_links() -> None:
    crlf = "---\r\ntitle: X\r\n---\r\nBody\r\n"
    out = append_link(crlf, {"url": "https://b.org/"})
    assert out == "---\r\ntitle: X\r\nlinks:\r\n  - url: https://b.org/\r\n---\r\nBody\r\n"


text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(title=text, authors=st.lists(text, min_size=1, max_size=4), year=st.integers(1000, 2100))
def test_any_title_reloads_as_itself(title: str, authors: list[str], year: int) -> None:
    entry = {"url": "https://c.org/", "title": title, "authors": authors, "year": year}
    assert _front(append_link(NOTE, entry))["links"][1] == entry


def test_empty_flow_list_from_new() -> None:
    out = append_link("---\ntitle: X\nlinks: []\n---\n", {"url": "https://b.org/"})
    assert out == "---\ntitle: X\nlinks:\n  - url: https://b.org/\n---\n"
