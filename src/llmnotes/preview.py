"""The preview behind `llmnotes serve`: build, serve, watch, rebuild, reload.

One asyncio program with three parts:

- a web server (aiohttp, already the project's HTTP library) that serves the last good build from
  `.llmnotes/serve/` under the site's base path, with a small script injected into every HTML page;
- a watcher (watchfiles) over the notes, the site's templates and static files, the theme and the
  config file, whose bursts of events are debounced;
- a builder that rebuilds in a worker thread when something changed. A change that arrives while a
  build runs cancels it (`build_site(cancelled=...)`), so the preview never lags behind the editor.

Open pages keep a Server-Sent Events connection: after a good build they reload (or, when only
stylesheets changed, swap them in place); while the notes have errors the last good site stays
served and each page shows the diagnostics in an overlay, which clears on the next good build.
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from llmnotes import theme
from llmnotes.build import BuildCancelled, BuildResult, Session, build_site
from llmnotes.config import Config, ConfigError, resolve
from llmnotes.diagnostics import Severity
from llmnotes.exitcodes import ExitCode

EVENTS = "/__llmnotes/events"
LIVE_SCRIPT = "/__llmnotes/live.js"
DEBOUNCE_MS = 50  # events closer than this are one change: an editor's save is several events
_SCRIPT_TAG = f'<script src="{LIVE_SCRIPT}" defer></script>'.encode()


@dataclass(frozen=True)
class Message:
    """What open pages are told after a build."""

    kind: str  # "reload" | "css" | "errors", and "bye" to close the stream when stopping
    data: object = None

    def encode(self) -> bytes:
        return f"event: {self.kind}\ndata: {json.dumps(self.data)}\n\n".encode()


class Preview:
    """The state the server, the watcher and the builder share."""

    def __init__(self, config: Config, drafts: bool) -> None:
        self.config = config
        self.drafts = drafts
        self.out = resolve(config, config.out)
        self.base_path = urlsplit(config.base_url).path or "/"
        self.clients: set[asyncio.Queue[Message]] = set()
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

    def pages_in(self, changed: set[Path]) -> None:
        """The pages of a good build are in: the open pages may show them now."""
        self.errors = []
        self.version += 1
        self.tell(self.change(changed))

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

    def tell(self, message: Message) -> None:
        for queue in list(self.clients):
            queue.put_nowait(message)

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
        html = target.read_bytes()
        at = html.rfind(b"</body>")
        html = html[:at] + _SCRIPT_TAG + html[at:] if at >= 0 else html + _SCRIPT_TAG
        return web.Response(body=html, status=status, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        queue: asyncio.Queue[Message] = asyncio.Queue()
        self.clients.add(queue)
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
            self.clients.discard(queue)
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
    `since` (the first build's start), before the watcher was on, count too. A folder that does
    not exist when serve starts (an author's first `templates/`) is looked for every half second;
    once there, it is watched too and counts as a change. Its parent is not watched instead: that is
    the site's root, with `.git/` and `node_modules/` in it."""
    from watchfiles import awatch  # imported here: only `serve` needs it

    while not stop.is_set():
        present = [p for p in paths if p.exists()]
        missing = [p for p in paths if not p.exists()]
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
            async for batch in awatch(*present, debounce=DEBOUNCE_MS, step=20, stop_event=until, recursive=True):
                changed = {Path(p) for _, p in batch}
                changed = {p for p in changed if not p.resolve().is_relative_to(ignore)}
                if changed:
                    yield changed
        except (OSError, RuntimeError) as exc:  # a watched folder deleted or renamed under the watcher
            print(f"serve: watching again after: {exc}", file=sys.stderr)
            await asyncio.sleep(APPEAR_S)
        finally:
            ender.cancel()
        since = time.time()  # the next round's scan: what is saved while the watcher restarts
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
    pending: asyncio.Queue[set[Path]] = asyncio.Queue()
    cancel = threading.Event()

    async def watch() -> None:
        async for changed in _changes(watched_paths(config), stop, preview.out.resolve(), first_began):
            cancel.set()  # a build in progress is now out of date
            pending.put_nowait(changed)

    async def rebuild() -> None:
        nonlocal cancel
        while True:
            changed = await pending.get()
            while not pending.empty():  # everything that piled up is one change
                changed |= pending.get_nowait()
            cancel = threading.Event()
            began = time.perf_counter()
            told = threading.Event()

            def pages_in(changed: set[Path] = changed, told: threading.Event = told) -> None:  # in the build's thread
                told.set()
                loop.call_soon_threadsafe(preview.pages_in, changed)

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


