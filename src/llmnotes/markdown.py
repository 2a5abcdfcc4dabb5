"""Markdown: one configured markdown-it parser, the wikilink rule, and position-aware extraction.

CommonMark plus GFM (tables, strikethrough, autolinks, task lists, footnotes), heading ids, and
`[[slug]]`, `[[slug|label]]`, `[[slug#heading]]` wikilinks. Raw HTML is off unless the site turns it
on. Code is highlighted by Pygments with CSS classes, so the theme decides the colours.

Block tokens carry `map` (their line range); inline tokens do not, so the column of a link is found
by searching the source lines of its block, moving forward as links are met.
"""

from __future__ import annotations

import bisect
import functools
import html
import itertools
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.helpers import parseLinkDestination
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.gfm import gfm_plugin

from llmnotes.model import AssetLink, Body, BodyLink, Heading, NoteLink, Place, Ref

_WIKILINK = re.compile(r"\[\[([^\[\]\n|#]+)(?:#([^\[\]\n|]+))?(?:\|([^\[\]\n]+))?\]\]")
_NOTE_EXT = (".md", ".markdown")
_NOT_CHECKED_QUIETLY = ("mailto", "tel", "sms", "data")  # not web pages: nothing to check, nothing to say


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Pygments with CSS classes; unknown languages fall back to markdown-it's plain escaping."""
    if not lang:
        return ""
    from pygments import highlight as pygments_highlight  # imported on first use: most runs need none
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
        return ""
    body = pygments_highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code class="language-{html.escape(lang)}">{body}</code></pre>\n'


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = _WIKILINK.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("wikilink", "a", 0)
        token.markup = match.group(0)
        token.meta = {
            "target": match.group(1).strip(),
            "heading": (match.group(2) or "").strip() or None,
            "label": (match.group(3) or "").strip() or None,
        }
    state.pos = match.end()
    return True


def _wikilink_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)


AUTOLINK_WINDOW = 4096  # characters an autolink rule may look at: far longer than any real URL


# The character each GFM autolink rule starts at (mdit-py-plugins' gfm_autolink: `www.`, the `:` of
# a protocol, the `@` of an e-mail). Every other position is turned down before the window is set:
# the rules are asked at every `w`, `:` and `@` of every paragraph, 150,000 times per 1,000 notes.
_AUTOLINK_STARTS = {"gfm_autolink_www": "w", "gfm_autolink_protocol": ":", "gfm_autolink_email": "@"}


def _bound_autolinks(md: MarkdownIt) -> None:
    """The GFM autolink rules copy the rest of the paragraph for every `www.`, `http` and `@` they
    try, so a paragraph of 64,000 autolinks took 36 s. Each is given a window of its own instead:
    linear, and the same links for any URL shorter than the window."""
    for rule in md.inline.ruler.__rules__:
        if rule.name.startswith("gfm_autolink"):
            md.inline.ruler.at(rule.name, _windowed(rule.fn, _AUTOLINK_STARTS.get(rule.name)))


def _windowed(rule: Any, start: str | None) -> Any:
    def windowed(state: StateInline, silent: bool) -> bool:
        if start is not None and state.src[state.pos] != start:
            return False
        end = state.posMax
        state.posMax = min(end, state.pos + AUTOLINK_WINDOW)
        try:
            return bool(rule(state, silent))
        finally:
            state.posMax = end

    return windowed


# Where an inline rule of this parser can begin, and so where the `text` rule must stop: the first
# character each rule looks for (below, by rule), and `]`, which ends a link's label. markdown-it's
# own `text` rule also stops at characters only rules of other plugins begin at (`#`, `$`, `%`, `+`,
# `-`, `=`, `>`, `^`, `{`, `}`), and the GFM plugin makes it stop at every `w`, though its rule
# matches only at `www.`. At each such stop every rule is asked in turn and turns it down: on the
# benchmarks' prose that was a quarter of the parse. `test_markdown` holds this list to the parser's rules.
INLINE_RULE_STARTS = {
    "text": "",
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "*_",
    "wikilink": "[",
    "link": "[",
    "image": "!",
    "footnote_ref": "[",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
    "gfm_autolink_www": "w",  # only where `www.` begins: the rule's own first test
    "gfm_autolink_protocol": ":",
    "gfm_autolink_email": "@",
}
_TEXT_STOP = re.compile("[" + re.escape("".join(sorted({*"".join(INLINE_RULE_STARTS.values()), "]"} - {"w"}))) + r"]|w(?=ww\.)")


