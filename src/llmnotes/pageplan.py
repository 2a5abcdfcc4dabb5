"""Which pages of topics, notes and resources a build renders: each page's fingerprint, compared
with the last build's (`render.pages`), and what lets an edit work out only a few of them.

Working out all 28,700 fingerprints of a 10,000-note site takes most of a second, while an edit of
one note's text changes a few dozen. So each build keeps a memo (`PagePlan`): every page's
fingerprint, the digests of the notes and resources they were made from, and for each note and
resource the pages whose fingerprint reads it. The next build whose site has the same structure
(the same pages, links, topics, reading paths, settings and templates: `structure`) takes the
fingerprints from the memo, working out again only those of the pages naming a note or resource
whose digest changed. Any other change (a new note, a new link, a moved topic) plans every page,
as a build without a memo does. The memo is an optimisation only: one that cannot be read, or
that was made from another site, costs the time it saves, never a stale page.
"""

from __future__ import annotations

import array
import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmnotes import bibliography
from llmnotes.buildcache import digest_of
from llmnotes.emit import BuildCancelled, Context
from llmnotes.heap import signals_held
from llmnotes.model import Note

if TYPE_CHECKING:
    from llmnotes.render import Renderer

Named = tuple[list[str], list[str]]  # the notes (slugs) and the resources (ids) a page's fingerprint reads
Index = tuple[dict[str, bytes], dict[str, bytes]]  # `PagePlan.by_note` and `by_resource`
Planned = tuple[tuple[str, str], str | None]  # a page (kind, key) and its fingerprint, None for "work it out when rendering"
MEMO = "pages"
_CHECK_EVERY = 512  # pages planned between two looks at whether a newer edit cancelled the build


@dataclass(frozen=True)
class PagePlan:
    """The memo: what a build's plan of pages leaves for the next."""

    structure: str  # `structure` of the site it was made from
    fingerprints: tuple[str, ...]  # of each page, in the order of `Renderer.items`
    notes: dict[str, str]  # slug → the digest of the note the fingerprints were made with
    named: dict[str, str]  # slug → `_names` of that note
    resources: dict[str, str]  # id → the digest of the resource (`Site.resource_digests`)
    base_keys: dict[str, str]  # id → the resource's citation key before collisions (`bibliography.base_key`)
    keys: dict[str, str]  # id → its citation key
    by_note: dict[str, bytes]  # slug → the numbers of the pages naming it, as array("I") bytes
    by_resource: dict[str, bytes]  # id → the same


def planned(renderer: Renderer, ctx: Context) -> list[Planned]:
    """Each page with its fingerprint, to compare with the last build's: taken from the last
    build's plan where it still holds, else worked out. The plan is kept for the next build."""
    items = renderer.items()
    site = renderer.site
    shape = structure(renderer, items)
    notes = {slug: note.digest for slug, note in site.notes.items()}
    last = _last_plan(ctx)
    plan = _patched(renderer, ctx, items, last, notes) if last is not None and last.structure == shape else None
    if plan is None:
        plan = _afresh(renderer, ctx, items, shape, notes)
    _write(ctx, plan)
    return list(zip(items, plan.fingerprints, strict=True))


def unplanned(renderer: Renderer) -> list[Planned]:
    """Each page without its fingerprint: the process rendering it works it out (a first build)."""
    return [(item, None) for item in renderer.items()]


def structure(renderer: Renderer, items: list[tuple[str, str]]) -> str:
    """A digest of the site-wide part of what the pages' fingerprints read besides the digests of
    notes and resources: the site-wide inputs, the pages, the topics and their tree, the reading
    paths, what the links between notes, the citations and the related notes are made from
    (`Site.related_inputs`), and which links `check-links` last found broken. The rest is each
    note's own (`_names`) and each resource's citation key, compared one by one for what changed."""
    site, broken = renderer.site, renderer.ctx.last_broken
    return digest_of([
        renderer.ctx.inputs,
        "\x1f".join(f"{kind}:{key}" for kind, key in items),
        repr([(slug, repr(topic), site.topic_children.get(slug)) for slug, topic in site.topics.items()]),
        site.related_inputs,
        repr((site.paths, site.reading_paths)),
        repr([broken(r.url) for r in site.resources.values()]),
    ])


def _names(note: Note) -> str:
    """What a note's own fields add to the fingerprints of other pages besides its digest: the
    notes it names in `after:` and by links, and its topics (its citations are in `structure`)."""
    return repr((note.after_slugs, tuple(link.target for link in note.note_links), note.topic_slugs))


