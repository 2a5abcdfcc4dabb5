"""`llmnotes import FILE`: read a list, decide what is new against the notes on disk, write it.

Idempotent: a resource whose `url_key` a note already has is not added again, a note that exists
gets only new resources appended to its `links:` (the rest of the file byte for byte), a topic in
`topics.yaml` is not proposed again. Every file is built and validated in memory first; then all are
written, each replaced whole by a rename, so a failure writes nothing half.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from llmnotes import schema
from llmnotes.config import ConfigError, load_config, resolve
from llmnotes.diagnostics import display_path
from llmnotes.exitcodes import ExitCode
from llmnotes.folder import TOPICS_FILE, discover
from llmnotes.importers import ImportedNote, Parsed, Resource
from llmnotes.importers import markdown as md_reader
from llmnotes.importers.references import READERS
from llmnotes.load import load_note, load_topics, read_text
from llmnotes.normalize import url_key
from llmnotes.scaffold import quoted, today, write_all

FORMATS = ("markdown", "bibtex", "csl-json", "ris")
_BY_SUFFIX = {".md": "markdown", ".markdown": "markdown", ".bib": "bibtex", ".json": "csl-json", ".ris": "ris"}
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9/?#@!$&'()*+,;=%._~:-]+")


@dataclass
class Plan:
    files: dict[Path, str] = field(default_factory=dict)  # path -> its whole new text
    new_notes: int = 0
    extended_notes: int = 0
    resources: int = 0
    already: int = 0
    topic_added: str | None = None


def _scalar(url: str) -> str:
    return url if _PLAIN_URL.fullmatch(url) and " #" not in url else quoted(url)


def link_yaml(r: Resource) -> str:
    """One resource as the house style writes it: titles and annotations quoted."""
    lines = [f"  - url: {_scalar(r.url)}", f"    title: {quoted(r.title)}"]
    if r.kind:
        lines.append(f"    kind: {r.kind}")
    if r.authors:
        lines.append(f"    authors: [{', '.join(quoted(a) for a in r.authors)}]")
    if r.year:
        lines.append(f"    year: {r.year}")
    if r.note:
        lines.append(f"    note: {quoted(r.note)}")
    if r.discussion:
        lines.append(f"    discussion: [{', '.join(quoted(d) for d in r.discussion)}]")  # quoted: some YAML readers stop at ':' in a flow list
    return "\n".join(lines) + "\n"


def note_file(note: ImportedNote, topic: str | None, resources: list[Resource], source: str) -> str:
    head = ["---", f"title: {quoted(note.title)}"]
    if note.summary:
        head.append(f"summary: {quoted(note.summary)}")
    head += [f"topics: [{topic}]" if topic else "topics: []", f"date: {today().isoformat()}", "links:"]
    body = note.body or f"Imported from `{source}`: annotate each resource, then say here in what order to read them and why."
    return "\n".join(head) + "\n" + "".join(link_yaml(r) for r in resources) + "---\n" + body.strip() + "\n"


def append_links(text: str, resources: list[Resource]) -> str | None:
    """`text` with `resources` appended to its `links:`, the rest byte for byte; None when `links:` is
    not the last key of the front-matter (then where to add is not obvious, and nothing is written)."""
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r") in ("---", "...")), None)
    if end is None:
        return None
    keys = [i for i in range(1, end) if re.match(r"^[A-Za-z_][\w-]*\s*:", lines[i])]
    if not keys or not lines[keys[-1]].startswith("links:"):
        return None
    at = keys[-1]
    added = "".join(link_yaml(r) for r in resources).rstrip("\n").split("\n")
    if lines[at].rstrip() in ("links: []", "links:"):
        return "\n".join(lines[:at] + ["links:"] + lines[at + 1 : end] + added + lines[end:])
    return None


def _check(path: Path, text: str) -> list[str]:
    """The same validation as a hand-written note: a value that would not build is never written."""
    return [str(p) for p in schema.problems_in(text, display_path(path))]


def plan(notes_dir: Path, parsed: Parsed, source: str) -> tuple[Plan, list[str]]:
    result = Plan()
    existing: dict[str, tuple[Path, set[str]]] = {}
    sources, _, _ = discover(notes_dir) if notes_dir.is_dir() else ([], [], [])
    for src in sources:
        loaded, _ = load_note(src, with_body=False)
        keys = {link.key for link in loaded.links} if loaded is not None else set()
        existing[src.slug] = (src.path, keys)
    topics, _ = load_topics(notes_dir) if notes_dir.is_dir() else ({}, [])
    topic = parsed.topic[0] if parsed.topic else None
    errors: list[str] = []
    for note in parsed.notes:
        if note.slug in existing:
            path, keys = existing[note.slug]
            fresh = [r for r in note.resources if url_key(r.url) not in keys]
            result.already += len(note.resources) - len(fresh)
            if not fresh:
                continue
            text, _ = read_text(path, display_path(path))
            new_text = append_links(text, fresh) if text is not None else None
            if new_text is None:
                errors.append(f"{display_path(path)}: error: {len(fresh)} new resources for this note, but its front-matter does not end with 'links:'; nothing written")
                continue
            result.extended_notes += 1
        else:
            path = notes_dir.joinpath(*note.slug.split("/")).with_suffix(".md")
            fresh = list(note.resources)
            new_text = note_file(note, topic, fresh, source)
            result.new_notes += 1
        errors += _check(path, new_text)
        result.files[path] = new_text
        result.resources += len(fresh)
    if topic and parsed.topic and topic not in topics and result.new_notes:
        path = notes_dir / TOPICS_FILE
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        entry = f"{topic}:\n  title: {quoted(parsed.topic[1])}\n  description: {quoted(f'Imported from {source}.')}\n"
        result.files[path] = old + ("\n" if old and not old.endswith("\n") else "") + entry  # appended: existing entries untouched
        result.topic_added = topic
    return result, errors


def read_source(path: Path, fmt: str) -> Parsed:
    text, problems = read_text(path, display_path(path))
    if text is None:
        raise ConfigError("\n".join(str(p) for p in problems))
    if fmt == "markdown":
        return md_reader.read(text, path)
    return READERS[fmt](text, path)


def run_import(args: argparse.Namespace) -> ExitCode:
    source = Path.cwd() / args.file
    if not source.is_file():
        raise ConfigError(f"error: {args.file}: file not found")
    fmt = args.format or _BY_SUFFIX.get(source.suffix.lower())
    if fmt is None:
        raise ConfigError(f"error: cannot tell the format of {args.file} from its extension; pass --format ({'|'.join(FORMATS)})")
    if args.into is not None:
        notes_dir = Path.cwd() / args.into
    else:
        config = load_config(Path.cwd(), args.config)
        notes_dir = resolve(config, config.notes)
    parsed = read_source(source, fmt)
    shown = display_path(source)
    for problem in sorted(parsed.problems, key=lambda p: p.line):
        print(f"{shown}:{problem.line}:1: warning: {problem.message}", file=sys.stderr)
    result, errors = plan(notes_dir, parsed, source.name)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        print("import failed: nothing written", file=sys.stderr)
        return ExitCode.PROBLEMS
    write_all(result.files)
    ignored = ", ".join(f"{n} {what}" for what, n in sorted(parsed.ignored.items()))
    found = sum(len(n.resources) for n in parsed.notes)
    print(
        f"{shown}: {parsed.links_seen} URLs: {found} resources in {len(parsed.notes)} notes, {len(parsed.problems)} reported"
        + (f"; ignored {ignored}" if ignored else "")
    )
    print(
        f"wrote {result.resources} new resources into {display_path(notes_dir)}/: {result.new_notes} new notes, "
        f"{result.extended_notes} notes extended, {result.already} already there"
        + (f"; topic '{result.topic_added}' proposed in {TOPICS_FILE}" if result.topic_added else "")
    )
    return ExitCode.OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "import",
        help="turn an existing list (awesome-list, BibTeX, CSL-JSON, RIS) into notes",
        description="Import a list into notes: awesome-list Markdown (sections become notes, list items and table "
        "rows with links become resources), or a BibTeX, CSL-JSON or RIS export of a reference manager (one note "
        "named after the file). Every URL not imported is reported with its line. Importing again adds only what is new.",
        epilog="Exit codes: 0 imported (reported URLs are warnings), 1 the result would not be a valid note "
        "(nothing written), 2 usage error or unreadable file.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the list to import")
    parser.add_argument("--into", type=Path, metavar="DIR", help="folder of notes to write into (default: the site's notes/)")
    parser.add_argument("--format", choices=FORMATS, help="the file's format (default: from its extension: .md, .bib, .json, .ris)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE instead of llmnotes.toml")
    parser.set_defaults(run=run_import)
