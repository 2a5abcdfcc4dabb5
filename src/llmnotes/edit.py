"""Editing a note's front-matter without touching anything else: `append_link` inserts one resource
at the end of `links:` (creating the key if absent) in the file's own style — its newline, its item
indentation — with every scalar written by yaml.safe_dump so any title loads back as itself."""

from __future__ import annotations

import re
from typing import Any

import yaml

_LINKS = re.compile(r"^links:[ \t]*(?:#.*)?$")
_ITEM = re.compile(r"^([ \t]*)- ")
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")


class EditError(Exception):
    """The note's front-matter has a shape this edit cannot extend safely (e.g. `links: []`)."""


def scalar(value: Any) -> str:
    """One YAML value (a scalar or a flow list) on one line, quoted when needed (`: `, `#`, newlines, leading `-`, ...)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 30)
    text = text.removesuffix("\n").removesuffix("\n...")
    if "\n" in text:
        raise EditError(f"cannot write {value!r} on one line")
    return text


def entry_lines(entry: dict[str, Any], indent: str) -> list[str]:
    lines = []
    for n, (key, value) in enumerate(entry.items()):
        lead = f"{indent}- " if n == 0 else f"{indent}  "
        shown = scalar(list(value)) if isinstance(value, (list, tuple)) else scalar(value)
        lines.append(f"{lead}{key}: {shown}")
    return lines


def append_link(text: str, entry: dict[str, Any]) -> str:
    """The note's text with `entry` appended to its `links:` list; all other bytes kept."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    if not lines or not re.match(r"^---[ \t]*$", lines[0]):
        raise EditError("the note has no front-matter (a first line '---')")
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise EditError("the front-matter is not closed by '---'")
    start = next((i for i in range(1, end) if _LINKS.match(lines[i])), None)
    if start is None:
        empty = next((i for i in range(1, end) if re.match(r"^links:[ \t]*\[[ \t]*\][ \t]*$", lines[i])), None)
        if empty is not None:  # `llmnotes new` writes `links: []`: it becomes a block list
            return newline.join(lines[:empty] + ["links:", *entry_lines(entry, "  ")] + lines[empty + 1:])
        if any(line.startswith("links:") for line in lines[1:end]):
            raise EditError("'links:' is written inline (e.g. 'links: []'); make it a block list first")
        return newline.join(lines[:end] + ["links:", *entry_lines(entry, "  ")] + lines[end:])
    stop = end
    for i in range(start + 1, end):
        line = lines[i]
        if line.strip() and not line[0].isspace() and not line.startswith("-") and not line.startswith("#"):
            stop = i
            break
    while stop > start + 1 and not lines[stop - 1].strip():
        stop -= 1  # keep blank lines that separate the list from the next key after the new item
    indent = next((m.group(1) for i in range(start + 1, stop) if (m := _ITEM.match(lines[i]))), "  ")
    return newline.join(lines[:stop] + entry_lines(entry, indent) + lines[stop:])
