"""GitHub repositories via `/repos/OWNER/NAME`: the house style titles a repo `OWNER/NAME`; the
description is only a hint shown by `add --dry-run`, never written as a title."""

from __future__ import annotations

import json
import re

from llmnotes.sources import LookupFailure, Metadata

_REPO = re.compile(r"^https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?(?:[#?].*)?$", re.I)


def repo_of(url: str) -> tuple[str, str] | None:
    """(owner, name) of a repository's home URL; deeper pages (issues, blobs) are not repositories."""
    match = _REPO.match(url.strip())
    return (match.group(1), match.group(2)) if match else None


def parse_repo(text: str, owner: str, name: str) -> tuple[Metadata, str] | LookupFailure:
    """Metadata and the description hint of a GitHub repo JSON answer."""
    what = f"GitHub repository {owner}/{name}"
    try:
        data = json.loads(text)
    except ValueError as error:
        return LookupFailure(what, f"GitHub answered malformed JSON ({error})")
    if not isinstance(data, dict) or not isinstance(data.get("full_name"), str):
        return LookupFailure(what, "GitHub's answer has no full_name")
    created = str(data.get("created_at") or "")
    year = int(created[:4]) if created[:4].isdigit() else None
    owner_login = (data.get("owner") or {}).get("login") if isinstance(data.get("owner"), dict) else None
    authors = (str(owner_login),) if owner_login else ()
    full = data["full_name"]
    return Metadata(full, authors, year, "repo", f"https://github.com/{full}"), str(data.get("description") or "")
