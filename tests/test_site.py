"""The built site as a whole: every internal link resolves, at the root and under a subpath."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from conftest import run_cli

MORE = {
    "notes/deep/nested-note.md": "---\ntitle: Nested <b>note</b>\nsummary: Lives in a subfolder.\ntopics: [attention]\nafter: [scaling]\n"
    "links:\n  - url: https://example.com/a?x=1&y=2\n    title: A & B\n    kind: article\n---\n"
    "Up to [[transformers#attention]], [sibling](../scaling.md), [a picture](../diagram.png).\n",
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def crawl(out: Path, base_url: str) -> list[str]:
    """Resolve every href/src of every page as a browser would; return those that miss."""
    base = urlsplit(base_url)
    origin = f"{base.scheme}://{base.netloc}" if base.netloc else "http://localhost"
    base_path = base.path or "/"
    missing: list[str] = []
    checked = 0
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        page_url = origin + base_path + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        for url in parse(page).urls:
            absolute = urljoin(page_url, url)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
                continue  # external
            checked += 1
            if not parts.path.startswith(base_path):
                missing.append(f"{rel}: {url} (outside {base_path})")
                continue
            target = out / unquote(parts.path[len(base_path):])
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                missing.append(f"{rel}: {url}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in parse(target).ids:
                missing.append(f"{rel}: {url} (no id '{parts.fragment}')")
    assert checked > 100, "the crawl saw too few internal links to prove anything"
    return missing


@pytest.mark.parametrize("base_url", ["https://example.org/", "https://example.org/sub/dir/", "/"])
def test_every_internal_link_resolves(make_site, base_url: str) -> None:
    site = make_site(MORE)
    result = run_cli("build", "--base-url", base_url, cwd=site)
    assert result.returncode == 0, result.stderr
    assert crawl(site / "build", base_url if base_url.startswith("http") else "http://localhost/") == []


def test_the_crawl_catches_a_broken_link(make_site) -> None:
    site = make_site(MORE)
    assert run_cli("build", cwd=site).returncode == 0
    (site / "build" / "topics" / "scale" / "index.html").unlink()
    assert any("topics/scale/" in m for m in crawl(site / "build", "https://example.org/"))


def test_404_page_uses_root_relative_links_under_a_subpath(make_site) -> None:
    site = make_site()
    assert run_cli("build", "--base-url", "https://example.org/sub/", cwd=site).returncode == 0
    urls = parse(site / "build" / "404.html").urls
    assert "/sub/static/style.css" in urls and "/sub/topics/" in urls
    assert all(u.startswith(("/sub/", "#")) for u in urls if not u.startswith("http"))


def test_feed_sitemap_robots_and_graph(make_site) -> None:
    site = make_site(MORE)
    assert run_cli("build", "--base-url", "https://example.org/sub/", cwd=site).returncode == 0
    out = site / "build"
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(out / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert [e.find(f"{atom}title").text for e in entries][:2] == ["Scaling laws", "The transformer"]
    assert feed.find(f"{atom}updated").text == "2024-02-01T00:00:00Z"
    assert entries[0].find(f"{atom}link").get("href") == "https://example.org/sub/notes/scaling/"
    sitemap = ET.parse(out / "sitemap.xml").getroot()
    locs = [u.find("{http://www.sitemaps.org/schemas/sitemap/0.9}loc").text for u in sitemap]
    assert "https://example.org/sub/notes/deep/nested-note/" in locs and all(loc.startswith("https://example.org/sub/") for loc in locs)
    assert "Sitemap: https://example.org/sub/sitemap.xml" in (out / "robots.txt").read_text()
    graph = json.loads((out / "graph.json").read_text())
    ids = {n["id"] for n in graph["nodes"]}
    assert {"note:transformers", "note:deep/nested-note", "topic:attention"} <= ids
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])


def test_pages_escape_what_notes_say(make_site) -> None:
    site = make_site(MORE)
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "deep" / "nested-note" / "index.html").read_text()
    assert "<h1>Nested &lt;b&gt;note&lt;/b&gt;</h1>" in page
    assert 'href="https://example.com/a?x=1&amp;y=2"' in page and ">A &amp; B</a>" in page
    assert "<b>note</b>" not in page


def test_note_page_shows_resources_backlinks_and_path(make_site) -> None:
    site = make_site(MORE)
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "scaling" / "index.html").read_text()
    assert "Training Compute-Optimal Large Language Models" in page
    assert '<a rel="prev" href="../../notes/transformers/" data-preview="The transformer" data-summary="How attention works."><span>Previous</span> The transformer</a>' in page
    assert '<a rel="next" href="../../notes/deep/nested-note/" data-preview=' in page
    assert 'id="backlinks"' in page and 'href="../../notes/deep/nested-note/"' in page
    home = (site / "build" / "index.html").read_text()
    assert 'id="start-here"' in home and home.index("notes/transformers/") < home.index("notes/scaling/")
    resources = (site / "build" / "resources" / "index.html").read_text()
    assert resources.count('class="resource-title"') == 3


def test_long_notes_get_a_table_of_contents(make_site) -> None:
    body = "\n\n".join(f"## Part {i}\n\nText {i}.\n\n### Detail {i}\n\nMore." for i in range(3))
    site = make_site({"notes/long.md": f"---\ntitle: Long\n---\n{body}\n"})
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "long" / "index.html").read_text()
    assert '<nav class="toc" aria-labelledby="toc-title">' in page
    assert '<li class="toc-2"><a href="#part-0">Part 0</a></li>' in page and '<li class="toc-3"><a href="#detail-2">Detail 2</a></li>' in page
    short = (site / "build" / "notes" / "scaling" / "index.html").read_text()
    assert 'class="toc"' not in short


def test_graph_page_and_neighbourhoods_are_plain_svg(make_site) -> None:
    site = make_site(MORE)
    assert run_cli("build", cwd=site).returncode == 0
    graph = (site / "build" / "graph" / "index.html").read_text()
    assert graph.count('class="node node-note"') == 3 and graph.count('class="node node-topic"') == 3
    assert 'href="../notes/deep/nested-note/"' in graph and "<title>Nested &lt;b&gt;note&lt;/b&gt;</title>" in graph
    note = (site / "build" / "notes" / "scaling" / "index.html").read_text()
    assert 'id="neighbourhood"' in note and 'href="../../notes/transformers/"><title>' in note and 'href="../../topics/scale/"><title>' in note
    assert "data-id=" not in note  # no script reads the small picture: no ids to carry
    assert 'data-id="note:transformers"' in graph


def test_a_large_graph_ships_a_light_overview_and_data_for_the_canvas(large_site) -> None:
    from llmnotes.graphview import CANVAS_FROM

    html = (large_site / "graph" / "index.html").read_text()
    script = (large_site / "graph" / "data.js").read_text()
    assert script.startswith("window.LLMNOTES_GRAPH=") and script.endswith(";\n")
    data = json.loads(script[len("window.LLMNOTES_GRAPH="):-2])
    nodes = len(data["k"])
    assert nodes >= CANVAS_FROM and len(data["x"]) == len(data["y"]) == len(data["id"]) == len(data["t"]) == nodes
    assert len(data["e"]) % 2 == 0 and all(0 <= i < nodes for i in data["e"])
    assert data["paths"]["note"].replace("{}", "note-00001") == "notes/note-00001/"
    note = data["id"].index("note-00001")
    assert data["kinds"][data["k"][note]] == "note" and data["t"][note].startswith("Note 1:")
    # The page: every topic a link, notes as one path of dots, no element per note, resource or edge.
    assert html.count('class="node node-topic"') == 40 and 'class="dots dots-note"' in html
    assert "node-note" not in html and "node-resource" not in html and "<line" not in html
    assert html.count(" M") + 1 >= 300 and len(html) < 100_000
    assert 'src="../graph/data.js"' in html and 'src="../static/graph-canvas.js"' in html and "graph.js\"" not in html


def test_the_footer_lists_the_largest_top_topics_and_links_to_all_of_them(make_site) -> None:
    topics = "".join(f"t{i:02d}:\n  title: Topic {i:02d}\n" for i in range(14))
    notes = {f"notes/n{i:02d}.md": f"---\ntitle: N{i}\ntopics: [{', '.join(f't{j:02d}' for j in range(i + 1))}]\n---\nText.\n" for i in range(14)}
    site = make_site({"notes/topics.yaml": topics, **notes}, sample=False)
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "n03" / "index.html").read_text()
    footer = page[page.index('<footer class="site-footer">'):]
    # t00 has 14 notes, t13 one: the twelve largest are t00–t11, the two smallest wait on the Topics page
    assert [f"topics/t{i:02d}/" in footer for i in range(14)] == [True] * 12 + [False] * 2
    assert '<a href="../../topics/">All 14 topics</a>' in footer
    few = make_site({"notes/topics.yaml": "a:\n  title: A\nb:\n  title: B\n", "notes/x.md": "---\ntitle: X\ntopics: [a]\n---\nT.\n"}, sample=False)
    for path in list((few / "notes").glob("n*.md")):
        path.unlink()
    (few / "notes" / "topics.yaml").write_text("a:\n  title: A\nb:\n  title: B\n")
    assert run_cli("build", cwd=few).returncode == 0
    small = (few / "build" / "notes" / "x" / "index.html").read_text()
    assert "topics/a/" in small[small.index("<footer"):] and "topics/b/" in small[small.index("<footer"):] and "All 2 topics" not in small
