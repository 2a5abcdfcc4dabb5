"""Time the site-wide steps of an edit's build, two revisions alternating, each step in-process.

    python benchmarks/edit_steps.py b2b21c3 HEAD --size 10000 --rounds 6

A whole edit build at 10,000 notes takes 3–4 s here, and from one build to the next its time moves
by a second on this shared machine: a change of a tenth of a second to one step cannot be seen in
`compare_revisions.py --kind edit`. So this times the steps themselves. In each round, for each
revision in turn (the order alternating), a fresh process with that revision's `src/` first on
PYTHONPATH reads the build cache the revision made of the corpus, then runs each step `--repeat`
times and reports its fastest; the table gives each step's median over the rounds:

- `cache`: the build cache read from disk (every note as parsed, the outputs, the stamps);
- `sources`: the listing of every source's size and times that a build starts with (step 0);
- `discover`: the notes folder's files, as `load` finds them;
- `load`: every note taken from the build cache (none changed);
- `graph`: the site graph made from the notes;
- `stamps`: each resource's digest (`Site.resource_stamps`), the known ones reused;
- `site pages`: the pages there is one of per site (home, topics, the resource index kept, …).

The corpus is copied into a temporary folder first; each revision builds it once, untimed, to
fill its build cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

STEPS = ("cache", "sources", "discover", "load", "graph", "stamps", "site pages")


def child(out: Path, repeat: int) -> None:
    """In the revision's own process: each step's fastest of `repeat` runs, as JSON on stdout."""
    import gc

    from llmnotes import buildcache, folder, graph, load, render, theme
    from llmnotes.config import load_config, resolve
    from llmnotes.emit import Context
    from llmnotes.heap import long_lived_heap

    config = load_config(Path.cwd(), None).with_options(out=out)
    notes_dir = resolve(config, config.notes)
    with long_lived_heap():
        cache = buildcache.load(buildcache.cache_file(config.root, out), buildcache.cache_key(config.allow_html))
        loaded = load.load_all(notes_dir, cache=cache.notes)
        site, _ = graph.build_graph(loaded, cache.resources, cache.related)
    gc.disable()
    found: dict[str, float] = {}

    def fastest(name: str, step: Callable[[], Any]) -> None:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
        found[name] = min(times)

    def stamps() -> None:
        site.__dict__.pop("resource_stamps", None)
        site.resource_stamps  # noqa: B018

    def site_pages() -> None:
        templates = (resolve(config, config.templates), theme.default_theme()[0])
        ctx = Context(config=config, site=site, template_dirs=templates, static_dirs=(), last_broken=lambda url: None, unchanged=lambda path, fingerprint: True)
        list(render.Renderer(ctx).site_pages())

    key = buildcache.cache_key(config.allow_html)
    fastest("cache", lambda: buildcache.load(buildcache.cache_file(config.root, out), key))
    fastest("sources", lambda: buildcache.source_stats("", [notes_dir]))
    fastest("discover", lambda: folder.discover(notes_dir))
    fastest("load", lambda: load.load_all(notes_dir, cache=cache.notes))
    fastest("graph", lambda: graph.build_graph(loaded, cache.resources, cache.related))
    fastest("stamps", stamps)
    fastest("site pages", site_pages)
    print(json.dumps(found))


def main() -> None:
    from compare_revisions import worktree
    from generate import generate

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", help="the revision before the change (a commit, a branch, or a folder holding a checkout)")
    parser.add_argument("new", help="the revision with it (the same)")
    parser.add_argument("--size", type=int, default=10000, help="notes in the corpus (default 10000)")
    parser.add_argument("--rounds", type=int, default=6, help="processes per revision, alternating (default 6)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step in a process; its fastest is kept (default 3)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.repeat)
        return
    source = HERE / "corpus" / str(args.size)
    if not (source / "notes").is_dir():
        generate(args.size, source)
    with tempfile.TemporaryDirectory(prefix="llmnotes-steps-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(source / "notes", corpus / "notes")
        shutil.copy2(source / "llmnotes.toml", corpus / "llmnotes.toml")
        made = {rev: worktree(rev, Path(tmp)) for rev in (args.old, args.new)}
        outs = {rev: Path(tmp) / f"out-{n}" for n, rev in enumerate(made)}
        found: dict[str, list[dict[str, float]]] = {rev: [] for rev in made}
        try:
            for rev, (tree, _) in made.items():
                env = {**os.environ, "PYTHONPATH": str(tree / "src")}
                subprocess.run([sys.executable, "-m", "llmnotes", "build", "-q", "--out", str(outs[rev])], cwd=corpus, env=env, check=True)
            for i in range(args.rounds):
                for rev in (args.old, args.new) if i % 2 == 0 else (args.new, args.old):
                    env = {**os.environ, "PYTHONPATH": str(made[rev][0] / "src")}
                    out = outs[rev]
                    command = [sys.executable, str(Path(__file__).resolve()), "x", "y", "--repeat", str(args.repeat), "--child", str(out)]
                    done = subprocess.run(command, cwd=corpus, env=env, check=True, capture_output=True, text=True)
                    found[rev].append(json.loads(done.stdout))
                    print(f"round {i + 1} {rev}: " + ", ".join(f"{k} {v:.3f}" for k, v in found[rev][-1].items()), file=sys.stderr)
        finally:
            for tree, ours in made.values():
                if ours:
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=HERE.parent, check=False)
    print(f"\n{args.size:,} notes, {args.rounds} processes per revision, alternating; each step the fastest of {args.repeat} in a process, then the median\n")
    print("| step | " + " | ".join(found) + " | change |")
    print("|---|" + "---:|" * (len(found) + 1))
    for step in STEPS:
        medians = [statistics.median(r[step] for r in found[rev]) for rev in found]
        print(f"| {step} | " + " | ".join(f"{m * 1000:.0f} ms" for m in medians) + f" | {(medians[1] - medians[0]) * 1000:+.0f} ms |")
    totals = [sum(statistics.median(r[step] for r in found[rev]) for step in STEPS) for rev in found]
    print("| all of them | " + " | ".join(f"{t * 1000:.0f} ms" for t in totals) + f" | {(totals[1] - totals[0]) * 1000:+.0f} ms |")


if __name__ == "__main__":
    main()
