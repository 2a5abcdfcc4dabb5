"""A plain, non-editable `pip install .` carries the default theme: the wheel is self-sufficient."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from conftest import TOPICS, TRANSFORMERS, write_files

ROOT = Path(__file__).resolve().parents[1]


def _share_dependencies(python: Path) -> None:
    """Let the new venv import what the running environment has installed (Jinja, PyYAML…) without
    a download: a `.pth` file lists this environment's site-packages. Unlike
    `--system-site-packages`, this works when the tests themselves run in a virtualenv, whose base
    interpreter has none of the dependencies. Folders listed in a `.pth` come after the venv's own
    site-packages, and `.pth` files inside them are not read, so the wheel installed below, not an
    editable checkout, is what `import llmnotes` finds."""
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True)
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(own.stdout.strip()) / "shared-dependencies.pth").write_text("\n".join(sorted(shared)) + "\n")


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
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    _share_dependencies(python)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True, capture_output=True, timeout=300)

    site = tmp_path / "site"
    write_files(site, {"notes/topics.yaml": TOPICS, "notes/transformers.md": TRANSFORMERS.replace("![diagram](diagram.png)", "").replace("[[scaling]] next, or [[scaling#chinchilla|the Chinchilla part]]", "on")})
    where = subprocess.run([str(python), "-c", "import llmnotes.theme as t; print(t.default_theme()[0])"], cwd=site, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(venv)), "the installed copy, not the checkout, must be used"
    result = subprocess.run([str(venv / "bin" / "llmnotes"), "build"], cwd=site, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'class="site-header"' in (site / "build" / "notes" / "transformers" / "index.html").read_text()
    assert (site / "build" / "static" / "style.css").read_bytes() == (ROOT / "static" / "style.css").read_bytes()
    # `init` from the installed wheel: the starter files ship in it, and the new site builds at once.
    made = subprocess.run([str(venv / "bin" / "llmnotes"), "init", "fresh"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "fresh" / ".github" / "workflows" / "pages.yml").is_file()
    fresh = subprocess.run([str(venv / "bin" / "llmnotes"), "build", "--strict"], cwd=tmp_path / "fresh", capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
