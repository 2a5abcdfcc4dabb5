"""`llmnotes enrich`: fill in what resources of existing notes leave out (authors, year) from the same
sources `llmnotes add` uses, never changing what the author wrote.

Each value is inserted as a line of its own right under the resource's `url:` line, in the note's
own indentation and line ends; nothing else in the file moves. Without `--write` the changes are
shown as a unified diff and no file is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmnotes.config import Config, ConfigError, load_config, resolve
from llmnotes.diagnostics import Severity, display_path
from llmnotes.edit import EditError, scalar
from llmnotes.exitcodes import ExitCode
from llmnotes.frontmatter import FrontMatterError, parse, split
from llmnotes.schema import control_problem, problems_in
from llmnotes.sources import LookupFailure
from llmnotes.write import write_text_atomically


@dataclass(frozen=True)
class Gap:
    """A resource that lacks fields a lookup may give."""

    path: Path
    index: int  # in the note's links:
    url: str
    url_line: int  # 1-based line of its `url:` key
    indent: int  # column of its keys, 0-based
    missing: tuple[str, ...]  # "authors", "year"


def find_gaps(path: Path, text: str) -> list[Gap]:
    """Resources of one note that have no authors or no year, written as block mappings."""
    try:
        parts = split(text.replace("\r\n", "\n"))
        doc = parse(parts.yaml_text, parts.yaml_first_line)
    except FrontMatterError:
        return []  # `llmnotes build` reports it; nothing to enrich safely
    links = doc.data.get("links") if isinstance(doc.data, dict) else None
    gaps = []
    for n, link in enumerate(links if isinstance(links, list) else []):
        if not isinstance(link, dict) or not isinstance(link.get("url"), str) or ("links", n, "url") not in doc.keys:
            continue
        missing = tuple(k for k in ("authors", "year") if not link.get(k))
        if missing:
            line, col = doc.keys[("links", n, "url")]
            gaps.append(Gap(path, n, link["url"], line, col - 1, missing))
    return gaps


def fill(text: str, gap: Gap, values: dict[str, Any]) -> str:
    """`text` with `values` inserted under the resource's url line; every other byte kept."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    url_line = lines[gap.url_line - 1]
    if url_line[gap.indent : gap.indent + 4] != "url:":
        raise EditError(f"line {gap.url_line} is not the url: of a block mapping")
    added = [" " * gap.indent + f"{key}: {scalar(value)}" for key, value in values.items()]
    return newline.join(lines[: gap.url_line] + added + lines[gap.url_line :])


def _still_valid(path: Path, before: str, after: str) -> bool:
    """The edited note reads as before plus the new values, with no new error."""
    def errors(text: str) -> list[str]:
        return sorted(p.message for p in problems_in(text, display_path(path)) if p.severity is Severity.ERROR)

    return errors(after) == errors(before)


async def _look_up_all(urls: list[str], config: Config) -> dict[str, Any]:
    found: dict[str, Any] = {}
    import aiohttp  # only a lookup needs the HTTP client: every other command starts faster without it

    from llmnotes.sources.fetch import Fetcher
    from llmnotes.sources.lookup import lookup

    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(config.sources, config.root / ".llmnotes" / "sources", session)
        for url in urls:  # one at a time: the fetcher keeps each service's pace
            found[url] = await lookup(url, fetcher)
    return found


def run_enrich(args: argparse.Namespace) -> ExitCode:
    config = load_config(Path.cwd(), args.config)
    notes = Path.cwd() / args.notes if args.notes else resolve(config, config.notes)
    if not notes.is_dir():
        raise ConfigError(f"error: notes folder '{display_path(notes)}' not found")
    texts: dict[Path, str] = {}
    gaps: list[Gap] = []
    for path in sorted(notes.rglob("*.md")):
        try:
            texts[path] = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        gaps += find_gaps(path, texts[path])
    if not gaps:
        print("enrich: every resource has its authors and year", file=sys.stderr)
        return ExitCode.OK
    results = asyncio.run(_look_up_all(sorted({g.url for g in gaps}), config))
    edited = dict(texts)
    failed = filled = 0
    for gap in sorted(gaps, key=lambda g: (g.path, -g.url_line)):  # bottom up: earlier lines stay put
        where = f"{display_path(gap.path)}:{gap.url_line}:{gap.indent + 1}"
        found = results[gap.url]
        if isinstance(found, LookupFailure):
            print(f"{where}: warning: {found.message()}", file=sys.stderr)
            failed += 1
            continue
        meta = found.metadata
        values: dict[str, Any] = {}
        if "authors" in gap.missing and meta.authors and not any(control_problem(a) for a in meta.authors):
            values["authors"] = list(meta.authors)
        if "year" in gap.missing and meta.year and 1000 <= meta.year <= 9999:
            values["year"] = meta.year
        if not values:
            continue
        try:
            candidate = fill(edited[gap.path], gap, values)
        except EditError as exc:
            print(f"{where}: warning: not enriched: {exc}", file=sys.stderr)
            continue
        if not _still_valid(gap.path, edited[gap.path], candidate):
            print(f"{where}: warning: not enriched: the values would not read back cleanly", file=sys.stderr)
            continue
        edited[gap.path] = candidate
        filled += 1
    for path in sorted(p for p in edited if edited[p] != texts[p]):
        if args.write:
            write_text_atomically(path, edited[path])
        else:
            shown = display_path(path)
            sys.stdout.writelines(difflib.unified_diff(texts[path].splitlines(True), edited[path].splitlines(True), shown, shown))
    verb = "filled" if args.write else "would fill (--write to save)"
    print(f"enrich: {verb} {filled} resource{'s' if filled != 1 else ''}; {failed} lookup{'s' if failed != 1 else ''} failed", file=sys.stderr)
    return ExitCode.PROBLEMS if failed else ExitCode.OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enrich = commands.add_parser(
        "enrich",
        help="fill in missing authors and years of resources from arXiv, Crossref, GitHub…",
        description="Look up every resource of the notes that has no authors or no year, through the same "
        "sources as `llmnotes add` ([sources] in llmnotes.toml), and fill in only what is missing: nothing "
        "the author wrote is changed. Shows the changes as a diff unless --write.",
        epilog="Exit codes: 0 done (or nothing to do), 1 some lookups failed (the others are still shown or "
        "written), 2 usage or configuration error.",
    )
    enrich.add_argument("--notes", type=Path, metavar="DIR", help="folder of notes (default: notes)")
    enrich.add_argument("--write", action="store_true", help="save the changes instead of showing them")
    enrich.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE instead of llmnotes.toml")
    enrich.set_defaults(run=run_enrich)
