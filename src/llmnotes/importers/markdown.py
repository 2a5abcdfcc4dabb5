"""Awesome-list Markdown: headings become notes, list items and table rows with links become resources.

Decisions: one note per second-level section (deeper headings stay inside it, as sub-headings of
its body); the first-level heading names the topic every note is filed under. Without second-level
headings, first-level ones make the notes; without any heading, the whole file is one note. In an
item, the first link is the resource, the text around it its annotation; further links in the item,
and links in nested items, become discussion links (Hacker News, Reddit, …) or resources of their
own; text of nested items without links extends the annotation. Badges (images inside links, shields.io
images), images and links to `#anchors` (tables of contents) are ignored; any other URL that is not
imported is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from llmnotes.importers import DISCUSSION_HOSTS, ImportedNote, Parsed, Problem, Resource, arxiv_year, clean, guess_kind, is_cut, note_slug, trim
from llmnotes.schema import url_problem

_SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S | re.I)
_BARE_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
_SEPARATORS = " \t-–—:|,;"
_BADGE_HOSTS = ("img.shields.io", "badgen.net", "badge.fury.io", "awesome.re", "cdn.rawgit.com/sindresorhus/awesome")
_GENERIC = {"link", "paper", "pdf", "code", "blog", "website", "repo", "github", "here", "url", "arxiv", "project", "demo"}


@dataclass
class _Link:
    href: str
    text: str


@dataclass
class _Entry:
    """A resource being built from an item (and its nested items)."""

    url: str
    title: str
    line: int
    note: list[str] = field(default_factory=list)
    discussion: list[str] = field(default_factory=list)

    def resource(self) -> Resource:
        return Resource(self.url, self.title, self.line, guess_kind(self.url), (), arxiv_year(self.url), clean(" ".join(self.note)), tuple(self.discussion))


@dataclass
class _Section:
    title: str
    line: int
    entries: list[_Entry] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def _text(tokens: list[Token]) -> str:
    return "".join(t.content if t.type in ("text", "code_inline") else " " if t.type in ("softbreak", "hardbreak") else "" for t in tokens)


class _Reader:
    def __init__(self, text: str, stem: str) -> None:
        self.text = text
        self.stem = stem
        self.parsed = Parsed()
        self.accounted: set[str] = set()
        self.sections: list[_Section] = []
        self.current: _Section | None = None
        self.preamble = _Section(stem, 1)

    # -- one run of inline tokens --------------------------------------------------------------

    def links(self, inline: Token, line: int) -> tuple[list[_Link], str]:
        """The links worth importing in `inline`, and the text outside them; badges, images and
        anchors are counted and dropped, other non-web links reported."""
        found: list[_Link] = []
        outside: list[str] = []
        children = inline.children or []
        i = 0
        while i < len(children):
            tok = children[i]
            if tok.type == "link_open":
                href = str(tok.attrs.get("href", ""))
                j = i + 1
                while j < len(children) and children[j].type != "link_close":
                    j += 1
                inner = children[i + 1 : j]
                self.parsed.links_seen += 1
                self.accounted.add(href)
                for img in (t for t in inner if t.type == "image"):
                    self.accounted.add(str(img.attrs.get("src", "")))
                if any(t.type == "image" for t in inner):
                    self.parsed.ignore("badges and image links")
                elif href.startswith("#"):
                    self.parsed.ignore("table-of-contents links")
                elif is_cut(href):
                    self.parsed.problems.append(Problem(line, f"URL cut short, not imported: {href}"))
                elif url_problem(href):
                    self.parsed.problems.append(Problem(line, f"not an absolute http(s) URL, not imported: {href}"))
                else:
                    found.append(_Link(href, clean(_text(inner))))
                i = j + 1
                continue
            if tok.type == "image":
                src = str(tok.attrs.get("src", ""))
                self.accounted.add(src)
                self.parsed.ignore("badges and image links" if any(h in src for h in _BADGE_HOSTS) else "images")
            elif tok.type in ("text", "code_inline", "softbreak", "hardbreak"):
                outside.append(_text([tok]))
            i += 1
        rest = "".join(outside)
        if not found:  # a bare URL in a list item: import it too
            for match in _BARE_URL.finditer(rest):
                url = trim(match.group())
                self.parsed.links_seen += 1
                self.accounted.add(url)
                if is_cut(url):
                    self.parsed.problems.append(Problem(line, f"URL cut short, not imported: {url}"))
                else:
                    found.append(_Link(url, ""))
                rest = rest.replace(match.group(), " ")
        rest = re.sub(r"\[\s*\]|\(\s*\)", " ", rest)  # what is left of `[[code](…)]` once the link is taken out
        return found, clean(rest).strip(_SEPARATORS)

    # -- items ---------------------------------------------------------------------------------

    def section(self) -> _Section:
        return self.current or self.preamble

    def add_link(self, link: _Link, line: int, note: str, parent: _Entry | None) -> _Entry | None:
        host = (re.sub(r"^www\.", "", link.href.split("/")[2].lower()) if link.href.count("/") >= 2 else "")
        if parent is not None and host in DISCUSSION_HOSTS:
            parent.discussion.append(link.href)
            return None
        title = link.text
        if not title or title.lower().strip("[]() ") in _GENERIC:
            title = f"{parent.title} ({title.strip('[]() ')})" if parent is not None and title else (parent.title if parent else "") or _title_from(link.href)
        entry = _Entry(link.href, title, line, [note] if note else [])
        section = self.section()
        if parent is None and any(b.startswith("\n#") for b in section.body):
            section.body.append(f"- {_escape(title)}")  # under the sub-heading it was listed under
        section.entries.append(entry)
        return entry

    def item(self, inline: Token, line: int, parent: _Entry | None) -> _Entry | None:
        seen = self.parsed.links_seen
        links, rest = self.links(inline, line)
        if not links:
            if parent is not None and rest:
                parent.note.append(rest)
            elif rest and parent is None and seen == self.parsed.links_seen:  # a plain item, not one whose link was left out
                self.section().body.append(f"- {_escape(rest)}")
            return None
        if parent is not None:
            for link in links:
                # A discussion link's words ("Discussed on …") frame the link; they are not annotation.
                self.add_link(link, line, rest if link is links[0] else "", parent)
            return parent
        first = self.add_link(links[0], line, rest, None)
        for link in links[1:]:
            self.add_link(link, line, "", first)
        return first

    def row(self, cells: list[Token], line: int) -> None:
        texts: list[str] = []
        links: list[_Link] = []
        for cell in cells:
            found, rest = self.links(cell, line)
            links += found
            texts.append(rest if not found else (rest or ""))
        if not links:
            return
        first = links[0]
        if not first.text or first.text.lower().strip("[]() ") in _GENERIC:
            named = next((t for t in texts if t), "")
            first = _Link(first.href, named)
            texts = [t for t in texts if t != named]
        entry = self.add_link(first, line, " — ".join(t for t in texts if t), None)
        for link in links[1:]:
            self.add_link(link, line, "", entry)

    # -- the document --------------------------------------------------------------------------

    def read(self) -> Parsed:
        tokens = parser().parse(self.text)
        levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
        note_level = 2 if 2 in levels else 1 if levels.count(1) > 1 else 0
        h1 = next((_text(tokens[i + 1].children or []) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"), None)
        topic_title = clean(h1 or "") or self.stem
        items: list[_Entry | None] = []  # the entry of each open list item, innermost last
        in_item_para: list[bool] = []
        row: list[Token] = []
        row_line = 0
        for i, tok in enumerate(tokens):
            line = tok.map[0] + 1 if tok.map else 0
            if tok.type == "heading_open":
                level = int(tok.tag[1])
                title = clean(_text([c for c in tokens[i + 1].children or [] if c.type != "image"])) or clean(tokens[i + 1].content)
                for link in self.links(tokens[i + 1], line)[0]:  # badges in a heading are counted; a real link is reported
                    self.parsed.problems.append(Problem(line, f"link in a heading, not imported: {link.href}"))
                if level == note_level and note_level:
                    self.current = _Section(title, line)
                    self.sections.append(self.current)
                elif level > note_level and self.current is not None:
                    self.current.body.append(f"\n{'#' * min(level, 6)} {_escape(title)}\n")
            elif tok.type == "html_block" and self.current is not None and (summary := _SUMMARY.search(tok.content)):
                # `<details><summary>Label</summary>`: a collapsed group, kept as a sub-heading of the body
                self.current.body.append(f"\n### {_escape(clean(re.sub(r'<[^>]*>', ' ', summary.group(1))))}\n")
            elif tok.type == "list_item_open":
                items.append(None)
                in_item_para.append(True)
            elif tok.type == "list_item_close":
                items.pop()
                in_item_para.pop()
            elif tok.type == "tr_open":
                row, row_line = [], line
            elif tok.type == "tr_close":
                if row and tokens[i - 1].type != "th_close":
                    self.row(row, row_line)
            elif tok.type == "inline" and i and tokens[i - 1].type in ("td_open", "th_open"):
                if tokens[i - 1].type == "td_open":
                    row.append(tok)
                else:
                    self.links(tok, line)  # links in a header row: accounted (TOC, badges) or reported below
            elif tok.type == "inline" and items and tokens[i - 1].type == "paragraph_open":
                parent = next((e for e in reversed(items[:-1]) if e is not None), None)
                if in_item_para[-1]:
                    items[-1] = self.item(tok, line, parent)
                    in_item_para[-1] = False
                else:  # a second paragraph of the same item: more annotation
                    owner = items[-1] or parent
                    links, rest = self.links(tok, line)
                    if owner is not None and rest:
                        owner.note.append(rest)
                    for link in links:
                        self.add_link(link, line, "", owner)
            elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
                seen = self.parsed.links_seen
                links, rest = self.links(tok, line)
                for link in links:
                    self.parsed.problems.append(Problem(line, f"link in running text, not in a list or table; not imported: {link.href}"))
                    self.accounted.add(link.href)
                if rest and self.current is not None and not links and not self.current.entries and seen == self.parsed.links_seen:
                    self.current.prose.append(rest)
        self.account()
        self.finish(topic_title)
        return self.parsed

    def account(self) -> None:
        """Every URL written anywhere in the file is imported, ignored for a stated reason, or reported."""
        normalize = parser().normalizeLink
        for n, text in enumerate(self.text.split("\n"), 1):
            for match in _BARE_URL.finditer(text):
                url = trim(match.group())
                if url in self.accounted or match.group() in self.accounted or normalize(url) in self.accounted:
                    continue
                self.accounted.add(url)
                self.parsed.links_seen += 1
                why = "cut short" if is_cut(url) else "outside any Markdown link (plain text or HTML)"
                self.parsed.problems.append(Problem(n, f"URL {why}, not imported: {url}"))

    def finish(self, topic_title: str) -> None:
        taken: set[str] = set()
        sections = self.sections if self.sections else [replace(self.preamble, title=topic_title)]
        if self.sections and self.preamble.entries:  # resources before the first section: a note of their own
            sections = [replace(self.preamble, title=f"{topic_title} (introduction)")] + sections
        for section in sections:
            entries = merge_duplicates(section.entries, self.parsed)
            if not entries:
                continue
            slug = note_slug(section.title, taken)
            summary = section.prose[0] if section.prose else ""
            body = "\n".join(section.body).strip()
            self.parsed.notes.append(ImportedNote(slug, section.title, section.line, tuple(e.resource() for e in entries), summary, body))
        self.parsed.topic = (note_slug(topic_title, set()), topic_title)


def merge_duplicates(entries: list[_Entry], parsed: Parsed) -> list[_Entry]:
    """Entries naming one resource (same `url_key`) in one note become one: the first keeps its place,
    later annotations and discussion links are added to it."""
    from llmnotes.normalize import url_key

    kept: dict[str, _Entry] = {}
    for entry in entries:
        key = url_key(entry.url)
        first = kept.get(key)
        if first is None:
            kept[key] = entry
            continue
        parsed.problems.append(Problem(entry.line, f"duplicate of line {first.line} ({entry.url}): merged into one resource"))
        for text in entry.note:
            if text not in first.note:
                first.note.append(text)
        first.discussion += [d for d in entry.discussion if d not in first.discussion]
    return list(kept.values())


def _escape(text: str) -> str:
    """Plain text as Markdown that renders as that text: no `[[wikilink]]`, emphasis or HTML by accident."""
    return re.sub(r"([\\`*_\[\]<>#|!])", r"\\\1", text)


def _title_from(url: str) -> str:
    parts = url.split("://", 1)[-1].rstrip("/")
    return parts if len(parts) <= 80 else parts[:79] + "…"


def read(text: str, path: Path) -> Parsed:
    return _Reader(text, path.stem).read()
