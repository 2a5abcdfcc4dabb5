"""Diagnostics: every problem found in the input, with the place it was found.

Stages never raise on bad input; they return diagnostics so that one run reports every problem at
once, sorted, in the `path:line:col: severity: message` form editors and CI annotations understand.
"""

from __future__ import annotations

import enum
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
    """A path as the user should see it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sort by place, then message, dropping exact repeats."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.col, d.message, d.severity.value))


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
