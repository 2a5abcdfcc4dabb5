"""What a search costs a reader of a large site, in Chromium: bytes downloaded and time to results,
for llmnotes' sharded index and, in the same run, for Pagefind over the same built pages.

    python benchmarks/generate.py 10000 benchmarks/corpus/10000
    (cd benchmarks/corpus/10000 && llmnotes build --out /tmp/b10k)
    npm install --prefix /tmp/pf pagefind@1          # optional peer
    python benchmarks/search_cost.py /tmp/b10k --pagefind /tmp/pf/node_modules/.bin/pagefind --runs 5

Each run opens a fresh browser context (cold cache) over HTTP on 127.0.0.1, waits until the search
is ready (llmnotes: its small entry file; Pagefind: `init()`, which loads its WebAssembly and
metadata), then times one query until the first 20 results with their texts are in hand.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

QUERIES = ("model", "attention training", "resource 1234", "interpretab")

OURS = """async (q) => {
  performance.clearResourceTimings();
  const box = document.getElementById('q'), status = document.getElementById('search-status');
  const done = new Promise(resolve => new MutationObserver((_, o) => {
    if (/result/.test(status.textContent)) { o.disconnect(); resolve(); }
  }).observe(status, {childList: true, characterData: true, subtree: true}));
  const t0 = performance.now();
  box.value = q; box.dispatchEvent(new Event('input'));
  await done;
  const ms = performance.now() - t0;
  return {ms, found: status.textContent};
}"""

PAGEFIND = """async (q) => {
  const pf = await import('/pagefind/pagefind.js');
  const t0 = performance.now();
  const search = await pf.search(q);
  await Promise.all(search.results.slice(0, 20).map(r => r.data()));
  const ms = performance.now() - t0;
  return {ms, found: search.results.length + ' results'};
}"""

PAGEFIND_READY = "async () => { const pf = await import('/pagefind/pagefind.js'); await pf.init(); }"


SENT: list[tuple[int, int]] = []  # (bytes, gzipped bytes) of each search file served


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Counted on the server: Pagefind fetches from a worker, which the page's resource timing misses."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def send_head(self):
            head = super().send_head()
            if head is not None and ("/search-index/" in self.path or "/pagefind/" in self.path):
                data = Path(self.translate_path(self.path)).read_bytes()
                SENT.append((len(data), len(gzip.compress(data))))
            return head

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def folder_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def measure(browser, url: str, script: str, query: str, ready: str, wait: bool) -> dict:
    context = browser.new_context()
    page = context.new_page()
    SENT.clear()
    page.goto(url)
    page.wait_for_function(ready) if wait else page.evaluate(ready)
    startup = sum(gz for _, gz in SENT)
    SENT.clear()
    result = page.evaluate(script, query)
    sent = list(SENT)
    context.close()
    return result | {"startup": startup, "files": len(sent), "bytes": sum(b for b, _ in sent), "gzip": sum(g for _, g in sent)}


def report(name: str, runs: list[dict]) -> None:
    ms = statistics.median(r["ms"] for r in runs)
    print(f"  {name:9} {ms:7.1f} ms  {runs[0]['files']:3d} files  {runs[0]['bytes'] / 1e3:7.1f} kB ({runs[0]['gzip'] / 1e3:6.1f} kB gzipped)  "
          f"ready after {runs[0]['startup'] / 1e3:.1f} kB gzipped  {runs[0]['found']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a built site")
    parser.add_argument("--pagefind", help="the pagefind binary, to index a copy of the site as the peer")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    total, count = folder_bytes(args.site / "search-index")
    words, shards = folder_bytes(args.site / "search-index" / "w")
    print(f"llmnotes index: {total / 1e6:.1f} MB in {count:,} files; word lists {words / 1e6:.2f} MB in {shards} shards, "
          f"largest {max(p.stat().st_size for p in (args.site / 'search-index' / 'w').iterdir()) / 1e3:.0f} kB")
    servers = [serve(args.site)]
    peer = None
    if args.pagefind:
        peer = Path(tempfile.mkdtemp(prefix="pagefind-site-"))
        shutil.copytree(args.site, peer, dirs_exist_ok=True)
        shutil.rmtree(peer / "search-index")
        started = time.perf_counter()
        subprocess.run([args.pagefind, "--site", str(peer)], check=True, capture_output=True)
        total, count = folder_bytes(peer / "pagefind")
        print(f"Pagefind index: {total / 1e6:.1f} MB in {count:,} files, built in {time.perf_counter() - started:.1f} s")
        servers.append(serve(peer))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
            for query in QUERIES:
                print(f"query {query!r} (medians of {args.runs} cold runs):")
                ours = [measure(browser, servers[0][1] + "search/", OURS, query,
                                "document.getElementById('search-status').textContent === 'Type to search.'", True) for _ in range(args.runs)]
                report("llmnotes", ours)
                if peer:
                    theirs = [measure(browser, servers[1][1] + "search/", PAGEFIND, query, PAGEFIND_READY, False) for _ in range(args.runs)]
                    report("Pagefind", theirs)
                    print(f"  llmnotes ÷ Pagefind: time {statistics.median(r['ms'] for r in ours) / statistics.median(r['ms'] for r in theirs):.2f}×, "
                          f"gzipped bytes {ours[0]['gzip'] / theirs[0]['gzip']:.2f}×")
            browser.close()
    finally:
        for server, _ in servers:
            server.shutdown()
        if peer:
            shutil.rmtree(peer, ignore_errors=True)


if __name__ == "__main__":
    main()
