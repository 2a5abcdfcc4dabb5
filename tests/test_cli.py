"""End to end: the real `llmnotes` command in a subprocess, on sites made in temporary folders."""

from __future__ import annotations

from pathlib import Path

from conftest import SCALING, run_cli, tree_bytes


def test_build_writes_the_site_and_says_so(make_site) -> None:
    site = make_site()
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    # the sample's second note cites two papers without saying anything about them: a reminder, no diagnostic
    assert result.stderr == "note: 2 resources without an annotation yet (say in 'note:' what it is and why to read it): notes/scaling.md:8:10, notes/scaling.md:12:10\n"
    assert result.stdout.startswith("built 13 pages (2 notes, 2 resources, 3 topics) into build/ in ")
    assert run_cli("build", "--strict", cwd=site).returncode == 0  # --strict is about mistakes, not to-dos
    files = set(tree_bytes(site / "build"))
    assert {
        "index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt", "graph.json",
        "topics/index.html", "topics/attention/index.html", "notes/transformers/index.html",
        "notes/scaling/index.html", "resources/index.html", "static/style.css", "static/pygments.css",
        "assets/diagram.png", "search/index.html", "search-index/index.js", "search-index/d/0.js", "graph/index.html", "static/graph.js", "static/site.js", "static/search.js",
    } <= files


def test_help_documents_options_and_exit_codes(tmp_path: Path) -> None:
    result = run_cli("build", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--notes", "--out", "--base-url", "--drafts", "--strict", "--config"):
        assert option in result.stdout
    assert "Exit codes: 0 built, 1 problems" in result.stdout
    assert run_cli("--version", cwd=tmp_path).stdout.startswith("llmnotes ")


def test_usage_errors_exit_2(make_site, tmp_path: Path) -> None:
    site = make_site()
    assert run_cli("build", "--bogus", cwd=site).returncode == 2
    assert run_cli(cwd=site).returncode == 2
    missing = run_cli("build", "--notes", "nowhere", cwd=site)
    assert missing.returncode == 2 and "notes folder" in missing.stderr and "Traceback" not in missing.stderr
    (site / "llmnotes.toml").write_text('titel = "x"\n')
    bad = run_cli("build", cwd=site)
    assert bad.returncode == 2 and bad.stderr.startswith("llmnotes.toml:1:1: error: unknown key 'titel'")
    assert not (site / "build").exists()


def test_bad_notes_fail_with_every_diagnostic_and_leave_build_as_it_was(make_site) -> None:
    site = make_site()
    assert run_cli("build", cwd=site).returncode == 0
    before = tree_bytes(site / "build")
    make_site({
        "notes/a-broken.md": "---\ntitle: [oops\n---\n",
        "notes/b-latin1.md": b"---\ntitle: caf\xe9\n---\n",
        "notes/scaling.md": SCALING.replace("topics: [scale]", "topics: [scale, nope]").replace("[the transformer](transformers.md#attention)", "[[ghost]]"),
        "notes/empty.md": "",
    })
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("notes/a-broken.md:3:1: error: invalid YAML: ")  # wording differs between PyYAML's loaders
    assert lines[1:] == [
        "notes/b-latin1.md:2:11: error: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
        "notes/empty.md:1:1: error: empty file: a note starts with YAML front-matter between '---' lines",
        "notes/scaling.md:4:17: error: unknown topic 'nope': describe it in topics.yaml",
        "notes/scaling.md:17:9: error: unknown note [[ghost]]",
        "build failed: 5 errors; build left as it was",
    ]
    assert tree_bytes(site / "build") == before
    assert sorted(p.name for p in site.iterdir()) == [".llmnotes", "build", "notes"]  # the build cache, and no temporary folder left


def test_unknown_keys_warn_and_fail_under_strict(make_site) -> None:
    site = make_site({"notes/scaling.md": SCALING.replace("date:", "topic: [x]\ndate:")})
    result = run_cli("build", cwd=site)
    assert result.returncode == 0
    assert "notes/scaling.md:5:1: warning: unknown key 'topic' in the front-matter (did you mean 'topics'?)" in result.stderr
    strict = run_cli("build", "--strict", cwd=site)
    assert strict.returncode == 1
    assert "notes/scaling.md:5:1: error: unknown key 'topic'" in strict.stderr


def test_two_builds_are_byte_identical_and_stale_files_go(make_site) -> None:
    site = make_site()
    assert run_cli("build", "--out", "one", cwd=site).returncode == 0
    assert run_cli("build", "--out", "two", cwd=site).returncode == 0
    assert tree_bytes(site / "one") == tree_bytes(site / "two")

    (site / "notes" / "scaling.md").unlink()
    (site / "notes" / "transformers.md").write_text((site / "notes" / "transformers.md").read_text().replace("[[scaling]] next, or [[scaling#chinchilla|the Chinchilla part]]", "on"))
    assert run_cli("build", "--out", "one", cwd=site).returncode == 0
    assert not (site / "one" / "notes" / "scaling").exists()
    assert (site / "one" / "notes" / "transformers" / "index.html").exists()


def test_drafts_only_with_the_flag(make_site) -> None:
    site = make_site({"notes/wip.md": "---\ntitle: Work in progress\ndraft: true\n---\nSoon.\n"})
    assert run_cli("build", cwd=site).returncode == 0
    assert not (site / "build" / "notes" / "wip").exists()
    assert run_cli("build", "--drafts", cwd=site).returncode == 0
    assert (site / "build" / "notes" / "wip" / "index.html").exists()


def test_the_output_folder_is_never_something_else(make_site) -> None:
    site = make_site()
    for out in ("notes", ".", ".."):
        result = run_cli("build", "--out", out, cwd=site)
        assert result.returncode == 2, out
        assert "would delete" in result.stderr
    (site / "mine").mkdir()
    (site / "mine" / "precious.txt").write_text("keep me")
    result = run_cli("build", "--out", "mine", cwd=site)
    assert result.returncode == 2 and "was not built by llmnotes (it has no .llmnotes-site file)" in result.stderr
    assert (site / "mine" / "precious.txt").read_text() == "keep me"
    assert (site / "notes" / "transformers.md").exists()


def test_site_templates_and_static_override_the_theme(make_site) -> None:
    site = make_site({
        "templates/partials/footer.html": "<footer>my own footer</footer>\n",
        "static/style.css": "body { color: rebeccapurple; }\n",
        "static/extra.js": "console.log(1);\n",
    })
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "transformers" / "index.html").read_text()
    assert "<footer>my own footer</footer>" in page and 'class="site-header"' in page
    assert (site / "build" / "static" / "style.css").read_text() == "body { color: rebeccapurple; }\n"
    assert (site / "build" / "static" / "extra.js").exists()


