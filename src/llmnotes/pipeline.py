"""Steps 1–4 of a build (`build` runs step 0): load the notes, build the site graph, emit every
output, write them into the output folder, and record what the next build's shortcut compares with.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from llmnotes import __version__, bibliography, buildcache, graph, render, search, theme, urls
from llmnotes.ahead import Ahead, Look, Meanwhile
from llmnotes.build import BuildResult, Job, Session
from llmnotes.config import Config, resolve
from llmnotes.diagnostics import Severity, display_path, has_errors, sort_diagnostics
from llmnotes.emit import BrokenLink, BuildCancelled, Context, Copy, Emitter, Keep, LastBroken, Output, Page, Staged, never
from llmnotes.heap import long_lived_heap, signals_held
from llmnotes.links import cache as link_cache
from llmnotes.links.result import Verdict
from llmnotes.load import asset_problems, load_all
from llmnotes.normalize import fetch_key
from llmnotes.write import Staging, Update


def emit_assets(ctx: Context) -> Iterator[Copy]:
    """Files the notes keep beside them (images, PDFs)."""
    for asset in ctx.site.assets:
        yield Copy(urls.asset_path(asset.relpath), asset.path)


# Every output of a build, in the order it is written. Each emitter owns one kind of output.
# In this order so that what a page needs (its stylesheet, its images) comes before it, and the
# pages before the site-wide files: `serve` shows an edit once the pages are in (`Session.on_pages`).
EMITTERS: tuple[Emitter, ...] = (
    theme.emit_static,  # static/: the theme's files, the site's overrides, pygments.css
    emit_assets,  # assets/: the notes' own files
    render.pages,  # every page from a template but one: HTML, the feed, the sitemap, robots.txt
    render.whole_graph,  # graph/index.html and graph/data.js: the whole-site graph, laid out once
    search.emit,  # search-index/: the word index in small scripts
    graph.emit_json,  # graph.json: the graph for other tools
    bibliography.emit,  # resources.bib, resources.json (CSL-JSON), resources.ris
)
# Those that need no page rendered first, and take seconds on a large site: after an edit they are
# made ahead, on another core while the pages are worked out (`ahead`), and written after them.
# The forked process takes them from the first (the search index, the longest), the build's own
# from the last once its pages are done. The last, the bibliography, is always the build's: it
# makes it faster than the forked process would (its citation keys are known from the plan of
# pages, `pageplan`, worked out again in the other: 0.11 s at 10,000 notes).
AHEAD: tuple[Emitter, ...] = (search.emit, graph.emit_json, render.whole_graph, bibliography.emit)


def last_broken(config: Config) -> LastBroken:
    """What `check-links` last saw of each URL, from its cache, so pages can flag broken links.
    An unreadable cache costs the flags, never the build."""
    results = {}
    if config.links.cache is not None:
        results = link_cache.load(resolve(config, config.links.cache), max_age=None, good_only=False)

    broken = {key: r for key, r in results.items() if r.verdict is Verdict.BROKEN}

    def lookup(url: str) -> BrokenLink | None:
        result = broken.get(fetch_key(url)) if broken else None
        if result is None:
            return None
        return BrokenLink(result.error, dt.datetime.fromtimestamp(result.checked_at, dt.UTC).date())

    return lookup


def run(job: Job) -> BuildResult:
    """Steps 1 to 4, for a build whose step 0 found something changed (or was told not to look)."""
    # the job's fields, by the names the steps below use
    config, notes_dir, out, cache_path, key = job.config, job.notes_dir, job.out, job.cache_path, job.key
    template_dirs, static_dirs, drafts, strict, workers = job.template_dirs, job.static_dirs, job.drafts, job.strict, job.workers
    cancelled, session, stats, snapshot_path = job.cancelled, job.session, job.stats, job.snapshot_path
    look = None
    if job.no_cache:
        cache = buildcache.BuildCache(key)
    elif job.remembered:
        assert session is not None and session.cache is not None
        cache = session.cache
    else:
        look = Look(cache_path, key, out) if _look_pays(job) else None
        with long_lived_heap():  # a million objects that live to the end: frozen, never scanned
            cache = buildcache.load(cache_path, key)
    if session is not None:
        session.cache = cache  # mutated in place from here on, so a cancelled build's work is kept too

    def keep(cache: buildcache.BuildCache) -> None:
        if session is not None:  # in memory; serve saves it when it stops
            session.cache = cache
        else:
            buildcache.save(cache_path, cache)

    # 1. load and 2. graph: every problem of every note, reported together
    try:
        with long_lived_heap():
            loaded = load_all(notes_dir, drafts=drafts, allow_html=config.allow_html, workers=workers, cache=cache.notes, known=stats.stamps if stats else None)
            _stop_if(cancelled)  # the notes parsed so far stay in the cache
            site, graph_problems = graph.build_graph(loaded, cache.resources, cache.related)
            _stop_if(cancelled)
    finally:  # the look at the last build's files is done by now, and its process gone whatever happens next
        altered = look.result() if look is not None else None
    diagnostics = list(loaded.diagnostics) + graph_problems + asset_problems(tuple(site.notes.values()), site.assets, config.allow_html)
    diagnostics += theme.outside_links(resolve(config, config.static))
    if strict:
        diagnostics = [d.as_error() if d.severity is Severity.WARNING else d for d in diagnostics]
    diagnostics = sort_diagnostics(diagnostics)
    if has_errors(diagnostics):
        keep(cache)  # the notes parsed so far stay parsed
        return BuildResult(diagnostics, built=False, out=out)

    # 3. emit, then 4. write: into a staging folder swapped in whole (a first or --no-cache build),
    # or, when the last build is there as the cache remembers it, only the files that changed
    buildcache.save_snapshot(snapshot_path, key, None)  # until this build is done, no shortcut
    if session is not None and not session.unsaved:
        # Until the session saves its cache, none on disk: one that no longer describes the output
        # (serve killed) would let a later build keep pages it should write again.
        cache_path.unlink(missing_ok=True)
        session.unsaved = True
    previous = cache.outputs if out.is_dir() else {}
    disk = buildcache.OnDisk(out, altered)
    ctx = Context(
        config=config,
        site=site,
        template_dirs=template_dirs,
        static_dirs=static_dirs,
        last_broken=last_broken(config),
        workers=workers,
        cancelled=cancelled or never,
        inputs=_inputs(config, drafts, site, template_dirs),
        unchanged=functools.partial(buildcache.unchanged, previous, disk),
        keeps=bool(previous),
        unchanged_folder=functools.partial(buildcache.unchanged_folder, previous, disk),
        memos=buildcache.Memos(cache_path, key, reuse=bool(previous), held=session.memos if session is not None else None),
    )
    site.resource_digests  # noqa: B018 (read by the pages' fingerprints and the search index: worked out once, before any fork)
    site.graph_digest  # noqa: B018 (read by both the whole graph and graph.json, which may be made in two processes)
    ahead = Ahead(ctx, AHEAD) if _ahead_pays(ctx, previous, session) else None
    meanwhile = Meanwhile(ctx, AHEAD) if ahead is None and session is None else None
    early = ahead or meanwhile
    written: dict[str, buildcache.Written] = {}

    def alongside() -> None:
        """This process's share while a first build's page workers render: the site-wide files,
        and the parsed notes' part of the build cache, written now rather than after the pages."""
        assert meanwhile is not None
        meanwhile.run()
        buildcache.save_notes(cache_path, cache)

    writer: Staging | Update | None = None
    try:
        try:
            with signals_held():  # made and named before a SIGTERM or Ctrl-C can raise, so always removed on the way out
                writer = Update(out) if previous else Staging(out)
            emitting = replace(ctx, stage=functools.partial(_stage, writer, previous, disk), meanwhile=alongside if meanwhile else None)
            for emitter in EMITTERS:
                for output in early.outputs(emitter) if early is not None and emitter in AHEAD else emitter(emitting):
                    _stop_if(cancelled)
                    written[output.path] = _write(writer, output, previous, disk)
                if emitter is render.pages and session is not None and session.on_pages is not None and isinstance(writer, Update):
                    writer.commit_so_far()  # a preview: the edit's pages now, the site-wide files after
                    cache.outputs = {**previous, **written}  # what is on disk now, should a newer edit cancel the rest
                    session.context = ctx
                    session.on_pages()
            _stop_if(cancelled)  # the last moment to stop: from here the output folder changes
            if isinstance(writer, Update):
                writer.commit(gone=[path for path in previous if path not in written])
            else:
                writer.commit()
        except BaseException:
            if writer is not None:
                writer.discard()
            raise
        cache.outputs = written
        cache.resources = site.resource_stamps
        cache.related = site.related_memo
        keep(cache)
    except BaseException:
        if ahead is not None:
            ahead.close()  # the build failed or was stopped: so is the process
        raise
    if ahead is not None:
        ahead.finish()  # it writes its memos while the cache is saved (`ahead`): done within this build's lock
    if session is not None:
        session.context = ctx
    result = BuildResult(
        diagnostics,
        built=True,
        out=out,
        pages=sum(path.endswith(".html") for path in written),
        notes=len(site.notes),
        resources=len(site.resources),
        topics=len(site.topics),
        seconds=time.perf_counter() - job.started,
        changed=len(writer.changed) if isinstance(writer, Update) else len(written),
        unannotated=tuple(f"{e.place.path}:{e.place.line}:{e.place.col}" for n in site.notes.values() for e in n.links if not e.note),
    )
    if stats is None:  # serve knows what changed: no shortcut to prepare (the snapshot stays cleared)
        return result
    # the sources as the build began, and the index page just written, for the next build's shortcut
    sources = buildcache.sources_digest(stats, job.written_by_llmnotes)
    trusted = buildcache.settled(stats, functools.partial(_loaded_digest, cache))
    kept = tuple((d.path, d.line, d.col, d.message, d.severity.value) for d in loaded.diagnostics + tuple(graph_problems))
    snapshot = buildcache.Snapshot(sources, trusted, result.pages, result.notes, result.resources, result.topics, kept, result.unannotated)
    buildcache.save_snapshot(snapshot_path, key, snapshot)
    return result


