"""The verdict on one URL: plain data shared by the checker, the cache, the reports and the site."""

from __future__ import annotations

from dataclasses import dataclass

VERDICTS = ("ok", "redirected", "broken", "blocked", "excluded")


@dataclass(frozen=True)
class Result:
    """The verdict on one URL. Plain data: reports, the cache and `--fix` read it."""

    url: str
    verdict: str
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    checked_at: float = 0.0
    permanent: bool = False  # the redirect chain was permanent: `--fix` may rewrite the URL
    missing_fragments: tuple[str, ...] = ()
    from_cache: bool = False
