"""Write: fill a temporary folder beside the output, then swap it in.

A build that fails halfway leaves the previous site exactly as it was, and files of earlier builds
that no longer exist are gone. Every path is checked to stay inside the output folder, whatever a
slug or a file name says.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

MARKER = ".llmnotes-site"  # in every folder llmnotes builds: the proof that it may replace it
_MARKER_TEXT = b"This folder was built by llmnotes. `llmnotes build` replaces it whole: keep nothing else here.\n"
_TEMP = re.compile(r"^\.(?P<out>.+)-(?:new|old|update)-(?P<pid>\d+)-[^/]*$")


class UnsafePath(ValueError):
    """A page or file would land outside the output folder."""


def is_llmnotes_site(folder: Path) -> bool:
    """Whether `folder` is a site llmnotes built: it holds the marker, or (built before the marker
    existed) the search index only llmnotes writes."""
    if (folder / MARKER).is_file():
        return True
    index = folder / "search-index" / "index.js"
    try:
        return index.is_file() and index.read_bytes().startswith(b"LLMNOTES_SEARCH.add(")
    except OSError:
        return False


def remove_stale(out: Path) -> list[Path]:
    """Remove the temporary folders of builds into `out` that were killed (their process is gone):
    `kill -9` or a power cut leaves them, and nothing else would ever clean them up."""
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    for entry in out.parent.iterdir():
        match = _TEMP.match(entry.name)
        if not match or match.group("out") != out.name or not entry.is_dir() or entry.is_symlink():
            continue
        if _alive(int(match.group("pid"))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


def _temp_folder(out: Path, kind: str) -> Path:
    """A temporary folder beside `out`, named for the process that made it (see `remove_stale`)."""
    return Path(tempfile.mkdtemp(prefix=f".{out.name}-{kind}-{os.getpid()}-", dir=out.parent))


def _checked(relpath: str) -> str:
    """`relpath` if it is plain: folder and file names joined by `/`, none of them empty, `.` or
    `..`, and no backslash or NUL. Plain string work, no pathlib: it runs for every page."""
    if "\\" in relpath or "\0" in relpath or any(part in ("", ".", "..") for part in relpath.split("/")):
        raise UnsafePath(f"refusing to write '{relpath}': not a plain path inside the output folder")
    return relpath


def _inside(path: Path, root: Path, resolved_root: Path | None = None) -> Path:
    if not path.resolve().is_relative_to(resolved_root or root.resolve()):
        raise UnsafePath(f"refusing to write '{path.relative_to(root)}': it resolves outside the output folder")
    return path


def write_text_atomically(path: Path, text: str) -> None:
    """Replace one file whole (a report, a note rewritten by --fix): readers never see half of it,
    and the file keeps its permissions and its line endings as given."""
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """`write_text_atomically` for bytes (the build cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


class _Folder:
    """A temporary folder beside the output that files are written into: every path checked to
    stay inside it, each folder made or checked once, not once per file (a 10,000-note build
    writes ~34,000 files, most in a folder of their own)."""

    def __init__(self, out: Path, kind: str) -> None:
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.root = _temp_folder(out, kind)
        try:
            os.chmod(self.root, 0o755)  # mkdtemp makes it private; a web server must read it
        except BaseException:  # the caller never gets the folder to discard: remove it here
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self._base = str(self.root)
        self._folders: set[str] = {""}  # folders made or checked, relative to the root
        self._resolved = self.root.resolve()
        self.changed: list[str] = []  # what was written, in order

    def _target(self, relpath: str) -> str:
        """Where a file goes: a plain relative path (no `..`), in folders that are real folders
        inside this one (no planted symlink). Plain strings: pathlib's parsing and hashing, for
        every page of a large site, cost more than the checks."""
        folder, _, _ = _checked(relpath).rpartition("/")
        self._make(folder)
        return f"{self._base}/{relpath}"

    def _make(self, folder: str) -> None:
        """Make `folder` and those above it, each one a folder made here or found to be a real
        folder, never a link: one `mkdir` or `lstat` per folder instead of resolving every path
        from `/` (a page's folder is new for nearly every page)."""
        if folder in self._folders:
            return
        self._make(folder.rpartition("/")[0])
        where = f"{self._base}/{folder}"
        try:
            os.mkdir(where)
        except FileExistsError:  # made by another page worker, or planted
            if not stat.S_ISDIR(os.lstat(where).st_mode):
                raise UnsafePath(f"refusing to write into '{folder}': it is not a folder") from None
        self._folders.add(folder)

    def write(self, relpath: str, content: bytes) -> None:
        self.put(relpath, content)
        self.changed.append(relpath)

    def put(self, relpath: str, content: bytes) -> None:
        """`write`, not yet recorded: a page worker process puts its pages here, and the main
        process `adopt`s each, in order."""
        try:  # O_EXCL refuses a second page at one path, and a symlink planted there
            fd = os.open(self._target(relpath), _NEW_FILE, 0o666)
        except FileExistsError:
            raise UnsafePath(f"two pages would be written to '{relpath}'") from None
        try:  # a bare descriptor: `open()` would add a buffer, a tty check and a seek per page
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def adopt(self, relpath: str) -> None:
        """Record a file another process `put` here."""
        self.changed.append(relpath)

    def copy(self, relpath: str, source: Path) -> None:
        shutil.copyfile(source, _inside(Path(self._target(relpath)), self.root, self._resolved))
        self.changed.append(relpath)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class Staging(_Folder):
    """A whole new output folder that becomes the real one on `commit`, or vanishes on `discard`."""

    def __init__(self, out: Path) -> None:
        super().__init__(out, "new")
        try:
            (self.root / MARKER).write_bytes(_MARKER_TEXT)
        except BaseException:  # as in `_Folder`: a folder the caller never gets is not left behind
            self.discard()
            raise

    def commit(self) -> None:
        """Swap the new folder in: two renames, then the old site is removed."""
        old = None
        if self.out.exists():
            old = _temp_folder(self.out, "old")
            os.rmdir(old)
            self.out.rename(old)
        self.root.rename(self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


class Update(_Folder):
    """The changes of an incremental build, applied to the output folder only when all are known.

    Changed files are written into a temporary folder beside the output as they come; `commit`
    moves each over its old version with a rename (a reader gets the old file or the new one, never
    part of one), new files and non-pages first, then pages, and deletes files of the last build
    that are gone last, so a page never links to a file not there yet. Files not named stay as
    they are, modification times included. `discard` leaves the output folder untouched.
    """

    def __init__(self, out: Path) -> None:
        super().__init__(out, "update")
        self._moved = 0  # how many of `changed` are in the output folder already

    def commit_so_far(self) -> None:
        """Move in what has been written so far (`serve` shows the pages of an edit before the
        search index and the bibliography are done); `commit` moves the rest."""
        self._move(self.changed[self._moved :])
        self._moved = len(self.changed)

    def commit(self, gone: list[str]) -> None:
        self._move(self.changed[self._moved :])
        self._moved = len(self.changed)
        out_resolved = self.out.resolve()
        for relpath in sorted(gone, reverse=True):
            target = self.out / _checked(relpath)
            _inside(target.parent, self.out, out_resolved)
            target.unlink(missing_ok=True)
            _remove_empty_folders(target.parent, self.out)
        shutil.rmtree(self.root, ignore_errors=True)

    def _move(self, relpaths: list[str]) -> None:
        out_resolved = self.out.resolve()
        if not (self.out / MARKER).is_file():  # a site built before the marker existed
            (self.out / MARKER).write_bytes(_MARKER_TEXT)
        pages_last = sorted(relpaths, key=lambda rel: rel.endswith(".html"))
        for relpath in pages_last:
            target, staged = self.out / _checked(relpath), self.root / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            _inside(target.parent, self.out, out_resolved)  # no folder of the output is a planted symlink
            os.chmod(staged, 0o644)
            os.replace(staged, target)


def _remove_empty_folders(folder: Path, stop: Path) -> None:
    """Remove `folder` and its parents up to `stop` while they are empty (a deleted note's folder)."""
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
