"""`[sources]` in llmnotes.toml: defaults, overrides, and errors placed at their key."""

from pathlib import Path

import pytest

from llmnotes.config import ConfigError, load_config


def test_defaults_and_overrides(tmp_path: Path) -> None:
    assert load_config(tmp_path).sources.urls["arxiv"] == "https://export.arxiv.org/api/query"
    (tmp_path / "llmnotes.toml").write_text(
        '[sources]\narxiv = "http://127.0.0.1:9/api/"\ntimeout = 2\nmin_interval = {arxiv = 0}\n')
    sources = load_config(tmp_path).sources
    assert sources.urls["arxiv"] == "http://127.0.0.1:9/api" and sources.timeout == 2.0
    assert sources.intervals["arxiv"] == 0.0 and sources.urls["crossref"] == "https://api.crossref.org/works"


def test_unknown_source_and_bad_url(tmp_path: Path) -> None:
    (tmp_path / "llmnotes.toml").write_text('title = "x"\n[sources]\narxvi = "https://a"\ngithub = "ftp://x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "llmnotes.toml:3:1: error: unknown source 'arxvi'" in str(info.value)
    assert "llmnotes.toml:4:1: error: sources.github must be an http:// or https:// URL" in str(info.value)
