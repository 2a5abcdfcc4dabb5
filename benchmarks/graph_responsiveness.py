"""How the graph page of a build behaves in Chromium: load time, node count, and the time from a
zoom, a pan or a hover to the next painted frame.

    python benchmarks/generate.py 10000 benchmarks/corpus/10000
    (cd benchmarks/corpus/10000 && llmnotes build --out /tmp/b10k)
    python benchmarks/graph_responsiveness.py /tmp/b10k
    python benchmarks/graph_responsiveness.py "$PWD/build"      # this reading list (SVG)

Small graphs are SVG elements (static/graph.js); from graphview.CANVAS_FROM nodes the page draws on
a canvas (static/graph-canvas.js). The same actions are timed on either: a wheel zoom at the centre,
a drag, and a hover over a note, each until two animation frames have passed (so about 33 ms at
best); for the canvas, also the whole graph drawn in full (as after a change of theme, or once a
zoom settles), and a pan and a hover zoomed in, where labels and resources are drawn. The benchmark
acts as a reader does, with wheel, pointer and key events and the theme toggle, and finds the nodes
from graph/data.js and the view the canvas publishes on its frame.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

SVG = """async (action) => {
  const svg = document.querySelector('svg.graph');
  const r = svg.getBoundingClientRect();
  const t0 = performance.now();
  if (action === 'zoom') {
    svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true}));
  } else if (action === 'pan') {
    svg.dispatchEvent(new PointerEvent('pointerdown', {clientX: r.left + 100, clientY: r.top + 100, bubbles: true}));
    window.dispatchEvent(new PointerEvent('pointermove', {clientX: r.left + 140, clientY: r.top + 120, bubbles: true}));
    window.dispatchEvent(new PointerEvent('pointerup', {bubbles: true}));
  } else {
    const nodes = svg.querySelectorAll('.node-note');
    nodes[Math.floor(Math.random() * nodes.length)].dispatchEvent(new PointerEvent('pointerover', {bubbles: true}));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""

# Where a node is on the canvas, as any script on the page can work it out: its position in
# graph/data.js through the view the frame publishes (data-view="s x y", see static/graph-canvas.js).
WHERE = """(kind, id) => {
    const frame = document.querySelector('.graph-large'), data = window.LLMNOTES_GRAPH;
    const j = data.id.findIndex((value, i) => value === id && data.kinds[data.k[i]] === kind);
    const [s, x, y] = frame.dataset.view.split(' ').map(Number);
    return {x: data.x[j] * s + x, y: data.y[j] * s + y, s};
  }"""

CANVAS = """async (action) => {
  const frame = document.querySelector('.graph-large'), canvas = frame.querySelector('canvas');
  const r = canvas.getBoundingClientRect();
  const where = WHERE;
  const twoFrames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const at = (x, y) => ({clientX: r.left + x, clientY: r.top + y, bubbles: true, pointerId: 1, pointerType: 'mouse'});
  const note = action === 'hover' && where('note', `note-${String(Math.floor(Math.random() * 100)).padStart(5, '0')}`);
  const t0 = performance.now();
  if (action === 'zoom') {
    canvas.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true}));
  } else if (action === 'pan') {
    canvas.dispatchEvent(new PointerEvent('pointermove', at(100, 100)));
    canvas.dispatchEvent(new PointerEvent('pointerdown', at(100, 100)));
    canvas.dispatchEvent(new PointerEvent('pointermove', at(140, 120)));
    canvas.dispatchEvent(new PointerEvent('pointerup', at(140, 120)));
  } else if (action === 'full') {
    document.querySelector('.theme-toggle').click();  // a new theme: the view is drawn again in full
  } else {
    canvas.dispatchEvent(new PointerEvent('pointermove', {clientX: r.left + note.x, clientY: r.top + note.y, bubbles: true, pointerType: 'mouse'}));
  }
  await twoFrames();
  return performance.now() - t0;
}""".replace("WHERE", WHERE)

# The whole graph in view, settled: the 0 key, then more than the 150 ms pause after which a
# moving view is drawn in full.
FIT = """async () => {
  document.querySelector('.graph-large').dispatchEvent(new KeyboardEvent('keydown', {key: '0', bubbles: true}));
  await new Promise(done => setTimeout(done, 300));
}"""

# Zoomed in on one note, at the centre: one wheel event over it to the scale asked for, then a drag
# that brings it to the middle of the canvas; then the view settles.
ZOOM_IN = """async ([id, scale]) => {
  const canvas = document.querySelector('.graph-large canvas'), r = canvas.getBoundingClientRect();
  const where = WHERE;
  const at = (x, y) => ({clientX: r.left + x, clientY: r.top + y, bubbles: true, pointerId: 1, pointerType: 'mouse'});
  let p = where('note', id);
  const deltaY = -100 * Math.log(scale / p.s) / Math.log(1.2);  // the canvas zooms by 1.2 per 100
  canvas.dispatchEvent(new WheelEvent('wheel', {deltaY, clientX: r.left + p.x, clientY: r.top + p.y, bubbles: true, cancelable: true}));
  p = where('note', id);
  if (Math.abs(p.x - r.width / 2) + Math.abs(p.y - r.height / 2) > 3) {  // less would be a click, opening the note
    canvas.dispatchEvent(new PointerEvent('pointerdown', at(p.x, p.y)));
    canvas.dispatchEvent(new PointerEvent('pointermove', at(r.width / 2, r.height / 2)));
    canvas.dispatchEvent(new PointerEvent('pointerup', at(r.width / 2, r.height / 2)));
  }
  await new Promise(done => setTimeout(done, 300));
}""".replace("WHERE", WHERE)


def median_ms(page, script: str, action: str, runs: int = 7) -> float:
    page.evaluate(script, action)  # warm up
    return statistics.median(page.evaluate(script, action) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="a built site: the folder `llmnotes build --out` wrote")
    site = parser.parse_args().site.resolve()
    page_file = site / "graph" / "index.html"
    if not page_file.exists():
        parser.error(f"{page_file} does not exist: give the folder of a built site")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(page_file.as_uri(), wait_until="load", timeout=300_000)
        canvas = page.locator(".graph-large canvas").count() == 1
        if canvas:
            page.wait_for_function("document.querySelector('.graph-large').dataset.drawn")
        loaded = time.perf_counter() - started
        size = page_file.stat().st_size + ((site / "graph" / "data.js").stat().st_size if canvas else 0)
        if canvas:
            nodes = page.evaluate("LLMNOTES_GRAPH.k.length")
            script = CANVAS
        else:
            nodes = page.locator("svg.graph .node").count()
            script = SVG
        results = {action: median_ms(page, script, action) for action in ("zoom", "pan", "hover")}
        line = (f"{'canvas' if canvas else 'SVG'}: graph page and data {size / 1e6:.1f} MB, {nodes:,} nodes: load {loaded:.2f} s, "
                f"zoom {results['zoom']:.0f} ms, pan {results['pan']:.0f} ms, hover {results['hover']:.0f} ms")
        if canvas:
            page.evaluate(FIT)
            full = median_ms(page, CANVAS, "full")
            page.evaluate(ZOOM_IN, ["note-00001", 1.5])
            zoomed = {action: median_ms(page, CANVAS, action) for action in ("pan", "hover")}
            line += (f"; whole graph drawn in full {full:.0f} ms; zoomed in (labels, resources): "
                     f"pan {zoomed['pan']:.0f} ms, hover {zoomed['hover']:.0f} ms")
        print(line + " (medians of 7; time to the second animation frame)")
        browser.close()


if __name__ == "__main__":
    main()
