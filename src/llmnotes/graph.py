"""Graph: from all notes, the site's structure — topics, resources, links, backlinks, reading paths.

A pure function of the loaded notes. Every dangling reference (unknown topic, note, heading, asset)
and every cycle in `after:` becomes a diagnostic at the place it was written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import heapq
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from llmnotes import urls
from llmnotes.buildcache import digest, digest_of
from llmnotes.diagnostics import Diagnostic, Severity
from llmnotes.emit import Context, Keep, Page
from llmnotes.load import Loaded
from llmnotes.model import Asset, Note, Place, ReadingPath, Topic
from llmnotes.normalize import host_of, resource_id

RELATED_LIMIT = 5
_POPULAR = 50  # resources cited by more notes than this say little about relatedness
FOOTER_TOPICS = 12  # top topics a footer lists before it links to the Topics page for the rest


# A resource's digest and what it was made from (see `Site.resource_stamps`).
ResourceStamp = tuple[tuple[str, ...], str]
RelatedMemo = tuple[str, dict[str, tuple[str, ...]]]  # related notes, with the digest of what they were worked out from


class Citation(NamedTuple):
    """A note citing a resource, with what that note said about it. A named tuple, not a frozen
    dataclass: the graph makes one for each of the 90,000 links of 10,000 notes on every build,
    and a frozen dataclass's `__init__` (an `object.__setattr__` per field) took 0.2 s of it."""

    note: str
    annotation: str
    status: str | None
    place: Place


# A citation made from its fields in C, not through the named tuple's `__new__` written in Python:
# the graph makes one for each of the 55,000 citations of 10,000 notes on every build (28 -> 18 ms).
_citation: Callable[[tuple[str, str, str | None, Place]], Citation] = functools.partial(tuple.__new__, Citation)


@dataclass(frozen=True)
class Resource:
    id: str
    key: str
    url: str
    title: str
    kind: str | None
    authors: tuple[str, ...]
    year: int | None
    citations: tuple[Citation, ...]
    discussion: tuple[str, ...]
    archived: str | None = None  # a snapshot, offered beside the link when it was last seen broken

    @property
    def host(self) -> str:
        return host_of(self.url)

    @property
    def discussion_links(self) -> tuple[tuple[str, str], ...]:
        """(URL, host name) of each discussion, as a reader sees them."""
        return tuple((url, host_of(url)) for url in self.discussion)

    def citation_by(self, slug: str) -> Citation:
        return next(c for c in self.citations if c.note == slug)

    @cached_property
    def status(self) -> str | None:
        """The author's reading status across the notes citing it: the most advanced one wins
        (a paper read for one note and listed to-read in another has been read). Made once: the
        home page, each topic's page and its fingerprint count the statuses of what they show."""
        given = {c.status for c in self.citations if c.status}
        return next((s for s in STATUS_ORDER if s in given), None)


STATUS_ORDER = ("read", "reading", "to-read")  # most advanced first


