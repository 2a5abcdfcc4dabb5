"""The graph view, laid out at build time so it shows as plain SVG without JavaScript.

The layout is deterministic and linear in the number of nodes: topics on a circle, each note on a
golden-angle spiral around its first topic, each resource on a small spiral around the first note
citing it. A force simulation would look rounder but costs O(n²) per step, which a 10,000-note site
cannot afford at build time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from llmnotes import urls
from llmnotes.emit import Page
from llmnotes.graph import Site
from llmnotes.search import script_json

Href = Callable[[str], str]  # a site path → the URL written on the page being rendered

GOLDEN = math.pi * (3 - math.sqrt(5))
CANVAS_FROM = 600  # nodes: from here the whole-site graph is drawn on a canvas, see `overview_svg`
NODE_KINDS = ("topic", "note", "resource")


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # topic | note | resource
    title: str
    path: str  # site path of its page
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # topic | link | cites


@dataclass(frozen=True)
class Layout:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float


def _spiral(cx: float, cy: float, i: int, step: float) -> tuple[float, float]:
    r = step * math.sqrt(i + 1)
    a = i * GOLDEN
    return cx + r * math.cos(a), cy + r * math.sin(a)


def whole_site(site: Site) -> Layout:
    """The whole site laid out. Made of nothing but what `Site.graph_digest` covers."""
    topics = list(site.topics)
    members = {t: list(site.topic_notes.get(t, ())) for t in topics}
    biggest = max([len(m) for m in members.values()] + [1])
    ring = max(300.0, 60.0 * len(topics) / math.pi, 30.0 * math.sqrt(biggest) * len(topics) / math.pi)
    nodes: dict[str, Node] = {}
    centre: dict[str, tuple[float, float]] = {}
    for i, slug in enumerate(topics):
        angle = 2 * math.pi * i / max(len(topics), 1)
        x, y = ring * math.cos(angle), ring * math.sin(angle)
        centre[slug] = (x, y)
        nodes[f"topic:{slug}"] = Node(f"topic:{slug}", "topic", site.topics[slug].title, urls.topic_path(slug), x, y)
    placed_in: dict[str, int] = {}
    for slug, note in site.notes.items():
        home = next((t for t in note.topic_slugs if t in centre), "")
        cx, cy = centre.get(home, (0.0, 0.0))
        k = placed_in.get(home, 0)
        placed_in[home] = k + 1
        x, y = _spiral(cx, cy, k + 1, 28.0)
        nodes[f"note:{slug}"] = Node(f"note:{slug}", "note", note.title, urls.note_path(slug), x, y)
    around: dict[str, int] = {}
    for rid, resource in site.resources.items():
        first = resource.citations[0].note if resource.citations else None
        anchor = nodes.get(f"note:{first}")
        if anchor is None:
            continue
        k = around.get(anchor.id, 0)
        around[anchor.id] = k + 1
        x, y = _spiral(anchor.x, anchor.y, k, 9.0)
        nodes[f"resource:{rid}"] = Node(f"resource:{rid}", "resource", resource.title, urls.resource_path(rid), x, y)
    edges = []
    for slug, note in site.notes.items():
        edges += [Edge(f"note:{slug}", f"topic:{t}", "topic") for t in note.topic_slugs if t in site.topics]
        edges += [Edge(f"note:{slug}", f"note:{t}", "link") for t in site.links_to.get(slug, ())]
        edges += [Edge(f"note:{slug}", f"resource:{r}", "cites") for r in site.note_resources.get(slug, ()) if f"resource:{r}" in nodes]
    return _fit(list(nodes.values()), edges)


def neighbourhood(site: Site, slug: str) -> Layout:
    """One note in the middle; its topics, the notes it links and that link to it, its resources around."""
    note = site.notes[slug]
    ring: list[tuple[str, str, str, str]] = []  # (id, kind, title, path)
    ring += [(f"topic:{t}", "topic", site.topics[t].title, urls.topic_path(t)) for t in note.topic_slugs if t in site.topics]
    linked = list(dict.fromkeys(list(site.links_to.get(slug, ())) + list(site.backlinks.get(slug, ()))))
    ring += [(f"note:{s}", "note", site.notes[s].title, urls.note_path(s)) for s in linked]
    ring += [(f"resource:{r}", "resource", site.resources[r].title, urls.resource_path(r)) for r in site.note_resources.get(slug, ())]
    nodes = [Node(f"note:{slug}", "note", note.title, urls.note_path(slug), 0.0, 0.0)]
    radius = max(110.0, 14.0 * len(ring))
    for i, (nid, kind, title, path) in enumerate(ring):
        angle = 2 * math.pi * i / max(len(ring), 1) - math.pi / 2
        nodes.append(Node(nid, kind, title, path, radius * math.cos(angle), radius * math.sin(angle)))
    edges = [Edge(nodes[0].id, n.id, n.kind) for n in nodes[1:]]
    return _fit(nodes, edges)


def _fit(nodes: list[Node], edges: list[Edge], margin: float = 40.0) -> Layout:
    """Shift everything into a positive viewBox with a margin."""
    if not nodes:
        return Layout((), (), 100.0, 100.0)
    min_x = min(n.x for n in nodes) - margin
    min_y = min(n.y for n in nodes) - margin
    shifted = tuple(Node(n.id, n.kind, n.title, n.path, round(n.x - min_x, 1), round(n.y - min_y, 1)) for n in nodes)
    # Labels run right of their node: the right margin covers the widest one, so none is clipped.
    width = max(n.x + max(margin, _label_width(n)) for n in shifted)
    height = max(n.y for n in shifted) + margin
    return Layout(shifted, tuple(edges), round(width, 1), round(height, 1))


_RADIUS = {"topic": 9, "note": 6, "resource": 3}
_LABEL_EM = 0.62 * 11  # widest average glyph of the 11px label font (style.css `.graph text`), in user units


def _short(title: str) -> str:
    """A label as drawn: long titles cut at 40 characters."""
    return title if len(title) <= 40 else title[:39] + "…"


@functools.lru_cache(maxsize=1 << 16)
def _escaped(title: str) -> tuple[str, str]:
    """A node's tooltip and its drawn label, escaped once: the same titles recur on page after page."""
    return escape(title), escape(_short(title))


