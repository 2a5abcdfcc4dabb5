"""`check-links --archive`: find a Wayback Machine snapshot of each broken link, and (with `--fix`)
write it into the note as `archived:` under that link's entry.

A broken link is looked up once, through the availability API (`[sources] wayback`), asking for the
snapshot closest to the day the note citing it was written (`date`, else `updated`): the page as the
author read it, not whatever the address serves years later. The archive is a charity: one request
at a time, a pause between them (`[sources] min_interval`), and every answer cached under
`.llmnotes/` (found snapshots for good, "none" for the link cache's maximum age), so a daily CI run
asks nothing new. What the archive answers is data from the network: a snapshot URL is used only
when it is an absolute http(s) URL on the archive's own host, short, printable and without
credentials; anything else costs that link its snapshot and one warning line, never the run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from llmnotes import frontmatter, schema
from llmnotes.edit import EditError, scalar
from llmnotes.links.report import Finding, Report, clean
from llmnotes.links.result import Verdict
from llmnotes.model import LinkEntry, Place
from llmnotes.normalize import fetch_key
from llmnotes.sources.settings import SourceSettings
from llmnotes.write import write_text_atomically

SOURCE = "wayback"
MAX_URL = 2048  # longer than any snapshot of a sane URL; a "URL" of megabytes is an attack or a bug
GIVE_UP_AFTER = 3  # consecutive lookups that reached no archive: the rest would wait as long for nothing
ARCHIVE_HOSTS = ("archive.org",)  # and its subdomains (web.archive.org)
_PRINTABLE = re.compile(r"^[!#-;=?-\[\]_a-z~]+$")  # printable ASCII but space " < > \ ^ ` { | }


@dataclass(frozen=True)
class Lookup:
    """What the archive said of one broken URL: a snapshot, none (`url` None, no `problem`), or an
    answer that could not be used (`problem` says why, for the one warning line)."""

    url: str | None
    problem: str | None = None
    reached: bool = True  # False when the archive itself could not be reached (timeout, refused)


# -- what the archive may answer --------------------------------------------------------------


def _host_allowed(host: str, endpoint: str) -> bool:
    own = (urlsplit(endpoint).hostname or "").lower()
    return host == own or any(host == h or host.endswith("." + h) for h in ARCHIVE_HOSTS)


def snapshot_problem(url: str, endpoint: str) -> str | None:
    """Why `url` is not a snapshot link to offer readers and write into a note, or None. It must be
    short, printable ASCII (nothing a terminal, YAML or Markdown would read as syntax), an absolute
    http(s) URL without credentials, on the Wayback Machine's host or the configured endpoint's."""
    if not url or len(url) > MAX_URL:
        return "is empty or too long to be a snapshot URL"
    if not _PRINTABLE.match(url.lower()):
        return "contains whitespace, control or unusual characters"
    problem = schema.url_problem(url)
    if problem:
        return problem
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return "carries credentials"
    if not _host_allowed((parts.hostname or "").lower(), endpoint):
        return f"is not on the archive's host ({parts.hostname})"
    return None


def secure(url: str) -> str:
    """The archive answers `http://web.archive.org/...`; it serves the same page over https."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() == "http" and any(host == h or host.endswith("." + h) for h in ARCHIVE_HOSTS):
        return urlunsplit(("https", parts.netloc, parts.path, parts.query, parts.fragment))
    return url


def parse_answer(body: str, endpoint: str) -> Lookup:
    """The availability API's JSON as a `Lookup`: `{"archived_snapshots": {"closest": {"url": ...,
    "available": true, "status": "200"}}}`, or `{"archived_snapshots": {}}` when there is none."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        return Lookup(None, "the archive did not answer JSON")
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    if not isinstance(snapshots, dict):
        return Lookup(None, "the archive's answer has no 'archived_snapshots'")
    closest = snapshots.get("closest")
    if closest is None:
        return Lookup(None)
    if not isinstance(closest, dict):
        return Lookup(None, "the archive's 'closest' snapshot is not an object")
    status = closest.get("status")
    if closest.get("available") is False or (status is not None and not (isinstance(status, str) and status[:1] in ("2", "3"))):
        return Lookup(None)  # a snapshot of an error page is no copy of the page
    url = closest.get("url")
    if not isinstance(url, str):
        return Lookup(None, "the archive's snapshot has no URL")
    url = secure(url.strip())
    problem = snapshot_problem(url, endpoint)
    if problem:
        return Lookup(None, f"the archive's snapshot URL {problem}")
    return Lookup(url)


# -- which links, and when they were cited ----------------------------------------------------


def wanted(finding: Finding) -> bool:
    """A link whose page is gone: not one that is there without some place's #fragment."""
    return finding.result.verdict is Verdict.BROKEN


def timestamp(finding: Finding, dates: Mapping[str, dt.date]) -> str | None:
    """`YYYYMMDD` of the earliest note citing the link (its `date`, else `updated`), or None: the
    snapshot closest to when it was first cited shows what the author read."""
    cited = [dates[p.path] for p in finding.places if p.path in dates]
    return min(cited).strftime("%Y%m%d") if cited else None


