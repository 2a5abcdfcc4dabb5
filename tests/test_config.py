"""Configuration: llmnotes.toml or [tool.llmnotes]; options win; mistakes exit 2 with a place."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmnotes.config import Config, ConfigError, load_config


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config(root=tmp_path.resolve())
    assert config.base_url == "/" and config.allow_html is False


def test_llmnotes_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llmnotes]\ntitle = "From pyproject"\n')
    assert load_config(tmp_path).title == "From pyproject"
    (tmp_path / "llmnotes.toml").write_text('title = "From llmnotes.toml"\nbase_url = "https://example.org/sub"\nallow_html = true\nnotes = "content"\n')
    config = load_config(tmp_path)
    assert (config.title, config.base_url, config.allow_html, config.notes) == (
        "From llmnotes.toml", "https://example.org/sub/", True, Path("content"))


def test_options_override_the_file(tmp_path: Path) -> None:
    (tmp_path / "llmnotes.toml").write_text('base_url = "https://a.org/"\nout = "public"\n')
    config = load_config(tmp_path).with_options(base_url="https://b.org/x", out=None)
    assert config.base_url == "https://b.org/x/" and config.out == Path("public")


@pytest.mark.parametrize(
    "text, message",
    [
        ('titel = "x"\n', "llmnotes.toml:1:1: error: unknown key 'titel' (did you mean 'title'?)"),
        ('title = "x"\nallow_html = "yes"\n', "llmnotes.toml:2:1: error: 'allow_html' must be bool, not str"),
        ('title = 3\n', "llmnotes.toml:1:1: error: 'title' must be str, not int"),
        ('base_url = "ftp://x.org"\n', "llmnotes.toml:1:1: error: base URL 'ftp://x.org' must be like https://example.org/ or /path/"),
        ('title = "unclosed\n', "llmnotes.toml:1:18: error: invalid TOML: Illegal character"),
    ],
)
def test_config_mistakes_are_usage_errors_with_a_place(tmp_path: Path, monkeypatch, text: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmnotes.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(message)


def test_pyproject_keys_are_located_in_their_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.llmnotes]\nname = "oops"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml:5:1: error: unknown key 'name'"):
        load_config(tmp_path)


def test_explicit_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path, tmp_path / "missing.toml")


def test_the_readme_links_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("```toml\n[links]\n", 1)[1].split("```", 1)[0]
    (tmp_path / "llmnotes.toml").write_text("[links]\n" + example)
    links = load_config(tmp_path).links
    assert links.accept == frozenset(range(200, 300)) | {403}
    assert links.host_interval == 0.01 and links.cache_max_age == 86400
    assert links.hosts["arxiv.org"].concurrency == 1 and links.hosts["arxiv.org"].interval == 3
    assert ("User-Agent", "my-reading-list (me@example.org)") in links.hosts["arxiv.org"].headers
