"""A plain, non-editable `pip install .` carries the default theme: the wheel is self-sufficient."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import TOPICS, TRANSFORMERS, write_files

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_theme_and_builds_a_site_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = wheels.glob("llmnotes-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for theme_file in ("templates/base.html", "templates/note.html", "templates/partials/header.html", "static/style.css"):
        assert f"llmnotes/theme/{theme_file}" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True, capture_output=True, timeout=300)

    site = tmp_path / "site"
    write_files(site, {"notes/topics.yaml": TOPICS, "notes/transformers.md": TRANSFORMERS.replace("![diagram](diagram.png)", "").replace("[[scaling]] next, or [[scaling#chinchilla|the Chinchilla part]]", "on")})
    where = subprocess.run([str(python), "-c", "import llmnotes.theme as t; print(t.default_theme()[0])"], cwd=site, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(venv)), "the installed copy, not the checkout, must be used"
    result = subprocess.run([str(venv / "bin" / "llmnotes"), "build"], cwd=site, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'class="site-header"' in (site / "build" / "notes" / "transformers" / "index.html").read_text()
    assert (site / "build" / "static" / "style.css").read_bytes() == (ROOT / "static" / "style.css").read_bytes()
