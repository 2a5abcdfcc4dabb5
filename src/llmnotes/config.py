"""Configuration: `llmnotes.toml`, or `[tool.llmnotes]` in `pyproject.toml`, then command-line options.

A mistake here is a usage error (exit 2) reported as `file:line:col: error: …`, so a typo in a key
name never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmnotes.diagnostics import display_path
from llmnotes.links.settings import LinkSettings
from llmnotes.links.settings import from_table as links_from_table
from llmnotes.sources.settings import SourceSettings
from llmnotes.sources.settings import from_table as sources_from_table

CONFIG_FILE = "llmnotes.toml"

# The single list of what a config file may say, and the type of each value (the README's table
# explains them).
KEYS: dict[str, type] = {
    "title": str,
    "description": str,
    "author": str,
    "base_url": str,
    "language": str,
    "notes": str,
    "out": str,
    "templates": str,
    "static": str,
    "allow_html": bool,
    "links": dict,
    "sources": dict,
}


class ConfigError(Exception):
    """A configuration or usage problem; the CLI prints it and exits with 2."""


@dataclass(frozen=True)
class Config:
    root: Path
    title: str = "Reading list"
    description: str = ""
    author: str = ""
    base_url: str = "/"
    language: str = "en"
    notes: Path = field(default=Path("notes"))
    out: Path = field(default=Path("build"))
    templates: Path = field(default=Path("templates"))
    static: Path = field(default=Path("static"))
    allow_html: bool = False
    links: LinkSettings = field(default_factory=LinkSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    source: str | None = None  # the file the settings came from, for messages

    def with_options(self, **options: Any) -> Config:
        """Command-line options win over the file; None means "not given"."""
        given = {k: v for k, v in options.items() if v is not None}
        if "base_url" in given:
            given["base_url"] = check_base_url(given["base_url"], "--base-url")
        return replace(self, **given)


def check_base_url(value: str, where: str) -> str:
    """An absolute http(s) URL or a path starting with '/', always ending with '/'."""
    value = value.strip()
    bad = next((c for c in value if c.isspace() or not c.isprintable() or c in '"<>\\^`{|}'), None)
    if bad is not None:
        raise ConfigError(f"{where}: error: base URL {value!r} contains {bad!r}, which a URL cannot hold unencoded")
    if value.startswith("/") and not value.startswith("//"):
        return value.rstrip("/") + "/"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{where}: error: base URL '{value}' must be like https://example.org/ or /path/")
    return value.rstrip("/") + "/"


def _toml_position(message: str) -> tuple[int, int]:
    match = re.search(r"line (\d+), column (\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else (1, 1)


def _key_position(text: str, key: str, table: str | None) -> tuple[int, int]:
    """Where `key =` is written (inside `[table]` when given); tomllib does not say."""
    in_table = table is None
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = table is not None and stripped.strip("[] ") == table
            continue
        match = re.match(rf"\s*(\"?){re.escape(key)}\1\s*=", line)
        if in_table and match:
            return n, line.index(key) + 1
    return 1, 1


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Read settings from `explicit`, else `llmnotes.toml`, else `pyproject.toml`, else defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: error: config file not found")
        path = explicit
    elif (root / CONFIG_FILE).is_file():
        path = root / CONFIG_FILE
    elif (root / "pyproject.toml").is_file():
        path = root / "pyproject.toml"
    else:
        return Config(root=root.resolve())
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}:1:1: error: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line, col = _toml_position(str(exc))
        raise ConfigError(f"{shown}:{line}:{col}: error: invalid TOML: {str(exc).split(' (at')[0]}") from None
    table_name: str | None = None
    if path.name == "pyproject.toml":
        table_name = "tool.llmnotes"
        tool = data.get("tool", {})
        settings = tool.get("llmnotes") if isinstance(tool, dict) else None
        if settings is None:
            if explicit is not None:
                raise ConfigError(f"{shown}: error: no [tool.llmnotes] table")
            return Config(root=path.parent.resolve())
        if not isinstance(settings, dict):
            line, col = _key_position(text, "llmnotes", "tool")
            raise ConfigError(f"{shown}:{line}:{col}: error: 'tool.llmnotes' must be a table ([tool.llmnotes]), not {type(settings).__name__}")
    else:
        settings = data
    return _from_table(settings, path, text, table_name)


def _from_table(settings: dict[str, Any], path: Path, text: str, table: str | None) -> Config:
    shown = display_path(path)
    problems = []
    values: dict[str, Any] = {}
    for key, value in settings.items():
        line, col = _key_position(text, key, table)
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else f"; known keys: {', '.join(KEYS)}"
            problems.append(f"{shown}:{line}:{col}: error: unknown key '{key}'{extra}")
            continue
        expected = KEYS[key]
        if not isinstance(value, expected):
            problems.append(f"{shown}:{line}:{col}: error: '{key}' must be {expected.__name__}, not {type(value).__name__}")
            continue
        values[key] = value
    if "links" in values:
        link_table = f"{table}.links" if table else "links"
        values["links"], link_problems = links_from_table(values["links"], path.parent.resolve())
        for key, problem in link_problems:
            line, col = _key_position(text, key, link_table)
            problems.append(f"{shown}:{line}:{col}: error: {problem}")
    if "sources" in values:
        source_table = f"{table}.sources" if table else "sources"
        values["sources"], source_problems = sources_from_table(values["sources"])
        for key, problem in source_problems:
            line, col = _key_position(text, key, source_table)
            problems.append(f"{shown}:{line}:{col}: error: {problem}")
    if "base_url" in values:
        line, col = _key_position(text, "base_url", table)
        try:
            values["base_url"] = check_base_url(values["base_url"], f"{shown}:{line}:{col}")
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    root = path.parent.resolve()
    for key in ("notes", "out", "templates", "static"):
        if key in values:
            values[key] = Path(values[key])
    return Config(root=root, source=shown, **values)


def resolve(config: Config, path: Path) -> Path:
    """Paths in a config file are relative to the file's folder."""
    return path if path.is_absolute() else config.root / path
