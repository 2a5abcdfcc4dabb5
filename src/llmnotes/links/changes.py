"""`--changed-since REF`: the lines of the notes added or changed since a git revision.

A pull request should be checked in seconds, and only for what it adds: the links written on lines
`git diff REF` reports as new (uncommitted edits and notes git does not track yet included, as an
author running it before a commit would expect). A scheduled run without the option checks
everything, which is how rot in untouched notes is found.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from llmnotes.model import Place

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_GIT_TIMEOUT = 60.0


class ChangesError(Exception):
    """Git could not say what changed: not a repository, an unknown revision, no git at all."""


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=_GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise ChangesError("--changed-since needs git, which is not installed here") from None
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git {args[0]} took longer than {_GIT_TIMEOUT:g} s") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise ChangesError(f"git {args[0]}: {detail}")
    return done.stdout


def changed_lines(notes_dir: Path, ref: str) -> dict[Path, frozenset[int]]:
    """For every note file changed since `ref`, the line numbers (1-based) that are new or changed
    in the working tree; files git does not track count as wholly new."""
    if ref.startswith("-"):  # never an option to git, whatever the command line holds
        raise ChangesError(f"'{ref}' is not a git revision")
    top = Path(_git(notes_dir, "rev-parse", "--show-toplevel").strip())
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ChangesError:
        raise ChangesError(f"'{ref}' is not a commit in the git repository at {top}") from None
    scope = str(notes_dir.resolve())
    diff = _git(top, "diff", "--no-color", "--no-ext-diff", "--unified=0", "--diff-filter=AMR", "-M", ref, "--", scope)
    lines: dict[Path, set[int]] = {}
    current: Path | None = None
    for row in diff.splitlines():
        if row.startswith("+++ "):
            name = row[4:]
            current = None if name == "/dev/null" else (top / _unquote(name).removeprefix("b/")).resolve()
        elif current is not None and (hunk := _HUNK.match(row)):
            start, count = int(hunk.group(1)), int(hunk.group(2) or "1")
            lines.setdefault(current, set()).update(range(start, start + count))
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z", "--", scope)
    for name in filter(None, untracked.split("\0")):
        path = (top / name).resolve()
        lines[path] = set(range(1, _line_count(path) + 1))
    return {path: frozenset(numbers) for path, numbers in lines.items()}


def _unquote(name: str) -> str:
    """git quotes unusual file names in C style ("b/a\\303\\251.md"); undo it."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", "replace")


def _line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n") + 1
    except OSError:
        return 0


def place_filter(changed: dict[Path, frozenset[int]]) -> Callable[[Place], bool]:
    """Whether a place (as the loader names it: relative to the working folder, or absolute) is on a changed line."""
    resolved: dict[str, Path] = {}

    def keep(place: Place) -> bool:
        path = resolved.get(place.path)
        if path is None:
            path = resolved[place.path] = Path(place.path).resolve()
        return place.line in changed.get(path, frozenset())

    return keep
