"""The build: load → graph → emit → write, as a list of steps, and what it reports."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from llmnotes import __version__, bibliography, buildcache, graph, graphview, render, search, theme, urls
from llmnotes.ahead import Ahead, Meanwhile
from llmnotes.config import Config, ConfigError, resolve
from llmnotes.diagnostics import Diagnostic, Severity, display_path, has_errors, sort_diagnostics
from llmnotes.emit import BrokenLink, BuildCancelled, Context, Copy, Emitter, Keep, LastBroken, Output, Page, Staged, never
from llmnotes.heap import default_workers, long_lived_heap
from llmnotes.links import cache as link_cache
from llmnotes.links.result import Verdict
from llmnotes.load import asset_problems, load_all
from llmnotes.normalize import fetch_key
from llmnotes.write import MARKER, Staging, Update, is_llmnotes_site, remove_stale


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
    render.pages,  # every page from a template: HTML, the feed, the sitemap, robots.txt
    search.emit,  # search-index/: the word index in small scripts
    graphview.emit,  # graph/data.js: what the canvas draws a large graph from
    graph.emit_json,  # graph.json: the graph for other tools
    bibliography.emit,  # resources.bib, resources.json (CSL-JSON), resources.ris
)
# Those that need no page rendered first, and take seconds on a large site: after an edit they are
# made ahead, on another core while the pages are worked out (`ahead`), and written after them.
AHEAD: tuple[Emitter, ...] = (search.emit, graphview.emit, graph.emit_json, bibliography.emit)


@dataclass
class Session:
    """What `serve` keeps between its builds: the build cache in memory (read from disk once, saved
    when the preview stops, not twice per edit), and who to tell once an edit's pages are in."""

    cache: buildcache.BuildCache | None = None
    on_pages: Callable[[], None] | None = None
    unsaved: bool = False  # the cache on disk was removed: it no longer describes the output folder
    context: Context | None = None  # what the pages on disk were rendered from, for `fastrender`

    def save(self, config: Config) -> None:
        if self.cache is not None and self.unsaved:
            buildcache.save(buildcache.cache_file(config.root, resolve(config, config.out)), self.cache)
            self.unsaved = False


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
    changed: int = 0  # files written (all of them, unless the last build could be updated)
    unannotated: tuple[str, ...] = ()  # `path:line:col` of resources whose note: the author has yet to write