def _text(state: StateInline, silent: bool) -> bool:
    """markdown-it's `text` rule, line for line, stopping only where one of this parser's rules
    can begin (`INLINE_RULE_STARTS`). The text before a stop ends up in the same pending text
    either way, so the tokens are the same."""
    found = _TEXT_STOP.search(state.src, state.pos)
    pos = found.start() if found else state.posMax
    if pos == state.pos:
        return False
    if not silent:
        state.append_pending(state.src[state.pos : pos])
    state.pos = pos
    return True


@functools.cache
def parser(allow_html: bool = False) -> MarkdownIt:
    """The configured parser. Cached per process: it is immutable configuration, not state."""
    md = configured(allow_html)
    md.inline.ruler.at("text", _text)
    return md


def configured(allow_html: bool) -> MarkdownIt:
    """The parser but for its `text` rule, which is still markdown-it's own (the tests compare)."""
    md = MarkdownIt("commonmark", {"html": allow_html, "highlight": _highlight})
    md.use(gfm_plugin)
    _bound_autolinks(md)
    md.use(anchors_plugin, min_level=1, max_level=6, permalink=True, permalinkSymbol="#")
    md.use(_wikilink_plugin)
    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    return md


# -- extraction ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extracted:
    headings: tuple[Heading, ...]
    body_links: tuple[BodyLink, ...]
    note_links: tuple[NoteLink, ...]
    assets: tuple[AssetLink, ...]
    fragment_links: tuple[tuple[str, Place], ...]  # `[x](#heading)` within the note
    problems: tuple[tuple[Place, str], ...]
    unchecked: tuple[tuple[str, Place, str], ...] = ()  # (URL, place, why): links no check can follow


# Characters searched ahead of the last link found, over however many lines: a link is written
# after the one before it, and without a bound, each link a paragraph writes in no searched form (a
# reference link `[text][label]`) would cost a scan to the paragraph's end, quadratic in its length.
_FIND_WINDOW = 65_536


class _Locator:
    """Finds where a piece of text is written within a block, scanning forward from the last find.

    A block's lines are searched as one string (its lines joined by newlines, made when the block
    is first searched), so a search is one C-level `str.find` however many lines it crosses; a
    needle holds no newline, so it never matches across two lines."""

    def __init__(self, lines: list[str], first_line: int) -> None:
        self.lines = lines
        self.first_line = first_line
        self.block: tuple[int, int] = (0, 0)  # the block's first line and the line after it
        self.cursor = 0  # offset into the block's text: the next link is written after it
        self._text: str | None = None  # the block's lines joined, once searched
        self._lines: list[str] = []  # the block's lines
        self._starts: list[int] = [0]  # offset of each of the block's lines in `_text`

    def enter(self, block_map: list[int] | None) -> None:
        if block_map:
            self.block = (block_map[0], max(min(block_map[1], len(self.lines)), block_map[0] + 1))
            self.cursor, self._text = 0, None

    def _block_text(self) -> str:
        if self._text is None:
            self._lines = self.lines[self.block[0] : self.block[1]]
            self._text = "\n".join(self._lines)
            self._starts = list(itertools.accumulate((len(line) + 1 for line in self._lines[:-1]), initial=0))
        return self._text

    def _line_col(self, offset: int) -> tuple[int, int]:
        """(index of the line in the block, column from 0) of an offset into the block's text."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return i, offset - self._starts[i]

    def _place(self, offset: int) -> tuple[int, int]:
        i, col = self._line_col(offset)
        return self.block[0] + i + self.first_line, col + 1

    def find(self, *needles: str | tuple[str, int]) -> tuple[int, int]:
        """The next place one of `needles` is written, or the block's first line when none is."""
        return self.locate(*needles) or (self.block[0] + self.first_line, 1)

    def locate(self, *needles: str | tuple[str, int]) -> tuple[int, int] | None:
        """The next place one of `needles` is written; a needle `(text, skip)` places what follows
        its first `skip` characters (`("](" + url, 2)` finds a link's destination, not its label or
        a code span holding the same URL). Only `_FIND_WINDOW` characters past the cursor are
        searched, so a paragraph of many links costs linear time even when a link is not written
        as any needle says (it is then None). Once one needle is found, the others are looked for
        only up to it: put the likeliest first, and a needle not written costs a short search."""
        text = self._block_text()
        best: tuple[int, int, int] | None = None  # where the needle starts, where its place is, where it ends
        for needle, skip in dict.fromkeys((n, 0) if isinstance(n, str) else n for n in needles):
            if not needle:
                continue
            end = (best[0] if best else self.cursor + _FIND_WINDOW) + len(needle)
            c = text.find(needle, self.cursor, end)
            if c >= 0 and (best is None or (c, c + skip) < best[:2]):
                best = (c, c + skip, c + len(needle))
        if best is None:
            return None
        self.cursor = best[2]  # past the whole needle: the next link is written after this one
        return self._place(best[1])

    def destination(self, href: str) -> tuple[int, int] | None:
        """The next `](…)` whose destination the parser reads as `href`, for one not written as
        href reads (`a\\_b`, `&amp;`, or on the line after its `](`). Only the next few `](` are
        tried: a reference link, which has none of its own, costs little."""
        text, lines = self._block_text(), self._lines
        at_offset, limit = self.cursor, self.cursor + _FIND_WINDOW
        for _ in range(_DESTINATION_TRIES):
            c = text.find("](", at_offset, limit)
            if c < 0:
                return None
            at_offset = c + 2
            i, col = self._line_col(at_offset)
            at = _skip_blanks(lines[i], col)
            if at == len(lines[i]) and i + 1 < len(lines):  # `](` ends the line
                i, at = i + 1, _skip_blanks(lines[i + 1], 0)
            line = lines[i]
            parsed = parseLinkDestination(line, at, min(len(line), at + _FIND_WINDOW))
            if parsed.ok and _as_parsed(parsed.str) == href:
                self.cursor = self._starts[i] + parsed.pos
                return self.block[0] + i + self.first_line, at + (2 if line.startswith("<", at) else 1)
        return None


