"""Reference-manager exports (BibTeX, CSL-JSON, RIS) become one note named after the file.

Each entry with a URL (or a DOI or arXiv identifier to make one from) becomes a resource with its
title, authors, year and annotation (`annote`/`note`, `note`/`annote`, `N1`); an entry without any is
reported with its line. Kinds come from the entry type, else from the URL.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmnotes.importers import ImportedNote, Parsed, Problem, Resource, clean, guess_kind, is_cut, note_slug
from llmnotes.schema import url_problem

_BIB_KINDS = {"article": "paper", "inproceedings": "paper", "conference": "paper", "phdthesis": "paper", "mastersthesis": "paper",
              "techreport": "paper", "book": "book", "inbook": "book", "incollection": "paper", "online": "article",
              "software": "repo", "dataset": "dataset", "video": "video"}
_CSL_KINDS = {"article-journal": "paper", "paper-conference": "paper", "article": "paper", "report": "paper", "thesis": "paper",
              "book": "book", "chapter": "book", "post-weblog": "article", "post": "thread", "article-magazine": "article",
              "article-newspaper": "article", "software": "repo", "dataset": "dataset", "motion_picture": "video",
              "broadcast": "video", "speech": "talk", "webpage": "site", "course": "course"}
_RIS_KINDS = {"JOUR": "paper", "CONF": "paper", "CPAPER": "paper", "RPRT": "paper", "THES": "paper", "BOOK": "book", "CHAP": "book",
              "BLOG": "article", "NEWS": "article", "MGZN": "article", "COMP": "repo", "DATA": "dataset", "VIDEO": "video", "ADVS": "video",
              "ELEC": "site", "WEB": "site"}


def _url(url: str | None, doi: str | None, eprint: str | None) -> str | None:
    if url:
        return url.strip().split()[0]
    if doi:
        return "https://doi.org/" + re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi.strip(), flags=re.I)
    if eprint:
        return "https://arxiv.org/abs/" + re.sub(r"^arxiv:", "", eprint.strip(), flags=re.I)
    return None


def _year(value: Any) -> int | None:
    match = re.search(r"\b(1\d{3}|2\d{3})\b", str(value or ""))
    return int(match.group(1)) if match else None


def _resource(parsed: Parsed, line: int, what: str, url: str | None, title: str, kind: str | None, authors: list[str], year: int | None, note: str) -> Resource | None:
    parsed.links_seen += url is not None
    if url is None:
        parsed.problems.append(Problem(line, f"{what} has no url, doi or arXiv identifier; not imported"))
        return None
    if is_cut(url):
        parsed.problems.append(Problem(line, f"URL cut short, not imported: {url}"))
        return None
    problem = url_problem(url)
    if problem:
        parsed.problems.append(Problem(line, f"{what}: URL '{url}' {problem}; not imported"))
        return None
    title = clean(title) or url
    return Resource(url, title, line, kind or guess_kind(url), tuple(a for a in (clean(a) for a in authors) if a), year, clean(note))


def _note(parsed: Parsed, path: Path, resources: list[Resource]) -> Parsed:
    from llmnotes.importers.markdown import _Entry, merge_duplicates

    # Duplicates (one work exported twice, or under two URL spellings) merge as in Markdown lists.
    entries = [_Entry(r.url, r.title, r.line, [r.note] if r.note else []) for r in resources]
    keep = {id(e): r for e, r in zip(entries, resources, strict=True)}
    merged = merge_duplicates(entries, parsed)
    out = [keep[id(e)] for e in merged]
    out = [r if not (len(e.note) > 1) else Resource(r.url, r.title, r.line, r.kind, r.authors, r.year, clean(" ".join(e.note))) for r, e in zip(out, merged, strict=True)]
    title = path.stem.replace("_", " ").replace("-", " ").strip().capitalize() or "Imported"
    if out:
        parsed.notes.append(ImportedNote(note_slug(path.stem, set()), title, 1, tuple(out)))
    parsed.topic = (note_slug(path.stem, set()), title)
    return parsed


def read_bibtex(text: str, path: Path) -> Parsed:
    import bibtexparser
    from bibtexparser import middlewares

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(  # type: ignore[attr-defined]  # re-exported without __all__
        text, append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    # URLs, DOIs and identifiers are not LaTeX: decoding would eat `&`, `%` and `~`. They come from an undecoded parse.
    raw_entries = bibtexparser.parse_string(text).entries  # type: ignore[attr-defined]
    parsed = Parsed()
    for block in library.failed_blocks:
        parsed.problems.append(Problem((block.start_line or 0) + 1, f"BibTeX entry could not be parsed: {str(block.error).splitlines()[0] if str(block.error) else 'syntax error'}"))
    resources = []
    for entry, raw_entry in zip(library.entries, raw_entries, strict=True):
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        raw = {k.lower(): str(v.value).strip() for k, v in raw_entry.fields_dict.items()}

        def value(key: str, fields: dict[str, Any] = fields) -> str:
            field = fields.get(key)
            return str(field.value).strip() if field is not None and not isinstance(field.value, list) else ""

        authors = []
        raw_authors = fields.get("author")
        for name in (raw_authors.value if raw_authors is not None and isinstance(raw_authors.value, list) else []):
            authors.append(" ".join(name.first + name.von + name.last + name.jr) if hasattr(name, "first") else str(name))
        eprint = value("eprint") if value("archiveprefix").lower() in ("", "arxiv") else ""
        howpublished = re.sub(r"^\\url\{?|\}$", "", raw.get("howpublished", ""))
        url = raw.get("url") or (howpublished if howpublished.startswith(("http://", "https://")) else "")
        eprint = raw.get("eprint", "") if eprint else ""
        found = _resource(parsed, (entry.start_line or 0) + 1, f"entry '{entry.key}'", _url(url or None, raw.get("doi") or None, eprint or None),
                          value("title"), _BIB_KINDS.get(entry.entry_type.lower()), authors,
                          _year(value("year") or value("date")), value("annote") or value("note") or value("annotation"))
        if found:
            resources.append(found)
    return _note(parsed, path, resources)


def _csl_name(name: Any) -> str:
    if not isinstance(name, dict):
        return str(name)
    if name.get("literal"):
        return str(name["literal"])
    return " ".join(str(name[k]) for k in ("given", "non-dropping-particle", "family", "suffix") if name.get(k))


def _json_items(text: str) -> list[tuple[int, Any]]:
    """The items of a CSL-JSON list with the line each starts on (json.loads does not say)."""
    decoder = json.JSONDecoder()
    start = text.index("[") + 1
    items: list[tuple[int, Any]] = []
    pos = start
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return items
        item, end = decoder.raw_decode(text, pos)
        items.append((text.count("\n", 0, pos) + 1, item))
        pos = end


def read_csl_json(text: str, path: Path) -> Parsed:
    parsed = Parsed()
    try:
        data = json.loads(text)
        items = _json_items(text) if isinstance(data, list) else [(1, data)]
    except (json.JSONDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", 1)
        parsed.problems.append(Problem(line, f"not valid JSON: {getattr(exc, 'msg', exc)}"))
        return parsed
    resources = []
    for line, item in items:
        if not isinstance(item, dict):
            parsed.problems.append(Problem(line, "a CSL-JSON item must be an object; not imported"))
            continue
        issued = item.get("issued") or {}
        parts = issued.get("date-parts") if isinstance(issued, dict) else None
        year = _year(parts[0][0]) if parts and parts[0] else _year(issued.get("raw") if isinstance(issued, dict) else None)
        url = _url(str(item.get("URL") or "") or None, str(item.get("DOI") or "") or None, None)
        found = _resource(parsed, line, f"item '{item.get('id', '?')}'", url, str(item.get("title") or ""), _CSL_KINDS.get(str(item.get("type"))),
                          [_csl_name(a) for a in item.get("author") or [] ], year, str(item.get("annote") or item.get("note") or ""))
        if found:
            resources.append(found)
    return _note(parsed, path, resources)


def read_ris(text: str, path: Path) -> Parsed:
    import rispy  # type: ignore[import-untyped]  # no stubs, no py.typed

    parsed = Parsed()
    starts = [n for n, line in enumerate(text.split("\n"), 1) if re.match(r"^\s*TY  - ", line)]
    try:
        entries = rispy.loads(text, skip_unknown_tags=True)
    except (OSError, ValueError, KeyError) as exc:
        parsed.problems.append(Problem(1, f"not valid RIS: {exc}"))
        return parsed
    resources = []
    for n, entry in enumerate(entries):
        line = starts[n] if n < len(starts) else 1
        urls = entry.get("urls") or ([entry["url"]] if entry.get("url") else [])
        doi = entry.get("doi")
        url = _url(urls[0] if urls else None, doi, None)
        for extra in urls[1:]:  # a second UR is another address of the same work: reported, not lost silently
            parsed.problems.append(Problem(line, f"second URL of one entry, not imported: {extra}"))
            parsed.links_seen += 1
        title = entry.get("title") or entry.get("primary_title") or entry.get("translated_title") or ""
        authors = [_ris_name(a) for a in (entry.get("authors") or entry.get("first_authors") or [])]
        notes = entry.get("notes") or []
        note = " ".join(notes) if isinstance(notes, list) else str(notes)
        found = _resource(parsed, line, f"entry {n + 1}", url, str(title), _RIS_KINDS.get(str(entry.get("type_of_reference"))), authors,
                          _year(entry.get("year") or entry.get("publication_year") or entry.get("date")), note)
        if found:
            resources.append(found)
    return _note(parsed, path, resources)


def _ris_name(name: str) -> str:
    """RIS writes 'Last, First'; notes write 'First Last'."""
    last, sep, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if sep and first.strip() else name.strip()


READERS: dict[str, Callable[[str, Path], Parsed]] = {"bibtex": read_bibtex, "csl-json": read_csl_json, "ris": read_ris}
