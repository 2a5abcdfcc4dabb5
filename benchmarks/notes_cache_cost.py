"""What reading the build cache's parsed notes costs, and how much of it is their texts.

    python benchmarks/notes_cache_cost.py benchmarks/corpus/10000 --runs 5

An edit's build reads every parsed note back from the cache (`buildcache.load`) before the graph.
Would keeping the notes' bodies, search texts and word lists in files of their own, read only for
the pages rendered, make that step cheap? This unpickles the notes shards of the corpus's last
build as they are, and again with those three fields emptied, alternating, in one process with the
garbage collector off (as in a build). It reads the cache of the build into `--out` (by default
`out-llmnotes`, where `bench_build.py` builds): run that build first.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import pickle
import statistics
import time
from pathlib import Path

from llmnotes import buildcache
from llmnotes.model import Body, Note


def slimmed(stored: object) -> object:
    """A shard's contents with each note's body, text and words emptied."""
    key, notes = stored  # type: ignore[misc]
    slim = {}
    for path, (digest, note, *rest) in notes.items():
        if isinstance(note, Note):
            lean = dataclasses.replace(note, body=Body(), text="", words="")
            object.__setattr__(lean, "digest", note.digest)
            note = lean
        slim[path] = (digest, note, *rest)
    return key, slim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, help="the output folder whose build cache to read (default: CORPUS/out-llmnotes)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cache = buildcache.cache_file(args.corpus, args.out or args.corpus / "out-llmnotes")
    shards = sorted(cache.parent.glob(f"{cache.stem}.notes-*.pickle"))
    if not shards:
        raise SystemExit(f"no notes shards beside {cache}: run that build first")
    full = [path.read_bytes() for path in shards]
    gc.disable()
    lean = [pickle.dumps(slimmed(pickle.loads(data)), protocol=pickle.HIGHEST_PROTOCOL) for data in full]
    times: dict[str, list[float]] = {"as stored": [], "texts emptied": []}
    for _ in range(args.runs):
        for label, blobs in (("as stored", full), ("texts emptied", lean)):
            started = time.perf_counter()
            loaded = [pickle.loads(blob) for blob in blobs]
            times[label].append(time.perf_counter() - started)
            del loaded
            gc.collect()
    notes = sum(len(pickle.loads(blob)[1]) for blob in full)
    print(f"{len(shards)} shards, {notes} notes")
    for label, blobs in (("as stored", full), ("texts emptied", lean)):
        runs = ", ".join(f"{t:.2f}" for t in times[label])
        print(f"{label:14} {sum(map(len, blobs)) / 1e6:6.1f} MB  unpickled in {statistics.median(times[label]):.2f} s median ({runs})")


if __name__ == "__main__":
    main()