_DESTINATION_TRIES = 8  # `](` a link whose destination is not written as the parser reads it may be at


def _skip_blanks(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t":
        at += 1
    return at


def _as_parsed(destination: str) -> str:
    """A destination, escapes and entities already decoded, as the parser gives it (percent-encoded)."""
    return str(parser(False).normalizeLink(destination))


# After any blockquote markers and a list item's indent (code blocks are left out by their tokens).
_DEFINITION = re.compile(r"(?:[ \t]*>)*[ \t]*\[(?:[^\]\\]|\\.)+\]:[ \t]*(<?)([^\s<>]+)")


def _definitions(tokens: list[Token], lines: list[str], first_line: int) -> dict[str, list[tuple[int, int]]]:
    """Where each reference definition `[label]: url` writes its destination, by destination, in
    file order; lines inside code and HTML blocks hold none. The parser does not say which label a
    link used, so links to one destination are given its definitions in turn (`extract`): two
    labels defined with the same URL are then both reported, and both rewritten by `--fix`."""
    code: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block", "html_block") and token.map:
            code.update(range(token.map[0], token.map[1]))
    found: dict[str, list[tuple[int, int]]] = {}
    for i, line in enumerate(lines):
        if i in code or "]:" not in line:
            continue
        match = _DEFINITION.match(line)
        if match:
            destination = _as_parsed(parseLinkDestination(line, match.start(1), len(line)).str)  # as links give it
            found.setdefault(destination, []).append((i + first_line, match.start(2) + 1))
    return found


def _destination_needles(token: Token, href: str) -> list[str | tuple[str, int]]:
    """How a link's destination may be written in the source, most precise first."""
    if token.markup == "autolink":
        if token.info == "auto":  # a bare www. or http link in the text; www. gets http:// added
            written = href.removeprefix("http://")  # found at the same column as the whole URL if written so
            return [written, href, unquote(written)]  # the likeliest first: see _Locator.locate
        return [("<" + href, 1), ("<" + unquote(href), 1), href]  # <https://…>
    # [text](url), [text](<url>); [text][label] is placed at its definition `[label]: url` by extract
    needles: list[str | tuple[str, int]] = [(f"]({u}", 2) for u in (href, unquote(href))]
    return needles + [(f"](<{u}", 3) for u in (href, unquote(href))]


_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_HTML_URL_ATTRIBUTE = re.compile(r"""<[a-zA-Z][^>]*?\s(?P<name>href|src)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))""", re.I)


def _html_urls(html_text: str) -> Iterator[tuple[str, str, int]]:
    """Each href or src attribute of a tag in raw HTML: its value with entities decoded, the
    attribute as written and where in that its value starts. One per tag is enough for the tags
    notes link with (`<a>`, `<img>`); comments (blanked out first) give none."""
    text = _HTML_COMMENT.sub(lambda m: " " * len(m.group()), html_text)
    for match in _HTML_URL_ATTRIBUTE.finditer(text):
        group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
        written = html_text[match.start("name") : match.end(group)]
        yield html.unescape(match.group(group)), written, match.start(group) - match.start("name")


def _walk(tokens: list[Token]) -> Iterator[tuple[int, Token, Token | None]]:
    """Yield (index, block token, inline child or None), so children know their block's line map."""
    for i, token in enumerate(tokens):
        yield i, token, None
        for child in token.children or ():
            yield i, token, child


def extract(tokens: list[Token], body: str, first_line: int, path: str, note_dir: str) -> Extracted:
    """Collect headings and every link of a parsed body, with positions; mark tokens for rendering.

    `note_dir` is the note's folder under the notes root ("" for the root), used to resolve relative
    links. Internal links are annotated in `token.meta` so rendering needs no second resolution.
    """
    lines = body.split("\n")
    locator = _Locator(lines, first_line)
    definitions: dict[str, list[tuple[int, int]]] | None = None  # made when a link is not written inline
    given: dict[str, int] = {}  # how many links to each destination were placed at a definition
    headings: list[Heading] = []
    body_links: list[BodyLink] = []
    note_links: list[NoteLink] = []
    assets: list[AssetLink] = []
    fragments: list[tuple[str, Place]] = []
    problems: list[tuple[Place, str]] = []
    unchecked: list[tuple[str, Place, str]] = []
    # Links are placed at their close, in the order their destinations are written: an image or an
    # autolink in a link's label comes before the link's own `](url)`.
    open_links: list[tuple[Token, list[str]]] = []  # (link_open, the words of its label so far)

    def place_link(token: Token, text: str) -> None:
        nonlocal definitions
        href = str(token.attrGet("href" if token.type == "link_open" else "src") or "")
        found = locator.locate(*_destination_needles(token, href))
        if found is None and token.markup != "autolink":
            found = locator.destination(href)  # written otherwise: escaped, with entities, on the next line
        if found is None and token.markup != "autolink":  # [text][label]: at its definition
            if definitions is None:
                definitions = _definitions(tokens, lines, first_line)
            written = definitions.get(href)
            if written:
                n = given[href] = given.get(href, -1) + 1
                found = written[n % len(written)]
        line, col = found or locator.find()
        classify(href, text, Place(path, line, col), token)

    def classify(href: str, text: str, place: Place, token: Token | None) -> None:
        """File a link by what it points to; `token` is None for a link in raw HTML, which is
        rendered as written, so a relative one there is neither resolved nor checked."""
        scheme = urlsplit(href).scheme.lower()
        if scheme in ("http", "https"):
            body_links.append(BodyLink(href, text, place))
        elif href.startswith("//") or (scheme and scheme not in _NOT_CHECKED_QUIETLY):
            # ftp:, smb:, file:, //host…: live links the checker cannot follow; said so, not skipped unseen
            reason = "protocol-relative URL, not checked: write it with https://" if href.startswith("//") else f"{scheme}: links are not checked"
            unchecked.append((href, place, reason))
        elif scheme or href.startswith("/"):
            return  # mailto:, tel:, site-absolute paths: left as written
        elif token is None:
            return
        elif href.startswith("#"):
            if not href.startswith(("#fn", "#fnref")):  # footnote anchors are not headings
                fragments.append((unquote(href[1:]), place))
        else:
            _relative(token, href, place, note_dir, note_links, assets, problems)

    def raw_html(html_text: str) -> None:
        """The href and src attributes of raw HTML (`allow_html = true`), each placed where its
        value is written, as links are."""
        for href, written, skip in _html_urls(html_text):
            line, col = locator.find((written, skip))
            classify(href, "", Place(path, line, col), None)

    for i, block, child in _walk(tokens):
        if child is None:
            locator.enter(block.map)
            if block.type == "html_block":
                raw_html(block.content)
            if block.type == "heading_open" and block.attrGet("id"):
                inline = tokens[i + 1].children or ()
                text = "".join(c.content for c in inline if c.type in ("text", "code_inline"))
                line = (block.map[0] if block.map else 0) + first_line
                headings.append(Heading(int(block.tag[1]), str(block.attrGet("id")), text.strip(), line))
            continue
        if child.type == "text":
            for _, words in open_links:
                words.append(child.content)
        elif child.type == "wikilink":
            line, col = locator.find(child.markup)
            note_links.append(NoteLink(child.meta["target"], child.meta["heading"], Place(path, line, col), "wikilink"))
        elif child.type == "link_open":
            open_links.append((child, []))
        elif child.type == "link_close" and open_links:
            link, words = open_links.pop()
            if link.attrGet("class") != "header-anchor":
                place_link(link, "".join(words).strip())
        elif child.type == "image":
            place_link(child, child.content)
        elif child.type == "html_inline":
            raw_html(child.content)

    return Extracted(tuple(headings), tuple(body_links), tuple(note_links), tuple(assets), tuple(fragments), tuple(problems), tuple(unchecked))


def _relative(
    token: Token,
    href: str,
    place: Place,
    note_dir: str,
    note_links: list[NoteLink],
    assets: list[AssetLink],
    problems: list[tuple[Place, str]],
) -> None:
    parts = urlsplit(href)
    target = posixpath.normpath(posixpath.join(note_dir, unquote(parts.path)))
    if target.startswith("../") or target == "..":
        problems.append((place, f"link '{href}' points outside the notes folder"))
        return
    if target.endswith(_NOTE_EXT):
        slug = target.rsplit(".", 1)[0]
        heading = unquote(parts.fragment) or None
        note_links.append(NoteLink(slug, heading, place, "relative"))
        token.meta["note"] = (slug, heading)
    else:
        assets.append(AssetLink(target, place))
        token.meta["asset"] = target


# -- rendering ----------------------------------------------------------------------------------


class Resolver:
    """What the render rules ask about the site. The render stage provides a real one per page."""

    def note(self, slug: str, heading: str | None) -> tuple[str, str, str] | None:
        """(href, title, plain-text summary) of a note, or None when it does not exist."""
        raise NotImplementedError

    def asset(self, relpath: str) -> str:
        raise NotImplementedError


def render(tokens: list[Token] | tuple[Any, ...], resolver: Resolver, allow_html: bool = False) -> str:
    """The body as HTML on one page: `render_body` then `resolve`."""
    return resolve(render_body(tokens, allow_html), resolver)


def render_body(tokens: list[Token] | tuple[Any, ...], allow_html: bool = False) -> Body:
    """Render once, with a marker for every link that depends on the rest of the site, so the
    expensive part (Markdown, highlighting) is done per note, in parallel and cached, and what
    depends on other notes is filled in per page by `resolve`."""
    md = parser(allow_html)
    refs: list[Ref] = []
    html_text = str(md.renderer.render(list(tokens), md.options, {"refs": refs}))
    return Body(html_text, tuple(refs))


_MARKER = re.compile("\x00(\\d+)\x00")


def resolve(body: Body, resolver: Resolver) -> str:
    """Fill the markers of a rendered body in, as seen from one page."""

    def one(match: re.Match[str]) -> str:
        ref = body.refs[int(match.group(1))]
        if ref.kind == "asset":
            return escapeHtml(resolver.asset(ref.target))
        found = resolver.note(ref.target, ref.heading)
        if ref.kind == "note":
            return escapeHtml(found[0] if found else ref.written)
        if found is None:
            return f'<span class="broken-link">{html.escape(ref.label or ref.target)}</span>'
        href, title, summary = found
        label = ref.label or (f"{title} § {ref.heading}" if ref.heading else title)
        preview = f' data-preview="{html.escape(title)}" data-summary="{html.escape(summary)}"' if summary else ""
        return f'<a class="wikilink" href="{html.escape(href)}"{preview}>{html.escape(label)}</a>'

    return _MARKER.sub(one, body.html) if body.refs else body.html


def _defer(env: dict[str, Any], ref: Ref) -> str:
    refs: list[Ref] = env["refs"]
    refs.append(ref)
    return f"\x00{len(refs) - 1}\x00"


def _render_wikilink(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    meta = tokens[idx].meta
    return _defer(env, Ref("wikilink", meta["target"], meta["heading"], meta["label"]))


def _rewrite(token: Token, attr: str, env: dict[str, Any]) -> Token:
    """A copy of the token whose `attr` is a marker, when the link points at a note or a file.
    `renderToken` escapes attribute values; a marker (NUL, digits) passes through unchanged."""
    if "note" in token.meta:
        slug, heading = token.meta["note"]
        written = str(token.attrGet(attr) or "")
        return _copy_with(token, attr, _defer(env, Ref("note", slug, heading, written=written)))
    if "asset" in token.meta:
        return _copy_with(token, attr, _defer(env, Ref("asset", token.meta["asset"])))
    return token


def _copy_with(token: Token, attr: str, value: str) -> Token:
    """Rendering must not change the parsed tokens, which may be rendered again."""
    clone = token.copy()
    clone.attrs = dict(token.attrs)
    clone.attrSet(attr, value)
    return clone


def _render_link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = _rewrite(tokens[idx], "href", env)
    return str(self.renderToken([token], 0, options, env))


def _render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = _rewrite(tokens[idx], "src", env)
    if token is tokens[idx]:
        token = _copy_with(token, "src", str(token.attrGet("src") or ""))
    token.attrSet("alt", self.renderInlineAsText(token.children or [], options, env))
    token.attrSet("loading", "lazy")
    return str(self.renderToken([token], 0, options, env))


def plain_text(tokens: list[Token]) -> str:
    """The words of the commentary (text and inline code), for the search index."""
    words = [
        child.content
        for token in tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type in ("text", "code_inline")
    ]
    return " ".join(" ".join(words).split())


def _style_defs(style: str, selector: str) -> str:
    from pygments.formatters import HtmlFormatter

    return str(HtmlFormatter(style=style).get_style_defs(selector))  # type: ignore[no-untyped-call]  # untyped in the stubs


def pygments_css(light: str = "friendly", dark: str = "monokai") -> str:
    """Stylesheet for highlighted code: light by default, dark when the page or the system is dark."""
    light_css = _style_defs(light, ".highlight")
    chosen = _style_defs(dark, ':root[data-theme="dark"] .highlight')
    system = _style_defs(dark, ':root:not([data-theme="light"]) .highlight')
    indented = "\n".join("  " + line for line in system.splitlines())
    return (
        f"/* Generated from Pygments styles {light!r} and {dark!r}. */\n{light_css}\n\n{chosen}\n\n"
        f"@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
    )


# Text that inline Markdown gives back only escaped: no character an inline rule acts on (escapes,
# code, emphasis, strikethrough, links and footnotes, HTML and autolinks, entities, line breaks,
# the `@` of an e-mail autolink), and no `://` or `www.` a GFM autolink is made of. Nearly every
# annotation and summary is a plain sentence; parsing each one took a seventh of a note page's time.
_PLAIN_INLINE = re.compile(r"[^\x00-\x1f\x7f\\`*_~\[\]<>&@]*")


def _is_plain(text: str) -> bool:
    return _PLAIN_INLINE.fullmatch(text) is not None and "://" not in text and "www." not in text.lower()


def render_inline(text: str) -> Markup:
    """Annotations and summaries: inline Markdown (emphasis, code, links), never raw HTML."""
    if _is_plain(text):
        return Markup(escapeHtml(text))  # what markdown-it would give, without parsing
    return _render_inline(text)


@functools.lru_cache(maxsize=1 << 16)
def inline_text(text: str) -> str:
    """A summary as plain text, for note lists, link previews and the feed: each note's summary is
    shown on a dozen other pages, so it is rendered and stripped of tags once per process."""
    return str(render_inline(text).striptags())


@functools.lru_cache(maxsize=1 << 16)
def _render_inline(text: str) -> Markup:
    md = parser(False)
    refs: list[Ref] = []
    rendered = str(md.renderInline(text, {"refs": refs}))
    return Markup(resolve(Body(rendered, tuple(refs)), _NoNotes()))


class _NoNotes(Resolver):
    def note(self, slug: str, heading: str | None) -> tuple[str, str, str] | None:
        return None

    def asset(self, relpath: str) -> str:
        return relpath
