"""Site-wide outputs made ahead: in a forked process while the pages are worked out.

The search index, the graph data and the bibliography need no page rendered first. After an edit
of a large site, the build's main process spends seconds on the pages' fingerprints and then
seconds more on these files, while another core waits. The build starts them in a process of
their own as the pages begin, and writes what they made after the pages, in the order it always
has: the output is the same file for file. They are an optimisation and nothing more: if that
process fails in any way, the emitters run again in the build, where whatever went wrong is
reported as it would have been.

The two processes share the work. The forked one takes the emitters from the first (the search
index, the largest); the build, once its pages are done, takes them from the last, one at a time,
while the other is still busy, instead of waiting for it with a core idle. The last is always the
build's: the bibliography, which it makes faster than the forked process could (`pipeline.AHEAD`).

A first build forks no such process: its page workers already fill the cores. Its main process
makes these files itself while the workers render (`Meanwhile`) rather than after them.

What the forked process keeps for the next build (the search index's word lists, `buildcache.Memos`)
it writes after it has sent its outputs, while the build writes the site and its own cache, rather
than before (a quarter of a second at 10,000 notes, which the build would spend waiting); the
build waits for it before it ends (`Ahead.finish`).

Before any of that, while the build reads its cache, another forked process looks at every file
of the last build on disk (`Look`): which pages are still as written is then known when the build
asks, rather than found out with a look at each of them in turn (28,700 at 10,000 notes).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path

from llmnotes import buildcache
from llmnotes.emit import Context, Emitter, Output
from llmnotes.heap import signals_held, worker_defaults


class Meanwhile:
    """The same outputs made in the build's own process while the page workers render. In a first
    build the workers fill the cores, so a forked process would only compete with them; but the
    main process, which now only records what they wrote, would otherwise sit idle until they are
    done and then make these files alone on one core. `run` is called as the pages begin
    (`Context.meanwhile`); `outputs` gives what it made, or makes it then if it did not."""

    def __init__(self, ctx: Context, emitters: tuple[Emitter, ...]) -> None:
        self.ctx = ctx
        self.emitters = emitters
        self._made: dict[Emitter, list[Output]] = {}

    def run(self) -> None:
        for emitter in self.emitters:
            made = _made(self.ctx, emitter)
            if made is not None:
                self._made[emitter] = made

    def outputs(self, emitter: Emitter) -> Iterable[Output]:
        made = self._made.pop(emitter, None)
        return made if made is not None else emitter(self.ctx)


# How long a process waits for the other to let go of the list of emitters left (held for a few
# instructions; longer means the other died holding it, and the build makes the rest itself).
_CLAIM_TIMEOUT = 10.0
# How long a build waits, once done, for the forked process to write its memos (a fraction of a
# second; longer means it is stuck, and the memos, an optimisation only, are given up).
_FINISH_TIMEOUT = 60.0


class Ahead:
    """The outputs of `emitters`, being made in a forked process and, once the pages are done, in
    this one too; `outputs` gives one's."""

    def __init__(self, ctx: Context, emitters: tuple[Emitter, ...]) -> None:
        self.ctx = ctx
        self.emitters = emitters
        self._made: dict[Emitter, list[Output]] | None = None
        # emitters[front:back] are not taken yet; the forked process always has the first
        self._left = multiprocessing.get_context("fork").Array("i", [0, len(emitters)])
        self._forked = _Forked(_make, ctx, emitters, self._left)  # forked: the context is inherited, not pickled

    def outputs(self, emitter: Emitter) -> Iterable[Output]:
        """What `emitter` makes: from the forked process, from this one, or made here now if the
        other could not give it."""
        if self._made is None:
            mine = {e: list(e(self.ctx)) for e in self._take_from_last()}
            self._made = {**self._collect(), **mine}
        made = self._made.pop(emitter, None)
        return made if made is not None else emitter(self.ctx)

    def finish(self) -> None:
        """Wait for the process to write what it keeps for the next build, once the build is done."""
        self._forked.wait(_FINISH_TIMEOUT)

    def close(self) -> None:
        """Stop the process, if it is still at work (the build failed or was cancelled)."""
        self._forked.close()

    def _take_from_last(self) -> Iterator[Emitter]:
        """The emitters the other process has not begun, the last first, each taken as the one
        before is done; never the first, which is the other's from the start."""
        while True:
            if not self._left.get_lock().acquire(timeout=_CLAIM_TIMEOUT):
                return
            try:
                front, back = self._left[0], self._left[1]
                if back <= max(front, 1):
                    return
                self._left[1] = back - 1
            finally:
                self._left.get_lock().release()
            yield self.emitters[back - 1]

    def _collect(self) -> dict[Emitter, list[Output]]:
        made = self._forked.answer()  # None if it died: the build makes them here
        return made if isinstance(made, dict) else {}


