"""`--fix`: rewrite permanently redirected URLs where they are written, changing nothing else.

Edits are made at the exact line and column the loader recorded, after checking that the text there
is the URL being replaced, so formatting, comments, quoting and order of the file are kept. Each file
is rewritten atomically.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from llmnotes import frontmatter, markdown, schema
from llmnotes.diagnostics import Diagnostic, Severity
from llmnotes.links.report import Report
from llmnotes.links.result import Verdict
from llmnotes.model import LinkEntry, Place
from llmnotes.normalize import fetch_key
from llmnotes.schema import url_problem
from llmnotes.write import write_text_atomically

_URL_TOKEN = re.compile(r"""[^\s"'<>()\[\],]+""")


@dataclass(frozen=True)
class Change:
    place: Place
    old: str
    new: str
    archived: bool = False  # `new` was written as `archived:` under the entry, `old` kept


@dataclass(frozen=True)
class Refusal:
    """A permanent redirect `--fix` will not write, and why; reported, the file left alone."""

    place: Place
    old: str
    new: str
    reason: str
    archived: bool = False


# Characters a URL written into a note never holds raw: they would end a Markdown destination,
# start YAML syntax, or be invisible. Everything else is kept as the server gave it.
_SAFE = "-._~:/?@!$&*+,;=%"  # and not ' either: it would end a single-quoted YAML value


def safe_url(old: str, new: str) -> tuple[str | None, str]:
    """The URL to write in place of `old`, or None and why not. A redirect target comes from a
    server (or a cache file): it must be an absolute http(s) URL without credentials, never a move
    from https to http, and it passes the same validation as a URL written in front-matter."""
    try:
        parts = urlsplit(new)
    except ValueError:
        return None, "redirects to something that is not a URL"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None, f"redirects to a {scheme or 'relative'} URL, not a web page"
    if urlsplit(old).scheme.lower() == "https" and scheme == "http":
        return None, "redirects from https to http (a downgrade)"
    if parts.username is not None or parts.password is not None:
        return None, "redirects to a URL with credentials in it"
    if any(not (c.isascii() and (c.isalnum() or c in ".-:[]")) for c in parts.netloc):
        return None, "redirects to a URL with an unusual host"
    path, query, fragment = (quote(part, safe=_SAFE) for part in (parts.path, parts.query, parts.fragment))
    encoded = urlunsplit((scheme, parts.netloc, path, query, fragment))  # ( ) [ ] < > " spaces, controls: %-encoded
    problem = url_problem(encoded)
    if problem:
        return None, problem
    return encoded, ""


def _yaml_scalar(url: str, quoted: bool) -> str:
    """A URL as a YAML value: double-quoted when it was, or when a plain scalar could mean
    something else (a `,` or bracket inside a flow list, `: ` or ` #`, a quote)."""
    if quoted or any(c in url for c in ",[]{}'\"") or ": " in url or " #" in url:
        return '"' + url.replace("\\", "%5C").replace('"', "%22") + '"'
    return url


_PLACE = re.compile(r"Place\(path='[^']*', line=-?\d+, col=-?\d+\)")


