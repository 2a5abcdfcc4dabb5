"""Report formatters: each format says the same thing, in its own syntax, with its escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from llmnotes.diagnostics import Diagnostic
from llmnotes.links.report import Finding, Report, _dumps, _plain_row, _row, as_github, as_json, as_junit, as_markdown, as_text, render, summary_line
from llmnotes.links.result import Result, Verdict
from llmnotes.model import Place


def _report() -> Report:
    findings = (
        Finding(Result("https://ok.org/", Verdict.OK, 200), (Place("a.md", 3, 5),)),
        Finding(Result("https://gone.org/x", Verdict.BROKEN, 404, error="not found (404)"), (Place("b.md", 9, 1), Place("a.md", 2, 7))),
        Finding(Result("https://moved.org/", Verdict.REDIRECTED, 200, final_url="https://new.org/", permanent=True), (Place("a.md", 4, 1),)),
        Finding(Result("https://wall.org/", Verdict.BLOCKED, 403, error="access denied (403)", from_cache=True), (Place("b.md", 1, 1),)),
        Finding(Result("https://skip.org/", Verdict.EXCLUDED), (Place("c.md", 1, 1),)),
    )
    internal = (Diagnostic("c:d.md", 5, 2, "unknown note [[x|y]]"),)
    return Report(findings, internal, seconds=1.25)


def test_summary_counts_every_verdict_and_internal_problems_as_broken() -> None:
    report = _report()
    assert report.summary == {"ok": 1, "redirected": 1, "broken": 2, "blocked": 1, "excluded": 1}
    assert report.failed() and report.failed(strict=True)
    assert summary_line(report) == "5 URLs: 1 ok, 1 redirected, 2 broken, 1 blocked, 1 excluded; 1 from cache in 1.2 s"
    calm = Report((Finding(Result("https://wall.org/", Verdict.BLOCKED, 403), (Place("a.md", 1, 1),)),), ())
    assert not calm.failed() and calm.failed(strict=True)


def test_text_groups_problems_by_file_in_line_order() -> None:
    lines = as_text(_report()).splitlines()
    assert lines[0] == "a.md"
    assert lines[1].split() == ["2:7", "broken", "https://gone.org/x", "(not", "found", "(404))"]
    assert lines[2].split()[:3] == ["4:1", "redirected", "https://moved.org/"] and "moved permanently to https://new.org/" in lines[2]
    assert lines[3] == "b.md" and "1:1" in lines[4] and "blocked" in lines[4] and "9:1" in lines[5]
    assert lines[6] == "c:d.md" and "unknown note [[x|y]]" in lines[7]
    assert "https://ok.org/" not in as_text(_report()) and "skip.org" not in as_text(_report())
    colored = as_text(_report(), color=True)
    assert "\033[31mbroken" in colored and "\033[" not in as_text(_report())


def test_json_keeps_the_contract_keys() -> None:
    data = json.loads(as_json(_report()))
    assert data["summary"]["broken"] == 2
    broken = next(r for r in data["results"] if r["verdict"] == "broken")
    assert set(broken) >= {"url", "verdict", "status", "final_url", "error", "places"}
    assert broken["places"] == [{"path": "b.md", "line": 9, "col": 1}, {"path": "a.md", "line": 2, "col": 7}]
    assert data["internal"] == [{"path": "c:d.md", "line": 5, "col": 2, "message": "unknown note [[x|y]]"}]


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)  # quotes, backslashes, control characters, any script
_results = st.builds(
    Result,
    url=_text,
    verdict=st.sampled_from(Verdict),
    status=st.none() | st.integers(100, 599),
    final_url=st.none() | _text,
    error=st.none() | _text,
    from_cache=st.booleans(),
)
_places = st.lists(st.builds(Place, _text, st.integers(0, 10**6), st.integers(0, 10**4)), min_size=1, max_size=3)


@given(result=_results, places=_places)
def test_a_plain_result_is_written_as_the_json_encoder_would_write_it(result: Result, places: list[Place]) -> None:
    finding = Finding(result, tuple(places))
    assert _plain_row(finding) == _dumps(_row(Report((finding,), ()), {}, finding))


def test_json_writes_plain_rows_beside_rows_with_fragments_fixes_and_archives() -> None:
    page = Finding(Result("https://p.org/", Verdict.OK, 200, missing_fragments=("gone",)), (Place("a.md", 1, 1), Place("b.md", 2, 2)), (("gone", Place("b.md", 2, 2)),))
    report = Report((*_report().findings, page), (), fixes=((Place("a.md", 4, 1), "written", "https://new.org/"),), archives={"https://gone.org/x": None})
    for case in (report, Report((*_report().findings, page), ())):
        data = json.loads(as_json(case))
        fixes = {p: {kind: detail} for p, kind, detail in case.fixes}
        assert data["results"] == [json.loads(_dumps(_row(case, fixes, f))) for f in case.findings]
    assert data["results"][-1]["places"][1] == {"path": "b.md", "line": 2, "col": 2, "fragment": "gone", "verdict": "broken", "error": "missing fragment #gone"}


def test_junit_is_well_formed_with_failures_and_skips() -> None:
    root = ET.fromstring(as_junit(_report()).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "2", "1")
    failures = suite.findall("testcase/failure")
    assert [f.get("message") for f in failures] == ["not found (404)", "unknown note [[x|y]]"]
    assert failures[0].text == "b.md:9:1\na.md:2:7"
    assert len(suite.findall("testcase/skipped")) == 1


def test_junit_escapes_what_xml_cannot_hold_raw() -> None:
    report = Report((Finding(Result('https://e.org/?a=1&b="<x>"', Verdict.BROKEN, 500, error="bad <tag> & 'quote'"), (Place("a&b.md", 1, 1),)),), ())
    case = ET.fromstring(as_junit(report).split("\n", 1)[1]).find("testsuite/testcase")
    assert case is not None and case.get("name") == 'https://e.org/?a=1&b="<x>"' and case.get("classname") == "a&b.md"
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "bad <tag> & 'quote'"


def test_github_annotations_escape_properties_and_messages() -> None:
    lines = as_github(_report()).splitlines()
    assert lines[0] == "::error file=c%3Ad.md,line=5,col=2::unknown note [[x|y]]"
    assert "::error file=a.md,line=2,col=7,title=broken link::https://gone.org/x — not found (404)" in lines
    assert any(line.startswith("::warning file=b.md,line=1,col=1,title=blocked link::") for line in lines)
    assert any(line.startswith("::notice file=a.md,line=4,col=1,title=redirected link::") for line in lines)
    multi = Report((Finding(Result("https://e.org/", Verdict.BROKEN, error="two\nlines 100%"), (Place("a,b.md", 1, 1),)),), ())
    assert as_github(multi).splitlines()[0] == "::error file=a%2Cb.md,line=1,col=1,title=broken link::https://e.org/ — two%0Alines 100%25"


def test_markdown_is_a_table_with_pipes_escaped() -> None:
    text = as_markdown(_report())
    assert "| `c:d.md:5:2` | broken | | unknown note [[x\\|y]] |" in text
    assert "| `a.md:2:7` | broken | <https://gone.org/x> | not found (404) |" in text
    clean = Report((Finding(Result("https://ok.org/", Verdict.OK, 200), (Place("a.md", 1, 1),)),), ())
    assert as_markdown(clean).rstrip().endswith("No broken links.")


def test_render_dispatches_every_format() -> None:
    report = _report()
    assert render(report, "json") == as_json(report)
    assert render(report, "text", color=True) == as_text(report, color=True)
    assert render(report, "markdown") == as_markdown(report)


def test_what_servers_say_cannot_drive_the_terminal() -> None:
    hostile = Finding(Result("https://e.org/\x1b]0;pwned\x07", Verdict.BROKEN, 500, error="bad \x1b[2J\x1b[31mred\x9b"), (Place("a.md", 1, 1),))
    report = Report((hostile,), ())
    for text in (as_text(report), as_github(report), as_markdown(report)):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        assert "\\x1b[2J" in text
    assert "\x1b" in json.loads(as_json(report))["results"][0]["error"]  # data stays data in JSON


def test_links_no_check_can_follow_are_listed_as_excluded_with_the_reason() -> None:
    ftp = Finding(Result("ftp://files.example.org/a.pdf", Verdict.EXCLUDED, error="ftp: links are not checked"), (Place("a.md", 3, 1),))
    chosen = Finding(Result("https://skip.org/", Verdict.EXCLUDED), (Place("a.md", 4, 1),))
    report = Report((ftp, chosen), ())
    text = as_text(report)
    assert "ftp://files.example.org/a.pdf  (ftp: links are not checked)" in text and "skip.org" not in text
    for fmt in ("json", "junit", "github", "markdown"):  # every format says why
        assert "ftp: links are not checked" in render(report, fmt), fmt
    assert not report.failed()
