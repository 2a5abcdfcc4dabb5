"""The built site in a real browser: Debian's Chromium driven by Playwright.

The site is served over HTTP on 127.0.0.1 under a subpath, and also opened straight from disk.
Screenshots land in test-artifacts/. In CI (CI=true) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from conftest import run_cli, write_files

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SUBPATH = "/reading/"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - reported by the fixture below
    sync_playwright = None


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """This repository's own reading list, built once for the module."""
    out = tmp_path_factory.mktemp("browser") / "build"
    result = run_cli("build", "--out", str(out), "--base-url", f"http://127.0.0.1{SUBPATH}", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def server(site: Path):
    """The build served at http://127.0.0.1:PORT/reading/, as a static host would."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if not path.startswith(SUBPATH):
                return str(site / "__nothing__")
            return super().translate_path("/" + path[len(SUBPATH):])

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            if code == 404:  # like a static host: the site's own 404 page
                body = (site / "404.html").read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().send_error(code, message, explain)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{SUBPATH}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        _missing("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _missing("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize(
    "path, heading",
    [
        ("", "LLM Notes"),
        ("topics/", "Topics"),
        ("topics/scale/", "Scale"),
        ("notes/transformer-explained/", "The transformer, explained"),
        ("resources/", "Resources"),
        ("search/", "Search"),
    ],
)
def test_every_page_kind_loads_without_console_errors(page, server, path: str, heading: str) -> None:
    response = page.goto(server + path)
    assert response.status == 200
    assert page.locator("h1").first.inner_text() == heading
    assert page.errors == []
    shot(page, "page-" + (path.strip("/").replace("/", "-") or "home"))


def test_search_finds_a_note_and_enter_opens_it(page, server) -> None:
    page.goto(server)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("chinchilla")
    page.keyboard.press("Enter")  # the header form goes to the search page with ?q=
    page.wait_for_selector("#search-results li")
    first = page.locator("#search-results li").first
    assert "matched in" in first.inner_text()
    page.fill("#q", "scaling laws")
    page.wait_for_function("document.querySelector('#search-results li a').textContent.includes('Scal')")
    title = page.locator("#search-results li a").first.inner_text()
    assert title == "Scale and scaling laws"  # a title match ranks first
    shot(page, "search")
    page.keyboard.press("Enter")
    page.wait_for_url("**/notes/scaling-laws/")
    assert page.locator("h1").first.inner_text() == "Scale and scaling laws"
    assert page.errors == []


def test_arrows_move_through_results(page, server) -> None:
    page.goto(server + "search/?q=attention")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li.active").get_attribute("id") == "result-0"
    page.keyboard.press("ArrowDown")
    assert page.locator("#search-results li.active").get_attribute("id") == "result-1"
    assert page.locator('#search-results li.active a[aria-current="true"]').count() == 1
    assert page.locator("#search-status").inner_text().startswith("2 of ")
    target = page.locator("#search-results li a").nth(1).evaluate("a => a.href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == target


def test_search_works_from_disk(browser, site: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / "search" / "index.html").as_uri() + "?q=tokenization")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li a").first.inner_text() == "Tokenization"
    page.keyboard.press("Enter")
    page.wait_for_url("**/notes/tokenization/index.html")
    assert errors == []
    context.close()


def test_search_loads_only_the_index_parts_a_query_needs(page, server, site: Path) -> None:
    page.goto(server + "search/?q=uszkoreit")
    page.wait_for_selector("#search-results li")
    first = page.locator("#search-results li").first
    assert "Attention Is All You Need" in first.inner_text() and "matched in summary" in first.inner_text()  # author
    page.fill("#q", "fleuret")
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('result')")
    page.fill("#q", "françois")  # non-ASCII words: the Python and JavaScript tokenisers agree
    page.wait_for_function("document.querySelector('#search-results').textContent.includes('Fleuret')")
    page.fill("#q", "tokeniz")  # the words of a query are prefixes, as the reader types them
    page.wait_for_function("document.querySelector('#search-results li a').textContent === 'Tokenization'")
    page.fill("#q", "chinchilla compute")
    page.wait_for_function("document.querySelector('#search-results li .where')")
    assert page.locator("#search-results mark").count() > 0
    words = page.evaluate("[...document.scripts].filter(s => s.src.includes('/search-index/w/')).length")
    docs = page.evaluate("[...document.scripts].filter(s => s.src.includes('/search-index/d/')).length")
    shards = len(list((site / "search-index" / "w").iterdir()))
    assert 0 < words < 12 < shards and 0 < docs <= 4 * 20  # four queries, at most one page of documents each
    assert page.errors == []


def test_a_match_in_a_note_text_loads_one_bundle_of_texts_for_its_snippet(page, server) -> None:
    page.goto(server + "search/?q=bottleneck")  # a word found only in one note's text
    page.wait_for_function("document.querySelector('#search-results .where')?.textContent.endsWith('matched in text')")
    assert page.locator("#search-results mark").first.inner_text().lower() == "bottleneck"
    loaded = page.evaluate("[...document.scripts].map(s => s.src.split('/search-index/')[1]).filter(Boolean)")
    assert sorted(name.split("/")[0] for name in loaded if "/" in name) == ["d", "w", "x"], loaded
    assert page.errors == []


def test_a_query_of_stop_words_only_asks_for_another_word(page, server) -> None:
    page.goto(server + "search/?q=the+of")
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('common')")
    assert page.locator("#search-status").inner_text() == "Only very common words: add another word."
    assert page.locator("#search-results li").count() == 0
    assert page.errors == []


def test_more_results_appends_the_next_page(page, server) -> None:
    page.goto(server + "search/?q=model")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() == 20
    status = page.locator("#search-status").inner_text()
    total = int(status.split()[0])
    assert total > 20 and "showing 20" in status
    page.click("#search-more")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 20")
    assert page.locator("#search-results li").count() == min(40, total)
    assert page.evaluate("document.activeElement.closest('li').id") == "result-20"
    assert page.errors == []


def test_theme_toggle_persists_across_pages(page, server) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(server)
    assert page.evaluate("document.documentElement.dataset.theme") is None
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_bg != light_bg
    page.goto(server + "topics/")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark_bg
    shot(page, "topics-dark")
    page.click(".theme-toggle")
    page.goto(server)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == light_bg


def test_unknown_address_shows_the_404_page_with_working_links(page, server) -> None:
    response = page.goto(server + "no/such/page/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"  # the stylesheet loaded
    page.click("text=topics")
    page.wait_for_url(server + "topics/")
    shot(page, "not-found")


def test_a_phone_screen_has_no_horizontal_scroll(browser, server) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    for path in ("", "notes/transformer-explained/", "resources/", "search/?q=gpt"):
        page.goto(server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path or 'home'} scrolls sideways by {overflow}px"
    shot(page, "phone-search")
    context.close()


def test_resource_index_filters_and_sorts(page, server) -> None:
    page.goto(server + "resources/")
    total = page.locator(".resource-index > li").count()
    assert total > 100
    page.select_option("select[name=kind]", "video")
    videos = page.locator(".resource-index > li:not([hidden])")
    assert 0 < videos.count() < total
    assert all(k == "video" for k in videos.evaluate_all("els => els.map(e => e.dataset.kind)"))
    page.select_option("select[name=kind]", "")
    page.select_option("select[name=sort]", "year")
    years = page.locator(".resource-index > li").evaluate_all("els => els.map(e => Number(e.dataset.year) || 0)")
    assert years == sorted(years, reverse=True)
    page.select_option("select[name=topic]", "tokenization")
    assert 0 < page.locator(".resource-index > li:not([hidden])").count() < total
    assert "shown" in page.locator(".resource-filters output").inner_text()
    assert page.errors == []
    shot(page, "resources-filtered")


def test_hovering_an_internal_link_previews_the_note(page, server) -> None:
    page.goto(server + "notes/scaling-laws/")
    link = page.locator("a.wikilink[data-preview]").first
    link.hover()
    card = page.locator(".preview-card")
    card.wait_for(state="visible")
    assert card.locator("strong").inner_text() == link.get_attribute("data-preview")
    assert card.inner_text().strip() != card.locator("strong").inner_text()  # the summary is shown too
    shot(page, "hover-preview")
    page.mouse.move(0, 0)
    assert card.is_hidden()
    link.focus()  # keyboard focus shows nothing
    assert card.is_hidden()
    assert page.errors == []


def test_graph_shows_nodes_and_a_click_opens_a_note(page, server) -> None:
    page.goto(server + "graph/")
    nodes = page.locator("svg.graph .node")
    assert nodes.count() > 150  # 16 topics, 29 notes, 144 resources
    before = page.locator("svg.graph").get_attribute("viewBox")
    page.locator("svg.graph").hover()
    page.mouse.wheel(0, -400)
    assert page.locator("svg.graph").get_attribute("viewBox") != before  # zoomed
    note = page.locator('svg.graph .node-note[data-id="note:tokenization"]')
    note.hover()
    assert page.locator("svg.graph.highlighting").count() == 1 and page.locator("svg.graph .edge.lit").count() > 0
    shot(page, "graph")
    with page.expect_navigation():
        note.locator("circle").click()
    assert page.locator("h1").first.inner_text() == "Tokenization"
    assert page.locator("svg.graph .node").count() > 3  # the note's neighbourhood, drawn at build time
    assert page.errors == []


CLIPPED_LABELS = """() => {
  const svg = document.querySelector('svg.graph'), box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter((t) => {
    const r = t.getBoundingClientRect();
    return r.right > box.right + 0.5 || r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
  }).map((t) => t.textContent);
}"""


def test_graph_labels_stay_inside_the_picture_at_1280(page, server) -> None:
    page.goto(server + "graph/")  # the page fixture is 1280 px wide
    assert page.locator("svg.graph text").count() > 3
    assert page.evaluate(CLIPPED_LABELS) == []
    page.goto(server + "notes/tokenization/")  # the neighbourhood picture on a note page
    assert page.evaluate(CLIPPED_LABELS) == []


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


GRAPH = "document.querySelector('.graph-large')"

# Where a node is on the screen, worked out as any script on the page could: its position in
# graph/data.js (window.LLMNOTES_GRAPH) through the view the frame publishes (data-view="s x y").
ON_SCREEN = """([kind, id]) => {
  const data = window.LLMNOTES_GRAPH, frame = document.querySelector('.graph-large');
  const j = data.id.findIndex((value, i) => value === id && data.kinds[data.k[i]] === kind);
  const [s, x, y] = frame.dataset.view.split(' ').map(Number);
  const box = frame.querySelector('canvas').getBoundingClientRect();
  return {x: box.left + data.x[j] * s + x, y: box.top + data.y[j] * s + y};
}"""


def on_screen(page, kind: str, id: str) -> dict[str, float]:
    return page.evaluate(ON_SCREEN, [kind, id])


def view(page) -> list[float]:
    """The canvas's view as [scale, x, y], from the frame's data-view."""
    return [float(v) for v in page.get_attribute(".graph-large", "data-view").split()]


def zoom_in_on(page, kind: str, id: str, scale: float) -> None:
    """Wheel over a node, as a reader would, until the view is at least `scale`."""
    for _ in range(20):
        if view(page)[0] >= scale:
            break
        spot = on_screen(page, kind, id)
        page.mouse.move(spot["x"], spot["y"])
        page.mouse.wheel(0, -240)
        page.wait_for_timeout(30)
    assert view(page)[0] >= scale
    page.wait_for_timeout(300)  # the zoom settles, the full picture is drawn


# The right end of every topic label (always drawn, 600 12px, right of its node) at the fitted view.
TOPIC_LABEL_ENDS = """() => {
  const data = window.LLMNOTES_GRAPH, frame = document.querySelector('.graph-large');
  const [s, x] = frame.dataset.view.split(' ').map(Number);
  const c = document.createElement('canvas').getContext('2d');
  c.font = '600 12px system-ui, sans-serif';
  const width = frame.querySelector('canvas').getBoundingClientRect().width, over = [];
  data.k.forEach((k, j) => {
    if (data.kinds[k] !== 'topic') return;
    const text = data.t[j].length > 40 ? `${data.t[j].slice(0, 39)}…` : data.t[j];
    const end = data.x[j] * s + x + Math.min(data.r[k] * s, data.r[k] * 2) + 3 + c.measureText(text).width;
    if (end > width) over.push(data.t[j]);
  });
  return over;
}"""


def test_canvas_topic_labels_fit_inside_the_canvas_at_1280(page, large_site: Path) -> None:
    page.goto((large_site / "graph" / "index.html").as_uri())
    page.wait_for_function(GRAPH + ".dataset.drawn")
    assert page.evaluate(TOPIC_LABEL_ENDS) == []


def test_a_large_graph_is_drawn_on_a_canvas_and_a_click_opens_a_note(page, large_site: Path) -> None:
    page.goto((large_site / "graph" / "index.html").as_uri())
    page.wait_for_function(GRAPH + ".dataset.drawn")
    assert page.locator(".graph-large canvas").count() == 1 and page.locator(".graph-large svg").count() == 0
    nodes = int(page.evaluate(GRAPH + ".dataset.drawn").split()[0])
    assert nodes > 300  # topics and notes at the overview; resources wait until zoomed in
    shot(page, "graph-canvas")
    # Zoom in on one note with the wheel: resources appear, and hovering the note lights its neighbours.
    page.locator(".graph-large").scroll_into_view_if_needed()
    zoom_in_on(page, "note", "note-00007", 4)
    spot = on_screen(page, "note", "note-00007")
    page.mouse.move(spot["x"] + 1, spot["y"])
    page.wait_for_function(GRAPH + ".dataset.hovered === 'note:note-00007'")
    assert page.locator(".graph-tip").inner_text().startswith("Note 7:")
    assert page.locator(".graph-large [role=status]").text_content().startswith("Note 7:")  # read out, too
    shot(page, "graph-canvas-hover")
    page.mouse.click(spot["x"], spot["y"])
    page.wait_for_url("**/notes/note-00007/index.html")
    assert page.locator("h1").first.inner_text().startswith("Note 7:")
    assert page.errors == []


def test_the_canvas_follows_the_theme_and_keys_move_it(page, large_site: Path) -> None:
    page.goto((large_site / "graph" / "index.html").as_uri())
    page.wait_for_function(GRAPH + ".dataset.drawn")
    corner = "(() => { const c = document.querySelector('.graph-canvas'); return Array.from(c.getContext('2d').getImageData(2, 2, 1, 1).data.slice(0, 3)); })()"
    light = page.evaluate(corner)
    page.click(".theme-toggle")
    page.wait_for_timeout(100)
    dark = page.evaluate(corner)
    assert sum(dark) < sum(light) - 300  # the background is redrawn dark
    page.focus(".graph-large")
    before = view(page)
    page.keyboard.press("ArrowLeft")
    assert view(page)[1] > before[1]  # the picture moved right: the view looks further left
    page.keyboard.press("+")
    assert view(page)[0] > before[0]
    page.keyboard.press("0")
    assert view(page) == before
    # The node at the centre of the view is the keyboard's pointer: + keeps it there, Enter opens it.
    # Zoom in on a note, drag it to the middle, take the mouse away, then only keys.
    page.locator(".graph-large").scroll_into_view_if_needed()
    zoom_in_on(page, "note", "note-00003", 1.5)
    spot = on_screen(page, "note", "note-00003")
    box = page.locator(".graph-large canvas").bounding_box()
    page.mouse.move(spot["x"], spot["y"])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()  # a drag, not a click: the page stays
    page.mouse.move(0, 0)
    page.wait_for_function(GRAPH + ".dataset.hovered === undefined")
    page.focus(".graph-large")
    page.keyboard.press("+")
    page.wait_for_function(GRAPH + ".dataset.hovered === 'note:note-00003'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/notes/note-00003/index.html")
    assert page.errors == []


def test_without_script_a_large_graph_shows_its_overview(browser, large_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((large_site / "graph" / "index.html").as_uri())
    assert page.locator(".graph-large svg .node-topic").count() == 40 and page.locator(".graph-large .dots-note").is_visible()
    assert page.locator("noscript").count() == 1
    shot(page, "graph-overview-no-script")
    page.locator(".graph-large svg .node-topic").first.click()
    page.wait_for_url("**/topics/topic-*/")  # on disk without script, a folder: the browser lists its index.html
    context.close()


def test_axe_finds_no_violations_on_the_canvas_graph(page, large_site: Path) -> None:
    if not AXE.exists():
        _missing("axe-core is not installed (npm install)")
    page.goto((large_site / "graph" / "index.html").as_uri())
    page.wait_for_function(GRAPH + ".dataset.drawn")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"]] == []


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("path", ["", "topics/scale/", "notes/transformer-explained/", "resources/", "search/?q=attention", "graph/"])
def test_axe_finds_no_violations(page, server, path: str, theme: str) -> None:
    if not AXE.exists():
        _missing("axe-core is not installed (npm install)")
    page.emulate_media(color_scheme=theme)
    page.goto(server + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert problems == [], "\n".join(problems)


def test_no_layout_shift_when_scripts_load(browser, server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(
        "window.__shift = 0; new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    for path in ("", "notes/transformer-explained/", "resources/", "search/?q=attention"):
        page.goto(server + path, wait_until="load")
        page.wait_for_timeout(300)
        shift = page.evaluate("window.__shift")
        assert shift < 0.01, f"{path or 'home'} shifted by {shift}"  # 0.1 is where "needs improvement" starts
    assert page.locator(".theme-toggle").is_visible()
    context.close()


def test_search_finds_words_that_are_names_of_object_properties(browser, tmp_path: Path) -> None:
    """`__proto__`, `constructor`, `toString`: words like any other, not holes in an object used as a map."""
    site = tmp_path / "proto"
    (site / "notes").mkdir(parents=True)
    (site / "notes" / "objects.md").write_text("---\ntitle: Prototype chains\nsummary: About __proto__ and the constructor property.\n---\nEvery object has toString.\n")
    (site / "notes" / "other.md").write_text("---\ntitle: Something else\n---\nNothing to see.\n")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    context = browser.new_context()
    page = context.new_page()
    for word in ("__proto__", "constructor", "tostring"):
        page.goto((site / "build" / "search" / "index.html").as_uri() + f"?q={word}")
        page.wait_for_function("document.querySelector('#search-status').textContent.includes('result')")
        assert page.locator("#search-results li a").first.inner_text() == "Prototype chains", word
    context.close()


@pytest.fixture(scope="module")
def status_site(tmp_path_factory) -> Path:
    """Two notes citing three resources with reading statuses, one resource with two different ones."""
    folder = tmp_path_factory.mktemp("status")

    def cite(url: str, title: str, status: str) -> str:
        return f"  - url: {url}\n    title: {title}\n    note: Why.\n    status: {status}\n"

    write_files(folder, {
        "notes/topics.yaml": "basics:\n  title: Basics\n",
        "notes/a.md": "---\ntitle: A\ntopics: [basics]\nlinks:\n"
        + cite("https://example.org/x", "Paper X", "to-read") + cite("https://example.org/y", "Paper Y", "to-read") + "---\nA.\n",
        "notes/b.md": "---\ntitle: B\ntopics: [basics]\nafter: [a]\nlinks:\n"
        + cite("https://example.org/x", "Paper X", "read") + cite("https://example.org/z", "Paper Z", "reading") + "---\nB.\n",
    })
    result = run_cli("build", "--out", str(folder / "build"), cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "build"


def test_status_badges_filter_and_counts(page, status_site: Path) -> None:
    page.goto((status_site / "resources" / "index.html").as_uri())
    badges = {
        li.locator(".resource-title").inner_text(): li.locator(".status").inner_text()
        for li in page.locator(".resource-index > li").all()
    }
    assert badges == {"Paper X": "read", "Paper Y": "to read", "Paper Z": "reading"}  # X: the most advanced wins
    page.select_option("select[name=status]", "to-read")
    assert page.locator(".resource-index > li:not([hidden]) .resource-title").all_inner_texts() == ["Paper Y"]
    page.select_option("select[name=status]", "read")
    assert page.locator(".resource-index > li:not([hidden]) .resource-title").all_inner_texts() == ["Paper X"]
    page.goto((status_site / "index.html").as_uri())
    assert page.locator(".reading-status").inner_text() == "Resources: 1 read · 1 reading · 1 to read"
    page.goto((status_site / "topics" / "basics" / "index.html").as_uri())
    assert page.locator(".reading-status").inner_text() == "Resources: 1 read · 1 reading · 1 to read"
    page.goto((status_site / "notes" / "a" / "index.html").as_uri())
    assert page.locator(".resource .status").all_inner_texts() == ["to read", "to read"]  # the note's own status
    assert page.errors == []


def test_mark_as_read_persists_and_fills_the_home_progress_bar(page, status_site: Path) -> None:
    home = (status_site / "index.html").as_uri()  # from disk: localStorage works from file:// too
    page.goto(home)
    bars = page.locator(".path-progress:not([data-pending]) progress")
    assert bars.count() == 1  # the reading path a → b
    total = int(bars.first.get_attribute("max"))
    assert page.locator(".path-progress-text").first.inner_text() == f"0 of {total} read"
    first = page.locator(".reading-path li[data-note]").first
    slug = first.get_attribute("data-note")
    page.goto((status_site / "notes" / slug / "index.html").as_uri())
    ready = ".mark-read:not([data-pending])"  # progress.js (deferred) has read localStorage into the button
    page.wait_for_selector(ready)
    button = page.get_by_role("button", name="Mark as read")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    page.reload()
    page.wait_for_selector(ready)
    assert page.get_by_role("button", name="Mark as read").get_attribute("aria-pressed") == "true"
    page.goto(home)
    assert page.locator(".path-progress-text").first.inner_text() == f"1 of {total} read"
    assert page.locator("progress").first.evaluate("p => p.value") == 1
    assert "is-read" in (first.get_attribute("class") or "")
    assert page.errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_reading_progress_is_axe_clean_and_does_not_shift_the_layout(browser, status_site: Path, theme: str) -> None:
    if not AXE.exists():
        _missing("axe-core is not installed (npm install)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=theme)
    page = context.new_page()
    page.add_init_script(
        "window.__shift = 0; new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    note = (status_site / "notes" / "a" / "index.html").as_uri()
    page.goto(note)
    page.get_by_role("button", name="Mark as read").click()  # a read note: the pressed state and a part-filled bar
    for url in (note, (status_site / "index.html").as_uri()):
        page.goto(url, wait_until="load")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__shift") < 0.01, url
        assert page.locator("[data-pending]").count() == 0
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        assert [f"{v['id']}: {v['nodes'][0]['target']}" for v in result["violations"]] == [], url
    context.close()
