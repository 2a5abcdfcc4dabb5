"""The results cache: SQLite from the standard library, one row per fetch key.

Every verdict is stored (the site shows when a link was last seen broken), but only good ones are
trusted on the next run, and only while younger than the maximum age: broken and blocked links are
always checked again.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

from llmnotes.links.result import Result, Verdict
from llmnotes.load import NoteCache
from llmnotes.write import write_bytes_atomically

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


_LATEST = 32_503_680_000.0  # the year 3000: a later check time is not a time this cache wrote


def _warn(path: Path, what: str, exc: BaseException) -> None:
    """A cache is an optimisation: trouble with it is said once and the run goes on without it."""
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    print(f"warning: link cache {path}: {what} ({detail}); going on without it", file=sys.stderr)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    try:
        connection.execute(_SCHEMA)
    except BaseException:
        connection.close()
        raise
    return connection


def load(path: Path, max_age: float | None = None, good_only: bool = True) -> dict[str, Result]:
    """Cached results by fetch key: fresh good ones (for skipping), or all (for the site). A cache
    that cannot be read (not SQLite, unreadable, locked) gives none; rows that do not make sense (a
    check time that is not a time, a verdict this version does not know) are skipped."""
    if not path.is_file():
        return {}
    oldest = time.time() - max_age if max_age is not None else 0.0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT key, url, verdict, status, final_url, error, permanent, checked_at FROM results WHERE checked_at >= ?", (oldest,)).fetchall()
    except (sqlite3.Error, OSError) as exc:
        _warn(path, "cannot be read", exc)
        return {}
    results: dict[str, Result] = {}
    for key, url, verdict_text, status, final_url, error, permanent, checked_at in rows:
        try:
            verdict = Verdict(verdict_text)
        except ValueError:
            continue  # a row from a future version: check that URL again
        if not isinstance(key, str) or not isinstance(url, str) or not isinstance(checked_at, int | float) or not 0 <= checked_at <= _LATEST:
            continue
        if (status is not None and not isinstance(status, int)) or not isinstance(final_url, str | None) or not isinstance(error, str | None):
            continue
        if good_only and not verdict.good:
            continue
        results[key] = Result(url, verdict, status, final_url, error, float(checked_at), bool(permanent), from_cache=True)
    return results


def store(path: Path, results: dict[str, Result]) -> None:
    """Record fresh results (not those that came from the cache, nor exclusions). A corrupt cache
    is replaced; one that cannot be written (read-only, disk full) costs a warning, never the report."""
    rows = [
        (key, r.url, str(r.verdict), r.status, r.final_url, r.error, int(r.permanent), r.checked_at)
        for key, r in results.items()
        if not r.from_cache and r.verdict is not Verdict.EXCLUDED
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = _connect(path)
        except sqlite3.DatabaseError:
            if not path.is_file() or path.is_symlink():
                raise
            path.unlink()  # not a cache any more: start a new one
            db = _connect(path)
        with closing(db), db:
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    except (sqlite3.Error, OSError) as exc:
        _warn(path, "cannot be written", exc)


# -- the notes as last read --------------------------------------------------------------------------
# Beside the results, the links of every note as last parsed, by the digest of its bytes: a warm
# check of unchanged notes reads them, hashes them and parses none (`load.load_cached`). A pickle of
# this program's own objects, under `.llmnotes/`; one from another version or of another shape is
# not used.


def load_notes(path: Path, allow_html: bool) -> NoteCache:
    from llmnotes.buildcache import cache_key

    try:
        with path.open("rb") as handle:
            key, notes = pickle.load(handle)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # truncated, corrupt, or classes of another shape
        _warn(path, "cannot be read", exc)
        return {}
    return notes if key == cache_key(allow_html) and isinstance(notes, dict) else {}


def store_notes(path: Path, allow_html: bool, notes: NoteCache) -> None:
    from llmnotes.buildcache import cache_key

    try:
        write_bytes_atomically(path, pickle.dumps((cache_key(allow_html), notes), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        _warn(path, "cannot be written", exc)