def request_url(endpoint: str, url: str, when: str | None) -> str:
    query = {"url": url, **({"timestamp": when} if when else {})}
    return f"{endpoint}?{urlencode(query)}"


# -- the cache ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cache:
    """Answers by request (`URL timestamp`), in one small JSON file beside the link cache. A
    snapshot is kept for good (it does not change); "none" only for `max_age` (one may be made)."""

    path: Path | None
    max_age: float
    entries: dict[str, tuple[str | None, float]]

    @classmethod
    def open(cls, path: Path | None, max_age: float, endpoint: str) -> Cache:
        entries: dict[str, tuple[str | None, float]] = {}
        try:
            data = json.loads(path.read_text("utf-8")) if path and path.is_file() else {}
        except (OSError, ValueError, RecursionError):
            data = {}  # unreadable or corrupt: ask again, and write a good one
        oldest = time.time() - max_age
        for key, value in (data.items() if isinstance(data, dict) else ()):
            if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], (int, float))):
                continue
            snapshot, at = value
            if snapshot is None and oldest <= at:
                entries[key] = (None, float(at))
            elif isinstance(snapshot, str) and snapshot_problem(snapshot, endpoint) is None:  # a file is input too
                entries[key] = (snapshot, float(at))
        return cls(path, max_age, entries)

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({k: list(v) for k, v in sorted(self.entries.items())}, indent=0), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs a later request


def cache_path(link_cache: Path | None) -> Path | None:
    """Beside the link cache (`.llmnotes/archive.json`); none with `--no-cache`."""
    return None if link_cache is None else link_cache.with_name("archive.json")


# -- asking ------------------------------------------------------------------------------------


async def _ask_all(requests: list[str], sources: SourceSettings, warn: Callable[[str], None]) -> dict[str, Lookup]:
    import aiohttp

    from llmnotes.sources import LookupFailure
    from llmnotes.sources.fetch import Fetcher

    endpoint = sources.urls[SOURCE]
    answers: dict[str, Lookup] = {}
    failures = 0
    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(sources, None, session)  # our own cache: "none" must expire, bodies need not be kept
        for n, request in enumerate(requests):  # one at a time, `min_interval` apart (Fetcher)
            if failures >= GIVE_UP_AFTER:
                warn(f"warning: archive: {endpoint} could not be reached {failures} times in a row; {len(requests) - n} lookups skipped")
                break
            body = await fetcher.get(SOURCE, request, "an archived copy", not_found="no such page")
            if isinstance(body, LookupFailure):
                reached = "could not be reached" not in body.reason and "did not answer" not in body.reason
                failures = 0 if reached else failures + 1
                answers[request] = Lookup(None, body.reason, reached)
            else:
                failures = 0
                answers[request] = parse_answer(body, endpoint)
    return answers


def find_snapshots(
    report: Report,
    dates: Mapping[str, dt.date],
    sources: SourceSettings,
    cache_file: Path | None,
    max_age: float,
    warn: Callable[[str], None],
) -> Report:
    """The report with `archives` set: a snapshot URL for each broken link the archive has one of.
    Each failed lookup is one warning line through `warn`; none stops the run."""
    endpoint = sources.urls[SOURCE]
    cache = Cache.open(cache_file, max_age, endpoint)
    asked: dict[str, str] = {}  # result URL -> request
    for finding in report.findings:
        if wanted(finding):
            asked[finding.result.url] = request_url(endpoint, finding.result.url, timestamp(finding, dates))
    todo = sorted({r for r in asked.values() if r not in cache.entries})
    answers = asyncio.run(_ask_all(todo, sources, warn)) if todo else {}
    now = time.time()
    link_of = {request: url for url, request in asked.items()}
    for request, answer in answers.items():
        if answer.problem:
            warn(f"warning: archive: no archived copy of {clean(link_of[request])}: {clean(answer.problem)}")
        else:
            cache.entries[request] = (answer.url, now)
    if answers:
        cache.save()
    found = {url: snap for url, request in asked.items() if (snap := cache.entries.get(request, (None, 0.0))[0])}
    return replace(report, archives=tuple(sorted(found.items())))


