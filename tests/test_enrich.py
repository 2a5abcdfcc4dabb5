"""`llmnotes enrich` end to end against the local source server: fills only what is missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests import sourceserver

NOTE = (
    "---\r\n"
    "title: N\r\n"
    "links:\r\n"
    "  - url: https://github.com/karpathy/nanoGPT\r\n"
    "    title: \"karpathy/nanoGPT\"  # the author's own title, kept\r\n"
    "    note: Kept.\r\n"
    "  - url: https://arxiv.org/abs/1706.03762\r\n"
    "    title: Attention\r\n"
    "    authors: [Someone Else]\r\n"
    "    note: Kept too.\r\n"
    "  - url: https://github.com/broken/repo\r\n"
    "    title: Broken\r\n"
    "    year: 2020\r\n"
    "---\r\n"
    "Body.\r\n"
)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with sourceserver.running() as url:
        yield url


def _site(tmp_path: Path, base: str) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_bytes(NOTE.encode())
    (tmp_path / "llmnotes.toml").write_text(
        f'[sources]\narxiv = "{base}/arxiv"\ncrossref = "{base}/crossref"\ndatacite = "{base}/datacite"\n'
        f'github = "{base}/github"\nyoutube_oembed = "{base}/oembed"\ntimeout = 2\n'
    )
    return tmp_path


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llmnotes", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_enrich_shows_a_diff_and_writes_only_with_write(tmp_path: Path, base: str) -> None:
    site = _site(tmp_path, base)
    shown = _cli(site, "enrich")
    assert shown.returncode == 1  # one lookup failed (the server answers 500), the rest still shown
    assert "+    year: 2022" in shown.stdout and "+    year: 2017" in shown.stdout
    assert "could not get" in shown.stderr and "notes/n.md:11:5: warning" in shown.stderr
    assert (site / "notes" / "n.md").read_bytes() == NOTE.encode()  # nothing written without --write

    written = _cli(site, "enrich", "--write")
    assert written.returncode == 1 and "enrich: filled 2 resources; 1 lookup failed" in written.stderr
    after = (site / "notes" / "n.md").read_bytes().decode()
    expected = NOTE.replace(
        "  - url: https://github.com/karpathy/nanoGPT\r\n", "  - url: https://github.com/karpathy/nanoGPT\r\n    authors: [karpathy]\r\n    year: 2022\r\n"
    ).replace("  - url: https://arxiv.org/abs/1706.03762\r\n", "  - url: https://arxiv.org/abs/1706.03762\r\n    year: 2017\r\n")
    assert after == expected  # the author's title, comment and authors untouched; CRLF kept
    links = yaml.safe_load(after.replace("\r\n", "\n").split("---\n")[1])["links"]
    assert links[1]["authors"] == ["Someone Else"] and links[1]["year"] == 2017

    again = _cli(site, "enrich", "--write")
    assert (site / "notes" / "n.md").read_bytes().decode() == after  # nothing left to fill but the broken one
    assert again.returncode == 1


def test_enrich_with_nothing_missing_says_so(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_text("---\ntitle: N\nlinks:\n  - url: https://a.org/\n    title: A\n    authors: [X]\n    year: 2020\n---\n")
    result = _cli(tmp_path, "enrich")
    assert result.returncode == 0 and "every resource has its authors and year" in result.stderr


def test_add_looks_a_paper_up_and_appends_a_valid_resource(tmp_path: Path, base: str) -> None:
    site = _site(tmp_path, base)
    (site / "notes" / "n.md").unlink()
    result = _cli(site, "add", "arXiv:1706.03762", "--note", "fresh")
    assert result.returncode == 0, result.stderr
    added = (site / "notes" / "fresh.md").read_text()
    links = yaml.safe_load(added.split("---\n")[1])["links"]
    assert links[-1]["title"] and links[-1]["year"] == 2017 and links[-1]["authors"][:2] == ["Ashish Vaswani", "Noam Shazeer"]
    assert links[-1]["kind"] == "paper" and "note" not in links[-1] and links[-1]["url"] == "https://arxiv.org/abs/1706.03762"
    again = _cli(site, "add", "https://arxiv.org/pdf/1706.03762v5.pdf", "--note", "fresh")
    assert again.returncode == 1 and "notes/fresh.md:" in again.stderr and "already cite" in again.stderr  # one paper, any form
    built = _cli(site, "build", "--strict")
    assert built.returncode == 0, built.stderr
    assert "without an annotation yet" in built.stderr and "notes/fresh.md" in built.stderr
