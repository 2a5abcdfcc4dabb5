"""Load: files on disk become validated `Note`s and `Topic`s, or diagnostics — never a traceback.

`load_note` is a pure function of one file (plus the raw-HTML switch), so the notes can later be
loaded in a process pool and cached by content hash.

YAML, Markdown and the schema are imported by the functions that parse, not here: `check-links`
drives the loading from its main process, which never parses a note, and starts its worker
processes (which do) sooner without them.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmnotes.diagnostics import Diagnostic, display_path
from llmnotes.folder import PATHS_FILE, TOPICS_FILE, Stamp, discover, file_digest, is_slug, stamps_of
from llmnotes.heap import default_workers, worker_defaults
from llmnotes.model import Asset, Body, LinkEntry, Note, Place, ReadingPath, SourceFile, Topic
from llmnotes.tokens import distinct_words

MAX_TOPIC_DEPTH = 12  # topics nest at most this deep: a tree a reader can follow, a page a browser can show
PARALLEL_FROM = 64  # below this many notes, starting worker processes costs more than it saves
_BACKGROUND_CHUNK = 10  # notes per chunk parsed while check-links checks the links of the first ones


@dataclass(frozen=True)
class Loaded:
    notes: tuple[Note, ...]
    topics: dict[str, Topic]
    assets: tuple[Asset, ...]
    diagnostics: tuple[Diagnostic, ...]
    drafts: frozenset[str] = frozenset()  # slugs of drafts left out of this build
    paths: tuple[ReadingPath, ...] = ()  # from paths.yaml, in the file's order
    unreadable: frozenset[str] = frozenset()  # slugs of notes whose errors kept them from loading


def read_text(path: Path, shown: str) -> tuple[str | None, list[Diagnostic]]:
    """Read UTF-8 text; a bad byte is reported at its line and column."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(shown, 0, 0, f"cannot read file: {exc.strerror}")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Diagnostic(shown, line, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
    return text.removeprefix("\ufeff").replace("\r\n", "\n"), []


def load_note(source: SourceFile, allow_html: bool = False, with_body: bool = True) -> tuple[Note | None, list[Diagnostic]]:
    """Parse and validate one note file, and render its body (unless `with_body` is false)."""
    from llmnotes import frontmatter, markdown, schema

    text, problems = read_text(source.path, source.display)
    if text is None:
        return None, problems
    try:
        parts = frontmatter.split(text)
        doc = frontmatter.parse(parts.yaml_text, parts.yaml_first_line)
    except frontmatter.FrontMatterError as exc:
        return None, [Diagnostic(source.display, exc.line, exc.col, exc.message)]
    fields, diagnostics = schema.validate(doc, source.display)

    md = markdown.parser(allow_html)
    tokens = md.parse(parts.body)
    note_dir = source.slug.rpartition("/")[0]
    found = markdown.extract(tokens, parts.body, parts.body_first_line, source.display, note_dir)
    diagnostics += [Diagnostic(p.path, p.line, p.col, message) for p, message in found.problems]
    if fields["title"] is None:
        return None, diagnostics
    note = Note(
        slug=source.slug,
        path=source.display,
        body_links=found.body_links,
        note_links=found.note_links,
        assets=found.assets,
        headings=found.headings,
        fragment_links=found.fragment_links,
        unchecked_links=found.unchecked,
        body=markdown.render_body(tokens, allow_html) if with_body else Body(),
        **(_search_fields(markdown.plain_text(tokens), fields["links"]) if with_body else {}),
        **fields,
    )
    return note, diagnostics


def _search_fields(commentary: str, links: tuple[LinkEntry, ...]) -> dict[str, Any]:
    """What the search index reads of a note: the commentary's words, then the annotations of its
    links, and the distinct words of both. Worked out here, once per version of the note (the
    build cache keeps them), rather than for every note on every build."""
    text = " ".join(" ".join([commentary, *(e.note for e in links if e.note)]).split())
    return {"text": text, "words": distinct_words(text)}