def _front_matter(text: str) -> tuple[frontmatter.Split, dict[str, Any], list[Diagnostic]] | None:
    """A note's parts and validated fields, as its loader reads them; None when it does not load."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    try:
        parts = frontmatter.split(text)
        doc = frontmatter.parse(parts.yaml_text, parts.yaml_first_line)
        fields, diagnostics = schema.validate(doc, "note")
    except (frontmatter.FrontMatterError, RecursionError, ValueError):
        return None
    return parts, fields, diagnostics


def _reading(text: str) -> tuple[list[tuple[int, int, str]], str] | None:
    """What a note says, as its loader reads it: every http(s) URL with its position, and the rest
    (fields, link texts, other links, diagnostics) without positions; None when it does not load."""
    read = _front_matter(text)
    if read is None:
        return None
    parts, fields, diagnostics = read
    found = markdown.extract(markdown.parser(True).parse(parts.body), parts.body, parts.body_first_line, "note", "")
    links: tuple[LinkEntry, ...] = fields.pop("links")
    urls = [(e.place.line, e.place.col, e.url) for e in links]
    urls += [(p.line, p.col, u) for e in links for u, p in e.discussion]
    urls += [(b.place.line, b.place.col, b.url) for b in found.body_links]
    rest: list[Any] = [fields, [e._replace(url="", discussion=()) for e in links], [b.text for b in found.body_links]]
    rest += [found.note_links, found.assets, found.headings, found.fragment_links, found.problems, found.unchecked]
    rest.append(sorted(f"{d.severity}: {d.message}" for d in diagnostics))
    return sorted(urls), _PLACE.sub("", repr(rest))


def _reads_back(before: tuple[list[tuple[int, int, str]], str], text: str, place: Place, url: str) -> bool:
    """Whether `text` reads as `before` with only the URL at `place` changed, to `url`."""
    after = _reading(text)
    if after is None or after[1] != before[1] or len(after[0]) != len(before[0]):
        return False
    for (line, col, old), (new_line, _, new) in zip(before[0], after[0], strict=True):
        expected = url if (line, col) == (place.line, place.col) else old
        if new_line != line or new != expected:
            return False
    return True


def _front_matter_end(lines: list[str]) -> int:
    """Index of the line that closes the front-matter (0 when there is none)."""
    if not lines or lines[0].removeprefix("\ufeff").rstrip("\r") != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r") in ("---", "..."):
            return i
    return 0


_NOT_THERE = "is not written at this place as it was checked (the file changed, or a form --fix does not edit)"


def apply(report: Report, root: Path = Path(".")) -> tuple[list[Change], list[Refusal]]:
    """Rewrite every place of every permanently redirected URL that is safe to write; the changes
    made and the redirects refused, in file order. Only the destination that was checked changes."""
    by_file: dict[str, list[tuple[Place, str, str]]] = defaultdict(list)
    for finding in report.findings:
        result = finding.result
        if result.verdict is Verdict.REDIRECTED and result.final_url:
            for place in finding.places:
                by_file[place.path].append((place, result.url, result.final_url))
    changes: list[Change] = []
    refusals: list[Refusal] = []
    for path, edits in sorted(by_file.items()):
        file = root / path
        try:
            text = file.read_bytes().decode("utf-8")  # keep CRLF line ends as they are
        except (OSError, UnicodeDecodeError):
            continue
        lines = text.split("\n")
        fence = _front_matter_end(lines)
        reading = _reading(text)
        # right to left, so earlier columns on the same line stay valid
        for place, checked, new in sorted(edits, key=lambda e: (e[0].line, e[0].col), reverse=True):
            if not 1 <= place.line <= len(lines):
                refusals.append(Refusal(place, checked, new, _NOT_THERE))
                continue
            line = lines[place.line - 1]
            start = place.col - 1
            quoted = start < len(line) and line[start] in "\"'"
            if quoted:
                start += 1
            match = _URL_TOKEN.match(line, start)
            if not match or fetch_key(match.group(0)) != fetch_key(checked):
                refusals.append(Refusal(place, checked, new, _NOT_THERE))  # said, never skipped unseen
                continue
            old = match.group(0)
            fragment = urlsplit(old).fragment
            target = new + (f"#{fragment}" if fragment and "#" not in new else "")
            replacement, reason = safe_url(old, target)
            if replacement is None:
                refusals.append(Refusal(place, old, target, reason))
                continue
            if place.line - 1 < fence:  # front-matter: a YAML value
                written = _yaml_scalar(replacement, False) if not quoted else replacement.replace('"', "%22")
            else:  # a Markdown destination
                written = replacement
            edited = line[:start] + written + line[match.end():]
            if reading is None or not _reads_back(reading, "\n".join(lines[: place.line - 1] + [edited] + lines[place.line :]), place, replacement):
                refusals.append(Refusal(place, old, target, "would not read back as that one link changed"))
                continue
            lines[place.line - 1] = edited
            reading = _reading("\n".join(lines))
            changes.append(Change(place, old, written))
        new_text = "\n".join(lines)
        if new_text != text:
            write_text_atomically(file, new_text)
    order = lambda c: (c.place.path, c.place.line, c.place.col)  # noqa: E731
    return sorted(changes, key=order), sorted(refusals, key=order)


# -- --fix --archive: `archived: URL` under a broken link's entry ----------------------------------


def _entries(text: str) -> tuple[list[LinkEntry], str, str] | None:
    """A note's link entries, its other fields and its body, as the loader reads them."""
    read = _front_matter(text)
    if read is None or any(d.severity is Severity.ERROR for d in read[2]):
        return None
    parts, fields, _ = read
    links: tuple[LinkEntry, ...] = fields.pop("links")
    return list(links), repr(fields), parts.body