def status_counts(resources: Iterable[Resource]) -> dict[str, int]:
    """How many resources the author has read, is reading and means to read, for the home and topic pages."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for r in resources:
        status = r.status
        if status:
            counts[status] += 1
    return counts


def status_summary(resources: Iterable[Resource]) -> str:
    """The counts as a reader sees them, "12 read · 3 reading · 40 to read"; empty when no status is set."""
    counts = status_counts(resources)
    return " · ".join(f"{n} {s.replace('-', ' ')}" for s, n in counts.items() if n)


@dataclass(frozen=True)
class Site:
    notes: dict[str, Note]
    topics: dict[str, Topic]
    topic_notes: dict[str, tuple[str, ...]]
    topic_children: dict[str, tuple[str, ...]]
    resources: dict[str, Resource]
    note_resources: dict[str, tuple[str, ...]]
    links_to: dict[str, tuple[str, ...]]
    backlinks: dict[str, tuple[str, ...]]
    related: dict[str, tuple[str, ...]]
    paths: tuple[tuple[str, ...], ...]  # reading paths as note slugs, in reading order
    assets: tuple[Asset, ...]
    reading_paths: tuple[ReadingPath, ...] = ()  # the named paths of paths.yaml, when the site has one
    # Resources' stamps from the last build (`resource_stamps`), so unchanged ones are not digested again.
    known_stamps: Mapping[str, ResourceStamp] = field(default_factory=dict, compare=False, repr=False)
    # A digest of what `related` was worked out from (`_related_inputs`): the build cache keeps both,
    # and the next build whose notes have the same inputs takes `related` from it (`RelatedMemo`).
    related_inputs: str = field(default="", compare=False, repr=False)

    @property
    def related_memo(self) -> RelatedMemo:
        return self.related_inputs, self.related

    @cached_property
    def _path_neighbours(self) -> dict[str, list[tuple[int, str | None, str | None]]]:
        found: dict[str, list[tuple[int, str | None, str | None]]] = defaultdict(list)
        for n, path in enumerate(self.paths):
            for i, slug in enumerate(path):
                found[slug].append((n, path[i - 1] if i else None, path[i + 1] if i + 1 < len(path) else None))
        return found

    def neighbours_on_paths(self, slug: str) -> list[tuple[ReadingPath | None, str | None, str | None]]:
        """For each reading path `slug` is on: the path (None when worked out from `after:`), and
        the notes before and after it there."""
        named = self.reading_paths
        return [(named[n] if named else None, before, after) for n, before, after in self._path_neighbours.get(slug, [])]

    @cached_property
    def graph_digest(self) -> str:
        """A digest of all that `graph.json` and the whole-site graph (`graphview.whole_site`) are
        made of: each topic, note and resource in order, with its title and what either shows of
        it, the links between them, and the reading paths. Neither reads anything else of the
        site, so an edit of a note's text (its summary, body or annotations) keeps both files."""

        # One `repr` of tuples of strings (unambiguous, whatever the strings hold) hashed once, rather
        # than 180,000 strings hashed one by one (at 10,000 notes: 0.10–0.12 s instead of 0.15–0.19).
        # The notes' topics, links and citations are in `related_inputs` already, a digest that
        # `build_graph` made of them: taken as it is, that part is not written out a second time
        # (at 10,000 notes, 100,000 slugs and ids: half the time, 0.06 -> 0.03 s).
        return digest(repr((
            [(slug, t.title, t.parent) for slug, t in self.topics.items()],
            self.related_inputs,
            [(slug, n.title, n.after_slugs) for slug, n in self.notes.items()],
            [(rid, r.title, r.url, r.kind, r.citations[0].note if r.citations else "") for rid, r in self.resources.items()],
            self.paths,
        )).encode())

    @cached_property
    def resource_digests(self) -> dict[str, str]:
        """A digest of each resource as it stands: what the cards and the page that show it, and its
        BibTeX entry, are made from (page fingerprints and the bibliography's compare them)."""
        return {rid: stamp[1] for rid, stamp in self.resource_stamps.items()}

    @cached_property
    def resource_stamps(self) -> dict[str, ResourceStamp]:
        """Each resource's digest, with what it was made from: its URL key and the notes citing it,
        in order, each by its path and the digest of its bytes. A resource is made from nothing
        else, so a known stamp made from the same is reused instead of digesting the resource
        again (at 10,000 notes, 18,678 `repr`s: 0.4 s of a one-note edit)."""
        stamps: dict[str, ResourceStamp] = {}
        # each note's part made once, not once per resource it cites (five times as many)
        part = {slug: f"{n.slug}\x1f{n.path}\x1f{n.digest}" for slug, n in self.notes.items()}
        undigested = {slug for slug, n in self.notes.items() if not n.digest}
        for rid, r in self.resources.items():
            made_from = (r.key, *(part[c.note] for c in r.citations))
            known = self.known_stamps.get(rid)
            if known is not None and known[0] == made_from and not (undigested and any(c.note in undigested for c in r.citations)):
                stamps[rid] = known
            else:
                stamps[rid] = (made_from, digest(repr(r).encode()))
        return stamps

    # -- topic queries: what the pages show about topics, answered once per build ----------------

    @cached_property
    def topic_totals(self) -> dict[str, int]:
        """Notes in each topic, counting each note of its subtopics once."""

        def members(slug: str, seen: frozenset[str] = frozenset()) -> set[str]:
            found = set(self.topic_notes.get(slug, ()))
            for child in self.topic_children.get(slug, ()):
                if child not in seen:
                    found |= members(child, seen | {slug})
            return found

        return {slug: len(members(slug)) for slug in self.topics}

    @cached_property
    def top_topics(self) -> tuple[str, ...]:
        """Topics without a (known) parent: the roots of the topic tree."""
        return tuple(s for s, t in self.topics.items() if not t.parent or t.parent not in self.topics)

    @cached_property
    def footer_topics(self) -> tuple[str, ...]:
        """The top topics every page's footer lists: all of them up to `FOOTER_TOPICS`, else the
        largest that many (in the tree's order) and a link to the rest. Forty links at the foot of
        each of 30,000 pages were a tenth of a large site's bytes for a list the Topics page has."""
        top = self.top_topics
        if len(top) <= FOOTER_TOPICS:
            return top
        largest = set(sorted(top, key=lambda s: (-self.topic_totals[s], self.topics[s].title.lower(), s))[:FOOTER_TOPICS])
        return tuple(s for s in top if s in largest)

    def topic_trail(self, slug: str | None) -> list[str]:
        """`slug` and its ancestors, outermost first: the breadcrumb trail of a topic."""
        trail: list[str] = []
        while slug in self.topics and slug not in trail:
            trail.insert(0, slug)
            slug = self.topics[slug].parent
        return trail

    def topics_of(self, note: Note) -> tuple[Topic, ...]:
        """The note's topics that are described in topics.yaml, in the note's order."""
        return tuple(self.topics[t] for t in note.topic_slugs if t in self.topics)

    @cached_property
    def resource_topics(self) -> dict[str, tuple[str, ...]]:
        """Each resource's topics: those of the notes citing it, first seen first."""
        return {
            rid: tuple(dict.fromkeys(t for c in r.citations for t in self.notes[c.note].topic_slugs))
            for rid, r in self.resources.items()
        }

    @cached_property
    def by_date(self) -> tuple[Note, ...]:
        """Notes, most recently changed first."""
        return tuple(sorted(self.notes.values(), key=lambda n: (n.last_changed or dt.date.min, n.slug), reverse=True))


