"""The check-links pipeline: load the notes, extract, use the cache, check, store.

It takes plain paths and settings, not the site's `Config`: the checker is a library the CLI (and
anything else) drives, and it never imports the configuration layer that imports it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llmnotes.diagnostics import Diagnostic, Severity, sort_diagnostics
from llmnotes.graph import reference_problems
from llmnotes.heap import long_lived_heap
from llmnotes.links import cache as cache_db
from llmnotes.links.extract import extract
from llmnotes.links.report import Report, make_report
from llmnotes.links.result import Result
from llmnotes.links.settings import LinkSettings
from llmnotes.load import load_for_links


@dataclass(frozen=True)
class Outcome:
    report: Report | None
    diagnostics: list[Diagnostic]  # problems that stopped the check (bad notes)


def run(
    notes_dir: Path,
    settings: LinkSettings,
    allow_html: bool = False,
    offline: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> Outcome:
    """Check every link of the notes in `notes_dir`; `settings.cache` is an absolute path or None."""
    started = time.perf_counter()
    with long_lived_heap():
        loaded = load_for_links(notes_dir, allow_html=allow_html)
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    if errors:
        return Outcome(None, sort_diagnostics(errors))
    internal = sort_diagnostics(reference_problems(loaded))
    targets = [] if offline else extract(loaded)

    path = settings.cache
    cached = cache_db.load(path, settings.cache_max_age) if path else {}
    results: dict[str, Result] = {t.key: cached[t.key] for t in targets if t.key in cached and not (settings.fragments and t.fragments)}
    todo = [t for t in targets if t.key not in results]
    if on_start:
        on_start(len(todo))
    from llmnotes.links.check import check  # aiohttp is imported only when there is work for it

    results.update(check(todo, settings, on_result))
    if path:
        cache_db.store(path, results)
    return Outcome(make_report(targets, results, internal, time.perf_counter() - started), [])
