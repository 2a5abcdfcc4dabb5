"""The preview behind `llmnotes serve`: build, serve, watch, rebuild, reload.

One asyncio program with three parts:

- a web server (aiohttp, already the project's HTTP library) that serves the last good build from
  `.llmnotes/serve/` under the site's base path, with a small script injected into every HTML page;
- a watcher (watchfiles) over the notes, the site's templates and static files, the theme and the
  config file, whose bursts of events are debounced;
- a builder that rebuilds in a worker thread when something changed. A change that arrives while a
  build runs cancels it (`build_site(cancelled=...)`), so the preview never lags behind the editor.

Open pages keep a Server-Sent Events connection, which tells the server which page each shows:
after a good build they reload (or, when only stylesheets changed, swap them in place); while the
notes have errors the last good site stays served and each page shows the diagnostics in an
overlay, which clears on the next good build. Before the build starts, the open pages are rendered
again from the last good build's graph when the change allows it (`fastrender`): they are served
from memory, and reload at once, until the build's pages are in.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from llmnotes import fastrender, theme
from llmnotes.build import BuildResult, Session, build_site
from llmnotes.config import Config, ConfigError, resolve
from llmnotes.diagnostics import Severity
from llmnotes.emit import BuildCancelled, Context
from llmnotes.exitcodes import ExitCode
from llmnotes.graph import Site

EVENTS = "/__llmnotes/events"
LIVE_SCRIPT = "/__llmnotes/live.js"
RELOAD_WAIT_S = 1.0  # after a fast render, the build waits this long at most for the open pages to reload
DEBOUNCE_MS = 50  # events closer than this are one change: an editor's save is several events
_SCRIPT_TAG = f'<script src="{LIVE_SCRIPT}" defer></script>'.encode()


@dataclass(frozen=True)
class Message:
    """What open pages are told after a build."""

    kind: str  # "reload" | "css" | "errors", and "bye" to close the stream when stopping
    data: object = None

    def encode(self) -> bytes:
        return f"event: {self.kind}\ndata: {json.dumps(self.data)}\n\n".encode()


@dataclass(frozen=True)
class Fast:
    """A fast render (`fastrender`): the open pages made again, or the errors of an edited note."""

    pages: dict[str, bytes] = field(default_factory=dict)  # output file -> bytes
    edited: tuple[str, ...] = ()  # display paths of the notes this batch edited
    errors: tuple[str, ...] = ()


class Preview:
    """The state the server, the watcher and the builder share."""

    def __init__(self, config: Config, drafts: bool) -> None:
        self.config = config
        self.drafts = drafts
        self.out = resolve(config, config.out)
        self.base_path = urlsplit(config.base_url).path or "/"
        self.clients: dict[asyncio.Queue[Message], str] = {}  # each open page's stream, and its output file
        # Fast-rendered pages, served instead of the built file until the build of their batch
        # (or a later one) has put its pages in: output file -> (batch number, bytes).
        self.fast: dict[str, tuple[int, bytes]] = {}
        self.batches = 0  # batches of changes seen so far
        self.awaited: dict[str, int] = {}  # fast pages told to reload: how many have yet to come back
        self.back = asyncio.Event()  # set when none are awaited
        self._fast_base: tuple[Context, Site] | None = None  # (context, site): the graph with the fast edits swapped in
        self.errors: list[str] = []  # the diagnostics of the last build, when it failed
        self.version = 0  # good builds so far; pages use it to bust the stylesheet cache
        self.session = Session()
        self.building = threading.Lock()  # one build at a time; the cache is saved between builds

    # -- building ---------------------------------------------------------------------------

    def build(self, cancel: threading.Event, workers: int | None = 1, on_pages: Callable[[], None] | None = None) -> BuildResult | None:
        """One build; None when cancelled by a newer change. Rebuilds run in a worker thread, in
        one process (forking worker processes from a threaded program is not safe); the first
        build, before the server starts, may use every core. The build cache stays in memory
        between builds (`Session`); `on_pages` is called once the edit's pages are in place,
        before the search index and the other site-wide files."""
        with self.building:
            self.session.on_pages = on_pages
            try:
                return build_site(self.config, drafts=self.drafts, cancelled=cancel.is_set, workers=workers, session=self.session)
            except BuildCancelled:
                return None

    def save(self) -> None:
        """Save the build cache once no build is running (one cancelled by the stop ends at its next file)."""
        with self.building:
            self.session.save(self.config)

    def pages_in(self, changed: set[Path], batch: int = 0) -> None:
        """The pages of a good build are in: the open pages may show them now. A page already
        showing what the build wrote (its fast render was right) is not reloaded again."""
        self.errors = []
        self.version += 1
        current = self._drop_fast(batch)
        self.tell(self.change(changed), skip={q for q, shown in self.clients.items() if shown in current})

    def _drop_fast(self, batch: int) -> set[str]:
        """Forget fast pages of this batch and earlier ones; the output files the build wrote alike."""
        current = set()
        for output, (made_in, content) in list(self.fast.items()):
            if made_in <= batch:
                del self.fast[output]
                with contextlib.suppress(OSError):
                    if (self.out / output).read_bytes() == content:
                        current.add(output)
        return current

    def fast_render(self, changed: set[Path], shown: set[str]) -> Fast | None:
        """The open pages (`shown`, output files) rendered again at once, or the errors of an edited
        note; None when the change has to wait for the build (`fastrender`). In a worker thread."""
        ctx = self.session.context
        if ctx is None:
            return None
        base = self._fast_base
        site = base[1] if base is not None and base[0] is ctx else ctx.site
        edit = fastrender.edit_of(ctx, site, changed, resolve(self.config, self.config.notes), ctx.template_dirs)
        if edit is None:
            return None
        if edit.problems:
            return Fast(errors=tuple(str(d) for d in edit.problems))
        self._fast_base = (ctx, edit.site)
        return Fast(pages=fastrender.render(ctx, edit.site, shown), edited=edit.notes)

    def show_fast(self, fast: Fast, batch: int) -> None:
        """Serve the fast pages and reload the open pages that show them, or show an edited note's
        errors now (the build's full list follows). Errors that were all in notes this batch
        loaded cleanly are gone."""
        if fast.errors:
            self.errors = list(fast.errors)
            self.tell(Message("errors", self.errors))
            return
        if self.errors and fast.edited and all(e.startswith(tuple(f"{path}:" for path in fast.edited)) for e in self.errors):
            self.errors = []
        for output, content in fast.pages.items():
            self.fast[output] = (batch, content)
        message = Message("reload", {"version": self.version, "fast": True})
        self.awaited.clear()
        for queue, shown in list(self.clients.items()):
            if shown in fast.pages:
                queue.put_nowait(message)
                self.awaited[shown] = self.awaited.get(shown, 0) + 1
        if self.awaited:
            self.back.clear()

    async def reloaded(self, seconds: float) -> None:
        """Wait until the pages told to reload after a fast render are back (their event streams
        reconnect), at most `seconds`: the build's thread would otherwise slow their loading."""
        if self.awaited:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.back.wait(), seconds)
        self.awaited.clear()

    def change(self, changed: set[Path]) -> Message:
        if changed and all(p.suffix == ".css" for p in changed):
            return Message("css", {"version": self.version})
        return Message("reload", {"version": self.version})

    def report(self, result: BuildResult, seconds: float, changed: set[Path], told: bool = False) -> Message | None:
        """Say what happened, in the terminal and to the pages (unless `pages_in` told them)."""
        for d in result.diagnostics:
            print(d, file=sys.stderr)
        if not result.built:
            self.errors = [str(d) for d in result.diagnostics if d.severity is Severity.ERROR]
            print(f"serve: {len(self.errors)} error(s); still serving the last good build", file=sys.stderr)
            return Message("errors", self.errors)
        print(f"serve: rebuilt {result.pages} pages in {seconds:.2f} s", file=sys.stderr)
        if told:
            return None
        self.errors = []
        self.version += 1
        return self.change(changed)

    def tell(self, message: Message, skip: set[asyncio.Queue[Message]] | None = None) -> None:
        for queue in list(self.clients):
            if not skip or queue not in skip:
                queue.put_nowait(message)

    def output_of(self, path: str) -> str:
        """The output file (relative, POSIX) that answers the URL path `path`, or ""."""
        target = self.file_for(path)
        return "" if target is None else self._relative(target)

    def _relative(self, target: Path) -> str:
        """A file of the output folder as `fast` and `clients` name it."""
        return target.relative_to(self.out.resolve()).as_posix()

    # -- serving -----------------------------------------------------------------------------

    def file_for(self, path: str) -> Path | None:
        """The built file that answers `path`, or None. Never a file outside the output folder."""
        if not path.startswith(self.base_path):
            return None
        rel = path[len(self.base_path) :]
        target = (self.out / rel).resolve()
        root = self.out.resolve()
        if not target.is_relative_to(root):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == self.base_path.rstrip("/") and path:
            raise web.HTTPFound(self.base_path)
        if path.startswith(self.base_path) and not path.endswith("/") and (self.out / path[len(self.base_path) :]).is_dir():
            raise web.HTTPFound(path + "/")  # relative links need the slash, as a static host adds it
        target = self.file_for(path)
        status = 200
        if target is None:
            target, status = self.out / "404.html", 404
            if path == "/" and self.base_path != "/":
                raise web.HTTPFound(self.base_path)
            if not target.is_file():
                return web.Response(status=404, text="not found")
        if target.suffix != ".html":
            return web.FileResponse(target, status=status, headers={"Cache-Control": "no-store"})
        fast = self.fast.get(self._relative(target)) if status == 200 else None
        html = fast[1] if fast is not None else target.read_bytes()
        at = html.rfind(b"</body>")
        html = html[:at] + _SCRIPT_TAG + html[at:] if at >= 0 else html + _SCRIPT_TAG
        return web.Response(body=html, status=status, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        queue: asyncio.Queue[Message] = asyncio.Queue()
        shown = self.clients[queue] = self.output_of(request.query.get("page", ""))
        if self.awaited.get(shown):
            self.awaited[shown] -= 1
            if not any(self.awaited.values()):
                self.back.set()
        try:
            if self.errors:
                await response.write(Message("errors", self.errors).encode())
            await response.write(b": connected\n\n")
            while True:
                message = await queue.get()
                if message.kind == "bye":  # the server is stopping
                    break
                await response.write(message.encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.clients.pop(queue, None)
        return response

    async def live_script(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(Path(__file__).parent / "live.js", headers={"Cache-Control": "no-store"})


def watched_paths(config: Config) -> list[Path]:
    """Everything a build reads: notes (and topics.yaml in them), the site's templates and static
    files, the theme's, and the config file; some may not exist yet (see `_changes`)."""
    theme_templates, theme_static = theme.default_theme()
    paths = [resolve(config, config.notes), resolve(config, config.templates), resolve(config, config.static), theme_templates, theme_static]
    if config.source:
        paths.append(config.root / Path(config.source).name)
    return list(dict.fromkeys(paths))


APPEAR_S = 0.5  # how often a watched folder that does not exist yet (templates/, say) is looked for
# How long the watcher waits for a change before it answers with none: its first answer, either
# way, says it is on, and the folders are scanned once more for what was saved while it started.
READY_MS = 200
# A file's time comes from the kernel's coarse clock, which may lag `time.time()` by a tick: a scan
# for files saved since a moment looks from a little before it (a file found twice is built twice).
CLOCK_SLACK_S = 0.05


def _changed_since(paths: list[Path], since: float, ignore: Path) -> set[Path]:
    """Files under `paths` modified at or after `since`: what changed before the watcher was on."""
    found: set[Path] = set()
    for root in paths:
        for path in [root] if root.is_file() else root.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime >= since and not path.resolve().is_relative_to(ignore):
                    found.add(path)
            except OSError:
                continue
    return found


async def _changes(paths: list[Path], stop: asyncio.Event, ignore: Path, since: float) -> AsyncIterator[set[Path]]:
    """Debounced sets of changed files, leaving out the preview's own output. Files saved since
    `since` (the first build's start), before the watcher was on, count too: they are looked for
    before it starts, and once more when it first answers, for those saved while it started (the
    watcher sees nothing until it is on, and says so only by answering). A folder that does
    not exist when serve starts (an author's first `templates/`) is looked for every half second;
    once there, it is watched too and counts as a change. Its parent is not watched instead: that is
    the site's root, with `.git/` and `node_modules/` in it."""
    from watchfiles import awatch  # imported here: only `serve` needs it

    while not stop.is_set():
        present = [p for p in paths if p.exists()]
        missing = [p for p in paths if not p.exists()]
        scanned = time.time() - CLOCK_SLACK_S
        missed = _changed_since(present, since, ignore)
        if missed:
            yield missed
        until = asyncio.Event()  # this round of watching ends when serve stops or a folder appears

        async def end_round(missing: list[Path] = missing, until: asyncio.Event = until) -> None:
            while not stop.is_set() and not any(p.exists() for p in missing):
                await asyncio.sleep(APPEAR_S)
            until.set()

        ender = asyncio.create_task(end_round())
        try:
            watching = False
            async for batch in awatch(*present, debounce=DEBOUNCE_MS, step=20, stop_event=until, rust_timeout=READY_MS, yield_on_timeout=True, recursive=True):
                changed = {Path(p) for _, p in batch}
                if not watching:  # its first answer: the watcher is on, and sees every save from now
                    watching = True
                    changed |= _changed_since(present, scanned, ignore)  # saved while it started, unseen
                changed = {p for p in changed if not p.resolve().is_relative_to(ignore)}
                if changed:
                    yield changed
        except (OSError, RuntimeError) as exc:  # a watched folder deleted or renamed under the watcher
            print(f"serve: watching again after: {exc}", file=sys.stderr)
            await asyncio.sleep(APPEAR_S)
        finally:
            ender.cancel()
        since = time.time() - CLOCK_SLACK_S  # the next round's scan: what is saved while the watcher restarts
        appeared = {p for p in missing if p.exists()}
        if appeared and not stop.is_set():
            yield {f for p in appeared for f in ([p] if p.is_file() else p.rglob("*"))} or appeared


async def run(config: Config, drafts: bool, host: str, port: int, open_browser: bool) -> ExitCode:
    preview = Preview(config, drafts)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    first_began = time.time()  # a note saved from now on, before the watcher is on, is rebuilt too
    first = preview.build(threading.Event(), workers=None)  # nothing else runs yet
    assert first is not None
    preview.report(first, time.perf_counter() - started, set())
    preview.save()  # the first build's cache is good to keep, whatever happens next
    if not first.built and not (preview.out / "index.html").is_file():
        print("serve: fix the errors above; the preview starts serving once the notes build", file=sys.stderr)

    app = web.Application()
    app.router.add_get(EVENTS, preview.events)
    app.router.add_get(LIVE_SCRIPT, preview.live_script)
    app.router.add_get("/{tail:.*}", preview.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"error: port {port} on {host} is already in use; choose another with --port") from None
        raise ConfigError(f"error: cannot listen on {host}:{port}: {exc.strerror}") from None
    address = f"http://{host}:{port}{preview.base_path}"
    print(f"serve: {address} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    if open_browser:
        webbrowser.open(address)

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    pending: asyncio.Queue[tuple[int, set[Path]]] = asyncio.Queue()
    cancel = threading.Event()
    fast_done: dict[int, asyncio.Task[None]] = {}  # each batch's fast render, which its build waits for
    one_fast = asyncio.Lock()  # fast renders in the order of their batches, each from the one before

    async def watch() -> None:
        async for changed in _changes(watched_paths(config), stop, preview.out.resolve(), first_began):
            cancel.set()  # a build in progress is now out of date
            preview.batches += 1
            fast_done[preview.batches] = asyncio.create_task(fast_render(changed, preview.batches))
            pending.put_nowait((preview.batches, changed))

    async def fast_render(changed: set[Path], batch: int) -> None:
        """The open pages first, from the last good graph, when the change allows it."""
        async with one_fast:
            shown = {s for s in preview.clients.values() if s}
            began = time.perf_counter()
            try:
                fast = await loop.run_in_executor(None, preview.fast_render, changed, shown)
            except Exception as exc:  # a template error, say: the build reports it
                print(f"serve: fast render skipped: {exc}", file=sys.stderr)
                return
            if fast is None:
                return
            preview.show_fast(fast, batch)
        if fast.pages:
            print(f"serve: showed {len(fast.pages)} open page(s) in {time.perf_counter() - began:.2f} s; rebuilding the rest", file=sys.stderr)
            await preview.reloaded(RELOAD_WAIT_S)

    async def rebuild() -> None:
        nonlocal cancel
        while True:
            batch, changed = await pending.get()
            while not pending.empty():  # everything that piled up is one change
                batch, more = pending.get_nowait()
                changed |= more
            for done in [b for b in fast_done if b <= batch]:
                await fast_done.pop(done)  # the open pages first
            cancel = threading.Event()
            began = time.perf_counter()
            told = threading.Event()

            def pages_in(changed: set[Path] = changed, told: threading.Event = told, batch: int = batch) -> None:  # in the build's thread
                told.set()
                loop.call_soon_threadsafe(preview.pages_in, changed, batch)

            try:
                result = await loop.run_in_executor(None, preview.build, cancel, 1, pages_in)
            except Exception as exc:  # a template error, say: report it, keep serving
                preview.errors = [f"error: {exc}"]
                print(f"serve: build failed: {exc}", file=sys.stderr)
                preview.tell(Message("errors", preview.errors))
                continue
            if result is None:
                continue  # cancelled: the newer change is already queued
            message = preview.report(result, time.perf_counter() - began, changed, told.is_set())
            if message is not None:
                preview.tell(message)

    tasks = [asyncio.create_task(watch()), asyncio.create_task(rebuild())]
    await stop.wait()
    print("serve: stopped", file=sys.stderr)
    for task in tasks:
        task.cancel()
    preview.tell(Message("bye"))
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks)
    await runner.shutdown()
    await runner.cleanup()
    cancel.set()
    await loop.run_in_executor(None, preview.save)  # after the build the stop cancelled, which left it consistent
    return ExitCode.OK


