"""`check-links --archive`: Wayback Machine snapshots of broken links, from a fake availability API on
127.0.0.1 (never the internet), reported in every format, written by `--fix`, shown on the site."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import TOPICS, run_cli
from linkserver import LinkServer
from llmnotes import frontmatter, schema
from llmnotes.links.archive import parse_answer, snapshot_problem, write_archived
from llmnotes.links.report import Finding, Report
from llmnotes.links.result import Result, Verdict
from llmnotes.model import Place

FAST = ["--timeout", "1", "--retries", "0", "--host-interval", "0"]
ENDPOINT = "https://archive.org/wayback/available"


class Wayback:
    """The availability API as the Wayback Machine answers it, chosen by the asked URL's path:
    /404 has a snapshot (at the asked timestamp), /410 has none, /500 gets a hostile answer and
    /404?slow an answer too late. Every request's query is recorded."""

    def __init__(self) -> None:
        self.asked: list[dict[str, str]] = []
        wayback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                wayback.asked.append(query)
                url = query.get("url", "")
                when = query.get("timestamp", "2001")
                if url.endswith("?slow"):
                    time.sleep(2)
                if urlsplit(url).path == "/404":
                    closest = {"status": "200", "available": True, "url": f"http://web.archive.org/web/{when}000000/{url}", "timestamp": when + "000000"}
                    body = json.dumps({"url": url, "archived_snapshots": {"closest": closest}})
                elif urlsplit(url).path == "/500":
                    body = json.dumps({"archived_snapshots": {"closest": {"available": True, "status": "200", "url": "javascript:alert(1)//web.archive.org"}}})
                else:
                    body = json.dumps({"url": url, "archived_snapshots": {}})
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

    def asked_for(self, path: str) -> list[dict[str, str]]:
        return [q for q in self.asked if urlsplit(q.get("url", "")).path == path]


@pytest.fixture(scope="module")
def server():
    with LinkServer() as s:
        yield s


@pytest.fixture
def wayback():
    w = Wayback()
    yield w
    w.server.shutdown()
    w.server.server_close()


def site_files(server: LinkServer, wayback: Wayback, extra: dict[str, str] | None = None) -> dict[str, str]:
    u = server.url
    return {
        "llmnotes.toml": f'[sources]\nwayback = "{wayback.url}"\ntimeout = 1\nmin_interval = {{wayback = 0}}\n',
        "notes/topics.yaml": TOPICS,
        "notes/alpha.md": f"""---
title: Alpha   # comment kept
date: 2023-05-06
links:
  - url: {u('/404')}   # gone since
    title: "Gone: a page"
    kind: article

  - url: {u('/410')}
    title: Also gone
  - url: {u('/500')}
    title: Broken server
  - url: {u('/ok')}
    title: Fine
---
Body link to [the gone page]({u('/404')}).
""",
        **(extra or {}),
    }


