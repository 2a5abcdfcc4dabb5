"""A local HTTP/1.1 server that answers every GET and HEAD with 200 after a fixed latency.

    python benchmarks/latency_server.py --port 8765 --latency 0.02 --stats /tmp/stats.json

It listens on PORT on each of 127.0.0.1 … 127.0.0.8 (all of 127.0.0.0/8 is the loopback interface
on Linux, so nothing leaves the machine) and stands in for eight remote sites for the link-checker
benchmark (benchmarks/bench_links.py). Every request waits LATENCY seconds (asyncio.sleep: the wait
blocks nothing) and gets a small body with Content-Length; connections are kept alive unless the
client asks otherwise.

It counts, per host (the local address the connection arrived on), the requests answered and the
PEAK number of requests in flight at once (from the end of the request head to the end of the
response). On SIGTERM/SIGINT, or when --duration seconds have passed, it stops and writes the counts
as JSON to --stats FILE (and stdout without --stats).

Control endpoints, answered at once on 127.0.0.1 only and never counted:
    GET /__stats   the counts since the last reset (and since start) as JSON
    GET /__reset   zero the counts since the last reset

Standard library only: asyncio.start_server with a minimal HTTP/1.1 parser.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
import sys
import time

HOSTS = tuple(f"127.0.0.{i}" for i in range(1, 9))
CONTROL_HOST = HOSTS[0]
MAX_HEAD = 64 * 1024
BODY = b"ok\n"


class Counter:
    """Requests and peak in-flight requests for one host (or, as `total`, for all of them)."""

    __slots__ = ("inflight", "peak", "requests", "total", "window_peak", "window_requests")

    def __init__(self, total: Counter | None = None) -> None:
        self.total = total  # the all-hosts counter, entered and left alongside this one
        self.requests = 0  # since start
        self.peak = 0
        self.inflight = 0
        self.window_requests = 0  # since the last /__reset
        self.window_peak = 0

    def enter(self) -> None:
        if self.total is not None:
            self.total.enter()
        self.inflight += 1
        self.requests += 1
        self.window_requests += 1
        if self.inflight > self.peak:
            self.peak = self.inflight
        if self.inflight > self.window_peak:
            self.window_peak = self.inflight

    def leave(self) -> None:
        if self.total is not None:
            self.total.leave()
        self.inflight -= 1

    def reset(self) -> None:
        self.window_requests = 0
        self.window_peak = self.inflight


class Server:
    def __init__(self, port: int, latency: float, hosts: tuple[str, ...] = HOSTS) -> None:
        self.port = port
        self.latency = latency
        self.hosts = hosts
        self.total = Counter()
        self.counters = {h: Counter(self.total) for h in hosts}
        self.connections = dict.fromkeys(hosts, 0)
        self.peak_connections = dict.fromkeys(hosts, 0)
        self.started = time.time()
        self.window_started = time.time()
        self.protocol_errors = 0

    # -- stats -----------------------------------------------------------------------------------

    def stats(self) -> dict:
        now = time.time()
        return {
            "port": self.port,
            "latency": self.latency,
            "uptime": round(now - self.started, 3),
            "window_seconds": round(now - self.window_started, 3),
            "protocol_errors": self.protocol_errors,
            "hosts": {
                h: {
                    "requests": c.window_requests,
                    "peak_concurrency": c.window_peak,
                    "inflight": c.inflight,
                    "connections": self.connections[h],
                }
                for h, c in self.counters.items()
            },
            "since_start": {
                h: {
                    "requests": c.requests,
                    "peak_concurrency": c.peak,
                    "peak_connections": self.peak_connections[h],
                }
                for h, c in self.counters.items()
            },
            "total_requests": self.total.window_requests,
            "max_peak_concurrency": max(c.window_peak for c in self.counters.values()),
            "peak_concurrency_all_hosts": self.total.window_peak,
            "since_start_requests": self.total.requests,
            "since_start_peak_concurrency_all_hosts": self.total.peak,
        }

    def reset(self) -> None:
        for c in self.counters.values():
            c.reset()
        self.total.reset()
        self.window_started = time.time()
        self.protocol_errors = 0

    # -- HTTP ------------------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        counter = self.counters[host]
        self.connections[host] += 1
        self.peak_connections[host] = max(self.peak_connections[host], self.connections[host])
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return  # the client closed the connection between requests
                except asyncio.LimitOverrunError:
                    self.protocol_errors += 1
                    writer.write(_response(431, b"request head too large\n", close=True))
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ")
                except ValueError:
                    self.protocol_errors += 1
                    writer.write(_response(400, b"bad request line\n", close=True))
                    return
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                connection = headers.get("connection", "").lower()
                close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    self.protocol_errors += 1
                    writer.write(_response(501, b"chunked request bodies are not supported\n", close=True))
                    return
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)  # discard a request body

                if target.startswith("/__") and host == CONTROL_HOST:
                    if target == "/__reset":
                        self.reset()
                        body = b'{"reset": true}\n'
                    elif target == "/__stats":
                        body = json.dumps(self.stats()).encode() + b"\n"
                    else:
                        writer.write(_response(404, b"unknown control endpoint\n", close))
                        await writer.drain()
                        if close:
                            return
                        continue
                    writer.write(_response(200, body, close, "application/json"))
                    await writer.drain()
                    if close:
                        return
                    continue

                if method not in ("GET", "HEAD"):
                    writer.write(_response(405, b"only GET and HEAD\n", close, extra="Allow: GET, HEAD\r\n"))
                    await writer.drain()
                    if close:
                        return
                    continue

                counter.enter()
                try:
                    await asyncio.sleep(self.latency)
                    writer.write(_response(200, BODY, close, head_only=method == "HEAD"))
                    await writer.drain()
                finally:
                    counter.leave()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            self.protocol_errors += 1
        finally:
            self.connections[host] -= 1
            try:
                writer.close()
            except Exception:
                pass

    async def serve(self, duration: float | None) -> None:
        servers = []
        for host in self.hosts:
            server = await asyncio.start_server(
                lambda r, w, h=host: self.handle(r, w, h),
                host,
                self.port,
                backlog=4096,
                reuse_address=True,
                limit=MAX_HEAD,
            )
            servers.append(server)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(
            f"latency server: {', '.join(self.hosts)} port {self.port}, latency {self.latency * 1000:g} ms"
            + (f", stops after {duration:g} s" if duration else ""),
            file=sys.stderr,
            flush=True,
        )
        try:
            await asyncio.wait_for(stop.wait(), timeout=duration)
        except TimeoutError:
            print("latency server: --duration reached, stopping", file=sys.stderr, flush=True)
        for server in servers:
            server.close()


def _response(
    status: int,
    body: bytes,
    close: bool,
    content_type: str = "text/plain; charset=utf-8",
    head_only: bool = False,
    extra: str = "",
) -> bytes:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
              431: "Request Header Fields Too Large", 501: "Not Implemented"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n"
        f"{extra}\r\n"
    ).encode("latin-1")
    return head if head_only else head + body


def raise_fd_limit() -> None:
    """Several thousand connections need as many descriptors: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds before each answer (default 0.02)")
    parser.add_argument("--stats", metavar="FILE", help="write the counts here as JSON when stopping")
    parser.add_argument("--duration", type=float, help="stop by itself after this many seconds")
    parser.add_argument("--hosts", type=int, default=8, choices=range(1, 9), metavar="1..8",
                        help="listen on 127.0.0.1 … 127.0.0.N (default 8)")
    args = parser.parse_args()
    raise_fd_limit()
    server = Server(args.port, args.latency, HOSTS[: args.hosts])
    asyncio.run(server.serve(args.duration))
    text = json.dumps(server.stats(), indent=2) + "\n"
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