def _take_from_first(left: SynchronizedArray[int], count: int) -> Iterator[int]:
    """In the forked process: the index of each emitter not taken yet, the first first; never the
    last of `count` (but when it is also the first), which is the build's."""
    while True:
        with left.get_lock():
            front, back = left[0], left[1]
            if front >= back or front >= max(count - 1, 1):
                return
            left[0] = front + 1
        yield front


def _make(ctx: Context, emitters: tuple[Emitter, ...], left: SynchronizedArray[int], send: Connection) -> None:
    """In the forked process: every output of each emitter it takes, sent back at once when none
    is left. One that fails is left out; the build then runs it itself and reports what goes
    wrong."""
    worker_defaults()
    # the memos the emitters write are held until their outputs are sent, then written
    memos = dataclasses.replace(ctx.memos, held={}) if ctx.memos is not None and ctx.memos.held is None else None
    if memos is not None:
        ctx = dataclasses.replace(ctx, memos=memos)
    made: dict[Emitter, list[Output]] = {}
    for i in _take_from_first(left, len(emitters)):
        outputs = _made(ctx, emitters[i])
        if outputs is not None:
            made[emitters[i]] = outputs
    send.send(made)
    send.close()
    if memos is not None:
        with signals_held():  # each whole or not at all, should the build stop this process
            memos.save_held()


def _made(ctx: Context, emitter: Emitter) -> list[Output] | None:
    """Every output of `emitter`, or None when it fails: the build then runs it again in its turn,
    where whatever went wrong is reported as it would have been."""
    try:
        return list(emitter(ctx))
    except Exception:
        return None


class Look:
    """`buildcache.altered` of the last build into a folder, found in a forked process while this
    one reads the build cache; None from `result` if that process could not say, and the build
    then looks at each file when it asks about it, as it would have."""

    def __init__(self, cache: Path, key: str, out: Path) -> None:
        self._forked = _Forked(_look, cache, key, out)

    def result(self) -> frozenset[str] | None:
        found = self._forked.answer()
        self._forked.close()  # it has nothing more to do
        return found if isinstance(found, frozenset) else None


def _look(cache: Path, key: str, out: Path, send: Connection) -> None:
    worker_defaults()
    send.send(buildcache.altered(cache, key, out))
    send.close()


class _Forked:
    """A forked process running `target(*args, send)`, which sends one answer back on `send`."""

    def __init__(self, target: Callable[..., None], *args: object) -> None:
        fork = multiprocessing.get_context("fork")
        self._receive, send = fork.Pipe(duplex=False)
        self._process = fork.Process(target=target, args=(*args, send), daemon=True)
        with signals_held():  # started whole before a signal can unwind the build (`heap.signals_held`)
            self._process.start()
        send.close()

    def answer(self) -> object:
        """What the process sent, once it has; None if it died (EOFError) or sent what cannot be
        read. The process may still be at work after (`wait`, `close`)."""
        try:
            return self._receive.recv()
        except Exception:
            return None
        finally:
            self._receive.close()

    def wait(self, timeout: float) -> None:
        """Let the process end by itself, within `timeout` seconds; stopped if it has not."""
        self._process.join(timeout)
        self.close()

    def close(self) -> None:
        """Stop the process, if it is still at work."""
        self._receive.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
