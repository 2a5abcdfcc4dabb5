"""The output folder (issue 10): llmnotes replaces only what it built, and an interrupted or
concurrent build leaves nothing behind and breaks nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_cli
from llmnotes.write import MARKER, remove_stale


def test_someone_elses_site_is_never_replaced(make_site, tmp_path: Path) -> None:
    site = make_site()
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("<h1>My other site</h1>")  # an index.html proves nothing
    (www / "about.html").write_text("about me")
    result = run_cli("build", "--out", str(www), cwd=site)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "was not built by llmnotes" in result.stderr and "choose another --out" in result.stderr
    assert sorted(p.name for p in www.iterdir()) == ["about.html", "index.html"]


def test_a_folder_llmnotes_built_or_an_empty_one_is_replaced(make_site, tmp_path: Path) -> None:
    site = make_site()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("build", "--out", str(empty), cwd=site).returncode == 0
    assert (empty / MARKER).is_file() and (empty / "index.html").is_file()
    (empty / "stale.html").write_text("from an older build")
    assert run_cli("build", "--no-cache", "--out", str(empty), cwd=site).returncode == 0
    assert not (empty / "stale.html").exists()


def test_out_inside_the_notes_or_at_a_symlink_is_refused(make_site, tmp_path: Path) -> None:
    site = make_site()
    inside = run_cli("build", "--out", "notes/site", cwd=site)
    assert inside.returncode == 2 and "is inside 'notes'" in inside.stderr
    assert not (site / "notes" / "site").exists()
    real = tmp_path / "real"
    real.mkdir()
    (site / "link").symlink_to(real)
    linked = run_cli("build", "--out", "link", cwd=site)
    assert linked.returncode == 2 and "is a symbolic link" in linked.stderr
    assert list(real.iterdir()) == []


def _big_site(tmp_path: Path) -> Path:
    root = Path(__file__).resolve().parents[1]
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(root / "benchmarks" / "generate.py"), "400", str(corpus)], check=True, capture_output=True)
    return corpus


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".out-"))


def test_sigterm_mid_build_removes_the_staging_folder(tmp_path: Path) -> None:
    corpus = _big_site(tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "llmnotes", "build", "--out", "out"], cwd=corpus, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _leftovers(corpus) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)  # wait until the staging folder exists: the build is writing
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert _leftovers(corpus) == [] and not (corpus / "out").exists()
    assert _running_in(corpus) == []  # no worker left behind, waiting for work that never comes


def _running_in(folder: Path) -> list[int]:
    """The processes whose working folder is `folder` (a build's workers have the build's)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")) == folder:
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to look at
            continue
    return found


