"""Markdown stage: CommonMark + GFM, heading ids, highlighting, wikilinks, raw HTML switch, safety."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import ClassVar

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from llmnotes import markdown
from llmnotes.model import Place


class FakeSite(markdown.Resolver):
    """Two notes exist: 'known' and 'dir/other'."""

    titles: ClassVar[dict[str, str]] = {"known": "Known note", "dir/other": "Other"}

    def note(self, slug, heading):
        if slug not in self.titles:
            return None
        return (f"/n/{slug}/" + (f"#{heading}" if heading else ""), self.titles[slug], "")

    def asset(self, relpath):
        return f"/assets/{relpath}"


def html(text: str, allow_html: bool = False) -> str:
    tokens = markdown.parser(allow_html).parse(text)
    markdown.extract(tokens, text, 1, "n.md", "")
    return markdown.render(tokens, FakeSite(), allow_html)


def test_gfm_extensions_render() -> None:
    out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n- [ ] todo\n\nText[^1]\n\n[^1]: Foot.\n")
    assert "<table>" in out and "<td>1</td>" in out
    assert "<s>gone</s>" in out
    assert 'class="task-list-item-checkbox" disabled="" type="checkbox" checked=""' in out
    assert 'class="footnote-ref"' in out and 'class="footnotes"' in out


def test_headings_get_ids_and_are_collected() -> None:
    text = "# Hello World\n\n## Second *part*\n\n## Hello World\n"
    tokens = markdown.parser().parse(text)
    found = markdown.extract(tokens, text, 10, "n.md", "")
    assert [(h.level, h.id, h.text, h.line) for h in found.headings] == [
        (1, "hello-world", "Hello World", 10),
        (2, "second-part", "Second part", 12),
        (2, "hello-world-1", "Hello World", 14),
    ]
    assert '<h2 id="second-part">' in markdown.render(tokens, FakeSite())


def test_code_is_highlighted_with_css_classes() -> None:
    out = html("```python\ndef f():\n    return 1\n```\n")
    assert '<pre class="highlight"><code class="language-python"><span class="k">def</span>' in out
    plain = html("```nosuchlanguage\n<b>x</b>\n```\n")
    assert "&lt;b&gt;x&lt;/b&gt;" in plain and "<b>" not in plain


def test_css_has_a_light_and_a_dark_style() -> None:
    css = markdown.pygments_css()
    assert ".highlight .k" in css and "@media (prefers-color-scheme: dark)" in css


def test_raw_html_is_escaped_unless_allowed() -> None:
    text = "<script>alert(1)</script>\n\nHi <b>there</b>\n"
    assert "<script>" not in html(text) and "&lt;script&gt;" in html(text)
    assert "<b>there</b>" in html(text, allow_html=True)


def test_dangerous_link_schemes_never_become_links() -> None:
    out = html("[click](javascript:alert(1)) [x](vbscript:msgbox) ![i](data:text/html;base64,AAAA)")
    assert "href=\"javascript" not in out and "vbscript:" not in out.split("[x]")[0] and 'src="data:text/html' not in out


def test_wikilinks_render_with_titles_labels_and_headings() -> None:
    out = html("See [[known]], [[known|this one]], [[known#part]] and [[missing]].")
    assert '<a class="wikilink" href="/n/known/">Known note</a>' in out
    assert '<a class="wikilink" href="/n/known/">this one</a>' in out
    assert '<a class="wikilink" href="/n/known/#part">Known note § part</a>' in out
    assert '<span class="broken-link">missing</span>' in out


def test_wikilink_in_code_is_left_alone() -> None:
    out = html("`[[known]]`")
    assert "<code>[[known]]</code>" in out


def test_links_are_extracted_with_positions() -> None:
    text = "Intro line\n\nSee [a](https://a.org/x) and <https://b.org>\nthen [[known]] and [rel](dir/other.md#h) ![img](pics/p.png)\n"
    tokens = markdown.parser().parse(text)
    found = markdown.extract(tokens, text, 5, "n.md", "")
    assert [(b.url, b.text, b.place) for b in found.body_links] == [
        ("https://a.org/x", "a", Place("n.md", 7, 9)),
        ("https://b.org", "https://b.org", Place("n.md", 7, 31)),
    ]
    assert [(n.target, n.heading, n.style, n.place.line, n.place.col) for n in found.note_links] == [
        ("known", None, "wikilink", 8, 6),
        ("dir/other", "h", "relative", 8, 26),
    ]
    assert [(a.relpath, a.place.col) for a in found.assets] == [("pics/p.png", 49)]
    out = markdown.render(tokens, FakeSite())
    assert 'href="/n/dir/other/#h"' in out and 'src="/assets/pics/p.png"' in out


def test_rendering_twice_gives_the_same_html() -> None:
    text = "[rel](known.md) ![i](a.png)"
    tokens = markdown.parser().parse(text)
    markdown.extract(tokens, text, 1, "n.md", "")
    assert markdown.render(tokens, FakeSite()) == markdown.render(tokens, FakeSite())


def test_relative_links_resolve_from_the_notes_folder() -> None:
    text = "[up](../known.md) [out](../../x.md)"
    tokens = markdown.parser().parse(text)
    found = markdown.extract(tokens, text, 1, "dir/n.md", "dir")
    assert [n.target for n in found.note_links] == ["known"]
    assert found.problems[0][1] == "link '../../x.md' points outside the notes folder"


def test_inline_markdown_for_annotations_is_escaped() -> None:
    assert markdown.render_inline("*nice* <b>x</b>") == "<em>nice</em> &lt;b&gt;x&lt;/b&gt;"


# Pieces of annotations: plain words and punctuation, and what comes near a rule: the schemes and
# hosts of autolinks, `:` and `/`, `!`, `#`, `|`, `$`, quotes, non-ASCII letters and spaces.
_PIECES = st.sampled_from(
    ["a", "W", "é", "—", " ", "\u00a0", ".", ",", ":", "/", "//", "!", "?", "#", "|", "$", "^", "'", '"', "(", ")", "-", "+", "=", "%",
     "1.", "www", "www.", "WWW.", "x.com", "http", "https:", "http://", "mailto:", "xmpp:", "ftp://", "note", " \t", "\n", "&", "*", "_",
     "`", "~", "[", "]", "<", ">", "@", "\\"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
@example("Great talk! See it: the 3rd part (50% of it) is the best, \"really\".")
@example("www.example.com")
@example("https://example.com")
def test_plain_inline_text_skips_the_parser_and_renders_the_same(text: str) -> None:
    """The shortcut for plain annotations and summaries gives what markdown-it gives, byte for byte."""
    assert markdown.render_inline(text) == markdown._render_inline(text)


def test_plain_inline_text_is_recognised() -> None:
    assert markdown._is_plain("A survey: 40 papers, \"scaling\" (2020-2024)!")
    assert not markdown._is_plain("see www.example.com") and not markdown._is_plain("at https://x.org")
    assert not markdown._is_plain("a *b*") and not markdown._is_plain("a@b.org")


def test_bare_autolinks_of_each_kind_are_links() -> None:
    """GFM's bare links (`www.`, a protocol, an e-mail address) each start at one character, which
    the parser checks before giving a rule its window (`markdown._AUTOLINK_STARTS`)."""
    text = "Read www.a.org/x, then see https://b.org/y; write to me@c.org.\n"
    tokens = markdown.parser().parse(text)
    found = markdown.extract(tokens, text, 1, "n.md", "")
    assert [b.url for b in found.body_links] == ["http://www.a.org/x", "https://b.org/y"]
    out = markdown.render(tokens, FakeSite())
    assert '<a href="mailto:me@c.org">me@c.org</a>' in out and '<a href="http://www.a.org/x">www.a.org/x</a>' in out
    rules = {r.name for r in markdown.parser().inline.ruler.__rules__ if r.name.startswith("gfm_autolink")}
    assert rules == set(markdown._AUTOLINK_STARTS)  # a plugin update that adds or renames one is noticed here


def test_the_text_rule_stops_wherever_a_rule_of_the_parser_can_begin() -> None:
    """`markdown._text` skips to the next character some inline rule begins at
    (`INLINE_RULE_STARTS`). A rule added, renamed or turned on by a plugin update is noticed here,
    so that its first character can be added before it is skipped over."""
    for allow_html in (False, True):
        enabled = {r.name for r in markdown.parser(allow_html).inline.ruler.__rules__ if r.enabled}
        assert enabled == set(markdown.INLINE_RULE_STARTS)
        assert markdown.parser(allow_html).inline.ruler.__rules__[0].fn is markdown._text


# Pieces that each inline rule begins at or turns down, and those only other plugins' rules begin at.
_INLINE_PIECES = [
    "w", "ww", "www.", "www.a.org/x", "wwww.b.org", "Www.c.org", " ", "word", "fine-tuning", "\n", "  \n", "\\", "\\*", "`", "``x``",
    "~", "~~gone~~", "*", "**", "_", "__", "[", "]", "[[known]]", "[[known#part|label]]", "[a](b)", "[a]: /u\n", "![i](j.png)",
    "[^1]", "\n\n[^1]: foot\n", "<", "<https://e.org/z>", "<b>", "&", "&amp;", "&#35;", ":", "http", "https://d.org/y", "mailto:",
    "me@e.org", "xmpp:a@b.c", "@", "#", "$", "%", "+", "-", "=", ">", "^", "{", "}", "| a | b |\n|---|---|\n| c | d |\n", "# h\n", "(", ")",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_INLINE_PIECES), max_size=30).map("".join), st.booleans())
@example("see www.a.org, fine-tuning and me@e.org: [a](b) w", False)
def test_the_text_rule_gives_the_tokens_markdown_its_own_gives(text: str, allow_html: bool) -> None:
    """The parser with its own `text` rule and with markdown-it's give the same tokens."""
    ours = [t.as_dict() for t in markdown.parser(allow_html).parse(text)]
    assert ours == [t.as_dict() for t in _reference(allow_html).parse(text)]


def test_the_text_rule_gives_the_same_tokens_on_every_note_of_this_site() -> None:
    notes = sorted((Path(__file__).resolve().parents[1] / "notes").rglob("*.md"))
    assert len(notes) > 20
    for path in notes:
        text = path.read_text(encoding="utf-8")
        assert [t.as_dict() for t in markdown.parser().parse(text)] == [t.as_dict() for t in _reference(False).parse(text)], path


@functools.cache
def _reference(allow_html: bool) -> MarkdownIt:
    """The same parser with markdown-it's own `text` rule."""
    return markdown.configured(allow_html)
