"""Report: the verdicts as text, JSON, JUnit XML, GitHub annotations or Markdown.

Formatters are pure functions of a `Report`. The JSON keys are a contract other tools read: keep
them, add freely.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from json.encoder import encode_basestring as _string  # the C string encoder `json.dumps` uses without ensure_ascii
from typing import TYPE_CHECKING

from llmnotes.diagnostics import Diagnostic
from llmnotes.links.result import Result, Verdict
from llmnotes.model import Place

if TYPE_CHECKING:  # not at run time: `build` imports the formats, not the extractor and markdown-it
    from llmnotes.links.extract import Target

FORMATS = ("text", "json", "junit", "github", "markdown")


@dataclass(frozen=True)
class Finding:
    """One URL's result and every place the notes write it, with the fragment each place asks for."""

    result: Result
    places: tuple[Place, ...]
    fragments: tuple[tuple[str, Place], ...] = ()

    def fragment_at(self, place: Place) -> str | None:
        return next((f for f, p in self.fragments if p == place), None)

    def _missing_at(self, place: Place) -> str | None:
        """The fragment this place asks for, when the page does not have it."""
        if not self.result.missing_fragments:
            return None
        fragment = self.fragment_at(place)
        return fragment if fragment in self.result.missing_fragments else None

    def url_at(self, place: Place) -> str:
        """The URL as this place writes it, fragment included."""
        fragment = self.fragment_at(place)
        return self.result.url if fragment is None else f"{self.result.url}#{fragment}"

    def verdict_at(self, place: Place) -> Verdict:
        """A place's own verdict: the page's, or broken when its fragment is not on the page."""
        return Verdict.BROKEN if self._missing_at(place) is not None else self.result.verdict

    def why_at(self, place: Place) -> str:
        missing = self._missing_at(place)
        return f"missing fragment #{missing}" if missing is not None else self.why

    @property  # not cached: cheap for a URL without missing fragments, and 3.11's cache takes a lock
    def verdict(self) -> Verdict:
        """The URL's verdict: broken when any place is, so summaries and exit codes count it."""
        if not self.result.missing_fragments:  # most URLs: no place can differ
            return self.result.verdict
        return Verdict.BROKEN if any(self._missing_at(p) is not None for p in self.places) else self.result.verdict

    @property
    def why(self) -> str:
        r = self.result
        if r.verdict is Verdict.REDIRECTED:
            return f"moved permanently to {r.final_url}"
        if r.error:
            return r.error
        if self.verdict is not r.verdict:  # a page that is there, without some place's fragment
            return "missing fragment #" + ", #".join(sorted({f for p in self.places if (f := self._missing_at(p))}))
        return f"HTTP {r.status}" if r.status else str(r.verdict)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    internal: tuple[Diagnostic, ...]  # links between notes, headings and files that lead nowhere
    seconds: float = 0.0
    fixes: tuple[tuple[Place, str, str], ...] = ()  # with --fix: (place, "written" | "refused", URL written | why not)
    notes: tuple[Diagnostic, ...] = ()  # the notes' own errors (broken YAML, a bad field): a failure too
    archives: dict[str, str | None] | None = None  # with --archive: broken URL → its archived copy (None: none)

    def archive_of(self, f: Finding) -> str | None:
        return self.archives.get(f.result.url) if self.archives else None

    def archive_at(self, f: Finding, place: Place) -> str | None:
        """The archived copy to name beside a place: only where the link is broken there."""
        return self.archive_of(f) if f.verdict_at(place) is Verdict.BROKEN else None

    @cached_property
    def summary(self) -> dict[str, int]:
        counts = Counter(f.verdict for f in self.findings)
        counts[Verdict.BROKEN] += len(self.internal)
        return {str(v): counts.get(v, 0) for v in Verdict}

    def failed(self, strict: bool = False) -> bool:
        s = self.summary
        return bool(self.notes) or s[Verdict.BROKEN] > 0 or (strict and s[Verdict.BLOCKED] > 0)

    def problems(self) -> list[tuple[Place, Finding]]:
        """Every place of every problem URL, and of every link left unchecked for a reason (an
        ftp: link, say, not one the user excluded), in file order."""
        rows = [(p, f) for f in self.findings if _listed(f) for p in f.places if _listed_at(f, p)]
        return sorted(rows, key=lambda pf: (pf[0].path, pf[0].line, pf[0].col, pf[1].result.url))


