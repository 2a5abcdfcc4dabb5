"""The command line: parse arguments, load configuration, run a stage, map the outcome to an exit code."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from llmnotes import __version__
from llmnotes.config import Config, ConfigError, load_config, resolve
from llmnotes.diagnostics import Diagnostic, Severity, display_path
from llmnotes.exitcodes import ExitCode
from llmnotes.links import report as link_report
from llmnotes.links.report import FORMATS
from llmnotes.links.result import Result, Verdict
from llmnotes.links.settings import parse_codes, parse_duration
from llmnotes.write import UnsafePath, write_text_atomically

T = TypeVar("T")


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def print_diagnostics(diagnostics: list[Diagnostic], stream: TextIO = sys.stderr) -> None:
    color = _color(stream)
    for d in diagnostics:
        text = str(d)
        if color:
            code = "31" if d.severity is Severity.ERROR else "33"
            text = text.replace(f": {d.severity.value}: ", f": \033[{code}m{d.severity.value}\033[0m: ", 1)
        print(text, file=stream)


# Commands defined in their own modules, by name: each module's `add_parser` adds its subparsers
# to `commands` and sets `run` (a function of the parsed arguments returning an ExitCode) with
# `set_defaults(run=...)`. A module is imported only when its command is named (or for the list of
# all commands), so `check-links` and `build` start without what the author's commands use.
if TYPE_CHECKING:
    from llmnotes.links import fix as link_fix
    from llmnotes.links import run as link_run

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]  # argparse exports no public name for it
COMMANDS = {
    "serve": "llmnotes.serve",
    "init": "llmnotes.scaffold",
    "new": "llmnotes.scaffold",
    "import": "llmnotes.importers.command",
    "add": "llmnotes.add",
    "enrich": "llmnotes.enrich",
}


def _command_modules(argv: list[str]) -> list[str]:
    """The modules whose commands the parser needs: the one `argv` names, or all of them (for
    `--help`, a mistyped command, or none)."""
    named = next((a for a in argv if not a.startswith("-")), None)
    if named in ("build", "check-links"):
        return []
    if named in COMMANDS:
        return [COMMANDS[named]]
    return list(dict.fromkeys(COMMANDS.values()))


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmnotes",
        description="Turn a folder of Markdown notes with YAML front-matter into a static site, and check its links.",
        epilog="Exit codes: 0 success, 1 problems found in the notes, 2 usage or configuration error.",
    )
    parser.add_argument("--version", action="version", version=f"llmnotes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser(
        "build",
        help="build the site",
        description="Build the notes into a static site. Settings come from llmnotes.toml or "
        "[tool.llmnotes] in pyproject.toml; options given here win.",
        epilog="Exit codes: 0 built, 1 problems in the notes (nothing written), 2 usage or configuration error.",
    )
    build.add_argument("--notes", type=Path, metavar="DIR", help="folder of notes (default: notes)")
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder, replaced whole on success (default: build)")
    build.add_argument("--base-url", metavar="URL", help="where the site is published, e.g. https://example.org/sub/")
    build.add_argument("--drafts", action="store_true", help="include notes marked draft: true")
    build.add_argument("--strict", action="store_true", help="treat warnings (such as unknown keys) as errors")
    build.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE instead of llmnotes.toml")
    build.add_argument("--no-cache", action="store_true", help="ignore the build cache (.llmnotes/build/): parse, render and write everything")
    build.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")

    links = commands.add_parser(
        "check-links",
        help="check every link of the notes",
        description="Extract every link of the notes and check it: external URLs over HTTP (each fetched "
        "once, politely per host), links between notes offline. Settings come from [links] in "
        "llmnotes.toml or [tool.llmnotes.links] in pyproject.toml; options given here win.",
        epilog="Exit codes: 0 no broken links (blocked ones are shown but pass unless --strict), "
        "1 broken links, 2 usage or configuration error.",
    )
    links.add_argument("--notes", type=Path, metavar="DIR", help="folder of notes (default: notes)")
    links.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE instead of llmnotes.toml")
    links.add_argument("--offline", action="store_true", help="check only links between notes, headings and files")
    links.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    links.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of standard output")
    cache = links.add_mutually_exclusive_group()
    cache.add_argument("--cache", type=Path, metavar="FILE", help="results cache (default: .llmnotes/links.sqlite)")
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    links.add_argument("--cache-max-age", type=_duration, metavar="DURATION", help="trust cached good results this long (default: 1d)")
    links.add_argument("--max-concurrency", type=_count, metavar="N", help="requests in flight over all hosts (default: 128)")
    links.add_argument("--host-concurrency", type=_count, metavar="N", help="requests in flight to one host (default: 6)")
    links.add_argument("--host-interval", type=_duration, metavar="DURATION", help="time between requests to one host (default: 10ms)")
    links.add_argument("--timeout", type=_duration, metavar="SECONDS", help="deadline of one attempt (default: 20)")
    links.add_argument("--retries", type=_count0, metavar="N", help="retries after timeouts, resets, 5xx and 429 (default: 2)")
    links.add_argument("--exclude", action="append", type=_regex, metavar="REGEX", help="do not check URLs matching REGEX (repeatable)")
    links.add_argument("--accept", type=_codes, metavar="CODES", help="status codes that count as ok, e.g. 200-299,403")
    links.add_argument("--fragments", action="store_true", default=None, help="check that #fragments exist in external HTML pages")
    links.add_argument("--strict", action="store_true", help="fail on blocked links too (401, 403, 429, bot challenges)")
    links.add_argument(
        "--fix", action="store_true", help="rewrite permanently redirected URLs in the notes (with --archive: also write archived copies)"
    )
    links.add_argument(
        "--archive",
        action="store_true",
        help="look up an archived copy of every broken link (the Wayback Machine snapshot closest to the note's date; "
        "[sources] wayback); with --fix, write it as archived: under the link's entry",
    )
    links.add_argument(
        "--changed-since",
        metavar="REF",
        help="check only the links on lines added or changed since the git revision REF (a pull request's base, say); "
        "links between notes are still all checked",
    )
    build.set_defaults(run=run_build)
    links.set_defaults(run=run_check_links)
    for module in _command_modules(sys.argv[1:] if argv is None else argv):
        add_command: Callable[[Subparsers], None] = importlib.import_module(module).add_parser
        add_command(commands)
    return parser


def _arg_type(convert: Callable[[str], T], what: str) -> Callable[[str], T]:
    def parse(text: str) -> T:
        try:
            return convert(text)
        except (ValueError, re.error) as exc:
            raise argparse.ArgumentTypeError(str(exc) or f"not {what}") from None

    parse.__name__ = what
    return parse


def _positive(text: str, minimum: int) -> int:
    value = int(text)
    if value < minimum:
        raise ValueError(f"must be at least {minimum}")
    return value


_duration = _arg_type(parse_duration, "a duration")
_codes = _arg_type(parse_codes, "status codes")
_count = _arg_type(lambda t: _positive(t, 1), "a number")
_count0 = _arg_type(lambda t: _positive(t, 0), "a number")
_regex = _arg_type(lambda t: (re.compile(t), t)[1], "a regular expression")


def _absolute(path: Path | None) -> Path | None:
    """Command-line paths are relative to where the command runs, not to the config file."""
    return None if path is None else (Path.cwd() / path)


def run_build(args: argparse.Namespace) -> ExitCode:
    from llmnotes.build import Terminated, build_site  # the build is only needed here

    config = load_config(Path.cwd(), args.config).with_options(
        notes=_absolute(args.notes), out=_absolute(args.out), base_url=args.base_url
    )
    try:
        result = build_site(config, drafts=args.drafts, strict=args.strict, no_cache=args.no_cache)
    except UnsafePath as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.PROBLEMS
    except Terminated:
        print(f"terminated; {display_path(resolve(config, config.out))} left as it was", file=sys.stderr)
        return ExitCode.TERMINATED
    except Exception as exc:
        code = _build_failed(exc, resolve(config, config.out))
        if code is None:
            raise
        return code
    print_diagnostics(result.diagnostics)
    if not result.built:
        errors = sum(d.severity is Severity.ERROR for d in result.diagnostics)
        print(f"build failed: {errors} error{'s' if errors != 1 else ''}; {display_path(result.out)} left as it was", file=sys.stderr)
        return ExitCode.PROBLEMS
    if not args.quiet:
        print(
            f"built {result.pages} pages ({result.notes} notes, {result.resources} resources, "
            f"{result.topics} topics) into {display_path(result.out)}/ in {result.seconds:.2f} s; "
            f"{result.changed} file{'s' if result.changed != 1 else ''} written"
        )
    if result.unannotated and not args.quiet:
        # a reminder, not a diagnostic: a resource added with `llmnotes add` waits for its annotation,
        # and --strict builds in CI should not fail on the author's to-do list
        first = ", ".join(result.unannotated[:3]) + (", …" if len(result.unannotated) > 3 else "")
        count = len(result.unannotated)
        print(f"note: {count} resource{'s' if count != 1 else ''} without an annotation yet (say in 'note:' what it is and why to read it): {first}", file=sys.stderr)
    return ExitCode.OK


def _build_failed(exc: Exception, out: Path) -> ExitCode | None:
    """The message and exit code for a build stopped by a template or the filesystem, or None for
    anything else. Jinja is imported here, not above: a build that stops at its shortcut never
    loads it. Template errors first: Jinja's "template not found" is an OSError too."""
    from jinja2 import TemplateError, TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError):
        print(f"{exc.filename or exc.name}:{exc.lineno}:1: error: template: {exc.message}", file=sys.stderr)
        return ExitCode.PROBLEMS
    if isinstance(exc, TemplateError):
        print(f"error: template: {exc}", file=sys.stderr)
        return ExitCode.PROBLEMS
    if isinstance(exc, OSError):  # an unwritable folder, a full disk: nothing was changed
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: cannot write the site: {exc.strerror or exc}{where}; {display_path(out)} left as it was", file=sys.stderr)
        return ExitCode.USAGE
    return None


