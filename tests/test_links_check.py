"""The checker against a real HTTP server on 127.0.0.1 whose routes misbehave on purpose.

One module-wide run checks every route at once (as a real run would, all hosts interleaved); each
test then asserts the verdict of one route and how many requests the server saw for it.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from linkserver import LinkServer, refused_url
from llmnotes.links.check import check
from llmnotes.links.extract import Target, fetch_key
from llmnotes.links.settings import LinkSettings, parse_codes, parse_duration
from llmnotes.model import Place

FAST = LinkSettings(timeout=1.0, retries=2, backoff=0.05, max_retry_after=3.0, host_interval=0.0, cache=None)

ROUTES = [
    "/ok", "/404", "/410", "/500", "/503-twice", "/429-once", "/429-date", "/429-always", "/301", "/308",
    "/302", "/chain/1", "/loop/a", "/redirect-404", "/head-405", "/head-404", "/head-reset",
    "/slow-headers?s=3", "/trickle", "/endless", "/reset", "/cookie-set", "/401", "/403", "/999", "/cloudflare",
]


def target(url: str, *places: Place, fragments=()) -> Target:
    return Target(url.split("#")[0], fetch_key(url), places or (Place("n.md", 1, 1),), tuple(fragments))


@pytest.fixture(scope="module")
def server():
    with LinkServer() as s:
        yield s


@pytest.fixture(scope="module")
def run(server):
    """Check every route once; return (results by path, seconds taken)."""
    server.reset()
    urls = {path: server.url(path) for path in ROUTES}
    started = time.perf_counter()
    results = check([target(u) for u in urls.values()], FAST)
    seconds = time.perf_counter() - started
    counts = {p: server.hits(p) for p in {path.split("?")[0] for path in ROUTES} | {f"/chain/{i}" for i in range(1, 6)} | {"/loop/b"}}
    return {path: results[fetch_key(u)] for path, u in urls.items()}, seconds, counts


def hits(run, path: str) -> int:
    """Requests the server saw for `path` during the module-wide run."""
    return run[2][path.split("?")[0]]


@pytest.mark.parametrize(
    "path, verdict, status, requests",
    [
        ("/ok", "ok", 200, 5),                  # one HEAD each: itself, /301, /308, /302, /chain/5
        ("/404", "broken", 404, 4),             # HEAD, then GET to be sure; the same via /redirect-404
        ("/410", "broken", 410, 2),
        ("/500", "broken", 500, 6),             # HEAD + GET, three attempts
        ("/503-twice", "ok", 200, 3),           # 503 (HEAD), 503 (GET), retry: 200
        ("/429-once", "ok", 200, 2),            # waits Retry-After, then 200
        ("/429-date", "ok", 200, 2),            # Retry-After as an HTTP date
        ("/429-always", "blocked", 429, 3),     # never clears: blocked, not broken
        ("/head-405", "ok", 200, 2),            # HEAD refused must not make a live link look dead
        ("/head-404", "ok", 200, 2),
        ("/head-reset", "ok", 200, (2, 3)),     # aiohttp resends a HEAD once when a reused connection drops
        ("/401", "blocked", 401, 2),
        ("/403", "blocked", 403, 2),
        ("/999", "blocked", 999, 2),
        ("/cloudflare", "blocked", 403, 2),
    ],
)
def test_status_verdicts_and_request_counts(run, server, path, verdict, status, requests) -> None:
    result = run[0][path]
    assert (result.verdict, result.status) == (verdict, status), result
    assert hits(run, path) in (requests if isinstance(requests, tuple) else (requests,))


def test_permanent_redirect_is_reported_with_its_final_url(run, server) -> None:
    results = run[0]
    for path in ("/301", "/308"):
        assert results[path].verdict == "redirected"
        assert results[path].final_url == server.url("/ok") and results[path].permanent
    assert results["/302"].verdict == "ok" and results["/302"].final_url == server.url("/ok")


def test_redirect_chains_loops_and_dead_ends(run, server) -> None:
    results = run[0]
    assert results["/chain/1"].verdict == "ok" and results["/chain/1"].final_url == server.url("/ok")
    assert all(hits(run, f"/chain/{i}") == 1 for i in range(1, 6))
    loop = results["/loop/a"]
    assert loop.verdict == "broken" and loop.error.startswith("redirect loop: ") and "/loop/b" in loop.error
    assert hits(run, "/loop/a") == 1 and hits(run, "/loop/b") == 1  # a loop is not retried
    dead = results["/redirect-404"]
    assert (dead.verdict, dead.status, dead.final_url) == ("broken", 404, server.url("/404"))


def test_too_many_redirects(server) -> None:
    settings = LinkSettings(timeout=1.0, retries=0, max_redirects=3, host_interval=0.0, cache=None)
    result = check([target(server.url("/chain/1"))], settings)[fetch_key(server.url("/chain/1"))]
    assert result.verdict == "broken" and result.error == "too many redirects (more than 3)"


def test_slow_headers_time_out_and_are_retried(run, server) -> None:
    result = run[0]["/slow-headers?s=3"]
    assert (result.verdict, result.error) == ("broken", "timed out after 1 s")
    assert hits(run, "/slow-headers") == 3  # a timed-out HEAD is not repeated as GET


def test_trickling_and_endless_bodies_do_not_hang(run, server) -> None:
    results, seconds = run[0], run[1]
    assert results["/trickle"].verdict == "ok" and results["/endless"].verdict == "ok"
    assert seconds < 15


def test_reset_connections_are_retried_then_broken(run, server) -> None:
    result = run[0]["/reset"]
    assert (result.verdict, result.error) == ("broken", "connection reset")
    # HEAD and GET, three attempts; aiohttp also resends once when the request went out on a reused
    # keep-alive connection (RFC 9112 §9.3.1), so between 6 and 12.
    assert 6 <= hits(run, "/reset") <= 12


def test_cookie_set_during_a_redirect_is_sent_along_the_chain(run, server) -> None:
    result = run[0]["/cookie-set"]
    assert result.verdict == "ok" and result.final_url == server.url("/cookie-check")


def test_a_redirect_to_itself_that_sets_a_cookie_is_not_a_loop(server) -> None:
    """A loop is the same URL with the same cookies: the consent redirect loads as in a browser,
    a server that keeps changing the cookie is stopped by the hop limit, and a true loop stays one."""
    server.reset()
    urls = [server.url(p) for p in ("/cookie-self", "/cookie-churn", "/loop/a")]
    results = check([target(u) for u in urls], replace(FAST, retries=0, max_redirects=5))
    consent, churn, loop = (results[fetch_key(u)] for u in urls)
    assert (consent.verdict, consent.status) == ("ok", 200)
    assert server.hits("/cookie-self") == 2  # HEAD: 302 and a cookie; HEAD again with it: 200
    assert churn.verdict == "broken" and churn.error == "too many redirects (more than 5)"
    assert loop.verdict == "broken" and loop.error.startswith("redirect loop: ")


def test_refused_and_unresolvable_hosts_are_broken_without_retrying() -> None:
    refused, invalid = refused_url(), "http://nothing-here.invalid/page"
    results = check([target(refused), target(invalid)], FAST)
    assert (results[fetch_key(refused)].verdict, results[fetch_key(refused)].error) == ("broken", "connection refused")
    assert (results[fetch_key(invalid)].verdict, results[fetch_key(invalid)].error) == ("broken", "DNS: host not found")


def test_a_url_cited_from_many_notes_is_fetched_once(server) -> None:
    server.reset()
    url = server.url("/page/shared")
    places = tuple(Place(f"note-{i}.md", 3, 10) for i in range(50))
    results = check([target(url, *places)], FAST)
    assert results[fetch_key(url)].verdict == "ok"
    assert server.hits("/page/shared") == 1


def test_fragments_are_checked_in_html_when_asked(server) -> None:
    server.reset()
    settings = LinkSettings(timeout=2.0, retries=0, fragments=True, host_interval=0.0, cache=None)
    base = server.url("/fragments")
    good = target(base, fragments=[("present", Place("a.md", 1, 1)), ("named", Place("a.md", 2, 1))])
    results = check([good], settings)
    assert results[good.key].verdict == "ok"
    bad = target(base, fragments=[("absent", Place("a.md", 1, 1)), ("present", Place("a.md", 2, 1))])
    result = check([bad], settings)[bad.key]  # the page is there; one of its places asks for what is not
    assert (result.verdict, result.missing_fragments) == ("ok", ("absent",))
    big = target(server.url("/html-big"), fragments=[("deep", Place("a.md", 1, 1))])
    assert check([big], settings)[big.key].verdict == "ok"
    assert server.hits("/fragments", "HEAD") == 0  # a body is needed, so GET straight away


def test_per_host_headers_and_accepted_codes(server) -> None:
    from llmnotes.links.settings import HostSettings

    url = server.url("/ua")
    plain = check([target(url)], FAST)[fetch_key(url)]
    assert plain.verdict == "blocked"
    custom = LinkSettings(timeout=1.0, host_interval=0.0, cache=None, hosts={"127.0.0.1": HostSettings(headers=(("User-Agent", "llmnotes-test/1"),))})
    assert check([target(url)], custom)[fetch_key(url)].verdict == "ok"
    accepting = LinkSettings(timeout=1.0, host_interval=0.0, cache=None, accept=parse_codes("200-299,404"))
    assert check([target(server.url("/404"))], accepting)[fetch_key(server.url("/404"))].verdict == "ok"


def test_the_quirks_table_built_in_extended_and_overridden(server) -> None:
    """Bot walls are blocked, never broken; a host that wants `Accept: text/html` gets it; the
    user's `[links.hosts]` extends and overrides the built-in table, parent domains included."""
    from llmnotes.links.quirks import BUILT_IN
    from llmnotes.links.settings import HostSettings

    default = LinkSettings()
    assert all(default.for_host(h).bot_wall for h in ("x.com", "www.linkedin.com", "someone.medium.com"))
    assert ("Accept", "text/html") in default.for_host("crates.io").headers and default.for_host("example.org") == HostSettings()
    mine = LinkSettings(hosts={"x.com": HostSettings(bot_wall=False, headers=(("X-Mine", "1"),))})
    assert mine.for_host("x.com").bot_wall is False and mine.for_host("x.com").headers == (("X-Mine", "1"),)
    assert mine.for_host("linkedin.com") == BUILT_IN["linkedin.com"]  # the rest of the table stays

    server.reset()
    walled = replace(FAST, retries=0, hosts={"127.0.0.1": HostSettings(bot_wall=True)})
    urls = [server.url(p) for p in ("/403", "/404", "/999", "/ok", "/accept-html")]
    results = check([target(u) for u in urls], walled)
    verdicts = [results[fetch_key(u)].verdict for u in urls]
    assert verdicts == ["blocked", "blocked", "blocked", "ok", "blocked"]
    assert "shows robots a wall (HTTP 404)" in (results[fetch_key(urls[1])].error or "")
    assert check([target(urls[1])], replace(FAST, retries=0))[fetch_key(urls[1])].verdict == "broken"  # no wall: broken

    html = server.url("/accept-html")
    assert check([target(html)], replace(FAST, retries=0))[fetch_key(html)].verdict == "broken"
    wants_html = replace(FAST, retries=0, hosts={"127.0.0.1": HostSettings(headers=(("Accept", "text/html"),))})
    assert check([target(html)], wants_html)[fetch_key(html)].verdict == "ok"


