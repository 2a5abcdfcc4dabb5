"""Where a build's wall time goes: `llmnotes` run with a mark at the start and end of each step.

    cd benchmarks/corpus/10000 && python ../../timeline.py build --no-cache

Each mark gives the seconds since start, this process's user and system CPU, and the user CPU of
its children that have ended (the load and page workers). The process that makes the site-wide
files ahead after an edit (`ahead.Ahead`) is forked with the marks in place, so its steps show
too, with its own CPU counted from zero. The steps are wrapped in place, under their own names, so
that what a forked process pickles by name still finds them. For reading a build's shape, not for
timing it: each mark costs a few microseconds.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

START = time.perf_counter()


def mark(label: str) -> None:
    t = os.times()
    print(
        f"[{time.perf_counter() - START:7.2f} s  user {t.user:6.2f}  sys {t.system:5.2f}  workers {t.children_user:6.2f}] {label}", file=sys.stderr, flush=True
    )


def around(owner: Any, name: str) -> None:
    """Mark the start and end of `owner.name`, a function or a generator function."""
    original = getattr(owner, name)
    label = f"{getattr(owner, '__name__', owner)}.{name}"
    is_generator = original.__code__.co_flags & 0x20

    @functools.wraps(original)
    def function(*args: Any, **kwargs: Any) -> Any:
        mark(f"{label} start")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"{label} end")

    @functools.wraps(original)
    def generator(*args: Any, **kwargs: Any) -> Iterable[Any]:
        mark(f"{label} start")
        yield from original(*args, **kwargs)
        mark(f"{label} end")

    setattr(owner, name, generator if is_generator else function)


def main() -> None:
    from llmnotes import ahead, bibliography, buildcache, cli, graph, load, pageplan, pipeline, render, search, write

    mark("imported")
    steps: list[tuple[Any, str]] = [
        (load, "load_all"),
        (graph, "build_graph"),
        (buildcache, "load"),
        (buildcache, "save"),
        (buildcache, "save_notes"),
        (ahead.Meanwhile, "run"),
        (write.Staging, "commit"),
        (write.Update, "commit"),
        (pageplan, "planned"),
        (render, "pages"),
        (render, "whole_graph"),
        (search, "emit"),
        (graph, "emit_json"),
        (bibliography, "emit"),
        (buildcache.Memos, "read"),
        (buildcache.Memos, "write"),
        (search, "word_shards"),
    ]
    for owner, name in steps:
        around(owner, name)
    # the pipeline holds its own references to the steps and emitters: point them at the wrapped ones
    pipeline.load_all = load.load_all
    replaced: dict[Callable[..., Any], Callable[..., Any]] = {}
    for emitter in pipeline.EMITTERS:
        module = sys.modules[emitter.__module__]
        replaced[emitter] = getattr(module, emitter.__name__)
    pipeline.EMITTERS = tuple(replaced.get(e, e) for e in pipeline.EMITTERS)
    pipeline.AHEAD = tuple(replaced.get(e, e) for e in pipeline.AHEAD)
    sys.argv = ["llmnotes", *sys.argv[1:]]
    try:
        cli.main()
    finally:
        mark("exit")


if __name__ == "__main__":
    main()
