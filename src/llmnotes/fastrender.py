"""Fast render for `serve`: the pages open in a browser first, before the rest of the site.

Hugo's server does the same ("fast render mode"). Most saves while writing change a note's own
text: its summary, body, dates, or what it says about a link. None of that changes what the site
graph is made of (which notes exist, their topics, links, reading order, which resources they cite),
so the open pages can be rendered again at once from the last good build's graph with the edited
note swapped in. A template edit re-renders the open pages over the same graph. The incremental
build then runs as always and writes every page the change affects; a page it renders differently
from the fast one is reloaded again. Any other change (a new or removed note, a note's topics or
links, `topics.yaml`, static files, the config) waits for that build.

Nothing here writes to disk: the fast pages are held by the preview server until the build's pages
are in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from llmnotes import urls
from llmnotes.diagnostics import Diagnostic, Severity, display_path
from llmnotes.emit import Context, Page
from llmnotes.folder import NOTE_SUFFIXES, TOPICS_FILE
from llmnotes.graph import Citation, Site
from llmnotes.load import load_note
from llmnotes.model import Note, SourceFile
from llmnotes.render import Renderer


@dataclass(frozen=True)
class Edit:
    """What a batch of saved files means for the open pages."""

    site: Site  # the graph to render from: the last good one, with the edited notes swapped in
    problems: tuple[Diagnostic, ...] = ()  # errors of an edited note: shown at once, nothing rendered
    notes: tuple[str, ...] = ()  # display paths of the notes edited in this batch


def _shape(note: Note) -> object:
    """What the site graph reads of a note, places left out (a line added above a link moves it,
    and only diagnostics show places). Equal shapes: the graph built with either note is the same,
    but for the note's own text and the annotations and statuses of its citations."""
    return (
        note.draft,
        tuple(slug for slug, _ in note.topics),
        tuple(slug for slug, _ in note.after),
        tuple((e.url, e.title, e.kind, e.authors, e.year, tuple(u for u, _ in e.discussion), e.archived) for e in note.links),
        tuple((b.url, b.text) for b in note.body_links),
        tuple((n.target, n.heading, n.style) for n in note.note_links),
        tuple(a.relpath for a in note.assets),
    )


def _citations(note: Note) -> dict[str, Citation]:
    """The note's citation of each resource it names, by URL key, in the order the graph reads them."""
    found: dict[str, Citation] = {}
    for entry in note.links:
        found.setdefault(entry.key, Citation(note.slug, entry.note, entry.status, entry.place))
    for link in note.body_links:
        found.setdefault(link.key, Citation(note.slug, "", None, link.place))
    return found


def swap_note(site: Site, new: Note) -> Site | None:
    """The site with one note replaced by its edited version, or None when the edit changes the
    shape of the graph (then only a build can say what the pages are)."""
    old = site.notes.get(new.slug)
    if old is None or _shape(old) != _shape(new):
        return None
    notes = dict(site.notes)
    notes[new.slug] = dataclasses.replace(new, digest=old.digest)
    resources = dict(site.resources)
    cited = _citations(new)
    for rid in site.note_resources.get(new.slug, ()):
        resource = resources[rid]
        citation = cited.get(resource.key)
        if citation is not None:
            citations = tuple(citation if c.note == new.slug else c for c in resource.citations)
            resources[rid] = dataclasses.replace(resource, citations=citations)
    return dataclasses.replace(site, notes=notes, resources=resources)


def _slug(path: Path, notes_dir: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(notes_dir.resolve()).as_posix()
    except ValueError:
        return None
    if rel == TOPICS_FILE or Path(rel).suffix.lower() not in NOTE_SUFFIXES:
        return None
    return rel.rsplit(".", 1)[0]


def edit_of(ctx: Context, site: Site, changed: Iterable[Path], notes_dir: Path, template_dirs: Iterable[Path]) -> Edit | None:
    """What the saved files mean for the open pages, or None when they wait for the build: every
    file must be a template or an existing note whose edit keeps the graph's shape."""
    templates = [d.resolve() for d in template_dirs]
    shown: list[str] = []
    problems: list[Diagnostic] = []
    for path in sorted(changed):
        if any(path.resolve().is_relative_to(d) for d in templates):
            continue
        slug = _slug(path, notes_dir)
        if slug is None or slug not in site.notes or not path.is_file():
            return None
        display = display_path(path)
        note, found = load_note(SourceFile(path, display, slug), ctx.config.allow_html)
        shown.append(display)
        errors = [d for d in found if d.severity is Severity.ERROR]
        if errors or note is None:
            problems += errors
            continue
        swapped = swap_note(site, note)
        if swapped is None:
            return None
        site = swapped
    return Edit(site, tuple(problems), tuple(shown))


# Pages a fast render redoes: one per topic, note and resource, and the small site-wide ones. The
# resource index and the graph page of a large site take longer than the build's wait for them.
_SITE_PAGES: dict[str, Callable[[Renderer], Page]] = {
    urls.output_file(urls.HOME): Renderer.home,
    urls.output_file(urls.TOPICS): Renderer.topic_index,
    urls.output_file(urls.SEARCH): Renderer.search,
    urls.output_file(urls.NOT_FOUND): Renderer.not_found,
}


def _item(site: Site, output: str) -> tuple[str, str] | None:
    """The topic, note or resource whose page is the output file `output`, if any (`urls` says
    where each kind's pages are: `notes/<key>/index.html` and the like)."""
    kinds: tuple[tuple[str, Callable[[str], str], Mapping[str, object]], ...] = (
        ("note", urls.note_path, site.notes),
        ("topic", urls.topic_path, site.topics),
        ("resource", urls.resource_path, site.resources),
    )
    for kind, path_of, known in kinds:
        folder = path_of("").rstrip("/")  # "notes"
        key = output.removeprefix(folder + "/").removesuffix("/" + urls.output_file(""))
        if key in known and urls.output_file(path_of(key)) == output:
            return kind, key
    return None


def render(ctx: Context, site: Site, outputs: Iterable[str]) -> dict[str, bytes]:
    """The open pages (output files, such as `notes/x/index.html`) rendered over `site` with the
    templates as they are now; pages a fast render does not redo are left out."""
    renderer = Renderer(dataclasses.replace(ctx, site=site, workers=1))
    pages: dict[str, bytes] = {}
    for output in dict.fromkeys(outputs):
        item = _item(site, output)
        if item is not None:
            pages[output] = renderer.item(item).content
        elif output in _SITE_PAGES:
            pages[output] = _SITE_PAGES[output](renderer).content
    return pages