def check_output_folder(config: Config, out: Path, notes: Path) -> None:
    """Refuse an output folder whose replacement would destroy sources or someone else's files:
    llmnotes replaces only a folder it built itself (it holds `write.MARKER`), an empty one, or
    one that does not exist yet."""
    shown = display_path(out)
    if out.is_symlink():
        raise ConfigError(f"error: output folder '{shown}' is a symbolic link; give the folder it points to, or another one")
    out_r = out.resolve()
    for path in (notes, resolve(config, config.templates), resolve(config, config.static), config.root, Path.cwd()):
        p = path.resolve()
        if out_r == p or p.is_relative_to(out_r):
            raise ConfigError(f"error: output folder '{shown}' contains '{display_path(path)}', which a build would delete")
    for path in (notes, resolve(config, config.templates), resolve(config, config.static)):
        if out_r.is_relative_to(path.resolve()):
            raise ConfigError(f"error: output folder '{shown}' is inside '{display_path(path)}', which a build reads; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"error: output '{shown}' exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not is_llmnotes_site(out):
        raise ConfigError(
            f"error: '{shown}' is not empty and was not built by llmnotes (it has no {MARKER} file), so a build "
            "would delete what is in it; choose another --out, or move those files away first"
        )


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


def build_site(
    config: Config,
    drafts: bool = False,
    strict: bool = False,
    cancelled: Callable[[], bool] | None = None,
    workers: int | None = None,
    no_cache: bool = False,
    session: Session | None = None,
) -> BuildResult:
    """Build the site, or report why not. The output folder is only touched by a good build.

    With the build cache (`buildcache`; `no_cache` ignores it), unchanged notes are not parsed,
    unchanged pages not rendered and unchanged files not written. `cancelled` is asked between
    outputs; when it says yes, the build stops and changes nothing. `workers`: processes for
    loading and rendering (default: one per CPU). `session`: `serve`'s state between builds."""
    workers = workers if workers is not None else default_workers()
    started = time.perf_counter()
    notes_dir = resolve(config, config.notes)
    out = resolve(config, config.out)
    if not notes_dir.is_dir():
        raise ConfigError(f"error: notes folder '{notes_dir}' not found")
    check_output_folder(config, out, notes_dir)
    cache_path = buildcache.cache_file(config.root, out)
    with _one_build_at_a_time(cache_path.with_suffix(".lock"), out), _terminated_on_sigterm():
        remove_stale(out)
        return _build(config, notes_dir, out, cache_path, drafts, strict, cancelled, workers, no_cache, started, session)


class Terminated(BaseException):
    """SIGTERM (what CI sends when a job is cancelled) arrived during a build: like Ctrl-C, it
    unwinds through the build, whose staging folder is removed on the way out."""


@contextlib.contextmanager
def _terminated_on_sigterm() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals (`serve` builds in a worker thread)
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _one_build_at_a_time(lock: Path, out: Path) -> Iterator[None]:
    """Two builds into one folder at once would swap folders under each other: the second one
    stops with a clear message instead."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a+")
    except OSError as exc:
        raise ConfigError(f"error: cannot create the build lock {display_path(lock)}: {exc.strerror}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"error: another llmnotes build into '{display_path(out)}' is running; run this one when it is done") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(
    config: Config,
    notes_dir: Path,
    out: Path,
    cache_path: Path,
    drafts: bool,
    strict: bool,
    cancelled: Callable[[], bool] | None,
    workers: int,
    no_cache: bool,
    started: float,
    session: Session | None = None,
) -> BuildResult:
    key = buildcache.cache_key(config.allow_html)
    remembered = session is not None and session.cache is not None and session.cache.key == key
    theme_templates, theme_static = theme.default_theme()
    template_dirs = (resolve(config, config.templates), theme_templates)
    static_dirs = (theme_static, resolve(config, config.static))

    # 0. nothing changed since the last good build into `out`: nothing to do
    snapshot_path = buildcache.snapshot_file(cache_path)
    link_cache_file = resolve(config, config.links.cache) if config.links.cache is not None else None
    # The sources as the build begins, before it reads them: a note saved while it runs is then
    # seen by the next build as changed, never taken for built. Not in `serve`, which keeps no shortcut.
    stats = None
    if session is None:
        settings = f"{__version__}\x1f{config!r}\x1f{drafts}\x1f{os.environ.get('SOURCE_DATE_EPOCH', '')}"
        stats = buildcache.source_stats(settings, [notes_dir, *template_dirs, *static_dirs])
    written_by_llmnotes = [out / "index.html", *([link_cache_file] if link_cache_file else [])]
    snapshot = None if no_cache or remembered else buildcache.load_snapshot(snapshot_path, key)
    if (
        stats is not None
        and snapshot is not None
        and snapshot.trusted
        and snapshot.sources == buildcache.sources_digest(stats, written_by_llmnotes)
        and out.is_dir()
    ):
        return _unchanged(snapshot, out, strict, started)

    if no_cache:
        cache = buildcache.BuildCache(key)
    elif remembered:
        assert session is not None and session.cache is not None
        cache = session.cache
    else:
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
    with long_lived_heap():
        loaded = load_all(notes_dir, drafts=drafts, allow_html=config.allow_html, workers=workers, cache=cache.notes)
        _stop_if(cancelled)  # the notes parsed so far stay in the cache
        site, graph_problems = graph.build_graph(loaded, cache.resources)
        _stop_if(cancelled)
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
    ctx = Context(
        config=config,
        site=site,
        layout=graphview.whole_site(site),
        template_dirs=template_dirs,
        static_dirs=static_dirs,
        last_broken=last_broken(config),
        workers=workers,
        cancelled=cancelled or never,
        inputs=_inputs(config, drafts, site, template_dirs),
        unchanged=functools.partial(buildcache.unchanged, previous, out),
        unchanged_folder=functools.partial(buildcache.unchanged_folder, previous, out),
    )
    writer: Staging | Update = Update(out) if previous else Staging(out)
    written: dict[str, buildcache.Written] = {}
    ahead = Ahead(ctx, AHEAD) if _ahead_pays(ctx, previous, session) else None
    meanwhile = Meanwhile(ctx, AHEAD) if ahead is None and session is None else None
    early = ahead or meanwhile
    emitting = replace(ctx, stage=functools.partial(_stage, writer, previous, out), meanwhile=meanwhile.run if meanwhile else None)
    try:
        for emitter in EMITTERS:
            for output in early.outputs(emitter) if early is not None and emitter in AHEAD else emitter(emitting):
                _stop_if(cancelled)
                written[output.path] = _write(writer, output, previous, out)
            if emitter is render.pages and session is not None and session.on_pages is not None and isinstance(writer, Update):
                writer.commit_so_far()  # a preview: the edit's pages now, the site-wide files after
                cache.outputs = {**previous, **written}  # what is on disk now, should a newer edit cancel the rest
                session.context = ctx
                session.on_pages()
        if isinstance(writer, Update):
            writer.commit(gone=[path for path in previous if path not in written])
        else:
            writer.commit()
    except BaseException:
        writer.discard()
        raise
    finally:
        if ahead is not None:
            ahead.close()
    cache.outputs = written
    cache.resources = site.resource_stamps
    keep(cache)
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
        seconds=time.perf_counter() - started,
        changed=len(writer.changed) if isinstance(writer, Update) else len(written),
        unannotated=tuple(f"{e.place.path}:{e.place.line}:{e.place.col}" for n in site.notes.values() for e in n.links if not e.note),
    )
    if stats is None:  # serve knows what changed: no shortcut to prepare (the snapshot stays cleared)
        return result
    # the sources as the build began, and the index page just written, for the next build's shortcut
    sources = buildcache.sources_digest(stats, written_by_llmnotes)
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


def _stop_if(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise BuildCancelled


def _unchanged(snapshot: buildcache.Snapshot, out: Path, strict: bool, started: float) -> BuildResult:
    """The result of a build whose inputs are those of the last good one: its diagnostics again
    (warnings are worth repeating; with --strict they may now fail the build), nothing written."""
    diagnostics = [Diagnostic(p, line, col, message, Severity(severity)) for p, line, col, message, severity in snapshot.diagnostics]
    if strict:
        diagnostics = [d.as_error() if d.severity is Severity.WARNING else d for d in diagnostics]
    diagnostics = sort_diagnostics(diagnostics)
    if has_errors(diagnostics):
        return BuildResult(diagnostics, built=False, out=out)
    seconds = time.perf_counter() - started
    return BuildResult(
        diagnostics, True, out, snapshot.pages, snapshot.notes, snapshot.resources, snapshot.topics, seconds, changed=0, unannotated=snapshot.unannotated
    )


def _inputs(config: Config, drafts: bool, site: graph.Site, template_dirs: tuple[Path, ...]) -> str:
    """A digest of what every page depends on: llmnotes' version, the settings, the templates and
    the topics every footer lists. When it changes, every page is rendered again."""
    parts = [__version__, repr(config), str(drafts), repr([(s, site.topics[s].title) for s in site.footer_topics]), str(len(site.top_topics))]
    for folder in template_dirs:
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts.append(f"{path.relative_to(folder)}={buildcache.file_digest(path)}")
    return buildcache.digest("\x1f".join(parts).encode())


def _write(writer: Staging | Update, output: Output, previous: dict[str, buildcache.Written], out: Path) -> buildcache.Written:
    """Write one output unless the last build wrote the same bytes there; what the cache records."""
    if isinstance(output, Keep):
        return previous[output.path]
    if isinstance(output, Page):
        output = _stage(writer, previous, out, output)
    if isinstance(output, Staged):
        if output.wrote:
            writer.adopt(output.path)
        return buildcache.Written(output.fingerprint, output.digest, output.size)
    entry = buildcache.Written("", buildcache.file_digest(output.source), output.source.stat().st_size)
    if not buildcache.same_bytes(previous, out, output.path, entry):
        writer.copy(output.path, output.source)
    return entry


def _stage(writer: Staging | Update, previous: dict[str, buildcache.Written], out: Path, page: Page) -> Staged:
    """Put a page in the writer's folder unless the last build wrote the same bytes there. Run by
    the page workers (`Context.stage`) as well as here; `_write` records what it did, in order."""
    content_digest = buildcache.digest(page.content)
    wrote = not buildcache.same_bytes(previous, out, page.path, buildcache.Written(page.fingerprint, content_digest, len(page.content)))
    if wrote:
        writer.put(page.path, page.content)
    return Staged(page.path, page.fingerprint, content_digest, len(page.content), wrote)
