"""Process state shared by the commands that load a whole notes folder: memory, workers, and
signals around the forks that make workers."""

from __future__ import annotations

import contextlib
import gc
import logging  # noqa: F401 (imported before the fork hooks below are registered: see `_signals_held_while_forking`)
import os
import signal
import sys
import threading
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
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)  # forked while the parent held them (`signals_held`)


def default_workers() -> int:
    """Processes to load and render with when the caller does not say: one per CPU this process
    may use, at most 8 (more buys little at this size)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 8))


_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _signals_held_while_forking() -> None:
    """Hold SIGTERM and Ctrl-C back while a process forks (page workers, the process that makes
    the site-wide files). `logging` takes a lock before each fork and lets go of it after; an
    exception raised by a signal in between is swallowed with the lock still held, and the
    build's next fork waits for it for ever. These hooks run around `logging`'s (registered
    after them), so a signal arrives once the lock is free."""
    assert "logging" in sys.modules
    held = threading.local()  # the mask before the fork, per forking thread

    def before() -> None:
        held.mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)

    def after() -> None:
        mask = getattr(held, "mask", None)
        if mask is not None:
            held.mask = None
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    os.register_at_fork(before=before, after_in_parent=after, after_in_child=after)


_signals_held_while_forking()


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and Ctrl-C held back until the block is done: what it makes (a staging folder, a
    pool of workers) is then in hand before either can raise, so the code that removes or stops
    it on the way out has it. A pool half made when the build unwinds keeps a thread that forks
    new workers as the old ones are stopped at exit, and those are left behind. In the main
    thread only, the one that handles signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
