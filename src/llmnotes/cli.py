"""The command line: parse arguments, load configuration, run a stage, map the outcome to an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

import jinja2

from llmnotes import __version__
from llmnotes.build import build_site
from llmnotes.config import ConfigError, load_config
from llmnotes.diagnostics import Diagnostic, Severity, display_path
from llmnotes.exitcodes import ExitCode
from llmnotes.write import UnsafePath


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmnotes",
        description="Turn a folder of Markdown notes with YAML front-matter into a static site.",
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
    build.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")
    return parser


def _absolute(path: Path | None) -> Path | None:
    """Command-line paths are relative to where the command runs, not to the config file."""
    return None if path is None else (Path.cwd() / path)


def run_build(args: argparse.Namespace) -> ExitCode:
    config = load_config(Path.cwd(), args.config).with_options(
        notes=_absolute(args.notes), out=_absolute(args.out), base_url=args.base_url
    )
    try:
        result = build_site(config, drafts=args.drafts, strict=args.strict)
    except UnsafePath as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.PROBLEMS
    except jinja2.TemplateSyntaxError as exc:
        print(f"{exc.filename or exc.name}:{exc.lineno}:1: error: template: {exc.message}", file=sys.stderr)
        return ExitCode.PROBLEMS
    except jinja2.TemplateError as exc:
        print(f"error: template: {exc}", file=sys.stderr)
        return ExitCode.PROBLEMS
    print_diagnostics(result.diagnostics)
    if not result.built:
        errors = sum(d.severity is Severity.ERROR for d in result.diagnostics)
        print(f"build failed: {errors} error{'s' if errors != 1 else ''}; {display_path(result.out)} left as it was", file=sys.stderr)
        return ExitCode.PROBLEMS
    if not args.quiet:
        print(
            f"built {result.pages} pages ({result.notes} notes, {result.resources} resources, "
            f"{result.topics} topics) into {display_path(result.out)}/ in {result.seconds:.2f} s"
        )
    return ExitCode.OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return int(run_build(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    return int(ExitCode.USAGE)