def _at(place: Place, other: Place) -> bool:
    """The same line and column (the loader and the report name a note's path differently)."""
    return (place.line, place.col) == (other.line, other.col)


def _same_but_archived(before: tuple[list[LinkEntry], str, str], after_text: str, at: Place, archived: str) -> bool:
    """Whether `after_text` reads as `before` with only the entry at `at` given `archived`."""
    after = _entries(after_text)
    if after is None or after[1:] != before[1:] or len(after[0]) != len(before[0]):
        return False
    for old, new in zip(before[0], after[0], strict=True):
        expected = old._replace(archived=archived) if _at(old.place, at) else old
        if new._replace(place=at, discussion=()) != expected._replace(place=at, discussion=()):
            return False
    return True


def add_archived(report: Report, root: Path = Path(".")) -> tuple[list[Change], list[Refusal]]:
    """Write `archived: URL` under the front-matter entry of every broken link that has an archived
    copy (`report.archives`), indented as the entry's `url:` key, keeping the URL and every other
    byte of the file. Links written only in a note's body have no entry to hold it: said, not written."""
    by_file: dict[str, list[tuple[Place, str, str]]] = defaultdict(list)
    for finding in report.findings:
        copy = report.archive_of(finding)
        if copy and finding.result.verdict is Verdict.BROKEN:
            for place in finding.places:
                by_file[place.path].append((place, finding.result.url, copy))
    changes: list[Change] = []
    refusals: list[Refusal] = []
    for path, edits in sorted(by_file.items()):
        file = root / path
        try:
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lines = text.split("\n")
        fence = _front_matter_end(lines)
        # bottom to top, so the line numbers of the entries above stay right
        for place, url, copy in sorted(edits, key=lambda e: (e[0].line, e[0].col), reverse=True):
            before = _entries("\n".join(lines))
            entry = next((e for e in before[0] if _at(e.place, place)), None) if before else None
            if before is None or place.line - 1 >= fence or entry is None:
                refusals.append(Refusal(place, url, copy, archived=True, reason="is not a links: entry of the front-matter (a body link has nowhere to keep an archived copy)"))
                continue
            if entry.archived:
                refusals.append(Refusal(place, url, copy, archived=True, reason=f"already has archived: {entry.archived}"))
                continue
            written, reason = safe_url(url, copy)
            if written is None:
                refusals.append(Refusal(place, url, copy, archived=True, reason=reason))
                continue
            line = lines[place.line - 1]
            key = line.rfind("url:", 0, place.col - 1)
            ending = "\r" if line.endswith("\r") else ""
            if key < 0 or line[:key].strip() not in ("", "-"):
                refusals.append(Refusal(place, url, copy, archived=True, reason="its entry is not written one key per line (url: on a line of its own)"))
                continue
            added = " " * key + "archived: " + _yaml_scalar(written, False) + ending
            candidate = lines[: place.line] + [added] + lines[place.line :]
            if not _same_but_archived(before, "\n".join(candidate), place, written):
                refusals.append(Refusal(place, url, copy, archived=True, reason="would not read back as that one entry given an archived copy"))
                continue
            lines = candidate
            changes.append(Change(place, url, written, archived=True))
        new_text = "\n".join(lines)
        if new_text != text:
            write_text_atomically(file, new_text)
    order = lambda c: (c.place.path, c.place.line, c.place.col)  # noqa: E731
    return sorted(changes, key=order), sorted(refusals, key=order)
