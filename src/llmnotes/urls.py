"""The one place that builds the site's URLs.

Every page kind has a *site path* (`notes/<slug>/`, `topics/`, `static/style.css`); pages link to
each other with URLs relative to the page they are on, so the same build works at a domain root,
under a subpath and largely from disk. Only what must be absolute (feed, sitemap, canonical link)
uses the base URL, and the 404 page, which a server shows at any address, uses root-relative paths.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


def note_path(slug: str) -> str:
    return f"notes/{slug}/"


def topic_path(slug: str) -> str:
    return f"topics/{slug}/"


def resource_path(rid: str) -> str:
    return f"resources/{rid}/"


def static_path(name: str) -> str:
    return f"static/{name}"


def asset_path(relpath: str) -> str:
    return f"assets/{relpath}"


HOME = ""
TOPICS = "topics/"
RESOURCES = "resources/"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
NOT_FOUND = "404.html"
GRAPH = "graph.json"
SEARCH = "search/"
GRAPH_PAGE = "graph/"
GRAPH_DATA = "graph/data.js"
SEARCH_INDEX = "search-index/"

# The site's sections, as the header links them: (label, site path).
SECTIONS = (("Topics", TOPICS), ("Resources", RESOURCES), ("Graph", GRAPH_PAGE))


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    current: bool  # the page is in this section


def output_file(site_path: str) -> str:
    """The file in the output folder that serves a site path."""
    return site_path + "index.html" if site_path == "" or site_path.endswith("/") else site_path


@functools.lru_cache(maxsize=1 << 16)
def _quoted(site_path: str) -> str:
    """A site path percent-encoded for a URL. Cached: a page links to the same few hundred paths
    as every other, and a 10,000-note build writes a million such links."""
    return quote(site_path)


def _joined(prefix: str, site_path: str) -> str:
    """A link: the page's `Urls.prefix`, then the target; "./" for the site root from the root."""
    return (prefix + _quoted(site_path)) or "./"


@dataclass(frozen=True)
class Urls:
    base_url: str  # ends with '/': "https://example.org/sub/" or "/sub/"

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path or "/"

    def absolute(self, site_path: str) -> str:
        """For the feed, the sitemap and canonical links."""
        return self.base_url + _quoted(site_path)

    def rooted(self, site_path: str) -> str:
        """Root-relative, for pages shown at any address (the 404 page)."""
        return _joined(self.prefix("", rooted=True), site_path)

    def relative(self, site_path: str, from_page: str) -> str:
        """The URL of `site_path` as written on the page at `from_page`: up to the site root, then
        down to the target. Plain string work, no filesystem calls (a page's own links go through
        `PageUrls.to`, which takes the prefix once per page)."""
        return _joined(self.prefix(from_page, rooted=False), site_path)

    def prefix(self, from_page: str, rooted: bool) -> str:
        """What every link on the page at `from_page` starts with: the base path on a rooted page,
        else the way up to the site root ("notes/a/" is two folders deep, "404.html" none)."""
        return self.base_path if rooted else "../" * from_page.count("/")

    def for_page(self, page: str, rooted: bool = False) -> PageUrls:
        return PageUrls(self, page, rooted)


@dataclass(frozen=True)
class PageUrls:
    """URL helpers bound to one page; templates see this as `link`."""

    urls: Urls
    page: str
    rooted: bool = False

    @functools.cached_property
    def _prefix(self) -> str:
        """`Urls.prefix` of this page, worked out once per page, not for each of its ~60 links."""
        return self.urls.prefix(self.page, self.rooted)

    def to(self, site_path: str) -> str:
        return _joined(self._prefix, site_path)

    def home(self) -> str:
        return self.to(HOME)

    def note(self, slug: str, heading: str | None = None) -> str:
        return self.to(note_path(slug)) + (f"#{quote(heading)}" if heading else "")

    def topic(self, slug: str) -> str:
        return self.to(topic_path(slug))

    def resource(self, rid: str) -> str:
        return self.to(resource_path(rid))

    def static(self, name: str) -> str:
        return self.to(static_path(name))

    def asset(self, relpath: str) -> str:
        return self.to(asset_path(relpath))

    def topics(self) -> str:
        return self.to(TOPICS)

    def resources(self) -> str:
        return self.to(RESOURCES)

    def graph(self) -> str:
        return self.to(GRAPH_PAGE)

    def graph_data(self) -> str:
        return self.to(GRAPH_DATA)

    def search(self) -> str:
        return self.to(SEARCH)

    def search_form(self) -> str:
        """Where the header's search box submits: the search page's file itself, so that the
        query survives from disk, where a folder URL would show a file listing."""
        return self.to(SEARCH) + ("" if self.rooted else "index.html")

    def search_index(self) -> str:
        return self.to(SEARCH_INDEX)

    def feed(self) -> str:
        return self.to(FEED)

    def nav(self) -> list[NavItem]:
        return [NavItem(label, self.to(path), self.page.startswith(path)) for label, path in SECTIONS]

    def absolute(self, site_path: str | None = None) -> str:
        return self.urls.absolute(self.page if site_path is None else site_path)

    def canonical(self) -> str | None:
        """The page's own absolute URL, when the site has a full base URL; never for the 404 page,
        which is shown at every address."""
        return None if self.rooted or not self.urls.base_url.startswith("http") else self.absolute()

    def absolute_home(self) -> str:
        return self.urls.absolute(HOME)

    def absolute_feed(self) -> str:
        return self.urls.absolute(FEED)

    def absolute_sitemap(self) -> str:
        return self.urls.absolute(SITEMAP)

    def absolute_note(self, slug: str) -> str:
        return self.urls.absolute(note_path(slug))
