"""Importing what the build exported gives back the same resources (issue 12, point 5).

A small site is built; each of `resources.bib`, `resources.json` and `resources.ris` is imported into
an empty folder, that folder is built again, and every resource comes back with the same URL (by
`url_key`), title, authors and year.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import run_cli, write_files
from llmnotes.normalize import url_key

NOTE = """\
---
title: "Round trip"
topics: [foundations]
date: 2024-01-02
links:
  - url: https://arxiv.org/abs/1706.03762
    title: "Attention Is All You Need"
    kind: paper
    authors: [Ashish Vaswani, Noam Shazeer, Łukasz Kaiser]
    year: 2017
    note: "Introduces the transformer; read sections 3.1 and 3.2 first."
  - url: https://github.com/karpathy/nanoGPT
    title: "nanoGPT"
    kind: repo
    authors: [Andrej Karpathy]
    year: 2022
  - url: https://jalammar.github.io/illustrated-transformer/
    title: "The Illustrated Transformer"
    kind: article
    authors: [Jay Alammar]
    year: 2018
  - url: https://www.youtube.com/watch?v=kCc8FmEb1nY
    title: "Let's build GPT: from scratch, in code, spelled out."
    kind: video
    authors: [Andrej Karpathy]
  - url: https://example.org/über/a-page?x=1&y=2
    title: "A page with {braces}, an ampersand & non-ASCII: Zoë"
---
Body.
"""
TOPICS = "foundations:\n  title: Foundations\n"


def resources(notes: Path) -> dict[str, tuple[str, tuple[str, ...], int | None]]:
    found = {}
    for path in notes.rglob("*.md"):
        data = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        for link in data.get("links") or []:
            found[url_key(link["url"])] = (link["title"], tuple(link.get("authors") or ()), link.get("year"))
    return found


@pytest.mark.parametrize("name", ["resources.bib", "resources.json", "resources.ris"])
def test_importing_the_exported_bibliography_gives_back_the_same_resources(tmp_path: Path, name: str) -> None:
    write_files(tmp_path, {"notes/round-trip.md": NOTE, "notes/topics.yaml": TOPICS})
    built = run_cli("build", "--strict", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    exported = tmp_path / "build" / name
    if not exported.is_file():
        pytest.fail(f"the build wrote no {name} (the bibliography emitter, src/llmnotes/bibliography.py)")
    imported = run_cli("import", str(exported), "--into", "again", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "warning" not in imported.stderr, imported.stderr  # nothing reported: every entry came back
    rebuilt = run_cli("build", "--strict", "--notes", "again", "--out", "build-again", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert resources(tmp_path / "again") == resources(tmp_path / "notes")
    again = run_cli("import", str(exported), "--into", "again", cwd=tmp_path)
    assert "wrote 0 new resources" in again.stdout