def _loaded_digest(cache: buildcache.BuildCache, path: Path) -> str | None:
    """The digest of the bytes a note was built from, None if `path` is not a note of this build."""
    entry = cache.notes.get(display_path(path))
    return entry[0] if entry else None


def _ahead_pays(ctx: Context, previous: dict[str, buildcache.Written], session: Session | None) -> bool:
    """Whether to make the site-wide files ahead (`ahead`): on a large site with a last build to
    update, where few pages are rendered and a core would otherwise wait. Not for a first build,
    whose page workers keep every core busy, nor in `serve`, whose builds run on a thread (a fork
    then is not safe) and show an edit's pages before the site-wide files. Only while no other
    thread runs, so that the fork copies no lock held by one."""
    site = ctx.site
    large = len(site.notes) + len(site.resources) + len(site.topics) >= render.PARALLEL_FROM
    return large and bool(previous) and ctx.workers > 1 and session is None and threading.active_count() == 1


# A build cache of this size or more (some 4,000 files of the last build) has its files looked at
# ahead (`ahead.Look`): below it, the looks take less than forking a process for them.
LOOK_FROM_BYTES = 1_000_000


def _look_pays(job: Job) -> bool:
    """Whether to look at the last build's files in a forked process (`ahead.Look`): for a build
    updating a large site, with a core to spare, and no other thread (a fork copies no lock one holds)."""
    try:
        large = job.cache_path.stat().st_size >= LOOK_FROM_BYTES
    except OSError:
        return False
    return large and job.workers > 1 and job.session is None and threading.active_count() == 1 and job.out.is_dir()