_ACTIVE_TYPES = (".html", ".htm", ".xhtml", ".xht", ".shtml")
_SVG_SCRIPT = re.compile(rb"<script|\son[a-z]+\s*=|javascript:|<foreignobject|<iframe|<embed|<object", re.IGNORECASE)


def asset_problems(notes: tuple[Note, ...], assets: tuple[Asset, ...], allow_html: bool) -> list[Diagnostic]:
    """Files that would run script on the site's own origin when opened: HTML pages, and SVG images
    with scripts or event handlers. They get around `allow_html = false`, so they are refused
    (at each place a note links them) unless the site allows raw HTML."""
    if allow_html:
        return []
    unsafe: dict[str, str] = {}
    for asset in assets:
        suffix = asset.path.suffix.lower()
        if suffix in _ACTIVE_TYPES:
            unsafe[asset.relpath] = "an HTML file"
        elif suffix in (".svg", ".svgz"):
            try:
                if _SVG_SCRIPT.search(asset.path.read_bytes()):
                    unsafe[asset.relpath] = "an SVG image with script in it"
            except OSError:
                pass
    return [
        Diagnostic(link.place.path, link.place.line, link.place.col, f"'{link.relpath}' is {unsafe[link.relpath]}, which would run on the site; refused unless allow_html = true")
        for note in notes
        for link in note.assets
        if link.relpath in unsafe
    ]


def load_paths(notes_dir: Path) -> tuple[tuple[ReadingPath, ...], list[Diagnostic]]:
    """Read `paths.yaml`: path slug → title, description, notes (in reading order). Optional:
    without it, the reading path is worked out from the notes' `after:` lists."""
    from llmnotes import frontmatter, schema

    path = notes_dir / PATHS_FILE
    if not path.is_file():
        return (), []
    shown = display_path(path)
    if path.is_symlink() and not path.resolve().is_relative_to(notes_dir.resolve()):
        return (), [Diagnostic(shown, 0, 0, "symbolic link pointing outside the notes folder: not used")]
    text, problems = read_text(path, shown)
    if text is None or not text.strip():
        return (), problems
    try:
        doc = frontmatter.parse(text, 1)
    except frontmatter.FrontMatterError as exc:
        return (), [Diagnostic(shown, exc.line, exc.col, exc.message)]
    v = schema.Validator(doc, shown)
    paths: list[ReadingPath] = []
    for slug, raw in doc.data.items():
        key = (slug,)
        if not isinstance(slug, str) or not is_slug(slug):
            v.error(key, f"path '{slug}' is not a valid slug: use a-z, 0-9 and '-'", key=True)
            continue
        if not isinstance(raw, dict):
            v.error(key, f"path '{slug}' must be a mapping with title, description and notes")
            continue
        v.unknown_keys(raw, ("title", "description", "notes"), key, f"path '{slug}'")
        title = v.string(raw, "title", key, required=True)
        notes = v.string_list(raw, "notes", key)
        if not notes:
            v.error(key, f"path '{slug}' lists no notes", key=True)
        if title is None or not notes:
            continue
        line, col = doc.key_at(key)
        paths.append(ReadingPath(slug, title, v.string(raw, "description", key) or "", tuple(notes), Place(shown, line, col)))
    return tuple(paths), v.diagnostics


