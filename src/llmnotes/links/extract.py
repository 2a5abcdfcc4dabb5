"""Extract: every link of the notes, with every place it is written, one entry per URL to fetch.

Reuses the build's load and graph stages. External URLs are grouped by a fetch key (scheme and host
case, default port, fragment removed), so a URL cited by fifty notes is fetched once and reported at
fifty places. Internal links (notes, headings, files) are checked offline by the graph stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
    gathering = Gathering()
    gathering.add(loaded.notes)
    return gathering.targets()


# One place a URL is written: (note slug, index in the note's `written`, URL without its fragment,
# place, fragment, why it is not fetched). The slug and index say which spelling came first.
_Use = tuple[str, int, str, Place, str, str | None]


class Gathering:
    """`extract`, fed the notes a few at a time and in any order (as `check-links` gets them while
    they load): each note's links are walked once, the first time a URL is met its target is made
    (and can be checked at once), and `targets` gives what `extract` would on all of them."""

    def __init__(self) -> None:
        self._uses: dict[str, list[_Use]] = {}
        self._first: dict[str, Target] = {}

    def add(self, notes: Iterable[Note]) -> list[Target]:
        """Take these notes; the targets of the URLs met for the first time, each at that place."""
        uses, first = self._uses, self._first
        new: list[Target] = []
        for note in notes:
            for i, (url, place, why) in enumerate(written(note)):
                key = fetch_key(url)
                bare = url.split("#", 1)[0]
                use = (note.slug, i, bare, place, fragment_of(url), why)
                found = uses.get(key)
                if found is None:
                    uses[key] = [use]
                    target = first[key] = Target(bare, key, (place,), (), why)
                    new.append(target)
                else:
                    found.append(use)
        return new

    def targets(self) -> list[Target]:
        """Every URL once, by the first place it is written: its spelling in the first note by slug,
        its places in order, its fragments and reason in the order the notes (by slug) give them."""
        made: list[Target] = []
        for key, uses in self._uses.items():
            if len(uses) == 1 and not uses[0][4]:
                made.append(self._first[key])  # as made when first met: one place, no fragment
                continue
            uses.sort(key=_rank)
            places = tuple(sorted({u[3] for u in uses}, key=_order)) if len(uses) > 1 else (uses[0][3],)
            fragments = tuple((u[4], u[3]) for u in uses if u[4])
            why = next((u[5] for u in uses if u[5] is not None), None)
            made.append(Target(uses[0][2], key, places, fragments, why))
        made.sort(key=lambda t: (_order(t.places[0]), t.key))
        return made


def _rank(use: _Use) -> tuple[str, int]:
    return (use[0], use[1])


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

