"""Benchmark remote checking: linkcheck and lychee side by side against a simulated web on loopback.

    python benchmarks/bench_remote.py                 # 5,000 URLs, both tools, two runs each
    python benchmarks/bench_remote.py --urls 500      # a quick run
    python benchmarks/bench_remote.py --only lychee   # one tool
    python benchmarks/bench_remote.py --warm          # also: linkcheck cold, then warm

Everything stays on 127.0.0.0/8; every child process has a timeout and is stopped by its id.
See benchmarks/README.md for what is measured and the latest figures.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DEFAULT_SEED, Corpus, CorpusSpec, build_corpus  # noqa: E402
from score import Score, read_linkcheck, read_lychee, score  # noqa: E402
from simweb_fast import SimWebProcess  # noqa: E402

HERE = Path(__file__).resolve().parent
TOOLS = ("lychee", "linkcheck")
FLOOR = "floor"  # benchmarks/floor.py: a bare client, the least time the simulated web allows


@dataclass(frozen=True, slots=True)
class Measured:
    """One child process run: wall time and the peak RSS of its process tree."""

    wall: float
    max_rss_mb: float
    returncode: int | None  # None: killed at the timeout
    cpu: float = 0.0  # user + system seconds of the child's tree
    stderr_tail: str = ""


@dataclass(frozen=True, slots=True)
class RunRecord:
    tool: str
    label: str
    wall: float
    cpu: float  # the tool's own CPU seconds: steadier than wall time on a shared machine
    load: float  # the machine's 1-minute load average when the run started
    max_rss_mb: float
    returncode: int | None
    requests: int
    max_in_flight: int
    hosts_over_limit: tuple[str, ...]
    server_cpu: float  # seconds of server CPU during the run
    statuses: dict[str, int]
    repeated_requests: int
    false_alarms: int
    misses: int
    reported: dict[str, int]
    examples: dict[str, list[str]] = field(default_factory=dict)
    stderr_tail: str = ""  # kept when no report was written
    report_written: bool = True
    not_http: int = 0  # connections that sent no HTTP (https:// probes of this plain port)


def run_measured(cmd: list[str], cwd: Path, timeout: float, log_prefix: Path) -> Measured:
    """Run cmd in its own session; os.wait4 gives the peak RSS of exactly this child's tree.

    ru_maxrss of a waited child covers the largest process among it and its waited descendants.
    """
    err_path = Path(f"{log_prefix}.stderr")
    start = time.monotonic()
    with open(f"{log_prefix}.stdout", "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        returncode, rusage = _wait(proc, start + timeout)
    wall = time.monotonic() - start
    tail = err_path.read_text("utf-8", "replace")[-1500:]
    cpu = rusage.ru_utime + rusage.ru_stime
    return Measured(wall, rusage.ru_maxrss / 1024, returncode, cpu, tail)


def _wait(proc: subprocess.Popen, deadline: float) -> tuple[int | None, resource.struct_rusage]:
    """Exit code (None when killed at the deadline) and resource usage of the child's tree."""
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, rusage
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)  # the child's own session: nothing else
            _, _, rusage = os.wait4(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            return None, rusage
        time.sleep(0.01)


def lychee_command(corpus: Corpus, report: Path, args: argparse.Namespace) -> list[str]:
    return [
        shutil.which("lychee") or "lychee",
        "--format", "json", "--output", str(report),
        "-vv",  # without it lychee's JSON lists neither successes nor redirects
        "--no-progress",
        "--max-concurrency", str(args.max_concurrency),
        "--host-concurrency", str(args.per_host),
        "--max-redirects", "10",
        "--timeout", "20",
        str(corpus.markdown_dir),
    ]


def linkcheck_command(corpus: Corpus, out_dir: Path, config: Path, cache: bool) -> list[str]:
    cmd = [sys.executable, "-m", "linkcheck", "run", str(corpus.markdown_dir),
           "--config", str(config), "--output-dir", str(out_dir), "--quiet"]
    if not cache and "--no-cache" in linkcheck_help():
        cmd.append("--no-cache")
    return cmd


@functools.cache
def linkcheck_help() -> str:
    return subprocess.run([sys.executable, "-m", "linkcheck", "run", "--help"],
                          capture_output=True, text=True, timeout=60).stdout


def write_linkcheck_config(path: Path, args: argparse.Namespace, store: Path, cache: bool) -> None:
    """Loopback addresses must be allowed; the cold run keeps the result store off.

    The corpus is plain http:// (loopback has no TLS), so the insecure-http rule would probe an
    https:// twin of every URL; it is off unless --https-twins asks to measure that cost too.
    """
    lines = [
        "check:",
        "  allow_private: true",
        f"  per_host: {args.per_host}",
        f"  max_concurrency: {args.max_concurrency}",
        "  max_redirects: 10",
        "store:",
        f"  enabled: {'true' if cache else 'false'}",
        f"  path: {json.dumps(str(store))}",
    ]
    if not args.https_twins:
        lines += ["rules:", "  insecure-http:", "    severity: 'off'"]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def linkcheck_available() -> str | None:
    """None when the remote checker can be imported, else the reason it cannot."""
    probe = subprocess.run(
        [sys.executable, "-c", "import linkcheck.cli, linkcheck.check.remote"],
        capture_output=True, text=True, timeout=60,
    )
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or ["import failed"])[-1]