# -- writing `archived:` into the notes ---------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What `--fix --archive` did at one place: "archived" (written), "already archived" (the entry
    has one), or "not written" (and why: a body link has no entry, the file changed, ...)."""

    place: Place
    kind: str
    detail: str


_ENTRY_URL = re.compile(r"^(?P<lead>[ ]*)(?P<dash>-[ ]+)?url[ ]*:[ ]")


def _entries(text: str, path: str) -> tuple[tuple[LinkEntry, ...], str] | None:
    """A note's link entries and everything else it says (places left out), or None when it does
    not load: what the read-back compares."""
    try:
        parts = frontmatter.split(text.removeprefix("\ufeff").replace("\r\n", "\n"))
        doc = frontmatter.parse(parts.yaml_text, parts.yaml_first_line)
        fields, diagnostics = schema.validate(doc, path)
    except (frontmatter.FrontMatterError, RecursionError, ValueError):
        return None
    links: tuple[LinkEntry, ...] = fields.pop("links")
    rest = repr([fields, sorted(d.message for d in diagnostics), parts.body])
    return links, rest


_PLACE = re.compile(r"Place\(path='[^']*', line=-?\d+, col=-?\d+\)")


def _reads_back(before: tuple[tuple[LinkEntry, ...], str], text: str, path: str, index: int, url: str) -> bool:
    """Whether `text` reads as `before` with only entry `index` gaining `archived: url`."""
    after = _entries(text, path)
    if after is None or _PLACE.sub("", after[1]) != _PLACE.sub("", before[1]):
        return False
    expected = [replace(e, archived=url) if i == index else e for i, e in enumerate(before[0])]
    return _PLACE.sub("", repr(expected)) == _PLACE.sub("", repr(list(after[0])))


def _insert_at(lines: list[str], place: Place, fence: int) -> tuple[int, str] | str:
    """Where the `archived:` line goes (an index into `lines`) and its indentation, or why not:
    after the entry's last line, indented like its `url:` key's siblings."""
    line = lines[place.line - 1].rstrip("\r")
    match = _ENTRY_URL.match(line)
    if match is None or match.end() > place.col - 1:
        return "its entry is not written as a block of 'key: value' lines ('- url: ...')"
    indent = len(match.group("lead")) + len(match.group("dash") or "")
    end = place.line  # index of the line after the entry's last content line
    for i in range(place.line, fence):
        text = lines[i].rstrip("\r")
        stripped = text.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(stripped) < indent:
            break
        end = i + 1
    return end, " " * indent


def write_archived(report: Report, root: Path = Path(".")) -> list[Written]:
    """Write each found snapshot as `archived:` under the front-matter entry whose `url:` is the
    broken link, one line inserted, every other byte kept; checked by reading the note back, and
    written atomically. An entry that has one already keeps it; a link in the body or a discussion
    has no entry of its own and is reported, not written."""
    snapshots = dict(report.archives or ())
    by_file: dict[str, list[tuple[Place, str, str]]] = {}
    for finding in report.findings:
        snapshot = snapshots.get(finding.result.url)
        if snapshot and wanted(finding):
            for place in finding.places:
                by_file.setdefault(place.path, []).append((place, finding.result.url, snapshot))
    done: list[Written] = []
    for path, items in sorted(by_file.items()):
        done += _write_file(root / path, path, items)
    return sorted(done, key=lambda w: (w.place.path, w.place.line, w.place.col))


def _no_entry(loads: bool, in_body: bool) -> str:
    if not loads:
        return "the note no longer loads; fix it and run again"
    if in_body:
        return "in the body: no 'links:' entry of its own to hold 'archived:'"
    return "not a 'links:' entry's url (a discussion URL, or the file changed since it was checked)"


def _write_file(file: Path, path: str, items: list[tuple[Place, str, str]]) -> list[Written]:
    try:
        text = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Written(p, "not written", f"the note cannot be read ({exc})") for p, _, _ in items]
    lines = text.split("\n")
    fence = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r") in ("---", "...")), 0)
    done: list[Written] = []
    for place, url, snapshot in sorted(items, key=lambda i: (i[0].line, i[0].col), reverse=True):  # bottom up: lines above stay put
        reading = _entries("\n".join(lines), path)
        entry = next(((i, e) for i, e in enumerate(reading[0]) if (e.place.line, e.place.col) == (place.line, place.col)), None) if reading else None
        if entry is None or fetch_key(entry[1].url) != fetch_key(url):
            done.append(Written(place, "not written", _no_entry(reading is not None, place.line > fence)))
            continue
        index, link = entry
        if link.archived:
            done.append(Written(place, "already archived", link.archived))
            continue
        problem = schema.url_problem(snapshot)
        spot = _insert_at(lines, place, fence) if problem is None else f"the snapshot URL {problem}"
        if isinstance(spot, str):
            done.append(Written(place, "not written", spot))
            continue
        at, indent = spot
        try:
            value = scalar(snapshot)
        except EditError as exc:
            done.append(Written(place, "not written", str(exc)))
            continue
        ending = "\r" if lines[at - 1].endswith("\r") else ""
        edited = [*lines[:at], f"{indent}archived: {value}{ending}", *lines[at:]]
        if reading is None or not _reads_back(reading, "\n".join(edited), path, index, snapshot):
            done.append(Written(place, "not written", "would not read back as that one entry gaining 'archived:'"))
            continue
        lines = edited
        fence += 1
        done.append(Written(place, "archived", snapshot))
    new_text = "\n".join(lines)
    if new_text != text:
        write_text_atomically(file, new_text)
    return done
