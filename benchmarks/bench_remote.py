"""Benchmark remote checking: linkcheck and lychee side by side on a plain-HTTP loopback web.

    python benchmarks/bench_remote.py                 # 5,000 URLs, 3 interleaved rounds
    python benchmarks/bench_remote.py --urls 500 --runs 1   # a quick run
    python benchmarks/bench_remote.py --only lychee   # one tool
    python benchmarks/bench_remote.py --warm          # also: linkcheck cold then warm, 3 pairs
    python benchmarks/bench_remote.py --extra insecure-http-off   # a labelled variant row

linkcheck runs in its default configuration (no config file, no flag but the output directory),
cold: its result store and extraction cache are removed before each run. Everything stays on
127.0.0.0/8; every child process has a timeout and is stopped by its id.
See benchmarks/README.md for what is measured and the latest figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DEFAULT_SEED, Corpus, CorpusSpec, Truth, build_corpus  # noqa: E402
from harness import (  # noqa: E402
    LINKCHECK,
    LYCHEE,
    Row,
    RunRecord,
    fresh_work_dir,
    interleaved,
    linkcheck_available,
    linkcheck_command,
    lychee_command,
    measure,
    print_table,
    spread,
    summarise,
)
from simweb_fast import SimWebProcess  # noqa: E402

HERE = Path(__file__).resolve().parent
FLOOR = "floor"  # benchmarks/floor.py: a bare client, the least time the simulated web allows
EXTRAS = {"insecure-http-off": "rules:\n  insecure-http:\n    severity: 'off'\n"}
LYCHEE_PER_HOST, LYCHEE_MAX_CONCURRENCY = 4, 128  # linkcheck's defaults, given to lychee


def linkcheck_row(label: str, work: Path, corpus: Corpus, args: argparse.Namespace,
                  config_text: str | None, cold: bool = True,
                  python: str = sys.executable) -> Row:
    home = work / label.replace(", ", "-").replace(" ", "-")  # its cwd: store and caches
    home.mkdir(exist_ok=True)
    config = None
    if config_text is not None:
        config = home / "linkcheck.yml"
        config.write_text(config_text, "utf-8")
    flags: tuple[str, ...] = ()
    if args.per_host is not None:
        flags += ("--per-host", str(args.per_host))
    if args.max_concurrency is not None:
        flags += ("--max-concurrency", str(args.max_concurrency))
    cmd = linkcheck_command(corpus.markdown_dir, home / "reports", config, flags, python)
    return Row(label, LINKCHECK, tuple(cmd), home / "reports" / "linkcheck.json", home, None,
               (home / ".linkcheck",) if cold else ())


def rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[Row]:
    out = work / "lychee-out"
    out.mkdir(exist_ok=True)
    lychee = lychee_command(corpus.markdown_dir, out / "lychee.json",
                            args.max_concurrency or LYCHEE_MAX_CONCURRENCY,
                            args.per_host or LYCHEE_PER_HOST, 20)
    table = [Row(LYCHEE, LYCHEE, tuple(lychee), out / "lychee.json", work)]
    table.append(linkcheck_row(LINKCHECK, work, corpus, args, None))
    table += [linkcheck_row(f"{LINKCHECK}, {name}", work, corpus, args, EXTRAS[name])
              for name in args.extra]
    if args.before_python:
        table.append(linkcheck_row(f"{LINKCHECK} before", work, corpus, args, None,
                                   python=args.before_python))
    if args.only:
        table = [r for r in table if r.tool == args.only]
    return table


def floor_row(args: argparse.Namespace, corpus: Corpus, work: Path) -> Row:
    report = work / "floor-out" / "floor.json"
    cmd = (sys.executable, str(HERE / "floor.py"), str(corpus.truth_path), str(report),
           "--per-host", str(args.per_host or LYCHEE_PER_HOST))
    return Row(FLOOR, FLOOR, cmd, report, work)


def run_warm(args: argparse.Namespace, corpus: Corpus, work: Path, web: SimWebProcess) -> dict:
    """linkcheck cold then warm from its own store, in rounds: warm may fetch only broken URLs.
    With --before-python, the other install's pairs alternate with these."""
    print("\nwarm re-runs (linkcheck, default configuration, cold then warm):", flush=True)
    installs = [("linkcheck", sys.executable)]
    if args.before_python:
        installs.append(("linkcheck before", args.before_python))
    figures = {}
    for name, python in installs:
        cold = linkcheck_row(f"{name} cold", work, corpus, args, None, python=python)
        warm = Row(f"{name} warm", LINKCHECK, cold.cmd, cold.report, cold.cwd)  # same home
        figures[name] = {"rows": (cold, warm), "pairs": []}
    for n in range(args.runs):
        for name in (installs if n % 2 == 0 else installs[::-1]):
            cold, warm = figures[name[0]]["rows"]
            first = measure(cold, n + 1, web, corpus.truth, args.timeout)
            figures[name[0]]["pairs"].append(
                (first, measure(warm, n + 1, web, corpus.truth, args.timeout)))
    broken = sum(1 for t in corpus.targets if t.truth is Truth.BROKEN)
    return {name: _warm_figures(name, data["pairs"], broken) for name, data in figures.items()}


