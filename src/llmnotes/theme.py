"""Where the default theme is, and how a site overrides it file by file (Hugo's theme model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from llmnotes import urls
from llmnotes.diagnostics import Diagnostic, display_path
from llmnotes.emit import Context, Copy, Output, Page

_PACKAGE = Path(__file__).resolve().parent


def default_theme() -> tuple[Path, Path]:
    """(templates, static) of the default theme.

    An installed wheel carries them as `llmnotes/theme/`; a source checkout (editable install) has
    them at the repository root, where this site edits them.
    """
    shipped = _PACKAGE / "theme"
    if (shipped / "templates").is_dir():
        return shipped / "templates", shipped / "static"
    checkout = _PACKAGE.parents[1]
    return checkout / "templates", checkout / "static"


def static_files(*folders: Path) -> dict[str, Path]:
    """Static files by their path under `static/`; a file in a later folder replaces an earlier one."""
    files: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        root = folder.resolve()
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts) and path.resolve().is_relative_to(root):
                files[rel.as_posix()] = path
    return files


def outside_links(folder: Path) -> list[Diagnostic]:
    """Symbolic links in a site's static folder that point outside it: refused, as in the notes
    folder, so that no build publishes a file from elsewhere on the machine."""
    if not folder.is_dir():
        return []
    root = folder.resolve()
    return [
        Diagnostic(display_path(path), 0, 0, "symbolic link pointing outside the static folder: not published")
        for path in sorted(folder.rglob("*"))
        if path.is_symlink() and not path.resolve().is_relative_to(root)
    ]


def emit_static(ctx: Context) -> Iterator[Output]:
    """The theme's static files, overridden file by file by the site's, and the generated
    `pygments.css` unless the site brings its own."""
    from llmnotes import markdown  # here, not above: a build's step 0 needs the theme's folders, not markdown-it

    statics = static_files(*ctx.static_dirs)
    if "pygments.css" not in statics:
        yield Page(urls.static_path("pygments.css"), markdown.pygments_css().encode())
    for rel, source in statics.items():
        yield Copy(urls.static_path(rel), source)
