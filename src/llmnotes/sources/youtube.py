"""YouTube via oEmbed (`?url=…&format=json`): title and channel name; oEmbed carries no date."""

from __future__ import annotations

import json
import re

from llmnotes.sources import LookupFailure, Metadata

_VIDEO = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?|shorts/|live/)|youtu\.be/)", re.I)


def is_youtube(url: str) -> bool:
    return bool(_VIDEO.match(url.strip()))


def parse_oembed(text: str, url: str) -> Metadata | LookupFailure:
    what = f"YouTube video {url}"
    try:
        data = json.loads(text)
    except ValueError as error:
        return LookupFailure(what, f"YouTube oEmbed answered malformed JSON ({error})")
    if not isinstance(data, dict) or not isinstance(data.get("title"), str) or not data["title"].strip():
        return LookupFailure(what, "the oEmbed answer has no title")
    author = data.get("author_name")
    authors = (" ".join(author.split()),) if isinstance(author, str) and author.strip() else ()
    return Metadata(" ".join(data["title"].split()), authors, None, "video", url)
