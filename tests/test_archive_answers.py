"""`check-links --archive` against an archive that misbehaves: hostile, garbage and deeply nested
answers, one that answers too late or not at all, a stale cache; and `--fix --archive` on notes
written in less common forms (CRLF and a BOM, a flow mapping, a discussion URL). A fake
availability API on 127.0.0.1 (never the internet) counts what it is asked."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import TOPICS, run_cli
from linkserver import LinkServer
from llmnotes.links.archive import read_answer, snapshot_from
from llmnotes.links.fix import add_archived
from llmnotes.links.report import Finding, Report
from llmnotes.links.result import Result, Verdict
from llmnotes.model import Place
from llmnotes.sources import LookupFailure

FAST = ["--timeout", "1", "--retries", "0", "--host-interval", "0"]
ENDPOINT = "https://archive.org/wayback/available"


class Wayback:
    """The availability API, its answer chosen by the asked URL's query: `?snap` has a snapshot at
    the asked timestamp, `?hostile` a javascript: one, `?garbage` is not JSON, `?deep` is JSON nested
    100,000 deep, `?slow` answers after 2 s; anything else has none. Every request is recorded."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        wayback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = parse_qs(urlsplit(self.path).query).get("url", [""])[0]
                when = parse_qs(urlsplit(self.path).query).get("timestamp", ["2001"])[0]
                wayback.asked.append(url)
                kind = urlsplit(url).query
                if kind == "slow":
                    time.sleep(2)
                closest = None
                if kind == "snap":
                    closest = {"status": "200", "available": True, "url": f"http://web.archive.org/web/{when}000000/{url}"}
                elif kind == "hostile":
                    closest = {"status": "200", "available": True, "url": "javascript:alert(1)//web.archive.org/"}
                body = json.dumps({"url": url, "archived_snapshots": {"closest": closest} if closest else {}})
                body = {"garbage": "<html>busy</html>", "deep": "[" * 100_000}.get(kind, body)
                data = body.encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/wayback/available"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def times(self, kind: str) -> int:
        return sum(urlsplit(u).query == kind for u in self.asked)


@pytest.fixture(scope="module")
def links() -> Iterator[LinkServer]:
    with LinkServer() as s:
        yield s


@pytest.fixture
def wayback() -> Iterator[Wayback]:
    w = Wayback()
    yield w
    w.server.shutdown()
    w.server.server_close()


def _site(make_site, links: LinkServer, endpoint: str, *kinds: str) -> Path:
    entries = "".join(f"  - url: {links.url('/404')}?{kind}\n    title: {kind}\n" for kind in kinds)
    return make_site({
        "llmnotes.toml": f'[sources]\nwayback = "{endpoint}"\ntimeout = 1\n',
        "notes/topics.yaml": TOPICS,
        "notes/a.md": f"---\ntitle: A\ndate: 2022-02-03\nlinks:\n{entries}---\nText.\n",
    }, sample=False)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_an_unusable_answer_is_one_warning_naming_the_link_and_is_not_cached(make_site, links, wayback) -> None:
    site = _site(make_site, links, wayback.url, "snap", "hostile", "garbage", "deep")
    for _ in range(2):
        result = run_cli("check-links", "--archive", "--format", "json", *FAST, cwd=site)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        rows = {r["url"].rsplit("?", 1)[1]: r["archive_url"] for r in json.loads(result.stdout)["results"]}
        assert rows == {"snap": f"https://web.archive.org/web/20220203000000/{links.url('/404')}?snap", "hostile": None, "garbage": None, "deep": None}
        warned = _warnings(result.stderr)
        assert len(warned) == 3 and all(any(w.endswith(f"?{k}") or f"?{k}:" in w for w in warned) for k in ("hostile", "garbage", "deep"))
    assert wayback.times("snap") == 1  # a snapshot is kept
    assert (wayback.times("hostile"), wayback.times("garbage"), wayback.times("deep")) == (2, 2, 2)  # garbage is not


def test_a_week_old_answer_is_asked_again(make_site, links, wayback) -> None:
    site = _site(make_site, links, wayback.url, "none")
    run_cli("check-links", "--archive", *FAST, cwd=site)
    run_cli("check-links", "--archive", *FAST, cwd=site)
    assert wayback.times("none") == 1
    old = time.time() - 8 * 86400
    for file in (site / ".llmnotes" / "sources").glob("*.json"):
        os.utime(file, (old, old))
    run_cli("check-links", "--archive", *FAST, cwd=site)
    assert wayback.times("none") == 2  # the archive may have made one since