def _warm_figures(name: str, pairs: list[tuple[RunRecord, RunRecord]], broken: int) -> dict:
    ratios = [w.wall / c.wall for c, w in pairs if c.wall]
    figures = {
        "cold_wall": spread([c.wall for c, _ in pairs]),
        "warm_wall": spread([w.wall for _, w in pairs]),
        "warm_cpu": spread([w.cpu for _, w in pairs]),
        "warm_requests": spread([w.requests for _, w in pairs]),
        "wall_ratio": spread(ratios), "broken_urls": broken,
    }
    ratio = figures["wall_ratio"]
    print(f"  {name}: warm/cold wall time {ratio['median']:.2f} ({ratio['min']:.2f}-"
          f"{ratio['max']:.2f}; target <= 0.20); cold {figures['cold_wall']['median']:.2f} s, "
          f"warm {figures['warm_wall']['median']:.2f} s; warm requests "
          f"{statistics.median(w.requests for _, w in pairs):.0f} for {broken} broken URLs; "
          f"warm statuses {pairs[-1][1].statuses}")
    return {**figures, "runs": [[asdict(c), asdict(w)] for c, w in pairs]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="linkcheck vs lychee on a simulated web")
    parser.add_argument("--urls", type=int, default=5000, help="unique URLs (default 5000)")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--only", choices=(LYCHEE, LINKCHECK), help="measure one tool")
    parser.add_argument("--warm", action="store_true", help="also measure warm linkcheck re-runs")
    parser.add_argument("--floor", action="store_true", help="also run the bare client once")
    parser.add_argument("--extra", action="append", default=[], choices=sorted(EXTRAS),
                        help="also a linkcheck row with this switched off (a labelled variant)")
    parser.add_argument("--before-python", metavar="PYTHON",
                        help="also a row 'linkcheck before': linkcheck of another install")
    parser.add_argument("--per-host", type=int,
                        help="per-host limit for both tools (default: linkcheck's own, 4)")
    parser.add_argument("--max-concurrency", type=int,
                        help="global limit for both tools (default: linkcheck's own, 128)")
    parser.add_argument("--rate-limit", type=int, default=4,
                        help="rate-limited hosts answer 429 above this many in flight")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per tool run")
    parser.add_argument("--work-dir", default=str(HERE / "out" / "plain"),
                        help="corpus, reports, logs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.work_dir).resolve()
    if not fresh_work_dir(work, ".bench_remote"):
        print(f"{work}: not empty and not a work dir of this benchmark; choose another --work-dir")
        return 2
    reason = linkcheck_available()
    if reason:
        print(f"linkcheck skipped: not importable ({reason})")
        args.only, args.warm, args.extra = LYCHEE, False, []
    with SimWebProcess(args.hosts, args.latency, args.rate_limit) as web:
        spec = CorpusSpec(urls=args.urls, files=args.files, hosts=args.hosts, seed=args.seed,
                          port=web.port)
        corpus = build_corpus(work, spec)
        web.command(f"load {corpus.truth_path}")
        print(f"{args.urls} URLs x {spec.links_per_url} links in {args.files} files on "
              f"{args.hosts} hosts (port {web.port}), {args.latency * 1000:.0f} ms latency; "
              f"work dir {work}", flush=True)
        records = interleaved(rows(args, corpus, work), args.runs, web, corpus.truth,
                              args.timeout)
        if args.floor:
            records.append(measure(floor_row(args, corpus, work), 1, web, corpus.truth,
                                   args.timeout))
        summary = summarise(records)
        print_table(summary, records)
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