def _err(place: Place, message: str, severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(place.path, place.line, place.col, message, severity)


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def build_graph(
    loaded: Loaded, known_stamps: Mapping[str, ResourceStamp] | None = None, known_related: RelatedMemo | None = None
) -> tuple[Site, list[Diagnostic]]:
    """The site graph of the loaded notes. `known_stamps`, `known_related`: the resources' stamps
    and the related notes of the last build (`Site.related_memo`), taken where still true."""
    drafts_left_out = loaded.drafts
    notes = {n.slug: n for n in sorted(loaded.notes, key=lambda n: n.slug)}
    problems: list[Diagnostic] = []
    topic_notes = _topics(notes, loaded.topics, problems)
    resources, note_resources = _resources(notes, problems)
    links_to = _note_links(notes, drafts_left_out, problems)
    _check_assets(notes, loaded.assets, problems)
    backlinks: dict[str, list[str]] = defaultdict(list)
    for source, targets in links_to.items():
        for target in targets:
            backlinks[target].append(source)
    paths = _reading_paths(notes, drafts_left_out, problems)
    named = _named_paths(loaded.paths, notes, drafts_left_out, problems)
    if named:
        paths = tuple(p.slugs for p in named)
    related_inputs = _related_inputs(notes, note_resources, links_to, topic_notes)
    if known_related is not None and known_related[0] == related_inputs:
        related = known_related[1]  # most edits change none of it: a third of a second saved at 10,000 notes
    else:
        related = _related(notes, note_resources, links_to, topic_notes)
    children: dict[str, list[str]] = defaultdict(list)
    for slug, topic in sorted(loaded.topics.items()):
        if topic.parent in loaded.topics:
            children[topic.parent].append(slug)
    site = Site(
        notes=notes,
        topics=dict(sorted(loaded.topics.items())),
        topic_notes=topic_notes,
        topic_children={k: tuple(v) for k, v in children.items()},
        resources=resources,
        note_resources=note_resources,
        links_to=links_to,
        backlinks={k: tuple(sorted(set(v))) for k, v in backlinks.items()},
        related=related,
        paths=paths,
        reading_paths=named,
        assets=_referenced(notes, loaded.assets),
        known_stamps=known_stamps or {},
        related_inputs=related_inputs,
    )
    return site, problems


def reference_problems(loaded: Loaded) -> list[Diagnostic]:
    """Only the checks of links between notes, headings and files: what `check-links` needs,
    without building the rest of the graph."""
    notes = {n.slug: n for n in sorted(loaded.notes, key=lambda n: n.slug)}
    problems: list[Diagnostic] = []
    _note_links(notes, loaded.drafts, problems, loaded.unreadable)
    _check_assets(notes, loaded.assets, problems)
    return problems


def _topics(notes: dict[str, Note], topics: dict[str, Topic], problems: list[Diagnostic]) -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = {slug: [] for slug in topics}
    for note in notes.values():
        for slug, place in note.topics:
            if slug in members:
                members[slug].append(note.slug)
            else:
                problems.append(_err(place, f"unknown topic '{slug}': describe it in topics.yaml{_suggest(slug, topics)}"))
    return {slug: tuple(m) for slug, m in members.items()}


@dataclass(slots=True)
class _Draft:
    """A resource while the notes citing it are read: the first description wins, later citations
    fill what it left out. Mutable, and never leaves `_resources`."""

    url: str
    title: str
    from_body: bool  # only a body link so far: a front-matter entry will describe it better
    kind: str | None = None
    year: int | None = None
    authors: tuple[str, ...] = ()
    discussion: list[str] = field(default_factory=list)
    archived: str | None = None


def _resources(notes: dict[str, Note], problems: list[Diagnostic]) -> tuple[dict[str, Resource], dict[str, tuple[str, ...]]]:
    """Unify every front-matter link and body link by URL key, in note order.

    Run on every build, edit or not, over 90,000 links at 10,000 notes: a resource seen for the
    first time (most of them) is made in one step, and a later citation only fills in what is
    still missing, rather than every field being written again for each citation."""
    drafts: dict[str, _Draft] = {}
    citations: dict[str, list[Citation]] = {}
    note_keys: dict[str, list[str]] = {}
    for slug, note in notes.items():
        keys: dict[str, None] = {}  # the note's keys in order, as a set
        for entry in note.links:
            key = entry.key
            if key in keys:
                problems.append(_err(entry.place, f"'{entry.url}' is listed twice in this note", Severity.WARNING))
                continue
            keys[key] = None
            cited = _citation((slug, entry.note, entry.status, entry.place))
            draft = drafts.get(key)
            if draft is None:
                discussion = list(dict.fromkeys(url for url, _ in entry.discussion)) if entry.discussion else []
                drafts[key] = _Draft(entry.url, entry.title, False, entry.kind, entry.year, entry.authors, discussion, entry.archived)
                citations[key] = [cited]
                continue
            # a later citation: it fills in only what the first description left out
            if draft.kind is None:
                draft.kind = entry.kind
            if draft.year is None:
                draft.year = entry.year
            if not draft.authors:
                draft.authors = entry.authors
            if not draft.archived:
                draft.archived = entry.archived
            if draft.from_body:  # a front-matter entry describes it better than a body link
                draft.url, draft.title, draft.from_body = entry.url, entry.title, False
            for url, _ in entry.discussion:
                if url not in draft.discussion:
                    draft.discussion.append(url)
            citations[key].append(cited)
        for link in note.body_links:
            key = link.key
            if key in keys:
                continue
            keys[key] = None
            cited = _citation((slug, "", None, link.place))
            if key in drafts:
                citations[key].append(cited)
            else:
                drafts[key] = _Draft(link.url, link.text or link.url, from_body=True)
                citations[key] = [cited]
        note_keys[slug] = list(keys)
    resources: dict[str, Resource] = {}
    id_of: dict[str, str] = {}
    for _, key in sorted([(d.title.lower(), k) for k, d in drafts.items()]):
        d = drafts[key]
        rid = id_of[key] = resource_id(key, d.title)
        resources[rid] = Resource(rid, key, d.url, d.title, d.kind, d.authors, d.year, tuple(citations[key]), tuple(d.discussion), d.archived)
    return resources, {slug: tuple([id_of[k] for k in keys]) for slug, keys in note_keys.items()}


def _page_top(fragment: str) -> bool:
    """`#top` leads to the top of any page: browsers scroll there when no element has that id
    (the HTML standard's rule for a fragment that is, in any case, "top")."""
    return fragment.lower() == "top"


def _note_links(
    notes: dict[str, Note], drafts: frozenset[str], problems: list[Diagnostic], unreadable: frozenset[str] = frozenset()
) -> dict[str, tuple[str, ...]]:
    """Links between notes; one to a note that exists but did not load (`unreadable`) is not
    reported again: that note's own error says what is wrong."""
    links_to: dict[str, tuple[str, ...]] = {}
    for slug, note in notes.items():
        targets: dict[str, None] = {}  # in order, as a set
        for link in note.note_links:
            target = notes.get(link.target)
            if target is None:
                if link.target in unreadable:
                    continue
                written = f"[[{link.target}]]" if link.style == "wikilink" else f"'{link.target}'"
                if link.target in drafts:
                    problems.append(_err(link.place, f"{written} is a draft, left out of this build", Severity.WARNING))
                else:
                    problems.append(_err(link.place, f"unknown note {written}{_suggest(link.target, notes)}"))
                continue
            if link.heading and not _page_top(link.heading) and not any(h.id == link.heading for h in target.headings):
                ids = [h.id for h in target.headings]
                problems.append(_err(link.place, f"note '{link.target}' has no heading '#{link.heading}'{_suggest(link.heading, ids)}"))
            if link.target != slug:
                targets[link.target] = None
        if note.fragment_links:
            own = {h.id for h in note.headings}
            for heading, place in note.fragment_links:
                if heading not in own and not _page_top(heading):
                    problems.append(_err(place, f"link to '#{heading}': no such heading in this note", Severity.WARNING))
        links_to[slug] = tuple(targets)
    return links_to


def _referenced(notes: dict[str, Note], assets: tuple[Asset, ...]) -> tuple[Asset, ...]:
    """Only the files a note links or shows are published: a `secrets.txt` that happens to sit
    beside the notes stays private."""
    used = {a.relpath for note in notes.values() for a in note.assets}
    return tuple(a for a in assets if a.relpath in used)


def _check_assets(notes: dict[str, Note], assets: tuple[Asset, ...], problems: list[Diagnostic]) -> None:
    known = {a.relpath for a in assets}
    for note in notes.values():
        for asset in note.assets:
            if asset.relpath not in known:
                problems.append(_err(asset.place, f"file '{asset.relpath}' not found in the notes folder"))


def _named_paths(paths: tuple[ReadingPath, ...], notes: dict[str, Note], drafts: frozenset[str], problems: list[Diagnostic]) -> tuple[ReadingPath, ...]:
    """The paths of paths.yaml, checked: each names known notes once, and puts a note after the
    notes it names in `after:` when they are on the same path. Drafts left out are skipped."""
    kept: list[ReadingPath] = []
    for path in paths:
        notes_on_it: list[tuple[str, Place]] = []
        for slug, place in path.notes:
            if slug in drafts:
                continue
            if slug not in notes:
                problems.append(_err(place, f"path '{path.slug}' names unknown note '{slug}'{_suggest(slug, notes)}"))
            elif slug in (s for s, _ in notes_on_it):
                problems.append(_err(place, f"path '{path.slug}' names '{slug}' twice"))
            else:
                notes_on_it.append((slug, place))
        order = {slug: i for i, (slug, _) in enumerate(notes_on_it)}
        for slug, place in notes_on_it:
            for before in notes[slug].after_slugs:
                if before in order and order[before] > order[slug]:
                    problems.append(_err(place, f"path '{path.slug}' puts '{slug}' before '{before}', which it names in 'after'", Severity.WARNING))
        if notes_on_it:
            kept.append(ReadingPath(path.slug, path.title, path.description, tuple(notes_on_it), path.place))
    return tuple(kept)


def _reading_paths(notes: dict[str, Note], drafts: frozenset[str], problems: list[Diagnostic]) -> tuple[tuple[str, ...], ...]:
    """Order the notes joined by `after:` into curricula: prerequisites first, one path per group.

    Kahn's algorithm, picking among ready notes the shallowest, then by slug, so the order is stable
    and reads from first explanations outwards.
    """
    prereqs: dict[str, list[str]] = {}
    for note in notes.values():
        wanted = []
        for slug, place in note.after:
            if slug in notes and slug != note.slug:
                wanted.append(slug)
            elif slug == note.slug:
                problems.append(_err(place, "a note cannot come after itself"))
            elif slug not in drafts:
                problems.append(_err(place, f"'after' names unknown note '{slug}'{_suggest(slug, notes)}"))
        prereqs[note.slug] = wanted
    involved = {s for s, p in prereqs.items() if p} | {p for ps in prereqs.values() for p in ps}
    dependents: dict[str, list[str]] = defaultdict(list)
    for slug in involved:
        for p in prereqs[slug]:
            dependents[p].append(slug)
    waiting = {s: len(prereqs[s]) for s in involved}
    depth = dict.fromkeys(involved, 0)
    ready = [(0, s) for s in involved if waiting[s] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, slug = heapq.heappop(ready)
        order.append(slug)
        for d in dependents[slug]:
            depth[d] = max(depth[d], depth[slug] + 1)
            waiting[d] -= 1
            if waiting[d] == 0:
                heapq.heappush(ready, (depth[d], d))
    stuck = sorted(involved - set(order))
    if stuck:
        cycle = _find_cycle(stuck[0], prereqs, set(stuck))
        place = next(p for s, p in notes[cycle[0]].after if s == cycle[1])
        problems.append(_err(place, f"'after' forms a cycle: {' → '.join(cycle + [cycle[0]])}"))
    return _split_components(order, prereqs)


def _find_cycle(start: str, prereqs: dict[str, list[str]], stuck: set[str]) -> list[str]:
    path = [start]
    while True:
        nxt = next(p for p in prereqs[path[-1]] if p in stuck)
        if nxt in path:
            return path[path.index(nxt) :]
        path.append(nxt)


def _split_components(order: list[str], prereqs: dict[str, list[str]]) -> tuple[tuple[str, ...], ...]:
    parent = {s: s for s in order}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for s in order:
        for p in prereqs[s]:
            if p in parent:
                parent[find(s)] = find(p)
    groups: dict[str, list[str]] = defaultdict(list)
    for s in order:
        groups[find(s)].append(s)
    return tuple(sorted((tuple(g) for g in groups.values()), key=lambda g: (-len(g), g[0])))


def _related_inputs(
    notes: dict[str, Note],
    note_resources: dict[str, tuple[str, ...]],
    links_to: dict[str, tuple[str, ...]],
    topic_notes: dict[str, tuple[str, ...]],
) -> str:
    """A digest of all that `_related` reads, its limits included: equal digests, equal answers.
    One `repr` of plain tuples and dicts of strings, hashed at once (a few MB at 10,000 notes)."""
    topics_of = tuple((slug, note.topic_slugs) for slug, note in notes.items())
    read = (RELATED_LIMIT, _POPULAR, topics_of, note_resources, links_to, topic_notes)
    return digest(repr(read).encode())


def _related(
    notes: dict[str, Note],
    note_resources: dict[str, tuple[str, ...]],
    links_to: dict[str, tuple[str, ...]],
    topic_notes: dict[str, tuple[str, ...]],
) -> dict[str, tuple[str, ...]]:
    """Notes worth reading next: shared resources weigh most, then links, then shared topics.

    Built from inverted indexes and bounded windows so the work grows linearly with the notes.
    """
    citing: dict[str, list[str]] = defaultdict(list)
    for slug, rids in note_resources.items():
        for rid in rids:
            citing[rid].append(slug)
    index_in_topic = {t: {s: i for i, s in enumerate(m)} for t, m in topic_notes.items()}
    linked_from: dict[str, set[str]] = defaultdict(set)  # the note page lists these under "Linked from"
    for source, targets in links_to.items():
        for target in targets:
            linked_from[target].add(source)
    related: dict[str, tuple[str, ...]] = {}
    for slug, note in notes.items():
        score: dict[str, int] = {}  # a plain dict and `get`: this loop runs 400,000 times at 10,000 notes
        for rid in note_resources[slug]:
            citers = citing[rid]
            if len(citers) <= _POPULAR:
                for other in citers:
                    score[other] = score.get(other, 0) + 3
        for other in links_to[slug]:
            score[other] = score.get(other, 0) + 2
        for topic in note.topic_slugs:
            members = topic_notes.get(topic, ())
            i = index_in_topic.get(topic, {}).get(slug, 0)
            for other in members[max(0, i - RELATED_LIMIT) : i + RELATED_LIMIT + 1]:
                score[other] = score.get(other, 0) + 1
        score.pop(slug, None)
        for other in linked_from.get(slug, ()):  # already listed under "Linked from": not repeated as related
            score.pop(other, None)
        best = heapq.nsmallest(RELATED_LIMIT, score.items(), key=_by_score)
        related[slug] = tuple(s for s, _ in best)
    return related


def _by_score(item: tuple[str, int]) -> tuple[int, str]:
    """The best first; among equals, the first in slug order."""
    return -item[1], item[0]


def graph_json(site: Site) -> dict[str, Any]:
    """The graph as data: nodes with the site path of their page, typed edges, reading paths.
    Made of nothing but what `Site.graph_digest` covers."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    for slug, topic in site.topics.items():
        nodes.append({"id": f"topic:{slug}", "type": "topic", "title": topic.title, "url": urls.topic_path(slug)})
        if topic.parent:
            edges.append({"source": f"topic:{slug}", "target": f"topic:{topic.parent}", "type": "parent"})
    for slug, note in site.notes.items():
        nodes.append({"id": f"note:{slug}", "type": "note", "title": note.title, "url": urls.note_path(slug)})
        for topic_slug in note.topic_slugs:
            if topic_slug in site.topics:
                edges.append({"source": f"note:{slug}", "target": f"topic:{topic_slug}", "type": "topic"})
        for target in site.links_to[slug]:
            edges.append({"source": f"note:{slug}", "target": f"note:{target}", "type": "link"})
        for before in note.after_slugs:
            if before in site.notes:
                edges.append({"source": f"note:{before}", "target": f"note:{slug}", "type": "after"})
        for rid in site.note_resources[slug]:
            edges.append({"source": f"note:{slug}", "target": f"resource:{rid}", "type": "cites"})
    for rid, res in site.resources.items():
        nodes.append({"id": f"resource:{rid}", "type": "resource", "title": res.title, "url": urls.resource_path(rid), "href": res.url, "kind": res.kind})
    return {"nodes": nodes, "edges": edges, "paths": [list(p) for p in site.paths]}


def emit_json(ctx: Context) -> Iterator[Page | Keep]:
    """`graph.json`: the graph for other tools to read; kept when what it is made of is unchanged
    (`Site.graph_digest`)."""
    fingerprint = digest_of([ctx.inputs, ctx.site.graph_digest])
    if ctx.unchanged(urls.GRAPH, fingerprint):
        yield Keep(urls.GRAPH)
        return
    data = json.dumps(graph_json(ctx.site), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    yield Page(urls.GRAPH, (data + "\n").encode(), fingerprint)