def test_an_archive_that_answers_too_late_costs_one_warning(make_site, links, wayback) -> None:
    site = _site(make_site, links, wayback.url, "slow")
    result = run_cli("check-links", "--archive", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["results"][0]["archive_url"] is None
    assert len(_warnings(result.stderr)) == 1 and "did not answer" in result.stderr


def test_an_unreachable_archive_is_given_up_on_after_three_tries(make_site, links) -> None:
    site = _site(make_site, links, "http://127.0.0.1:9/wayback", *(f"n{n}" for n in range(7)))
    result = run_cli("check-links", "--archive", "--no-cache", *FAST, cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    warned = _warnings(result.stderr)
    assert len(warned) == 4 and "archived copies of 4 more broken links" in warned[-1] and "3 times in a row; not asked" in warned[-1]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://evil.example/web/2020/https://a.org/",
        "https://web.archive.org.evil.example/web/2020/x",
        "https://user:pw@web.archive.org/web/2020/x",
        "https://web.archive.org/web/2020/a b",
        "https://web.archive.org/web/2020/a\x1b[2J",
        'https://web.archive.org/web/2020/"><script>',
        "https://web.archive.org/" + "a" * 3000,
        "/web/2020/https://a.org/",
        "",
    ],
)
def test_hostile_snapshot_urls_are_refused_with_a_reason(url: str) -> None:
    body = json.dumps({"archived_snapshots": {"closest": {"url": url, "available": True, "status": "200"}}})
    assert isinstance(read_answer(body, ENDPOINT, "x"), LookupFailure) and snapshot_from(body, ENDPOINT) is None


@pytest.mark.parametrize("body", ["<html>", "[]", "{}", '{"archived_snapshots": []}', '{"archived_snapshots": {"closest": 3}}', "[" * 100_000, '{"a":' * 100_000])
def test_garbage_answers_are_failures_not_exceptions(body: str) -> None:
    assert isinstance(read_answer(body, ENDPOINT, "x"), LookupFailure) and snapshot_from(body, ENDPOINT) is None


def test_no_snapshot_is_no_failure() -> None:
    assert read_answer('{"archived_snapshots": {}}', ENDPOINT, "x") is None
    error_page = {"archived_snapshots": {"closest": {"url": "http://web.archive.org/web/2020/x", "available": True, "status": "404"}}}
    assert read_answer(json.dumps(error_page), ENDPOINT, "x") is None


# -- --fix --archive on less common note forms ------------------------------------------------


def _broken(url: str, copy: str, place: Place) -> Report:
    return Report((Finding(Result(url, Verdict.BROKEN, 404), (place,)),), (), archives={url: copy})


def test_crlf_and_a_bom_are_kept(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: A\r\nlinks:\r\n-   url: https://a.org/x\r\n    title: T\r\n---\r\nBody\r\n"
    (tmp_path / "a.md").write_bytes(text.encode())
    copy = "https://web.archive.org/web/2020/https://a.org/x"
    changes, refusals = add_archived(_broken("https://a.org/x", copy, Place("a.md", 4, 10)), tmp_path)
    assert refusals == [] and [c.new for c in changes] == [copy]
    expected = text.replace("a.org/x\r\n", f"a.org/x\r\n    archived: {copy}\r\n")
    assert (tmp_path / "a.md").read_bytes() == expected.encode()


def test_a_flow_mapping_entry_is_left_alone(tmp_path: Path) -> None:
    text = "---\ntitle: A\nlinks:\n  - {url: https://a.org/x, title: T}\n---\n"
    (tmp_path / "a.md").write_text(text)
    changes, refusals = add_archived(_broken("https://a.org/x", "https://web.archive.org/web/2020/x", Place("a.md", 4, 11)), tmp_path)
    assert changes == [] and len(refusals) == 1 and (tmp_path / "a.md").read_text() == text


def test_a_discussion_url_is_reported_not_written(tmp_path: Path) -> None:
    text = "---\ntitle: A\nlinks:\n  - url: https://a.org/\n    title: T\n    discussion: [https://gone.org/x]\n---\n"
    (tmp_path / "a.md").write_text(text)
    changes, refusals = add_archived(_broken("https://gone.org/x", "https://web.archive.org/web/2020/x", Place("a.md", 6, 18)), tmp_path)
    assert changes == [] and len(refusals) == 1 and (tmp_path / "a.md").read_text() == text
