"""The reading list covers every URL of the seed documents (../shared/seeds beside the checkout)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import seed_urls  # noqa: E402


def test_normalisation_used_for_matching() -> None:
    assert seed_urls.normalize("http://www.arxiv.org/pdf/2106.09685v2.pdf") == "https://arxiv.org/abs/2106.09685"
    assert seed_urls.normalize("https://youtu.be/abc?si=x") == "https://youtube.com/watch?v=abc"
    assert seed_urls.missing_seed_urls(["https://jalammar.github.io/illustrated-tr…"], ["https://jalammar.github.io/illustrated-transformer/"]) == []
    assert seed_urls.missing_seed_urls(["https://a.org/x"], ["https://a.org/y"]) == ["https://a.org/x"]


def test_every_seed_url_is_in_the_notes() -> None:
    if not seed_urls.DEFAULT_SEEDS.is_dir():
        # The seeds live in the project's shared folder, beside this checkout, not in the repository:
        # a fork or a fresh clone alone (say, on GitHub Actions) has no seeds to compare with.
        pytest.skip(f"seed documents not found at {seed_urls.DEFAULT_SEEDS} (they are not part of the repository)")
    wanted = seed_urls.read_seed_urls(seed_urls.DEFAULT_SEEDS)
    assert len(wanted) > 100
    assert seed_urls.missing_seed_urls(wanted, seed_urls.read_note_urls(ROOT / "notes")) == []
