"""The check-links pipeline: load the notes, extract, use the cache, check, store.

With a cache, what the notes gave last time (targets and problems) is kept beside it, and a run
over the same notes starts from there, importing neither the loader nor the graph.

It takes plain paths and settings, not the site's `Config`: the checker is a library the CLI (and
anything else) drives, and it never imports the configuration layer that imports it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmnotes.diagnostics import Diagnostic, Severity, sort_diagnostics
from llmnotes.folder import sources_signature
from llmnotes.heap import default_workers, long_lived_heap
from llmnotes.links import cache as cache_db
from llmnotes.links.extract import Gathering, Target, extract
from llmnotes.links.report import Report, make_report
from llmnotes.links.result import Result, Verdict
from llmnotes.links.settings import LinkSettings
from llmnotes.model import Note, Place

if TYPE_CHECKING:
    from concurrent.futures import Future

    from llmnotes.links.archive import Wanted
    from llmnotes.load import LinksLoad, Loaded, NoteCache, Parsed

# From this many hosts, "none could be reached" says more about this machine than about the links.
NO_NETWORK_HOSTS = 3


@dataclass(frozen=True)
class Extracted:
    """What the notes give the checker before any request. Kept beside the link cache under the
    notes' `sources_signature`, so a run over unchanged notes neither unpickles nor walks them."""

    targets: tuple[Target, ...]
    errors: tuple[Diagnostic, ...]  # the notes' own errors
    internal: tuple[Diagnostic, ...]  # links between notes, headings and files that do not resolve
    cited: dict[str, dt.date | None]  # note path → its date (or updated)


@dataclass(frozen=True)
class Outcome:
    report: Report
    diagnostics: list[Diagnostic]  # the notes' own errors: reported beside the links, and a failure
    no_network: int = 0  # when no host at all could be reached: how many were tried (else 0)
    cited: dict[str, dt.date | None] = dataclasses.field(default_factory=dict)  # note path → its date (or updated)

    def wanted(self) -> list[Wanted]:
        """The broken links to look for archived copies of, each with the day it was first cited."""
        from llmnotes.links.archive import Wanted  # and asyncio: only with --archive

        found: list[Wanted] = []
        for finding in self.report.findings:
            if finding.result.verdict is Verdict.BROKEN:
                days = [d for p in finding.places if (d := self.cited.get(p.path)) is not None]
                found.append(Wanted(finding.result.url, min(days) if days else None))
        return found


def run(
    notes_dir: Path,
    settings: LinkSettings,
    allow_html: bool = False,
    offline: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
    only: Callable[[Place], bool] | None = None,
) -> Outcome:
    """Check every link of the notes in `notes_dir`; `settings.cache` is an absolute path or None.
    With `only`, just the links written at places it keeps (`--changed-since`); the links between
    notes are still all checked, offline, since deleting a note breaks links in notes left as they were."""
    started = time.perf_counter()
    path = settings.cache
    with long_lived_heap():  # what is loaded here lives to the end: the collector need not scan it
        cached = cache_db.load(path, settings.cache_max_age) if path else {}
    extracted_path = path.with_name(path.name + ".targets") if path else None
    signature = f"{sources_signature(notes_dir, allow_html)}:{_shapes()}" if extracted_path else ""
    with long_lived_heap():
        found = cache_db.load_extracted(extracted_path, allow_html, signature) if extracted_path else None
    extracted = found if isinstance(found, Extracted) else None
    streamed: dict[str, Result] = {}
    if extracted is None:
        if offline or only is not None or settings.fragments:  # each needs all the notes before any request
            extracted = _extract(notes_dir, allow_html, settings)
        else:
            extracted, streamed = _extract_while_checking(notes_dir, allow_html, settings, cached, on_start, on_result)
        if extracted_path:
            cache_db.store_extracted(extracted_path, allow_html, signature, extracted)
    targets = [] if offline else list(extracted.targets)
    if only is not None:
        targets = [t for t in (_narrowed(t, only) for t in targets) if t.places]

    results: dict[str, Result] = {t.key: cached[t.key] for t in targets if t.key in cached and not (settings.fragments and t.fragments)}
    todo = [t for t in targets if t.key not in results]
    if on_start:
        on_start(len(todo))
    fresh = _as_written(todo, streamed, settings)
    left = [t for t in todo if t.key not in fresh]
    if left:
        from llmnotes.links.check import check  # aiohttp is imported only when there is work for it

        fresh.update(check(left, settings, on_result))
    results.update(fresh)
    no_network = offline_hosts(todo, fresh)
    if path and not no_network:  # results of a machine without network say nothing about the links
        cache_db.store(path, results)
    report = make_report(targets, results, list(extracted.internal), time.perf_counter() - started)
    return Outcome(report, list(extracted.errors), no_network, extracted.cited)


def _shapes() -> str:
    """The fields of what is kept beside the cache: one of another shape is not used."""
    return ";".join(f"{cls.__name__}:{','.join(f.name for f in dataclasses.fields(cls))}" for cls in (Extracted, Target))


@contextlib.contextmanager
def _notes_cache(settings: LinkSettings, allow_html: bool) -> Iterator[NoteCache | None]:
    """The notes as last read, kept beside the link cache (None without a cache); written back
    after use only when a note was read anew, or its stamp changed."""
    path = settings.cache.with_name(settings.cache.name + ".notes") if settings.cache else None
    notes_cache = cache_db.load_notes(path, allow_html) if path else None
    before = _held(notes_cache)
    yield notes_cache
    if path and notes_cache is not None and before != _held(notes_cache):
        cache_db.store_notes(path, allow_html, notes_cache)


