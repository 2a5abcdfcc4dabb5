"""Report: the verdicts as text, JSON, JUnit XML, GitHub annotations or Markdown.

Formatters are pure functions of a `Report`. The JSON keys are a contract other tools read: keep
them, add freely.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from llmnotes.diagnostics import Diagnostic
from llmnotes.links.extract import Target
from llmnotes.links.result import Result, Verdict
from llmnotes.model import Place

FORMATS = ("text", "json", "junit", "github", "markdown")


@dataclass(frozen=True)
class Finding:
    """One URL's result and every place the notes write it."""

    result: Result
    places: tuple[Place, ...]

    @property
    def why(self) -> str:
        r = self.result
        if r.verdict is Verdict.REDIRECTED:
            return f"moved permanently to {r.final_url}"
        return r.error or (f"HTTP {r.status}" if r.status else str(r.verdict))


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    internal: tuple[Diagnostic, ...]  # links between notes, headings and files that lead nowhere
    seconds: float = 0.0
    fixes: tuple[tuple[Place, str, str], ...] = ()  # with --fix: (place, "written" | "refused", URL written | why not)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(f.result.verdict for f in self.findings)
        counts[Verdict.BROKEN] += len(self.internal)
        return {str(v): counts.get(v, 0) for v in Verdict}

    def failed(self, strict: bool = False) -> bool:
        s = self.summary
        return s[Verdict.BROKEN] > 0 or (strict and s[Verdict.BLOCKED] > 0)

    def problems(self) -> list[tuple[Place, Finding]]:
        """Every place of every problem URL, and of every link left unchecked for a reason (an
        ftp: link, say, not one the user excluded), in file order."""
        rows = [(p, f) for f in self.findings if _listed(f) for p in f.places]
        return sorted(rows, key=lambda pf: (pf[0].path, pf[0].line, pf[0].col, pf[1].result.url))


def make_report(targets: list[Target], results: dict[str, Result], internal: list[Diagnostic], seconds: float = 0.0) -> Report:
    findings = tuple(Finding(results[t.key], t.places) for t in targets)
    return Report(findings, tuple(internal), seconds)


def summary_line(report: Report) -> str:
    parts = ", ".join(f"{n} {v}" for v, n in report.summary.items())
    cached = sum(f.result.from_cache for f in report.findings)
    extra = f"; {cached} from cache" if cached else ""
    return f"{len(report.findings)} URLs: {parts}{extra} in {report.seconds:.1f} s"


def _listed(f: Finding) -> bool:
    return f.result.verdict.problem or (f.result.verdict is Verdict.EXCLUDED and f.result.error is not None)


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
        verdict = f"{f.result.verdict:<10}"
        if color:
            verdict = f"\033[{_PAINT[f.result.verdict]}m{verdict}\033[0m"
        where = f"{place.line}:{place.col}"
        by_file.setdefault(place.path, []).append((place.line, place.col, f"{where:<7} {verdict}  {clean(f.result.url)}  ({clean(f.why)})"))
    lines = []
    for path in sorted(by_file):
        lines.append(path)
        lines += ["  " + text for _, _, text in sorted(by_file[path])]
    lines.append(summary_line(report))
    return "\n".join(clean(line) if not color else line for line in lines) + "\n"


def as_json(report: Report) -> str:
    fixes = {place: {kind: detail} for place, kind, detail in report.fixes}

    def place(p: Place) -> dict[str, object]:
        row: dict[str, object] = {"path": p.path, "line": p.line, "col": p.col}
        if p in fixes:
            row["fix"] = fixes[p]
        return row

    data = {
        "summary": report.summary,
        "results": [
            {
                "url": f.result.url,
                "verdict": f.result.verdict,
                "status": f.result.status,
                "final_url": f.result.final_url,
                "error": f.result.error,
                "cached": f.result.from_cache,
                "places": [place(p) for p in f.places],
            }
            for f in report.findings
        ],
        "internal": [{"path": d.path, "line": d.line, "col": d.col, "message": d.message} for d in report.internal],
    }
    return json.dumps(data, ensure_ascii=False) + "\n"  # compact: the C encoder, fast on 20,000 results


def as_junit(report: Report) -> str:
    """One test case per URL (a failure when broken, skipped when excluded) and per internal problem."""
    summary = report.summary
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="llmnotes check-links",
        tests=str(len(report.findings) + len(report.internal)),
        failures=str(summary[Verdict.BROKEN]),
        skipped=str(summary[Verdict.EXCLUDED]),
        time=f"{report.seconds:.3f}",
    )
    for f in report.findings:
        case = ET.SubElement(suite, "testcase", classname=f.places[0].path, name=f.result.url)
        if f.result.verdict is Verdict.BROKEN:
            failure = ET.SubElement(case, "failure", message=f.why)
            failure.text = "\n".join(f"{p.path}:{p.line}:{p.col}" for p in f.places)
        elif f.result.verdict is Verdict.EXCLUDED:
            skipped = ET.SubElement(case, "skipped")
            if f.result.error:  # left unchecked for a reason (an ftp: link), not by the user's choice
                skipped.set("message", f.why)
    for d in report.internal:
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
    lines = [f"::error file={_gh_prop(d.path)},line={d.line},col={d.col}::{_gh_escape(clean(d.message))}" for d in report.internal]
    for place, f in report.problems():
        verdict = f.result.verdict
        title = _gh_prop(f"{verdict} link")
        lines.append(f"::{_GH_LEVEL[verdict]} file={_gh_prop(place.path)},line={place.line},col={place.col},title={title}::{_gh_escape(clean(f.result.url + ' — ' + f.why))}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def as_markdown(report: Report) -> str:
    lines = ["# Link check", "", summary_line(report), ""]
    rows = report.problems()
    if rows or report.internal:
        lines += ["| where | verdict | URL | why |", "|---|---|---|---|"]
        for d in report.internal:
            lines.append(f"| `{d.path}:{d.line}:{d.col}` | broken | | {_md(clean(d.message))} |")
        for place, f in rows:
            lines.append(f"| `{place.path}:{place.line}:{place.col}` | {f.result.verdict} | <{clean(f.result.url)}> | {_md(clean(f.why))} |")
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