def test_a_broken_template_is_reported_not_a_traceback(make_site) -> None:
    site = make_site({"templates/note.html": "{% extends 'base.html' %}\n{% block content %}{{ note.title }\n{% endblock %}\n"})
    result = run_cli("build", cwd=site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "note.html:2:1: error: template:" in result.stderr


def test_config_settings_reach_the_pages(make_site) -> None:
    site = make_site({
        "llmnotes.toml": 'title = "My <List>"\nauthor = "Ada"\nbase_url = "https://example.org/sub/"\nallow_html = true\n',
        "notes/transformers.md": "---\ntitle: T\n---\nHi <b>bold</b>\n",
        "notes/scaling.md": None,
    })
    assert run_cli("build", cwd=site).returncode == 0
    page = (site / "build" / "notes" / "transformers" / "index.html").read_text()
    assert "<title>T · My &lt;List&gt;</title>" in page
    assert '<link rel="canonical" href="https://example.org/sub/notes/transformers/">' in page
    assert "Hi <b>bold</b>" in page
    result = run_cli("build", "--base-url", "https://other.org/", cwd=site)
    assert result.returncode == 0
    assert "https://other.org/notes/transformers/" in (site / "build" / "sitemap.xml").read_text()


def test_pyproject_table_and_explicit_config(make_site) -> None:
    site = make_site({"pyproject.toml": '[project]\nname = "x"\n[tool.llmnotes]\ntitle = "From pyproject"\n', "other.toml": 'title = "From other"\n'})
    assert run_cli("build", cwd=site).returncode == 0
    assert "From pyproject" in (site / "build" / "index.html").read_text()
    assert run_cli("build", "--config", "other.toml", cwd=site).returncode == 0
    assert "From other" in (site / "build" / "index.html").read_text()
    assert run_cli("build", "--config", "missing.toml", cwd=site).returncode == 2


def test_source_date_epoch_dates_a_feed_without_note_dates(make_site) -> None:
    site = make_site({"notes/transformers.md": "---\ntitle: T\n---\n", "notes/scaling.md": None})
    assert run_cli("build", cwd=site, env={"SOURCE_DATE_EPOCH": "1700000000"}).returncode == 0
    assert "<updated>2023-11-14T22:13:20Z</updated>" in (site / "build" / "feed.xml").read_text()
