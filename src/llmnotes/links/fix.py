"""`--fix`: rewrite permanently redirected URLs where they are written, changing nothing else.

Edits are made at the exact line and column the loader recorded, after checking that the text there
is the URL being replaced, so formatting, comments, quoting and order of the file are kept. Each file
is rewritten atomically.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from llmnotes.links.report import Report
from llmnotes.links.result import Verdict
from llmnotes.model import Place
from llmnotes.normalize import fetch_key
from llmnotes.write import write_text_atomically

_URL_TOKEN = re.compile(r"""[^\s"'<>()\[\],]+""")


@dataclass(frozen=True)
class Change:
    place: Place
    old: str
    new: str


def apply(report: Report, root: Path = Path(".")) -> list[Change]:
    """Rewrite every place of every permanently redirected URL; the changes made, in file order."""
    by_file: dict[str, list[tuple[Place, str, str]]] = defaultdict(list)
    for finding in report.findings:
        result = finding.result
        if result.verdict is Verdict.REDIRECTED and result.final_url:
            for place in finding.places:
                by_file[place.path].append((place, fetch_key(result.url), result.final_url))
    changes: list[Change] = []
    for path, edits in sorted(by_file.items()):
        file = root / path
        text = file.read_bytes().decode("utf-8")  # keep CRLF line ends as they are
        lines = text.split("\n")
        # right to left, so earlier columns on the same line stay valid
        for place, key, new in sorted(edits, key=lambda e: (e[0].line, e[0].col), reverse=True):
            line = lines[place.line - 1]
            start = place.col - 1
            if start < len(line) and line[start] in "\"'":
                start += 1
            match = _URL_TOKEN.match(line, start)
            if not match or fetch_key(match.group(0)) != key:
                continue  # the file changed since it was read: leave it alone
            old = match.group(0)
            fragment = urlsplit(old).fragment
            replacement = new + (f"#{fragment}" if fragment and "#" not in new else "")
            lines[place.line - 1] = line[:start] + replacement + line[match.end():]
            changes.append(Change(place, old, replacement))
        new_text = "\n".join(lines)
        if new_text != text:
            write_text_atomically(file, new_text)
    return sorted(changes, key=lambda c: (c.place.path, c.place.line, c.place.col))

