"""Any other page from its HTML, in the order Google Scholar trusts: `citation_*` meta tags, then
JSON-LD, then OpenGraph, then `<title>`. Each field comes from the first layer that has it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from llmnotes.sources import LookupFailure, Metadata

_YEAR = re.compile(r"\b(1\d{3}|2\d{3})\b")


class _Collector(HTMLParser):
    """Meta tags (name/property → values in order), JSON-LD scripts and the first <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.ld: list[str] = []
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (values.get("name") or values.get("property") or "").lower()
            if key and "content" in values:
                self.meta.setdefault(key, []).append(values["content"])
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._in = "ld"
            self.ld.append("")
        elif tag == "title" and not self.title:
            self._in = "title"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "title"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "ld":
            self.ld[-1] += data
        elif self._in == "title":
            self.title += data


def _clean(text: str) -> str:
    return " ".join(text.split())


def _year(text: str) -> int | None:
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def _ld_objects(scripts: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue  # a broken JSON-LD block is common; the other layers still count
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                graph = item.get("@graph")
                if isinstance(graph, list):
                    found.extend(g for g in graph if isinstance(g, dict))
                else:
                    found.append(item)
    return found


def _ld_authors(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names = (i.get("name") if isinstance(i, dict) else i for i in items)
    return tuple(_clean(n) for n in names if isinstance(n, str) and n.strip())


def parse_page(html: str, url: str) -> Metadata | LookupFailure:
    """Metadata of a page; a page without any title is a failure."""
    page = _Collector()
    page.feed(html)
    page.close()
    meta = page.meta
    title = _clean((meta.get("citation_title") or [""])[0])
    authors = tuple(_clean(a) for a in meta.get("citation_author", []) if a.strip())
    date = next((meta[k][0] for k in ("citation_publication_date", "citation_date", "citation_year") if k in meta), "")
    year = _year(date)
    for obj in _ld_objects(page.ld):
        headline = obj.get("headline") or obj.get("name")
        if not title and isinstance(headline, str):
            title = _clean(headline)
        authors = authors or _ld_authors(obj.get("author"))
        if year is None and isinstance(obj.get("datePublished"), str):
            year = _year(obj["datePublished"])
    title = title or _clean((meta.get("og:title") or [""])[0])
    authors = authors or tuple(_clean(a) for a in meta.get("article:author", []) if a.strip())
    if year is None:
        year = _year((meta.get("article:published_time") or [""])[0])
    title = title or _clean(page.title)
    if not title:
        return LookupFailure(url, "the page has no citation_title, JSON-LD, og:title or <title>")
    return Metadata(title, authors, year, "article", url)
