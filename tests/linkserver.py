"""A local HTTP/1.1 server that misbehaves on purpose, for testing the link checker.

Standard library only. Typical use in a test module (tests/ is on sys.path under pytest):

    from linkserver import LinkServer, refused_url

    @pytest.fixture
    def server():
        with LinkServer() as s:
            yield s

    def test_something(server):
        url = server.url("/503-twice")
        ...
        assert server.hits("/503-twice") == 3

Every request is recorded (method, path with query) before it is answered, even on the routes
that then reset the connection or never finish. `reset()` clears the records and the per-route
counters (/503-twice, /429-once, /429-date).

Routes (bodies are text/html with a Content-Length unless noted; HEAD gets the same status and
headers without the body, except on the /head-* routes):

    /ok                  200 small page
    /page/<anything>     200 page naming the path
    /404 /410 /500       that status, always
    /401 /403            that status, always
    /999                 status 999 "Request denied" (LinkedIn style)
    /cloudflare          403, Server: cloudflare, cf-mitigated: challenge, body "Just a moment..."
    /503-twice           503 for the first two requests since the last reset (any method), then 200
    /429-once            429 Retry-After: 1 the first time, then 200
    /429-date            429 Retry-After: <HTTP date 1 to 2 s ahead> the first time, then 200
    /429-always          429 Retry-After: 1, always
    /301 /302 /308       that status, Location: /ok
    /moved-to?to=X       301, Location: X exactly as given (for --fix against hostile servers)
    /chain/1 .. /chain/5 302 to the next one, /chain/5 -> /ok (five hops from /chain/1)
    /loop/a <-> /loop/b  302 to each other, forever
    /redirect-404        302 -> /404
    /redirect-external   302 -> http://unresolvable.invalid/
    /head-405            HEAD 405 (Allow: GET), GET 200
    /head-404            HEAD 404, GET 200
    /head-reset          HEAD: connection reset without a response, GET 200
    /slow-headers?s=N    waits N seconds (float, default 3) before sending anything, then 200
    /trickle             status and headers at once (Content-Length: 1000), then one byte per 0.2 s
    /endless             200 chunked, 64 KiB chunks forever, until the client goes away
    /reset               connection reset (SO_LINGER 0) without any response
    /cookie-set          302 -> /cookie-check with Set-Cookie: token=abc; Path=/
    /cookie-check        200 if the request carries the cookie token=abc, else 403
    /cookie-self         302 to itself with Set-Cookie: consent=yes, 200 once that cookie comes back
    /cookie-churn        302 to itself with a new cookie value n=1, 2, 3… every time
    /accept-html         200 if the request's Accept header is exactly text/html, else 404 (crates.io style)
    /fragments           200 page with id="present" and <a name="named">, no "absent" anywhere
    /ua                  200 if User-Agent contains "llmnotes-test", else 403
    /html-big            200, a 2 MiB page whose id="deep" element is at the very end
    anything else        404
"""

from __future__ import annotations

import email.utils
import math
import socket
import socketserver
import struct
import sys
import threading
import time
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

__all__ = ["ENDLESS_CHUNK_SIZE", "HTML_BIG_SIZE", "TRICKLE_LENGTH", "LinkServer", "RequestRecord", "refused_url"]

HOST = "127.0.0.1"
TRICKLE_LENGTH = 1000
TRICKLE_INTERVAL = 0.2
ENDLESS_CHUNK_SIZE = 64 * 1024
HTML_BIG_SIZE = 2 * 1024 * 1024
SLOW_DEFAULT = 3.0
CHAIN_LENGTH = 5