def test_github_token_goes_to_github_hosts_only_and_never_across_a_redirect(server) -> None:
    server.reset()
    elsewhere = server.url("/ok").replace("127.0.0.1", "localhost")
    start = server.url(f"/moved-to?to={elsewhere}")
    with_token = replace(FAST, retries=0, github_token="s3cret", github_hosts=("127.0.0.1",))
    assert check([target(start)], with_token)[fetch_key(start)].verdict == "redirected"
    auth = {r.path.split("?")[0]: r.headers.get("authorization") for r in server.log}
    assert auth == {"/moved-to": "Bearer s3cret", "/ok": None}
    server.reset()
    check([target(start)], replace(FAST, retries=0, github_token="s3cret"))  # 127.0.0.1 is not a GitHub host
    assert all("authorization" not in r.headers for r in server.log)


def test_excluded_urls_are_never_requested(server) -> None:
    server.reset()
    url = server.url("/page/private")
    settings = LinkSettings(exclude=(r"/page/priv",), host_interval=0.0, cache=None)
    assert check([target(url)], settings)[fetch_key(url)].verdict == "excluded"
    assert server.hits("/page/private") == 0


def test_host_interval_spaces_request_starts(server) -> None:
    urls = [server.url(f"/page/{i}") for i in range(12)]
    settings = LinkSettings(host_concurrency=6, host_interval=0.05, timeout=2.0, cache=None)
    started = time.perf_counter()
    results = check([target(u) for u in urls], settings)
    assert all(r.verdict == "ok" for r in results.values())
    assert time.perf_counter() - started >= 11 * 0.05 * 0.9  # twelve starts, 50 ms apart


