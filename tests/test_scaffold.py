"""`llmnotes init` and `llmnotes new`, run as users run them."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import run_cli, tree_bytes

STARTER = ["llmnotes.toml", ".gitignore", "notes/topics.yaml", "notes/attention.md", ".github/workflows/links.yml", ".github/workflows/pages.yml"]


def test_init_makes_a_site_that_builds_strictly_at_once(tmp_path: Path) -> None:
    result = run_cli("init", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "mysite"
    for rel in STARTER:
        assert (site / rel).is_file(), rel
    assert "build/" in (site / ".gitignore").read_text() and ".llmnotes/" in (site / ".gitignore").read_text()
    links = yaml.safe_load((site / ".github/workflows/links.yml").read_text())
    steps = links["jobs"]["check-links"]["steps"]
    assert {"run": "pip install llmnotes"} in steps
    assert any(s.get("run") == "llmnotes check-links --format github" for s in steps)
    cached = next(s["with"]["path"].split() for s in steps if "actions/cache" in s.get("uses", ""))
    assert cached == [".llmnotes/links.sqlite", ".llmnotes/links.sqlite.notes", ".llmnotes/links.sqlite.targets"]  # results, and the notes as last read
    pages = yaml.safe_load((site / ".github/workflows/pages.yml").read_text())
    assert any("deploy-pages" in s.get("uses", "") for s in pages["jobs"]["deploy"]["steps"])
    built = run_cli("build", "--strict", cwd=site)
    assert built.returncode == 0, built.stderr
    assert "1 notes, 1 resources" in built.stdout
    assert (site / "build" / "index.html").is_file()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    site = tmp_path / "s"
    (site / "notes").mkdir(parents=True)
    (site / "notes" / "topics.yaml").write_text("mine: {title: Mine}\n")
    before = tree_bytes(site)
    result = run_cli("init", "s", cwd=tmp_path)
    assert result.returncode == 2
    assert "topics.yaml" in result.stderr and "nothing written" in result.stderr
    assert tree_bytes(site) == before  # not even the files that did not exist


def test_init_in_the_current_folder_then_again(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    again = run_cli("init", cwd=tmp_path)
    assert again.returncode == 2 and "llmnotes.toml" in again.stderr


def test_new_writes_a_note_that_builds(tmp_path: Path) -> None:
    run_cli("init", cwd=tmp_path)
    result = run_cli("new", "guides/first-steps", "--title", "First steps: a 'guide'", "--topic", "foundations", cwd=tmp_path,
                     env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "notes/guides/first-steps.md").read_text()
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["title"] == "First steps: a 'guide'"
    assert data["topics"] == ["foundations"] and data["links"] == [] and str(data["date"]) == "2023-11-14"
    assert run_cli("build", "--strict", cwd=tmp_path).returncode == 0


def test_new_refuses_bad_slugs_and_existing_notes(tmp_path: Path) -> None:
    run_cli("init", cwd=tmp_path)
    for slug in ("Bad_Slug", "../escape", "a//b", "x-"):
        result = run_cli("new", slug, cwd=tmp_path)
        assert result.returncode == 2 and "not a valid note slug" in result.stderr, slug
    before = (tmp_path / "notes/attention.md").read_bytes()
    result = run_cli("new", "attention", cwd=tmp_path)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (tmp_path / "notes/attention.md").read_bytes() == before


def test_new_adds_an_unknown_topic_to_topics_yaml_keeping_the_rest(tmp_path: Path) -> None:
    run_cli("init", cwd=tmp_path)
    topics = tmp_path / "notes/topics.yaml"
    before = topics.read_text()
    result = run_cli("new", "evals", "--topic", "evaluation", cwd=tmp_path)
    assert result.returncode == 0
    assert "added topic 'evaluation'" in result.stderr
    after = topics.read_text()
    assert after.startswith(before) and "evaluation:" in after[len(before):]
    assert run_cli("build", "--strict", cwd=tmp_path).returncode == 0