def make_report(targets: list[Target], results: dict[str, Result], internal: list[Diagnostic], seconds: float = 0.0) -> Report:
    findings = tuple(Finding(results[t.key], t.places, t.fragments) for t in targets)
    return Report(findings, tuple(internal), seconds)


def summary_line(report: Report) -> str:
    parts = ", ".join(f"{n} {v}" for v, n in report.summary.items())
    cached = sum(f.result.from_cache for f in report.findings)
    extra = f"; {cached} from cache" if cached else ""
    return f"{len(report.findings)} URLs: {parts}{extra} in {report.seconds:.1f} s"


def _listed(f: Finding) -> bool:
    return f.verdict.problem or (f.verdict is Verdict.EXCLUDED and f.result.error is not None)


def _listed_at(f: Finding, place: Place) -> bool:
    """Of a URL with problems, the places that have one: not those whose fragment is there."""
    verdict = f.verdict_at(place)
    return verdict.problem or (verdict is Verdict.EXCLUDED and f.result.error is not None)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Text from a server or a note, safe to print on a terminal: control characters (an escape
    sequence could recolour, retitle or clear the screen) shown as `\\xNN`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_PAINT = {Verdict.BROKEN: "31", Verdict.BLOCKED: "33", Verdict.REDIRECTED: "36", Verdict.EXCLUDED: "2"}


def as_text(report: Report, color: bool = False) -> str:
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for d in report.internal:
        by_file.setdefault(d.path, []).append((d.line, d.col, f"{f'{d.line}:{d.col}':<7} {'broken':<10}  {clean(d.message)}"))
    for place, f in report.problems():
        verdict_at = f.verdict_at(place)
        verdict = f"{verdict_at:<10}"
        if color:
            verdict = f"\033[{_PAINT[verdict_at]}m{verdict}\033[0m"
        where = f"{place.line}:{place.col}"
        row = f"{where:<7} {verdict}  {clean(f.url_at(place))}  ({clean(f.why_at(place))})"
        if copy := report.archive_at(f, place):
            row += f"\n  {'':<7} {'':<10}  archived copy: {clean(copy)}"
        by_file.setdefault(place.path, []).append((place.line, place.col, row))
    lines = []
    for path in sorted(by_file):
        lines.append(path)
        lines += ["  " + text for _, _, text in sorted(by_file[path])]
    lines.append(summary_line(report))
    return "\n".join(clean(line) if not color else line for line in lines) + "\n"


def as_json(report: Report) -> str:
    """The report as one JSON document. Most results have one verdict for all their places and
    neither a fix nor an archived copy: their rows are written directly (`_plain_row`), which
    is three times faster than building a dict for each of 20,000 results and encoding it."""
    fixes = {place: {kind: detail} for place, kind, detail in report.fixes}
    plain = not fixes and report.archives is None
    rows = [_plain_row(f) if plain and not f.fragments else _dumps(_row(report, fixes, f)) for f in report.findings]
    internal = [{"path": d.path, "line": d.line, "col": d.col, "message": d.message} for d in report.internal]
    notes = [{"path": d.path, "line": d.line, "col": d.col, "severity": d.severity.value, "message": d.message} for d in report.notes]
    return f'{{"summary": {_dumps(report.summary)}, "results": [{", ".join(rows)}], "internal": {_dumps(internal)}, "notes": {_dumps(notes)}}}\n'


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, check_circular=False)  # the C encoder; plain data, no cycles


def _row(report: Report, fixes: dict[Place, dict[str, str]], f: Finding) -> dict[str, object]:
    """One result's JSON object, whatever it holds: fragments with their own verdicts, fixes, an archived copy."""

    def place(p: Place) -> dict[str, object]:
        row: dict[str, object] = {"path": p.path, "line": p.line, "col": p.col}
        fragment = f.fragment_at(p) if f.fragments else None
        if fragment is not None:  # a place asking for a fragment has its own verdict
            row["fragment"] = fragment
            row["verdict"] = f.verdict_at(p)
            if f.verdict_at(p) is not f.result.verdict:
                row["error"] = f.why_at(p)
        if p in fixes:
            row["fix"] = fixes[p]
        return row

    row: dict[str, object] = {"archive_url": report.archive_of(f)} if report.archives is not None else {}
    row.update(
        url=f.result.url,
        verdict=f.verdict,
        status=f.result.status,
        final_url=f.result.final_url,
        error=f.why if f.verdict is not f.result.verdict else f.result.error,
        cached=f.result.from_cache,
        places=[place(p) for p in f.places],
    )
    return row


