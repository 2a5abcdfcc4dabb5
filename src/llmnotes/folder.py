"""The notes folder: which files are notes (each with its slug) and which are other files, in a
stable order, and a signature of them all.

Apart from `load` because it needs neither YAML nor Markdown: `check-links` lists and hashes the
folder first, and loads nothing when the notes are those it extracted its links from last time.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path

from llmnotes.diagnostics import Diagnostic, display_folder
from llmnotes.model import Asset, SourceFile

NOTE_SUFFIXES = (".md", ".markdown")
TOPICS_FILE = "topics.yaml"
PATHS_FILE = "paths.yaml"
SLUG_SEGMENT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(value: str, nested: bool = False) -> bool:
    """Lowercase letters, digits and single hyphens; `nested` allows `/` between such segments."""
    parts = value.split("/") if nested else [value]
    return all(SLUG_SEGMENT.match(p) for p in parts)


def discover(notes_dir: Path) -> tuple[list[SourceFile], list[Asset], list[Diagnostic]]:
    """Every note and asset under `notes_dir`, in a stable order; hidden files are ignored."""
    sources: list[SourceFile] = []
    assets: list[Asset] = []
    problems: list[Diagnostic] = []
    by_slug: dict[str, SourceFile] = {}
    root = notes_dir.resolve()
    for dirpath, dirnames, filenames in os.walk(notes_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        # Worked out once per folder, not per file: 10,000 notes in one folder are 10,000 names.
        folder = Path(dirpath)
        rel_folder = folder.relative_to(notes_dir).as_posix()
        shown_folder = display_folder(folder)
        links = _symlinks(dirpath, filenames)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = folder / name
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            shown = str(path) if shown_folder is None else name if shown_folder == "." else f"{shown_folder}/{name}"
            if name in links and not path.resolve().is_relative_to(root):
                problems.append(Diagnostic(shown, 0, 0, "symbolic link pointing outside the notes folder: not used"))
                continue
            if rel in (TOPICS_FILE, PATHS_FILE):
                continue
            if os.path.splitext(name)[1].lower() not in NOTE_SUFFIXES:
                assets.append(Asset(path, rel))
                continue
            slug = rel.rsplit(".", 1)[0]
            if not is_slug(slug, nested=True):
                problems.append(
                    Diagnostic(shown, 1, 1, f"file name gives the slug '{slug}', which is not valid: use lowercase a-z, 0-9 and '-'")
                )
                continue
            source = SourceFile(path, shown, slug)
            if slug in by_slug:
                problems.append(Diagnostic(shown, 1, 1, f"duplicate slug '{slug}': {by_slug[slug].display} has it too"))
                continue
            by_slug[slug] = source
            sources.append(source)
    return sources, assets, problems


def _symlinks(folder: str, names: list[str]) -> frozenset[str]:
    """Which of `names` in `folder` are symbolic links: from one listing of the folder (the kind of
    each entry comes with it), not an `lstat` of each of its 10,000 notes; one by one if the
    folder cannot be listed again."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.is_symlink())
    except OSError:
        return frozenset(name for name in names if os.path.islink(os.path.join(folder, name)))


# A file changed less than this before its time was read may be changed again within the same
# clock tick and keep its time: its time then says nothing of its bytes ("racy git").
RACY_NS = 2_000_000_000

# What a file's status says of its bytes: size, modification and change times (ns), inode.
Stamp = tuple[int, int, int, int]


def stamps_of(paths: list[Path], known: Mapping[str, Stamp | None] | None = None) -> list[Stamp | None]:
    """Each file's stamp, or None when the file is missing or changed too recently to be judged
    by it. Bytes cannot change without changing the change time, which no tool can set back (a
    copy or checkout with old modification times still gets new ones), or the inode (an editor
    that saves by renaming a new file over the old); so a note whose stamp is the one its bytes
    were read with, then already settled, need not be read again to know they are the same.

    `known`: stamps taken earlier in the same build, by path (`buildcache.SourceStats.stamps`,
    from the status of every source a build begins with): those files are not looked at again."""
    settled_before = time.time_ns() - RACY_NS  # taken before any file is looked at
    known = known or {}
    found: list[Stamp | None] = []
    for path in paths:
        name = str(path)
        if name in known:
            found.append(known[name])
            continue
        try:
            found.append(stamp(os.stat(name), settled_before))
        except OSError:
            found.append(None)
    return found


def stamp(st: os.stat_result, settled_before: int) -> Stamp | None:
    """A file's stamp from its status, None if it changed at `settled_before` or later."""
    settled = st.st_mtime_ns < settled_before and st.st_ctime_ns < settled_before
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if settled else None


def file_digest(path: Path) -> str:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return ""  # unreadable: never matches, so the note is loaded and the error reported


def sources_signature(notes_dir: Path, allow_html: bool) -> str:
    """A digest of all that `load_for_links` reads: the notes' names and bytes, the other files'
    names (links to them are checked) and what was wrong with the folder. Equal signatures load
    equal notes, so `check-links` can keep what it extracted from them."""
    sources, assets, problems = discover(notes_dir)
    parts = [str(allow_html)]
    parts += (f"{s.display}\x1e{s.slug}\x1e{file_digest(s.path)}" for s in sources)
    parts += (f"asset\x1e{a.relpath}" for a in assets)
    parts += (str(d) for d in problems)
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
