"""Validate parsed front-matter against the note format of DESIGN.md.

Every check reports at the place the offending key or value was written and keeps going, so one run
shows every mistake. Unknown keys are warnings (errors under `--strict`, decided by the caller):
a typo such as `topic:` must never pass silently.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any
from urllib.parse import urlsplit

from llmnotes.diagnostics import Diagnostic, Severity
from llmnotes.folder import is_slug
from llmnotes.frontmatter import Document, FrontMatterError, Path_, parse, split
from llmnotes.model import KINDS, STATUSES, LinkEntry, Place

_WHITESPACE = re.compile(r"\s")
# Characters no page or feed can carry: C0 controls but tab and line ends, DEL, C1, non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def control_problem(value: str) -> str | None:
    """Why `value` cannot be published as text, or None."""
    found = _CONTROL.search(value)
    return None if found is None else f"control character U+{ord(found.group()):04X} cannot be shown on a page or in the feed"

NOTE_KEYS = ("title", "summary", "topics", "date", "updated", "draft", "after", "links")
LINK_KEYS = ("url", "title", "kind", "authors", "year", "note", "discussion", "status", "archived")


def url_problem(url: str) -> str | None:
    """Why `url` is not an absolute http(s) URL, or None when it is one."""
    if _WHITESPACE.search(url):
        return "contains whitespace"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an absolute http:// or https:// URL"
    if not parts.hostname:
        return "has no host"
    return None


class Validator:
    """Collects diagnostics for one note's front-matter."""

    def __init__(self, doc: Document, path: str) -> None:
        self.doc = doc
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def place(self, p: Path_) -> Place:
        line, col = self.doc.at(p)
        return Place(self.path, line, col)

    def error(self, p: Path_, message: str, key: bool = False) -> None:
        line, col = self.doc.key_at(p) if key else self.doc.at(p)
        self.diagnostics.append(Diagnostic(self.path, line, col, message))

    def warn(self, p: Path_, message: str) -> None:
        line, col = self.doc.key_at(p)
        self.diagnostics.append(Diagnostic(self.path, line, col, message, Severity.WARNING))

    # -- field types -----------------------------------------------------------------------------

    def unknown_keys(self, mapping: dict[str, Any], allowed: tuple[str, ...], base: Path_, what: str) -> None:
        for key in mapping:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else f"; known keys: {', '.join(allowed)}"
                self.warn(base + (key,), f"unknown key '{key}' in {what}{suggestion}")

    def string(self, mapping: dict[str, Any], key: str, base: Path_, required: bool = False) -> str | None:
        if key not in mapping or mapping[key] is None:
            if required:
                self.error(base, f"missing required key '{key}'", key=True)
            return None
        value = mapping[key]
        if not isinstance(value, str):
            self.error(base + (key,), f"'{key}' must be text, not {_describe(value)}; put it in quotes")
            return None
        if required and not value.strip():
            self.error(base + (key,), f"'{key}' must not be empty")
            return None
        problem = control_problem(value)
        if problem:
            self.error(base + (key,), f"'{key}': {problem}")
            return None
        return value.strip()

    def string_list(self, mapping: dict[str, Any], key: str, base: Path_) -> list[tuple[str, Place]]:
        value = mapping.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
            items = [(value[0], self.place(base + (key,)))]
        elif isinstance(value, list):
            items = []
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item.strip():
                    self.error(base + (key, i), f"items of '{key}' must be non-empty text, not {_describe(item)}")
                    continue
                problem = control_problem(item)
                if problem:
                    self.error(base + (key, i), f"'{key}': {problem}")
                    continue
                items.append((item.strip(), self.place(base + (key, i))))
        else:
            self.error(base + (key,), f"'{key}' must be a list, not {_describe(value)}")
            return []
        return items

    def date(self, mapping: dict[str, Any], key: str) -> dt.date | None:
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error((key,), f"'{key}' must be a date written YYYY-MM-DD, not {_describe(value)}")
        return None

    def boolean(self, mapping: dict[str, Any], key: str) -> bool:
        value = mapping.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error((key,), f"'{key}' must be true or false, not {_describe(value)}")
            return False
        return value

    def url(self, value: Any, p: Path_, what: str) -> str | None:
        if not isinstance(value, str):
            self.error(p, f"{what} must be a URL, not {_describe(value)}")
            return None
        problem = url_problem(value.strip())
        if problem:
            self.error(p, f"{what} '{value}' {problem}")
            return None
        return value.strip()

    def choice(self, mapping: dict[str, Any], key: str, base: Path_, allowed: tuple[str, ...]) -> str | None:
        value = self.string(mapping, key, base)
        if value is None:
            return None
        if value not in allowed:
            hint = difflib.get_close_matches(value, allowed, n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.error(base + (key,), f"'{key}' must be one of {', '.join(allowed)}; got '{value}'{extra}")
            return None
        return value

    def year(self, mapping: dict[str, Any], base: Path_) -> int | None:
        value = mapping.get("year")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 2999:
            self.error(base + ("year",), f"'year' must be a four-digit year, not {_describe(value)}")
            return None
        return value

    # -- the note ------------------------------------------------------------------------------

    def link(self, raw: Any, i: int) -> LinkEntry | None:
        base: Path_ = ("links", i)
        if not isinstance(raw, dict):
            self.error(base, f"each entry of 'links' must be a mapping with url and title, not {_describe(raw)}")
            return None
        self.unknown_keys(raw, LINK_KEYS, base, "a link")
        url = None
        if "url" not in raw:
            self.error(base, "link is missing required key 'url'")
        else:
            url = self.url(raw["url"], base + ("url",), "url")
        title = self.string(raw, "title", base, required=True)
        kind = self.choice(raw, "kind", base, KINDS)
        status = self.choice(raw, "status", base, STATUSES)
        year = self.year(raw, base)
        authors = [a for a, _ in self.string_list(raw, "authors", base)]
        note = self.string(raw, "note", base) or ""
        discussion: list[tuple[str, Place]] = []
        raw_discussion = raw.get("discussion")
        if isinstance(raw_discussion, str):
            raw_discussion = [raw_discussion]
        if raw_discussion is not None and not isinstance(raw_discussion, list):
            self.error(base + ("discussion",), f"'discussion' must be a list of URLs, not {_describe(raw_discussion)}")
        else:
            for j, item in enumerate(raw_discussion or []):
                good = self.url(item, base + ("discussion", j), "discussion URL")
                if good:
                    discussion.append((good, self.place(base + ("discussion", j))))
        archived = self.url(raw["archived"], base + ("archived",), "archived URL") if raw.get("archived") is not None else None
        if url is None or title is None:
            return None
        return LinkEntry(
            url=url,
            title=title,
            place=self.place(base + ("url",)),
            kind=kind,
            authors=tuple(authors),
            year=year,
            note=note,
            discussion=tuple(discussion),
            status=status,
            archived=archived,
        )


def problems_in(text: str, path: str) -> list[Diagnostic]:
    """What `llmnotes build` would say about a note's front-matter, for commands that write a note
    (add, enrich, import) and must not write one that would not build."""
    try:
        parts = split(text.replace("\r\n", "\n"))
        doc = parse(parts.yaml_text, parts.yaml_first_line)
    except FrontMatterError as exc:
        return [Diagnostic(path, exc.line, exc.col, exc.message)]
    return validate(doc, path)[1]


def validate(doc: Document, path: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Check a note's front-matter; return the clean fields (for `Note(**fields)`) and diagnostics."""
    v = Validator(doc, path)
    data = doc.data
    v.unknown_keys(data, NOTE_KEYS, (), "the front-matter")
    fields: dict[str, Any] = {
        "title": v.string(data, "title", (), required=True),
        "summary": v.string(data, "summary", ()) or "",
        "date": v.date(data, "date"),
        "updated": v.date(data, "updated"),
        "draft": v.boolean(data, "draft"),
    }
    topics = v.string_list(data, "topics", ())
    for slug, place in topics:
        if not is_slug(slug):
            v.diagnostics.append(Diagnostic(path, place.line, place.col, f"topic '{slug}' is not a valid slug: use a-z, 0-9 and '-'"))
    fields["topics"] = tuple((s, p) for s, p in topics if is_slug(s))
    after = v.string_list(data, "after", ())
    for slug, place in after:
        if not is_slug(slug, nested=True):
            v.diagnostics.append(Diagnostic(path, place.line, place.col, f"'after' entry '{slug}' is not a note slug"))
    fields["after"] = tuple((s, p) for s, p in after if is_slug(s, nested=True))
    raw_links = data.get("links")
    links: list[LinkEntry] = []
    if raw_links is not None and not isinstance(raw_links, list):
        v.error(("links",), f"'links' must be a list of resources, not {_describe(raw_links)}")
    else:
        for i, raw in enumerate(raw_links or []):
            entry = v.link(raw, i)
            if entry:
                links.append(entry)
    fields["links"] = tuple(links)
    return fields, v.diagnostics


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"