class _Progress:
    """`checked 120/400` on a terminal's stderr; nothing anywhere else."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.enabled = stream, stream.isatty()
        self.total = self.done = self.bad = 0

    def start(self, total: int) -> None:
        self.total = total

    def result(self, result: Result) -> None:
        self.done += 1
        self.bad += result.verdict is Verdict.BROKEN
        if self.enabled and (self.done % 10 == 0 or self.done == self.total):
            self.stream.write(f"\rchecked {self.done}/{self.total} ({self.bad} broken)")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _archived_copies(outcome: link_run.Outcome, config: Config, cached: bool) -> dict[str, str | None]:
    """The archived copy of each broken link (None when the archive has none); a lookup that fails
    is a warning, and the link is reported as it would be without --archive."""
    from llmnotes.links import archive
    from llmnotes.sources import LookupFailure

    cache_dir = config.root / ".llmnotes" / "sources" if cached else None
    found = archive.find_all(outcome.wanted(), config.sources, cache_dir)
    copies: dict[str, str | None] = {}
    for url, answer in found.items():
        if isinstance(answer, LookupFailure):
            print(f"warning: {link_report.clean(answer.message())}", file=sys.stderr)
            copies[url] = None
        else:
            copies[url] = answer
    return copies


def run_check_links(args: argparse.Namespace) -> ExitCode:
    from llmnotes.links import run as link_run  # the extractor and aiohttp: not for other commands

    config = load_config(Path.cwd(), args.config).with_options(notes=_absolute(args.notes))
    settings = config.links.with_options(
        cache_max_age=args.cache_max_age,
        max_concurrency=args.max_concurrency,
        host_concurrency=args.host_concurrency,
        host_interval=args.host_interval,
        timeout=args.timeout,
        retries=args.retries,
        accept=args.accept,
        fragments=args.fragments,
        cache=_absolute(args.cache),
    )
    if args.exclude:
        settings = settings.with_options(exclude=settings.exclude + tuple(args.exclude))
    if args.no_cache:
        settings = replace(settings, cache=None)
    if os.environ.get("GITHUB_TOKEN"):  # as lychee does: CI runners have one, and GitHub rate-limits robots without
        settings = replace(settings, github_token=os.environ["GITHUB_TOKEN"].strip())
    if settings.cache is not None:
        settings = replace(settings, cache=resolve(config, settings.cache))
    notes_dir = resolve(config, config.notes)
    if not notes_dir.is_dir():
        raise ConfigError(f"error: notes folder '{notes_dir}' not found")
    only = None
    if args.changed_since is not None:
        from llmnotes.links.changes import ChangesError, changed_lines, place_filter

        try:
            only = place_filter(changed_lines(notes_dir, args.changed_since))
        except ChangesError as exc:
            raise ConfigError(f"check-links: --changed-since: {exc}") from None
    progress = _Progress(sys.stderr)
    try:
        outcome = link_run.run(
            notes_dir, settings, allow_html=config.allow_html, offline=args.offline, on_start=progress.start, on_result=progress.result, only=only
        )
    finally:
        progress.close()
    if outcome.no_network:  # one line, not a report of every link broken; nothing was cached
        print(
            f"check-links: none of the {outcome.no_network} hosts could be reached (no address, refused or no route): "
            "is this machine offline? --offline checks only the links between notes",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    report = replace(outcome.report, notes=tuple(outcome.diagnostics))
    if args.archive:
        report = replace(report, archives=_archived_copies(outcome, config, settings.cache is not None))
    if outcome.diagnostics:  # said first, on stderr as `build` says them; the report follows
        print_diagnostics(outcome.diagnostics)
        count = len(outcome.diagnostics)
        print(f"check-links: {count} error{'s' if count != 1 else ''} in the notes (above); the links of every note that loaded were checked", file=sys.stderr)
    changes: list[link_fix.Change] = []
    refusals: list[link_fix.Refusal] = []
    if args.fix:  # before the report, so that the JSON report says what was written and what was not
        from llmnotes.links import fix as link_fix
        changes, refusals = link_fix.apply(report)
        if args.archive:
            archived, not_archived = link_fix.add_archived(report)
            changes, refusals = changes + archived, refusals + not_archived
        fixes = [(c.place, "archived" if c.archived else "written", c.new) for c in changes]
        fixes += [(r.place, "refused", r.reason) for r in refusals]
        report = replace(report, fixes=tuple(fixes))
    text = link_report.render(report, args.format, color=args.format == "text" and args.output is None and _color(sys.stdout))
    if args.output:
        write_text_atomically(args.output, text)
        print(link_report.summary_line(report), file=sys.stderr)
    else:
        sys.stdout.write(text)
    clean = link_report.clean
    for change in changes:
        p = change.place
        if change.archived:
            print(f"{p.path}:{p.line}:{p.col}: archived: {clean(change.old)} has a copy at {clean(change.new)} (written under its entry)", file=sys.stderr)
        else:
            print(f"{p.path}:{p.line}:{p.col}: fixed: {clean(change.old)} → {clean(change.new)}", file=sys.stderr)
    for refusal in refusals:  # the redirect stays reported; the file keeps what it had
        p = refusal.place
        if refusal.archived:
            print(f"{p.path}:{p.line}:{p.col}: warning: archived copy not written: {clean(refusal.old)} {clean(refusal.reason)}", file=sys.stderr)
        else:
            print(f"{p.path}:{p.line}:{p.col}: warning: not fixed: {clean(refusal.old)} {clean(refusal.reason)}: {clean(refusal.new)}", file=sys.stderr)
    return ExitCode.PROBLEMS if report.failed(args.strict) else ExitCode.OK


def run() -> NoReturn:
    """The console script and `python -m llmnotes`: `main`, then out. When nothing is left running
    (no worker process, no other thread), once the output is flushed the process ends at once
    instead of freeing a build's million objects one by one (0.2 s at 10,000 notes), as mypy's
    command line does."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe, say: let the interpreter report it as it always does
        raise SystemExit(code) from None
    processes, threads = sys.modules.get("multiprocessing"), sys.modules.get("threading")
    if (processes is not None and processes.active_children()) or (threads is not None and threads.active_count() > 1):
        raise SystemExit(code)
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser(argv).parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
