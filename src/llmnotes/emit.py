"""Emitters: every kind of output is one function from the built site to the files it adds.

`pipeline.py` runs them in a visible list (Quartz's emitters, Zola's `Site::build`): templates render
pages, the search index and the graph data are written by their own modules, static files and the
notes' files are copied. An emitter never writes to disk itself; it yields what to write, and the
build's staging folder decides where, so no emitter can write outside the output folder. The one
exception is in form only: page workers hand each page to the build's writer where it was rendered
(`Context.stage`), so that a page's bytes are not sent back to the main process to be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the stages import this module, not the other way round
    from llmnotes.buildcache import Memos
    from llmnotes.config import Config
    from llmnotes.graph import Site


@dataclass(frozen=True)
class Page:
    """A file made by llmnotes: its path under the output folder and its bytes, and for pages the
    build cache can skip, the fingerprint of what made it (see `buildcache`)."""

    path: str
    content: bytes
    fingerprint: str = ""


@dataclass(frozen=True)
class Copy:
    """A file copied as it is (a theme's static file, an image beside the notes)."""

    path: str
    source: Path


@dataclass(frozen=True)
class Keep:
    """A page made from the same inputs as in the last build: nothing to render, nothing to write."""

    path: str


@dataclass(frozen=True)
class Staged:
    """A page already given to the build's writer by the worker process that rendered it
    (`Context.stage`): what the build cache records of it, and whether it was written (not when
    the last build wrote these very bytes there)."""

    path: str
    fingerprint: str
    digest: str
    size: int
    wrote: bool


Output = Page | Copy | Keep | Staged


@dataclass(frozen=True)
class BrokenLink:
    """What `check-links` last saw of a link that did not work, for the page that shows it."""

    error: str | None
    checked: dt.date


LastBroken = Callable[[str], BrokenLink | None]


class BuildCancelled(Exception):
    """A newer change made this build pointless (`serve`); its staging folder is discarded. An
    emitter with long work between two outputs asks `Context.cancelled` and raises it."""


def never() -> bool:
    """A build nothing cancels (all but `serve`'s)."""
    return False


@dataclass(frozen=True)
class Context:
    """Everything an emitter may read. All of it is settled before the first file is written."""

    config: Config
    site: Site
    template_dirs: tuple[Path, ...]  # the site's own templates first, then the theme's
    static_dirs: tuple[Path, ...]  # the theme's static files first, then the site's, which win
    last_broken: LastBroken
    workers: int = 1  # processes an emitter may use; the output is the same whatever the number
    cancelled: Callable[[], bool] = never  # `serve`: a newer change arrived, stop
    inputs: str = ""  # digest of what every page depends on (version, config, templates, …)
    unchanged: Callable[[str, str], bool] = lambda path, fingerprint: False  # (path, fingerprint): keep it?
    keeps: bool = False  # whether a last build's files are there that `unchanged` may keep
    # (index, fingerprint): the files the last build wrote in the folder of `index`, when it made
    # `index` from these very inputs and all of them are still there; else None
    unchanged_folder: Callable[[str, str], list[str] | None] = lambda folder, fingerprint: None
    # The build's writer, for page workers: each page written (or found unchanged) where it was
    # rendered. 436 MB of pages at 10,000 notes need not be pickled back to the main process.
    stage: Callable[[Page], Staged] | None = None
    # Work for the main process while the page workers render, instead of after them (`ahead.Meanwhile`).
    meanwhile: Callable[[], None] | None = None
    memos: Memos | None = None  # what an emitter may keep for the next build (`buildcache.Memos`)


Emitter = Callable[[Context], Iterable[Output]]
