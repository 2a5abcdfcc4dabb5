"""Is this machine's filesystem slowing down over repeated builds? No llmnotes code involved.

    python benchmarks/fs_churn.py

Writes 6,000 small files in 3,000 folders the way a build does (a fresh folder swapped in, the old one
deleted), five times, and prints the wall and system time of each round. On a steady machine the
rounds take the same time; on this one they grow, which is why `bench_build.py` reports user CPU too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

FOLDERS = 3000


def round_trip(base: Path, out: Path) -> None:
    new = Path(tempfile.mkdtemp(dir=base))
    for i in range(FOLDERS):
        folder = new / "pages" / f"p{i}"
        folder.mkdir(parents=True)
        (folder / "index.html").write_bytes(b"x" * 20_000)
    (new / "d").mkdir()
    for i in range(FOLDERS):
        (new / "d" / f"{i}.js").write_bytes(b"y" * 3_000)
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=base))
        os.rmdir(old)
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old)
    else:
        new.rename(out)


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="fs-churn-", dir=Path(__file__).parent))
    try:
        for run in range(5):
            started, before = time.perf_counter(), os.times()
            round_trip(base, base / "out")
            after = os.times()
            print(f"round {run + 1}: {time.perf_counter() - started:.2f} s wall, {after.system - before.system:.2f} s system")
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
