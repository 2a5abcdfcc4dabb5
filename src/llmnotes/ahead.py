"""Site-wide outputs made ahead: in a forked process while the pages are worked out.

The search index, the graph data and the bibliography need no page rendered first. After an edit
of a large site, the build's main process spends seconds on the pages' fingerprints and then
seconds more on these files, while another core waits. The build starts them in a process of
their own as the pages begin, and writes what they made after the pages, in the order it always
has: the output is the same file for file. They are an optimisation and nothing more: if that
process fails in any way, the emitters run again in the build, where whatever went wrong is
reported as it would have been.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from multiprocessing.connection import Connection

from llmnotes.emit import Context, Emitter, Output
from llmnotes.heap import worker_defaults


class Ahead:
    """The outputs of `emitters`, being made in a forked process; `outputs` waits for one's."""

    def __init__(self, ctx: Context, emitters: tuple[Emitter, ...]) -> None:
        self.ctx = ctx
        self._made: dict[Emitter, list[Output]] | None = None
        fork = multiprocessing.get_context("fork")
        self._receive, send = fork.Pipe(duplex=False)
        self._process = fork.Process(target=_make, args=(ctx, emitters, send), daemon=True)
        self._process.start()  # forked: the context is inherited, not pickled
        send.close()

    def outputs(self, emitter: Emitter) -> Iterable[Output]:
        """What `emitter` makes: from the forked process, or made here if it could not give it."""
        if self._made is None:
            self._made = self._collect()
        made = self._made.pop(emitter, None)
        return made if made is not None else emitter(self.ctx)

    def close(self) -> None:
        """Stop the process, if it is still at work (the build failed or was cancelled)."""
        self._receive.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()

    def _collect(self) -> dict[Emitter, list[Output]]:
        try:
            made = self._receive.recv()
        except Exception:  # the process died (EOFError), or sent what cannot be read: make them here
            made = None
        finally:
            self.close()
        return made if isinstance(made, dict) else {}


def _make(ctx: Context, emitters: tuple[Emitter, ...], send: Connection) -> None:
    """In the forked process: every output of each emitter, sent back at once. One that fails is
    left out; the build then runs it itself and reports what goes wrong."""
    worker_defaults()
    made: dict[Emitter, list[Output]] = {}
    for emitter in emitters:
        try:
            made[emitter] = list(emitter(ctx))
        except Exception:  # the build runs it again, and reports what goes wrong
            continue
    send.send(made)
    send.close()
