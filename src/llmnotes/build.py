"""The build: load → graph → emit → write, as a list of steps, and what it reports."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from llmnotes import graph, graphview, render, search, theme, urls
from llmnotes.config import Config, ConfigError, resolve
from llmnotes.diagnostics import Diagnostic, Severity, has_errors, sort_diagnostics
from llmnotes.emit import BrokenLink, Context, Copy, Emitter, LastBroken, Output, Page
from llmnotes.heap import long_lived_heap
from llmnotes.links import cache as link_cache
from llmnotes.links.result import Verdict
from llmnotes.load import load_all
from llmnotes.normalize import fetch_key
from llmnotes.write import Staging


def emit_assets(ctx: Context) -> Iterator[Copy]:
    """Files the notes keep beside them (images, PDFs)."""
    for asset in ctx.site.assets:
        yield Copy(urls.asset_path(asset.relpath), asset.path)


# Every output of a build, in the order it is written. Each emitter owns one kind of output.
EMITTERS: tuple[Emitter, ...] = (
    render.pages,  # every page from a template: HTML, the feed, the sitemap, robots.txt
    search.emit,  # search-index/: the word index in small scripts
    graphview.emit,  # graph/data.js: what the canvas draws a large graph from
    graph.emit_json,  # graph.json: the graph for other tools
    theme.emit_static,  # static/: the theme's files, the site's overrides, pygments.css
    emit_assets,  # assets/: the notes' own files
)


@dataclass(frozen=True)
class BuildResult:
    diagnostics: list[Diagnostic]
    built: bool
    out: Path
    pages: int = 0
    notes: int = 0
    resources: int = 0
    topics: int = 0
    seconds: float = 0.0


def check_output_folder(config: Config, out: Path, notes: Path) -> None:
    """Refuse an output folder whose replacement would destroy sources or someone else's files."""
    out_r = out.resolve()
    protected = [notes, resolve(config, config.templates), resolve(config, config.static), config.root, Path.cwd()]
    for path in protected:
        p = path.resolve()
        if out_r == p or p.is_relative_to(out_r):
            raise ConfigError(f"error: output folder '{out}' contains '{path}', which a build would delete")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"error: output '{out}' exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise ConfigError(f"error: '{out}' is not empty and does not look like an llmnotes site; refusing to replace it")


def default_workers() -> int:
    """One process per CPU this process may use, at most 8 (more buys little at this size)."""
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8))


def last_broken(config: Config) -> LastBroken:
    """What `check-links` last saw of each URL, from its cache, so pages can flag broken links.
    An unreadable cache costs the flags, never the build."""
    results = {}
    if config.links.cache is not None:
        try:
            results = link_cache.load(resolve(config, config.links.cache), max_age=None, good_only=False)
        except link_cache.CacheError:
            pass

    def lookup(url: str) -> BrokenLink | None:
        result = results.get(fetch_key(url))
        if result is None or result.verdict is not Verdict.BROKEN:
            return None
        return BrokenLink(result.error, dt.datetime.fromtimestamp(result.checked_at, dt.UTC).date())

    return lookup


class BuildCancelled(Exception):
    """A newer change made this build pointless (`serve`); its staging folder is discarded."""


def build_site(
    config: Config, drafts: bool = False, strict: bool = False, cancelled: Callable[[], bool] | None = None, workers: int | None = None
) -> BuildResult:
    """Build the site, or report why not. The output folder is only touched by a good build.
    `cancelled` is asked between outputs; when it says yes, the build stops and changes nothing.
    `workers`: processes for loading and rendering (default: one per CPU)."""
    workers = workers if workers is not None else default_workers()
    started = time.perf_counter()
    notes_dir = resolve(config, config.notes)
    out = resolve(config, config.out)
    if not notes_dir.is_dir():
        raise ConfigError(f"error: notes folder '{notes_dir}' not found")
    check_output_folder(config, out, notes_dir)

    # 1. load and 2. graph: every problem of every note, reported together
    with long_lived_heap():
        loaded = load_all(notes_dir, drafts=drafts, allow_html=config.allow_html, workers=workers)
        site, graph_problems = graph.build_graph(loaded)
    diagnostics = list(loaded.diagnostics) + graph_problems
    if strict:
        diagnostics = [d.as_error() if d.severity is Severity.WARNING else d for d in diagnostics]
    diagnostics = sort_diagnostics(diagnostics)
    if has_errors(diagnostics):
        return BuildResult(diagnostics, built=False, out=out)

    # 3. emit into 4. a staging folder, swapped in whole only when every emitter succeeded
    theme_templates, theme_static = theme.default_theme()
    ctx = Context(
        config=config,
        site=site,
        layout=graphview.whole_site(site),
        template_dirs=(resolve(config, config.templates), theme_templates),
        static_dirs=(theme_static, resolve(config, config.static)),
        last_broken=last_broken(config),
        workers=workers,
    )
    staging = Staging(out)
    pages = 0
    try:
        for emitter in EMITTERS:
            for output in emitter(ctx):
                if cancelled is not None and cancelled():
                    raise BuildCancelled
                pages += _write(staging, output)
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return BuildResult(
        diagnostics,
        built=True,
        out=out,
        pages=pages,
        notes=len(site.notes),
        resources=len(site.resources),
        topics=len(site.topics),
        seconds=time.perf_counter() - started,
    )


def _write(staging: Staging, output: Output) -> int:
    """Write one output; 1 when it is an HTML page (the count the summary line reports)."""
    if isinstance(output, Page):
        staging.write(output.path, output.content)
        return output.path.endswith(".html")
    staging.copy(output.path, output.source)
    return 0
