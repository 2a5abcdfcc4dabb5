"""Diagnostics: every problem found in the input, with the place it was found.

Stages never raise on bad input; they return diagnostics so that one run reports every problem at
once, sorted, in the `path:line:col: severity: message` form editors and CI annotations understand.
"""

from __future__ import annotations

import enum
import functools
import os
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. Lines and columns count from 1; 0 means "the whole file"."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity.value}: {self.message}"

    def as_error(self) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.col, self.message, Severity.ERROR)


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it. Folders
    are resolved once each (a build names ten thousand files in a few folders), and a file is
    named where it is, not where a symbolic link to it points."""
    folder = display_folder(path.parent)
    if folder is None:
        return str(path)
    return path.name if folder == "." else f"{folder}/{path.name}"


def display_folder(folder: Path) -> str | None:
    """`display_path`'s folder part: the folder relative to the working directory ("." for it), or
    None when it is not inside it. Worked out once per folder by callers naming many files in one."""
    try:
        return str(_resolved(str(folder)).relative_to(_resolved(os.getcwd())))
    except (ValueError, OSError):
        return None


@functools.lru_cache(maxsize=1024)
def _resolved(folder: str) -> Path:
    return Path(folder).resolve()


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sort by place, then message, dropping exact repeats."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.col, d.message, d.severity.value))


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
