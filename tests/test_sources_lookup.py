"""Lookups through the one aiohttp client against a local server in each service's format."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import aiohttp
from aiohttp import web

from llmnotes.sources import LookupFailure
from llmnotes.sources.fetch import Fetcher
from llmnotes.sources.lookup import Found, lookup
from llmnotes.sources.settings import SourceSettings, from_table
from tests import sourceserver

T = TypeVar("T")


def _with_server(tmp: Path, job: Callable[[Fetcher, str], Awaitable[T]], timeout: float = 1.0) -> T:
    async def main() -> T:
        runner = web.AppRunner(sourceserver.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        settings, problems = from_table({
            "arxiv": f"{base}/arxiv", "crossref": f"{base}/crossref", "datacite": f"{base}/datacite",
            "github": f"{base}/github", "youtube_oembed": f"{base}/oembed", "timeout": timeout,
            "min_interval": {"arxiv": 0.2}})
        assert not problems
        try:
            async with aiohttp.ClientSession() as session:
                return await job(Fetcher(settings, tmp / "cache", session), base)
        finally:
            await runner.cleanup()
    return asyncio.run(main())


def test_each_source(tmp_path: Path) -> None:
    async def job(fetcher: Fetcher, base: str) -> list[Found | LookupFailure]:
        return [await lookup(u, fetcher) for u in (
            "https://arxiv.org/abs/1706.03762v3", "https://doi.org/10.1038/nature14539",
            "https://doi.org/10.48550/arXiv.1706.03762", "https://github.com/karpathy/nanoGPT",
            "https://www.youtube.com/watch?v=kCc8FmEb1nY", f"{base}/page")]
    arxiv, crossref, datacite, github, youtube, page = _with_server(tmp_path, job)
    assert isinstance(arxiv, Found) and arxiv.metadata.title == "Attention Is All You Need"
    assert isinstance(crossref, Found) and crossref.metadata.year == 2015
    assert isinstance(datacite, Found) and datacite.metadata.authors[0] == "Ashish Vaswani"
    assert isinstance(github, Found) and github.metadata.title == "karpathy/nanoGPT" and github.hint
    assert isinstance(youtube, Found) and youtube.metadata.kind == "video"
    assert isinstance(page, Found) and page.metadata.title == "A page" and page.metadata.year == 2021
    user_agents = {headers.get("User-Agent", "") for _, headers in sourceserver.SEEN}
    assert all(ua.startswith("llmnotes/") for ua in user_agents)


def test_failures_are_messages(tmp_path: Path) -> None:
    async def job(fetcher: Fetcher, base: str) -> list[Found | LookupFailure]:
        return [await lookup(u, fetcher) for u in (
            "https://github.com/busy/repo", "https://github.com/broken/repo", "https://github.com/no/repo",
            "arXiv:2001.00001", "arXiv:2001.99999", f"{base}/slow", "https://doi.org/10.9999/unknown")]
    results = _with_server(tmp_path, job, timeout=0.5)
    assert all(isinstance(r, LookupFailure) for r in results)
    busy, broken, missing, malformed, empty, slow, doi = [r.message() for r in results if isinstance(r, LookupFailure)]
    assert "rate-limiting requests (HTTP 429); it asks to retry after 60 s" in busy
    assert "answered HTTP 500" in broken and "no such repository (HTTP 404)" in missing
    assert "malformed XML" in malformed and "no entry for this id" in empty
    assert "did not answer within 0.5 s" in slow
    assert "neither Crossref nor DataCite knows this DOI" in doi


def test_cache_and_interval(tmp_path: Path) -> None:
    async def job(fetcher: Fetcher, base: str) -> tuple[float, int]:
        sourceserver.SEEN.clear()
        loop = asyncio.get_running_loop()
        start = loop.time()
        await lookup("arXiv:1706.03762", fetcher)
        await lookup("arXiv:2001.99999", fetcher)  # second arXiv request waits the interval
        elapsed = loop.time() - start
        await lookup("arXiv:1706.03762", fetcher)  # cached: no request
        return elapsed, len(sourceserver.SEEN)
    elapsed, requests = _with_server(tmp_path, job)
    assert elapsed >= 0.2 and requests == 2
    for entry in (tmp_path / "cache").iterdir():
        entry.write_text("{corrupt")
    again = _with_server(tmp_path, lambda f, b: lookup("arXiv:1706.03762", f))
    assert isinstance(again, Found)


def test_default_settings() -> None:
    assert SourceSettings().intervals["arxiv"] == 3.0 and SourceSettings().timeout == 20.0