def test_a_sigterm_whose_exception_is_swallowed_still_stops_the_build_before_it_publishes(make_site, monkeypatch) -> None:
    """Python swallows an exception raised inside some callbacks (`logging`'s fork hooks): the
    build must still notice the SIGTERM, at its next output, and publish nothing."""
    import pytest

    from llmnotes import build, buildcache
    from llmnotes.config import load_config

    site = make_site()
    save_snapshot = buildcache.save_snapshot

    def swallowing(*args: object) -> None:  # called as the build begins to emit
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler raises `Terminated` here
        except build.Terminated:
            pass  # as a fork hook would
        save_snapshot(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(buildcache, "save_snapshot", swallowing)
    with pytest.raises(build.Terminated):
        build.build_site(load_config(site), workers=1)
    assert not (site / "build").exists() and _leftovers(site) == []


def _idle() -> None:
    from llmnotes.heap import worker_defaults

    worker_defaults()
    time.sleep(60)


def test_signals_held_wait_for_the_block_and_a_worker_forked_meanwhile_still_stops() -> None:
    """`signals_held` defers SIGTERM to the end of its block; a worker forked inside it inherits
    the held signals, and `worker_defaults` lets them through again, or its pool could not stop it."""
    import multiprocessing

    from llmnotes.heap import signals_held

    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
            assert got == []
            worker = multiprocessing.get_context("fork").Process(target=_idle, daemon=True)
            worker.start()
        assert got == [signal.SIGTERM]
        time.sleep(0.2)  # the worker has run `worker_defaults`
        worker.terminate()
        worker.join(5)
        assert worker.exitcode == -signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_killed_build_leaves_folders_the_next_build_removes(tmp_path: Path) -> None:
    corpus = _big_site(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "llmnotes", "build", "--out", "out"], cwd=corpus, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _leftovers(corpus) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    assert _leftovers(corpus), "kill -9 leaves the staging folder behind"
    # Its workers outlive it by a moment, until they see it gone, and hold its lock meanwhile (the
    # next build then rightly says another is running): the author's next build comes after them.
    deadline = time.monotonic() + 30
    while _running_in(corpus) and time.monotonic() < deadline:
        time.sleep(0.05)
    result = run_cli("build", "--out", "out", cwd=corpus)
    assert result.returncode == 0, result.stderr
    assert _leftovers(corpus) == []


def test_stale_folders_of_live_processes_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    mine = tmp_path / f".out-new-{os.getpid()}-abc"
    dead = tmp_path / ".out-new-999999999-abc"
    other = tmp_path / ".else-new-999999999-abc"
    for folder in (mine, dead, other):
        folder.mkdir()
    assert remove_stale(out) == [dead]
    assert mine.exists() and other.exists()


def test_two_builds_at_once_one_waits_its_turn_by_failing_clearly(tmp_path: Path) -> None:
    corpus = _big_site(tmp_path)
    first = subprocess.Popen([sys.executable, "-m", "llmnotes", "build", "--out", "out"], cwd=corpus, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list((corpus / ".llmnotes" / "build").glob("*.lock")) if (corpus / ".llmnotes" / "build").exists() else True:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    time.sleep(0.3)
    second = run_cli("build", "--out", "out", cwd=corpus)
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert second.returncode in (0, 2) and "Traceback" not in second.stderr
    if second.returncode == 2:
        assert "another llmnotes build into 'out' is running" in second.stderr
    assert _leftovers(corpus) == [] and (corpus / "out" / "index.html").is_file()


def test_an_unwritable_output_parent_is_a_message_not_a_traceback(make_site, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        parent = Path("/proc/llmnotes-cannot-write-here")  # root ignores permissions; /proc refuses everyone
    else:
        parent = tmp_path / "locked"
        parent.mkdir()
        parent.chmod(0o500)
    site = make_site()
    result = run_cli("build", "--out", str(parent / "out"), cwd=site)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: cannot write the site" in result.stderr


def test_a_build_while_another_holds_the_lock_exits_2(make_site) -> None:
    import fcntl

    from llmnotes import buildcache

    site = make_site()
    lock = buildcache.cache_file(site, site / "build").with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run_cli("build", cwd=site)
    assert result.returncode == 2 and "another llmnotes build into 'build' is running" in result.stderr
    assert run_cli("build", cwd=site).returncode == 0  # and once it is released, builds go on


def test_only_files_a_note_links_are_published(make_site) -> None:
    site = make_site({"notes/secrets.txt": "password=hunter2", "notes/drafts/plan.pdf": b"%PDF-1.4"})
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    published = {p.relative_to(site / "build" / "assets").as_posix() for p in (site / "build" / "assets").rglob("*") if p.is_file()}
    assert published == {"diagram.png"}  # the one the sample note shows


SCRIPTED_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="5" onload="alert(document.cookie)"/></svg>'
PLAIN_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>'


def test_script_bearing_files_are_refused_unless_raw_html_is_allowed(make_site) -> None:
    note = "---\ntitle: Pictures\n---\n![a](a.svg) ![b](b.svg) and [a page](page.html)\n"
    site = make_site({"notes/pics.md": note, "notes/a.svg": SCRIPTED_SVG, "notes/b.svg": PLAIN_SVG, "notes/page.html": "<script>alert(1)</script>"})
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "notes/pics.md:4:6: error: 'a.svg' is an SVG image with script in it" in result.stderr
    assert "'page.html' is an HTML file" in result.stderr and "'b.svg'" not in result.stderr
    (site / "llmnotes.toml").write_text("allow_html = true\n")
    assert run_cli("build", cwd=site).returncode == 0


def test_links_out_of_static_and_a_topics_file_linked_from_elsewhere_are_refused(make_site, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id_rsa").write_text("private key")
    (outside / "topics.yaml").write_text("sneaky:\n  title: Sneaky\n")
    site = make_site()
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "key.txt").symlink_to(outside / "id_rsa")
    result = run_cli("build", cwd=site)
    assert result.returncode == 1 and "static/key.txt:0:0: error: symbolic link pointing outside the static folder" in result.stderr
    (site / "static" / "key.txt").unlink()
    (site / "notes" / "topics.yaml").unlink()
    (site / "notes" / "topics.yaml").symlink_to(outside / "topics.yaml")
    result = run_cli("build", cwd=site)
    assert "notes/topics.yaml:0:0: error: symbolic link pointing outside the notes folder: not used" in result.stderr
    assert not (site / "build" / "topics" / "sneaky").exists()
