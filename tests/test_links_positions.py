"""Where the extractor places a link: at its destination as written, in time linear in the text."""

from __future__ import annotations

import pytest

from llmnotes import markdown


def _places(body: str) -> list[tuple[str, int, int]]:
    found = markdown.extract(markdown.parser(False).parse(body), body, 1, "a.md", "")
    return [(b.url, b.place.line, b.place.col) for b in found.body_links]


@pytest.mark.parametrize(
    ("body", "column_of"),
    [
        ("`https://e.org/` then [https://e.org/](https://e.org/).", "](https://e.org/)"),  # not the code span, not the label
        ("[a](https://e.org/x) and [b](<https://e.org/x>)", "](https://e.org/x)"),
        ("x <https://e.org/> y", "<https://e.org/>"),
        ("text https://e.org/ more", "https://e.org/"),
        ("text www.e.org more", "www.e.org"),
        ("![i](https://e.org/i.png)", "](https://e.org/i.png)"),
    ],
)
def test_a_link_is_placed_at_its_destination(body: str, column_of: str) -> None:
    skip = 2 if column_of.startswith("](<") else 1 if column_of[0] in "]<" else 0
    skip += 1 if column_of.startswith("](") else 0
    url, line, col = _places(body)[0]
    assert (line, col) == (1, body.index(column_of) + skip + 1), (url, col)


def test_a_reference_link_is_placed_at_its_definition_outside_code() -> None:
    body = "See [it][d].\n\n    [d]: https://e.org/\n\n[d]: https://e.org/\n"
    assert _places(body) == [("https://e.org/", 5, 6)]


def test_a_bare_url_written_twice_is_placed_at_each_copy() -> None:
    body = "see http://e.org/x and http://e.org/x\nhttp://e.org/x"
    assert _places(body) == [("http://e.org/x", 1, 5), ("http://e.org/x", 1, 24), ("http://e.org/x", 2, 1)]


def test_a_badge_image_inside_a_link_is_placed_at_its_own_destination() -> None:
    body = "Badges:\n[![ci](https://ci.e.org/b.svg)](https://ci.e.org/) [![d](https://d.e.org/d.svg)](https://d.e.org/)"
    line = body.split("\n")[1]
    expected = [(url, 2, line.index("](" + url + ")") + 3) for url in ("https://ci.e.org/b.svg", "https://ci.e.org/", "https://d.e.org/d.svg", "https://d.e.org/")]
    assert sorted(_places(body), key=lambda p: p[2]) == expected


def test_a_link_whose_label_is_an_autolink_is_found_as_well() -> None:
    body = "[<https://e.org/a>](https://e.org/b)"  # the page links both
    assert _places(body) == [("https://e.org/a", 1, 3), ("https://e.org/b", 1, 21)]


@pytest.mark.parametrize(
    ("body", "url", "column_of"),
    [
        ("See [a](https://e.org/a\\_b).", "https://e.org/a_b", "https://e.org/a\\_b"),  # a backslash escape
        ("See [a](https://e.org/?x=1&amp;y=2).", "https://e.org/?x=1&y=2", "https://e.org/?x=1&amp;"),  # an entity
        ("See [a](<https://e.org/a b&amp;c>).", "https://e.org/a%20b&c", "https://e.org/a b"),
    ],
)
def test_a_destination_written_with_escapes_is_placed_where_it_is_written(body: str, url: str, column_of: str) -> None:
    assert _places(body) == [(url, 1, body.index(column_of) + 1)]


def test_a_destination_on_the_line_after_its_bracket_is_placed_there() -> None:
    assert _places("Intro [a](\n  https://e.org/x\n) end") == [("https://e.org/x", 2, 3)]


def test_a_reference_definition_written_with_an_escape_is_where_the_link_is_placed() -> None:
    body = "See [it][d].\n\n[d]: https://e.org/a\\_b\n"
    assert _places(body) == [("https://e.org/a_b", 3, 6)]


def test_a_long_paragraph_mixing_inline_and_reference_links_places_each_where_it_is_written() -> None:
    # Each reference link is written in no form the locator searches for, so each one used to cost a
    # scan to the paragraph's end (16,000 such lines: 94 s). Searching a window of the joined block
    # is linear, and every place is still exact: inline links on their line, references at their
    # definitions, across lines the window crosses.
    n = 300
    lines = [f"Item [r{i}][d{i}] and [i{i}](https://e.org/inline/{i}) too." for i in range(n)]
    definitions = [f"[d{i}]: https://e.org/ref/{i}" for i in range(n)]
    body = "\n".join(lines) + "\n\n" + "\n".join(definitions) + "\n"
    expected = []
    for i in range(n):
        expected.append((f"https://e.org/ref/{i}", n + 2 + i, len(f"[d{i}]: ") + 1))
        expected.append((f"https://e.org/inline/{i}", i + 1, lines[i].index("](") + 3))
    assert _places(body) == expected


@pytest.mark.parametrize(
    ("body", "line", "col"),
    [
        ("> See [it][d].\n>\n> [d]: https://e.org/\n", 3, 8),  # in a blockquote: after the `>`
        ("> > See [it][d].\n> >\n> > [d]: https://e.org/\n", 3, 10),
        ("- See [it][d].\n\n  [d]: https://e.org/\n", 3, 8),  # in a list item, indented
    ],
)
def test_a_reference_definition_inside_a_container_is_where_the_link_is_placed(body: str, line: int, col: int) -> None:
    assert _places(body) == [("https://e.org/", line, col)]


def _html_places(body: str, allow_html: bool = True) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    found = markdown.extract(markdown.parser(allow_html).parse(body), body, 1, "a.md", "")
    return [(b.url, b.place.line, b.place.col) for b in found.body_links], [(u, p.line, p.col) for u, p, _ in found.unchecked]


def test_links_in_raw_html_are_found_where_their_values_are_written() -> None:
    inline = 'See <a href="https://e.org/x?a=1&amp;b=2">it</a> and [md](https://e.org/y).\n'
    assert _html_places(inline) == ([("https://e.org/x?a=1&b=2", 1, 14), ("https://e.org/y", 1, 59)], [])
    block = "<div>\n  <img src='https://e.org/i.png' alt=\"\">\n  <!-- <a href=\"https://e.org/no\"> -->\n  <a href=ftp://e.org/f>f</a>\n</div>\n"
    assert _html_places(block) == ([("https://e.org/i.png", 2, 13)], [("ftp://e.org/f", 4, 11)])  # not the commented-out one
    in_a_list = '- item\n\n  <p><a href="https://e.org/z">z</a></p>\n'
    assert _html_places(in_a_list) == ([("https://e.org/z", 3, 15)], [])


def test_raw_html_is_text_and_holds_no_link_without_allow_html() -> None:
    assert _html_places('See <a href="https://e.org/x">it</a>.\n', allow_html=False) == ([], [])
