"""The graph view laid out at build time: deterministic, complete, escaped, and canvas data that matches."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from llmnotes import graphview
from test_graph import link, note, site_of


def _site(tmp_path: Path):
    site, _ = site_of(tmp_path, {
        "a": note("A <b>&", topics="[a]", links=link("https://e.org/1", "R1") + link("https://e.org/2", "R2"), body="[[b]]"),
        "b": note("B", topics="[b]"),
        "c": note("C"),
    })
    return site


def test_whole_site_layout_has_every_node_and_only_edges_between_them(tmp_path: Path) -> None:
    site = _site(tmp_path)
    layout = graphview.whole_site(site)
    ids = [n.id for n in layout.nodes]
    assert sorted(ids) == sorted(["topic:a", "topic:b", "note:a", "note:b", "note:c"] + [f"resource:{r}" for r in site.resources])
    assert len(ids) == len(set(ids))
    assert all(e.source in ids and e.target in ids for e in layout.edges)
    assert {(e.source, e.target, e.kind) for e in layout.edges} >= {("note:a", "topic:a", "topic"), ("note:a", "note:b", "link")}
    assert all(0 <= n.x <= layout.width and 0 <= n.y <= layout.height for n in layout.nodes)
    assert graphview.whole_site(site) == layout  # deterministic


def test_neighbourhood_puts_the_note_in_the_middle_of_what_it_touches(tmp_path: Path) -> None:
    site = _site(tmp_path)
    layout = graphview.neighbourhood(site, "a")
    assert layout.nodes[0].id == "note:a"
    assert {n.id for n in layout.nodes[1:]} == {"topic:a", "note:b"} | {f"resource:{r}" for r in site.note_resources["a"]}
    assert all(e.source == "note:a" for e in layout.edges) and len(layout.edges) == len(layout.nodes) - 1
    alone = graphview.neighbourhood(site, "c")
    assert [n.id for n in alone.nodes] == ["note:c"] and alone.edges == ()


def test_svg_is_well_formed_escaped_and_links_every_node(tmp_path: Path) -> None:
    site = _site(tmp_path)
    layout = graphview.whole_site(site)
    picture = graphview.svg(layout, lambda path: "../" + path, 'Graph "of" <all>')
    root = ET.fromstring(picture)  # would fail on a raw < or & from a title
    assert root.get("aria-label") == 'Graph "of" <all>'
    links = root.findall(".//{*}a") or root.findall(".//a")
    assert len(links) == len(layout.nodes)
    assert {a.get("href") for a in links} >= {"../notes/a/", "../topics/b/"}
    titles = [t.text for t in root.iter() if t.tag.endswith("title")]
    assert "A <b>&" in titles
    labelled = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert "R1" not in labelled and "A <b>&" in labelled  # resources are unlabelled by default


def test_canvas_data_columns_line_up_with_the_layout(tmp_path: Path) -> None:
    layout = graphview.whole_site(_site(tmp_path))
    data = graphview.canvas_data(layout, {"topic": "t/{}/", "note": "n/{}/", "resource": "r/{}/"})
    n = len(layout.nodes)
    assert all(len(data[column]) == n for column in ("k", "x", "y", "id", "t"))
    assert len(data["e"]) == 2 * len(layout.edges) and max(data["e"]) < n
    assert [data["kinds"][k] for k in data["k"]] == [node.kind for node in layout.nodes]
    assert data["r"] == [9, 6, 3]
    json.dumps(data)  # plain data only


def test_graph_data_is_emitted_only_for_a_canvas_sized_graph(tmp_path: Path) -> None:
    site = _site(tmp_path)
    layout = graphview.whole_site(site)
    assert graphview.canvas_script(layout) is None
    many = dataclasses.replace(layout, nodes=layout.nodes * (graphview.CANVAS_FROM // len(layout.nodes) + 1))
    page = graphview.canvas_script(many)
    assert page is not None and page.path == "graph/data.js"
    payload = re.fullmatch(rb"window\.LLMNOTES_GRAPH=(.*);\n", page.content, re.S)
    assert payload is not None and len(json.loads(payload.group(1))["x"]) == len(many.nodes)
