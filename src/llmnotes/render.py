"""Render: pages from templates. One method per page kind; Jinja2 with autoescape on.

This module only renders templates: what a page shows is computed here or by the site graph and
handed to the template, which places it. Pages are produced one at a time by a generator, so a
10,000-note site never sits in memory at once, and rendering one note needs only that note and
the read-only graph.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

from llmnotes import bibliography, graphview, markdown, pageplan, urls
from llmnotes.buildcache import digest, digest_of
from llmnotes.emit import Context, Keep, Page, Staged
from llmnotes.graph import Resource, status_summary
from llmnotes.heap import signals_held, worker_defaults
from llmnotes.model import Heading, Note, kind_label
from llmnotes.pageplan import Named, Planned

RECENT = 10
FEED_ENTRIES = 50
TOC_FROM = 3  # headings: a note with fewer has no table of contents

Crumbs = list[tuple[str, str | None]]  # (label, href); the current page last, without href


_ITEM_PATHS = {"topic": urls.topic_path, "note": urls.note_path, "resource": urls.resource_path}  # a page's site path, by its kind
PARALLEL_FROM = 500  # pages of notes, resources and topics: below this a process pool costs more than it saves


def pages(ctx: Context) -> Iterator[Page | Keep | Staged]:
    """The emitter: every page that comes from a template. Pages of topics, notes and resources
    made from the same inputs as in the last build are kept, not rendered (see `buildcache`)."""
    renderer = Renderer(ctx)
    # A first build of a large site renders every page on the workers, which work out the pages'
    # fingerprints as they go; this process makes the next build's plan meanwhile.
    first_on_workers = not ctx.keeps and ctx.workers > 1 and len(renderer.items()) >= PARALLEL_FROM
    planned = pageplan.unplanned(renderer) if first_on_workers else pageplan.planned(renderer, ctx)
    paths = [renderer.output_path(item) for item, _ in planned]  # asked twice of each of 28,700 pages at 10,000 notes: made once
    todo = [(item, fp) for (item, fp), path in zip(planned, paths, strict=True) if fp is None or not ctx.unchanged(path, fp)]
    if ctx.workers > 1 and len(todo) >= PARALLEL_FROM:
        renderer.share_fingerprint_inputs()
        with _in_parallel(renderer, todo, ctx.workers, ctx.stage) as rendered:
            # the workers have their pages: this process makes the rest meanwhile, the site's own
            # pages (the resource index is the largest page of a large site) and the site-wide files
            yield from renderer.site_pages()
            if ctx.meanwhile is not None:
                ctx.meanwhile()
            if not first_on_workers:
                yield from _in_order(planned, paths, todo, rendered)
                return
            index = pageplan.indexed(renderer, ctx, [item for item, _ in planned])
            fingerprints = []
            for output in _in_order(planned, paths, todo, rendered):
                assert not isinstance(output, Keep)  # a first build keeps nothing
                fingerprints.append(output.fingerprint)
                yield output
            pageplan.remember(renderer, ctx, fingerprints, index)
    else:
        yield from renderer.site_pages()
        yield from _in_order(planned, paths, todo, (renderer.page(item, fp) for item, fp in todo))


def whole_graph(ctx: Context) -> Iterator[Page | Keep]:
    """The emitter of the whole-site graph: its page and, when large, the data its canvas draws.
    Apart from `pages` because only these need the whole-site layout, so the other pages need not
    wait for it (after an edit, it is made ahead on another core, see `ahead`); the two together so
    that one process lays the graph out, once. Both are kept when the graph they show is the same
    (`Site.graph_digest`), as after an edit of a note's text."""
    fingerprint = digest_of([ctx.inputs, ctx.site.graph_digest])
    kept = ctx.unchanged_folder(urls.output_file(urls.GRAPH_PAGE), fingerprint)
    if kept is not None:
        yield from (Keep(path) for path in kept)
        return
    layout = graphview.whole_site(ctx.site)
    yield dataclasses.replace(Renderer(ctx).graph(layout), fingerprint=fingerprint)
    canvas = graphview.canvas_script(layout)
    if canvas is not None:
        yield dataclasses.replace(canvas, fingerprint=fingerprint)


