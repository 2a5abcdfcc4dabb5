"""The build: load → graph → render → write, and what it reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from llmnotes import markdown, urls
from llmnotes.config import Config, ConfigError, resolve
from llmnotes.diagnostics import Diagnostic, Severity, has_errors, sort_diagnostics
from llmnotes.graph import build_graph
from llmnotes.heap import long_lived_heap
from llmnotes.links import cache as cache_db
from llmnotes.links.result import Result
from llmnotes.load import load_all
from llmnotes.render import Renderer
from llmnotes.theme import default_theme, static_files
from llmnotes.write import Staging


@dataclass(frozen=True)
class BuildResult:
    diagnostics: list[Diagnostic]
    built: bool
    out: Path
    pages: int = 0
    notes: int = 0
    resources: int = 0
    topics: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def check_output_folder(config: Config, out: Path, notes: Path) -> None:
    """Refuse an output folder whose replacement would destroy sources or someone else's files."""
    out_r = out.resolve()
    protected = [notes, resolve(config, config.templates), resolve(config, config.static), config.root, Path.cwd()]
    for path in protected:
        p = path.resolve()
        if out_r == p or p.is_relative_to(out_r):
            raise ConfigError(f"error: output folder '{out}' contains '{path}', which a build would delete")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"error: output '{out}' exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise ConfigError(f"error: '{out}' is not empty and does not look like an llmnotes site; refusing to replace it")


def link_health(config: Config) -> dict[str, Result]:
    """What `check-links` last saw of each URL, from its cache, so pages can flag broken links."""
    if config.links.cache is None:
        return {}
    try:
        return cache_db.load(resolve(config, config.links.cache), max_age=None, good_only=False)
    except cache_db.CacheError:
        return {}  # an unreadable cache costs the flags, never the build


def build_site(config: Config, drafts: bool = False, strict: bool = False) -> BuildResult:
    """Build the site, or report why not. The output folder is only touched by a good build."""
    started = time.perf_counter()
    notes_dir = resolve(config, config.notes)
    out = resolve(config, config.out)
    if not notes_dir.is_dir():
        raise ConfigError(f"error: notes folder '{notes_dir}' not found")
    check_output_folder(config, out, notes_dir)

    with long_lived_heap():
        loaded = load_all(notes_dir, drafts=drafts, allow_html=config.allow_html)
        site, graph_problems = build_graph(loaded)
    diagnostics = list(loaded.diagnostics) + graph_problems
    if strict:
        diagnostics = [d.as_error() if d.severity is Severity.WARNING else d for d in diagnostics]
    diagnostics = sort_diagnostics(diagnostics)
    if has_errors(diagnostics):
        return BuildResult(diagnostics, built=False, out=out)

    theme_templates, theme_static = default_theme()
    site_templates = resolve(config, config.templates)
    site_static = resolve(config, config.static)
    renderer = Renderer(config, site, [site_templates, theme_templates], link_health(config))
    staging = Staging(out)
    pages = 0
    try:
        for page in renderer.pages():
            staging.write(page.path, page.content)
            pages += page.path.endswith(".html")
        statics = static_files(theme_static, site_static)
        if "pygments.css" not in statics:  # generated, unless the site brings its own
            staging.write(urls.static_path("pygments.css"), markdown.pygments_css().encode())
        for rel, source in statics.items():
            staging.copy(urls.static_path(rel), source)
        for asset in site.assets:
            staging.copy(urls.asset_path(asset.relpath), asset.path)
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return BuildResult(
        diagnostics,
        built=True,
        out=out,
        pages=pages,
        notes=len(site.notes),
        resources=len(site.resources),
        topics=len(site.topics),
        seconds=time.perf_counter() - started,
    )