def load_topics(notes_dir: Path) -> tuple[dict[str, Topic], list[Diagnostic]]:
    """Read `topics.yaml`: slug → title, description, optional parent. The file is optional."""
    from llmnotes import frontmatter, schema

    path = notes_dir / TOPICS_FILE
    if not path.exists():
        return {}, []
    shown = display_path(path)
    if path.is_symlink() and not path.resolve().is_relative_to(notes_dir.resolve()):
        return {}, [Diagnostic(shown, 0, 0, "symbolic link pointing outside the notes folder: not used")]
    text, problems = read_text(path, shown)
    if text is None:
        return {}, problems
    if not text.strip():
        return {}, []
    try:
        doc = frontmatter.parse(text, 1)
    except frontmatter.FrontMatterError as exc:
        return {}, [Diagnostic(shown, exc.line, exc.col, exc.message)]
    v = schema.Validator(doc, shown)
    topics: dict[str, Topic] = {}
    places: dict[str, Place] = {}
    for slug, raw in doc.data.items():
        key = (slug,)
        if not isinstance(slug, str) or not is_slug(slug):
            v.error(key, f"topic '{slug}' is not a valid slug: use a-z, 0-9 and '-'", key=True)
            continue
        if raw is None:
            raw = {}
        if isinstance(raw, str):
            raw = {"title": raw}
        if not isinstance(raw, dict):
            v.error(key, f"topic '{slug}' must be a mapping with title and description")
            continue
        v.unknown_keys(raw, ("title", "description", "parent"), key, f"topic '{slug}'")
        title = v.string(raw, "title", key) or slug.replace("-", " ").capitalize()
        parent = v.string(raw, "parent", key)
        topics[slug] = Topic(slug, title, v.string(raw, "description", key) or "", parent)
        line, col = doc.key_at(key)
        places[slug] = Place(shown, line, col)
    for slug, topic in topics.items():
        if topic.parent is not None and topic.parent not in topics:
            v.error((slug, "parent"), f"topic '{slug}' has unknown parent '{topic.parent}'")
    v.diagnostics += _parent_problems(topics, places)
    return topics, v.diagnostics


def _parent_problems(topics: dict[str, Topic], places: dict[str, Place]) -> list[Diagnostic]:
    """Cycles among topic parents (reported at each topic on one), and chains deeper than
    `MAX_TOPIC_DEPTH` (reported once, at the first topic too deep). Linear: each topic's depth is
    worked out once."""
    problems = []
    depth: dict[str, int] = {}
    for start in topics:
        chain: list[str] = []
        slug: str | None = start
        while slug in topics and slug not in depth and slug not in chain:
            chain.append(slug)
            slug = topics[slug].parent
        if slug in chain:
            cycle = chain[chain.index(slug) :]
            for member in cycle:
                at = cycle.index(member)
                ring = cycle[at:] + cycle[:at]
                p = places[member]
                problems.append(Diagnostic(p.path, p.line, p.col, f"topic parents form a cycle: {' → '.join(ring + [member])}"))
                depth[member] = 0
            chain = chain[: chain.index(slug)]
        below = depth.get(slug, 0) if slug is not None else 0
        for member in reversed(chain):
            below += 1
            depth[member] = below
            if below == MAX_TOPIC_DEPTH + 1:
                p = places[member]
                problems.append(Diagnostic(p.path, p.line, p.col, f"topic '{member}' is nested {below} levels deep; topics nest at most {MAX_TOPIC_DEPTH} levels"))
    return problems


Parsed = list[tuple[Note | None, list[Diagnostic]]]  # what loading some notes gave, in their order


def _load(source: SourceFile, allow_html: bool, with_body: bool) -> tuple[Note | None, list[Diagnostic]]:
    return load_note(source, allow_html, with_body)


