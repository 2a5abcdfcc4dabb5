"""Link-checker settings: defaults, `[links]` in the config file, and command-line options."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from llmnotes.links.quirks import HostSettings, lookup, merged
from llmnotes.links.retry import RetryPolicy

__all__ = ["HostSettings", "LinkSettings", "SettingsError", "from_table", "parse_codes", "parse_duration"]

DEFAULT_USER_AGENT = "llmnotes-link-checker/0.1 (+https://pypi.org/project/llmnotes/)"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class SettingsError(ValueError):
    """A bad value; the message says what is expected."""


def parse_duration(text: str | int | float) -> float:
    """'50ms', '2s', '10m', '1h', '1d', '1w' or plain seconds → seconds."""
    if isinstance(text, bool):
        raise SettingsError(f"'{text}' is not a duration")
    if isinstance(text, int | float):
        if text < 0:
            raise SettingsError(f"'{text}' is not a duration: it is negative")
        return float(text)
    match = _DURATION.match(str(text))
    if not match:
        raise SettingsError(f"'{text}' is not a duration like 500ms, 2s, 10m, 1h or 1d")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_codes(text: str | list[int]) -> frozenset[int]:
    """'200-299,403' or [200, 403] → the set of accepted status codes."""
    codes: set[int] = set()
    parts = text if isinstance(text, list) else str(text).split(",")
    for part in parts:
        part_s = str(part).strip()
        try:
            if "-" in part_s or ".." in part_s:
                low, high = re.split(r"\.\.=?|-", part_s, maxsplit=1)
                codes.update(range(int(low), int(high) + 1))
            elif part_s:
                codes.add(int(part_s))
        except ValueError:
            raise SettingsError(f"'{part_s}' is not a status code or a range like 200-299") from None
    if not codes or any(not 100 <= c <= 999 for c in codes):
        raise SettingsError(f"'{text}' must list status codes between 100 and 999")
    return frozenset(codes)


@dataclass(frozen=True)
class LinkSettings:
    max_concurrency: int = 128  # requests in flight over all hosts
    host_concurrency: int = 6  # requests in flight to one host: what browsers allow
    host_interval: float = 0.01  # seconds between request starts to one host (≤ 100/s)
    timeout: float = 20.0  # overall deadline of one attempt: connect, headers and any body read
    retries: int = 2
    backoff: float = 0.5  # first retry delay; doubles each attempt, with jitter
    max_retry_after: float = 60.0  # cap on a server's Retry-After
    max_redirects: int = 10
    accept: frozenset[int] = field(default_factory=lambda: frozenset(range(200, 300)))
    exclude: tuple[str, ...] = ()
    fragments: bool = False
    cache: Path | None = Path(".llmnotes/links.sqlite")
    cache_max_age: float = 86400.0
    user_agent: str = DEFAULT_USER_AGENT
    hosts: dict[str, HostSettings] = field(default_factory=dict)  # the user's [links.hosts], over quirks.BUILT_IN
    github_token: str | None = field(default=None, repr=False)  # from GITHUB_TOKEN: sent to github_hosts only
    github_hosts: tuple[str, ...] = ("github.com", "api.github.com")

    @cached_property
    def _excluded(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.exclude)

    def excluded(self, url: str) -> bool:
        """Whether an `exclude` pattern keeps `url` from being checked."""
        return any(p.search(url) for p in self._excluded)

    @cached_property
    def _table(self) -> dict[str, HostSettings]:
        return merged(self.hosts)

    def for_host(self, host: str) -> HostSettings:
        """What a host needs: the user's `[links.hosts]` over the built-in quirks, parent domains included."""
        return lookup(self._table, host)

    def token_for(self, scheme: str, host: str) -> str | None:
        """GITHUB_TOKEN for a GitHub host over https (or loopback, which never leaves this machine):
        CI runs are then not rate-limited. Never sent anywhere else, redirects included."""
        if not self.github_token or host.lower() not in self.github_hosts:
            return None
        return self.github_token if scheme == "https" or host in ("127.0.0.1", "localhost", "::1") else None

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.retries, self.backoff, self.max_retry_after)

    def with_options(self, **options: Any) -> LinkSettings:
        return replace(self, **{k: v for k, v in options.items() if v is not None})