def measure(tool: str, label: str, cmd: list[str], report: Path, work: Path,
            corpus: Corpus, web: SimWebProcess, timeout: float) -> RunRecord:
    report.unlink(missing_ok=True)
    web.command("reset")
    before = web.command("stats")["cpu_seconds"]
    load = os.getloadavg()[0]
    measured = run_measured(cmd, work, timeout, work / f"{tool}-{label}")
    stats = web.command("stats")
    reader = read_lychee if tool == "lychee" else read_linkcheck
    verdicts, problem = {}, ""
    try:
        verdicts = reader(report) if report.is_file() else {}
    except (OSError, ValueError, KeyError, TypeError) as exc:  # a half-written or odd report
        problem = f"{report}: unreadable report: {exc!r}"
    result: Score = score(corpus.truth, verdicts)
    return RunRecord(
        tool, label, measured.wall, measured.cpu, load, measured.max_rss_mb, measured.returncode,
        stats["requests"], stats["max_in_flight"], tuple(stats["hosts_over_limit"]),
        stats["cpu_seconds"] - before, stats["statuses"], stats["repeated_requests"],
        len(result.false_alarms), len(result.misses), result.reported,
        {"false_alarms": list(result.false_alarms[:3]), "misses": list(result.misses[:3])},
        problem or ("" if report.is_file() else measured.stderr_tail),
        report.is_file() and not problem,
        stats.get("not_http", 0),
    )


def run_tool(tool: str, label: str, args: argparse.Namespace, corpus: Corpus, work: Path,
             web: SimWebProcess, cache: bool = False) -> RunRecord:
    out_dir = work / f"{tool}-out"
    out_dir.mkdir(exist_ok=True)
    if tool == "lychee":
        report = out_dir / "lychee.json"
        cmd = lychee_command(corpus, report, args)
    elif tool == FLOOR:
        report = out_dir / "floor.json"
        cmd = [sys.executable, str(HERE / "floor.py"), str(corpus.truth_path), str(report),
               "--per-host", str(args.per_host)]
    else:
        report = out_dir / "linkcheck.json"
        config = work / ("linkcheck-warm.yml" if cache else "linkcheck.yml")
        write_linkcheck_config(config, args, work / ".linkcheck" / "history.sqlite", cache)
        cmd = linkcheck_command(corpus, out_dir, config, cache)
    record = measure(tool, label, cmd, report, work, corpus, web, args.timeout)
    print(_one_line(record), flush=True)
    return record