def load_notes(sources: list[SourceFile], allow_html: bool, with_body: bool = True, workers: int | None = None) -> Parsed:
    """Load notes on every core when there are enough of them. Notes are independent and `Note` is
    plain data, so the results are what one process would give, in the same order."""
    workers = workers if workers is not None else default_workers()
    if workers > 1 and len(sources) >= PARALLEL_FROM:
        chunk = max(1, len(sources) // (workers * 4))
        with concurrent.futures.ProcessPoolExecutor(workers, initializer=worker_defaults) as pool:
            return list(pool.map(_load, sources, itertools.repeat(allow_html), itertools.repeat(with_body), chunksize=chunk))
    return [load_note(source, allow_html, with_body) for source in sources]


def load_for_links(notes_dir: Path, allow_html: bool = False, workers: int | None = None, cache: NoteCache | None = None) -> Loaded:
    """Every note, drafts included, without rendered bodies: what `check-links` needs. With a
    `cache`, notes whose bytes are unchanged are not parsed again (a warm check in a blink)."""
    return LinksLoad(notes_dir, allow_html, workers, cache).finish()


def _load_for_links(sources: list[SourceFile], allow_html: bool) -> Parsed:
    return [load_note(source, allow_html, with_body=False) for source in sources]


class LinksLoad:
    """`load_for_links` begun but not waited for: the notes in the cache are in hand at once and
    the others are parsed on worker processes, a chunk at a time, so `check-links` can start on
    the links of the first notes while the rest are read (`links.run`). With `background`, a pool
    is used even for one worker, so the caller is never kept waiting. `finish` gives what
    `load_for_links` gives, whatever was asked before."""

    def __init__(
        self, notes_dir: Path, allow_html: bool = False, workers: int | None = None, cache: NoteCache | None = None, background: bool = False
    ) -> None:
        self.sources, self.assets, self.diagnostics = discover(notes_dir)
        self.cache = cache
        self.digests, self.stamps = _digests(self.sources, cache, None) if cache is not None else ([], [])
        self._results: dict[int, tuple[Note | None, list[Diagnostic]]] = {}
        if cache is not None:
            stale = _stale(self.sources, self.digests, cache)
            _restamp(cache, self.sources, self.stamps, stale)
            fresh = set(range(len(self.sources))) - set(stale)
            self._results.update((i, cache[self.sources[i].display][1:3]) for i in fresh)
        else:
            stale = list(range(len(self.sources)))
        workers = workers if workers is not None else default_workers()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.pending: list[concurrent.futures.Future[Parsed]] = []  # chunks being parsed, in order
        self._chunks: dict[concurrent.futures.Future[Parsed], list[int]] = {}  # which sources each pending chunk holds
        if (workers > 1 or background) and len(stale) >= PARALLEL_FROM:
            self._pool = concurrent.futures.ProcessPoolExecutor(workers, initializer=worker_defaults)
            # small chunks when in the background: the first links are in hand sooner
            size = max(1, min(_BACKGROUND_CHUNK if background else len(stale), len(stale) // (workers * 4)))
            for start in range(0, len(stale), size):
                chunk = stale[start : start + size]
                future = self._pool.submit(_load_for_links, [self.sources[i] for i in chunk], allow_html)
                self.pending.append(future)
                self._chunks[future] = chunk
        else:
            self._store(stale, _load_for_links([self.sources[i] for i in stale], allow_html))

    def in_hand(self) -> list[Note]:
        """The notes loaded so far (those of finished chunks once `take` has been given them)."""
        return [note for note, _ in self._results.values() if note is not None]

    def take(self, future: concurrent.futures.Future[Parsed]) -> list[Note]:
        """The notes of a finished chunk (one of `pending`)."""
        chunk = self._chunks[future]
        if chunk[0] not in self._results:
            self._store(chunk, future.result())
        return [note for i in chunk if (note := self._results[i][0]) is not None]

    def _store(self, indices: list[int], parsed: Parsed) -> None:
        for i, loaded in zip(indices, parsed, strict=True):
            self._results[i] = _remember(self.cache, self.sources[i], self.digests[i], self.stamps[i], *loaded) if self.cache is not None else loaded

    def cancel(self) -> None:
        """Stop parsing: the worker processes end without finishing their chunks."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def finish(self) -> Loaded:
        """Every note, once all are parsed; the cache (if any) then holds exactly these sources."""
        try:
            for future in self.pending:
                self.take(future)
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        if self.cache is not None:
            _forget_gone(self.cache, self.sources)
        notes, unreadable, diagnostics = [], set(), list(self.diagnostics)
        for i, source in enumerate(self.sources):
            note, problems = self._results[i]
            diagnostics += problems
            if note is not None:
                notes.append(note)
            else:
                unreadable.add(source.slug)
        return Loaded(tuple(notes), {}, tuple(self.assets), tuple(diagnostics), unreadable=frozenset(unreadable))


# What loading one note gave, by the note's displayed path: (digest of its bytes, note, diagnostics,
# the file's stamp when settled as its bytes were read).
NoteCache = dict[str, tuple[str, Note | None, list[Diagnostic], Stamp | None]]


def load_cached(
    sources: list[SourceFile], allow_html: bool, workers: int | None, cache: NoteCache, with_body: bool = True, known: Mapping[str, Stamp | None] | None = None
) -> Parsed:
    """Like `load_notes`, but a note whose bytes are those of the cached one is not parsed again.
    `cache` is updated in place to hold exactly these sources. `known`: the notes' stamps, when
    the build has taken them already (`folder.stamps_of`)."""
    digests, stamps = _digests(sources, cache, known)
    stale = _stale(sources, digests, cache)
    fresh = load_notes([sources[i] for i in stale], allow_html, with_body=with_body, workers=workers)
    for i, loaded in zip(stale, fresh, strict=True):
        _remember(cache, sources[i], digests[i], stamps[i], *loaded)
    _restamp(cache, sources, stamps, stale)
    _forget_gone(cache, sources)
    return [cache[s.display][1:3] for s in sources]


def _digests(sources: list[SourceFile], cache: NoteCache, known: Mapping[str, Stamp | None] | None) -> tuple[list[str], list[Stamp | None]]:
    """The digest of each source's bytes ("" if unreadable), and its stamp: a note whose settled
    stamp is the one the cache holds it with is not read again (`folder.stamps_of`)."""
    found = stamps_of([s.path for s in sources], known)
    digests = []
    for source, stamp in zip(sources, found, strict=True):
        entry = cache.get(source.display)
        digests.append(entry[0] if stamp is not None and entry is not None and entry[3] == stamp else file_digest(source.path))
    return digests, found


def _restamp(cache: NoteCache, sources: list[SourceFile], stamps: list[Stamp | None], stale: list[int]) -> None:
    """The notes taken from the cache, with their stamps as now (settled since, or no longer)."""
    for i in set(range(len(sources))) - set(stale):
        digest, note, problems, stamp = cache[sources[i].display]
        if stamp != stamps[i]:
            cache[sources[i].display] = (digest, note, problems, stamps[i])


def _stale(sources: list[SourceFile], digests: list[str], cache: NoteCache) -> list[int]:
    """The sources the cache does not hold as their bytes are now (or that could not be read)."""
    return [i for i, (s, d) in enumerate(zip(sources, digests, strict=True)) if cache.get(s.display, ("",))[0] != d or not d]


def _remember(
    cache: NoteCache, source: SourceFile, bytes_digest: str, stamp: Stamp | None, note: Note | None, problems: list[Diagnostic]
) -> tuple[Note | None, list[Diagnostic]]:
    """Put what loading `source` gave in the cache, the note under the digest of its bytes."""
    note = dataclasses.replace(note, digest=bytes_digest) if note is not None else None
    cache[source.display] = (bytes_digest, note, problems, stamp)
    return note, problems


def _forget_gone(cache: NoteCache, sources: list[SourceFile]) -> None:
    kept = {s.display for s in sources}
    for gone in [k for k in cache if k not in kept]:
        del cache[gone]


def load_all(
    notes_dir: Path,
    drafts: bool = False,
    allow_html: bool = False,
    workers: int | None = None,
    cache: NoteCache | None = None,
    known: Mapping[str, Stamp | None] | None = None,
) -> Loaded:
    """Load every note and the topics of a notes folder. Drafts are dropped unless asked for.
    With a `cache` (see `buildcache`), unchanged notes are taken from it; `known`: the notes'
    stamps, when the build has taken them already."""
    sources, assets, diagnostics = discover(notes_dir)
    notes: list[Note] = []
    left_out: set[str] = set()
    results = load_cached(sources, allow_html, workers, cache, known=known) if cache is not None else load_notes(sources, allow_html, workers=workers)
    for note, problems in results:
        diagnostics += problems
        if note is not None and note.draft and not drafts:
            left_out.add(note.slug)
        elif note is not None:
            notes.append(note)
    topics, problems = load_topics(notes_dir)
    diagnostics += problems
    paths, problems = load_paths(notes_dir)
    diagnostics += problems
    return Loaded(tuple(notes), topics, tuple(assets), tuple(diagnostics), frozenset(left_out), paths)