def test_host_concurrency_limits_requests_in_flight(server) -> None:
    # Eight answers that each take 0.3 s: two at a time need four rounds, eight at a time one.
    urls = [server.url(f"/slow-headers?s=0.3&n={i}") for i in range(8)]
    limited = LinkSettings(host_concurrency=2, host_interval=0.0, timeout=2.0, retries=0, cache=None)
    started = time.perf_counter()
    assert all(r.verdict == "ok" for r in check([target(u) for u in urls], limited).values())
    assert time.perf_counter() - started >= 4 * 0.3 * 0.95
    free = LinkSettings(host_concurrency=8, host_interval=0.0, timeout=2.0, retries=0, cache=None)
    started = time.perf_counter()
    assert all(r.verdict == "ok" for r in check([target(u) for u in urls], free).values())
    assert time.perf_counter() - started < 4 * 0.3 * 0.95


def test_settings_parsers() -> None:
    assert parse_duration("50ms") == 0.05 and parse_duration("2s") == 2 and parse_duration("1d") == 86400 and parse_duration(3) == 3
    with pytest.raises(ValueError):
        parse_duration("soon")
    assert parse_codes("200-202,403") == {200, 201, 202, 403}
    with pytest.raises(ValueError):
        parse_codes("ok")


def test_a_slow_host_does_not_stall_the_others(server) -> None:
    """127.0.0.1 and localhost are two hosts to the scheduler (one server behind both)."""
    slow = [target(server.url(f"/slow-headers?s=0.5&n={i}")) for i in range(6)]
    fast = [target(server.url(f"/page/fast-{i}").replace("127.0.0.1", "localhost")) for i in range(6)]
    finished: dict[str, float] = {}
    started = time.perf_counter()
    settings = LinkSettings(host_concurrency=1, host_interval=0.0, timeout=3.0, retries=0, cache=None)
    results = check(slow + fast, settings, on_result=lambda r: finished.setdefault(r.url, time.perf_counter() - started))
    assert all(r.verdict == "ok" for r in results.values()), results
    assert max(finished[t.url] for t in fast) < 1.0  # done while the slow host is still on its second URL
    assert max(finished[t.url] for t in slow) >= 6 * 0.5 * 0.95


