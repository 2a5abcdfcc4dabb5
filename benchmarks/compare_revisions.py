"""Time two revisions of llmnotes against each other, alternating, in the same hour.

    python benchmarks/compare_revisions.py ccae638 HEAD --size 1000 --kind cold --runs 8

On a shared machine the noise between two hours is larger than most changes, so a change is
judged against the code before it, run by run: the runs alternate between the two revisions and
the medians are compared. Each revision is checked out in a temporary git worktree, and its
`src/` put first on PYTHONPATH, so the same interpreter and libraries run both.

Kinds, on the corpus benchmarks/corpus/<size> (made by benchmarks/generate.py if missing):
- cold: `build --no-cache` into a folder that does not exist;
- edit: one note's summary and body edited, then `build`. Each revision keeps its own output
  folder and build cache, and is brought back to the unedited notes after each timed run.
The corpus is copied into a temporary folder first, so nothing is left behind in benchmarks/.
As in `bench_build.py`, each revision's modules are compiled to bytecode first, and cold builds'
outputs are set aside rather than deleted until the last run (`--delete-between` deletes them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import compile_llmnotes, measure, set_aside  # noqa: E402
from generate import generate  # noqa: E402


def worktree(rev: str, into: Path) -> tuple[Path, bool]:
    """`rev` checked out (detached) under `into`, and True; or, when `rev` is a folder holding a
    checkout (an experiment not committed yet), that folder, and False."""
    if (Path(rev) / "src" / "llmnotes").is_dir():
        return Path(rev).resolve(), False
    folder = into / rev.replace("/", "_")
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(folder), rev], cwd=HERE.parent, check=True)
    return folder, True


def build_cmd(out: Path, cold: bool) -> list[str]:
    return [sys.executable, "-m", "llmnotes", "build", "-q", "--out", str(out), *(["--no-cache"] if cold else [])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", help="the revision before the change (a commit, a branch, or a folder holding a checkout)")
    parser.add_argument("new", help="the revision with it (the same)")
    parser.add_argument("--size", type=int, default=1000, help="notes in the corpus (default 1000)")
    parser.add_argument("--kind", choices=("cold", "edit"), default="cold")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each revision (default 5)")
    parser.add_argument("--delete-between", action="store_true", help="delete a cold build's output just before the next one")
    args = parser.parse_args()
    source = HERE / "corpus" / str(args.size)
    if not (source / "notes").is_dir():
        generate(args.size, source)
    with tempfile.TemporaryDirectory(prefix="llmnotes-compare-") as tmp:
        corpus = Path(tmp) / "corpus"  # a copy: the build caches and outputs go away with it
        shutil.copytree(source / "notes", corpus / "notes")
        shutil.copy2(source / "llmnotes.toml", corpus / "llmnotes.toml")
        edited = corpus / "notes" / "note-00001.md"
        original = edited.read_text(encoding="utf-8")
        made = {rev: worktree(rev, Path(tmp)) for rev in (args.old, args.new)}
        trees = {rev: folder for rev, (folder, _) in made.items()}
        for folder in trees.values():
            compile_llmnotes(folder / "src" / "llmnotes")
        runs: dict[str, list[dict[str, float]]] = {rev: [] for rev in trees}
        try:
            with set_aside(Path(tmp) / "set-aside", args.delete_between) as clear:
                for i in range(args.runs):
                    for rev in (args.old, args.new) if i % 2 == 0 else (args.new, args.old):
                        os.environ["PYTHONPATH"] = str(trees[rev] / "src")  # measure() passes the environment on
                        out = Path(tmp) / ("out-old" if rev == args.old else "out-new")
                        if args.kind == "cold":
                            clear(out)
                            runs[rev].append(measure(build_cmd(out, cold=True), corpus))
                        else:
                            if not out.is_dir():  # the first build of this revision fills its cache
                                measure(build_cmd(out, cold=False), corpus)
                            edited.write_text(original.replace('summary: "', f'summary: "Edited {i}. ', 1) + f"\nOne more line, edit {i}.\n", encoding="utf-8")
                            try:
                                runs[rev].append(measure(build_cmd(out, cold=False), corpus))
                            finally:
                                edited.write_text(original, encoding="utf-8")
                            measure(build_cmd(out, cold=False), corpus)  # back to the unedited notes, untimed
                        last = runs[rev][-1]
                        print(f"run {i + 1} {rev}: wall {last['wall']:.2f} s, CPU {last['cpu']:.2f} s", file=sys.stderr)
        finally:
            os.environ.pop("PYTHONPATH", None)
            for folder, ours in made.values():
                if ours:
                    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=HERE.parent, check=False)
    print(f"\n{args.kind}, {args.size:,} notes, {args.runs} runs each, alternating\n")
    print("| revision | wall (median) | CPU (median) | user CPU (median) | peak RSS (median) |")
    print("|---|---:|---:|---:|---:|")
    for rev, found in runs.items():
        med = {k: statistics.median(r[k] for r in found) for k in ("wall", "cpu", "user", "rss_mib")}
        print(f"| {rev} | {med['wall']:.2f} s | {med['cpu']:.2f} s | {med['user']:.2f} s | {med['rss_mib']:.0f} MiB |")


if __name__ == "__main__":
    main()
