"""Reading paths named in notes/paths.yaml: checked against the notes, shown on the home page and
as previous/next links on every note of each path."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli, write_files
from llmnotes.graph import build_graph
from llmnotes.load import load_all
from test_graph import note

PATHS = """\
use:
  title: Use LLMs
  description: For people who build with them.
  notes: [start, prompting, apps]
research:
  title: Understand LLMs
  notes: [start, basics, prompting]
"""


def _site(root: Path, paths: str = PATHS) -> None:
    write_files(root, {
        "notes/start.md": note("Start here"),
        "notes/basics.md": note("Basics", after="[start]"),
        "notes/prompting.md": note("Prompting", after="[start]"),
        "notes/apps.md": note("Apps", after="[prompting]"),
        "notes/paths.yaml": paths,
    })


def test_named_paths_replace_the_worked_out_one(tmp_path: Path) -> None:
    _site(tmp_path)
    loaded = load_all(tmp_path / "notes")
    site, problems = build_graph(loaded)
    assert [str(p) for p in problems] == []
    assert site.paths == (("start", "prompting", "apps"), ("start", "basics", "prompting"))
    assert [p.title for p in site.reading_paths] == ["Use LLMs", "Understand LLMs"]
    on = site.neighbours_on_paths("prompting")
    assert [(p.slug if p else None, before, after) for p, before, after in on] == [("use", "start", "apps"), ("research", "basics", None)]
    assert "paths.yaml" not in {a.relpath for a in loaded.assets}


def test_paths_are_checked_against_the_notes(tmp_path: Path) -> None:
    _site(tmp_path, PATHS.replace("[start, prompting, apps]", "[start, apps, promting, apps, prompting]") + "bad:\n  title: Bad\n")
    _, problems = build_graph(load_all(tmp_path / "notes"))
    messages = sorted(f"{p.line}:{p.col}: {p.severity.value}: {p.message}" for p in load_all(tmp_path / "notes").diagnostics + tuple(problems))
    assert "4:24: error: path 'use' names unknown note 'promting' (did you mean 'prompting'?)" in messages
    assert "4:34: error: path 'use' names 'apps' twice" in messages
    assert "4:18: warning: path 'use' puts 'apps' before 'prompting', which it names in 'after'" in messages
    assert any("path 'bad' lists no notes" in m for m in messages)


def test_the_home_page_shows_every_path_and_notes_link_along_each(tmp_path: Path) -> None:
    _site(tmp_path)
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "build" / "index.html").read_text()
    assert home.index('id="path-use">Use LLMs</h3>') < home.index('id="path-research">Understand LLMs</h3>')
    assert "For people who build with them." in home
    prompting = (tmp_path / "build" / "notes" / "prompting" / "index.html").read_text()
    assert '<nav class="path-nav" aria-label="Reading path: Use LLMs">' in prompting
    assert '<nav class="path-nav" aria-label="Reading path: Understand LLMs">' in prompting
    assert prompting.count('rel="next"') == 1 and prompting.count('rel="prev"') == 2
