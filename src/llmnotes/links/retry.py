"""When to try a URL again, and how long to wait first: the retry policy, apart from the verdicts.

lychee keeps `retry` on its own for the same reason: what a response *means* (`verdict.py`) and how
patient to be with a host (here) change for different reasons, and are tested apart.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass


class Failure(Exception):
    """A failed attempt. `retry` says whether trying again may help; `delay` is the server's wish
    (Retry-After); `host_wide` slows the whole host down rather than this URL alone (429, 503);
    `unreachable` says no connection could be made at all (no address, refused, no route), which
    from every host at once means this machine is offline rather than the links broken."""

    def __init__(
        self, message: str, retry: bool, delay: float | None = None, status: int | None = None, host_wide: bool = False, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.retry, self.delay, self.status, self.host_wide, self.unreachable = retry, delay, status, host_wide, unreachable


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2  # attempts after the first
    backoff: float = 0.5  # the first delay; doubles each attempt, with jitter
    max_retry_after: float = 60.0  # a server may ask for a pause, but not for an hour

    def gives_up(self, failure: Failure, attempt: int) -> bool:
        """Whether `attempt` (0-based) was the last one for this failure."""
        return not failure.retry or attempt >= self.retries

    def delay(self, failure: Failure, attempt: int) -> float:
        """The server's Retry-After when it gave one, else exponential backoff with jitter, so
        many URLs failing together do not come back together."""
        if failure.delay is not None:
            return float(failure.delay)
        return self.backoff * (2.0**attempt) * (1 + random.random())

    def retry_after(self, headers: Mapping[str, str]) -> float | None:
        """A `Retry-After` header (seconds or an HTTP date) as seconds from now, capped."""
        value = (headers.get("retry-after") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return min(float(value), self.max_retry_after)
        import email.utils  # rare, and the module is a noticeable part of check-links' start-up

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return min(max(when.timestamp() - time.time(), 0.0), self.max_retry_after)
