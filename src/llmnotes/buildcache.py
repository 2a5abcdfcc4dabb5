"""The build cache: what the last build read and wrote, so that the next one redoes only what changed.

One file per output folder under `.llmnotes/build/` (git-ignored, beside the link cache), holding:

- `notes`: for each note file, the digest of its bytes, the note loaded from them, its
  diagnostics and the file's stamp as they were read (`folder.stamps_of`). A note whose bytes did not
  change is not parsed again, and one whose stamp did not change is not even read (`load.load_cached`).
- `resources`: each resource's digest and what it was made from (`graph.Site.resource_stamps`).
- `related`: each note's related notes, with the digest of what they were worked out from
  (`graph.Site.related_memo`).
- `outputs`: for each file of the built site, the fingerprint of what made it (pages of topics,
  notes and resources; see `render.Renderer.fingerprint`), the digest of its bytes and its size.
  A page whose fingerprint did not change is not rendered again; a file whose bytes did not change
  is not written again, so its modification time stays and rsync-style deploys send only changes.

Beside it, an emitter may keep what it worked out for the next build (`Memos`): the search index
keeps its word lists, to patch rather than make again after an edit, and the pages their plan
(`pageplan.PagePlan`): every page's fingerprint and which pages name each note and resource, so
that after an edit only the fingerprints of the pages naming what changed are worked out again.

The notes are most of its bytes (100 MB at 10,000 notes: bodies and texts), so they are kept in
`NOTE_SHARDS` files of their own beside it, each note in the one its path hashes to, and a build
rewrites only the shards whose notes changed: one edit rewrites one shard, not the whole cache. A
shard older or newer than the main file is harmless, since a note's entry is used only for the very
bytes it was made from.

The whole cache is keyed by llmnotes' version and the raw-HTML switch (`key`): an upgrade starts
afresh. Only the caches of the last `KEEP_FOLDERS` output folders built into are kept (`prune`).
It is an optimisation and nothing more: a cache that cannot be read is an empty one, one that
cannot be written costs a warning, and `build --no-cache` ignores what is there.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import pickle
import re
import shutil
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from llmnotes import __version__, diagnostics, model
from llmnotes import folder as notes_folder
from llmnotes.folder import RACY_NS, Stamp
from llmnotes.folder import file_digest as note_digest  # what the loader keeps of a note's bytes
from llmnotes.heap import collector_paused
from llmnotes.write import write_bytes_atomically

if TYPE_CHECKING:  # the loader (YAML, Markdown) and the graph are not needed to read or write a cache
    from llmnotes.graph import RelatedMemo
    from llmnotes.load import NoteCache

CACHE_DIR = Path(".llmnotes") / "build"
_CACHED = (model.Note, model.Body, model.Ref, model.LinkEntry, model.BodyLink, model.NoteLink, model.AssetLink, model.Heading, model.Place, diagnostics.Diagnostic)
FORMAT = 13  # bump when the pickled shapes, or what a field holds, change
NOTE_SHARDS = 32  # files the notes are kept in: at 10,000 notes, about 3 MB each


class Written(NamedTuple):
    """One file of the last build. A named tuple: the cache holds one per file of the site
    (34,000 at 10,000 notes), pickled and unpickled on every build."""

    fingerprint: str  # of the inputs of a page; "" for files judged by their bytes alone
    digest: str  # of the bytes written
    size: int


@dataclass
class BuildCache:
    key: str
    notes: NoteCache = field(default_factory=dict)
    outputs: dict[str, Written] = field(default_factory=dict)
    resources: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)  # `graph.Site.resource_stamps`
    related: RelatedMemo | None = None  # `graph.Site.related_memo`
    # What each notes shard on disk holds, as (path, digest) pairs: a shard holding the same is not
    # written again. Filled when the cache is read or saved; never pickled with the main file.
    stored: dict[int, frozenset[tuple[object, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Memos:
    """Where an emitter keeps what it worked out, for the next build into the same folder to reuse
    (the search index keeps its word lists): one file per name beside the build cache, under its
    key. Like the cache, an optimisation only: the emitter checks what a memo says it was made
    from before using it, so one from any earlier build is safe, and one that cannot be read or
    written costs the time it saves, never the build."""

    cache: Path  # the build cache's file, whose name the memos share
    key: str
    reuse: bool  # False in a build that makes everything afresh (`--no-cache`, a first build)
    # `serve`'s: kept in memory between its builds, as its cache is, and saved with it (`save_held`)
    held: dict[str, object] | None = None

    def read(self, name: str) -> object | None:
        if not self.reuse:
            return None
        if self.held is not None and name in self.held:
            return self.held[name]
        found = _read(self._file(name), self.key, "made afresh")
        return None if found is _UNREADABLE else found

    def write(self, name: str, value: object) -> None:
        if self.held is not None:
            self.held[name] = value
        else:
            self._store(name, value)

    def save_held(self) -> None:
        """Write the memos kept in memory to disk, for the next session or build."""
        for name, value in (self.held or {}).items():
            self._store(name, value)

    def _store(self, name: str, value: object) -> None:
        try:
            _write(self._file(name), self.key, value)
        except OSError as exc:
            _not_written(self._file(name), exc)

    def _file(self, name: str) -> Path:
        return self.cache.with_name(f"{self.cache.stem}.{name}.pickle")


def cache_file(root: Path, out: Path) -> Path:
    """The cache of the build into `out`: `serve` and `build` into two folders keep two caches."""
    name = hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()
    return root / CACHE_DIR / f"{name}.pickle"


# The output folders whose caches `.llmnotes/build/` keeps: the one just built and those built most
# recently before it. Each holds what its folder's next build reuses (about 135 MB at 10,000
# notes); an author builds into one or two (the site, the preview), while a script building into a
# fresh temporary folder each time would otherwise leave one behind per run.
KEEP_FOLDERS = 4
_SET_NAME = re.compile(r"\.?([0-9a-f]{16})\.")  # `cache_file`'s name, and the temporary files made beside it
_MAIN_OR_SHARD = re.compile(r"[0-9a-f]{16}(?:\.notes-\d+)?\.pickle")  # `cache_file` and `_shard_file`


def prune(path: Path, key: str, keep: int = KEEP_FOLDERS) -> list[str]:
    """Remove the caches of other output folders beyond the `keep` used most recently (the one
    at `path` counts), each known by when a build last began with it (`mark_used`); the names of the
    caches removed. A cache is only ever an optimisation: its folder's next build is then a full
    one. One whose build is running (its lock held) is left alone, and so is its lock file, which
    a build starting at that moment may have opened. Of the cache at `path`, whose build is this
    one, the files written under another key go too (`_outdated`)."""
    folder = path.parent
    sets: dict[str, list[Path]] = {}
    try:
        for entry in folder.iterdir():
            found = _SET_NAME.match(entry.name)
            if found is not None:
                sets.setdefault(found.group(1), []).append(entry)
    except OSError:
        return []
    for entry in _outdated(sets.get(path.stem, []), key):
        with contextlib.suppress(OSError):
            entry.unlink()
    others = [name for name in sets if name != path.stem and any(e.suffix != ".lock" for e in sets[name])]
    others.sort(key=lambda name: _last_used(folder, name), reverse=True)
    removed = []
    for name in others[max(keep - 1, 0) :]:
        if _remove_unlocked(folder / f"{name}.lock", [e for e in sets[name] if e.suffix != ".lock"]):
            removed.append(name)
    return removed


def _outdated(entries: list[Path], key: str) -> list[Path]:
    """The memos of one cache written under another key: by another version, or by code that kept
    a memo under a name it no longer reads (the search index's word lists were once `search-1`).
    None can ever be read again, and nothing else would remove them. The main file and the notes
    shards are not looked at: `save` has just written them under its key."""
    header = _header(key)
    found = []
    for entry in entries:
        if entry.suffix != ".pickle" or entry.name.startswith(".") or _MAIN_OR_SHARD.fullmatch(entry.name):
            continue
        try:
            with entry.open("rb") as handle:
                first = handle.readline(len(header) + 1)
        except OSError:
            continue
        if first != header and first.startswith((_MAGIC, _OLD_LAYOUT)):
            found.append(entry)
    return found


def mark_used(lock: Path) -> None:
    """Record that a build into this cache's folder began (`prune` keeps the most recent): the
    lock file's time, since a build that finds nothing changed writes no file of its cache."""
    with contextlib.suppress(OSError):
        os.utime(lock)


def _last_used(folder: Path, name: str) -> int:
    try:
        return (folder / f"{name}.lock").stat().st_mtime_ns
    except OSError:
        return 0  # a cache without a lock file: from an interrupted copy, or by hand; the first to go


def _remove_unlocked(lock: Path, entries: list[Path]) -> bool:
    """Remove `entries` unless a build holds `lock`; whether they were removed."""
    try:
        handle = lock.open("a+")
    except OSError:
        return False
    with handle, build_lock(handle) as taken:
        if not taken:
            return False  # a build into that folder is running
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
    return True


@contextlib.contextmanager
def build_lock(handle: IO[str]) -> Iterator[bool]:
    """The lock one output folder's builds take (on its open lock file), taken without waiting:
    whether it was, False while a build into that folder holds it."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        yield False
        return
    try:
        yield True
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)


def cache_key(allow_html: bool) -> str:
    """What a cache must have been made with to be used: this format and version of llmnotes, the
    same raw-HTML switch, classes of the same shape (unpickled objects of another shape would break
    the build) and the same code. A development checkout changes the code without changing the
    version, and a cache made by other code may hold what this code would not make: fingerprints
    of pages worked out another way, a plan of pages indexed another way (`pageplan`)."""
    shapes = [f"{cls.__name__}:{','.join(_field_names(cls))}" for cls in _CACHED]
    return f"{FORMAT}:{__version__}:{allow_html}:{digest(';'.join(shapes).encode())}:{code_digest(Path(__file__).parent)}"


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's fields or a named tuple's, in order."""
    names: tuple[str, ...] = getattr(cls, "_fields", ())
    return names or tuple(f.name for f in fields(cls))


@functools.cache
def code_digest(package: Path) -> str:
    """A digest of the files of a package (its modules, its script for the preview) by name, size
    and modification time, as the shortcut judges the notes (`sources_digest`): 70 `stat`s rather
    than reading 700 kB on every build. Of nothing when the package is not a folder (a zip)."""
    found = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]  # written by Python, not code
        for name in names:
            stat = os.stat(os.path.join(folder, name))
            found.append(f"{os.path.relpath(folder, package)}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return digest("\n".join(sorted(found)).encode())


def load(path: Path, key: str) -> BuildCache:
    """The cache at `path`, or an empty one when it is missing, from another version, or unreadable.
    The files are this program's own (under `.llmnotes/`, never shared or committed)."""
    cache = BuildCache(key)
    found = _read(path, key, "building everything")
    if found is _UNREADABLE:
        return cache
    if isinstance(found, tuple) and len(found) == 3 and isinstance(found[1], dict):
        cache.outputs, cache.resources = _outputs(found[0]), found[1]
        cache.related = found[2] if isinstance(found[2], tuple) and len(found[2]) == 2 else None
    for shard in range(NOTE_SHARDS):
        notes = _read(_shard_file(path, shard), key, "its notes are parsed again, and the shard written anew")
        if isinstance(notes, dict) and notes:
            cache.notes.update(notes)
            cache.stored[shard] = _holds(notes)
    return cache


def save(path: Path, cache: BuildCache) -> None:
    """Write the notes shards whose notes changed, then the rest of the cache (each file a temporary
    one renamed over the old); a failure is a warning. Then remove the caches of the output folders
    least recently built into, beyond `KEEP_FOLDERS` (`prune`)."""
    try:
        _save_notes(path, cache)
        _write(path, cache.key, (_columns(cache.outputs), cache.resources, cache.related))
    except OSError as exc:
        _not_written(path, exc)
    prune(path, cache.key)


Columns = tuple[list[str], list[str], list[str], list[int]]  # the outputs' paths, fingerprints, digests and sizes


def _columns(outputs: dict[str, Written]) -> Columns:
    """The outputs as four lists: a third of the time to pickle of 34,000 named tuples (each one
    asks Python for its arguments), for as long to make them again when read."""
    return list(outputs), [w.fingerprint for w in outputs.values()], [w.digest for w in outputs.values()], [w.size for w in outputs.values()]


def _outputs(columns: object) -> dict[str, Written]:
    """`_columns` read back; nothing from what is not four lists of one length."""
    if not (isinstance(columns, tuple) and len(columns) == 4 and all(isinstance(c, list) for c in columns)):
        return {}
    paths, fingerprints, digests, sizes = columns
    if not len(paths) == len(fingerprints) == len(digests) == len(sizes):
        return {}
    return dict(zip(paths, map(Written._make, zip(fingerprints, digests, sizes, strict=True)), strict=True))


def save_notes(path: Path, cache: BuildCache) -> None:
    """Only the notes shards whose notes changed, as soon as the notes are loaded (a first build
    writes them while its pages render); `save` then writes the rest. A failure is a warning."""
    try:
        _save_notes(path, cache)
    except OSError as exc:
        _not_written(path, exc)


def _not_written(path: Path, exc: OSError) -> None:
    """The cache is an optimisation: one that cannot be written costs a warning, not the build."""
    print(f"warning: could not write the build cache {path}: {exc.strerror or exc}", file=sys.stderr)


def _save_notes(path: Path, cache: BuildCache) -> None:
    by_shard: dict[int, NoteCache] = {}
    for note_path, entry in cache.notes.items():
        by_shard.setdefault(_shard_of(note_path), {})[note_path] = entry
    for shard in range(NOTE_SHARDS):
        file, notes = _shard_file(path, shard), by_shard.get(shard)
        if not notes:  # also clears a shard that could not be read
            file.unlink(missing_ok=True)
            cache.stored.pop(shard, None)
            continue
        holds = _holds(notes)
        if cache.stored.get(shard) != holds or not file.is_file():
            _write(file, cache.key, notes)
            cache.stored[shard] = holds


def _shard_file(path: Path, shard: int) -> Path:
    return path.with_name(f"{path.stem}.notes-{shard:02}.pickle")


def _shard_of(note_path: str) -> int:
    return zlib.crc32(note_path.encode()) % NOTE_SHARDS  # the same in every process, unlike hash()


def _holds(notes: NoteCache) -> frozenset[tuple[object, ...]]:
    return frozenset((note_path, entry[0], entry[3]) for note_path, entry in notes.items())


_UNREADABLE = object()  # what `_read` gives for a file that is there but cannot be read


def _read(path: Path, key: str, otherwise: str, quiet: bool = False) -> object:
    """What `_write` stored at `path` under `key`. None when the file is missing or was written
    under another key (another version, another shape); `_UNREADABLE`, after a warning saying what
    happens `otherwise`, when it is truncated, corrupt or holds classes of another shape.

    The key is read before anything is unpickled: a cache of another version may hold objects
    this code's classes cannot be rebuilt from (a dataclass become a named tuple), and an upgrade
    should cost one full build, not a warning per file."""
    try:
        with path.open("rb") as handle, collector_paused():
            first = handle.readline(len(_header(key)) + 1)
            if first == _header(key):
                return pickle.load(handle)
            if first.startswith((_MAGIC, _OLD_LAYOUT)):
                return None  # another key, or a version from before the key had a line of its own
            raise ValueError("not a build cache file")
    except FileNotFoundError:
        return None
    except Exception as exc:
        if not quiet:  # `quiet`: a second reader of the file, which the build reads and reports on itself
            print(f"warning: build cache {path} unreadable ({type(exc).__name__}); {otherwise}", file=sys.stderr)
        return _UNREADABLE


def _write(path: Path, key: str, value: object) -> None:
    """`value` under `key` (a line of its own, then the pickle), in a temporary file renamed over the old one."""
    write_bytes_atomically(path, _header(key) + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


_MAGIC = b"llmnotes build cache "
_OLD_LAYOUT = b"\x80\x05"  # how the files of earlier versions began: one pickle (protocol 5) of (key, value)


def _header(key: str) -> bytes:
    return _MAGIC + key.encode() + b"\n"


def digest(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def digest_of(values: Iterable[str]) -> str:
    """A digest of a sequence of strings, each length-prefixed so that no two sequences share one
    (whatever characters the strings hold), hashed as it goes rather than joined first."""
    hasher = hashlib.blake2b(digest_size=16)
    for value in values:
        data = value.encode()
        hasher.update(b"%d:" % len(data))
        hasher.update(data)
    return hasher.hexdigest()


def file_digest(path: Path) -> str:
    return digest(path.read_bytes())


class OnDisk(NamedTuple):
    """The output folder, and what is known of the files the last build wrote there."""

    out: Path
    # The files of the last build whose size on disk was not the one it wrote (or that were gone)
    # as this build began (`ahead.Look`); None when not looked at, and each file is then looked at
    # when asked about. A file changed by hand is written again either way.
    altered: frozenset[str] | None = None


def unchanged_folder(previous: dict[str, Written], disk: OnDisk, index: str, fingerprint: str) -> list[str] | None:
    """The files the last build wrote in the folder of `index`, when it made `index` from these
    very inputs and they are all still there. An emitter of many files (the search index) keeps
    them all or goes through them one by one; its `index` fingerprint covers all of its inputs."""
    if not unchanged(previous, disk, index, fingerprint):
        return None
    folder = index.rsplit("/", 1)[0] + "/"
    paths = [path for path in previous if path.startswith(folder)]
    return paths if all(_still_there(disk, path, previous[path]) for path in paths) else None


def unchanged(previous: dict[str, Written], disk: OnDisk, path: str, fingerprint: str) -> bool:
    """Whether the page at `path` was made from these very inputs by the last build, and is still
    there as it was written (a file changed by hand is written again)."""
    written = previous.get(path)
    if written is None or not fingerprint or written.fingerprint != fingerprint:
        return False
    return _still_there(disk, path, written)


def same_bytes(previous: dict[str, Written], disk: OnDisk, path: str, entry: Written) -> bool:
    """Whether the last build wrote these very bytes at `path`, and they are still there."""
    written = previous.get(path)
    return written is not None and written.digest == entry.digest and _still_there(disk, path, entry)


def _still_there(disk: OnDisk, path: str, written: Written) -> bool:
    """Whether `path`, a file of the last build, has the size of `written` (which it wrote there,
    or of the same bytes) on disk."""
    if disk.altered is not None:
        return path not in disk.altered
    return size_on_disk(disk.out, path) == written.size


def size_on_disk(out: Path, path: str) -> int | None:
    try:  # os.stat of a joined string, not Path.stat or os.path.join: asked for every page of the site (28,718 at 10,000 notes)
        return os.stat(f"{os.fspath(out)}/{path}").st_size
    except OSError:
        return None


def altered(path: Path, key: str, out: Path) -> frozenset[str]:
    """The files the last build into `out` wrote (as its cache at `path` has them) whose size on
    disk is no longer the one written, or that are gone (`OnDisk.altered`)."""
    found = _read(path, key, "", quiet=True)
    outputs = _outputs(found[0]) if isinstance(found, tuple) and found else {}
    return frozenset(p for p, written in outputs.items() if size_on_disk(out, p) != written.size)


# -- nothing changed? ------------------------------------------------------------------------------
# Before loading anything, a build compares a digest of the size, times and inode of every
# file it reads (notes, topics, templates, static files, the link cache) and of the settings with
# the one saved by the last good build into the same folder. When they match, the site on disk is
# what this build would write: it stops there, in the time it takes to list the files. As git does
# for its index ("racy git"), a file changed less than `RACY_NS` before the snapshot was taken is not
# trusted by its times, since a second save within one clock tick would keep its size and time,
# unless it is a note whose bytes are still those built once the clock has moved on (`settled`).


@dataclass(frozen=True)
class Snapshot:
    sources: str  # digest of the inputs, see `sources_digest`
    trusted: bool  # no input changed within RACY_NS of the snapshot
    pages: int
    notes: int
    resources: int
    topics: int
    diagnostics: tuple[tuple[str, int, int, str, str], ...]  # (path, line, col, message, severity)
    unannotated: tuple[str, ...] = ()  # places of resources without a note: yet


@dataclass(frozen=True)
class SourceStats:
    """The name, size, times and inode of every file an author edits, as a build begins."""

    parts: tuple[str, ...]  # the settings, then `path:size:mtime:ctime:inode` (or `path:-`) for each file
    racy: tuple[tuple[Path, str, int], ...]  # (path, part, mtime) of the files changed within RACY_NS before `taken`
    taken: int  # when they were read (time.time_ns)
    # Each file's stamp as `folder.stamps_of` gives it, by path: the loader takes the notes' from
    # here rather than asking for the status of every note a second time (10,000 at 10,000 notes).
    stamps: dict[str, Stamp | None] = field(default_factory=dict, compare=False, repr=False)


def source_stats(settings: str, folders: list[Path]) -> SourceStats:
    """`settings` and every file in `folders` (notes, templates, static files), as they are now."""
    taken = time.time_ns()
    parts = [settings]
    racy = []
    stamps: dict[str, Stamp | None] = {}
    # Paths as strings, not `Path`s: made for every note before anything else, at 10,000 notes
    # they were 0.1 s of each build (a `Path` for the few racy files only).
    for name in (os.path.join(dirpath, name) for folder in folders for dirpath, _, names in sorted(os.walk(folder)) for name in sorted(names)):
        try:
            st = os.stat(name)
        except OSError:
            parts.append(f"{name}:-")
            stamps[name] = None
            continue
        parts.append(_part(name, st))
        stamps[name] = notes_folder.stamp(st, taken - notes_folder.RACY_NS)  # as the loader judges a note: its window, not ours
        if st.st_mtime_ns >= taken - RACY_NS:
            racy.append((Path(name), parts[-1], st.st_mtime_ns))
    return SourceStats(tuple(parts), tuple(racy), taken, stamps)


def settled(stats: SourceStats, used: Callable[[Path], str | None]) -> bool:
    """Whether the next build may trust `stats` by sizes and times alone. A file changed just
    before the build began (an author who saves and builds at once) could be saved again within
    the same clock tick, unseen; it is settled when, now, its time is RACY_NS behind the clock (so
    any later save shows), its size and time are as the build began, and its bytes are those the
    build used. `used` gives the digest of a note's bytes as loaded, None for any other file: a
    template or static file changed that late leaves the shortcut off, as before."""
    now = time.time_ns()
    for path, part, mtime in stats.racy:
        digest_used = used(path)
        if not digest_used or now - mtime <= RACY_NS or _stat_part(path)[0] != part or note_digest(path) != digest_used:
            return False
    return True


def sources_digest(stats: SourceStats, files: Iterable[Path]) -> str:
    """A digest of `stats` and of the size and time of each of `files` as they are now, missing
    ones included, as missing: files llmnotes writes itself (the output's index page, the link
    cache), whose time says whether they were changed since."""
    parts = [*stats.parts, *(_stat_part(path)[0] for path in files)]
    return digest("\x1f".join(parts).encode())


def _stat_part(path: Path | str) -> tuple[str, int]:
    """`path:size:mtime:ctime:inode` (times in ns), or `path:-` for a file that is not there; and
    its modification time (0 if none). The change time and inode as git has them: an edit that
    keeps the size and puts the modification time back (`touch -r`, a copy keeping times) still
    changes the change time, which no tool sets back. Whether a file is racy goes by its
    modification time, as in git: it is what a save sets."""
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:-", 0
    return _part(path, st), st.st_mtime_ns


def _part(path: Path | str, st: os.stat_result) -> str:
    return f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def snapshot_file(cache: Path) -> Path:
    return cache.with_suffix(".snapshot")


def load_snapshot(path: Path, key: str) -> Snapshot | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] != key:
            return None
        fields_ = data["snapshot"]
        fields_["diagnostics"] = tuple(tuple(d) for d in fields_["diagnostics"])
        fields_["unannotated"] = tuple(fields_.get("unannotated", ()))
        return Snapshot(**fields_)
    except Exception:  # missing, truncated, from another version: no shortcut, a normal build
        return None


def save_snapshot(path: Path, key: str, snapshot: Snapshot | None) -> None:
    """Record the last good build's inputs, or forget them (None) when a build changed things."""
    try:
        if snapshot is None:
            path.unlink(missing_ok=True)
            return
        write_bytes_atomically(path, json.dumps({"key": key, "snapshot": asdict(snapshot)}).encode())
    except OSError as exc:
        _not_written(path, exc)
