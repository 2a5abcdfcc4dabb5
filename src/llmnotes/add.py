"""`llmnotes add URL`: look a URL up and append a complete resource to a note's `links:`.

Without `--note` the resource goes to `notes/inbox.md` (made when missing), a place to sort later."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmnotes.config import load_config, resolve
from llmnotes.diagnostics import Severity, display_path
from llmnotes.edit import EditError, append_link, entry_lines
from llmnotes.exitcodes import ExitCode
from llmnotes.frontmatter import FrontMatterError, parse, split
from llmnotes.model import KINDS, STATUSES
from llmnotes.normalize import url_key
from llmnotes.schema import control_problem, problems_in, url_problem
from llmnotes.sources import LookupFailure
from llmnotes.sources.arxiv import arxiv_id
from llmnotes.write import write_text_atomically

if TYPE_CHECKING:
    from llmnotes.sources.lookup import Found

INBOX = "---\ntitle: Inbox\n---\nResources added with `llmnotes add` and not sorted yet.\n"


def _cited(notes: Path, key: str) -> str | None:
    """`path:line:col` of the first resource with the same url_key, if any."""
    for path in sorted(notes.rglob("*.md")):
        try:
            parts = split(path.read_text("utf-8"))
            doc = parse(parts.yaml_text, parts.yaml_first_line)
        except (OSError, UnicodeDecodeError, FrontMatterError):
            continue
        links = doc.data.get("links") if isinstance(doc.data, dict) else None
        for n, link in enumerate(links if isinstance(links, list) else []):
            if isinstance(link, dict) and isinstance(link.get("url"), str) and url_key(link["url"]) == key:
                line, col = doc.at(("links", n, "url"))
                return f"{display_path(path)}:{line}:{col}"
    return None


def _errors(path: Path, text: str) -> set[str]:
    """The errors `llmnotes build` would report in this note's front-matter."""
    return {p.message for p in problems_in(text, display_path(path)) if p.severity is Severity.ERROR}


async def _lookup(url: str, fetcher_args: tuple[Any, Path]) -> Found | LookupFailure:
    # imported here: the HTTP client is a fifth of every command's start-up, and only lookups need it
    import aiohttp

    from llmnotes.sources.fetch import Fetcher
    from llmnotes.sources.lookup import lookup

    async with aiohttp.ClientSession() as session:
        return await lookup(url, Fetcher(fetcher_args[0], fetcher_args[1], session))


def run_add(args: argparse.Namespace) -> ExitCode:
    config = load_config(Path.cwd())
    notes = resolve(config, config.notes)
    if args.url.lower().startswith("arxiv:") and arxiv_id(args.url):  # `arXiv:1706.03762`: the paper's page
        args.url = f"https://arxiv.org/abs/{arxiv_id(args.url)}"
    problem = url_problem(args.url)
    if problem:
        print(f"error: {args.url}: {problem}", file=sys.stderr)
        return ExitCode.PROBLEMS
    place = _cited(notes, url_key(args.url))
    if place:
        print(f"{place}: error: the notes already cite {args.url}", file=sys.stderr)
        return ExitCode.PROBLEMS
    entry: dict[str, Any] = {"url": args.url}
    if args.title and args.authors and args.year:
        entry.update(title=args.title, kind=args.kind or "article", authors=args.authors, year=args.year)
    else:
        found = asyncio.run(_lookup(args.url, (config.sources, config.root / ".llmnotes" / "sources")))
        if isinstance(found, LookupFailure):
            print(f"error: {found.message()}; nothing written (give --title, --authors and --year by hand)", file=sys.stderr)
            return ExitCode.PROBLEMS
        meta = found.metadata
        entry.update(title=args.title or meta.title, kind=args.kind or meta.kind)
        authors = args.authors or list(meta.authors)
        if authors:
            entry["authors"] = authors
        if args.year or meta.year:
            entry["year"] = args.year or meta.year
        if found.hint and args.dry_run:
            print(f"# description: {found.hint}")
    if args.status:
        entry["status"] = args.status
    for key, value in entry.items():
        for text in value if isinstance(value, list) else [value]:
            bad = control_problem(text) if isinstance(text, str) else None
            if bad:
                print(f"error: {key} {text!r}: {bad}; nothing written", file=sys.stderr)
                return ExitCode.PROBLEMS
    if entry.get("year") is not None and not 1000 <= int(entry["year"]) <= 9999:
        print(f"error: year {entry['year']} is not a four-digit year; nothing written", file=sys.stderr)
        return ExitCode.PROBLEMS
    path = notes / f"{args.note}.md"
    try:
        before = path.read_bytes().decode("utf-8") if path.exists() else INBOX
        after = append_link(before, entry)
    except (OSError, UnicodeDecodeError, EditError) as error:
        print(f"{display_path(path)}: error: {error}; nothing written", file=sys.stderr)
        return ExitCode.PROBLEMS
    new_errors = _errors(path, after) - _errors(path, before)
    if new_errors:  # the same validation as a hand-written note: what would not build is never written
        for message in sorted(new_errors):
            print(f"{display_path(path)}: error: {message}; nothing written", file=sys.stderr)
        return ExitCode.PROBLEMS
    if args.dry_run:
        print("\n".join(entry_lines(entry, "  ")))
        return ExitCode.OK
    write_text_atomically(path, after)
    print(f"{display_path(path)}: added {entry['title']!r}")
    return ExitCode.OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = commands.add_parser("add", help="look a URL up and add it to a note",
                              epilog="Exit codes: 0 added, 1 already cited or lookup failed (nothing written), 2 usage/config.")
    add.add_argument("url", metavar="URL")
    add.add_argument("--note", default="inbox", metavar="SLUG", help="note to add to (default: inbox)")
    add.add_argument("--kind", choices=KINDS)
    add.add_argument("--status", choices=STATUSES)
    add.add_argument("--title")
    add.add_argument("--authors", action="append", metavar="A")
    add.add_argument("--year", type=int)
    add.add_argument("--dry-run", action="store_true", help="print the YAML that would be added; write nothing")
    add.set_defaults(run=run_add)
