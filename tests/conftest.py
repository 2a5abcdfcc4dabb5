"""Shared fixtures: sites made in temporary folders, and the real CLI run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests stay fast in CI: a few dozen examples each, no per-example deadline (a slow CI
# machine is not a bug). HYPOTHESIS_PROFILE=thorough runs many more.
settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TOPICS = """\
foundations:
  title: Foundations
  description: How language models work.
attention:
  title: Attention
  description: The mechanism inside transformers.
  parent: foundations
scale:
  title: Scale
"""

TRANSFORMERS = """\
---
title: The transformer
summary: How attention works.
topics: [foundations, attention]
date: 2024-01-02
links:
  - url: https://arxiv.org/abs/1706.03762
    title: Attention Is All You Need
    kind: paper
    authors: [Ashish Vaswani, Noam Shazeer]
    year: 2017
    note: The paper that introduced the transformer.
    discussion: [https://news.ycombinator.com/item?id=1]
    status: read
---
# Attention

Read [[scaling]] next, or [[scaling#chinchilla|the Chinchilla part]].

![diagram](diagram.png)
"""

SCALING = """\
---
title: Scaling laws
summary: Bigger models, more data.
topics: [scale]
date: 2024-02-01
after: [transformers]
links:
  - url: https://arxiv.org/abs/2203.15556
    title: Training Compute-Optimal Large Language Models
    kind: paper
    year: 2022
  - url: https://arxiv.org/pdf/1706.03762v5.pdf
    title: Attention Is All You Need
---
## Chinchilla

Back to [the transformer](transformers.md#attention).
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if content.startswith("\n") else content, encoding="utf-8")


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """A site folder with the sample notes; `files` adds or replaces files, None removes one."""

    def make(files: dict[str, str | bytes | None] | None = None, sample: bool = True) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        base: dict[str, str | bytes | None] = {}
        if sample:
            base = {
                "notes/topics.yaml": TOPICS,
                "notes/transformers.md": TRANSFORMERS,
                "notes/scaling.md": SCALING,
                "notes/diagram.png": b"\x89PNG\r\n\x1a\n",
            }
        base.update(files or {})
        write_files(root, {k: v for k, v in base.items() if v is not None})
        for rel, v in base.items():
            if v is None and (root / rel).exists():
                (root / rel).unlink()
        return root

    return make


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess, as users run it."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("SOURCE_DATE_EPOCH", None) if env is None or "SOURCE_DATE_EPOCH" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "llmnotes", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def items_asked(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[str, str]]:
    """The pages (kind, key) given to `render.Renderer.<name>` from now on, in order: which pages a
    build renders (`item`) or works out the fingerprint of (`fingerprint`)."""
    from llmnotes import render

    seen: list[tuple[str, str]] = []
    original = getattr(render.Renderer, name)

    def watched(self: render.Renderer, item: tuple[str, str]) -> object:
        seen.append(item)
        return original(self, item)

    monkeypatch.setattr(render.Renderer, name, watched)
    return seen


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its content, to compare whole builds."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


LARGE_NOTES = 300  # about 900 nodes: past graphview.CANVAS_FROM, so the graph page draws on a canvas


@pytest.fixture(scope="session")
def large_site(tmp_path_factory) -> Path:
    """A synthetic reading list (benchmarks/generate.py) large enough for the canvas graph, built once."""
    folder = tmp_path_factory.mktemp("large")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, str(root / "benchmarks" / "generate.py"), str(LARGE_NOTES), str(folder / "corpus")], check=True, capture_output=True)
    out = folder / "build"
    result = run_cli("build", "--out", str(out), cwd=folder / "corpus")
    assert result.returncode == 0, result.stderr
    return out
