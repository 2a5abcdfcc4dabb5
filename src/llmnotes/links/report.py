"""Report: the verdicts as text, JSON, JUnit XML, GitHub annotations or Markdown.

Formatters are pure functions of plain records. The JSON keys are a contract other tools read:
keep them, add freely.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from llmnotes.diagnostics import Diagnostic
from llmnotes.links.result import VERDICTS, Result
from llmnotes.links.extract import Target
from llmnotes.model import Place

FORMATS = ("text", "json", "junit", "github", "markdown")


@dataclass(frozen=True)
class Finding:
    url: str
    verdict: str
    status: int | None
    final_url: str | None
    error: str | None
    places: tuple[Place, ...]
    from_cache: bool = False


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    internal: tuple[Diagnostic, ...]
    seconds: float = 0.0

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(f.verdict for f in self.findings)
        counts["broken"] += len(self.internal)
        return {v: counts.get(v, 0) for v in VERDICTS}

    def failed(self, strict: bool = False) -> bool:
        s = self.summary
        return s["broken"] > 0 or (strict and s["blocked"] > 0)


def make_report(targets: list[Target], results: dict[str, Result], internal: list[Diagnostic], seconds: float = 0.0) -> Report:
    findings = []
    for target in targets:
        r = results[target.key]
        findings.append(Finding(target.url, r.verdict, r.status, r.final_url, r.error, target.places, r.from_cache))
    return Report(tuple(findings), tuple(internal), seconds)


def _place_rows(report: Report, verdicts: tuple[str, ...]) -> list[tuple[Place, Finding]]:
    rows = [(p, f) for f in report.findings if f.verdict in verdicts for p in f.places]
    return sorted(rows, key=lambda pf: (pf[0].path, pf[0].line, pf[0].col, pf[1].url))


def _why(f: Finding) -> str:
    if f.verdict == "redirected":
        return f"moved permanently to {f.final_url}"
    return f.error or (f"HTTP {f.status}" if f.status else f.verdict)


def summary_line(report: Report) -> str:
    parts = ", ".join(f"{n} {v}" for v, n in report.summary.items())
    cached = sum(f.from_cache for f in report.findings)
    extra = f"; {cached} from cache" if cached else ""
    return f"{len(report.findings)} URLs: {parts}{extra} in {report.seconds:.1f} s"


def as_text(report: Report, color: bool = False) -> str:
    paint = {"broken": "31", "blocked": "33", "redirected": "36"}
    by_file: dict[str, list[str]] = {}
    for d in report.internal:
        by_file.setdefault(d.path, []).append((d.line, d.col, f"{f'{d.line}:{d.col}':<7} {'broken':<10}  {d.message}"))
    for place, f in _place_rows(report, ("broken", "blocked", "redirected")):
        verdict = f"{f.verdict:<10}"
        if color:
            verdict = f"\033[{paint[f.verdict]}m{verdict}\033[0m"
        where = f"{place.line}:{place.col}"
        by_file.setdefault(place.path, []).append((place.line, place.col, f"{where:<7} {verdict}  {f.url}  ({_why(f)})"))
    lines = []
    for path in sorted(by_file):
        lines.append(path)
        lines += ["  " + text for _, _, text in sorted(by_file[path])]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    data = {
        "summary": report.summary,
        "results": [
            {
                "url": f.url,
                "verdict": f.verdict,
                "status": f.status,
                "final_url": f.final_url,
                "error": f.error,
                "cached": f.from_cache,
                "places": [{"path": p.path, "line": p.line, "col": p.col} for p in f.places],
            }
            for f in report.findings
        ],
        "internal": [{"path": d.path, "line": d.line, "col": d.col, "message": d.message} for d in report.internal],
    }
    return json.dumps(data, ensure_ascii=False) + "\n"  # compact: the C encoder, fast on 20,000 results


def as_junit(report: Report) -> str:
    cases = []
    for f in report.findings:
        where = f.places[0]
        name = quoteattr(f.url)
        classname = quoteattr(where.path)
        if f.verdict == "broken":
            body = quoteattr(_why(f))
            places = "\n".join(f"{p.path}:{p.line}:{p.col}" for p in f.places)
            cases.append(f"    <testcase classname={classname} name={name}><failure message={body}>{_xml_text(places)}</failure></testcase>")
        elif f.verdict in ("excluded",):
            cases.append(f"    <testcase classname={classname} name={name}><skipped/></testcase>")
        else:
            cases.append(f"    <testcase classname={classname} name={name}/>")
    for d in report.internal:
        cases.append(f"    <testcase classname={quoteattr(d.path)} name={quoteattr(f'{d.path}:{d.line}:{d.col}')}><failure message={quoteattr(d.message)}/></testcase>")
    failures = report.summary["broken"]
    skipped = report.summary["excluded"]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<testsuites>\n  <testsuite name="llmnotes check-links" tests="{len(cases)}" failures="{failures}" skipped="{skipped}" time="{report.seconds:.3f}">\n'
        + "\n".join(cases)
        + "\n  </testsuite>\n</testsuites>\n"
    )


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: Report) -> str:
    """GitHub Actions workflow commands: errors for broken links, warnings for the rest."""
    level = {"broken": "error", "blocked": "warning", "redirected": "notice"}
    lines = []
    for d in report.internal:
        lines.append(f"::error file={_gh_prop(d.path)},line={d.line},col={d.col}::{_gh_escape(d.message)}")
    for place, f in _place_rows(report, ("broken", "blocked", "redirected")):
        lines.append(f"::{level[f.verdict]} file={_gh_prop(place.path)},line={place.line},col={place.col},title={_gh_prop(f.verdict + ' link')}::{_gh_escape(f.url + ' — ' + _why(f))}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def as_markdown(report: Report) -> str:
    lines = ["# Link check", "", summary_line(report), ""]
    rows = _place_rows(report, ("broken", "blocked", "redirected"))
    if rows or report.internal:
        lines += ["| where | verdict | URL | why |", "|---|---|---|---|"]
        for d in report.internal:
            lines.append(f"| `{d.path}:{d.line}:{d.col}` | broken | | {_md(d.message)} |")
        for place, f in rows:
            lines.append(f"| `{place.path}:{place.line}:{place.col}` | {f.verdict} | <{f.url}> | {_md(_why(f))} |")
    else:
        lines.append("No broken links.")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: Report, fmt: str, color: bool = False) -> str:
    return {"text": lambda r: as_text(r, color), "json": as_json, "junit": as_junit, "github": as_github, "markdown": as_markdown}[fmt](report)
