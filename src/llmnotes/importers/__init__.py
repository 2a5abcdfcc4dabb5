"""`llmnotes import`: existing lists (awesome-list Markdown, BibTeX, CSL-JSON, RIS) become notes.

Each reader turns one file into `Parsed`: notes with their resources, and a report line for every URL
of the source it did not import (cut short, not http(s), outside any list, an entry without one).
`merge` then decides what is new against the notes already on disk and writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from llmnotes.normalize import slugify

_ARXIV_ID = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(\d{2})(\d{2})\.\d{4,5}")
DISCUSSION_HOSTS = ("news.ycombinator.com", "reddit.com", "www.reddit.com", "old.reddit.com", "lobste.rs", "twitter.com", "x.com")
_CUT = re.compile(r"(\.\.\.|…)")


@dataclass(frozen=True)
class Resource:
    url: str
    title: str
    line: int
    kind: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    note: str = ""
    discussion: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedNote:
    slug: str
    title: str
    line: int
    resources: tuple[Resource, ...] = ()
    summary: str = ""
    body: str = ""


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class Parsed:
    """What one file gave: notes in source order, the topic they are filed under, what was left out."""

    notes: list[ImportedNote] = field(default_factory=list)
    topic: tuple[str, str] | None = None  # (slug, title) proposed for topics.yaml
    problems: list[Problem] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)  # badges, images, table-of-contents links: counted
    links_seen: int = 0

    def ignore(self, what: str) -> None:
        self.ignored[what] = self.ignored.get(what, 0) + 1


def is_cut(url: str) -> bool:
    """A URL shortened for display ("https://arxiv.org/abs/23..."): importing it would import a dead link."""
    return bool(_CUT.search(unquote(url)))


def trim(url: str) -> str:
    """A URL found in running text without the punctuation after it; an ellipsis stays (a cut URL)."""
    return url if url.endswith(("...", "…")) else url.rstrip(".,;:!?*_")


def guess_kind(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in ("arxiv.org", "openreview.net", "aclanthology.org", "doi.org", "proceedings.neurips.cc", "papers.nips.cc", "proceedings.mlr.press"):
        return "paper"
    if host in ("github.com", "gitlab.com") and len(segments) == 2:
        return "repo"
    if host in ("youtube.com", "youtu.be", "m.youtube.com", "vimeo.com"):
        return "video"
    if host == "huggingface.co" and segments[:1] == ["datasets"]:
        return "dataset"
    if host in DISCUSSION_HOSTS:
        return "thread"
    return None


def arxiv_year(url: str) -> int | None:
    """The year of an arXiv paper from its identifier (2106.09685 was first posted in 2021)."""
    match = _ARXIV_ID.search(url)
    return 2000 + int(match.group(1)) if match and 1 <= int(match.group(2)) <= 12 else None


def note_slug(text: str, taken: set[str]) -> str:
    base = slugify(text, 60)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def clean(text: str) -> str:
    """One line of plain text: no control characters (a page cannot show them), single spaces."""
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", "", text)
    return re.sub(r"\s+", " ", text).strip()
