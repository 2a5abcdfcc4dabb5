"""Write stage: staged output swapped in whole; nothing written outside the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmnotes.write import Staging, UnsafePath


@pytest.mark.parametrize("bad", ["", "../x", "a/../../x", "/etc/passwd", "a\\..\\x", "a/\0b", "a//x", "./x", "x/"])
def test_staging_refuses_paths_that_escape(tmp_path: Path, bad: str) -> None:
    staging = Staging(tmp_path / "build")
    with pytest.raises(UnsafePath):
        staging.write(bad, b"x")
    staging.write("notes/a/index.html", b"ok")
    assert (staging.root / "notes" / "a" / "index.html").read_bytes() == b"ok"
    staging.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_staging_refuses_symlinks_planted_in_it(tmp_path: Path) -> None:
    staging = Staging(tmp_path / "build")
    (staging.root / "link").symlink_to(tmp_path)
    (staging.root / "page.html").symlink_to(tmp_path / "victim.html")
    (staging.root / "deep").mkdir()
    (staging.root / "deep" / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafePath):
        staging.write("link/x.html", b"x")
    with pytest.raises(UnsafePath):
        staging.write("deep/link/more/x.html", b"x")
    with pytest.raises(UnsafePath):
        staging.write("page.html", b"x")
    with pytest.raises(UnsafePath):
        staging.copy("link/copied.css", tmp_path / "build" / ".." / "victim.html")
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "victim.html").exists()
    staging.discard()


def test_commit_replaces_the_old_site_whole(tmp_path: Path) -> None:
    out = tmp_path / "build"
    first = Staging(out)
    first.write("index.html", b"one")
    first.write("old/page.html", b"stale")
    first.commit()
    second = Staging(out)
    second.write("index.html", b"two")
    second.commit()
    assert (out / "index.html").read_bytes() == b"two"
    assert not (out / "old").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no temporary folders left
    assert oct(out.stat().st_mode & 0o777) == "0o755"


def test_discard_leaves_the_old_site_untouched(tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    (out / "index.html").write_bytes(b"old")
    staging = Staging(out)
    staging.write("index.html", b"new")
    staging.discard()
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_two_pages_at_one_path_is_an_error(tmp_path: Path) -> None:
    staging = Staging(tmp_path / "build")
    staging.write("a.html", b"1")
    with pytest.raises(UnsafePath):
        staging.write("a.html", b"2")
    staging.discard()