def refused_url() -> str:
    """`http://127.0.0.1:<port>/` for a port where nothing listens (bound, read, closed at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    return f"http://{HOST}:{port}/"


class RequestRecord(NamedTuple):
    """One received request, with more detail than the (method, path) tuples in `requests`."""

    method: str
    path: str  # with the query, as sent in the request line
    headers: dict[str, str]  # last value wins; names lower-cased
    client_port: int  # the client's source port: same port means the same (reused) connection


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head>\n<body>\n{body}\n</body></html>\n"
    ).encode()


_OK_PAGE = _page("OK", "<h1 id=\"ok\">OK</h1>\n<p>All is well.</p>")
_FRAGMENTS_PAGE = _page(
    "Fragments",
    "<h1 id=\"top\">Fragments</h1>\n"
    "<section id=\"present\"><p>This element is here.</p></section>\n"
    "<p><a name=\"named\">A named anchor</a></p>\n"
    "<p><a href=\"#present\">Jump</a></p>",
)
_CLOUDFLARE_PAGE = _page(
    "Just a moment...",
    "<h1>Just a moment...</h1>\n<p>Checking your browser before accessing the site.</p>",
)
assert b"absent" not in _FRAGMENTS_PAGE

_big_lock = threading.Lock()
_big_page: bytes | None = None


def _html_big() -> bytes:
    """Exactly HTML_BIG_SIZE bytes; the id="deep" element closes the document."""
    global _big_page
    with _big_lock:
        if _big_page is None:
            head = b"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Big</title></head>\n<body>\n"
            tail = b"<p id=\"deep\">The deep end.</p>\n</body></html>\n"
            line = b"<p>Filler paragraph to make this page large; nothing to see here.</p>\n"
            room = HTML_BIG_SIZE - len(head) - len(tail)
            filler = line * (room // len(line))
            filler += b" " * (room - len(filler))
            _big_page = head + filler + tail
            assert len(_big_page) == HTML_BIG_SIZE
        return _big_page


def _endless_chunk() -> bytes:
    data = (b"<p>endless</p>\n" * (ENDLESS_CHUNK_SIZE // 15 + 1))[:ENDLESS_CHUNK_SIZE]
    return b"%x\r\n" % len(data) + data + b"\r\n"


_ENDLESS_CHUNK = _endless_chunk()
_TRICKLE_BODY = (b"<!doctype html>\n<p>trickle</p>\n" + b" " * TRICKLE_LENGTH)[: TRICKLE_LENGTH - 1] + b"\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # handler threads never keep the process alive
    block_on_close = False  # server_close() never waits for stuck handlers
    allow_reuse_address = True
    request_queue_size = 128  # "many URLs" tests open many connections at once
    link: LinkServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), which can be slow; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients going away (and stop() cutting connections) is the point of this server: stay quiet.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LinkServer/1.0"
    sys_version = ""
    timeout = 120  # socket timeout, so a forgotten idle connection cannot pin a thread forever
    server: _Server

    # --- plumbing -------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.link._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.link._connection_closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _drain_body(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # not worth decoding; just don't reuse the connection
            return
        try:
            length = int(self.headers.get("Content-Length", "0") or "0")
        except ValueError:
            length = 0
        if length > 0:
            self.rfile.read(length)

    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: list[tuple[str, str]] | None = None,
        reason: str | None = None,
    ) -> None:
        """A normal response: Content-Type and Content-Length always, body unless HEAD."""
        self.send_response(status, reason)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _status(self, status: int, headers: list[tuple[str, str]] | None = None, reason: str | None = None) -> None:
        phrase = reason or self.responses.get(status, ("",))[0]
        self._send(status, _page(f"{status} {phrase}", f"<h1>{status} {phrase}</h1>"), headers, reason)

    def _redirect(self, status: int, location: str, extra: list[tuple[str, str]] | None = None) -> None:
        body = _page("Redirect", f"<p>Moved to <a href=\"{location}\">{location}</a>.</p>")
        self._send(status, body, [("Location", location), *(extra or [])])

    def _abort(self) -> None:
        """Close the connection with a TCP reset and no response at all."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # rfile holds a reference on the socket; both must go for the fd (and the RST) to happen now.
        try:
            self.rfile.close()
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass

    # --- routes ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        link = self.server.link
        self._drain_body()
        link._record(self)
        split = urlsplit(self.path)
        path = split.path
        self.query = parse_qs(split.query)

        simple = _SIMPLE_ROUTES.get(path)
        if simple is not None:
            simple(self)
        elif path == "/moved-to":  # 301 to whatever ?to= says, as a hostile or careless server might
            self._redirect(301, self.query.get("to", ["/ok"])[0])
        elif path.startswith("/page/"):
            self._send(200, _page("Page", f"<h1 id=\"page\">Page {path[len('/page/'):]}</h1>"))
        elif path.startswith("/chain/"):
            self._chain(path[len("/chain/"):])
        else:
            self._status(404)

    def _chain(self, step: str) -> None:
        if not step.isdigit() or not 1 <= int(step) <= CHAIN_LENGTH:
            self._status(404)
        elif int(step) == CHAIN_LENGTH:
            self._redirect(302, "/ok")
        else:
            self._redirect(302, f"/chain/{int(step) + 1}")

    def r_ok(self) -> None:
        self._send(200, _OK_PAGE)

    def r_999(self) -> None:
        self._status(999, reason="Request denied")

    def r_cloudflare(self) -> None:
        self._send(403, _CLOUDFLARE_PAGE, [("Server", "cloudflare"), ("cf-mitigated", "challenge")])

    def version_string(self) -> str:
        return self.server_version

    def r_503_twice(self) -> None:
        if self.server.link._bump("/503-twice") <= 2:
            self._status(503)
        else:
            self._send(200, _OK_PAGE)

    def r_429_once(self) -> None:
        if self.server.link._bump("/429-once") <= 1:
            self._status(429, [("Retry-After", "1")])
        else:
            self._send(200, _OK_PAGE)

    def r_429_date(self) -> None:
        if self.server.link._bump("/429-date") <= 1:
            # HTTP dates have whole seconds: floor(now) + 2 is between 1 and 2 seconds ahead.
            when = email.utils.formatdate(math.floor(time.time()) + 2, usegmt=True)
            self._status(429, [("Retry-After", when)])
        else:
            self._send(200, _OK_PAGE)

    def r_429_always(self) -> None:
        self._status(429, [("Retry-After", "1")])

    def r_head_405(self) -> None:
        if self.command == "HEAD":
            self._status(405, [("Allow", "GET")])
        else:
            self._send(200, _OK_PAGE)

    def r_head_404(self) -> None:
        if self.command == "HEAD":
            self._status(404)
        else:
            self._send(200, _OK_PAGE)

    def r_head_reset(self) -> None:
        if self.command == "HEAD":
            self._abort()
        else:
            self._send(200, _OK_PAGE)

    def r_slow_headers(self) -> None:
        try:
            delay = float(self.query.get("s", [SLOW_DEFAULT])[0])
        except ValueError:
            delay = SLOW_DEFAULT
        if self.server.link._stopping.wait(max(delay, 0.0)):
            self._abort()
            return
        self._send(200, _OK_PAGE)

    def r_trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(TRICKLE_LENGTH))
        self.end_headers()
        if self.command == "HEAD":
            return
        self.close_connection = True  # unless the whole body goes out
        stopping = self.server.link._stopping
        try:
            for i in range(TRICKLE_LENGTH):
                self.wfile.write(_TRICKLE_BODY[i : i + 1])
                if i + 1 < TRICKLE_LENGTH and stopping.wait(TRICKLE_INTERVAL):
                    return
        except OSError:  # BrokenPipe, ConnectionReset, timeout: the client went away
            return
        self.close_connection = False

    def r_endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        self.close_connection = True
        stopping = self.server.link._stopping
        try:
            while not stopping.is_set():
                self.wfile.write(_ENDLESS_CHUNK)  # straight to sendall(): blocks, never buffers
        except OSError:
            pass

    def r_reset(self) -> None:
        self._abort()

    def r_cookie_set(self) -> None:
        self._redirect(302, "/cookie-check", [("Set-Cookie", "token=abc; Path=/")])

    def _cookie(self, name: str) -> str | None:
        cookie: SimpleCookie = SimpleCookie()
        for header in self.headers.get_all("Cookie") or []:
            try:
                cookie.load(header)
            except CookieError:
                pass
        morsel = cookie.get(name)
        return None if morsel is None else morsel.value

    def r_cookie_check(self) -> None:
        if self._cookie("token") == "abc":
            self._send(200, _OK_PAGE)
        else:
            self._status(403)

    def r_cookie_self(self) -> None:
        """A paywall's consent dance: 302 to itself with a cookie, 200 once the cookie comes back."""
        if self._cookie("consent") == "yes":
            self._send(200, _OK_PAGE)
        else:
            self._redirect(302, "/cookie-self", [("Set-Cookie", "consent=yes; Path=/")])

    def r_cookie_churn(self) -> None:
        """302 to itself with a new cookie every time: never the same state twice, so only the hop limit ends it."""
        n = int(self._cookie("n") or "0") + 1
        self._redirect(302, "/cookie-churn", [("Set-Cookie", f"n={n}; Path=/")])

    def r_accept_html(self) -> None:
        """Like crates.io: 404 unless the request asks for HTML and nothing else."""
        if self.headers.get("Accept", "") == "text/html":
            self._send(200, _OK_PAGE)
        else:
            self._status(404)

    def r_fragments(self) -> None:
        self._send(200, _FRAGMENTS_PAGE)

    def r_ua(self) -> None:
        if "llmnotes-test" in self.headers.get("User-Agent", ""):
            self._send(200, _OK_PAGE)
        else:
            self._status(403)

    def r_html_big(self) -> None:
        self._send(200, _html_big())