def test_json_gives_a_snapshot_for_broken_links_closest_to_the_note_date(make_site, server, wayback) -> None:
    site = make_site(site_files(server, wayback), sample=False)
    result = run_cli("check-links", "--no-cache", "--archive", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1, result.stderr
    by_url = {r["url"]: r for r in json.loads(result.stdout)["results"]}
    gone = server.url("/404")
    assert by_url[gone]["archive_url"] == f"https://web.archive.org/web/20230506000000/{gone}"  # upgraded to https
    assert by_url[server.url("/410")]["archive_url"] is None  # the archive has none
    assert by_url[server.url("/500")]["archive_url"] is None  # a javascript: answer is refused
    assert by_url[server.url("/ok")]["archive_url"] is None
    assert [q["timestamp"] for q in wayback.asked_for("/404")] == ["20230506"]
    assert wayback.asked_for("/ok") == []  # only broken links are looked up
    warnings = [line for line in result.stderr.splitlines() if "archive" in line]
    assert len(warnings) == 1 and "/500" in warnings[0] and "snapshot URL" in warnings[0]
    assert "Traceback" not in result.stderr
    plain = run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert all("archive_url" not in r for r in json.loads(plain.stdout)["results"])  # only when asked


def test_a_note_without_a_date_asks_for_no_timestamp(make_site, server, wayback) -> None:
    files = site_files(server, wayback)
    files["notes/alpha.md"] = files["notes/alpha.md"].replace("date: 2023-05-06\n", "")
    site = make_site(files, sample=False)
    run_cli("check-links", "--no-cache", "--archive", *FAST, cwd=site)
    assert [sorted(q) for q in wayback.asked_for("/404")] == [["url"]]


def test_text_markdown_github_and_junit_show_the_archived_copy(make_site, server, wayback) -> None:
    site = make_site(site_files(server, wayback), sample=False)
    snapshot = f"https://web.archive.org/web/20230506000000/{server.url('/404')}"
    text = run_cli("check-links", "--archive", "--no-cache", *FAST, cwd=site).stdout
    assert text.count(f"archived copy: {snapshot}") == 2  # at the entry and at the body link
    assert "archived copy" not in text.split(server.url("/410"))[1].split("\n")[0]
    md = run_cli("check-links", "--archive", "--no-cache", "--format", "markdown", *FAST, cwd=site).stdout
    assert f"archived copy: <{snapshot}>" in md
    gh = run_cli("check-links", "--archive", "--no-cache", "--format", "github", *FAST, cwd=site).stdout
    assert any(line.startswith("::error file=notes/alpha.md,line=5,") and f"archived copy: {snapshot}" in line for line in gh.splitlines())
    junit = run_cli("check-links", "--archive", "--no-cache", "--format", "junit", *FAST, cwd=site).stdout
    case = next(c for c in ET.fromstring(junit).find("testsuite") if c.get("name") == server.url("/404"))
    assert f"archived copy: {snapshot}" in case.find("failure").text


def test_fix_writes_one_line_under_the_entry_once_and_the_site_offers_it(make_site, server, wayback) -> None:
    site = make_site(site_files(server, wayback), sample=False)
    note = site / "notes" / "alpha.md"
    before = note.read_bytes()
    snapshot = f"https://web.archive.org/web/20230506000000/{server.url('/404')}"
    result = run_cli("check-links", "--archive", "--fix", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1, result.stderr  # an archived copy does not mend the link
    after = note.read_bytes()
    lines = before.split(b"\n")
    inserted = f"    archived: {snapshot}".encode()
    assert after == b"\n".join([*lines[:7], inserted, *lines[7:]])  # after `kind:`, before the blank line
    assert f"notes/alpha.md:5:10: archived: {snapshot}" in result.stderr
    assert "notes/alpha.md:16:30: warning: not written: in the body" in result.stderr
    places = {(p["line"], p["col"]): p for r in json.loads(result.stdout)["results"] for p in r["places"]}
    assert places[(5, 10)]["fix"] == {"archived": snapshot}
    assert places[(16, 30)]["fix"]["not written"].startswith("in the body")

    again = run_cli("check-links", "--archive", "--fix", *FAST, cwd=site)
    assert note.read_bytes() == after  # not written twice
    assert f"notes/alpha.md:5:10: already archived: {snapshot}" in again.stderr

    assert run_cli("build", "--strict", cwd=site).returncode == 0  # `archived:` is a known key
    card = (site / "build" / "notes" / "alpha" / "index.html").read_text()
    broken = card.split('class="link-broken"')[1].split("</p>")[0]
    assert f'<a class="archived" href="{snapshot}" rel="external">Read the archived copy</a>' in broken
    pages = [p.read_text() for p in (site / "build").rglob("resources/*/index.html")]
    assert sum(f'href="{snapshot}"' in page and "archived copy" in page for page in pages) == 1


def test_an_archived_link_not_seen_broken_is_offered_quietly(make_site, server) -> None:
    snapshot = "https://web.archive.org/web/2020/https://example.org/"
    note = f"---\ntitle: A\nlinks:\n  - url: {server.url('/ok')}\n    title: Fine\n    archived: {snapshot}\n---\n"
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": note}, sample=False)
    assert run_cli("build", "--strict", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "a" / "index.html").read_text()
    assert f'<a class="archived-quiet" href="{snapshot}" rel="external">archived copy</a>' in page
    assert "link-broken" not in page


def test_answers_are_cached_across_runs_unless_no_cache(make_site, server, wayback) -> None:
    site = make_site(site_files(server, wayback), sample=False)
    for _ in range(2):
        run_cli("check-links", "--archive", *FAST, cwd=site)
    assert len(wayback.asked_for("/404")) == 1 and len(wayback.asked_for("/410")) == 1  # a snapshot, and "none"
    assert len(wayback.asked_for("/500")) == 2  # an unusable answer is not kept
    assert (site / ".llmnotes" / "archive.json").is_file()
    for _ in range(2):
        run_cli("check-links", "--archive", "--no-cache", *FAST, cwd=site)
    assert len(wayback.asked_for("/404")) == 3


def test_a_tampered_cache_is_not_trusted(make_site, server, wayback) -> None:
    site = make_site(site_files(server, wayback), sample=False)
    run_cli("check-links", "--archive", *FAST, cwd=site)
    cache = site / ".llmnotes" / "archive.json"
    entries = json.loads(cache.read_text())
    cache.write_text(json.dumps({k: ["javascript:alert(1)", v[1]] for k, v in entries.items()}))
    result = run_cli("check-links", "--archive", "--format", "json", *FAST, cwd=site)
    by_url = {r["url"]: r for r in json.loads(result.stdout)["results"]}
    assert by_url[server.url("/404")]["archive_url"].startswith("https://web.archive.org/")  # asked again
    cache.write_text("{not json")
    assert "Traceback" not in run_cli("check-links", "--archive", *FAST, cwd=site).stderr


def test_an_archive_that_answers_too_late_costs_one_warning(make_site, server, wayback) -> None:
    note = f"---\ntitle: A\nlinks:\n  - url: {server.url('/404?slow')}\n    title: Slow\n---\n"
    files = {**site_files(server, wayback), "notes/alpha.md": note}
    site = make_site(files, sample=False)
    result = run_cli("check-links", "--archive", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["results"][0]["archive_url"] is None
    assert len([line for line in result.stderr.splitlines() if line.startswith("warning: archive:")]) == 1


def test_an_unreachable_archive_is_given_up_on(make_site, server) -> None:
    notes = "".join(f"  - url: {server.url(f'/404?n={n}')}\n    title: T{n}\n" for n in range(6))
    files = {
        "llmnotes.toml": '[sources]\nwayback = "http://127.0.0.1:9/available"\ntimeout = 1\nmin_interval = {wayback = 0}\n',
        "notes/topics.yaml": TOPICS,
        "notes/a.md": f"---\ntitle: A\nlinks:\n{notes}---\n",
    }
    site = make_site(files, sample=False)
    result = run_cli("check-links", "--archive", "--no-cache", *FAST, cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "could not be reached 3 times in a row; 3 lookups skipped" in result.stderr


# -- what the archive may answer ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://evil.example/web/2020/https://a.org/",
        "https://web.archive.org.evil.example/web/2020/x",
        "https://user:pw@web.archive.org/web/2020/x",
        "https://web.archive.org/web/2020/a b",
        "https://web.archive.org/web/2020/a\x1b[2J",
        "https://web.archive.org/web/2020/\"><script>",
        "https://web.archive.org/" + "a" * 3000,
        "/web/2020/https://a.org/",
        "",
    ],
)
def test_hostile_snapshot_urls_are_refused(url: str) -> None:
    assert snapshot_problem(url, ENDPOINT) is not None
    body = json.dumps({"archived_snapshots": {"closest": {"url": url, "available": True, "status": "200"}}})
    answer = parse_answer(body, ENDPOINT)
    assert answer.url is None and answer.problem


@pytest.mark.parametrize("body", ["<html>", "[]", "{}", '{"archived_snapshots": []}', '{"archived_snapshots": {"closest": 3}}', "[" * 100_000])
def test_garbage_answers_are_problems_not_crashes(body: str) -> None:
    answer = parse_answer(body, ENDPOINT)
    assert answer.url is None and answer.problem


def test_no_snapshot_and_error_snapshots_are_no_copy() -> None:
    assert parse_answer('{"archived_snapshots": {}}', ENDPOINT).problem is None
    closest = {"url": "http://web.archive.org/web/2020/https://a.org/", "available": True, "status": "404"}
    assert parse_answer(json.dumps({"archived_snapshots": {"closest": closest}}), ENDPOINT).url is None
    closest["status"] = "200"
    assert parse_answer(json.dumps({"archived_snapshots": {"closest": closest}}), ENDPOINT).url == "https://web.archive.org/web/2020/https://a.org/"


# -- writing, and the schema -----------------------------------------------------------------


def _broken(url: str, snapshot: str, *places: Place) -> Report:
    return Report((Finding(Result(url, Verdict.BROKEN, 404), places),), (), archives=((url, snapshot),))


def test_crlf_and_bom_are_kept_and_sibling_indentation_followed(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: A\r\nlinks:\r\n-   url: https://a.org/x\r\n    title: T\r\n    discussion:\r\n    - https://d.org/\r\n---\r\nBody\r\n"
    (tmp_path / "a.md").write_bytes(text.encode())
    snap = "https://web.archive.org/web/2020/https://a.org/x"
    done = write_archived(_broken("https://a.org/x", snap, Place("a.md", 4, 10)), tmp_path)
    assert [(w.kind, w.detail) for w in done] == [("archived", snap)]
    expected = text.replace("    - https://d.org/\r\n", f"    - https://d.org/\r\n    archived: {snap}\r\n")
    assert (tmp_path / "a.md").read_bytes() == expected.encode()


def test_a_flow_mapping_entry_is_not_edited(tmp_path: Path) -> None:
    text = "---\ntitle: A\nlinks:\n  - {url: https://a.org/x, title: T}\n---\n"
    (tmp_path / "a.md").write_text(text)
    done = write_archived(_broken("https://a.org/x", "https://web.archive.org/web/2020/x", Place("a.md", 4, 11)), tmp_path)
    assert done[0].kind == "not written" and (tmp_path / "a.md").read_text() == text


def test_a_comment_after_an_entry_stays_with_the_next_one(tmp_path: Path) -> None:
    text = "---\ntitle: A\nlinks:\n  - url: https://a.org/x\n    title: T\n    # the next one is better\n  - url: https://b.org/\n    title: U\n---\n"
    (tmp_path / "a.md").write_text(text)
    snap = "https://web.archive.org/web/2020/x"
    done = write_archived(_broken("https://a.org/x", snap, Place("a.md", 4, 10)), tmp_path)
    assert [(w.kind, w.detail) for w in done] == [("archived", snap)]
    assert (tmp_path / "a.md").read_text() == text.replace("    title: T\n", f"    title: T\n    archived: {snap}\n")


def test_archived_must_be_a_web_url() -> None:
    def diagnostics(value: str) -> list[str]:
        doc = frontmatter.parse(f"title: A\nlinks:\n  - url: https://a.org/\n    title: T\n    archived: {value}\n", 2)
        fields, found = schema.validate(doc, "a.md")
        return [d.message for d in found] + ([fields["links"][0].archived] if fields["links"] else [])

    assert diagnostics("https://web.archive.org/web/2020/https://a.org/") == ["https://web.archive.org/web/2020/https://a.org/"]
    assert any("archived 'javascript:alert(1)'" in m for m in diagnostics("javascript:alert(1)"))


def test_a_discussion_url_is_reported_not_written(tmp_path: Path) -> None:
    text = "---\ntitle: A\nlinks:\n  - url: https://a.org/\n    title: T\n    discussion: [https://gone.org/x]\n---\n"
    (tmp_path / "a.md").write_text(text)
    done = write_archived(_broken("https://gone.org/x", "https://web.archive.org/web/2020/x", Place("a.md", 6, 18)), tmp_path)
    assert [w.kind for w in done] == ["not written"] and "discussion" in done[0].detail
    assert (tmp_path / "a.md").read_text() == text


def test_the_earliest_citing_note_sets_the_timestamp() -> None:
    import datetime as dt

    from llmnotes.links.archive import timestamp

    finding = Finding(Result("https://a.org/", Verdict.BROKEN, 404), (Place("b.md", 1, 1), Place("a.md", 1, 1), Place("c.md", 1, 1)))
    assert timestamp(finding, {"a.md": dt.date(2024, 3, 1), "b.md": dt.date(2021, 7, 9)}) == "20210709"
    assert timestamp(finding, {}) is None
