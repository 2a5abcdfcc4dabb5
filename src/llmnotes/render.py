"""Render: the site graph becomes pages. One function per page kind; Jinja2 with autoescape on.

Every page is produced as (output path, bytes) by a generator, so a 10,000-note site never sits in
memory at once, and rendering one note needs only that note and the read-only graph.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from markupsafe import Markup

from llmnotes import graphview, markdown, search, urls
from llmnotes.config import Config
from llmnotes.graph import Resource, Site, graph_json
from llmnotes.links.extract import fetch_key
from llmnotes.model import Note

RECENT = 10
FEED_ENTRIES = 50


@dataclass(frozen=True)
class Page:
    path: str  # file under the output folder
    content: bytes


class _NoteResolver(markdown.Resolver):
    def __init__(self, site: Site, link: urls.PageUrls) -> None:
        self.site, self.link = site, link

    def note(self, slug: str, heading: str | None) -> tuple[str, str] | None:
        target = self.site.notes.get(slug)
        if target is None:
            return None
        return (self.link.note(slug, heading), target.title, str(markdown.render_inline(target.summary).striptags()))

    def asset(self, relpath: str) -> str:
        return self.link.asset(relpath)


def _build_date() -> dt.datetime:
    """The date a build claims: SOURCE_DATE_EPOCH when set, never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return dt.datetime.fromtimestamp(int(epoch) if epoch.isdigit() else 0, dt.UTC)


