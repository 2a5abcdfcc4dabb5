"""What a response means: a status, its headers and maybe a body become a `Result`, or a `Failure`
worth retrying. No I/O here, so every rule can be tested on plain values."""

from __future__ import annotations

import errno
import re
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from llmnotes.links.result import Result, Verdict
from llmnotes.links.retry import Failure, RetryPolicy

PERMANENT = (301, 308)
_NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL}
_ID = re.compile(rb"""\s(?:id|name)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Response:
    """The end of a redirect chain, as the checker saw it."""

    url: str  # the URL first asked for
    status: int
    headers: Mapping[str, str]
    body: bytes | None  # read only when fragments are checked
    final_url: str
    hops: int
    permanent: bool  # every hop was a permanent redirect


def judge(response: Response, fragments: tuple[str, ...], accept: frozenset[int], policy: RetryPolicy, wall: str | None = None) -> Result:
    """The verdict on a response; raises `Failure` for answers that may change on a retry. `wall`
    names a host known to show robots a wall (`quirks.py`): whatever else it answers is `blocked`."""
    r, now = response, time.time()
    moved = r.final_url if r.hops else None
    if r.status in accept:
        missing = _missing_fragments(r.body, fragments)
        if r.hops and r.permanent:
            return Result(r.url, Verdict.REDIRECTED, r.status, r.final_url, None, now, permanent=True, missing_fragments=missing)
        return Result(r.url, Verdict.OK, r.status, moved, None, now, missing_fragments=missing)
    if wall is not None:
        return Result(r.url, Verdict.BLOCKED, r.status, moved, f"{wall} shows robots a wall (HTTP {r.status}); a browser decides", now)
    if _is_challenge(r.status, r.headers):
        return Result(r.url, Verdict.BLOCKED, r.status, None, "bot challenge (Cloudflare)", now)
    if r.status == 429:
        raise Failure("rate limited (429)", retry=True, delay=policy.retry_after(r.headers), status=429, host_wide=True)
    if r.status in (401, 403, 999):
        return Result(r.url, Verdict.BLOCKED, r.status, None, f"access denied ({r.status})", now)
    if r.status == 503:
        raise Failure("service unavailable (503)", retry=True, delay=policy.retry_after(r.headers), status=503, host_wide=True)
    if r.status >= 500:
        raise Failure(f"server error ({r.status})", retry=True, status=r.status)
    reason = {404: "not found (404)", 410: "gone (410)"}.get(r.status, f"HTTP {r.status}")
    if r.hops:
        reason += f" after redirect to {r.final_url}"
    return Result(r.url, Verdict.BROKEN, r.status, moved, reason, now)


def gave_up(url: str, failure: Failure) -> Result:
    """The verdict once retries are spent: a 429 that never cleared is a refusal, not rot."""
    verdict = Verdict.BLOCKED if failure.status == 429 else Verdict.BROKEN
    return Result(url, verdict, status=failure.status, error=str(failure), checked_at=time.time(), unreachable=failure.unreachable)


def _missing_fragments(body: bytes | None, fragments: tuple[str, ...]) -> tuple[str, ...]:
    if body is None:
        return ()
    ids = {m.decode("utf-8", "replace") for m in _ID.findall(body)}
    return tuple(sorted({f for f in fragments if f not in ids}))


def _is_challenge(status: int, headers: Mapping[str, str]) -> bool:
    return status in (403, 429, 503) and (
        "challenge" in headers.get("cf-mitigated", "") or headers.get("server", "").lower() == "cloudflare"
    )


def describe_error(exc: BaseException) -> Failure:
    """A transport failure as a short reason, retried only when a retry may help."""
    chain = [exc]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) is not None and nxt not in chain:
        chain.append(nxt)
    if isinstance(exc, aiohttp.ClientConnectorError):
        chain.append(exc.os_error)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, socket.gaierror | aiohttp.ClientConnectorDNSError) for e in chain):
        return Failure("DNS: host not found", retry=False, unreachable=True)
    if any(isinstance(e, ssl.SSLError | aiohttp.ClientSSLError) for e in chain):
        return Failure(f"TLS error: {exc}", retry=False)
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return Failure("connection refused", retry=False, unreachable=True)
    if any(isinstance(e, OSError) and e.errno in _NO_ROUTE for e in chain):
        return Failure("network unreachable", retry=False, unreachable=True)
    if any(isinstance(e, TimeoutError) for e in chain):
        return Failure("timed out", retry=True)
    if any(isinstance(e, ConnectionResetError) for e in chain) or "reset by peer" in text:
        return Failure("connection reset", retry=True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return Failure("server closed the connection", retry=True)
    if isinstance(exc, aiohttp.InvalidURL):
        return Failure(f"invalid URL: {exc}", retry=False)
    if isinstance(exc, aiohttp.ClientResponseError):
        return Failure(f"invalid response: {exc.message}", retry=True)
    return Failure(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, retry=True)
