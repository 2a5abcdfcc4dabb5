"""The misbehaving test server does what it promises (checked with http.client and raw sockets)."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest

from linkserver import HTML_BIG_SIZE, LinkServer, refused_url


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with LinkServer() as s:
        yield s


def conn(server: LinkServer, timeout: float = 5.0) -> http.client.HTTPConnection:
    assert server.port is not None
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)


def fetch(
    server: LinkServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str], bytes]:
    """One request on a fresh connection: (status, reason, headers lower-cased, body)."""
    c = conn(server)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, r.reason, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        c.close()


def status(server: LinkServer, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> int:
    return fetch(server, path, method, headers)[0]


# --- basics -------------------------------------------------------------------------------


def test_url_port_and_ok(server: LinkServer) -> None:
    assert server.url("/ok") == f"http://127.0.0.1:{server.port}/ok"
    code, _, headers, body = fetch(server, "/ok")
    assert code == 200
    assert headers["content-type"].startswith("text/html")
    assert int(headers["content-length"]) == len(body) > 0
    assert b"<html" in body


def test_page_anything_and_unknown(server: LinkServer) -> None:
    for i in range(20):
        assert status(server, f"/page/{i}/x?y={i}") == 200
    assert status(server, "/nope") == 404
    assert server.hits("/page/3/x") == 1


@pytest.mark.parametrize("code", [404, 410, 500, 401, 403])
def test_fixed_statuses(server: LinkServer, code: int) -> None:
    got, _, headers, body = fetch(server, f"/{code}")
    assert got == code
    assert int(headers["content-length"]) == len(body)
    assert fetch(server, f"/{code}", "HEAD")[0] == code


def test_999(server: LinkServer) -> None:
    code, reason, _, _ = fetch(server, "/999")
    assert code == 999
    assert reason == "Request denied"


def test_cloudflare(server: LinkServer) -> None:
    code, _, headers, body = fetch(server, "/cloudflare")
    assert code == 403
    assert headers["server"] == "cloudflare"
    assert headers["cf-mitigated"] == "challenge"
    assert b"Just a moment..." in body


# --- transient failures -------------------------------------------------------------------


def test_503_twice_then_200_and_reset(server: LinkServer) -> None:
    assert [status(server, "/503-twice", m) for m in ("HEAD", "GET", "GET")] == [503, 503, 200]
    assert status(server, "/503-twice") == 200
    server.reset()
    assert status(server, "/503-twice") == 503


def test_429_once(server: LinkServer) -> None:
    code, _, headers, _ = fetch(server, "/429-once")
    assert (code, headers["retry-after"]) == (429, "1")
    assert status(server, "/429-once") == 200


def test_429_date(server: LinkServer) -> None:
    code, _, headers, _ = fetch(server, "/429-date")
    assert code == 429
    ahead = parsedate_to_datetime(headers["retry-after"]).timestamp() - time.time()
    assert 0.5 < ahead <= 2.1
    assert status(server, "/429-date") == 200


def test_429_always(server: LinkServer) -> None:
    for _ in range(3):
        code, _, headers, _ = fetch(server, "/429-always")
        assert (code, headers["retry-after"]) == (429, "1")


# --- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 308])
def test_simple_redirects(server: LinkServer, code: int) -> None:
    got, _, headers, _ = fetch(server, f"/{code}")
    assert (got, headers["location"]) == (code, "/ok")


def follow(server: LinkServer, path: str, limit: int = 20) -> list[tuple[int, str]]:
    """Follow redirects by hand: [(status, path), ...] ending at the first non-redirect."""
    seen = []
    for _ in range(limit):
        code, _, headers, _ = fetch(server, path)
        seen.append((code, path))
        if code not in (301, 302, 303, 307, 308):
            return seen
        path = headers["location"]
    return seen


def test_chain_is_five_hops(server: LinkServer) -> None:
    hops = follow(server, "/chain/1")
    assert [p for _, p in hops] == ["/chain/1", "/chain/2", "/chain/3", "/chain/4", "/chain/5", "/ok"]
    assert [c for c, _ in hops] == [302] * 5 + [200]


def test_loop_never_ends(server: LinkServer) -> None:
    hops = follow(server, "/loop/a", limit=6)
    assert [p for _, p in hops] == ["/loop/a", "/loop/b"] * 3
    assert {c for c, _ in hops} == {302}


def test_redirect_to_404_and_external(server: LinkServer) -> None:
    assert follow(server, "/redirect-404") == [(302, "/redirect-404"), (404, "/404")]
    code, _, headers, _ = fetch(server, "/redirect-external")
    assert (code, headers["location"]) == (302, "http://unresolvable.invalid/")


def test_cookie_flow(server: LinkServer) -> None:
    code, _, headers, _ = fetch(server, "/cookie-set")
    assert (code, headers["location"]) == (302, "/cookie-check")
    assert headers["set-cookie"].startswith("token=abc")
    assert status(server, "/cookie-check") == 403
    assert status(server, "/cookie-check", headers={"Cookie": "other=1; token=abc"}) == 200
    assert status(server, "/cookie-check", headers={"Cookie": "token=nope"}) == 403


# --- HEAD quirks --------------------------------------------------------------------------


def test_head_405_and_404(server: LinkServer) -> None:
    code, _, headers, _ = fetch(server, "/head-405", "HEAD")
    assert (code, headers["allow"]) == (405, "GET")
    assert status(server, "/head-405") == 200
    assert status(server, "/head-404", "HEAD") == 404
    assert status(server, "/head-404") == 200


def test_head_reset(server: LinkServer) -> None:
    with pytest.raises(ConnectionError):
        fetch(server, "/head-reset", "HEAD")
    assert status(server, "/head-reset") == 200
    assert server.hits("/head-reset", "HEAD") == 1
    assert server.hits("/head-reset", "GET") == 1


def test_head_on_normal_route_has_length_no_body(server: LinkServer) -> None:
    c = conn(server)
    c.request("HEAD", "/ok")
    r = c.getresponse()
    assert r.status == 200
    assert int(r.getheader("Content-Length")) > 0
    assert r.read() == b""
    c.request("GET", "/ok")  # the connection is still in step
    assert c.getresponse().read().startswith(b"<!doctype html>")
    c.close()


# --- broken connections -------------------------------------------------------------------


def test_reset_raises(server: LinkServer) -> None:
    with pytest.raises(ConnectionError):
        fetch(server, "/reset")
    assert server.hits("/reset") == 1
    assert status(server, "/ok") == 200


def test_reset_is_a_tcp_reset(server: LinkServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            s.recv(1024)


def test_refused_url() -> None:
    url = refused_url()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    port = int(url.rsplit(":", 1)[1].rstrip("/"))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert LinkServer.refused_url().startswith("http://127.0.0.1:")


# --- slow and endless ---------------------------------------------------------------------


def test_slow_headers(server: LinkServer) -> None:
    t0 = time.monotonic()
    assert status(server, "/slow-headers?s=0.5") == 200
    assert time.monotonic() - t0 >= 0.5
    c = conn(server, timeout=0.2)
    c.request("GET", "/slow-headers?s=2")
    with pytest.raises(TimeoutError):
        c.getresponse()
    c.close()
    assert server.hits("/slow-headers") == 2
    assert server.hits("/slow-headers?s=2") == 1


def test_trickle(server: LinkServer) -> None:
    c = conn(server, timeout=2)
    t0 = time.monotonic()
    c.request("GET", "/trickle")
    r = c.getresponse()
    assert time.monotonic() - t0 < 0.5  # headers come at once
    assert r.status == 200
    assert r.getheader("Content-Length") == "1000"
    got = b""
    while time.monotonic() - t0 < 0.7:
        got += r.read(1)
    assert 2 <= len(got) <= 6  # one byte every 0.2 s
    c.close()
    assert status(server, "/ok") == 200


def test_endless(server: LinkServer) -> None:
    c = conn(server)
    c.request("GET", "/endless")
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.getheader("Content-Length") is None
    total = 0
    t0 = time.monotonic()
    while total <= 4 * 1024 * 1024 and time.monotonic() - t0 < 3:
        total += len(r.read(256 * 1024))
    assert total > 1024 * 1024
    c.close()
    assert status(server, "/ok") == 200  # still serving
    assert server.hits("/endless") == 1


def test_stop_does_not_hang_on_stuck_handlers() -> None:
    s = LinkServer().start()
    stuck = []
    for path in ("/slow-headers?s=60", "/trickle", "/endless"):
        c = conn(s, timeout=5)
        c.request("GET", path)
        stuck.append(c)
    idle = conn(s)
    idle.request("GET", "/ok")
    idle.getresponse().read()  # an idle keep-alive connection too
    deadline = time.monotonic() + 2
    while len(s.requests) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    s.stop()
    assert time.monotonic() - t0 < 2
    assert not s.running
    for c in [*stuck, idle]:
        c.close()
    s.stop()  # twice is fine


# --- content ------------------------------------------------------------------------------


def test_fragments(server: LinkServer) -> None:
    _, _, _, body = fetch(server, "/fragments")
    assert b'id="present"' in body
    assert b'<a name="named">' in body
    assert b"absent" not in body


def test_ua(server: LinkServer) -> None:
    assert status(server, "/ua", headers={"User-Agent": "llmnotes-test/1.0"}) == 200
    assert status(server, "/ua", headers={"User-Agent": "curl/8"}) == 403
    assert server.log[0].headers["user-agent"] == "llmnotes-test/1.0"


def test_html_big(server: LinkServer) -> None:
    _, _, headers, body = fetch(server, "/html-big")
    assert len(body) == HTML_BIG_SIZE == int(headers["content-length"]) >= 2_000_000
    assert body.rfind(b'id="deep"') > len(body) - 100
    assert body.count(b'id="deep"') == 1


# --- records and connections --------------------------------------------------------------


def test_requests_and_hits(server: LinkServer) -> None:
    fetch(server, "/ok")
    fetch(server, "/ok?x=1", "HEAD")
    fetch(server, "/404")
    assert server.requests == [("GET", "/ok"), ("HEAD", "/ok?x=1"), ("GET", "/404")]
    assert server.hits("/ok") == 2
    assert server.hits("/ok", "HEAD") == 1
    assert server.hits("/ok", method="get") == 1
    assert server.hits("/ok?x=1") == 1
    assert server.hits("/ok?x=2") == 0
    assert server.hits("/o") == 0
    server.reset()
    assert server.requests == []
    assert server.hits("/ok") == 0


def test_keep_alive_reuse(server: LinkServer) -> None:
    c = conn(server)
    c.request("GET", "/ok")
    r1 = c.getresponse()
    r1.read()
    sock = c.sock
    c.request("GET", "/page/2")
    r2 = c.getresponse()
    r2.read()
    assert (r1.status, r2.status) == (200, 200)
    assert c.sock is sock and sock is not None
    c.close()
    ports = {r.client_port for r in server.log}
    assert len(ports) == 1
    assert server.connections_opened == 1


def test_post_body_is_drained(server: LinkServer) -> None:
    c = conn(server)
    c.request("POST", "/ok", body=b"x" * 5000)
    assert c.getresponse().read()
    c.request("GET", "/404")
    assert c.getresponse().status == 404
    c.close()


def test_context_manager_and_restart() -> None:
    s = LinkServer()
    with s:
        port = s.port
        assert status(s, "/ok") == 200
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
