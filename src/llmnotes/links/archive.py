"""`--archive`: an archived copy of each broken link, from the Wayback Machine's availability API.

For a link that rotted, the snapshot worth offering is the one closest to when the author cited it
(the note's `date`, else `updated`): the page they read, not whatever is there now. The API answers
`{"archived_snapshots": {"closest": {"available": true, "status": "200", "url": …, "timestamp":
…}}}`, or an empty `archived_snapshots` when it has none. Asked politely: one request at a time,
through the sources' client (`sources/fetch.py`), whose cache under `.llmnotes/sources/` means a
URL and date are asked about once. What comes back is checked before anyone sees it or it is
written into a note: an http(s) URL, on the archive's host, without spaces or control characters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from llmnotes.schema import url_problem
from llmnotes.sources import LookupFailure
from llmnotes.sources.settings import SourceSettings

MAX_URL = 2048
_ARCHIVE_HOSTS = ("web.archive.org", "archive.org")


@dataclass(frozen=True)
class Wanted:
    """A broken link to find a snapshot of, and the day it was cited (None: the newest will do)."""

    url: str
    cited: dt.date | None


def request_url(base: str, wanted: Wanted) -> str:
    query = {"url": wanted.url}
    if wanted.cited is not None:
        query["timestamp"] = wanted.cited.strftime("%Y%m%d")
    return f"{base}{'&' if '?' in base else '?'}{urlencode(query)}"


def snapshot_from(body: str, base: str) -> str | None:
    """The closest snapshot's URL in an availability answer, or None when there is none or it is
    not one to show: not JSON, not available, a snapshot of an error page, or a URL that is not the
    archive's (the configured endpoint's host counts as the archive's, for mirrors and tests)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    if not str(closest.get("status", "200")).startswith("2"):
        return None  # the archive kept the page's 404, not the page
    url = closest.get("url")
    if not isinstance(url, str) or len(url) > MAX_URL or url_problem(url) or any(ord(c) < 0x21 or c in '"<>\\' for c in url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in {*_ARCHIVE_HOSTS, (urlsplit(base).hostname or "").lower()} or parts.username or parts.password:
        return None
    if parts.scheme == "http" and host in _ARCHIVE_HOSTS:
        url = "https" + url[4:]  # the archive serves https; never send a reader over plain http
    return url


async def _find_all(wanted: list[Wanted], settings: SourceSettings, cache_dir: Path | None) -> dict[str, str | LookupFailure | None]:
    import aiohttp

    from llmnotes.sources.fetch import Fetcher

    base = settings.urls["wayback"]
    found: dict[str, str | LookupFailure | None] = {}
    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(settings, cache_dir, session)
        for item in wanted:  # one at a time: the archive is a shared, slow, free service
            body = await fetcher.get("wayback", request_url(base, item), f"an archived copy of {item.url}")
            found[item.url] = body if isinstance(body, LookupFailure) else snapshot_from(body, base)
    return found


def find_all(wanted: list[Wanted], settings: SourceSettings, cache_dir: Path | None) -> dict[str, str | LookupFailure | None]:
    """Each wanted URL's snapshot (None: the archive has none), or why it could not be asked."""
    if not wanted:
        return {}
    return asyncio.run(_find_all(wanted, settings, cache_dir))