def _extract(notes_dir: Path, allow_html: bool, settings: LinkSettings) -> Extracted:
    """Load the notes (those unchanged since the last run from the notes' cache) and extract."""
    from llmnotes.load import load_for_links  # YAML and Markdown: only when a note changed

    with _notes_cache(settings, allow_html) as notes_cache, long_lived_heap():
        loaded = load_for_links(notes_dir, allow_html=allow_html, cache=notes_cache)
    return _extracted(loaded)


def _extract_while_checking(
    notes_dir: Path,
    allow_html: bool,
    settings: LinkSettings,
    cached: dict[str, Result],
    on_start: Callable[[int], None] | None,
    on_result: Callable[[Result], None] | None,
) -> tuple[Extracted, dict[str, Result]]:
    """`_extract`, with the links checked as the notes come in: the notes in the notes' cache at
    once, the others as each chunk is parsed on another process. The first requests start while
    the rest of the notes are read, instead of after. What comes back is by fetch key, each
    result fetched under the first spelling met; `_as_written` makes it the reported one."""
    from llmnotes.load import LinksLoad

    with _notes_cache(settings, allow_html) as notes_cache:
        # The worker processes start here, one core left to the checker (it needs one at 128 in flight).
        loading = LinksLoad(notes_dir, allow_html, workers=max(1, default_workers() - 1), cache=notes_cache, background=True)
        gathering = Gathering()
        streamed = _check_as_loaded(loading, gathering, settings, cached, on_start, on_result)
        with long_lived_heap():
            loaded = loading.finish()
            targets = gathering.targets()  # every note was given to it, as it came
    return _extracted(loaded, targets), streamed


def _check_as_loaded(
    loading: LinksLoad,
    gathering: Gathering,
    settings: LinkSettings,
    cached: dict[str, Result],
    on_start: Callable[[int], None] | None,
    on_result: Callable[[Result], None] | None,
) -> dict[str, Result]:
    """Check each new link (by fetch key, not fresh in `cached`) of the notes in hand, then of each
    chunk as it is parsed. While notes are still coming in, the collector is off (they live to the
    end, and scanning them again and again is what made loading slow); it is back on for the rest
    of the check."""
    heap = contextlib.ExitStack()
    heap.enter_context(long_lived_heap())
    chunks_left = len(loading.pending)
    sent = 0

    def new(notes: list[Note]) -> list[Target]:
        nonlocal sent
        found = [t for t in gathering.add(notes) if t.key not in cached]
        sent += len(found)
        if on_start and found:
            on_start(sent)
        return found

    def take(chunk: Future[Parsed]) -> list[Target]:
        nonlocal chunks_left
        found = new(loading.take(chunk))
        chunks_left -= 1
        if not chunks_left:
            heap.close()
        return found

    try:
        from llmnotes.links.check import check_while  # aiohttp, imported while the workers parse

        first = new(loading.in_hand())
        if not chunks_left:
            heap.close()
        return check_while(first, loading.pending, take, settings, on_result)
    except BaseException:  # Ctrl-C, say: the notes still being parsed are not waited for
        loading.cancel()
        raise
    finally:
        heap.close()


def _as_written(todo: list[Target], streamed: dict[str, Result], settings: LinkSettings) -> dict[str, Result]:
    """The streamed results of `todo`, each under its target's own spelling (the first in note
    order, which may not be the one fetched: same key, so the same request). One whose spelling
    decides otherwise whether `exclude` applies is left out, to be checked as written."""
    fresh: dict[str, Result] = {}
    for target in todo:
        result = streamed.get(target.key)
        if result is None:
            continue
        if result.url != target.url:
            if settings.excluded(target.url) or result.verdict is Verdict.EXCLUDED:
                continue
            result = dataclasses.replace(result, url=target.url)
        fresh[target.key] = result
    return fresh


def _held(notes_cache: NoteCache | None) -> dict[str, tuple[object, ...]]:
    """What the cache holds of each note: the digest of its bytes and its stamp."""
    return {path: (entry[0], entry[3]) for path, entry in notes_cache.items()} if notes_cache is not None else {}


def _extracted(loaded: Loaded, targets: list[Target] | None = None) -> Extracted:
    from llmnotes.graph import reference_problems  # the graph: only when a note changed

    # A bad note does not stop the check: every link of the notes that loaded is checked, so one
    # run shows every problem, and the notes' errors make it fail all the same.
    return Extracted(
        targets=tuple(extract(loaded) if targets is None else targets),
        errors=tuple(sort_diagnostics([d for d in loaded.diagnostics if d.severity is Severity.ERROR])),
        internal=tuple(sort_diagnostics(reference_problems(loaded))),
        cited={n.path: n.date or n.updated for n in loaded.notes},
    )


def _narrowed(target: Target, only: Callable[[Place], bool]) -> Target:
    return dataclasses.replace(
        target, places=tuple(p for p in target.places if only(p)), fragments=tuple((f, p) for f, p in target.fragments if only(p))
    )


def offline_hosts(todo: list[Target], fresh: dict[str, Result]) -> int:
    """How many hosts were tried when not one of them could be reached (no address, refused, no
    route), else 0. A runner without network would otherwise report every link broken."""
    hosts: set[str] = set()
    for target in todo:
        result = fresh.get(target.key)
        if result is None or result.verdict is Verdict.EXCLUDED:
            continue
        if not result.unreachable:
            return 0
        hosts.add(target.host)
    return len(hosts) if len(hosts) >= NO_NETWORK_HOSTS else 0
