"""The data passed between stages. Frozen, so a stage can never change what an earlier one produced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("paper", "article", "video", "course", "book", "repo", "tool", "thread", "talk", "dataset", "site")
STATUSES = ("read", "reading", "to-read")
_KIND_LABELS = {"repo": "code", "site": "website"}


def kind_label(kind: str | None) -> str:
    """How a resource kind reads on a page: "repo" is shown as "code", no kind as "link"."""
    return _KIND_LABELS.get(kind or "", kind or "link")


@dataclass(frozen=True)
class Place:
    """Where something was written: a file and a 1-based line and column."""

    path: str
    line: int
    col: int


@dataclass(frozen=True)
class LinkEntry:
    """One annotated resource from a note's front-matter `links:` list."""

    url: str
    title: str
    place: Place
    kind: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    note: str = ""
    discussion: tuple[tuple[str, Place], ...] = ()
    status: str | None = None


@dataclass(frozen=True)
class BodyLink:
    """An absolute http(s) link or image written in a note's Markdown body."""

    url: str
    text: str
    place: Place


@dataclass(frozen=True)
class NoteLink:
    """A link from one note to another: `[[slug]]`, `[[slug#heading|label]]` or `[x](other.md#h)`."""

    target: str
    heading: str | None
    place: Place
    style: str  # "wikilink" | "relative"


@dataclass(frozen=True)
class AssetLink:
    """A relative link or image pointing at a file stored beside the notes (an image, a PDF)."""

    relpath: str  # POSIX path under the notes folder
    place: Place


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str
    line: int


@dataclass(frozen=True)
class Note:
    """A parsed, validated note. `tokens` is the Markdown parse, kept so the body is parsed once."""

    slug: str
    path: str  # as displayed in diagnostics
    title: str
    summary: str = ""
    topics: tuple[tuple[str, Place], ...] = ()
    date: dt.date | None = None
    updated: dt.date | None = None
    draft: bool = False
    after: tuple[tuple[str, Place], ...] = ()
    links: tuple[LinkEntry, ...] = ()
    body_links: tuple[BodyLink, ...] = ()
    note_links: tuple[NoteLink, ...] = ()
    assets: tuple[AssetLink, ...] = ()
    headings: tuple[Heading, ...] = ()
    fragment_links: tuple[tuple[str, Place], ...] = ()
    tokens: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @property
    def topic_slugs(self) -> tuple[str, ...]:
        return tuple(t for t, _ in self.topics)

    @property
    def after_slugs(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.after)

    @property
    def last_changed(self) -> dt.date | None:
        return self.updated or self.date


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    description: str = ""
    parent: str | None = None


@dataclass(frozen=True)
class SourceFile:
    """A note file as read from disk, before parsing: what per-note work needs and nothing more."""

    path: Path
    display: str
    slug: str


@dataclass(frozen=True)
class Asset:
    """A non-Markdown file in the notes folder, copied into the site."""

    path: Path
    relpath: str