def _stop_if(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise BuildCancelled


def _inputs(config: Config, drafts: bool, site: graph.Site, template_dirs: tuple[Path, ...]) -> str:
    """A digest of what every page depends on: llmnotes' version, the settings, the templates and
    the topics every footer lists. When it changes, every page is rendered again."""
    parts = [__version__, repr(config), str(drafts), repr([(s, site.topics[s].title) for s in site.footer_topics]), str(len(site.top_topics))]
    for folder in template_dirs:
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts.append(f"{path.relative_to(folder)}={buildcache.file_digest(path)}")
    return buildcache.digest("\x1f".join(parts).encode())


def _write(writer: Staging | Update, output: Output, previous: dict[str, buildcache.Written], disk: buildcache.OnDisk) -> buildcache.Written:
    """Write one output unless the last build wrote the same bytes there; what the cache records."""
    if isinstance(output, Keep):
        return previous[output.path]
    if isinstance(output, Page):
        output = _stage(writer, previous, disk, output)
    if isinstance(output, Staged):
        if output.wrote:
            writer.adopt(output.path)
        return buildcache.Written(output.fingerprint, output.digest, output.size)
    entry = buildcache.Written("", buildcache.file_digest(output.source), output.source.stat().st_size)
    if not buildcache.same_bytes(previous, disk, output.path, entry):
        writer.copy(output.path, output.source)
    return entry


def _stage(writer: Staging | Update, previous: dict[str, buildcache.Written], disk: buildcache.OnDisk, page: Page) -> Staged:
    """Put a page in the writer's folder unless the last build wrote the same bytes there. Run by
    the page workers (`Context.stage`) as well as here; `_write` records what it did, in order."""
    content_digest = buildcache.digest(page.content)
    wrote = not buildcache.same_bytes(previous, disk, page.path, buildcache.Written(page.fingerprint, content_digest, len(page.content)))
    if wrote:
        writer.put(page.path, page.content)
    return Staged(page.path, page.fingerprint, content_digest, len(page.content), wrote)
