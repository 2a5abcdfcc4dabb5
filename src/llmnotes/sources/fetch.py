"""The one HTTP client of the sources: one aiohttp session per run, a timeout, a User-Agent naming
llmnotes, a minimum interval per source (arXiv asks for 3 s), and a response cache under
`.llmnotes/sources/` keyed by request URL so a re-run asks nothing. A bad cache entry is ignored."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from llmnotes import __version__
from llmnotes.sources import LookupFailure
from llmnotes.sources.settings import SourceSettings

USER_AGENT = f"llmnotes/{__version__} (metadata lookup for a reading list)"


@dataclass
class Fetcher:
    settings: SourceSettings
    cache_dir: Path | None
    session: aiohttp.ClientSession
    _last: dict[str, float] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def _cache_file(self, url: str) -> Path | None:
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest() + ".json") if self.cache_dir else None

    def _cached(self, url: str) -> str | None:
        path = self._cache_file(url)
        try:
            entry = json.loads(path.read_text("utf-8")) if path else None
        except (OSError, ValueError, RecursionError):
            return None  # unreadable or corrupt (or nested past the parser's depth): ask the service again
        if isinstance(entry, dict) and entry.get("url") == url and isinstance(entry.get("body"), str):
            return str(entry["body"])
        return None

    def stored_at(self, url: str) -> float | None:
        """When the cached answer to `url` was stored (seconds since the epoch), or None: for a caller
        whose answers go stale (the Wayback Machine's "no snapshot yet")."""
        path = self._cache_file(url)
        try:
            return path.stat().st_mtime if path is not None and path.is_file() else None
        except OSError:
            return None

    def forget(self, url: str) -> None:
        """Drop the cached answer to `url`, so the next run asks again: for an answer the caller found
        unusable (garbage is not worth keeping) or stale."""
        path = self._cache_file(url)
        try:
            if path is not None:
                path.unlink(missing_ok=True)
        except OSError:
            pass

    def _store(self, url: str, body: str) -> None:
        path = self._cache_file(url)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"url": url, "body": body}), "utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a later request

    async def get(self, source: str, url: str, what: str, *, not_found: str = "not found") -> str | LookupFailure:
        """The body of a 200 answer, or a failure saying what went wrong in the author's words."""
        cached = self._cached(url)
        if cached is not None:
            return cached
        lock = self._locks.setdefault(source, asyncio.Lock())
        async with lock:
            wait = self._last.get(source, -1e9) + self.settings.intervals.get(source, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/atom+xml, text/html;q=0.9"}
            token = os.environ.get("GITHUB_TOKEN")
            if source == "github" and token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                async with self.session.get(
                    url, headers=headers, timeout=aiohttp.ClientTimeout(total=self.settings.timeout)
                ) as response:
                    body = await response.text(errors="replace")
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
            except TimeoutError:
                return LookupFailure(what, f"{url} did not answer within {self.settings.timeout:g} s")
            except aiohttp.ClientError as error:
                return LookupFailure(what, f"{url} could not be reached ({type(error).__name__}: {error})")
            finally:
                self._last[source] = time.monotonic()
        if status == 429:
            later = f"; it asks to retry after {retry_after} s" if retry_after else ""
            return LookupFailure(what, f"{url} is rate-limiting requests (HTTP 429){later}")
        if status == 404:
            return LookupFailure(what, f"{url}: {not_found} (HTTP 404)")
        if status != 200:
            return LookupFailure(what, f"{url} answered HTTP {status}")
        self._store(url, body)
        return body
