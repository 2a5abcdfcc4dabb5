"""One resource, one identity: the key under which different spellings of a URL are unified.

A paper cited as `arxiv.org/abs/2106.09685`, `arxiv.org/pdf/2106.09685v2.pdf` and
`HTTPS://ArXiv.org/abs/2106.09685#intro` is one resource. The key is for identity only; links keep
pointing at the URL the author wrote.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
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


def url_key(url: str) -> str:
    """The identity of the resource at `url`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if host in _ARXIV_HOSTS:
        match = _ARXIV_PATH.match(parts.path)
        if match:
            return f"https://arxiv.org/abs/{match.group('id')}"
    if scheme == "http":
        scheme = "https"  # the same document, whichever way it was reached
    netloc = host if port in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"
    path = _requote(parts.path, "/:@!$&'()*+,;=") or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = _requote(parts.query, "=&+/:@!$'()*,;?")
    return urlunsplit((scheme, netloc, path, query, ""))


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII, lowercase, hyphen-separated; used for resource page names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "resource"


def resource_id(key: str, title: str) -> str:
    """A readable, stable page name: the title's slug and a short hash of the URL key."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:7]
    return f"{slugify(title, 50)}-{digest}"
