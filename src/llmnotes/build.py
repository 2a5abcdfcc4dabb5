"""The build: 0. stop at once when nothing changed since the last good build, then 1. load →
2. graph → 3. emit → 4. write (`pipeline`). Here: the command's entry point, its locks, and step 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llmnotes import __version__, buildcache, theme
from llmnotes.config import Config, ConfigError, resolve
from llmnotes.diagnostics import Diagnostic, Severity, display_path, has_errors, sort_diagnostics
from llmnotes.emit import Context
from llmnotes.heap import default_workers
from llmnotes.write import MARKER, is_llmnotes_site, remove_stale


@dataclass
class Session:
    """What `serve` keeps between its builds: the build cache in memory (read from disk once, saved
    when the preview stops, not twice per edit), and who to tell once an edit's pages are in."""

    cache: buildcache.BuildCache | None = None
    on_pages: Callable[[], None] | None = None
    unsaved: bool = False  # the cache on disk was removed: it no longer describes the output folder
    context: Context | None = None  # what the pages on disk were rendered from, for `fastrender`
    # What emitters keep for the next build (`buildcache.Memos`), in memory like the cache: a file
    # written on every edit would cost much of the time it saves (11 MB at 10,000 notes).
    memos: dict[str, object] = field(default_factory=dict)

    def save(self, config: Config) -> None:
        if self.cache is not None and self.unsaved:
            path = buildcache.cache_file(config.root, resolve(config, config.out))
            buildcache.save(path, self.cache)
            buildcache.Memos(path, self.cache.key, reuse=True, held=self.memos).save_held()
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
    with _one_build_at_a_time(cache_path.with_suffix(".lock"), out), _terminated_on_sigterm() as terminated:
        remove_stale(out)

        def stop() -> bool:  # asked between outputs: a SIGTERM (raises `Terminated`), or the caller's wish
            return terminated() or (cancelled is not None and cancelled())

        return _build(config, notes_dir, out, cache_path, drafts, strict, stop, workers, no_cache, started, session)


class Terminated(BaseException):
    """SIGTERM (what CI sends when a job is cancelled) arrived during a build: like Ctrl-C, it
    unwinds through the build, whose staging folder is removed on the way out."""


@contextlib.contextmanager
def _terminated_on_sigterm() -> Iterator[Callable[[], bool]]:
    """SIGTERM raises `Terminated` wherever the build is. Python swallows an exception raised in
    some callbacks, though (the fork hooks of `logging`: the build would go on and succeed), so
    the handler also records it, and the check this yields raises it again: the build asks it
    between outputs and before it publishes anything."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False  # only the main thread may handle signals (`serve` builds in a worker thread)
        return
    received = threading.Event()

    def handler(signum: int, frame: object) -> None:
        received.set()
        raise Terminated

    def check() -> bool:
        if received.is_set():
            raise Terminated
        return False

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield check
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
    with handle, buildcache.build_lock(handle) as taken:
        if not taken:
            raise ConfigError(f"error: another llmnotes build into '{display_path(out)}' is running; run this one when it is done")
        buildcache.mark_used(lock)
        yield


@dataclass(frozen=True)
class Job:
    """A build as asked for, and what step 0 found out: all the steps after it need."""

    config: Config
    notes_dir: Path
    out: Path
    cache_path: Path
    key: str  # the build cache's key (llmnotes' version, allow_html)
    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]
    drafts: bool
    strict: bool
    no_cache: bool
    remembered: bool  # `serve` holds this build's cache in memory
    workers: int
    started: float  # time.perf_counter() as the build began
    stats: buildcache.SourceStats | None  # the sources as the build began; None in `serve`
    written_by_llmnotes: tuple[Path, ...]  # files llmnotes writes that the shortcut also compares
    snapshot_path: Path
    cancelled: Callable[[], bool] | None
    session: Session | None


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
    """Step 0 here; the steps after it in `pipeline`, imported only by a build that gets that far:
    one that stops at the shortcut needs none of Jinja, markdown-it or the emitters (on a small
    site, importing them was most of its time)."""
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
    written_by_llmnotes = (out / "index.html", *([link_cache_file] if link_cache_file else []))
    snapshot = None if no_cache or remembered else buildcache.load_snapshot(snapshot_path, key)
    if (
        stats is not None
        and snapshot is not None
        and snapshot.trusted
        and snapshot.sources == buildcache.sources_digest(stats, written_by_llmnotes)
        and out.is_dir()
    ):
        return _unchanged(snapshot, out, strict, started)

    from llmnotes import pipeline

    job = Job(
        config=config, notes_dir=notes_dir, out=out, cache_path=cache_path, key=key, template_dirs=template_dirs,
        static_dirs=static_dirs, drafts=drafts, strict=strict, no_cache=no_cache, remembered=remembered, workers=workers,
        started=started, stats=stats, written_by_llmnotes=written_by_llmnotes, snapshot_path=snapshot_path,
        cancelled=cancelled, session=session,
    )
    return pipeline.run(job)


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
