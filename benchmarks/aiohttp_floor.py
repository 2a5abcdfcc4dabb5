"""The least any checker built on aiohttp could take: every URL of the corpus, HEAD, 128 in flight.

    python benchmarks/aiohttp_floor.py --input benchmarks/corpus/links-20000/lychee-input --output report.json

benchmarks/bench_links.py runs it beside llmnotes and lychee in scenario (a) (`--tools aiohttp`), so
the three are measured in the same run. It reads the URLs from the plain Markdown files lychee reads
(one `[text](url)` a line), imports aiohttp and sends a HEAD for each URL with 128 workers over one
connection pool per host, as llmnotes does, with none of a real checker's work: no notes, no
validation, no redirects, no retries, no deadlines, no cookies, one line of JSON per URL. What it
takes above the latency floor (URLs x latency / 128) is Python's start-up, aiohttp's import and
aiohttp's own cost per request on this machine.

Its report has llmnotes' shape (`{"results": [{"url", "verdict"}]}`, verdict "ok" for a 200) so the
harness checks it the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from pathlib import Path

import aiohttp

_LINK = re.compile(r"\]\((http[^)\s]+)\)")


async def check(urls: list[str], in_flight: int) -> dict[str, int]:
    by_host: dict[str, aiohttp.ClientSession] = {}
    for url in urls:
        host = url.split("/", 3)[2]
        if host not in by_host:
            by_host[host] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=in_flight, limit_per_host=in_flight),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=None, sock_read=None),
            )
    statuses: dict[str, int] = {}
    pending = iter(urls)

    async def worker() -> None:
        for url in pending:
            response = await by_host[url.split("/", 3)[2]].head(url, allow_redirects=False)
            statuses[url] = response.status
            response.release()

    try:
        await asyncio.gather(*(worker() for _ in range(in_flight)))
    finally:
        await asyncio.gather(*(s.close() for s in by_host.values()))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, required=True, help="folder of Markdown files, one [text](url) a line")
    parser.add_argument("--output", type=Path, required=True, help="the JSON report")
    parser.add_argument("--in-flight", type=int, default=128)
    args = parser.parse_args()
    urls = list(dict.fromkeys(u for f in sorted(args.input.glob("*.md")) for u in _LINK.findall(f.read_text("utf-8"))))
    statuses = asyncio.run(check(urls, args.in_flight))
    rows = [{"url": u, "verdict": "ok" if s == 200 else "broken", "status": s} for u, s in statuses.items()]
    args.output.write_text(json.dumps({"results": rows}), encoding="utf-8")


if __name__ == "__main__":
    main()
