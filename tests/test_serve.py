"""`llmnotes serve`, end to end: a real server in a subprocess, a real browser, real file edits."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import TOPICS, TRANSFORMERS, tree_bytes, write_files
from llmnotes import buildcache
from llmnotes.build import build_site
from llmnotes.config import load_config
from llmnotes.emit import BuildCancelled
from test_browser import browser, page  # noqa: F401  (fixtures: Debian's Chromium through Playwright)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serving:
    """`llmnotes serve` running in a subprocess on a site folder; stderr collected as it comes."""

    def __init__(self, root: Path, *args: str) -> None:
        self.root, self.port = root, _free_port()
        env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "llmnotes", "serve", "--port", str(self.port), *args],
            cwd=root, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )
        self.lines: list[str] = []
        # stderr is read on a thread, so a wait ends at its timeout even when serve prints nothing more
        self._incoming: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("serve: http://")

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._incoming.put(line)
        self._incoming.put(None)  # closed: serve has exited

    def _next(self, deadline: float) -> str | None:
        """The next line serve printed, or None once it has exited or the deadline has passed."""
        try:
            line = self._incoming.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            return None
        if line is None:
            self._incoming.put(None)  # and for every later wait
        else:
            self.lines.append(line)
        return line

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while (line := self._next(deadline)) is not None:
            if text in line:
                return line
        raise AssertionError(f"never saw {text!r} within {timeout:g} s; stderr so far:\n{''.join(self.lines)}")

    def rest(self, timeout: float = 20) -> str:
        """What serve printed after the last line waited for, once it has exited."""
        deadline = time.monotonic() + timeout
        return "".join(iter(lambda: self._next(deadline), None))

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=20)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write_files(root, {
        "notes/topics.yaml": TOPICS,
        "notes/transformers.md": TRANSFORMERS.replace("![diagram](diagram.png)", "").replace("[[scaling]] next, or [[scaling#chinchilla|the Chinchilla part]]", "on"),
        "static/style.css": "body { color: rgb(1, 2, 3); }\n",
    })
    return root


@pytest.fixture
def serving(site: Path) -> Iterator[Serving]:
    server = Serving(site)
    yield server
    if server.process.poll() is None:
        server.stop()


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def test_an_edit_reloads_the_page_and_errors_show_then_clear(serving: Serving, site: Path, page) -> None:  # noqa: F811
    note = site / "notes" / "transformers.md"
    page.goto(serving.url("notes/transformers/"))
    assert page.locator("h1").first.inner_text() == "The transformer"
    page.wait_for_function("document.readyState === 'complete'")
    time.sleep(0.3)  # the event stream connects

    _edit(note, "title: The transformer", "title: The transformer, edited")
    page.wait_for_function("document.querySelector('h1').textContent === 'The transformer, edited'", timeout=10_000)

    _edit(note, "title: The transformer, edited", "title: [unclosed")
    overlay = page.locator("#llmnotes-errors")
    overlay.wait_for(timeout=10_000)
    assert "notes/transformers.md:3:8: error: invalid YAML" in overlay.inner_text() and overlay.get_attribute("role") == "alert"
    assert page.locator("h1").first.inner_text() == "The transformer, edited"  # the last good build, still served
    assert "error" in serving.wait_for("still serving the last good build")

    page.reload()  # a page opened while the notes are broken shows the errors at once
    overlay.wait_for(timeout=10_000)

    _edit(note, "title: [unclosed", "title: The transformer, fixed")
    page.wait_for_function("document.querySelector('h1').textContent === 'The transformer, fixed'", timeout=10_000)
    assert page.locator("#llmnotes-errors").count() == 0
    assert page.errors == []


def test_an_open_page_is_rendered_first_and_not_reloaded_again_by_the_build(serving: Serving, site: Path, page) -> None:  # noqa: F811
    """A note's own text edited: the open page is rendered from the last graph and reloaded at once
    (fast render); the build then writes the same bytes, so the page is not reloaded a second time."""
    note = site / "notes" / "transformers.md"
    page.goto(serving.url("notes/transformers/"))
    page.wait_for_function("document.readyState === 'complete'")
    time.sleep(0.3)  # the event stream connects
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))

    _edit(note, "summary: How attention works.", "summary: How attention works, fast.")
    page.wait_for_function("document.body.textContent.includes('works, fast')", timeout=10_000)
    assert "showed 1 open page(s)" in serving.wait_for("serve: showed")
    serving.wait_for("serve: rebuilt")
    # A second reload, were one sent, would have happened by now. Waited for through Playwright, not
    # time.sleep: its sync API hands the page's events to `page.on` handlers only inside its calls,
    # and the text above can show before the first reload's own load event has fired.
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert len(loads) == 1

    _edit(note, "topics: [foundations, attention]", "topics: [foundations]")  # the graph changes: the build reloads it
    page.wait_for_function("!document.querySelector('a[href$=\"topics/attention/\"]')", timeout=10_000)
    assert "serve: showed" not in serving.wait_for("serve: rebuilt")
    assert len(loads) == 2


def test_a_stylesheet_change_is_swapped_in_without_a_reload(serving: Serving, site: Path, page) -> None:  # noqa: F811
    page.goto(serving.url("notes/transformers/"))
    time.sleep(0.3)
    page.evaluate("window.stillHere = true")
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(1, 2, 3)"
    (site / "static" / "style.css").write_text("body { color: rgb(4, 5, 6); }\n")
    page.wait_for_function("getComputedStyle(document.body).color === 'rgb(4, 5, 6)'", timeout=10_000)
    assert page.evaluate("window.stillHere") is True  # no reload


def test_unknown_pages_get_the_404_page_and_folders_their_slash(serving: Serving) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(serving.url("no/such/page/"))
    assert missing.value.code == 404 and "Page not found" in missing.value.read().decode()
    with urllib.request.urlopen(serving.url("notes/transformers")) as redirected:  # urllib follows the 302
        assert redirected.url.endswith("/notes/transformers/")
    with urllib.request.urlopen(serving.url("static/style.css")) as css:
        assert b"__llmnotes" not in css.read()  # only HTML gets the script
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(serving.url("../../etc/passwd"))


def test_a_subpath_site_is_served_under_its_path(site: Path) -> None:
    (site / "llmnotes.toml").write_text('base_url = "https://example.org/sub/"\n')
    server = Serving(site)
    try:
        assert server.lines[-1].strip().endswith(f":{server.port}/sub/ (Ctrl-C to stop)")
        with urllib.request.urlopen(server.url("")) as home:  # / redirects to the site's path
            assert home.url.endswith("/sub/")
            html = home.read().decode()
        assert 'href="notes/transformers/"' in html and "/__llmnotes/live.js" in html
        with urllib.request.urlopen(server.url("sub/notes/transformers/")) as note:
            assert note.status == 200
    finally:
        assert server.stop() == 0


def test_ctrl_c_exits_cleanly_and_a_busy_port_is_exit_2(serving: Serving, site: Path) -> None:
    busy = subprocess.run(
        [sys.executable, "-m", "llmnotes", "serve", "--port", str(serving.port)], cwd=site, capture_output=True, text=True, timeout=60
    )
    assert busy.returncode == 2
    assert f"port {serving.port} on 127.0.0.1 is already in use" in busy.stderr and "Traceback" not in busy.stderr
    cache = buildcache.cache_file(site, site / ".llmnotes" / "serve")
    _edit(site / "notes" / "transformers.md", "title: The transformer", "title: The transformer, again")
    serving.wait_for("serve: rebuilt")
    assert not cache.exists()  # in memory while serving: on disk it would not describe the preview
    assert serving.stop() == 0
    rest = serving.rest()
    assert "serve: stopped" in rest and "Traceback" not in rest
    assert cache.is_file()  # saved on the way out, for the next session


def test_a_burst_of_saves_is_one_rebuild(serving: Serving, site: Path) -> None:
    note = site / "notes" / "transformers.md"
    text = note.read_text()
    for i in range(10):  # what an editor's save, a formatter and a git checkout look like
        note.write_text(text.replace("title: The transformer", f"title: The transformer {i}"))
        time.sleep(0.005)
    serving.wait_for("serve: rebuilt")
    time.sleep(1.0)
    serving.stop()
    seen = serving.lines[-1:]
    rest = serving.rest()
    rebuilds = sum("serve: rebuilt" in line for line in seen + rest.splitlines())
    assert rebuilds <= 2, rest


def test_a_cancelled_build_changes_nothing(site: Path, tmp_path: Path) -> None:
    config = load_config(site).with_options(out=tmp_path / "out")
    assert build_site(config).built
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    _edit(site / "notes" / "transformers.md", "title: The transformer", "title: Changed")
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3  # a newer change arrives while the build runs

    with pytest.raises(BuildCancelled):
        build_site(config, cancelled=cancelled)
    after = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no staging folder left behind


def test_a_session_shows_the_pages_first_keeps_its_cache_in_memory_and_stays_exact_when_cancelled(site: Path, tmp_path: Path) -> None:
    """`serve`'s builds: pages are in the output before the search index is redone (`on_pages`);
    the cache on disk is removed until the session saves it, and the search memo is held in memory
    until then; and a build cancelled after its pages went in leaves a cache that knows it, so
    undoing the edit writes the page back."""
    from llmnotes import buildcache, search
    from llmnotes.build import Session

    config = load_config(site).with_options(out=tmp_path / "out")
    out = tmp_path / "out"
    cache_file = buildcache.cache_file(config.root, out)
    session = Session()
    memo = cache_file.with_name(f"{cache_file.stem}.{search.MEMO}.pickle")
    assert build_site(config, session=session).built and not cache_file.exists() and not memo.exists()  # in memory only
    assert isinstance(session.memos[search.MEMO], search.Memo)
    session.save(config)
    assert cache_file.is_file() and memo.is_file()
    shown = out / "notes" / "transformers" / "index.html"
    original = shown.read_bytes()
    note = site / "notes" / "transformers.md"
    text = note.read_text()

    seen: list[tuple[bytes, bool]] = []
    session.on_pages = lambda: seen.append((shown.read_bytes(), (out / "search-index").is_dir()))
    _edit(note, "title: The transformer", "title: The transfOrmer")  # same size: only the bytes tell
    assert build_site(config, session=session).built
    assert b"The transfOrmer" in seen[0][0] and not cache_file.exists()  # the page was in when told
    memo.unlink()

    # cancelled right after the pages went in; then the edit is undone
    _edit(note, "title: The transfOrmer", "title: The TRANSFORMER")
    calls = {"pages": False}

    def told() -> None:
        calls["pages"] = True

    session.on_pages = told
    with pytest.raises(BuildCancelled):
        build_site(config, session=session, cancelled=lambda: calls["pages"])
    assert b"The TRANSFORMER" in shown.read_bytes()  # the pages of the cancelled build are in
    _edit(note, "title: The TRANSFORMER", "title: The transfOrmer")  # back to what the cache last recorded
    session.on_pages = None
    assert build_site(config, session=session).built
    assert b"The transfOrmer" in shown.read_bytes()  # written again, though its size is the same
    note.write_text(text)
    assert build_site(config, session=session).built
    assert shown.read_bytes() == original
    clean = tmp_path / "clean"
    assert build_site(config.with_options(out=clean), no_cache=True).built
    assert tree_bytes(out) == tree_bytes(clean)
    assert not memo.exists()  # the session's edits kept it in memory
    session.save(config)
    assert cache_file.is_file() and memo.is_file()


def test_a_templates_folder_made_while_serving_is_watched_from_then_on(serving: Serving, site: Path) -> None:
    from llmnotes import theme

    footer = theme.default_theme()[0] / "partials" / "footer.html"
    made = site / "templates.new" / "partials" / "footer.html"
    made.parent.mkdir(parents=True)
    made.write_text(footer.read_text().replace("built with llmnotes", "built with llmnotes, probe one"))
    (site / "templates.new").rename(site / "templates")  # there was no templates/ when serve started
    # (renamed in whole, as a checkout or an unpacked theme makes it: a folder made and then filled
    # could be seen empty by the half-second look for it, and the test would race the watcher)
    mine = site / "templates" / "partials" / "footer.html"
    serving.wait_for("serve: rebuilt", timeout=30)
    with urllib.request.urlopen(serving.url("notes/transformers/")) as answer:
        assert "probe one" in answer.read().decode()
    mine.write_text(footer.read_text().replace("built with llmnotes", "built with llmnotes, probe two"))  # and watched since
    serving.wait_for("serve: rebuilt", timeout=30)
    with urllib.request.urlopen(serving.url("notes/transformers/")) as answer:
        assert "probe two" in answer.read().decode()


def test_a_fast_render_clears_the_errors_only_of_the_notes_it_loaded_whatever_their_names(tmp_path: Path) -> None:
    from llmnotes.preview import Fast, Preview

    write_files(tmp_path, {"llmnotes.toml": 'title = "Site"\n'})
    preview = Preview(load_config(tmp_path), drafts=False)
    odd = "notes/a:b.md"  # a colon in a file name: the path is not what comes before the first colon
    for edited, cleared in (((odd,), True), (("notes/a.md",), False), (("notes/other.md", odd), True)):
        preview.errors = [f"{odd}:2:1: error: title must be a string", f"{odd}:5:3: error: unknown topic 'x'"]
        preview.show_fast(Fast(edited=edited), batch=1)
        assert (preview.errors == []) is cleared, edited


def test_a_save_while_the_watcher_starts_is_still_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A note saved after serve looked for saves made during its first build, but before the
    watcher was on, is neither in that look nor seen by the watcher; the look once the watcher
    first answers finds it. The save is made at that very moment, from inside the first look."""
    import asyncio
    import concurrent.futures

    from llmnotes import preview

    notes, out = tmp_path / "notes", tmp_path / "out"
    notes.mkdir()
    out.mkdir()
    old = notes / "old.md"
    old.write_text("saved long before")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    late = notes / "late.md"
    looks: list[set[Path]] = []

    def look_then_save(paths: list[Path], since: float, ignore: Path) -> set[Path]:
        found = real_look(paths, since, ignore)
        looks.append(found)
        if len(looks) == 1:
            late.write_text("saved just after the first look, before the watcher is on")
        return found

    real_look = preview._changed_since
    monkeypatch.setattr(preview, "_changed_since", look_then_save)

    async def first_change() -> set[Path]:
        stop = asyncio.Event()
        changes = preview._changes([notes], stop, out.resolve(), since=time.time() - 60)
        try:
            return await asyncio.wait_for(anext(changes), timeout=20)
        finally:
            stop.set()
            await changes.aclose()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:  # its own loop: Playwright's may run in this thread
        assert thread.submit(asyncio.run, first_change()).result() == {late}
    assert looks[0] == set()  # the first look was before the save: it was the watcher's first answer that found it
