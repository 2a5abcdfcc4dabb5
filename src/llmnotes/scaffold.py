"""`llmnotes init` (a new site that builds at once) and `llmnotes new` (a new note).

The starter files live in the package (`starter/`), so a site made from an installed wheel gets the
same files as one made from this repository. Nothing is ever overwritten: every target is checked
before the first byte is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

from llmnotes import frontmatter, schema
from llmnotes.config import ConfigError, load_config, resolve
from llmnotes.diagnostics import display_path
from llmnotes.exitcodes import ExitCode
from llmnotes.folder import TOPICS_FILE, is_slug
from llmnotes.load import load_topics

# Target path in the new site -> file in the package's starter folder.
STARTER = {
    "llmnotes.toml": "llmnotes.toml",
    ".gitignore": "gitignore",
    "notes/topics.yaml": "notes/topics.yaml",
    "notes/attention.md": "notes/attention.md",
    ".github/workflows/links.yml": "workflows/links.yml",
    ".github/workflows/pages.yml": "workflows/pages.yml",
}


def today() -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH, so that scripted sites are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def starter_text(name: str) -> str:
    text = resources.files("llmnotes").joinpath("starter", *name.split("/")).read_text(encoding="utf-8")
    return text.replace("date: DATE", f"date: {today().isoformat()}")


def init_site(folder: Path) -> list[Path]:
    """Write the starter files into `folder`; refuse (ConfigError) if any of them exists."""
    targets = {folder / rel: src for rel, src in STARTER.items()}
    existing = [p for p in targets if p.exists() or p.is_symlink()]
    if existing:
        names = ", ".join(display_path(p) for p in existing)
        raise ConfigError(f"error: {names} already exist{'s' if len(existing) == 1 else ''}; init writes nothing over existing files (nothing written)")
    texts = {path: starter_text(src) for path, src in targets.items()}  # read everything before writing anything
    written = []
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="") as handle:  # "x": never over a file made meanwhile
            handle.write(text)
        written.append(path)
    return written


def run_init(args: argparse.Namespace) -> ExitCode:
    folder = Path.cwd() / (args.dir or ".")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"error: {display_path(folder)} is a file, not a folder")
    for path in init_site(folder):
        print(f"wrote {display_path(path)}")
    where = "" if args.dir in (None, ".") else f"cd {args.dir} && "
    print(f"next: {where}llmnotes serve   (preview at http://127.0.0.1:8000/; `llmnotes new SLUG` adds a note)")
    return ExitCode.OK


def write_all(files: dict[Path, str]) -> None:
    """Write every file to a temporary name beside it first, then rename each into place: an error
    while writing leaves no file half-written."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML), as the house style quotes
    titles and annotations."""
    return json.dumps(text, ensure_ascii=False)


def note_text(title: str, topics: list[str], date: dt.date) -> str:
    topic_list = ", ".join(topics)
    return (
        "---\n"
        f"title: {quoted(title)}\n"
        'summary: ""\n'
        f"topics: [{topic_list}]\n"
        f"date: {date.isoformat()}\n"
        "links: []\n"
        "---\n"
        "Why these resources, in what order, and what to take from each.\n"
    )


def run_new(args: argparse.Namespace) -> ExitCode:
    slug = args.slug.removesuffix(".md")
    if not is_slug(slug, nested=True):
        raise ConfigError(f"error: '{args.slug}' is not a valid note slug: use lowercase a-z, 0-9 and '-', and '/' between folders")
    for topic in args.topic:
        if not is_slug(topic):
            raise ConfigError(f"error: topic '{topic}' is not a valid slug: use lowercase a-z, 0-9 and '-'")
    config = load_config(Path.cwd(), args.config)
    notes = Path.cwd() / args.notes if args.notes is not None else resolve(config, config.notes)
    if not notes.is_dir():
        raise ConfigError(f"error: notes folder '{display_path(notes)}' not found (run `llmnotes init` first, or pass --notes)")
    path = notes.joinpath(*slug.split("/")).with_suffix(".md")
    if path.exists():
        raise ConfigError(f"error: {display_path(path)} already exists; new never overwrites a note")
    title = args.title or slug.rsplit("/", 1)[-1].replace("-", " ").capitalize()
    text = note_text(title, list(dict.fromkeys(args.topic)), today())
    doc = frontmatter.parse(frontmatter.split(text).yaml_text, 2)
    _, problems = schema.validate(doc, display_path(path))
    if problems:  # a title with a control character, say
        raise ConfigError("\n".join(str(p) for p in problems))
    known, _ = load_topics(notes)
    unknown = [t for t in dict.fromkeys(args.topic) if t not in known]
    files = {path: text}
    topics_file = notes / TOPICS_FILE
    if unknown:
        # Added, not only warned about: an unknown topic fails the build, and the author sees the new
        # entries (titles from the slugs) in topics.yaml to correct. Existing entries are not touched.
        old = topics_file.read_text(encoding="utf-8") if topics_file.is_file() else ""
        added = "".join(f"{t}:\n  title: {quoted(t.replace('-', ' ').capitalize())}\n" for t in unknown)
        files[topics_file] = old + ("\n" if old and not old.endswith("\n") else "") + added
    write_all(files)
    print(f"wrote {display_path(path)}")
    for topic in unknown:
        print(f"{display_path(topics_file)}: added topic '{topic}' (it was not there); give it a title and description", file=sys.stderr)
    return ExitCode.OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init",
        help="make a new site",
        description="Make a new site in DIR (default: here) that builds at once: notes/ with a sample note and "
        "topics.yaml, llmnotes.toml, .gitignore, and GitHub workflows that check links and publish to Pages.",
        epilog="Exit codes: 0 written, 2 a file that init would write exists already (nothing is written).",
    )
    init.add_argument("dir", nargs="?", metavar="DIR", help="folder of the new site (made if missing; default: the current folder)")
    init.set_defaults(run=run_init)
    new = commands.add_parser(
        "new",
        help="write a new note",
        description="Write notes/SLUG.md with its front-matter (title, summary, topics, today's date, links: []).",
        epilog="Exit codes: 0 written, 2 bad slug or the note exists already.",
    )
    new.add_argument("slug", metavar="SLUG", help="the note's slug: lowercase a-z, 0-9, '-'; 'folder/name' for a nested note")
    new.add_argument("--title", metavar="T", help="the note's title (default: from the slug)")
    new.add_argument("--topic", action="append", default=[], metavar="T", help="a topic slug of topics.yaml (repeatable)")
    new.add_argument("--notes", type=Path, metavar="DIR", help="folder of notes (default: notes)")
    new.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE instead of llmnotes.toml")
    new.set_defaults(run=run_new)