def _label_width(n: Node) -> float:
    """How far right of its node a node's label reaches (offset, text, halo), 0 for unlabelled kinds."""
    return 10 + len(_short(n.title)) * _LABEL_EM + 6 if n.kind in ("topic", "note") else 0.0


def svg(layout: Layout, href: Href, label: str, labels: tuple[str, ...] = ("topic", "note"), interactive: bool = True) -> str:
    """The layout as an SVG element: edges under nodes, every node a link to its page.

    Written in Python rather than a template: the whole-site graph of a large list has hundreds of
    thousands of elements. Every text goes through `html.escape`. `interactive` adds the ends of
    each edge and the id of each node as data attributes, which `graph.js` highlights neighbours with;
    the small picture on every note page has no script, so it goes without (a tenth of a note page on a
    large site).
    """
    where = {n.id: n for n in layout.nodes}
    out = [
        f'<svg class="graph" viewBox="0 0 {layout.width} {layout.height}" role="group" aria-label="{escape(label)}">',
        '<g class="edges">',
    ]
    if interactive:
        for e in layout.edges:
            a, b = where[e.source], where[e.target]
            ends = f'data-a="{escape(e.source)}" data-b="{escape(e.target)}" '
            out.append(f'<line class="edge edge-{e.kind}" {ends}x1="{a.x}" y1="{a.y}" x2="{b.x}" y2="{b.y}"/>')
    else:  # nothing to highlight: the edges of a kind are one path, a quarter of the bytes
        strokes: dict[str, list[str]] = {}
        for e in layout.edges:
            a, b = where[e.source], where[e.target]
            strokes.setdefault(e.kind, []).append(f"M{a.x} {a.y}L{b.x} {b.y}")
        out += [f'<path class="edge edge-{kind}" d="{"".join(d)}"/>' for kind, d in strokes.items()]
    out.append('</g><g class="nodes">')
    for n in layout.nodes:
        title, short = _escaped(n.title)
        text = f'<text x="{round(n.x + 10, 1)}" y="{round(n.y + 4, 1)}">{short}</text>' if n.kind in labels else ""
        node_id = f' data-id="{escape(n.id)}"' if interactive else ""
        out.append(
            f'<a class="node node-{n.kind}" href="{escape(href(n.path))}"{node_id}>'
            f'<title>{title}</title><circle cx="{n.x}" cy="{n.y}" r="{_RADIUS[n.kind]}"/>{text}</a>'
        )
    out.append("</g></svg>")
    return "\n".join(out)


