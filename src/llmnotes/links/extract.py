"""Extract: every link of the notes, with every place it is written, one entry per URL to fetch.

Reuses the build's load and graph stages. External URLs are grouped by a fetch key (scheme and host
case, default port, fragment removed), so a URL cited by fifty notes is fetched once and reported at
fifty places. Internal links (notes, headings, files) are checked offline by the graph stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from llmnotes.model import Note, Place
from llmnotes.normalize import fetch_key, host_of

if TYPE_CHECKING:  # a type only: the loader (YAML, Markdown) is imported when notes are loaded
    from llmnotes.load import Loaded


@dataclass(frozen=True)
class Target:
    """One URL to fetch, and where the notes use it (with the fragment each place asks for)."""

    url: str  # as first written, fragment removed
    key: str
    places: tuple[Place, ...]
    fragments: tuple[tuple[str, Place], ...] = ()
    reason: str | None = None  # why it is not fetched at all (an ftp: link, say); reported as excluded
    # Worked out once, when made: the checker asks for them for every request.
    host: str = field(init=False, compare=False)
    scheme: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "host", host_of(self.url))
        object.__setattr__(self, "scheme", self.url.split(":", 1)[0].lower())


def extract(loaded: Loaded) -> list[Target]:
    """Front-matter links and discussions, body links and images, in a stable order."""
    places: dict[str, list[Place]] = defaultdict(list)
    fragments: dict[str, list[tuple[str, Place]]] = defaultdict(list)
    first_url: dict[str, str] = {}
    reasons: dict[str, str] = {}

    def add(url: str, place: Place) -> None:
        key = fetch_key(url)
        first_url.setdefault(key, url.split("#", 1)[0])
        places[key].append(place)
        fragment = fragment_of(url)
        if fragment:
            fragments[key].append((fragment, place))

    for note in sorted(loaded.notes, key=lambda n: n.slug):
        for url, place, why in written(note):
            add(url, place)
            if why is not None:
                reasons.setdefault(fetch_key(url), why)
    return [
        Target(first_url[key], key, tuple(p) if len(p) == 1 else tuple(sorted(set(p), key=_order)), tuple(fragments.get(key, ())), reasons.get(key))
        for key, p in sorted(places.items(), key=lambda kv: _order(min(kv[1], key=_order)))
    ]


def written(note: Note) -> Iterator[tuple[str, Place, str | None]]:
    """Every external URL a note writes, where, and why it is not fetched (None: it is)."""
    for entry in note.links:
        yield entry.url, entry.place, None
        for url, place in entry.discussion:
            yield url, place, None
    for link in note.body_links:
        yield link.url, link.place, None
    yield from note.unchecked_links


def fragment_of(url: str) -> str:
    """What `urlsplit` calls the URL's fragment, without splitting the whole URL (a fifth of a warm
    check's time): only a tab or line break, which urlsplit removes first, can tell the two apart."""
    if "\t" in url or "\n" in url or "\r" in url:
        return urlsplit(url).fragment
    return url.partition("#")[2]


def _order(place: Place) -> tuple[str, int, int]:
    return (place.path, place.line, place.col)

