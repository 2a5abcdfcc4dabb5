#!/usr/bin/env python3
"""Check that every URL in the seed documents is cited by a note.

Reads every URL in the seed files (``*.txt`` under ``--seeds``) and every
``url`` and ``discussion`` URL in the front-matter ``links:`` of the notes
(``*.md`` under ``--notes``), normalizes both, and prints the seed URLs that
no note covers yet. Exits 1 if any is missing.

Normalization: lowercase scheme and host, ``http`` treated as ``https``,
``www.`` dropped, default port dropped, fragment dropped, trailing slash and
a trailing ``index.html`` dropped, percent-encoding in the path decoded,
tracking query parameters (``utm_*``, ``si``) dropped, ``youtu.be/ID`` read
as ``youtube.com/watch?v=ID``, ``twitter.com`` read as ``x.com`` (whose query
string is dropped), and every arXiv form (``abs/X``, ``pdf/X``,
``pdf/X.pdf``, ``XvN``) reduced to ``arxiv.org/abs/X``.

A seed URL cut short with ``...`` or ``…`` is covered by any note URL that
starts with what is left of it.

Standard library plus llmnotes itself (its loader reads the notes). The seed text is read at run time; none of
it is stored in the repository.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
DEFAULT_NOTES = REPO_ROOT / "notes"

URL_RE = re.compile(r"https?://[^\s<>\[\]\"'`]+")
TRUNCATION_MARKS = ("...", "\u2026")
TRAILING_PUNCT = ".,;:!?"
DEFAULT_PORTS = {"http": 80, "https": 443}
ARXIV_RE = re.compile(r"^/(?:abs|pdf)/(.+?)(?:\.pdf)?$")
ARXIV_VERSION_RE = re.compile(r"v\d+$")


def is_truncated(url: str) -> bool:
    return url.endswith(TRUNCATION_MARKS)


def clean_extracted(url: str) -> str:
    """Strip trailing punctuation and unbalanced closing brackets."""
    while True:
        before = url
        if not is_truncated(url):
            url = url.rstrip(TRAILING_PUNCT)
        if url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1]
        if url == before:
            return url


def extract_urls(text: str) -> list[str]:
    """Return the URLs in ``text`` in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in URL_RE.finditer(text):
        seen.setdefault(clean_extracted(match.group(0)), None)
    return list(seen)


def normalize(url: str) -> str:
    """Return a canonical form of ``url`` for comparison."""
    url = url.strip()
    for mark in TRUNCATION_MARKS:
        if url.endswith(mark):
            url = url[: -len(mark)]
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host
    if port and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        netloc = f"{host}:{port}"
    path = unquote(parts.path)
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    path = path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() != "si"
    ]

    if host == "youtu.be" and path.strip("/"):
        query = [("v", path.strip("/"))] + [(k, v) for k, v in query if k != "v"]
        host = netloc = "youtube.com"
        path = "/watch"
    if host in {"twitter.com", "mobile.twitter.com", "x.com"}:
        host = netloc = "x.com"
        query = []
    if host in {"arxiv.org", "export.arxiv.org"}:
        match = ARXIV_RE.match(path)
        if match:
            paper = ARXIV_VERSION_RE.sub("", match.group(1))
            host = netloc = "arxiv.org"
            path = f"/abs/{paper}"
            query = []

    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def read_seed_urls(seeds_dir: Path) -> list[str]:
    urls: dict[str, None] = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        for url in extract_urls(path.read_text(encoding="utf-8")):
            urls.setdefault(url, None)
    return list(urls)


def read_note_urls(notes_dir: Path) -> list[str]:
    """Every URL the site cites: front-matter links, their discussions, and body links.

    Read with llmnotes' own loader, so this sees exactly what a build sees."""
    from llmnotes.load import load_all

    loaded = load_all(notes_dir, drafts=True)
    urls: list[str] = []
    for note in loaded.notes:
        for entry in note.links:
            urls.append(entry.url)
            urls += [url for url, _ in entry.discussion]
        urls += [link.url for link in note.body_links]
    return urls


def missing_seed_urls(seed_urls: list[str], note_urls: list[str]) -> list[str]:
    covered = {normalize(u) for u in note_urls}
    missing = []
    for url in seed_urls:
        wanted = normalize(url)
        if is_truncated(url):
            ok = any(c.startswith(wanted) for c in covered)
        else:
            ok = wanted in covered
        if not ok:
            missing.append(url)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS,
                        help="directory of seed *.txt files (default: %(default)s)")
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES,
                        help="directory of note *.md files (default: %(default)s)")
    args = parser.parse_args(argv)

    if not args.seeds.is_dir():
        print(f"error: seeds directory not found: {args.seeds}", file=sys.stderr)
        return 2
    seed_urls = read_seed_urls(args.seeds)
    note_urls = read_note_urls(args.notes) if args.notes.is_dir() else []
    missing = missing_seed_urls(seed_urls, note_urls)
    for url in missing:
        print(f"missing: {url}")
    print(f"matched {len(seed_urls) - len(missing)} of {len(seed_urls)} seed URLs")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