def _one_line(r: RunRecord) -> str:
    over = ""
    if r.hosts_over_limit:
        over = f", over the rate limit on {len(r.hosts_over_limit)} hosts"
    if r.statuses.get("429"):
        over += f", {r.statuses['429']} answered 429"
    if r.not_http:
        over += f", {r.not_http} non-HTTP connections"
    others = {k: v for k, v in r.reported.items() if k not in ("ok", "broken", "redirected")}
    if others:  # unverifiable, new-failure, not-reported...: neither a false alarm nor ok
        over += ", also reported " + ", ".join(f"{k}: {v}" for k, v in sorted(others.items()))
    failed = f", exit {r.returncode}" if r.returncode not in (0, 1, 2) else ""
    if r.returncode is None:
        failed = f", KILLED at the timeout after {r.wall:.1f} s"
    note = f"\n    no usable report: {r.stderr_tail.strip()[-600:]}" if r.stderr_tail else ""
    return (
        f"  {r.tool:<9} {r.label:<6} {r.wall:6.2f} s (CPU {r.cpu:5.2f} s, load {r.load:3.1f})  "
        f"{r.max_rss_mb:6.1f} MB  "
        f"{r.requests:6d} requests  in flight max {r.max_in_flight}{over}  "
        f"{r.false_alarms} false alarms  {r.misses} misses  server CPU {r.server_cpu:.2f} s"
        f"{failed}{note}"
    )


