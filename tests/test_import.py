"""`llmnotes import`: end to end on fixtures with the awkward cases, and the Markdown reader's parsing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import run_cli, tree_bytes
from llmnotes.importers import markdown as md
from llmnotes.normalize import url_key

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def site(tmp_path: Path) -> Path:
    assert run_cli("init", "site", cwd=tmp_path).returncode == 0
    return tmp_path / "site"


def test_awesome_list_becomes_notes_that_build(tmp_path: Path) -> None:
    root = site(tmp_path)
    result = run_cli("import", str(FIXTURES / "awesome.md"), cwd=root)
    assert result.returncode == 0, result.stderr
    papers, tools = front(root / "notes/papers.md"), front(root / "notes/tools.md")
    assert not (root / "notes/contents.md").exists()  # the table of contents is no note
    urls = [link["url"] for link in papers["links"]]
    assert urls[0] == "https://arxiv.org/abs/1706.03762"
    first = papers["links"][0]
    assert first["title"] == "Attention Is All You Need" and first["kind"] == "paper" and first["year"] == 2017
    assert first["note"].startswith("Introduces the transformer. Read the attention section twice.")  # nested bullet: more annotation
    assert first["discussion"] == ["https://news.ycombinator.com/item?id=15938082"]
    assert "https://github.com/microsoft/LoRA" in urls  # a second link of an item: a resource of its own
    assert papers["links"][1]["note"] == "low-rank adapters."
    assert "https://example.com/bare-paper" in urls
    assert any(link["title"] == "Ein Überblick über Sprachmodelle" for link in papers["links"])
    assert len({url_key(u) for u in urls}) == len(urls)  # the duplicate merged
    assert papers["summary"] == "Research papers worth reading."
    assert [(t["title"], t.get("note")) for t in tools["links"]] == [("vLLM", "Fast inference engine"), ("llama.cpp", "Inference in C/C++")]
    assert papers["topics"] == ["awesome-reading"]
    assert "awesome-reading:" in (root / "notes/topics.yaml").read_text()
    err = result.stderr
    assert ":19:1: warning: URL cut short, not imported: https://arxiv.org/abs/2303..." in err
    assert ":18:1: warning: duplicate of line 14" in err
    assert ":20:1: warning: not an absolute http(s) URL, not imported: CONTRIBUTING.md" in err
    assert ":3:1: warning: link in running text" in err
    assert ":34:1: warning: URL outside any Markdown link" in err and "html-link" in err
    assert "awesome.re" not in err and "shields.io" not in err and "#papers" not in err  # badges and TOC: ignored, not reported
    assert "ignored 3 badges and image links, 2 table-of-contents links" in result.stdout
    built = run_cli("build", "--strict", cwd=root)
    assert built.returncode == 0, built.stderr


def test_every_url_of_the_source_is_imported_or_reported(tmp_path: Path) -> None:
    root = site(tmp_path)
    result = run_cli("import", str(FIXTURES / "awesome.md"), cwd=root)
    written = "".join(p.read_text() for p in (root / "notes").glob("*.md"))
    source = (FIXTURES / "awesome.md").read_text()
    for url in ("https://arxiv.org/abs/1706.03762", "https://github.com/vllm-project/vllm", "https://example.org/editors", "https://example.net/html-link",
                "https://arxiv.org/abs/2303...", "https://github.com/ggerganov/llama.cpp"):
        assert url in source
        assert url in written or url in result.stderr, url


def test_importing_twice_adds_nothing(tmp_path: Path) -> None:
    root = site(tmp_path)
    for name in ("awesome.md", "library.bib", "library.json", "library.ris"):
        assert run_cli("import", str(FIXTURES / name), cwd=root).returncode == 0
    before = tree_bytes(root / "notes")
    for name in ("awesome.md", "library.bib", "library.json", "library.ris"):
        again = run_cli("import", str(FIXTURES / name), cwd=root)
        assert again.returncode == 0 and "wrote 0 new resources" in again.stdout, again.stdout
    assert tree_bytes(root / "notes") == before
    assert run_cli("build", "--strict", cwd=root).returncode == 0


def test_a_note_that_exists_gets_only_new_resources_appended_byte_for_byte(tmp_path: Path) -> None:
    root = site(tmp_path)
    (tmp_path / "one.bib").write_text("@misc{a, title={A}, url={https://example.org/a}}\n")
    assert run_cli("import", str(tmp_path / "one.bib"), "--format", "bibtex", cwd=root).returncode == 0
    note = root / "notes/one.md"
    before = note.read_text()
    (tmp_path / "one.bib").write_text("@misc{a, title={A}, url={https://example.org/a}}\n@misc{b, title={B}, url={https://example.org/b}}\n")
    result = run_cli("import", str(tmp_path / "one.bib"), cwd=root)
    assert "1 new resources" in result.stdout and "1 notes extended" in result.stdout and "1 already there" in result.stdout
    after = note.read_text()
    head, _, body = before.partition("\n---\n")
    assert after.startswith(head + "\n") and after.endswith("\n---\n" + body)
    assert [link["url"] for link in front(note)["links"]] == ["https://example.org/a", "https://example.org/b"]


@pytest.mark.parametrize("name", ["library.bib", "library.json", "library.ris"])
def test_reference_exports(tmp_path: Path, name: str) -> None:
    root = site(tmp_path)
    result = run_cli("import", str(FIXTURES / name), cwd=root)
    assert result.returncode == 0, result.stderr
    links = front(root / "notes/library.md")["links"]
    first = links[0]
    assert first["url"] == "https://arxiv.org/abs/1706.03762" and first["title"] == "Attention Is All You Need" and first["year"] == 2017
    assert first["authors"][0] == "Ashish Vaswani" and "Łukasz Kaiser" in first["authors"]
    assert first["note"] == "Introduces the transformer."
    assert "has no url, doi or arXiv identifier; not imported" in result.stderr
    assert len({url_key(link["url"]) for link in links}) == len(links)
    assert run_cli("build", "--strict", cwd=root).returncode == 0


def test_bibtex_makes_urls_from_doi_and_eprint_and_reports_cut_ones(tmp_path: Path) -> None:
    root = site(tmp_path)
    result = run_cli("import", str(FIXTURES / "library.bib"), cwd=root)
    urls = [link["url"] for link in front(root / "notes/library.md")["links"]]
    assert "https://arxiv.org/abs/2106.09685" in urls and "https://doi.org/10.5555/3086952" in urls
    assert "library.bib:24:1: warning: entry 'nourl'" in result.stderr
    assert "library.bib:30:1: warning: URL cut short" in result.stderr
    assert "library.bib:35:1: warning: duplicate of line 1" in result.stderr


def test_into_a_folder_and_usage_errors(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "library.ris", tmp_path / "export.txt")
    unknown = run_cli("import", "export.txt", cwd=tmp_path)
    assert unknown.returncode == 2 and "--format" in unknown.stderr
    assert run_cli("import", "missing.bib", cwd=tmp_path).returncode == 2
    ok = run_cli("import", "export.txt", "--format", "ris", "--into", "elsewhere", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "elsewhere/export.md").is_file() and (tmp_path / "elsewhere/topics.yaml").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"id": "x",\n')
    result = run_cli("import", "bad.json", "--into", "other", cwd=tmp_path)
    assert "bad.json:" in result.stderr and "not valid JSON" in result.stderr
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").glob("*.md"))


def test_a_note_that_cannot_take_new_links_means_nothing_is_written(tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "notes/one.md").write_text('---\nlinks: []\ntitle: "Mine"\n---\nText.\n')
    (tmp_path / "one.bib").write_text("@misc{a, title={A}, url={https://example.org/a}}\n")
    (tmp_path / "two.md").write_text("# L\n\n## One\n\n- [X](https://example.org/x)\n\n## Two\n\n- [Y](https://example.org/y)\n")
    before = tree_bytes(root / "notes")
    result = run_cli("import", str(tmp_path / "two.md"), cwd=root)
    assert result.returncode == 1 and "does not end with 'links:'" in result.stderr and "nothing written" in result.stderr
    assert tree_bytes(root / "notes") == before  # not even two.md's other note


# -- the Markdown reader ------------------------------------------------------------------------


def read(text: str):
    return md.read(text, Path("list.md"))


def test_sections_nested_headings_and_preamble() -> None:
    parsed = read("# My List\n\n- [Intro](https://e.org/i)\n\n## A\n\n### Sub\n\n- [One](https://e.org/1) - first\n\n## B\n\n- [Two](https://e.org/2)\n")
    assert [n.title for n in parsed.notes] == ["My List (introduction)", "A", "B"]
    assert parsed.notes[1].resources[0].note == "first"
    assert "### Sub" in parsed.notes[1].body and "- One" in parsed.notes[1].body
    assert parsed.topic == ("my-list", "My List")


def test_no_headings_is_one_note_named_after_the_file() -> None:
    parsed = read("- [One](https://e.org/1)\n- [Two](https://e.org/2)\n")
    assert [(n.slug, len(n.resources)) for n in parsed.notes] == [("list", 2)]


def test_badges_images_and_anchors_are_ignored() -> None:
    parsed = read("## A\n\n- [![b](https://img.shields.io/x.svg)](https://ci.example/x) [Real](https://e.org/r) ![i](https://e.org/i.png) [toc](#a)\n")
    assert [r.url for r in parsed.notes[0].resources] == ["https://e.org/r"]
    assert parsed.problems == []
    assert parsed.ignored == {"badges and image links": 1, "images": 1, "table-of-contents links": 1}


def test_tables_take_the_name_cell_when_the_link_text_is_generic() -> None:
    parsed = read("## T\n\n| Name | What | |\n|---|---|---|\n| Foo | does foo | [link](https://e.org/foo) |\n")
    r = parsed.notes[0].resources[0]
    assert (r.title, r.note, r.url, r.line) == ("Foo", "does foo", "https://e.org/foo", 5)


def test_nested_items_under_a_label_are_resources_and_discussion_hosts_are_discussion() -> None:
    parsed = read("## A\n\n- **Papers**\n  - [P](https://e.org/p)\n    - [thread](https://www.reddit.com/r/x/1) and more words\n")
    (r,) = parsed.notes[0].resources
    assert r.url == "https://e.org/p" and r.discussion == ("https://www.reddit.com/r/x/1",) and r.note == ""


def test_cut_urls_in_text_and_links_are_reported_with_their_lines() -> None:
    parsed = read("## A\n\n- [x](https://e.org/abc…)\n- see https://e.org/def...\n")
    assert [(p.line, p.message.split(":")[0]) for p in parsed.problems] == [(3, "URL cut short, not imported"), (4, "URL cut short, not imported")]
    assert parsed.notes == []


def test_details_summaries_become_sub_headings() -> None:
    parsed = read("## Open models\n\n<details>\n<summary>DeepSeek</summary>\n\n  - [V3](https://e.org/v3)\n\n</details>\n")
    assert parsed.notes[0].body == "### DeepSeek\n\n- V3"
    assert read("## A\n\n### S\n\n- [[[x]] *y*](https://e.org/x)\n").notes[0].body == "### S\n\n- \\[\\[x\\]\\] y"
