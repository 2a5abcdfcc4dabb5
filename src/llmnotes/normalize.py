"""URL identity, in two strengths, side by side so they cannot drift apart.

- `url_key`: which *resource* a URL names. A paper cited as `arxiv.org/abs/2106.09685`,
  `arxiv.org/pdf/2106.09685v2.pdf` and `HTTPS://ArXiv.org/abs/2106.09685#intro` is one resource, with
  one page listing every note that cites it.
- `fetch_key`: which *request* a URL needs. Weaker on purpose: `http` and `https`, or two arXiv
  forms, are different requests that can answer differently, so the link checker fetches each.

Both keys are for identity only; links keep pointing at the URL the author wrote.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_ARXIV_PATH = re.compile(r"^/(?:abs|pdf|html)/(?P<id>(?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(?:v\d+)?(?:\.pdf)?/?$")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _requote(part: str, safe: str) -> str:
    """Percent-encoding in one canonical form (RFC 3986 §6.2.2): unreserved characters decoded,
    other escapes upper-cased, characters that need escaping escaped. `%2F` stays `%2F`."""
    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return quote(_ESCAPE.sub(one, part), safe=safe + "%")


@functools.lru_cache(maxsize=1 << 16)
def url_key(url: str) -> str:
    """The identity of the resource at `url`. Cached: a large site names the same URLs again and
    again (a paper cited by fifty notes), and a build asks for each many times."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = _port(parts)
    if host in _ARXIV_HOSTS:
        match = _ARXIV_PATH.match(parts.path)
        if match:
            return f"https://arxiv.org/abs/{match.group('id')}"
    if scheme == "http":
        scheme = "https"  # the same document, whichever way it was reached
    netloc = _netloc(parts.scheme.lower(), host, port)
    path = _requote(parts.path, "/:@!$&'()*+,;=") or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = _requote(parts.query, "=&+/:@!$'()*,;?")
    return urlunsplit((scheme, netloc, path, query, ""))


def _netloc(scheme: str, host: str, port: int | None) -> str:
    return host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:  # a port that is not a number: the URL's problem, reported elsewhere
        return None


# A URL already in its fetch key's form (lower-case scheme and host, no port, no user, a path, no
# empty query, no fragment): most URLs of a reading list. It is its own key, without taking it apart.
_PLAIN = re.compile(r"(https?)://[a-z0-9.-]+(?::([1-9][0-9]{0,4}))?/[^\s#?]*(?:\?[^\s#]+)?")


def fetch_key(url: str) -> str:
    """Two spellings with the same key are one request: scheme and host case, the default port and
    the fragment (never sent to a server) do not matter; everything else does."""
    plain = _PLAIN.fullmatch(url)
    if plain:
        port = plain.group(2)
        if port is None or (int(port) <= 65535 and int(port) != DEFAULT_PORTS[plain.group(1)]):
            return url
    return _fetch_key(url)


def _fetch_key(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, (parts.hostname or "").lower(), _port(parts))
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """The host name a reader sees beside a link ("arxiv.org")."""
    if _PLAIN.fullmatch(url):  # no user, no brackets, lower case: the text between `//` and `/` or `:`
        return url.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return (urlsplit(url).hostname or "").lower()


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII, lowercase, hyphen-separated; used for resource page names (every resource's, on
    every build: hence the compiled pattern, and no decomposition of what is ASCII already)."""
    ascii_text = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "resource"


def resource_id(key: str, title: str) -> str:
    """A readable, stable page name: the title's slug and a short hash of the URL key."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:7]
    return f"{slugify(title, 50)}-{digest}"
