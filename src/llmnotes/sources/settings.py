"""`[sources]` of llmnotes.toml: each service's base URL (tests point them at local servers), the
per-source minimum interval between requests (arXiv asks for 3 s) and the timeout."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_URLS = {
    "arxiv": "https://export.arxiv.org/api/query",
    "crossref": "https://api.crossref.org/works",
    "datacite": "https://api.datacite.org/dois",
    "github": "https://api.github.com",
    "youtube_oembed": "https://www.youtube.com/oembed",
    "wayback": "https://archive.org/wayback/available",
}
DEFAULT_INTERVALS = {"arxiv": 3.0}


@dataclass(frozen=True)
class SourceSettings:
    urls: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_URLS))
    intervals: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    timeout: float = 20.0


def from_table(table: dict[str, Any]) -> tuple[SourceSettings, list[tuple[str, str]]]:
    """Settings and (key, problem) pairs; the caller places each problem at its key's line."""
    settings = SourceSettings()
    urls = dict(settings.urls)
    intervals = dict(settings.intervals)
    timeout = settings.timeout
    problems: list[tuple[str, str]] = []
    for key, value in table.items():
        if key == "timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                problems.append((key, "sources.timeout must be a positive number of seconds"))
            else:
                timeout = float(value)
        elif key == "min_interval":
            if not isinstance(value, dict) or any(
                k not in DEFAULT_URLS or isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0
                for k, v in value.items()
            ):
                problems.append((key, "sources.min_interval must map source names to seconds >= 0"))
            else:
                intervals.update({k: float(v) for k, v in value.items()})
        elif key not in DEFAULT_URLS:
            known = ", ".join([*DEFAULT_URLS, "timeout", "min_interval"])
            problems.append((key, f"unknown source '{key}'; known: {known}"))
        elif not isinstance(value, str) or not value.startswith(("http://", "https://")):
            problems.append((key, f"sources.{key} must be an http:// or https:// URL, not {value!r}"))
        else:
            urls[key] = value.rstrip("/")
    return replace(settings, urls=urls, intervals=intervals, timeout=timeout), problems