def _plain_row(f: Finding) -> str:
    """`_dumps(_row(…))` of a result without fragments, fixes or archived copies, written directly."""
    r = f.result
    places = ", ".join(f'{{"path": {_string(p.path)}, "line": {p.line}, "col": {p.col}}}' for p in f.places)
    return (
        f'{{"url": {_string(r.url)}, "verdict": {_string(r.verdict)}, "status": {"null" if r.status is None else int(r.status)}, '
        f'"final_url": {_nullable(r.final_url)}, "error": {_nullable(r.error)}, "cached": {"true" if r.from_cache else "false"}, '
        f'"places": [{places}]}}'
    )


def _nullable(text: str | None) -> str:
    return "null" if text is None else _string(text)


def as_junit(report: Report) -> str:
    """One test case per URL (a failure when broken, skipped when excluded) and per internal problem."""
    import xml.etree.ElementTree as ET  # only this format needs it

    summary = report.summary
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="llmnotes check-links",
        tests=str(len(report.findings) + len(report.internal) + len(report.notes)),
        failures=str(summary[Verdict.BROKEN] + len(report.notes)),
        skipped=str(summary[Verdict.EXCLUDED]),
        time=f"{report.seconds:.3f}",
    )
    for f in report.findings:
        case = ET.SubElement(suite, "testcase", classname=f.places[0].path, name=f.result.url)
        if f.verdict is Verdict.BROKEN:
            failure = ET.SubElement(case, "failure", message=f.why)
            failure.text = "\n".join(f"{p.path}:{p.line}:{p.col}" for p in f.places if f.verdict_at(p) is Verdict.BROKEN)
            if copy := report.archive_of(f):
                failure.text += f"\narchived copy: {copy}"
        elif f.verdict is Verdict.EXCLUDED:
            skipped = ET.SubElement(case, "skipped")
            if f.result.error:  # left unchecked for a reason (an ftp: link), not by the user's choice
                skipped.set("message", f.why)
    for d in (*report.internal, *report.notes):
        case = ET.SubElement(suite, "testcase", classname=d.path, name=f"{d.path}:{d.line}:{d.col}")
        ET.SubElement(case, "failure", message=d.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


_GH_LEVEL = {Verdict.BROKEN: "error", Verdict.BLOCKED: "warning", Verdict.REDIRECTED: "notice", Verdict.EXCLUDED: "notice"}


def as_github(report: Report) -> str:
    """GitHub Actions workflow commands: errors for broken links, warnings for the rest."""
    lines = [f"::error file={_gh_prop(d.path)},line={d.line},col={d.col}::{_gh_escape(clean(d.message))}" for d in (*report.notes, *report.internal)]
    for place, f in report.problems():
        verdict = f.verdict_at(place)
        title = _gh_prop(f"{verdict} link")
        text = f.url_at(place) + " — " + f.why_at(place)
        if copy := report.archive_at(f, place):
            text += f" — archived copy: {copy}"
        lines.append(f"::{_GH_LEVEL[verdict]} file={_gh_prop(place.path)},line={place.line},col={place.col},title={title}::{_gh_escape(clean(text))}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def as_markdown(report: Report) -> str:
    lines = ["# Link check", "", summary_line(report), ""]
    rows = report.problems()
    if rows or report.internal or report.notes:
        lines += ["| where | verdict | URL | why |", "|---|---|---|---|"]
        for d in report.notes:
            lines.append(f"| `{d.path}:{d.line}:{d.col}` | error in the note | | {_md(clean(d.message))} |")
        for d in report.internal:
            lines.append(f"| `{d.path}:{d.line}:{d.col}` | broken | | {_md(clean(d.message))} |")
        for place, f in rows:
            why = f.why_at(place)
            if copy := report.archive_at(f, place):
                why += f"; archived copy: <{copy}>"
            lines.append(f"| `{place.path}:{place.line}:{place.col}` | {f.verdict_at(place)} | <{clean(f.url_at(place))}> | {_md(clean(why))} |")
    else:
        lines.append("No broken links.")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: Report, fmt: str, color: bool = False) -> str:
    formatters: dict[str, Callable[[Report], str]] = {
        "text": lambda r: as_text(r, color),
        "json": as_json,
        "junit": as_junit,
        "github": as_github,
        "markdown": as_markdown,
    }
    return formatters[fmt](report)