class Renderer:
    def __init__(self, config: Config, site: Site, template_dirs: list[Path], health: dict | None = None) -> None:
        self.config = config
        self.site = site
        self.health = health or {}
        self.urls = urls.Urls(config.base_url)
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs if d.is_dir()]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # one build, templates fixed: no mtime check on every page rendered
        )
        self.env.filters["inline_md"] = markdown.render_inline
        self.env.filters["isodate"] = lambda d: d.isoformat() if d else ""
        self.env.filters["longdate"] = lambda d: f"{d:%-d %B %Y}" if d else ""
        self.env.globals.update(site=config, graph=site, kind_label=_kind_label, broken=self.broken)

    def broken(self, url: str):
        """The last check's result for `url` when it was broken, else None (templates flag it)."""
        result = self.health.get(fetch_key(url))
        if result is None or result.verdict != "broken":
            return None
        return {"error": result.error, "checked": dt.datetime.fromtimestamp(result.checked_at, dt.UTC).date()}

    # -- shared context ------------------------------------------------------------------------

    @cached_property
    def topic_totals(self) -> dict[str, int]:
        """Notes in each topic, counting its subtopics' notes once."""
        def members(slug: str, seen: frozenset[str] = frozenset()) -> set[str]:
            found = set(self.site.topic_notes.get(slug, ()))
            for child in self.site.topic_children.get(slug, ()):
                if child not in seen:
                    found |= members(child, seen | {slug})
            return found

        return {slug: len(members(slug)) for slug in self.site.topics}

    @cached_property
    def top_topics(self) -> list[str]:
        return [s for s, t in self.site.topics.items() if not t.parent or t.parent not in self.site.topics]

    @cached_property
    def by_date(self) -> list[Note]:
        return sorted(self.site.notes.values(), key=lambda n: (n.last_changed or dt.date.min, n.slug), reverse=True)

    def _render(self, template: str, page: str, rooted: bool = False, **context: object) -> Page:
        link = self.urls.for_page(page, rooted)
        html = self.env.get_template(template).render(
            link=link,
            page=page,
            top_topics=self.top_topics,
            topic_totals=self.topic_totals,
            **context,
        )
        return Page(urls.output_file(page), html.encode("utf-8"))

    def _topic_trail(self, slug: str | None) -> list[str]:
        trail: list[str] = []
        while slug in self.site.topics and slug not in trail:
            trail.insert(0, slug)
            slug = self.site.topics[slug].parent
        return trail

    # -- page kinds ----------------------------------------------------------------------------

    def pages(self) -> Iterator[Page]:
        yield self.home()
        yield self.topic_index()
        for slug in self.site.topics:
            yield self.topic(slug)
        for note in self.site.notes.values():
            yield self.note(note)
        yield self.resource_index()
        for resource in self.site.resources.values():
            yield self.resource(resource)
        yield from self.graph_page()
        yield self.search()
        yield from self.search_index()
        yield self.not_found()
        yield self.feed()
        yield self.sitemap()
        yield self.robots()
        yield self.graph()

    def home(self) -> Page:
        start = self.site.paths[0] if self.site.paths else ()
        return self._render(
            "home.html",
            urls.HOME,
            recent=self.by_date[:RECENT],
            start=[self.site.notes[s] for s in start],
        )

    def topic_index(self) -> Page:
        return self._render("topics.html", urls.TOPICS)

    def topic(self, slug: str) -> Page:
        topic = self.site.topics[slug]
        notes = sorted((self.site.notes[s] for s in self.site.topic_notes.get(slug, ())), key=lambda n: n.title.lower())
        return self._render(
            "topic.html",
            urls.topic_path(slug),
            topic=topic,
            trail=self._topic_trail(topic.parent),
            notes=notes,
            children=self.site.topic_children.get(slug, ()),
        )

    def note(self, note: Note) -> Page:
        page = urls.note_path(note.slug)
        link = self.urls.for_page(page)
        body = markdown.render(note.tokens, _NoteResolver(self.site, link), self.config.allow_html)
        prev_slug, next_slug = self.site.neighbours_on_path(note.slug)
        around = graphview.neighbourhood(self.site, note.slug, urls.note_path, urls.topic_path, urls.resource_path)
        picture = graphview.svg(around, link.to, f"{note.title} and its topics, linked notes and resources", ("topic", "note"))
        first_topic = next((t for t in note.topic_slugs if t in self.site.topics), None)
        return self._render(
            "note.html",
            page,
            note=note,
            body=body,
            resources=[self.site.resources[r] for r in self.site.note_resources[note.slug]],
            citation_of={r: self._citation(self.site.resources[r], note.slug) for r in self.site.note_resources[note.slug]},
            backlinks=[self.site.notes[s] for s in self.site.backlinks.get(note.slug, ())],
            related=[self.site.notes[s] for s in self.site.related.get(note.slug, ())],
            prev_note=self.site.notes.get(prev_slug) if prev_slug else None,
            next_note=self.site.notes.get(next_slug) if next_slug else None,
            trail=self._topic_trail(first_topic),
            neighbourhood=Markup(picture),
        )

    @staticmethod
    def _citation(resource: Resource, slug: str):
        return next(c for c in resource.citations if c.note == slug)

    def resource_index(self) -> Page:
        return self._render("resources.html", urls.RESOURCES, resources=list(self.site.resources.values()))

    def resource(self, resource: Resource) -> Page:
        return self._render("resource.html", urls.resource_path(resource.id), resource=resource)

    def graph_page(self) -> Iterator[Page]:
        """The whole graph: SVG elements a reader can tab through when small; when large, a light
        SVG overview for readers without script, and the data a canvas draws the rest from."""
        layout = graphview.whole_site(self.site, urls.note_path, urls.topic_path, urls.resource_path)
        link = self.urls.for_page(urls.GRAPH_PAGE)
        label = "The graph of all topics, notes and resources"
        if len(layout.nodes) < graphview.CANVAS_FROM:
            yield self._render("graph.html", urls.GRAPH_PAGE, svg=Markup(graphview.svg(layout, link.to, label)), layout=layout, canvas=False)
            return
        patterns = {"topic": urls.topic_path("{}"), "note": urls.note_path("{}"), "resource": urls.resource_path("{}")}
        data = search.script_json(graphview.canvas_data(layout, patterns))
        yield Page(urls.GRAPH_DATA, f"window.LLMNOTES_GRAPH={data};\n".encode())
        picture = graphview.overview_svg(layout, link.to, label)
        yield self._render("graph.html", urls.GRAPH_PAGE, svg=Markup(picture), layout=layout, canvas=True)

    def search(self) -> Page:
        return self._render("search.html", urls.SEARCH)

    def search_index(self) -> Iterator[Page]:
        """Notes, resources and topics as the word index `search.js` loads piece by piece."""
        docs = [search.Doc("note", n.title, urls.note_path(n.slug), n.summary, _plain_text(n)) for n in self.site.notes.values()]
        docs += [
            search.Doc(
                "resource",
                r.title,
                urls.resource_path(r.id),
                " · ".join(filter(None, [_kind_label(r.kind), ", ".join(r.authors), str(r.year or "")])),
                " ".join(c.annotation for c in r.citations if c.annotation),
            )
            for r in self.site.resources.values()
        ]
        docs += [search.Doc("topic", t.title, urls.topic_path(t.slug), t.description, "") for t in self.site.topics.values()]
        for path, content in search.files(docs):
            yield Page(path, content)

    def not_found(self) -> Page:
        return self._render("404.html", urls.NOT_FOUND, rooted=True)

    def feed(self) -> Page:
        entries = self.by_date[:FEED_ENTRIES]
        dates = [n.last_changed for n in entries if n.last_changed]
        updated = dt.datetime.combine(max(dates), dt.time(), dt.UTC) if dates else _build_date()
        return self._render("feed.xml", urls.FEED, entries=entries, updated=updated)

    def sitemap(self) -> Page:
        locations: list[tuple[str, dt.date | None]] = [(urls.HOME, None), (urls.TOPICS, None), (urls.RESOURCES, None), (urls.SEARCH, None), (urls.GRAPH_PAGE, None)]
        locations += [(urls.topic_path(s), None) for s in self.site.topics]
        locations += [(urls.note_path(n.slug), n.last_changed) for n in self.site.notes.values()]
        locations += [(urls.resource_path(r), None) for r in self.site.resources]
        return self._render("sitemap.xml", urls.SITEMAP, locations=locations)

    def robots(self) -> Page:
        return self._render("robots.txt", urls.ROBOTS)

    def graph(self) -> Page:
        data = graph_json(self.site, urls.note_path, urls.topic_path, urls.resource_path)
        return Page(urls.GRAPH, (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode())


def _plain_text(note: Note) -> str:
    """The commentary as plain words, for the search index."""
    words = [
        child.content
        for token in note.tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type in ("text", "code_inline")
    ]
    words += [e.note for e in note.links if e.note]
    return " ".join(" ".join(words).split())


_KIND_LABELS = {"repo": "code", "site": "website"}


def _kind_label(kind: str | None) -> str:
    return _KIND_LABELS.get(kind or "", kind or "link")
