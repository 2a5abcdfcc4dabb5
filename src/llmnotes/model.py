"""The data passed between stages. Frozen, so a stage can never change what an earlier one produced."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from llmnotes.normalize import url_key

KINDS = ("paper", "article", "video", "course", "book", "repo", "tool", "thread", "talk", "dataset", "site")
STATUSES = ("read", "reading", "to-read")
_KIND_LABELS = {"repo": "code", "site": "website"}


def kind_label(kind: str | None) -> str:
    """How a resource kind reads on a page: "repo" is shown as "code", no kind as "link"."""
    return _KIND_LABELS.get(kind or "", kind or "link")


class Place(NamedTuple):
    """Where something was written: a file and a 1-based line and column. A named tuple, like the
    other small records here that a note holds many of: the build cache unpickles about 300,000 of
    them in every build at 10,000 notes, at half the cost of as many frozen dataclasses."""

    path: str
    line: int
    col: int


class _LinkEntryFields(NamedTuple):
    url: str
    title: str
    place: Place
    kind: str | None
    authors: tuple[str, ...]
    year: int | None
    note: str
    discussion: tuple[tuple[str, Place], ...]
    status: str | None
    archived: str | None  # a snapshot of the page (the Wayback Machine's), for when it rots
    key: str  # `normalize.url_key(url)`: see `_keyed`


class LinkEntry(_LinkEntryFields):
    """One annotated resource from a note's front-matter `links:` list."""

    __slots__ = ()

    def __new__(
        cls,
        url: str,
        title: str,
        place: Place,
        kind: str | None = None,
        authors: tuple[str, ...] = (),
        year: int | None = None,
        note: str = "",
        discussion: tuple[tuple[str, Place], ...] = (),
        status: str | None = None,
        archived: str | None = None,
        key: str | None = None,
    ) -> LinkEntry:
        fields = (url, title, place, kind, authors, year, note, discussion, status, archived, _keyed(url, key))
        return tuple.__new__(cls, fields)

    def _replace(self, **changes: Any) -> LinkEntry:
        return LinkEntry(**{**self._asdict(), "key": None if "url" in changes else self.key, **changes})


class _BodyLinkFields(NamedTuple):
    url: str
    text: str
    place: Place
    key: str  # `normalize.url_key(url)`: see `_keyed`


class BodyLink(_BodyLinkFields):
    """An absolute http(s) link or image written in a note's Markdown body."""

    __slots__ = ()

    def __new__(cls, url: str, text: str, place: Place, key: str | None = None) -> BodyLink:
        return tuple.__new__(cls, (url, text, place, _keyed(url, key)))

    def _replace(self, **changes: Any) -> BodyLink:
        return BodyLink(**{**self._asdict(), "key": None if "url" in changes else self.key, **changes})


def _keyed(url: str, key: str | None) -> str:
    """A link's resource identity, worked out once, where the note is parsed (on the loader's
    cores) and kept with it in the build cache: the graph groups 90,000 links by it at 10,000
    notes, which cost a quarter of a second of every build, one note edited or not. Given (`key`)
    only when a link comes back from the cache's pickles, or is remade with the same URL.

    Named tuples, not dataclasses: the build cache unpickles 90,000 of them on every build at
    10,000 notes, and a tuple comes back from a pickle in about half the time of an object with a
    `__dict__` (the 55,000 front-matter links: 0.12 -> 0.06 s).

    A key the same as its URL, as most are, is the URL's very string: the pickles then hold it
    once, not twice (92,000 strings fewer to read back at 10,000 notes)."""
    if key is None:
        key = url_key(url)
    return url if key == url else key


class NoteLink(NamedTuple):
    """A link from one note to another: `[[slug]]`, `[[slug#heading|label]]` or `[x](other.md#h)`."""

    target: str
    heading: str | None
    place: Place
    style: str  # "wikilink" | "relative"


class AssetLink(NamedTuple):
    """A relative link or image pointing at a file stored beside the notes (an image, a PDF)."""

    relpath: str  # POSIX path under the notes folder
    place: Place


class Heading(NamedTuple):
    level: int
    id: str
    text: str
    line: int


class Ref(NamedTuple):
    """A link in a rendered body that only the whole site can resolve: a wikilink, a relative link
    to another note, or a file beside the notes. The body holds a marker where it goes."""

    kind: str  # "wikilink" | "note" | "asset"
    target: str  # a note's slug, or a file's path under the notes folder
    heading: str | None = None
    label: str | None = None  # a wikilink's label
    written: str = ""  # the href as written, kept when the target does not exist


@dataclass(frozen=True)
class Body:
    """A note's commentary rendered to HTML once, when it is loaded, with markers (`\x00n\x00`) for
    its `refs`; the render stage fills them in for the page it is on. Plain data: it crosses process
    boundaries and is cached between builds."""

    html: str = ""
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Note:
    """A parsed, validated note, its body rendered once (see `Body`)."""

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
    unchecked_links: tuple[tuple[str, Place, str], ...] = ()  # (URL, place, why) of links no check can follow
    body: Body = field(default=Body(), compare=False, repr=False)
    text: str = field(default="", compare=False, repr=False)  # the commentary's words and annotations, for search (`load.search_text`)
    words: str = field(default="", compare=False, repr=False)  # the distinct words of `text` (`tokens.distinct_words`)
    digest: str = field(default="", compare=False, repr=False)  # of the file's bytes: what a cached page was made from

    @functools.cached_property
    def topic_slugs(self) -> tuple[str, ...]:
        """Asked for each citation of each resource, 300,000 times a build at 10,000 notes: made
        once (a frozen dataclass still has a `__dict__` to keep it in)."""
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
class ReadingPath:
    """A named route through the notes, from `notes/paths.yaml`: for one kind of reader, in order."""

    slug: str
    title: str
    description: str = ""
    notes: tuple[tuple[str, Place], ...] = ()
    place: Place | None = None  # where the path is named, for diagnostics

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.notes)


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
