"""`llmnotes add` end to end, offline (fields given by hand) and against the local source server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

NOTE = "---\r\ntitle: N\r\nlinks:\r\n    - url: https://a.org/\r\n      note: kept\r\n---\r\nBody\r\n"


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llmnotes", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_add_keeps_the_file_and_refuses_duplicates(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    note = tmp_path / "notes" / "n.md"
    note.write_bytes(NOTE.encode())
    hand = ("--title", "T: #1", "--authors", "X, Y", "--year", "2020", "--note", "n")
    dry = _cli(tmp_path, "add", "https://b.org/", *hand, "--dry-run")
    assert dry.returncode == 0 and "title: 'T: #1'" in dry.stdout and note.read_bytes() == NOTE.encode()
    done = _cli(tmp_path, "add", "https://b.org/", *hand)
    assert done.returncode == 0, done.stderr
    added = "    - url: https://b.org/\r\n      title: 'T: #1'\r\n      kind: article\r\n      authors: ['X, Y']\r\n      year: 2020\r\n"
    after = note.read_bytes().decode()
    assert after.replace(added, "", 1) == NOTE
    assert yaml.safe_load(after.replace("\r\n", "\n").split("---\n")[1])["links"][1]["title"] == "T: #1"
    again = _cli(tmp_path, "add", "https://b.org", *hand)
    assert again.returncode == 1 and "notes/n.md:6:" in again.stderr and "already cite" in again.stderr
    assert note.read_bytes().decode() == after


def test_failed_lookup_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "llmnotes.toml").write_text('[sources]\ngithub = "http://127.0.0.1:9"\ntimeout = 1\n')
    result = _cli(tmp_path, "add", "https://github.com/a/b")
    assert result.returncode == 1 and "could not get GitHub repository a/b" in result.stderr
    assert not (tmp_path / "notes" / "inbox.md").exists()
