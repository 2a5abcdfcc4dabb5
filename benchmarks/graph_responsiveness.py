"""How the graph page of a large build behaves in Chromium: load time, node count, and the time from
a zoom or a hover to the next painted frame.

    python benchmarks/generate.py 10000 benchmarks/corpus/10000
    (cd benchmarks/corpus/10000 && llmnotes build --out /tmp/b10k)
    python benchmarks/graph_responsiveness.py /tmp/b10k
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

FRAME = """async (action) => {
  const svg = document.querySelector('svg.graph');
  const t0 = performance.now();
  if (action === 'zoom') {
    const r = svg.getBoundingClientRect();
    svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true}));
  } else {
    const nodes = svg.querySelectorAll('.node-note');
    nodes[Math.floor(Math.random() * nodes.length)].dispatchEvent(new PointerEvent('pointerover', {bubbles: true}));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def main() -> None:
    site = Path(sys.argv[1])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto((site / "graph" / "index.html").as_uri(), wait_until="load", timeout=300_000)
        loaded = time.perf_counter() - started
        nodes = page.locator("svg.graph .node").count()
        page.evaluate(FRAME, "zoom")  # warm up
        zooms = [page.evaluate(FRAME, "zoom") for _ in range(7)]
        hovers = [page.evaluate(FRAME, "hover") for _ in range(7)]
        size = (site / "graph" / "index.html").stat().st_size
        print(f"graph page {size / 1e6:.1f} MB, {nodes:,} nodes: load {loaded:.1f} s, "
              f"zoom to next frame {statistics.median(zooms):.0f} ms, hover highlight {statistics.median(hovers):.0f} ms (medians of 7)")
        browser.close()


if __name__ == "__main__":
    main()