def _in_order(planned: list[Planned], paths: list[str], todo: list[Planned], rendered: Iterator[Page | Staged]) -> Iterator[Page | Keep | Staged]:
    """Each planned page in order (`paths`: their files): rendered (the next of `rendered`) when it is to do, else kept."""
    todo_set = {item for item, _ in todo}
    for (item, _), path in zip(planned, paths, strict=True):
        yield next(rendered) if item in todo_set else Keep(path)


# The renderer and the build's writer a forked worker process inherits from its parent. Set only
# around the pool's life: forked workers see the site graph as it was, without pickling it, and
# share its memory.
_FORKED: tuple[Renderer, Callable[[Page], Staged] | None] | None = None


def _render_forked(planned: Planned) -> Page | Staged:
    assert _FORKED is not None
    renderer, stage = _FORKED
    page = renderer.page(*planned)
    return stage(page) if stage is not None else page


@contextlib.contextmanager
def _in_parallel(renderer: Renderer, todo: list[Planned], workers: int, stage: Callable[[Page], Staged] | None) -> Iterator[Iterator[Page | Staged]]:
    """Pages of notes, resources and topics (each with its fingerprint) on `workers` processes, in
    the order one process would give them (so the output is the same whatever the number of
    workers). The workers start at once; the pages come as the caller takes them. With `stage`,
    each worker gives its pages to the build's writer and sends back only what the build cache
    records. Leaving the block ends the workers, whether or not every page was taken."""
    global _FORKED
    _FORKED = (renderer, stage)
    try:
        with contextlib.ExitStack() as stack:
            with signals_held():  # the pool whole, and to be stopped, before a signal can unwind the build
                pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers, initializer=worker_defaults))
            yield pool.imap(_render_forked, todo, chunksize=32)
    finally:
        _FORKED = None


class _NoteResolver(markdown.Resolver):
    """Answers the Markdown renderer's questions about other notes and files, for one page."""

    def __init__(self, ctx: Context, link: urls.PageUrls) -> None:
        self.site, self.link = ctx.site, link

    def note(self, slug: str, heading: str | None) -> tuple[str, str, str] | None:
        target = self.site.notes.get(slug)
        if target is None:
            return None
        return (self.link.note(slug, heading), target.title, markdown.inline_text(target.summary))

    def asset(self, relpath: str) -> str:
        return self.link.asset(relpath)


def _build_date() -> dt.datetime:
    """The date a build claims: SOURCE_DATE_EPOCH when set, never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return dt.datetime.fromtimestamp(int(epoch) if epoch.isdigit() else 0, dt.UTC)


def _isodate(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _longdate(day: dt.date | None) -> str:
    return f"{day:%-d %B %Y}" if day else ""


class _Environment(Environment):
    """Jinja's environment with each template's globals in one plain dict. Jinja chains a
    template's globals to the environment's (a `ChainMap`, whose lookups and iteration run in
    Python), and goes through them several times for every page rendered and every `{% from %}`
    it imports: a tenth of the time of a resource page. The renderer sets every global before it
    loads a template, so a copy taken at load time holds them all."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


