"""arXiv: recognise every form of an arXiv identifier and read the API's Atom feed (`?id_list=ID`).

Parsing is separate from fetching so the feed format is tested on its own; the API asks for one
request every 3 s, which the HTTP layer enforces per source."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from llmnotes.sources import LookupFailure, Metadata

_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = rf"(?P<id>{_NEW}|{_OLD})(?:v\d+)?"
_URL = re.compile(rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/{_ID}(?:\.pdf)?/?$", re.I)
_PREFIXED = re.compile(rf"^arxiv:{_ID}$", re.I)
_BARE = re.compile(rf"^{_ID}$")
_ATOM = "{http://www.w3.org/2005/Atom}"


def arxiv_id(text: str) -> str | None:
    """The version-less arXiv id of an abs/pdf URL (any version), `arXiv:ID` or a bare id; else None."""
    text = text.strip()
    for pattern in (_URL, _PREFIXED, _BARE):
        match = pattern.match(text)
        if match:
            return match.group("id")
    return None


def parse_feed(xml_text: str, ident: str) -> Metadata | LookupFailure:
    """The first entry of an arXiv Atom feed as Metadata; a malformed or empty feed is a failure."""
    what = f"arXiv:{ident}"
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as error:
        return LookupFailure(what, f"the arXiv API answered malformed XML ({error})")
    entry = root.find(f"{_ATOM}entry")
    title = entry.findtext(f"{_ATOM}title") if entry is not None else None
    if entry is None or not title or entry.find(f"{_ATOM}id") is None:
        return LookupFailure(what, "the arXiv API has no entry for this id")
    authors = tuple(
        " ".join(name.split())
        for name in (a.findtext(f"{_ATOM}name") or "" for a in entry.findall(f"{_ATOM}author"))
        if name.strip()
    )
    published = entry.findtext(f"{_ATOM}published") or ""
    year = int(published[:4]) if published[:4].isdigit() else None
    return Metadata(" ".join(title.split()), authors, year, "paper", f"https://arxiv.org/abs/{ident}")
