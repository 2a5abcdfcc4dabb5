"""`check-links --archive` and `--fix --archive` against a local link server (the broken links) and
a local availability API answering in the Wayback Machine's format (tests/sourceserver.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import TOPICS, run_cli
from linkserver import LinkServer
from llmnotes.links.archive import snapshot_from
from tests import sourceserver

FAST = ["--timeout", "1", "--retries", "0", "--host-interval", "0"]


@pytest.fixture(scope="module")
def links() -> Iterator[LinkServer]:
    with LinkServer() as s:
        yield s


@pytest.fixture(scope="module")
def archive() -> Iterator[str]:
    with sourceserver.running() as url:
        yield url


def _note(links: LinkServer) -> str:
    u = links.url
    return (
        "---\n"
        "title: Rot\n"
        "date: 2021-03-04\n"
        "links:\n"
        f"  - url: {u('/404')}?has-snapshot   # gone; the archive kept it\n"
        "    title: Gone but archived\n"
        "    note: Worth a look.\n"
        f"  - url: {u('/410')}?no-snapshot\n"
        "    title: Gone for good\n"
        f"  - url: {u('/ok')}\n"
        "    title: Fine\n"
        "---\n"
        f"A [body link]({u('/404')}?has-snapshot-body) that rotted.\n"
    )


def _site(make_site, links: LinkServer, archive: str) -> Path:
    return make_site({
        "notes/topics.yaml": TOPICS,
        "notes/rot.md": _note(links),
        "llmnotes.toml": f'[sources]\nwayback = "{archive}/wayback"\n',
    }, sample=False)


def _asked() -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(url).query) for url, _ in sourceserver.SEEN if url.startswith("/wayback")]


def test_archive_reports_the_snapshot_closest_to_the_notes_date(make_site, links: LinkServer, archive: str) -> None:
    site = _site(make_site, links, archive)
    sourceserver.SEEN.clear()
    result = run_cli("check-links", "--archive", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1, result.stderr
    rows = {r["url"]: r for r in json.loads(result.stdout)["results"]}
    gone, lost, fine = (links.url(p) for p in ("/404?has-snapshot", "/410?no-snapshot", "/ok"))
    assert rows[gone]["archive_url"] == f"https://web.archive.org/web/20210304120000/{gone}"  # https, at the note's date
    assert rows[lost]["archive_url"] is None and rows[fine]["archive_url"] is None
    asked = _asked()
    assert all(q["timestamp"] == ["20210304"] for q in asked) and len(asked) == 3  # the broken ones only, one each
    assert (site / "notes" / "rot.md").read_text() == _note(links)  # without --fix nothing is written

    sourceserver.SEEN.clear()
    text = run_cli("check-links", "--archive", *FAST, cwd=site)
    assert f"archived copy: https://web.archive.org/web/20210304120000/{gone}" in text.stdout
    assert _asked() == []  # asked once: the answers are cached under .llmnotes/sources/
    github = run_cli("check-links", "--archive", "--format", "github", *FAST, cwd=site)
    assert "archived copy: https://web.archive.org/web/20210304120000/" in github.stdout
    plain = run_cli("check-links", "--format", "json", *FAST, cwd=site)
    assert all("archive_url" not in r for r in json.loads(plain.stdout)["results"])  # only when asked


def test_fix_archive_writes_one_line_under_the_entry_and_the_site_offers_the_copy(make_site, links: LinkServer, archive: str) -> None:
    site = _site(make_site, links, archive)
    note = site / "notes" / "rot.md"
    before = note.read_bytes()
    result = run_cli("check-links", "--archive", "--fix", "--no-cache", *FAST, cwd=site)
    assert result.returncode == 1, result.stderr
    gone = links.url("/404?has-snapshot")
    copy = f"https://web.archive.org/web/20210304120000/{gone}"
    assert f"notes/rot.md:5:10: archived: {gone} has a copy at {copy}" in result.stderr
    assert "notes/rot.md:13:" in result.stderr and "body link has nowhere" in result.stderr  # said, not written
    after = note.read_bytes()
    expected = before.replace(b"# gone; the archive kept it\n", f"# gone; the archive kept it\n    archived: {copy}\n".encode(), 1)
    assert after == expected  # one line added, every other byte as it was
    again = run_cli("check-links", "--archive", "--fix", *FAST, cwd=site)  # and this run leaves its link cache
    assert note.read_bytes() == expected and "already has archived:" in again.stderr

    built = run_cli("build", cwd=site)  # the link cache says /404 is broken: the card offers the copy
    assert built.returncode == 0, built.stderr
    page = (site / "build" / "notes" / "rot" / "index.html").read_text()
    assert f'<a class="archived" href="{copy}" rel="external">Archived copy</a>' in page


def test_hostile_or_useless_answers_are_not_offered_nor_written(make_site, links: LinkServer, archive: str) -> None:
    u = links.url
    entries = "".join(f"  - url: {u('/404')}?{kind}\n    title: {kind}\n" for kind in ("hostile-snapshot", "elsewhere-snapshot", "error-snapshot"))
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/h.md": f"---\ntitle: H\nlinks:\n{entries}---\nText.\n",
        "llmnotes.toml": f'[sources]\nwayback = "{archive}/wayback"\n',
    }, sample=False)
    before = (site / "notes" / "h.md").read_bytes()
    result = run_cli("check-links", "--archive", "--fix", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert all(r["archive_url"] is None for r in json.loads(result.stdout)["results"])
    assert (site / "notes" / "h.md").read_bytes() == before
    down = make_site({"llmnotes.toml": '[sources]\nwayback = "http://127.0.0.1:9/wayback"\n'}, sample=False)
    failed = run_cli("check-links", "--archive", "--no-cache", *FAST, cwd=down)
    assert failed.returncode == 1 and "warning: could not get an archived copy" in failed.stderr and "Traceback" not in failed.stderr


def test_snapshot_answers_are_validated() -> None:
    base = "https://archive.org/wayback/available"
    good = {"archived_snapshots": {"closest": {"available": True, "status": "200", "url": "http://web.archive.org/web/2020/https://e.org/", "timestamp": "2020"}}}
    assert snapshot_from(json.dumps(good), base) == "https://web.archive.org/web/2020/https://e.org/"
    for bad in ("{nope", "[]", '{"archived_snapshots": {}}', '{"archived_snapshots": {"closest": {"available": false}}}'):
        assert snapshot_from(bad, base) is None
    spaced = json.loads(json.dumps(good))
    spaced["archived_snapshots"]["closest"]["url"] = "https://web.archive.org/web/2020/a b"
    assert snapshot_from(json.dumps(spaced), base) is None