def _fixed(status: int) -> Any:
    def route(handler: _Handler) -> None:
        handler._status(status)

    return route


def _moved(status: int, location: str) -> Any:
    def route(handler: _Handler) -> None:
        handler._redirect(status, location)

    return route


_SIMPLE_ROUTES: dict[str, Any] = {
    "/ok": _Handler.r_ok,
    "/404": _fixed(404),
    "/410": _fixed(410),
    "/500": _fixed(500),
    "/401": _fixed(401),
    "/403": _fixed(403),
    "/999": _Handler.r_999,
    "/cloudflare": _Handler.r_cloudflare,
    "/503-twice": _Handler.r_503_twice,
    "/429-once": _Handler.r_429_once,
    "/429-date": _Handler.r_429_date,
    "/429-always": _Handler.r_429_always,
    "/301": _moved(301, "/ok"),
    "/302": _moved(302, "/ok"),
    "/308": _moved(308, "/ok"),
    "/loop/a": _moved(302, "/loop/b"),
    "/loop/b": _moved(302, "/loop/a"),
    "/redirect-404": _moved(302, "/404"),
    "/redirect-external": _moved(302, "http://unresolvable.invalid/"),
    "/head-405": _Handler.r_head_405,
    "/head-404": _Handler.r_head_404,
    "/head-reset": _Handler.r_head_reset,
    "/slow-headers": _Handler.r_slow_headers,
    "/trickle": _Handler.r_trickle,
    "/endless": _Handler.r_endless,
    "/reset": _Handler.r_reset,
    "/cookie-set": _Handler.r_cookie_set,
    "/cookie-check": _Handler.r_cookie_check,
    "/cookie-self": _Handler.r_cookie_self,
    "/cookie-churn": _Handler.r_cookie_churn,
    "/fragments": _Handler.r_fragments,
    "/accept-html": _Handler.r_accept_html,
    "/ua": _Handler.r_ua,
    "/html-big": _Handler.r_html_big,
}


class LinkServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with deliberately awkward routes (see the module doc)."""

    def __init__(self) -> None:
        self.host = HOST
        self.port: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._counters: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._connections_opened = 0
        self._stopping = threading.Event()

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> LinkServer:
        if self._server is not None:
            raise RuntimeError("LinkServer already started")
        self._stopping.clear()
        server = _Server((self.host, 0), _Handler)
        server.link = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"LinkServer:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, cut every open connection, wake the slow routes. Never waits on handlers."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        with self._lock:
            self._stopping.set()
            connections = list(self._connections)
        server.shutdown()  # ends serve_forever (within poll_interval)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # wakes threads blocked in recv()/sendall()
            except OSError:
                pass
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LinkServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- addresses ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("LinkServer not started")
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    refused_url = staticmethod(refused_url)

    # --- records --------------------------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str]]:
        """A snapshot of every request so far: (method, path-with-query), in arrival order."""
        with self._lock:
            return [(r.method, r.path) for r in self._records]

    @property
    def log(self) -> list[RequestRecord]:
        """A snapshot of the detailed records (headers, client port)."""
        with self._lock:
            return list(self._records)

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted since start (or the last reset): a check on connection reuse."""
        with self._lock:
            return self._connections_opened

    def hits(self, path: str, method: str | None = None) -> int:
        """How many requests for `path`: with a query, the path and query must match exactly;
        without one, the request's path without its query must match exactly."""
        with_query = "?" in path
        method = method.upper() if method else None
        count = 0
        for m, p in self.requests:
            if method is not None and m != method:
                continue
            if (p if with_query else p.split("?", 1)[0]) == path:
                count += 1
        return count

    def reset(self) -> None:
        """Forget the requests and the per-route counters (/503-twice, /429-once, /429-date)."""
        with self._lock:
            self._records.clear()
            self._counters.clear()
            self._connections_opened = 0

    # --- used by the handler --------------------------------------------------------------

    def _record(self, handler: _Handler) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        record = RequestRecord(handler.command, handler.path, headers, handler.client_address[1])
        with self._lock:
            self._records.append(record)

    def _bump(self, key: str) -> int:
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def _connection_opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections_opened += 1
            self._connections.add(conn)
            stopping = self._stopping.is_set()
        if stopping:  # accepted just as stop() ran: cut it too
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _connection_closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)
