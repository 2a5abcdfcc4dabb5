"""`llmnotes serve`: the command. The server itself is `preview.py`, imported only when serving, so
that other commands do not pay for the web server and the file watcher at start-up."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from llmnotes.config import ConfigError, load_config, resolve
from llmnotes.exitcodes import ExitCode

SERVE_DIR = Path(".llmnotes") / "serve"


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return value


def run_serve(args: argparse.Namespace) -> ExitCode:
    config = load_config(Path.cwd(), args.config)
    notes = None if args.notes is None else Path.cwd() / args.notes
    base_path = urlsplit(config.base_url).path or "/"
    # Built into a folder of its own, so a preview never replaces the site you publish; absolute
    # URLs (feed, canonical links) point at the preview server.
    config = config.with_options(notes=notes, base_url=f"http://{args.host}:{args.port}{base_path}")
    config = replace(config, out=config.root / SERVE_DIR)
    if not resolve(config, config.notes).is_dir():
        raise ConfigError(f"error: notes folder '{resolve(config, config.notes)}' not found")
    from llmnotes.preview import run

    return asyncio.run(run(config, args.drafts, args.host, args.port, args.open))


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="build, serve and rebuild on every change",
        description="Build the notes, serve the site on this machine, watch the notes, templates, static "
        "files and config, rebuild on every change and reload the open pages. While the notes have "
        "errors the last good build stays served and pages show the errors. The preview is built into "
        ".llmnotes/serve/, never into your output folder.",
        epilog="Exit codes: 0 stopped with Ctrl-C, 2 usage or configuration error (such as a port in use).",
    )
    serve.add_argument("--notes", type=Path, metavar="DIR", help="folder of notes (default: notes)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--drafts", action="store_true", help="include notes marked draft: true")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE instead of llmnotes.toml")
    serve.set_defaults(run=run_serve)