# the keys a [links] table may hold
SETTING_KEYS = (
    "max_concurrency",
    "host_concurrency",
    "host_interval",
    "timeout",
    "retries",
    "backoff",
    "max_retry_after",
    "max_redirects",
    "accept",
    "exclude",
    "fragments",
    "cache",
    "cache_max_age",
    "user_agent",
    "hosts",
    "github_hosts",
)


def _positive_int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"'{key}' must be a whole number ≥ 0, not {value!r}")
    if key in ("max_concurrency", "host_concurrency", "concurrency") and value < 1:
        raise SettingsError(f"'{key}' must be at least 1")
    return value


def from_table(table: dict[str, Any], root: Path) -> tuple[LinkSettings, list[tuple[str, str]]]:
    """Settings from a `[links]` table; returns them and a list of (key, problem)."""
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for key, value in table.items():
        try:
            if key not in SETTING_KEYS:
                hint = difflib.get_close_matches(key, SETTING_KEYS, n=1)
                raise SettingsError(f"unknown key '{key}' in [links]" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            if key in ("max_concurrency", "host_concurrency", "retries", "max_redirects"):
                values[key] = _positive_int(key, value)
            elif key in ("host_interval", "timeout", "backoff", "max_retry_after", "cache_max_age"):
                values[key] = parse_duration(value)
            elif key == "accept":
                values[key] = parse_codes(value)
            elif key == "exclude":
                values[key] = tuple(_patterns(value))
            elif key == "fragments":
                if not isinstance(value, bool):
                    raise SettingsError("'fragments' must be true or false")
                values[key] = value
            elif key == "cache":
                if value is False:
                    values[key] = None
                elif isinstance(value, str):
                    values[key] = Path(value) if Path(value).is_absolute() else root / value
                else:
                    raise SettingsError("'cache' must be a file path or false")
            elif key == "user_agent":
                if not isinstance(value, str):
                    raise SettingsError("'user_agent' must be text")
                values[key] = value
            elif key == "hosts":
                values[key] = _hosts(value)
            elif key == "github_hosts":
                if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                    raise SettingsError("'github_hosts' must be a list of host names (GitHub Enterprise: add yours)")
                values[key] = tuple(v.lower() for v in value)
        except SettingsError as exc:
            problems.append((key, str(exc)))
    return LinkSettings(**values), problems


def _patterns(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError("'exclude' must be a list of regular expressions")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SettingsError(f"'exclude' pattern {pattern!r} is not a valid regular expression: {exc}") from None
    return value


def _hosts(value: Any) -> dict[str, HostSettings]:
    if not isinstance(value, dict):
        raise SettingsError("'hosts' must be a table of host names")
    hosts: dict[str, HostSettings] = {}
    for host, raw in value.items():
        if not isinstance(raw, dict):
            raise SettingsError(f"[links.hosts.\"{host}\"] must be a table")
        unknown = set(raw) - {"concurrency", "interval", "headers", "bot_wall"}
        if unknown:
            raise SettingsError(f"unknown key '{sorted(unknown)[0]}' for host {host} (known: concurrency, interval, headers, bot_wall)")
        if "bot_wall" in raw and not isinstance(raw["bot_wall"], bool):
            raise SettingsError(f"bot_wall for host {host} must be true or false")
        headers = raw.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise SettingsError(f"headers for host {host} must be a table of text values")
        hosts[host.lower()] = HostSettings(
            concurrency=_positive_int("concurrency", raw["concurrency"]) if "concurrency" in raw else None,
            interval=parse_duration(raw["interval"]) if "interval" in raw else None,
            headers=tuple(sorted(headers.items())),
            bot_wall=raw.get("bot_wall"),
        )
    return hosts