def overview_svg(layout: Layout, href: Href, label: str) -> str:
    """The no-script picture of a graph too large for an element per node and edge: topics as
    labelled links, notes as dots in a single path. Every note stays reachable through its topics;
    the script draws the whole graph on a canvas instead (`static/graph-canvas.js`)."""
    dots = " ".join(f"M{n.x} {n.y}h0" for n in layout.nodes if n.kind == "note")
    unit = round(max(layout.width, layout.height) / 120, 1)  # sizes that stay legible when it is all on screen
    out = [
        f'<svg class="graph" viewBox="0 0 {layout.width} {layout.height}" role="group" aria-label="{escape(label)}">',
        f'<path class="dots dots-note" d="{dots}"/>',
        '<g class="nodes">',
    ]
    for n in layout.nodes:
        if n.kind == "topic":
            out.append(
                f'<a class="node node-topic" href="{escape(href(n.path))}" data-id="{escape(n.id)}">'
                f'<circle cx="{n.x}" cy="{n.y}" r="{unit}"/>'
                f'<text x="{round(n.x + unit * 1.5, 1)}" y="{round(n.y + unit / 2, 1)}" style="font-size:{round(unit * 1.6, 1)}px">{escape(n.title)}</text></a>'
            )
    out.append("</g></svg>")
    return "\n".join(out)


def canvas_data(layout: Layout, path_patterns: dict[str, str]) -> dict[str, Any]:
    """The layout as columns for the canvas: node radius per kind (as the SVG draws them); kind,
    position, id and title of each node; and edges
    as pairs of node numbers (an edge's kind follows from its ends). Page paths are rebuilt in the
    browser from `path_patterns`, one per kind with `{}` for the id, to keep the file small."""
    number = {n.id: i for i, n in enumerate(layout.nodes)}
    return {
        "paths": path_patterns,
        "kinds": list(NODE_KINDS),
        "r": [_RADIUS[kind] for kind in NODE_KINDS],
        "k": [NODE_KINDS.index(n.kind) for n in layout.nodes],
        "x": [n.x for n in layout.nodes],
        "y": [n.y for n in layout.nodes],
        "id": [n.id.split(":", 1)[1] for n in layout.nodes],
        "t": [n.title for n in layout.nodes],
        "e": [i for e in layout.edges for i in (number[e.source], number[e.target])],
    }


def uses_canvas(layout: Layout) -> bool:
    return len(layout.nodes) >= CANVAS_FROM


def canvas_script(layout: Layout) -> Page | None:
    """`graph/data.js`, what the canvas draws a large graph from; None for a small graph, all SVG."""
    if not uses_canvas(layout):
        return None
    patterns = {"topic": urls.topic_path("{}"), "note": urls.note_path("{}"), "resource": urls.resource_path("{}")}
    data = script_json(canvas_data(layout, patterns))
    return Page(urls.GRAPH_DATA, f"window.LLMNOTES_GRAPH={data};\n".encode())
