"""The one place that maps outcomes to exit codes, for every command."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # all good
    PROBLEMS = 1  # problems found in the input: bad notes, broken links
    USAGE = 2  # bad command line or configuration; check-links on a machine that reaches no host
    INTERRUPTED = 130  # Ctrl-C, as shells expect
    TERMINATED = 143  # SIGTERM (a cancelled CI job), as shells expect
