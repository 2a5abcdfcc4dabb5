"""`llmnotes check-links` end to end: the real command on a site whose links point at a local server."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import TOPICS, run_cli
from linkserver import LinkServer, refused_url

FAST = ["--timeout", "1", "--retries", "1", "--host-interval", "0"]


@pytest.fixture(scope="module")
def server():
    with LinkServer() as s:
        yield s


def notes(server) -> dict[str, str]:
    u = server.url
    return {
        "notes/topics.yaml": TOPICS,
        "notes/alpha.md": f"""---
title: Alpha
links:
  - url: {u('/ok')}
    title: Fine
  - url: "{u('/301')}"   # moved; --fix rewrites this and keeps this comment
    title: Moved
    discussion:
      - {u('/404')}
---
Body link to [the same page]({u('/ok')}#section), an image ![x]({u('/page/img.png')}),
<{u('/410')}> and [[beta]] and [[ghost]].
""",
        "notes/beta.md": f"""---
title: Beta
links:
  - url: {u('/403')}
    title: Members only
  - url: {u('/OK').replace('/OK', '/ok')}
    title: Fine again
---
Also [moved]({u('/301')}).
""",
    }


def test_text_report_groups_problems_by_file_and_exits_1(make_site, server) -> None:
    site = make_site(notes(server), sample=False)
    server.reset()
    result = run_cli("check-links", "--no-cache", *FAST, cwd=site)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert out.startswith("notes/alpha.md\n")
    lines = out.splitlines()
    assert f"  6:10    redirected  {server.url('/301')}  (moved permanently to {server.url('/ok')})" in lines
    assert f"  9:9     broken      {server.url('/404')}  (not found (404))" in lines
    assert any(line.startswith("  12:47   broken      unknown note [[ghost]]") for line in lines)
    assert "notes/beta.md" in lines and any("blocked" in line and "/403" in line for line in lines)
    assert lines[-1].startswith("6 URLs: 2 ok, 1 redirected, 3 broken, 1 blocked, 0 excluded")  # internal links count
    assert server.hits("/ok") == 2  # cited three times, fetched once; once more at the end of /301


def test_json_report_shape(make_site, server, tmp_path: Path) -> None:
    site = make_site(notes(server), sample=False)
    out = tmp_path / "report.json"
    result = run_cli("check-links", "--no-cache", "--format", "json", "--output", str(out), *FAST, cwd=site)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("6 URLs:")
    data = json.loads(out.read_text())
    assert data["summary"] == {"ok": 2, "redirected": 1, "broken": 3, "blocked": 1, "excluded": 0}
    by_url = {r["url"]: r for r in data["results"]}
    assert set(by_url[server.url("/ok")]) >= {"url", "verdict", "status", "final_url", "error", "places"}
    ok = by_url[server.url("/ok")]
    assert ok["verdict"] == "ok" and ok["status"] == 200 and len(ok["places"]) == 3
    assert {"path": "notes/alpha.md", "line": 11, "col": 30, "fragment": "section", "verdict": "ok"} in ok["places"]
    moved = by_url[server.url("/301")]
    assert (moved["verdict"], moved["final_url"]) == ("redirected", server.url("/ok"))
    assert data["internal"] == [{"path": "notes/alpha.md", "line": 12, "col": 47, "message": "unknown note [[ghost]]"}]


def test_junit_github_and_markdown_formats(make_site, server) -> None:
    site = make_site(notes(server), sample=False)
    junit = run_cli("check-links", "--no-cache", "--format", "junit", *FAST, cwd=site)
    suite = ET.fromstring(junit.stdout).find("testsuite")
    assert suite.get("failures") == "3" and int(suite.get("tests")) == 7
    failure = next(c for c in suite if c.get("name") == server.url("/404")).find("failure")
    assert failure.get("message") == "not found (404)" and "notes/alpha.md:9:9" in failure.text
    github = run_cli("check-links", "--no-cache", "--format", "github", *FAST, cwd=site).stdout.splitlines()
    assert f"::error file=notes/alpha.md,line=9,col=9,title=broken link::{server.url('/404')} — not found (404)" in github
    assert any(line.startswith("::warning file=notes/beta.md,line=4,col=10,") for line in github)
    assert "::error file=notes/alpha.md,line=12,col=47::unknown note [[ghost]]" in github
    markdown = run_cli("check-links", "--no-cache", "--format", "markdown", *FAST, cwd=site).stdout
    assert markdown.startswith("# Link check\n") and f"| `notes/alpha.md:9:9` | broken | <{server.url('/404')}> | not found (404) |" in markdown


def test_offline_checks_only_internal_links(make_site, server) -> None:
    site = make_site(notes(server), sample=False)
    server.reset()
    result = run_cli("check-links", "--offline", "--no-cache", cwd=site)
    assert result.returncode == 1
    assert "unknown note [[ghost]]" in result.stdout and server.requests == []


def test_blocked_passes_unless_strict(make_site, server) -> None:
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\nlinks:\n  - url: {server.url('/403')}\n    title: T\n---\n"}, sample=False)
    assert run_cli("check-links", "--no-cache", *FAST, cwd=site).returncode == 0
    assert run_cli("check-links", "--no-cache", "--strict", *FAST, cwd=site).returncode == 1


def test_warm_cache_sends_no_request_and_broken_links_are_rechecked(make_site, server) -> None:
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\nlinks:\n  - url: {server.url('/ok')}\n    title: T\n  - url: {server.url('/404')}\n    title: Gone\n---\n"}, sample=False)
    server.reset()
    assert run_cli("check-links", *FAST, cwd=site).returncode == 1
    assert (site / ".llmnotes" / "links.sqlite").is_file()
    server.reset()
    warm = run_cli("check-links", "--format", "json", *FAST, cwd=site)
    assert server.hits("/ok") == 0 and server.hits("/404") == 2  # good result trusted, broken checked again
    assert json.loads(warm.stdout)["results"][0]["cached"] is True
    server.reset()
    run_cli("check-links", "--cache-max-age", "0s", *FAST, cwd=site)
    assert server.hits("/ok") == 1  # too old: checked again


def test_build_flags_links_last_seen_broken(make_site, server) -> None:
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\nlinks:\n  - url: {server.url('/404')}\n    title: Gone\n  - url: {server.url('/ok')}\n    title: Fine\n---\n"}, sample=False)
    assert run_cli("build", cwd=site).returncode == 0
    assert "link-broken" not in (site / "build" / "notes" / "a" / "index.html").read_text()
    run_cli("check-links", *FAST, cwd=site)
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "a" / "index.html").read_text()
    assert page.count('class="link-broken"') == 1 and "Link broken when last checked" in page and "not found (404)" in page


def test_fix_rewrites_permanent_redirects_and_nothing_else(make_site, server) -> None:
    site = make_site(notes(server), sample=False)
    before = {p: (site / p).read_bytes() for p in ("notes/alpha.md", "notes/beta.md")}
    result = run_cli("check-links", "--no-cache", "--fix", *FAST, cwd=site)
    assert f"notes/alpha.md:6:10: fixed: {server.url('/301')} → {server.url('/ok')}" in result.stderr
    assert f"notes/beta.md:9:14: fixed: {server.url('/301')} → {server.url('/ok')}" in result.stderr
    for path, old in before.items():
        new = (site / path).read_bytes()
        assert new == old.replace(server.url("/301").encode(), server.url("/ok").encode())
    assert b'"   # moved; --fix rewrites this and keeps this comment' in (site / "notes/alpha.md").read_bytes()
    again = run_cli("check-links", "--no-cache", "--fix", *FAST, cwd=site)
    assert "fixed:" not in again.stderr


@pytest.mark.parametrize(
    "config, message",
    [
        ("[links]\ntimeout = 'soon'\n", "llmnotes.toml:2:1: error: 'soon' is not a duration"),
        ("[links]\nretry = 3\n", "llmnotes.toml:2:1: error: unknown key 'retry' in [links] (did you mean 'retries'?)"),
        ("[links]\nexclude = ['(']\n", "llmnotes.toml:2:1: error: 'exclude' pattern '(' is not a valid regular expression"),
        ("[links.hosts.'a.org']\nspeed = 1\n", "llmnotes.toml:1:1: error: unknown key 'speed' for host a.org"),
    ],
)
def test_bad_link_settings_exit_2(make_site, config: str, message: str) -> None:
    site = make_site({"llmnotes.toml": config})
    result = run_cli("check-links", "--offline", cwd=site)
    assert result.returncode == 2 and result.stderr.startswith(message), result.stderr


def test_bad_options_exit_2(make_site) -> None:
    site = make_site()
    for args in (["--timeout", "x"], ["--accept", "ok"], ["--format", "xml"], ["--cache", "a", "--no-cache"], ["--max-concurrency", "0"]):
        assert run_cli("check-links", *args, cwd=site).returncode == 2, args


def test_a_corrupt_cache_is_a_warning_and_is_replaced(make_site) -> None:
    site = make_site()
    (site / "bad.sqlite").write_text("not a database")
    result = run_cli("check-links", "--offline", "--cache", "bad.sqlite", cwd=site)
    assert result.returncode == 0 and "warning: link cache" in result.stderr and "Traceback" not in result.stderr
    assert (site / "bad.sqlite").read_bytes().startswith(b"SQLite format 3")  # a new cache took its place
    again = run_cli("check-links", "--offline", "--cache", "bad.sqlite", cwd=site)
    assert again.returncode == 0 and "warning" not in again.stderr


def test_a_read_only_cache_costs_a_warning_not_the_report(make_site, server) -> None:
    import os

    site = make_site({"notes/one.md": f"---\ntitle: One\nlinks:\n  - url: {server.url('/ok')}\n    title: OK\n    note: Fine.\n---\n"}, sample=False)
    cache = site / "ro" / "links.sqlite"
    cache.parent.mkdir()
    assert run_cli("check-links", *FAST, "--cache", str(cache), "--format", "json", cwd=site).returncode == 0
    if os.geteuid() == 0:
        (site / "ro2").mkdir()
        cache = site / "ro2" / "links.sqlite"
        cache.mkdir()  # a folder where the file should be: unwritable even for root
    else:
        cache.chmod(0o444)
        cache.parent.chmod(0o555)
    result = run_cli("check-links", *FAST, "--cache", str(cache), "--format", "json", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "warning: link cache" in result.stderr and "Traceback" not in result.stderr
    assert '"ok": 1' in result.stdout.replace('"ok":1', '"ok": 1')  # the report is all there


def test_a_cache_row_with_an_impossible_time_does_not_crash_the_build(make_site) -> None:
    import sqlite3

    site = make_site()
    (site / ".llmnotes").mkdir()
    db = sqlite3.connect(site / ".llmnotes" / "links.sqlite")
    db.execute("CREATE TABLE results (key TEXT PRIMARY KEY, url TEXT NOT NULL, verdict TEXT NOT NULL, status INTEGER, final_url TEXT, error TEXT, permanent INTEGER NOT NULL DEFAULT 0, checked_at REAL NOT NULL)")
    db.execute("INSERT INTO results VALUES ('https://arxiv.org/abs/1706.03762', 'https://arxiv.org/abs/1706.03762', 'broken', 404, NULL, 'gone', 0, 1e300)")
    db.commit()
    db.close()
    result = run_cli("build", cwd=site)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def test_bad_notes_stop_the_check(make_site) -> None:
    site = make_site({"notes/broken.md": "---\ntitle: [\n---\n"})
    result = run_cli("check-links", "--offline", cwd=site)
    assert result.returncode == 1 and "notes/broken.md:3:1: error: invalid YAML" in result.stderr


def test_progress_only_on_a_terminal(make_site, server) -> None:
    """Progress goes to stderr when it is a terminal, and nowhere when it is not."""
    import os
    import pty
    import subprocess
    import sys

    links = "".join(f"  - url: {server.url(f'/page/p{i}')}\n    title: P{i}\n" for i in range(20))
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\nlinks:\n{links}---\n"}, sample=False)
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "llmnotes", "check-links", "--no-cache", "--format", "json", *FAST],
        cwd=site, stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "NO_COLOR": "1"}, timeout=60,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    assert b"checked 20/20 (0 broken)" in seen
    assert json.loads(proc.stdout)["summary"]["ok"] == 20  # machine output never mixed with progress
    piped = run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert piped.stderr == ""


def test_ftp_smb_and_protocol_relative_links_are_reported_as_excluded(make_site) -> None:
    body = "Get [the data](ftp://files.example.org/d.csv), [the share](smb://nas/papers) or [this](//cdn.example.org/x.js); [mail](mailto:a@b.org).\n"
    site = make_site({"notes/odd.md": "---\ntitle: Odd links\n---\n" + body}, sample=False)
    result = run_cli("check-links", "--format", "json", *FAST, cwd=site)
    data = json.loads(result.stdout)
    excluded = {r["url"]: r["error"] for r in data["results"] if r["verdict"] == "excluded"}
    assert excluded == {
        "ftp://files.example.org/d.csv": "ftp: links are not checked",
        "smb://nas/papers": "smb: links are not checked",
        "//cdn.example.org/x.js": "protocol-relative URL, not checked: write it with https://",
    }
    assert result.returncode == 0 and not any("mailto" in r["url"] for r in data["results"])
    text = run_cli("check-links", *FAST, cwd=site).stdout
    assert "notes/odd.md" in text and "excluded" in text and "smb: links are not checked" in text


@pytest.mark.parametrize(
    ("location", "expect"),
    [
        ("/page/a: b", "/page/a:%20b"),
        ("/page/x) <img src=x onerror=alert(1)> [y](/z", "/page/x%29%20%3Cimg%20src=x%20onerror=alert%281%29%3E%20%5By%5D%28/z"),
        ("/page/sp ace", "/page/sp%20ace"),
        ("/page/esc\x1b[1m", "/page/esc%1B%5B1m"),
    ],
)
def test_fix_writes_a_hostile_redirect_only_encoded_and_the_note_still_builds(make_site, server, location: str, expect: str) -> None:
    from urllib.parse import quote

    url = server.url("/moved-to?to=" + quote(location, safe=""))
    note = f"---\ntitle: One\nlinks:\n  - url: {url}\n    title: Moved\n    note: It moved.\n---\nSee [it]({url}).\n"
    site = make_site({"notes/one.md": note}, sample=False)
    result = run_cli("check-links", *FAST, "--no-cache", "--fix", cwd=site)
    assert "Traceback" not in result.stderr, result.stderr
    text = (site / "notes" / "one.md").read_text()
    assert text.count(server.url(expect)) == 2 and "<img" not in text and "\x1b" not in text
    built = run_cli("build", "--strict", cwd=site)
    assert built.returncode == 0, built.stderr


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://user:secret@{host}/page/x", "warning: not fixed"),  # followed, reported, not written
        ("javascript:alert(1)", "broken"),  # never followed: the link is broken and nothing is written
    ],
)
def test_fix_refuses_a_redirect_it_cannot_write_safely(make_site, server, target: str, why: str) -> None:
    from urllib.parse import quote

    url = server.url("/moved-to?to=" + quote(target.format(host=server.url("/").split("/")[2]), safe=""))
    note = f"---\ntitle: One\nlinks:\n  - url: {url}\n    title: Moved\n    note: It moved.\n---\nSee [it]({url}).\n"
    site = make_site({"notes/one.md": note}, sample=False)
    result = run_cli("check-links", *FAST, "--no-cache", "--fix", cwd=site)
    said = result.stdout + result.stderr
    assert why in said and "Traceback" not in said and ("credentials" in said or "non-web URL" in said), said
    assert (site / "notes" / "one.md").read_text() == note


@pytest.mark.parametrize(
    ("old", "final", "why"),
    [
        ("https://moved.invalid/page", "javascript:alert(1)", "not a web page"),
        ("https://moved.invalid/page", "http://moved.invalid/page", "downgrade"),
        ("https://moved.invalid/page", "https://user:secret@moved.invalid/page", "credentials"),
    ],
)
def test_fix_never_writes_a_tampered_cache_row(make_site, old: str, final: str, why: str) -> None:
    # the cache is a file anyone with the repository can edit: its redirect targets are checked like a server's
    import time

    from llmnotes.links.cache import store
    from llmnotes.links.result import Result, Verdict
    from llmnotes.normalize import fetch_key

    note = f"---\ntitle: One\nlinks:\n  - url: {old}\n    title: Moved\n---\nSee [it]({old}).\n"
    site = make_site({"notes/one.md": note}, sample=False)
    store(site / "c.sqlite", {fetch_key(old): Result(old, Verdict.REDIRECTED, 301, final_url=final, permanent=True, checked_at=time.time())})
    result = run_cli("check-links", *FAST, "--cache", "c.sqlite", "--fix", "--format", "json", cwd=site)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    data = json.loads(result.stdout)
    places = data["results"][0]["places"]
    assert data["results"][0]["verdict"] == "redirected" and [why in p["fix"]["refused"] for p in places] == [True, True]
    assert result.stderr.count("warning: not fixed") == 2
    assert (site / "notes" / "one.md").read_text() == note


def test_fix_json_says_what_was_written(make_site, server) -> None:
    url = server.url("/301")
    note = f"---\ntitle: One\n---\nCode `{url}` stays; [{url}]({url}) moves.\n"
    site = make_site({"notes/one.md": note}, sample=False)
    result = run_cli("check-links", *FAST, "--no-cache", "--fix", "--format", "json", cwd=site)
    places = next(r for r in json.loads(result.stdout)["results"] if r["url"] == url)["places"]
    assert [p["fix"] for p in places] == [{"written": server.url("/ok")}]
    assert (site / "notes" / "one.md").read_text() == f"---\ntitle: One\n---\nCode `{url}` stays; [{url}]({server.url('/ok')}) moves.\n"


def test_each_place_gets_the_verdict_of_its_own_fragment(make_site, server) -> None:
    """One page cited for a fragment it has and one it has not: fetched once, one place broken."""
    page = server.url("/fragments")
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/a.md": f"---\ntitle: A\n---\nSee [the part]({page}#present).\n",
        "notes/b.md": f"---\ntitle: B\n---\nSee [the other part]({page}#absent).\n",
        "notes/c.md": f"---\ntitle: C\n---\nSee [the page]({page}) and [a name]({page}#named).\n",
    }, sample=False)
    server.reset()
    result = run_cli("check-links", "--no-cache", "--fragments", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1, result.stderr
    assert server.hits("/fragments") == 1
    [row] = [r for r in json.loads(result.stdout)["results"] if r["url"] == page]
    assert row["verdict"] == "broken" and row["error"] == "missing fragment #absent"
    places = {p["path"]: p for p in row["places"]}
    assert places["notes/a.md"]["fragment"] == "present" and places["notes/a.md"]["verdict"] == "ok"
    assert places["notes/b.md"]["fragment"] == "absent" and places["notes/b.md"]["verdict"] == "broken"
    assert places["notes/b.md"]["error"] == "missing fragment #absent"
    assert "fragment" not in places["notes/c.md"] or places["notes/c.md"]["verdict"] == "ok"

    text = run_cli("check-links", "--no-cache", "--fragments", *FAST, cwd=site)
    assert text.returncode == 1
    assert f"notes/b.md\n  4:22    broken      {page}#absent  (missing fragment #absent)" in text.stdout
    assert "notes/a.md" not in text.stdout and "notes/c.md" not in text.stdout  # their fragments are there
    github = run_cli("check-links", "--no-cache", "--fragments", "--format", "github", *FAST, cwd=site)
    assert github.stdout.count("::error ") == 1 and "file=notes/b.md" in github.stdout


def test_reference_definitions_are_reported_and_fixed_where_the_url_is_written(make_site, server) -> None:
    """`[text][d]` uses the URL written at `[d]: URL` further down: reported there, rewritten there,
    even when the redirect leads to a URL another definition already holds."""
    u = server.url
    body = f"See [the paper][p], [good][g] and [the paper again][p].\n\nText.\n\n[p]: {u('/301')}\n[g]: {u('/ok')}\n[t]: {u('/ok')}\n\nAnd [this][t].\n"
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\n---\n{body}"}, sample=False)
    result = run_cli("check-links", "--no-cache", *FAST, cwd=site)
    assert result.returncode == 0, result.stderr
    assert f"notes/a.md\n  8:6     redirected  {u('/301')}" in result.stdout  # the definition, not line 4
    fixed = run_cli("check-links", "--no-cache", "--fix", "--format", "json", *FAST, cwd=site)
    assert f"notes/a.md:8:6: fixed: {u('/301')} → {u('/ok')}" in fixed.stderr, fixed.stderr
    after = (site / "notes" / "a.md").read_text()
    assert after == f"---\ntitle: A\n---\n{body}".replace(f"[p]: {u('/301')}", f"[p]: {u('/ok')}")
    places = [(p["line"], p["col"]) for r in json.loads(run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site).stdout)["results"] for p in r["places"]]
    assert sorted(places) == [(8, 6), (9, 6), (10, 6)]  # three definitions of one URL, each its own place


def test_a_bad_note_is_reported_beside_the_links_of_the_others_which_are_still_checked(make_site, server) -> None:
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/good.md": f"---\ntitle: Good\n---\nSee [fine]({server.url('/ok')}), [gone]({server.url('/404')}) and [[broken-yaml]].\n",
        "notes/outside.md": f"---\ntitle: Outside\n---\nSee [this](../../etc/passwd) and [fine]({server.url('/page/outside')}).\n",
        "notes/broken-yaml.md": "---\ntitle: [unclosed\n---\nText.\n",
    }, sample=False)
    server.reset()
    result = run_cli("check-links", "--no-cache", *FAST, cwd=site)
    assert result.returncode == 1
    assert "notes/broken-yaml.md:3:1: error: invalid YAML" in result.stderr and "notes/outside.md:4:12: error:" in result.stderr
    assert "error in the notes" not in result.stdout and "2 errors in the notes" in result.stderr
    assert "unknown note" not in result.stdout + result.stderr  # the YAML error is the news, not the link to it
    assert server.hits("/ok") >= 1 and server.hits("/page/outside") >= 1  # every note that loaded was checked
    assert f"{server.url('/404')}  (not found (404))" in result.stdout and "Traceback" not in result.stderr
    data = json.loads(run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site).stdout)
    assert sorted(d["path"] for d in data["notes"]) == ["notes/broken-yaml.md", "notes/outside.md"]
    assert all(d["severity"] == "error" and d["line"] > 0 for d in data["notes"])
    assert data["summary"]["broken"] == 1
    github = run_cli("check-links", "--no-cache", "--format", "github", *FAST, cwd=site)
    assert github.returncode == 1 and "::error file=notes/broken-yaml.md,line=3" in github.stdout


def test_a_machine_that_reaches_no_host_says_so_in_one_line_and_exits_2(make_site, tmp_path: Path) -> None:
    """Every host refused or unresolvable: not 'every link broken' but one line, exit 2, no cache
    written (the site would otherwise show every link as broken)."""
    dead = [refused_url().replace("127.0.0.1", f"127.0.0.{i}") + f"p{i}" for i in range(2, 6)] + ["http://nowhere.invalid/x"]
    body = "".join(f"- [link {i}]({url})\n" for i, url in enumerate(dead))
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\n---\n{body}"}, sample=False)
    cache = tmp_path / "links.sqlite"
    result = run_cli("check-links", "--cache", str(cache), *FAST, cwd=site)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert "none of the 5 hosts could be reached" in result.stderr and "--offline" in result.stderr
    assert not cache.exists()
    # one dead host among live ones is a broken link, as ever
    with LinkServer() as live:
        body += f"- [live]({live.url('/ok')})\n"
        (site / "notes" / "a.md").write_text(f"---\ntitle: A\n---\n{body}")
        mixed = run_cli("check-links", "--no-cache", *FAST, cwd=site)
    assert mixed.returncode == 1 and mixed.stdout.count("broken ") == 5 and "1 ok" in mixed.stdout


def _git(cwd: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True)


def test_changed_since_checks_only_the_links_added_or_changed_since_a_git_ref(make_site, server) -> None:
    u = server.url
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/old.md": f"---\ntitle: Old\nlinks:\n  - url: {u('/page/old-entry')}\n    title: Entry\n---\nSee [it]({u('/page/old-body')}).\n",
    }, sample=False)
    _git(site, "init", "-q", "-b", "main")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "first")
    # a new title (no link on that line), one body link changed, one new note (not yet known to git)
    old = site / "notes" / "old.md"
    old.write_text(old.read_text().replace("title: Old", "title: Older").replace("/page/old-body", "/page/new-body"))
    (site / "notes" / "new.md").write_text(f"---\ntitle: New\n---\nSee [this]({u('/page/new-note')}) and [again]({u('/page/old-entry')}).\n")
    server.reset()
    result = run_cli("check-links", "--no-cache", "--changed-since", "main", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 0, result.stderr
    asked = {path for _, path in server.requests}
    assert asked == {"/page/new-body", "/page/new-note", "/page/old-entry"}, asked
    rows = {r["url"]: r for r in json.loads(result.stdout)["results"]}
    assert [p["path"] for p in rows[u("/page/old-entry")]["places"]] == ["notes/new.md"]  # only where it is new
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "second")
    server.reset()
    assert run_cli("check-links", "--no-cache", "--changed-since", "HEAD", *FAST, cwd=site).returncode == 0
    assert server.requests == []  # nothing changed since the last commit
    server.reset()
    assert run_cli("check-links", "--no-cache", "--changed-since", "HEAD~1", *FAST, cwd=site).returncode == 0
    assert {path for _, path in server.requests} == {"/page/new-body", "/page/new-note", "/page/old-entry"}
    server.reset()
    assert run_cli("check-links", "--no-cache", *FAST, cwd=site).returncode == 0  # without it: everything
    assert {path for _, path in server.requests} >= {"/page/old-entry", "/page/new-body", "/page/new-note"}

    for ref, why in (("no-such-branch", "'no-such-branch' is not a commit"), ("--output=x", "not a git revision")):
        bad = run_cli("check-links", "--no-cache", f"--changed-since={ref}", *FAST, cwd=site)
        assert bad.returncode == 2 and why in bad.stderr and "Traceback" not in bad.stderr
    assert not (site / "x").exists()


def test_changed_since_outside_a_git_repository_is_a_usage_error(make_site, tmp_path: Path) -> None:
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": "---\ntitle: A\n---\nText.\n"}, sample=False)
    result = run_cli("check-links", "--no-cache", "--changed-since", "HEAD", cwd=site, env={"GIT_CEILING_DIRECTORIES": str(site.parent)})
    assert result.returncode == 2 and "--changed-since" in result.stderr and "git" in result.stderr


def test_quirks_and_github_token_from_the_config_and_the_environment(make_site, server) -> None:
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/a.md": f"---\ntitle: A\n---\nSee [a wall]({server.url('/999')}) and [a page]({server.url('/ok')}).\n",
        "llmnotes.toml": '[links]\ngithub_hosts = ["127.0.0.1"]\n\n[links.hosts."127.0.0.1"]\nbot_wall = true\n',
    }, sample=False)
    server.reset()
    result = run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site, env={"GITHUB_TOKEN": "t0ken"})
    assert result.returncode == 0, result.stderr  # blocked passes unless --strict
    rows = {r["url"]: r for r in json.loads(result.stdout)["results"]}
    assert rows[server.url("/999")]["verdict"] == "blocked" and "wall" in rows[server.url("/999")]["error"]
    assert {r.headers.get("authorization") for r in server.log} == {"Bearer t0ken"}
    bad = site / "llmnotes.toml"
    bad.write_text('[links.hosts."x.com"]\nbot_wall = "yes"\n')
    wrong = run_cli("check-links", "--no-cache", "--offline", cwd=site)
    assert wrong.returncode == 2 and "bot_wall for host x.com must be true or false" in wrong.stderr


def test_the_notes_as_last_read_are_kept_beside_the_results_and_never_trusted_blindly(make_site, server, tmp_path: Path) -> None:
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/a.md": f"---\ntitle: A\n---\nSee [it]({server.url('/page/one')}).\n",
        "notes/bad.md": "---\ntitle: [unclosed\n---\nText.\n",
    }, sample=False)
    cache = tmp_path / "links.sqlite"
    notes_cache = tmp_path / "links.sqlite.notes"
    first = run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site)
    assert first.returncode == 1 and notes_cache.is_file()
    again = run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site)
    data = json.loads(again.stdout)
    assert [d["path"] for d in data["notes"]] == ["notes/bad.md"]  # its error, from the cache of notes too
    assert data["results"][0]["cached"] is True  # the result from the cache, the note from its cache
    (site / "notes" / "a.md").write_text(f"---\ntitle: A\n---\nSee [it]({server.url('/page/two')}).\n")  # a changed note is read again
    changed = json.loads(run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site).stdout)
    assert [r["url"] for r in changed["results"]] == [server.url("/page/two")]
    # Notes unchanged since the last run: what they gave is kept beside the results, and the notes'
    # own cache is not even opened.
    notes_cache.write_bytes(b"not a pickle")
    kept = run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site)
    assert kept.returncode == 1 and "cannot be read" not in kept.stderr
    assert [r["url"] for r in json.loads(kept.stdout)["results"]] == [server.url("/page/two")]
    assert [d["path"] for d in json.loads(kept.stdout)["notes"]] == ["notes/bad.md"]
    (tmp_path / "links.sqlite.targets").write_bytes(b"not a pickle either")
    broken = run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site)
    assert broken.returncode == 1 and broken.stderr.count("cannot be read") == 2 and "Traceback" not in broken.stderr
    assert [r["url"] for r in json.loads(broken.stdout)["results"]] == [server.url("/page/two")]


def test_what_the_notes_gave_is_not_kept_once_a_file_beside_them_appears(make_site, server, tmp_path: Path) -> None:
    site = make_site({
        "notes/topics.yaml": TOPICS,
        "notes/a.md": f"---\ntitle: A\n---\nSee [it]({server.url('/page/one')}) and ![a picture](diagram.png).\n",
    }, sample=False)
    cache = tmp_path / "links.sqlite"
    first = run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site)
    assert first.returncode == 1 and [d["message"] for d in json.loads(first.stdout)["internal"]] == ["file 'diagram.png' not found in the notes folder"]
    assert (tmp_path / "links.sqlite.targets").is_file()
    (site / "notes" / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # no note changed, but the folder did
    second = run_cli("check-links", "--cache", str(cache), "--format", "json", *FAST, cwd=site)
    assert second.returncode == 0, second.stdout + second.stderr
    assert json.loads(second.stdout)["internal"] == [] and json.loads(second.stdout)["results"][0]["cached"] is True


def test_a_warm_check_of_unchanged_notes_loads_neither_yaml_nor_markdown(make_site, server, tmp_path: Path) -> None:
    site = make_site({"notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\n---\nSee [it]({server.url('/page/one')}).\n"}, sample=False)
    cache = tmp_path / "links.sqlite"
    assert run_cli("check-links", "--cache", str(cache), *FAST, cwd=site).returncode == 0
    probe = (
        "import sys; from llmnotes import cli; code = cli.main(sys.argv[1:]); "
        "print(code, sorted(m for m in ('yaml', 'markdown_it', 'aiohttp', 'llmnotes.load', 'llmnotes.graph') if m in sys.modules))"
    )
    warm = subprocess.run(
        [sys.executable, "-c", probe, "check-links", "--cache", str(cache), "--format", "json", *FAST],
        cwd=site, capture_output=True, text=True, timeout=120,
    )
    assert warm.stdout.strip().splitlines()[-1] == "0 []", warm.stdout + warm.stderr


def test_with_allow_html_links_in_raw_html_are_checked_and_reported_where_written(make_site, server) -> None:
    broken, fine = server.url("/404"), server.url("/ok")
    line = f'See <a href="{broken}">this</a> and <img src="{fine}" alt="">.'
    site = make_site({"llmnotes.toml": "allow_html = true\n", "notes/topics.yaml": TOPICS, "notes/a.md": f"---\ntitle: A\n---\n{line}\n"}, sample=False)
    result = run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert result.returncode == 1, result.stdout + result.stderr
    found = {r["url"]: (r["verdict"], [(p["line"], p["col"]) for p in r["places"]]) for r in json.loads(result.stdout)["results"]}
    assert found == {broken: ("broken", [(4, line.index(broken) + 1)]), fine: ("ok", [(4, line.index(fine) + 1)])}


def test_links_are_checked_while_many_notes_load_and_reported_as_when_all_are_loaded_first(make_site, server) -> None:
    # 80 notes: parsed on worker processes, a chunk at a time, with the links of the first chunks
    # checked meanwhile. One URL written in three notes, one in two spellings of one key, one broken.
    files: dict[str, str | bytes | None] = {"notes/topics.yaml": TOPICS}
    for i in range(80):
        links = [server.url(f"/page/{i}"), server.url("/page/shared")]
        if i == 7:
            links.append(server.url("/404"))
        body = " ".join(f"[l{n}]({url})" for n, url in enumerate(links))
        if i in (3, 60):
            body += f" [dup]({server.url('/page/dup').replace('http://', 'HTTP://' if i == 60 else 'http://')})"
        files[f"notes/n-{i:03}.md"] = f"---\ntitle: Note {i}\n---\n{body}\n"
    site = make_site(files, sample=False)
    streamed = run_cli("check-links", "--no-cache", "--format", "json", *FAST, cwd=site)
    assert streamed.returncode == 1, streamed.stderr
    assert server.hits("/page/shared") == 1 and server.hits("/page/dup") == 1  # once each, however often written
    server.reset()
    loaded_first = run_cli("check-links", "--no-cache", "--fragments", "--format", "json", *FAST, cwd=site)  # needs every note first
    assert server.hits("/page/shared") == 1

    def comparable(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, list[tuple[str, int, int]]]]:
        return [(r["url"], r["verdict"], [(p["path"], p["line"], p["col"]) for p in r["places"]]) for r in json.loads(result.stdout)["results"]]

    assert comparable(streamed) == comparable(loaded_first)
    found = {url: (verdict, places) for url, verdict, places in comparable(streamed)}
    assert len(found) == 80 + 3 and found[server.url("/404")][0] == "broken"
    assert len(found[server.url("/page/shared")][1]) == 80
    assert [p[0] for p in found[server.url("/page/dup")][1]] == ["notes/n-003.md", "notes/n-060.md"]  # under n-003's spelling


def test_with_many_notes_every_link_is_checked_while_they_load_and_none_after(make_site, server, monkeypatch) -> None:
    from llmnotes.links import check as checker
    from llmnotes.links import run as link_run
    from llmnotes.links.settings import LinkSettings

    files: dict[str, str | bytes | None] = {"notes/topics.yaml": TOPICS}
    files.update({f"notes/n-{i:03}.md": f"---\ntitle: Note {i}\n---\n[a]({server.url(f'/page/{i}')}) [b]({server.url('/page/shared')})\n" for i in range(80)})
    site = make_site(files, sample=False)

    def not_after(*args: object, **kwargs: object) -> object:
        raise AssertionError("a link was left for after the notes had loaded")

    monkeypatch.setattr(checker, "check", not_after)
    outcome = link_run.run(site / "notes", LinkSettings(cache=None, host_interval=0.0, retries=0, timeout=5.0))
    assert outcome.report.summary["ok"] == 81 and outcome.diagnostics == []
