"""Process state shared by the commands that load a whole notes folder: memory, and workers."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def long_lived_heap() -> Iterator[None]:
    """Keep the cyclic garbage collector off while the notes and graph are built, then freeze them.

    Loading makes millions of small objects that live until the end of the build and form no
    garbage cycles. Left on, the collector rescans them again and again, which made a 10,000-note
    build grow faster than linearly; frozen, it only looks at what rendering allocates.
    """
    with collector_paused():
        try:
            yield
        finally:
            gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for one burst of allocation that makes no garbage, such as
    unpickling the build cache: at 10,000 notes it ran for three quarters of that load's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def worker_defaults() -> None:
    """Run first in every worker process. A worker inherits the parent's signal handlers; the
    build turns SIGTERM into an exception so it can clean up, but a worker must simply die on it
    (that is how its pool stops it), or it may linger half-alive."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def default_workers() -> int:
    """Processes to load and render with when the caller does not say: one per CPU this process
    may use, at most 8 (more buys little at this size)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 8))
