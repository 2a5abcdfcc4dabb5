"""Known hosts that answer a link checker differently from a reader's browser.

A checker that reports every x.com link as broken teaches its users to ignore it. These few hosts
are known to answer robots with a wall (a login page, 999, 403, sometimes 404 for a page that is
there) or to need a header a browser sends. The table is small on purpose, each entry with its
reason; `[links.hosts."NAME"]` in llmnotes.toml extends it and overrides any entry (`bot_wall =
false`, a header of your own), and a name covers its subdomains (`medium.com` covers
`someone.medium.com`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostSettings:
    """What one host needs: fewer requests at once, a slower pace, headers, or its answers to
    robots read as a wall (`bot_wall`: any answer but a success is `blocked`, never `broken`)."""

    concurrency: int | None = None
    interval: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    bot_wall: bool | None = None

    def overlaid(self, mine: HostSettings) -> HostSettings:
        """These settings with `mine` on top: its values where it has them, headers merged by name."""
        headers = {k.lower(): (k, v) for k, v in self.headers}
        headers.update({k.lower(): (k, v) for k, v in mine.headers})
        return HostSettings(
            mine.concurrency if mine.concurrency is not None else self.concurrency,
            mine.interval if mine.interval is not None else self.interval,
            tuple(sorted(headers.values())),
            mine.bot_wall if mine.bot_wall is not None else self.bot_wall,
        )


NONE = HostSettings()

_HTML = (("Accept", "text/html"),)

BUILT_IN: dict[str, HostSettings] = {
    # Bot walls: what they answer a robot says nothing about the page, so never "broken".
    "x.com": HostSettings(bot_wall=True),  # 400/403 or a login wall without JavaScript
    "twitter.com": HostSettings(bot_wall=True),  # now redirects to x.com, same wall
    "linkedin.com": HostSettings(bot_wall=True),  # 999, or the /authwall redirect
    "medium.com": HostSettings(bot_wall=True),  # 403 behind Cloudflare for robots
    "instagram.com": HostSettings(bot_wall=True),  # login wall
    "facebook.com": HostSettings(bot_wall=True),  # login wall
    # Content negotiation: these answer 404 (or an API error) unless asked for HTML.
    "crates.io": HostSettings(headers=_HTML),
    "docs.rs": HostSettings(headers=_HTML),
}


def merged(user: dict[str, HostSettings]) -> dict[str, HostSettings]:
    """The built-in table under the user's: a user's entry wins key by key (headers name by name)."""
    table = dict(BUILT_IN)
    for host, mine in user.items():
        table[host] = table[host].overlaid(mine) if host in table else mine
    return table


def lookup(table: dict[str, HostSettings], host: str) -> HostSettings:
    """The entry for `host` or the nearest parent domain that has one (`a.medium.com` → `medium.com`)."""
    name = host.lower().rstrip(".")
    while True:
        found = table.get(name)
        if found is not None:
            return found
        if "." not in name:
            return NONE
        name = name.split(".", 1)[1]