class _CompiledTemplates(FileSystemBytecodeCache):
    """The templates compiled by the last build, beside the build cache: compiling the theme's
    fifteen templates was a tenth of a second of every build. Jinja keys each by its name and the
    digest of its source, so an edited template is compiled again. Like the build cache, an
    optimisation only: a file that cannot be read is compiled afresh, one that cannot be
    written is left unwritten."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # truncated, or not Jinja's: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


class Renderer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.site = ctx.site
        self.urls = urls.Urls(ctx.config.base_url)
        self.env = _Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in ctx.template_dirs if d.is_dir()]),
            # HTML and XML escaped; plain-text outputs (robots.txt) are not HTML, so `&` stays `&`
            autoescape=select_autoescape(enabled_extensions=("html", "xml"), disabled_extensions=("txt",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # one build, templates fixed: no mtime check on every page rendered
            # not in a build told to use no cache (`--no-cache`, a first build)
            bytecode_cache=_CompiledTemplates(str(ctx.memos.cache.with_suffix(".templates"))) if ctx.memos is not None and ctx.memos.reuse else None,
        )
        self.env.filters["inline_md"] = markdown.render_inline
        self.env.filters["inline_text"] = markdown.inline_text  # `inline_md | striptags`, made once per text
        self.env.filters["isodate"] = _isodate
        self.env.filters["longdate"] = _longdate
        self.env.globals.update(config=ctx.config, site=ctx.site, kind_label=kind_label, last_broken=ctx.last_broken)
        self._footers: dict[tuple[int, bool], Markup] = {}
        self.env.globals["bibtex"] = self.bibtex

    def _render(self, template: str, page: str, rooted: bool = False, **context: Any) -> Page:
        link = self.urls.for_page(page, rooted)
        html = self.env.get_template(template).render(link=link, page=page, footer=self._footer(link), **context)
        return Page(urls.output_file(page), html.encode("utf-8"))

    def _footer(self, link: urls.PageUrls) -> Markup:
        """The footer is the same on every page at one folder depth (it links every top topic,
        relative to the page): rendered once per depth, not once per page."""
        key = (link.page.count("/"), link.rooted)
        if key not in self._footers:
            html = self.env.get_template("partials/footer.html").render(link=link, page=link.page)
            self._footers[key] = Markup(html)
        return self._footers[key]

    def _topic_crumbs(self, link: urls.PageUrls, slug: str | None) -> Crumbs:
        return [(self.site.topics[s].title, link.topic(s)) for s in self.site.topic_trail(slug)]

    # -- page kinds ----------------------------------------------------------------------------

    def items(self) -> list[tuple[str, str]]:
        """The pages there is one of per topic, note and resource: the bulk of a site."""
        return (
            [("topic", slug) for slug in self.site.topics]
            + [("note", slug) for slug in self.site.notes]
            + [("resource", rid) for rid in self.site.resources]
        )

    def output_path(self, item: tuple[str, str]) -> str:
        kind, key = item
        return urls.output_file(_ITEM_PATHS[kind](key))

    def fingerprint(self, item: tuple[str, str]) -> str:
        """A digest of everything the page of a topic, note or resource shows: the site-wide inputs
        (`Context.inputs`: version, config, templates, the footer's topics), the item itself and
        every note, topic and resource it names. Over-approximate on purpose: a neighbour's edit
        re-renders the page even if only its body changed; missing one input would be a stale page.
        The notes and resources whose digests it reads are those `names` gives (a test holds the
        two to each other): `pageplan` indexes them, so that after an edit only the pages naming
        what changed need a fingerprint worked out again."""
        kind, key = item
        site, broken = self.site, self.ctx.last_broken
        parts = [self.ctx.inputs, kind, key]
        marks, topic_marks = self._note_marks, self._topic_marks

        def notes(slugs: Iterable[str | None]) -> None:
            parts.extend(marks.get(s) or f"{s}=-" for s in slugs)

        def topics(slugs: Iterable[str]) -> None:
            parts.extend(topic_marks.get(s) or "None" for s in slugs)

        if kind == "note":
            note = site.notes[key]
            parts.append(note.digest)
            notes(site.backlinks.get(key, ()))
            notes(site.related.get(key, ()))
            for path, before, after in site.neighbours_on_paths(key):
                parts.append(path.title if path else "")
                notes((before, after))
            notes(note.after_slugs)
            notes(link.target for link in note.note_links)
            topics(note.topic_slugs)
            topics(site.topic_trail(next((t for t in note.topic_slugs if t in site.topics), None)))
            for rid in site.note_resources[key]:
                parts += [self._resource_digest(rid), repr(broken(site.resources[rid].url))]
        elif kind == "resource":
            resource = site.resources[key]
            parts += [self._resource_digest(key), self._entry_inputs(key), repr(broken(resource.url))]
            notes(c.note for c in resource.citations)
        else:
            topics([key, *site.topic_trail(site.topics[key].parent)])
            notes(site.topic_notes.get(key, ()))
            # the reading status of what its notes cite, which notes of other topics may set
            parts.append(status_summary(site.resources[rid] for rid in self._cited_in_topic(key)))
            children = site.topic_children.get(key, ())
            topics(children)
            parts += [str(site.topic_totals[s]) for s in (key, *children)]
        return digest("\x1f".join(parts).encode())

    def names(self, item: tuple[str, str]) -> Named:
        """The notes (by slug) and the resources (by id) whose digests `fingerprint` reads for
        `item`: the page itself, and every note and resource it names. The rest of what it reads
        (links between notes, topics, reading paths, settings) is the site's structure, which
        `pageplan.structure` digests whole."""
        kind, key = item
        site = self.site
        if kind == "note":
            note = site.notes[key]
            around = [s for _, before, after in site.neighbours_on_paths(key) for s in (before, after) if s]
            notes = [key, *site.backlinks.get(key, ()), *site.related.get(key, ()), *around, *note.after_slugs, *(n.target for n in note.note_links)]
            return notes, list(site.note_resources[key])
        if kind == "resource":
            return [c.note for c in site.resources[key].citations], [key]
        return list(site.topic_notes.get(key, ())), list(self._cited_in_topic(key))

    def share_fingerprint_inputs(self) -> None:
        """Work out now what the fingerprints read of the whole site (each resource's digest, the
        citation keys, each note's and topic's mark), so that the page workers, forked next, share
        it rather than each working it out again (the resources' digests alone take 0.4 s at
        10,000 notes)."""
        self.site.resource_digests  # noqa: B018 (a cached property, worked out here)
        bibliography.keys_of(self.site)
        self._note_marks  # noqa: B018
        self._topic_marks  # noqa: B018

    @functools.cached_property
    def _note_marks(self) -> dict[str | None, str]:
        """How a fingerprint names each note: its slug and digest, written once per build rather
        than once for every page that names it (300,000 times at 10,000 notes)."""
        return {slug: f"{slug}={note.digest}" for slug, note in self.site.notes.items()}

    @functools.cached_property
    def _topic_marks(self) -> dict[str, str]:
        return {slug: repr(topic) for slug, topic in self.site.topics.items()}

    def _resource_digest(self, rid: str) -> str:
        """A resource as the cards that show it see it. Its BibTeX entry (whose key and cited-in
        list depend on other resources and notes) is shown on its own page only, so only that page's
        fingerprint adds the entry's other inputs."""
        return self.site.resource_digests[rid]

    def _entry_inputs(self, rid: str) -> str:
        return bibliography.entry_inputs(self.site, self.site.resources[rid], bibliography.keys_of(self.site)[rid])

    def bibtex(self, rid: str) -> str:
        """A resource's BibTeX entry, for its page's Cite block: only the pages rendered ask."""
        return bibliography.bibtex_of(self.site, self.ctx.config.base_url, rid)

    def page(self, item: tuple[str, str], fingerprint: str | None) -> Page:
        """The page of `item`, with its fingerprint (worked out now when not given)."""
        return dataclasses.replace(self.item(item), fingerprint=self.fingerprint(item) if fingerprint is None else fingerprint)

    def item(self, item: tuple[str, str]) -> Page:
        kind, key = item
        if kind == "topic":
            return self.topic(key)
        if kind == "note":
            return self.note(self.site.notes[key])
        return self.resource(self.site.resources[key])

    def site_pages(self) -> Iterator[Page | Keep]:
        """The pages there is one of per site. The resource index, the largest page of a large
        site, is kept when nothing it shows changed: the resources, their topics, the titles of
        the notes that cite them (an edit of a note's text leaves it alone)."""
        yield self.home()
        yield self.topic_index()
        site = self.site
        # What the index shows: each resource (its digest names the notes citing it), and the titles
        # and topics of those notes, taken from every note: one pass over the notes rather than
        # one per citation (a note citing nothing re-renders the index for nothing, seldom)
        parts = [self.ctx.inputs, "resources", repr(site.topics)]  # the topic filter lists every topic
        parts += [f"{rid}\x1e{self._resource_digest(rid)}" for rid in site.resources]
        parts += [f"{slug}\x1e{note.title}\x1e{' '.join(note.topic_slugs)}" for slug, note in site.notes.items()]
        fingerprint = digest("\x1f".join(parts).encode())
        path = urls.output_file(urls.RESOURCES)
        if self.ctx.unchanged(path, fingerprint):
            yield Keep(path)
        else:
            yield dataclasses.replace(self.resource_index(), fingerprint=fingerprint)
        yield self.search()
        yield self.not_found()
        yield self.feed()
        locations = self._locations()
        fingerprint = digest_of([self.ctx.inputs, *(f"{path}\x1f{day}" for path, day in locations)])
        sitemap = urls.output_file(urls.SITEMAP)
        if self.ctx.unchanged(sitemap, fingerprint):  # 28,000 lines at 10,000 notes, the same after most edits
            yield Keep(sitemap)
        else:
            yield dataclasses.replace(self.sitemap(locations), fingerprint=fingerprint)
        yield self.robots()

    def home(self) -> Page:
        site = self.site
        start = site.paths[0] if site.paths and not site.reading_paths else ()
        named = [(path, [site.notes[s] for s in path.slugs]) for path in site.reading_paths]
        return self._render(
            "home.html",
            urls.HOME,
            recent=site.by_date[:RECENT],
            start=[site.notes[s] for s in start],
            reading_paths=named,
            reading_status=status_summary(site.resources.values()),
        )

    def topic_index(self) -> Page:
        link = self.urls.for_page(urls.TOPICS)
        return self._render("topics.html", urls.TOPICS, crumbs=[("Home", link.home()), ("Topics", None)])

    def topic(self, slug: str) -> Page:
        page = urls.topic_path(slug)
        link = self.urls.for_page(page)
        topic = self.site.topics[slug]
        notes = sorted((self.site.notes[s] for s in self.site.topic_notes.get(slug, ())), key=lambda n: n.title.lower())
        crumbs: Crumbs = [("Home", link.home()), ("Topics", link.topics())]
        crumbs += self._topic_crumbs(link, topic.parent) + [(topic.title, None)]
        cited = self._cited_in_topic(slug)
        return self._render(
            "topic.html",
            page,
            topic=topic,
            crumbs=crumbs,
            notes=notes,
            children=self.site.topic_children.get(slug, ()),
            reading_status=status_summary(self.site.resources[rid] for rid in cited),
        )

    def _cited_in_topic(self, slug: str) -> dict[str, None]:
        """The resources the notes of a topic cite (not those of its subtopics), each once."""
        return dict.fromkeys(rid for s in self.site.topic_notes.get(slug, ()) for rid in self.site.note_resources[s])

    def note(self, note: Note) -> Page:
        page = urls.note_path(note.slug)
        link = self.urls.for_page(page)
        site = self.site
        body = markdown.resolve(note.body, _NoteResolver(self.ctx, link))
        on_paths = [
            (path.title if path else None, site.notes.get(before) if before else None, site.notes.get(after) if after else None)
            for path, before, after in site.neighbours_on_paths(note.slug)
        ]
        picture = graphview.svg(
            graphview.neighbourhood(site, note.slug), link.to, f"{note.title} and its topics, linked notes and resources", ("topic", "note"), interactive=False
        )
        topics = site.topics_of(note)
        resources = [site.resources[r] for r in site.note_resources[note.slug]]
        crumbs: Crumbs = [("Home", link.home())]
        crumbs += self._topic_crumbs(link, topics[0].slug if topics else None) + [(note.title, None)]
        return self._render(
            "note.html",
            page,
            note=note,
            body=body,
            crumbs=crumbs,
            topics=topics,
            prerequisites=[site.notes[s] for s in note.after_slugs if s in site.notes],
            toc=_toc(note.headings),
            resources=resources,
            citation_of={r.id: r.citation_by(note.slug) for r in resources},
            backlinks=[site.notes[s] for s in site.backlinks.get(note.slug, ())],
            related=[site.notes[s] for s in site.related.get(note.slug, ())],
            on_paths=on_paths,
            neighbourhood=Markup(picture),
        )

    def resource_index(self) -> Page:
        link = self.urls.for_page(urls.RESOURCES)
        resources = list(self.site.resources.values())
        return self._render(
            "resources.html",
            urls.RESOURCES,
            crumbs=[("Home", link.home()), ("Resources", None)],
            resources=resources,
            kinds=sorted({r.kind for r in resources if r.kind}),
            years=sorted({r.year for r in resources if r.year}, reverse=True),
        )

    def resource(self, resource: Resource) -> Page:
        page = urls.resource_path(resource.id)
        link = self.urls.for_page(page)
        crumbs: Crumbs = [("Home", link.home()), ("Resources", link.resources()), (resource.title, None)]
        return self._render("resource.html", page, resource=resource, crumbs=crumbs)

    def graph(self, layout: graphview.Layout) -> Page:
        """The whole graph: SVG elements a reader can tab through when small; when large, a light
        SVG overview for readers without script, and the canvas draws the rest (`graphview.canvas_script`)."""
        link = self.urls.for_page(urls.GRAPH_PAGE)
        label = "The graph of all topics, notes and resources"
        canvas = graphview.uses_canvas(layout)
        picture = graphview.overview_svg(layout, link.to, label) if canvas else graphview.svg(layout, link.to, label)
        crumbs: Crumbs = [("Home", link.home()), ("Graph", None)]
        return self._render("graph.html", urls.GRAPH_PAGE, svg=Markup(picture), layout=layout, canvas=canvas, crumbs=crumbs)

    def search(self) -> Page:
        link = self.urls.for_page(urls.SEARCH)
        return self._render("search.html", urls.SEARCH, crumbs=[("Home", link.home()), ("Search", None)])

    def not_found(self) -> Page:
        return self._render("404.html", urls.NOT_FOUND, rooted=True)

    def feed(self) -> Page:
        entries = self.site.by_date[:FEED_ENTRIES]
        dates = [n.last_changed for n in entries if n.last_changed]
        updated = dt.datetime.combine(max(dates), dt.time(), dt.UTC) if dates else _build_date()
        return self._render("feed.xml", urls.FEED, entries=entries, updated=updated)

    def _locations(self) -> list[tuple[str, dt.date | None]]:
        """Every page of the sitemap, with the day its note last changed."""
        locations: list[tuple[str, dt.date | None]] = [(p, None) for p in (urls.HOME, urls.TOPICS, urls.RESOURCES, urls.SEARCH, urls.GRAPH_PAGE)]
        locations += [(urls.topic_path(s), None) for s in self.site.topics]
        locations += [(urls.note_path(n.slug), n.last_changed) for n in self.site.notes.values()]
        locations += [(urls.resource_path(r), None) for r in self.site.resources]
        return locations

    def sitemap(self, locations: list[tuple[str, dt.date | None]]) -> Page:
        return self._render("sitemap.xml", urls.SITEMAP, locations=locations)

    def robots(self) -> Page:
        return self._render("robots.txt", urls.ROBOTS)


def _toc(headings: tuple[Heading, ...]) -> list[Heading]:
    """The table of contents of a long note: its second- and third-level headings."""
    toc = [h for h in headings if h.level in (2, 3)]
    return toc if len(toc) >= TOC_FROM else []
