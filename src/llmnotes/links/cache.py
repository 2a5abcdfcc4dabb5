"""The results cache: SQLite from the standard library, one row per fetch key.

Every verdict is stored (the site shows when a link was last seen broken), but only good ones are
trusted on the next run, and only while younger than the maximum age: broken and blocked links are
always checked again.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from llmnotes.links.result import Result, Verdict

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    verdict TEXT NOT NULL,
    status INTEGER,
    final_url TEXT,
    error TEXT,
    permanent INTEGER NOT NULL DEFAULT 0,
    checked_at REAL NOT NULL
)
"""


class CacheError(Exception):
    """The cache file cannot be used (not SQLite, unreadable); the CLI reports it as a usage error."""


def _connect(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(path)
        connection.execute(_SCHEMA)
        return connection
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"{path}: cannot use as a link cache: {exc}") from None


def load(path: Path, max_age: float | None = None, good_only: bool = True) -> dict[str, Result]:
    """Cached results by fetch key: fresh good ones (for skipping), or all (for the site)."""
    if not path.is_file():
        return {}
    oldest = time.time() - max_age if max_age is not None else 0.0
    with closing(_connect(path)) as db:
        try:
            rows = db.execute("SELECT key, url, verdict, status, final_url, error, permanent, checked_at FROM results WHERE checked_at >= ?", (oldest,)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise CacheError(f"{path}: cannot read the link cache: {exc}") from None
    results: dict[str, Result] = {}
    for key, url, verdict_text, status, final_url, error, permanent, checked_at in rows:
        try:
            verdict = Verdict(verdict_text)
        except ValueError:
            continue  # a row from a future version: check that URL again
        if good_only and not verdict.good:
            continue
        results[key] = Result(url, verdict, status, final_url, error, checked_at, bool(permanent), from_cache=True)
    return results


def store(path: Path, results: dict[str, Result]) -> None:
    """Record fresh results (not those that came from the cache, nor exclusions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        (key, r.url, r.verdict, r.status, r.final_url, r.error, int(r.permanent), r.checked_at)
        for key, r in results.items()
        if not r.from_cache and r.verdict is not Verdict.EXCLUDED
    ]
    with closing(_connect(path)) as db, db:
        db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
