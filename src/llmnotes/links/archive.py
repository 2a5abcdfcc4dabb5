"""`--archive`: an archived copy of each broken link, from the Wayback Machine's availability API.

For a link that rotted, the snapshot worth offering is the one closest to when the author cited it
(the note's `date`, else `updated`): the page they read, not whatever is there now. The API answers
`{"archived_snapshots": {"closest": {"available": true, "status": "200", "url": …, "timestamp":
…}}}`, or an empty `archived_snapshots` when it has none. Asked politely: one request at a time,
through the sources' client (`sources/fetch.py`), whose cache under `.llmnotes/sources/` means a
URL and date are asked about once a week (`ANSWER_MAX_AGE`); an archive that cannot be reached is
given up on after a few tries. What comes back is checked before anyone sees it or it is
written into a note: an http(s) URL, on the archive's host, without spaces or control characters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from llmnotes.schema import url_problem
from llmnotes.sources import LookupFailure
from llmnotes.sources.settings import SourceSettings

MAX_URL = 2048
_ARCHIVE_HOSTS = ("web.archive.org", "archive.org")
# An answer is cached this long, then asked again: the archive may have made a snapshot since it
# said it had none (only broken links are asked, so a weekly question is cheap). An unusable answer
# is not kept at all.
ANSWER_MAX_AGE = 7 * 86400.0
# Lookups in a row that reached no archive (refused, no route, timeout) before the rest are skipped:
# each would wait as long for nothing (a machine without network, 20 s per broken link).
GIVE_UP_AFTER = 3
_UNREACHED = ("could not be reached", "did not answer within")  # sources/fetch.py's words for no answer at all


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
    not one to show (see `read_answer`, which also says why an answer could not be used)."""
    answer = read_answer(body, base, "an archived copy")
    return answer if isinstance(answer, str) else None


def read_answer(body: str, base: str, what: str) -> str | LookupFailure | None:
    """The closest snapshot's URL in an availability answer; None when the archive has none (or only
    of an error page); a `LookupFailure` when the answer cannot be used: not JSON (or nested past the
    parser's depth), not the API's shape, or a URL that is not the archive's (the configured
    endpoint's host counts as the archive's, for mirrors and tests). Data from the network: never
    an exception."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return LookupFailure(what, "the archive's answer is not JSON")
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    if not isinstance(snapshots, dict):
        return LookupFailure(what, "the archive's answer has no 'archived_snapshots'")
    closest = snapshots.get("closest")
    if closest is None:
        return None
    if not isinstance(closest, dict):
        return LookupFailure(what, "the archive's 'closest' snapshot is not an object")
    if closest.get("available") is not True:
        return None
    if not str(closest.get("status", "200")).startswith("2"):
        return None  # the archive kept the page's 404, not the page
    url = closest.get("url")
    if not isinstance(url, str) or len(url) > MAX_URL or url_problem(url) or any(ord(c) < 0x21 or c in '"<>\\' for c in url):
        return LookupFailure(what, "the archive's snapshot is not a URL to offer (missing, too long, not http(s), or with spaces, quotes or control characters)")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in {*_ARCHIVE_HOSTS, (urlsplit(base).hostname or "").lower()} or parts.username or parts.password:
        return LookupFailure(what, f"the archive's snapshot is not on the archive's host ({host or 'none'})")
    if parts.scheme == "http" and host in _ARCHIVE_HOSTS:
        url = "https" + url[4:]  # the archive serves https; never send a reader over plain http
    return url


async def _find_all(wanted: list[Wanted], settings: SourceSettings, cache_dir: Path | None) -> dict[str, str | LookupFailure | None]:
    import aiohttp

    from llmnotes.sources.fetch import Fetcher

    base = settings.urls["wayback"]
    found: dict[str, str | LookupFailure | None] = {}
    unreached = 0
    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(settings, cache_dir, session)
        for n, item in enumerate(wanted):  # one at a time: the archive is a shared, slow, free service
            if unreached >= GIVE_UP_AFTER:  # one line for the rest, not one timeout each
                found.update((w.url, None) for w in wanted[n:])
                found[item.url] = LookupFailure(
                    f"archived copies of {len(wanted) - n} more broken links", f"{base} could not be reached {unreached} times in a row; not asked"
                )
                break
            what = f"an archived copy of {item.url}"
            request = request_url(base, item)
            stored = fetcher.stored_at(request)
            if stored is not None and time.time() - stored > ANSWER_MAX_AGE:
                fetcher.forget(request)  # "none" a week ago: the archive may have one now
            body = await fetcher.get("wayback", request, what)
            if isinstance(body, LookupFailure):
                unreached = unreached + 1 if any(words in body.reason for words in _UNREACHED) else 0
                found[item.url] = body
                continue
            unreached = 0
            answer = read_answer(body, base, what)
            if isinstance(answer, LookupFailure):
                fetcher.forget(request)  # garbage is not kept: the next run asks again
            found[item.url] = answer
    return found


def find_all(wanted: list[Wanted], settings: SourceSettings, cache_dir: Path | None) -> dict[str, str | LookupFailure | None]:
    """Each wanted URL's snapshot (None: the archive has none), or why it could not be asked."""
    if not wanted:
        return {}
    return asyncio.run(_find_all(wanted, settings, cache_dir))
