"""A local server answering in each metadata service's real format, and their failure modes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator

from aiohttp import web

from tests.test_sources_arxiv import FEED
from tests.test_sources_parse import CROSSREF, DATACITE, REPO

SEEN: list[tuple[str, dict[str, str]]] = []


async def _handle(request: web.Request) -> web.StreamResponse:
    SEEN.append((str(request.rel_url), dict(request.headers)))
    path, query = request.path, request.query
    if path == "/arxiv":
        ident = query.get("id_list", "")
        if ident == "1706.03762":
            return web.Response(text=FEED, content_type="application/atom+xml")
        if ident == "2001.00001":
            return web.Response(text="<feed><entry>", content_type="application/atom+xml")
        return web.Response(text='<feed xmlns="http://www.w3.org/2005/Atom"><title>q</title></feed>',
                            content_type="application/atom+xml")
    if path == "/crossref/10.1038/nature14539":
        return web.json_response(CROSSREF)
    if path == "/datacite/10.48550/arXiv.1706.03762":
        return web.json_response(DATACITE)
    if path == "/github/repos/karpathy/nanoGPT":
        return web.json_response(REPO)
    if path == "/github/repos/busy/repo":
        return web.Response(status=429, headers={"Retry-After": "60"}, text="{}")
    if path == "/github/repos/broken/repo":
        return web.Response(status=500, text="oops")
    if path == "/oembed":
        return web.json_response({"title": "Let's build GPT", "author_name": "Andrej Karpathy", "type": "video"})
    if path == "/slow":
        await asyncio.sleep(1.5)
        return web.Response(text="<title>late</title>", content_type="text/html")
    if path == "/page":
        return web.Response(text='<meta name="citation_title" content="A page"><meta name="citation_year" content="2021">',
                            content_type="text/html")
    if path == "/wayback":  # the Wayback Machine's availability API
        url, stamp = query.get("url", ""), query.get("timestamp", "")
        closest = None
        if "has-snapshot" in url:
            when = (stamp or "20240101") + "120000"
            closest = {"status": "200", "available": True, "url": f"http://web.archive.org/web/{when}/{url}", "timestamp": when}
        elif "hostile-snapshot" in url:
            closest = {"status": "200", "available": True, "url": "javascript:alert(1)", "timestamp": "20200101000000"}
        elif "elsewhere-snapshot" in url:
            closest = {"status": "200", "available": True, "url": "https://evil.example/web/2020/x", "timestamp": "20200101000000"}
        elif "error-snapshot" in url:
            closest = {"status": "404", "available": True, "url": f"http://web.archive.org/web/2020/{url}", "timestamp": "20200101000000"}
        return web.json_response({"url": url, "archived_snapshots": {"closest": closest} if closest else {}})
    if path == "/badjson/10.1/x":
        return web.Response(text="{nope", content_type="application/json")
    return web.Response(status=404, text=json.dumps({"status": "error"}))


def app() -> web.Application:
    application = web.Application()
    application.router.add_route("GET", "/{tail:.*}", _handle)
    return application


@contextlib.contextmanager
def running() -> Iterator[str]:
    """The server on 127.0.0.1 in a thread of its own, for tests that run the CLI as a subprocess;
    yields its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app())
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
