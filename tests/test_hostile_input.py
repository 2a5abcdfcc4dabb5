"""Hostile or careless input (issue 10): never a traceback, always a placed diagnostic, quickly."""

from __future__ import annotations

import itertools
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli, write_files
from llmnotes import frontmatter
from llmnotes.config import ConfigError, check_base_url, load_config
from llmnotes.load import MAX_TOPIC_DEPTH, load_topics
from test_load import load, messages


def _bomb(levels: int = 9) -> str:
    """The billion laughs: 9 aliases of 9 aliases of … — about 400 bytes naming 9**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for prev, name in itertools.pairwise(names[:levels]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines)


def test_an_alias_bomb_is_refused_at_its_place_in_a_blink(tmp_path: Path) -> None:
    text = "---\ntitle: x\n" + _bomb() + "\n---\n"
    assert len(text) < 600
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    note, problems = load(tmp_path, text)
    assert time.perf_counter() - started < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB: no expansion happened
    assert note is None
    (message,) = messages(problems)
    assert message.startswith("note.md:") and "front-matter too large: more than 20,000 values once aliases are expanded" in message


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    text = "---\ntitle: T\nsummary: &s Shared words\nlinks:\n  - url: https://e.org/\n    title: *s\n---\n"
    note, problems = load(tmp_path, text)
    assert messages(problems) == [] and note is not None and note.links[0].title == "Shared words"


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("title: !!timestamp x", "note.md:2:8: error: 'x' is not a real date"),
        ("title: !!bool maybe", "note.md:2:8: error: 'maybe' is not a valid bool value"),
        ("title: !!int 12x", "note.md:2:8: error: '12x' is not a valid int value"),
        ("title: !!float zz", "note.md:2:8: error: 'zz' is not a valid float value"),
        ("title: t\nsummary: " + "[" * 1000 + "]" * 1000, "note.md:3:"),
        ('title: "a\\0b"', "note.md:2:8: error: 'title': control character U+0000 cannot be shown on a page or in the feed"),
        ('title: "esc \\e[31m red"', "note.md:2:8: error: 'title': control character U+001B"),
        ('title: T\nlinks:\n  - url: https://e.org/\n    title: "a\\x85b"', "note.md:5:12: error: 'title': control character U+0085"),
        ('title: T\nlinks:\n  - url: https://e.org/\n    title: L\n    authors: ["A\\x07"]', "note.md:6:15: error: 'authors': control character U+0007"),
    ],
)
def test_one_line_notes_give_a_diagnostic_not_a_traceback(tmp_path: Path, yaml_text: str, expected: str) -> None:
    note, problems = load(tmp_path, f"---\n{yaml_text}\n---\n")
    assert note is None or note.title == "T"  # a bad title leaves the note out; a bad link value, that value
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


def test_deep_nesting_is_refused_by_depth_not_by_recursion(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "---\ntitle: t\nsummary: " + "[" * 40 + "]" * 40 + "\n---\n")
    assert any(f"YAML nested too deeply (more than {frontmatter.MAX_DEPTH} levels)" in m for m in messages(problems))
    with pytest.raises(frontmatter.FrontMatterError, match="nested too deeply"):  # the pure-Python parser too
        frontmatter.parse("a: " + "[" * 2000 + "]" * 2000, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a:\n  title: !!timestamp x\n", "2:10: 'x' is not a real date"), (_bomb(), "front-matter too large")],
)
def test_topics_file_gets_the_same_protection(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "topics.yaml").write_text(text)
    topics, problems = load_topics(tmp_path)
    assert topics == {} and len(problems) == 1
    assert f"{problems[0].line}:{problems[0].col}: {problems[0].message}".find(expected.split(": ", 1)[-1]) >= 0


def test_a_long_chain_of_topic_parents_is_one_error_at_the_first_too_deep(tmp_path: Path) -> None:
    chain = "".join(f"t{i}:\n  title: T{i}\n" + (f"  parent: t{i - 1}\n" if i else "") for i in range(400))
    (tmp_path / "topics.yaml").write_text(chain)
    started = time.perf_counter()
    _, problems = load_topics(tmp_path)
    assert time.perf_counter() - started < 1
    assert [p.message for p in problems] == [f"topic 't{MAX_TOPIC_DEPTH}' is nested {MAX_TOPIC_DEPTH + 1} levels deep; topics nest at most {MAX_TOPIC_DEPTH} levels"]


def test_a_long_chain_of_topics_is_exit_1_end_to_end(tmp_path: Path) -> None:
    chain = "".join(f"t{i}:\n  title: T{i}\n" + (f"  parent: t{i - 1}\n" if i else "") for i in range(300))
    write_files(tmp_path, {"notes/topics.yaml": chain, "notes/a.md": "---\ntitle: A\ntopics: [t299]\n---\n"})
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "notes/topics.yaml:" in result.stderr and "topics nest at most" in result.stderr


@pytest.mark.parametrize("bad", ["https://e.org/x\nDisallow: /", "https://e.org/a b/", "/sub\r\n/", 'https://e.org/"/', "https://e.org/\x00/"])
def test_a_base_url_cannot_inject_lines_or_markup(bad: str) -> None:
    with pytest.raises(ConfigError, match="which a URL cannot hold unencoded"):
        check_base_url(bad, "--base-url")


def test_robots_txt_is_plain_text_not_html(tmp_path: Path) -> None:
    write_files(tmp_path, {"notes/a.md": "---\ntitle: A\n---\n"})
    result = run_cli("build", "--base-url", "https://e.org/a&b/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "robots.txt").read_text().splitlines()[-1] == "Sitemap: https://e.org/a&b/sitemap.xml"
    assert 'href="https://e.org/a&amp;b/"' in (tmp_path / "build" / "index.html").read_text()  # HTML still escaped


@pytest.mark.parametrize("table", ["[tool]\nllmnotes = 5\n", "tool = 3\n[x]\n", "[tool]\nllmnotes = [1]\n"])
def test_a_pyproject_whose_tool_table_is_not_a_table(tmp_path: Path, table: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table)
    if "llmnotes =" in table:
        with pytest.raises(ConfigError, match=r"pyproject.toml:2:1: error: 'tool.llmnotes' must be a table"):
            load_config(tmp_path)
        result = run_cli("build", cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr
    else:
        assert load_config(tmp_path).title == "Reading list"


# -- property tests: whatever the front-matter and body, load never raises ------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.dates().map(str))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_keys = st.sampled_from(["title", "summary", "topics", "date", "updated", "draft", "after", "links", "url", "note", "titel"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=st.dictionaries(_keys, _values, max_size=6), body=st.text(max_size=200))
def test_any_yaml_mapping_and_body_load_without_a_traceback(tmp_path: Path, front: dict[str, object], body: str) -> None:
    import yaml

    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body
    note, problems = load(tmp_path, text)
    assert note is not None or problems
    assert all(p.line >= 0 and p.col >= 0 for p in problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=300))
def test_any_text_as_front_matter_loads_without_a_traceback(tmp_path: Path, raw: str) -> None:
    note, problems = load(tmp_path, "---\n" + raw.replace("\n---", "\n- --") + "\n---\nbody\n")
    assert note is not None or problems


_notes = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
    st.tuples(st.dictionaries(_keys, _values, max_size=5), st.text(max_size=120)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=_notes)
def test_any_set_of_notes_builds_or_exits_1_never_a_traceback(tmp_path: Path, notes: dict[str, tuple[dict[str, object], str]], capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    import yaml

    from llmnotes.cli import main

    site = tmp_path / "prop"
    shutil.rmtree(site, ignore_errors=True)
    for slug, (front, body) in notes.items():
        write_files(site, {f"notes/{slug}.md": "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body})
    code = main(["build", "--notes", str(site / "notes"), "--out", str(site / "out"), "-q"])
    assert code in (0, 1)
    assert (site / "out").is_dir() == (code == 0)
    assert "Traceback" not in capsys.readouterr().err


def test_a_paragraph_of_many_autolinks_places_each_where_it_is_written(tmp_path: Path) -> None:
    """Each www. autolink is found where it is written (not at its paragraph's start), scanning
    forward from the last one: 64,000 of them took 36 s when every search ran to the line's end."""
    links = [f"www.e{i}.org" for i in range(3000)]
    line = " ".join(links)
    note, problems = load(tmp_path, "---\ntitle: Q\n---\n" + line + "\n")
    assert note is not None and problems == []
    assert len(note.body_links) == 3000
    for i in (0, 1234, 2999):
        place = note.body_links[i].place
        assert (place.line, line[place.col - 1 :].split(" ", 1)[0]) == (4, links[i])


def test_an_alias_bomb_end_to_end_is_exit_1_in_build_and_check_links(tmp_path: Path) -> None:
    write_files(tmp_path, {"notes/bomb.md": "---\ntitle: x\n" + _bomb() + "\n---\n"})
    for command in (["build"], ["check-links", "--offline"]):
        started = time.perf_counter()
        result = run_cli(*command, cwd=tmp_path)
        assert time.perf_counter() - started < 20  # seconds, interpreter start included; unbounded it never ends
        assert result.returncode == 1 and "Traceback" not in result.stderr and "MemoryError" not in result.stderr
        assert "notes/bomb.md:" in result.stderr and "front-matter too large" in result.stderr