def test_the_deadline_bounds_a_body_that_trickles(server) -> None:
    """Reading a page for its fragments must stop at the deadline, not when the server finishes."""
    slow_body = target(server.url("/trickle"), fragments=[("x", Place("a.md", 1, 1))])
    settings = LinkSettings(timeout=1.0, retries=0, fragments=True, host_interval=0.0, cache=None)
    started = time.perf_counter()
    result = check([slow_body], settings)[slow_body.key]
    assert (result.verdict, result.error) == ("broken", "timed out after 1 s")
    assert time.perf_counter() - started < 3  # the body would take 200 s to arrive


def test_an_endless_body_is_read_only_up_to_the_limit(server) -> None:
    """The 8 MiB cap, not the deadline, ends the read: with a deadline far away, the page is judged
    on what was read (no such fragment) within seconds. Without the cap this would time out."""
    endless = target(server.url("/endless"), fragments=[("x", Place("a.md", 1, 1))])
    settings = LinkSettings(timeout=60.0, retries=0, fragments=True, host_interval=0.0, cache=None)
    started = time.perf_counter()
    result = check([endless], settings)[endless.key]
    assert (result.verdict, result.missing_fragments) == ("ok", ("x",))
    assert time.perf_counter() - started < 20


def test_a_result_fetched_under_another_spelling_is_reported_under_the_one_written_first() -> None:
    from llmnotes.links.extract import Target
    from llmnotes.links.result import Result, Verdict
    from llmnotes.links.run import _as_written
    from llmnotes.links.settings import LinkSettings
    from llmnotes.model import Place

    place = Place("notes/a.md", 4, 1)
    first = Target("http://e.org/x", "http://e.org/x", (place,))
    streamed = {"http://e.org/x": Result("HTTP://E.ORG/x", Verdict.OK, 200)}
    assert _as_written([first], streamed, LinkSettings(cache=None)) == {"http://e.org/x": Result("http://e.org/x", Verdict.OK, 200)}
    # the spelling written first is excluded, the one fetched was not: left to be checked as written
    assert _as_written([first], streamed, LinkSettings(cache=None, exclude=("e\\.org",))) == {}
