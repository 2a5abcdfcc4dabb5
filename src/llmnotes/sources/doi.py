"""DOIs: Crossref (`/works/DOI` -> `{"message": {...}}`) and DataCite (`/dois/DOI` ->
`{"data": {"attributes": {...}}}`). arXiv's own DOIs (`10.48550`) are DataCite's, so they go there
first; any other DOI goes to Crossref and falls back to DataCite on a 404."""

from __future__ import annotations

import json
import re
from typing import Any

from llmnotes.sources import LookupFailure, Metadata

_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.I)
DATACITE_PREFIXES = ("10.48550", "10.5281", "10.5061")  # arXiv, Zenodo, Dryad


def doi_of(text: str) -> str | None:
    """The DOI in `doi:…`, `https://doi.org/…` or a bare `10.…/…`; else None."""
    match = _DOI.match(text.strip())
    return match.group(1) if match else None


def is_datacite(doi: str) -> bool:
    return doi.split("/", 1)[0] in DATACITE_PREFIXES


def _load(text: str, what: str, service: str) -> Any | LookupFailure:
    try:
        return json.loads(text)
    except ValueError as error:
        return LookupFailure(what, f"{service} answered malformed JSON ({error})")


def _year(value: Any) -> int | None:
    return value if isinstance(value, int) and 1000 <= value <= 9999 else None


def parse_crossref(text: str, doi: str) -> Metadata | LookupFailure:
    """A Crossref work: first title, `given family` authors, year of issued/published date."""
    what = f"doi:{doi}"
    data = _load(text, what, "Crossref")
    if isinstance(data, LookupFailure):
        return data
    message = data.get("message") if isinstance(data, dict) else None
    titles = message.get("title") if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(titles, list) or not titles:
        return LookupFailure(what, "Crossref has no title for this DOI")
    authors = tuple(
        " ".join(str(p) for p in (a.get("given"), a.get("family")) if p) or str(a.get("name", ""))
        for a in message.get("author", [])
        if isinstance(a, dict)
    )
    year = None
    for key in ("issued", "published", "published-print", "published-online", "created"):
        parts = (message.get(key) or {}).get("date-parts") or [[None]]
        year = _year(parts[0][0] if parts and parts[0] else None)
        if year:
            break
    kind = "paper" if message.get("type") != "book" else "book"
    return Metadata(" ".join(str(titles[0]).split()), tuple(a for a in authors if a), year, kind,
                    f"https://doi.org/{doi}")


def parse_datacite(text: str, doi: str) -> Metadata | LookupFailure:
    """A DataCite DOI: titles[0].title, creators' names, publicationYear."""
    what = f"doi:{doi}"
    data = _load(text, what, "DataCite")
    if isinstance(data, LookupFailure):
        return data
    attributes = (data.get("data") or {}).get("attributes") if isinstance(data, dict) else None
    titles = attributes.get("titles") if isinstance(attributes, dict) else None
    if not isinstance(attributes, dict) or not isinstance(titles, list) or not titles:
        return LookupFailure(what, "DataCite has no title for this DOI")
    authors = []
    for creator in attributes.get("creators", []):
        if not isinstance(creator, dict):
            continue
        given, family = creator.get("givenName"), creator.get("familyName")
        authors.append(f"{given} {family}" if given and family else str(creator.get("name", "")))
    try:
        year = _year(int(str(attributes.get("publicationYear"))))
    except (TypeError, ValueError):
        year = None
    return Metadata(" ".join(str(titles[0].get("title", "")).split()), tuple(a for a in authors if a),
                    year, "paper", f"https://doi.org/{doi}")
