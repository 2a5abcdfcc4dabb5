"""How long from saving a note (or a template) to the open page showing the change, with `llmnotes serve`.

    python benchmarks/serve_latency.py benchmarks/corpus/1000 --runs 5

Starts `llmnotes serve` on the site folder, opens a note page in Debian's Chromium (Playwright), and
for each run writes a new summary into the note and times, in the browser, from the file write to the
DOM showing it (`performance.timeOrigin` plus the navigation timing gives the wall clock: the reloaded document's DOMContentLoaded, once it holds the text; the write is stamped with
`time.time()` just before it). Then the same
for a template edit (a site template overriding the footer). Medians of the runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 600) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if text in line:
            return
        if not line and proc.poll() is not None:
            raise SystemExit("serve stopped")
    raise SystemExit(f"never saw {text!r}")


SHOWN = """(marker) => {
  if (!document.body || !document.body.textContent.includes(marker)) return 0;
  const nav = performance.getEntriesByType("navigation")[0];
  return performance.timeOrigin + (nav ? nav.domContentLoadedEventStart : performance.now());
}"""


def shown_at(page, marker: str) -> float:
    """Wall-clock time (s) at which the page's DOM held `marker`: the reloaded document's
    DOMContentLoaded, read once the page shows it."""
    page.wait_for_function(f"({SHOWN})({marker!r}) > 0", timeout=600_000, polling=50)
    return float(page.evaluate(SHOWN, marker)) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="a site folder (with notes/), e.g. a generated corpus")
    parser.add_argument("--note", default=None, help="slug of the note to edit (default: the first)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    site = args.site.resolve()
    slug = args.note or sorted(p.stem for p in (site / "notes").glob("*.md"))[0]
    note = site / "notes" / f"{slug}.md"
    original = note.read_text()
    footer = site / "templates" / "partials" / "footer.html"
    footer_existed = footer.exists()
    theme_footer = Path(__file__).resolve().parents[1] / "templates" / "partials" / "footer.html"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmnotes", "serve", "--port", str(port)], cwd=site, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    note_times: list[float] = []
    template_times: list[float] = []
    try:
        wait_for(proc, "serve: http://")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/notes/{slug}/")
            time.sleep(0.5)
            for i in range(args.runs):
                marker = f"latency-probe-{i}-{time.time_ns()}"
                written = time.time()
                note.write_text(original.replace("summary: ", f"summary: {marker} ", 1) if "summary: \"" not in original else original.replace('summary: "', f'summary: "{marker} ', 1))
                note_times.append(shown_at(page, marker) - written)
                time.sleep(0.3)
            note.write_text(original)
            page.wait_for_function("!document.body.textContent.includes('latency-probe-')", timeout=600_000, polling=100)
            footer.parent.mkdir(parents=True, exist_ok=True)
            base = theme_footer.read_text()
            for i in range(args.runs):
                marker = f"template-probe-{i}-{time.time_ns()}"
                written = time.time()
                footer.write_text(base.replace("built with llmnotes", f"built with llmnotes {marker}"))
                template_times.append(shown_at(page, marker) - written)
                time.sleep(0.3)
            browser.close()
    finally:
        note.write_text(original)
        if not footer_existed:
            footer.unlink(missing_ok=True)
            if footer.parent.is_dir() and not any(footer.parent.iterdir()):
                shutil.rmtree(site / "templates", ignore_errors=True)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    notes = len(list((site / "notes").rglob("*.md")))
    print(f"| notes | edit | save → page shows it (median of {args.runs}) | min | max |")
    print("|---:|---|---:|---:|---:|")
    for label, times in (("a note", note_times), ("a template", template_times)):
        print(f"| {notes:,} | {label} | {statistics.median(times):.2f} s | {min(times):.2f} s | {max(times):.2f} s |")


if __name__ == "__main__":
    main()