def _afresh(renderer: Renderer, ctx: Context, items: list[tuple[str, str]], shape: str, notes: dict[str, str]) -> PagePlan:
    """Every page's fingerprint, and the index of which pages name each note and resource."""
    fingerprints = []
    for n, item in enumerate(items):
        _stop_if_cancelled(ctx, n)
        fingerprints.append(renderer.fingerprint(item))
    return _plan(renderer, shape, fingerprints, notes, indexed(renderer, ctx, items))


def indexed(renderer: Renderer, ctx: Context, items: list[tuple[str, str]]) -> Index:
    """For each note and resource, the numbers of the pages naming it (`Renderer.names`)."""
    by_note: defaultdict[str, list[int]] = defaultdict(list)
    by_resource: defaultdict[str, list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        _stop_if_cancelled(ctx, n)
        notes, resources = renderer.names(item)
        for slug in dict.fromkeys(notes):
            by_note[slug].append(n)
        for rid in dict.fromkeys(resources):
            by_resource[rid].append(n)
    return _packed(by_note), _packed(by_resource)


def remember(renderer: Renderer, ctx: Context, fingerprints: list[str], index: Index) -> None:
    """Keep the plan of a first build, whose page workers worked out the `fingerprints` (of each
    page, in the order of `Renderer.items`) while this process made the `index`."""
    items = renderer.items()
    notes = {slug: note.digest for slug, note in renderer.site.notes.items()}
    _write(ctx, _plan(renderer, structure(renderer, items), fingerprints, notes, index))


def _plan(renderer: Renderer, shape: str, fingerprints: list[str], notes: dict[str, str], index: Index) -> PagePlan:
    site = renderer.site
    return PagePlan(
        structure=shape,
        fingerprints=tuple(fingerprints),
        notes=notes,
        named={slug: _names(note) for slug, note in site.notes.items()},
        resources=dict(site.resource_digests),
        base_keys={rid: bibliography.base_key(r) for rid, r in site.resources.items()},
        keys=dict(bibliography.keys_of(site)),
        by_note=index[0],
        by_resource=index[1],
    )


def _patched(renderer: Renderer, ctx: Context, items: list[tuple[str, str]], last: PagePlan, notes: dict[str, str]) -> PagePlan | None:
    """The last plan, with the fingerprints worked out again of the pages naming a note or
    resource whose digest is not the one the last plan was made with; None when a changed note
    names other notes or topics than it did, or a changed resource's citation key may differ
    (then every page is planned afresh)."""
    site = renderer.site
    if len(last.fingerprints) != len(items) or last.notes.keys() != notes.keys():
        return None
    changed_notes = [slug for slug, d in notes.items() if last.notes[slug] != d]
    named = dict(last.named)
    for slug in changed_notes:
        named[slug] = _names(site.notes[slug])
        if named[slug] != last.named.get(slug):
            return None
    resources = site.resource_digests
    changed_resources = [rid for rid, d in resources.items() if last.resources.get(rid) != d]
    if any(bibliography.base_key(site.resources[rid]) != last.base_keys.get(rid) for rid in changed_resources):
        return None
    bibliography.known_keys(site, last.keys)  # the same base keys of the same resources: the same keys
    touched: set[int] = set()
    touched.update(*_numbers(last.by_note, changed_notes))
    touched.update(*_numbers(last.by_resource, changed_resources))
    fingerprints = list(last.fingerprints)
    for n, page in enumerate(sorted(touched)):
        _stop_if_cancelled(ctx, n)
        fingerprints[page] = renderer.fingerprint(items[page])
    return dataclasses.replace(last, fingerprints=tuple(fingerprints), notes=notes, named=named, resources=dict(resources))


def _numbers(index: dict[str, bytes], keys: Iterable[str]) -> Iterator[array.array[int]]:
    for key in keys:
        found = array.array("I")
        found.frombytes(index.get(key, b""))
        yield found


def _packed(index: dict[str, list[int]]) -> dict[str, bytes]:
    """Page numbers as bytes: a memo of 28,700 pages reads back as 30,000 strings, not 400,000 ints."""
    return {key: array.array("I", numbers).tobytes() for key, numbers in index.items()}


def _write(ctx: Context, plan: PagePlan) -> None:
    if ctx.memos is not None:
        with signals_held():  # whole or not at all
            ctx.memos.write(MEMO, plan)


def _last_plan(ctx: Context) -> PagePlan | None:
    """The last build's plan; None if there is none, or if it was kept by a checkout whose plan
    had other fields (unpickled, it would lack some)."""
    found = ctx.memos.read(MEMO) if ctx.memos is not None else None
    if not isinstance(found, PagePlan) or vars(found).keys() != {f.name for f in dataclasses.fields(PagePlan)}:
        return None
    return found


def _stop_if_cancelled(ctx: Context, n: int) -> None:
    if n % _CHECK_EVERY == 0 and ctx.cancelled():
        raise BuildCancelled