def summarise(records: list[RunRecord]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    for tool in (*TOOLS, FLOOR):
        runs = [r for r in records if r.tool == tool and r.report_written]
        if not runs:
            continue
        summary[tool] = {
            "wall": statistics.mean(r.wall for r in runs),
            "cpu": statistics.mean(r.cpu for r in runs),
            "max_rss_mb": max(r.max_rss_mb for r in runs),
            "requests": statistics.mean(r.requests for r in runs),
            "max_in_flight": max(r.max_in_flight for r in runs),
            "false_alarms": max(r.false_alarms for r in runs),
            "misses": max(r.misses for r in runs),
            "server_cpu_share": statistics.mean(r.server_cpu / r.wall for r in runs),
        }
    return summary


def print_summary(summary: dict[str, dict[str, float]], per_host: int) -> None:
    rows = [("wall time, s (mean)", "wall", "{:.2f}"),
            ("CPU time, s (mean)", "cpu", "{:.2f}"),
            ("peak RSS, MB (max)", "max_rss_mb", "{:.1f}"),
            ("requests sent (mean)", "requests", "{:.0f}"),
            ("most in flight on one host", "max_in_flight", "{:.0f}"),
            ("false alarms (worst run)", "false_alarms", "{:.0f}"),
            ("misses (worst run)", "misses", "{:.0f}"),
            ("server CPU / wall (mean)", "server_cpu_share", "{:.0%}")]
    lychee, linkcheck = summary.get("lychee"), summary.get("linkcheck")
    floor = summary.get(FLOOR)
    print(f"\n{'':<28}{'lychee':>12}{'linkcheck':>12}{'ratio lc/ly':>13}"
          + (f"{'floor':>10}" if floor else ""))
    for title, key, fmt in rows:
        a = fmt.format(lychee[key]) if lychee else "-"
        b = fmt.format(linkcheck[key]) if linkcheck else "-"
        ratio = "-"
        if lychee and linkcheck and lychee[key]:
            ratio = f"{linkcheck[key] / lychee[key]:.2f}"
        extra = f"{fmt.format(floor[key]):>10}" if floor else ""
        print(f"{title:<28}{a:>12}{b:>12}{ratio:>13}{extra}")
    if linkcheck:
        print(_targets(linkcheck, lychee, per_host))


def _targets(lc: dict[str, float], ly: dict[str, float] | None, per_host: int) -> str:
    checks = [
        ("no false alarm", lc["false_alarms"] == 0),
        ("no miss", lc["misses"] == 0),
        ("peak RSS <= 150 MB", lc["max_rss_mb"] <= 150),
        (f"never more than {per_host} in flight per host", lc["max_in_flight"] <= per_host),
    ]
    if ly:
        checks.append(("wall time <= 0.8 x lychee", lc["wall"] <= 0.8 * ly["wall"]))
    return "\nlinkcheck targets: " + "; ".join(
        f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks
    )


def run_warm(args: argparse.Namespace, corpus: Corpus, work: Path, web: SimWebProcess) -> dict:
    """linkcheck twice with its result store: the second run should fetch only broken URLs."""
    shutil.rmtree(work / ".linkcheck", ignore_errors=True)
    print("\nwarm re-run (linkcheck with its result store):", flush=True)
    cold = run_tool("linkcheck", "cold", args, corpus, work, web, cache=True)
    warm = run_tool("linkcheck", "warm", args, corpus, work, web, cache=True)
    broken = sum(1 for t in corpus.targets if t.truth.value == "broken")
    ratio = warm.wall / cold.wall if cold.wall else float("nan")
    print(
        f"  warm/cold wall time {ratio:.2f} (target <= 0.20); warm requests {warm.requests} "
        f"for {broken} broken URLs (target: requests only for broken URLs); "
        f"warm statuses {warm.statuses}"
    )
    return {"cold": asdict(cold), "warm": asdict(warm), "broken_urls": broken,
            "wall_ratio": ratio}


def fresh_work_dir(work: Path) -> bool:
    """Empty the work dir, but only one this script made (it carries a marker file)."""
    marker = work / ".bench_remote"
    if work.exists() and any(work.iterdir()):
        if not marker.is_file():
            return False
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    marker.write_text("work dir of benchmarks/bench_remote.py: emptied on every run\n", "utf-8")
    return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="linkcheck vs lychee on a simulated web")
    parser.add_argument("--urls", type=int, default=5000, help="unique URLs (default 5000)")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=2, help="runs per tool (default 2)")
    parser.add_argument("--only", choices=TOOLS, help="measure one tool")
    parser.add_argument("--warm", action="store_true", help="also measure a warm linkcheck re-run")
    parser.add_argument("--floor", action="store_true", help="also run the bare client once")
    parser.add_argument("--https-twins", action="store_true",
                        help="keep linkcheck's insecure-http rule on (probes https:// twins)")
    parser.add_argument("--per-host", type=int, default=4, help="per-host limit for both tools")
    # lychee's default; linkcheck's own default is 64, so both run with the same global limit
    parser.add_argument("--max-concurrency", type=int, default=128,
                        help="requests in flight in all, for both tools (default 128)")
    parser.add_argument("--rate-limit", type=int, default=4,
                        help="rate-limited hosts answer 429 above this many in flight")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per tool run")
    parser.add_argument("--work-dir", default=str(HERE / "out"), help="corpus, reports, logs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.work_dir).resolve()
    if not fresh_work_dir(work):
        print(f"{work}: not empty and not a work dir of this benchmark; choose another --work-dir")
        return 2
    tools = [args.only] if args.only else list(TOOLS)
    if "linkcheck" in tools or args.warm:
        reason = linkcheck_available()
        if reason:
            print(f"linkcheck skipped: the remote checker is not importable ({reason})")
            tools = [t for t in tools if t != "linkcheck"]
            args.warm = False
    with SimWebProcess(args.hosts, args.latency, args.rate_limit) as web:
        spec = CorpusSpec(urls=args.urls, files=args.files, hosts=args.hosts, seed=args.seed,
                          port=web.port)
        corpus = build_corpus(work, spec)
        web.command(f"load {corpus.truth_path}")
        print(f"{args.urls} URLs x {spec.links_per_url} links in {args.files} files on "
              f"{args.hosts} hosts (port {web.port}), {args.latency * 1000:.0f} ms latency; "
              f"work dir {work}", flush=True)
        records = [run_tool(tool, f"run{n + 1}", args, corpus, work, web)
                   for n in range(args.runs) for tool in tools]
        if args.floor:
            records.append(run_tool(FLOOR, "run1", args, corpus, work, web))
        summary = summarise(records)
        print_summary(summary, args.per_host)
        for tool in tools:
            if tool not in summary:
                print(f"{tool}: no run wrote a usable report (see the lines above)")
        warm = run_warm(args, corpus, work, web) if args.warm else None
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "args": vars(args), "summary": summary, "runs": [asdict(r) for r in records],
              "warm": warm}
    (work / "results.json").write_text(json.dumps(result, indent=1), "utf-8")
    print(f"\nresults: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
