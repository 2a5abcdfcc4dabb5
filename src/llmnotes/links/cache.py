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
from typing import TYPE_CHECKING, Any

from llmnotes.heap import collector_paused
from llmnotes.links.result import Result, Verdict
from llmnotes.write import write_bytes_atomically

if TYPE_CHECKING:
    from llmnotes.load import NoteCache

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
            rows = db.execute(_SELECT, (oldest, _LATEST)).fetchall()
    except (sqlite3.Error, OSError) as exc:
        _warn(path, "cannot be read", exc)
        return {}
    with collector_paused():  # 20,000 results and no garbage: a collection pass would only slow this
        return _results(rows, good_only)


_VERDICTS = {str(v): v for v in Verdict}
_GOOD = frozenset(v for v in Verdict if v.good)
# Rows that make sense only: SQLite checks the types (the file may have been written by anything),
# so the loop below need not (20,000 rows at each warm start).
_SELECT = """
SELECT key, url, verdict, status, final_url, error, permanent, checked_at FROM results
WHERE typeof(checked_at) IN ('integer', 'real') AND checked_at >= ? AND checked_at <= ?
  AND typeof(key) = 'text' AND typeof(url) = 'text' AND typeof(verdict) = 'text'
  AND typeof(status) IN ('integer', 'null') AND typeof(final_url) IN ('text', 'null')
  AND typeof(error) IN ('text', 'null')
"""


def _results(rows: list[tuple[Any, ...]], good_only: bool) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for key, url, verdict_text, status, final_url, error, permanent, checked_at in rows:
        verdict = _VERDICTS.get(verdict_text)
        if verdict is None:
            continue  # a row from a future version: check that URL again
        if good_only and verdict not in _GOOD:
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


# -- kept beside the results ---------------------------------------------------------------------------
# Pickles of this program's own objects, under `.llmnotes/`, each stored with the key it was made
# under; one from another version, of another shape or for other inputs is not used.
#
# - `<cache>.notes`: the links of every note as last parsed, by the digest of its bytes: a check of
#   unchanged notes reads them, hashes them and parses none (`load.load_cached`);
# - `<cache>.targets`: what the notes gave the checker (targets and problems), under a signature of
#   the notes' bytes and file names (`folder.sources_signature`): a run over unchanged notes starts
#   from there.


def _load_kept(path: Path, key: object) -> object | None:
    try:
        with path.open("rb") as handle, collector_paused():
            stored_key, value = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # truncated, corrupt, or classes of another shape
        _warn(path, "cannot be read", exc)
        return None
    return value if stored_key == key else None


def _store_kept(path: Path, key: object, value: object) -> None:
    try:
        write_bytes_atomically(path, pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        _warn(path, "cannot be written", exc)


def load_notes(path: Path, allow_html: bool) -> NoteCache:
    from llmnotes.buildcache import cache_key

    notes = _load_kept(path, cache_key(allow_html))
    return notes if isinstance(notes, dict) else {}


def store_notes(path: Path, allow_html: bool, notes: NoteCache) -> None:
    from llmnotes.buildcache import cache_key

    _store_kept(path, cache_key(allow_html), notes)


def load_extracted(path: Path, allow_html: bool, signature: str) -> object | None:
    from llmnotes.buildcache import cache_key

    return _load_kept(path, (cache_key(allow_html), signature))


def store_extracted(path: Path, allow_html: bool, signature: str, extracted: object) -> None:
    from llmnotes.buildcache import cache_key

    _store_kept(path, (cache_key(allow_html), signature), extracted)
