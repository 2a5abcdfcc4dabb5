"""The verdict on one URL: plain data shared by the checker, the cache, the reports and the site."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Verdict(enum.StrEnum):
    """What a check concluded. The values are the JSON report's contract: keep them."""

    OK = "ok"
    REDIRECTED = "redirected"  # a permanent redirect: fine, and `--fix` can rewrite the URL
    BROKEN = "broken"
    BLOCKED = "blocked"  # the server refused a robot (401, 403, 999, a bot wall): shown, not failed
    EXCLUDED = "excluded"

    @property
    def good(self) -> bool:
        """Results a later run may trust from the cache instead of asking again."""
        return self in (Verdict.OK, Verdict.REDIRECTED)

    @property
    def problem(self) -> bool:
        """Results a report lists place by place."""
        return self in (Verdict.BROKEN, Verdict.BLOCKED, Verdict.REDIRECTED)


@dataclass(frozen=True)
class Result:
    """The verdict on one URL. Plain data: reports, the cache and `--fix` read it."""

    url: str
    verdict: Verdict
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    checked_at: float = 0.0
    permanent: bool = False  # the redirect chain was permanent: `--fix` may rewrite the URL
    from_cache: bool = False
    # Fragments the page was asked for and does not have. The verdict is the page's own; each place
    # that asks for a missing fragment is broken on its own (`report.Finding.verdict_at`), so a page
    # cited as `#present` in one note and `#absent` in another is fetched once and judged twice.
    missing_fragments: tuple[str, ...] = ()
    unreachable: bool = False  # no connection could be made (no address, refused, no route)
