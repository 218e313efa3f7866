"""Benchmark against an HTTPS web shaped like a curriculum at 10x: linkcheck and lychee in turn.

    python benchmarks/bench_https.py                      # 2,000 URLs, 3 interleaved rounds
    python benchmarks/bench_https.py --runs 1 --dead-urls 0   # quick: no refusing/hanging host
    python benchmarks/bench_https.py --extra insecure-http-off

Both tools trust the web's local CA through SSL_CERT_FILE and get the same per-request timeout
(`--request-timeout`, default 10 s) and per-host limit (4). linkcheck runs in its default
configuration, cold (no result store, no extraction cache). Every run is killed past
`--run-timeout`. Everything stays on 127.77.0.0/16 (`--net`). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from curriculum_web import DEFAULT_SEED, Web, WebSpec, build_web  # noqa: E402
from harness import (  # noqa: E402
    LINKCHECK,
    LYCHEE,
    Row,
    fresh_work_dir,
    interleaved,
    linkcheck_available,
    linkcheck_command,
    lychee_command,
    print_table,
    summarise,
)
from simweb_fast import ServerProcess  # noqa: E402

HERE = Path(__file__).resolve().parent
EXTRAS = {"insecure-http-off": "rules:\n  insecure-http:\n    severity: 'off'\n"}


def rows(args: argparse.Namespace, web: Web, work: Path, ca: Path) -> list[Row]:
    env = {**os.environ, "SSL_CERT_FILE": str(ca)}
    timeout = ("--timeout", f"{args.request_timeout:g}")
    out = work / "lychee-out"
    out.mkdir()
    table = [Row(LYCHEE, LYCHEE, tuple(lychee_command(web.markdown_dir, out / "lychee.json",
                                                      128, 4, args.request_timeout)),
                 out / "lychee.json", work, env)]
    variants = [] if args.before_only else [(LINKCHECK, None, sys.executable)]
    variants += [(f"{LINKCHECK}, {name}", name, sys.executable) for name in args.extra]
    if args.before_python:
        variants.append((f"{LINKCHECK} before", None, args.before_python))
    for label, name, python in variants:
        home = work / label.replace(", ", "-").replace(" ", "-")  # its cwd: store and caches
        home.mkdir()
        config = None
        if name is not None:
            config = home / "linkcheck.yml"
            config.write_text(EXTRAS[name], "utf-8")
        cmd = linkcheck_command(web.markdown_dir, home / "reports", config, timeout, python)
        table.append(Row(label, LINKCHECK, tuple(cmd), home / "reports" / "linkcheck.json",
                         home, env, (home / ".linkcheck",)))
    return table


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--only", choices=(LYCHEE, LINKCHECK), help="measure one tool")
    parser.add_argument("--extra", action="append", default=[], choices=sorted(EXTRAS),
                        help="also a linkcheck row with this switched off (a labelled variant)")
    parser.add_argument("--before-python", metavar="PYTHON",
                        help="also a row 'linkcheck before': linkcheck of another install")
    parser.add_argument("--before-only", action="store_true",
                        help="with --before-python: no row for this install's linkcheck")
    parser.add_argument("--dead-urls", type=int, default=30,
                        help="URLs on the refusing host and on the hanging host (default 30)")
    parser.add_argument("--request-timeout", type=float, default=10.0,
                        help="both tools' per-request timeout in seconds (default 10)")
    parser.add_argument("--run-timeout", type=float, default=420.0,
                        help="seconds before a tool run is killed (default 420)")
    parser.add_argument("--work-dir", default=str(HERE / "out" / "https"))
    parser.add_argument("--net", default="127.77",
                        help="the web's hosts are NET.x.y on ports 443 and 80 (default 127.77; "
                             "another 127.N for a second web running at the same time)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.work_dir).resolve()
    if not fresh_work_dir(work, ".bench_https"):
        print(f"{work}: not empty and not a work dir of this benchmark; choose another --work-dir")
        return 2
    reason = linkcheck_available()
    if reason and args.only != LYCHEE:
        print(f"linkcheck skipped: not importable ({reason})")
        args.only = LYCHEE
    web = build_web(work, WebSpec(urls=args.urls, dead_urls=args.dead_urls, seed=args.seed,
                                  net=args.net))
    print(f"{len(web.targets)} URLs, {web.extra['links']} links in {web.spec.files} files on "
          f"{len(web.hosts)} hosts; work dir {work}", flush=True)
    argv_web = [sys.executable, str(HERE / "simweb_tls.py"), str(web.truth_path), str(work)]
    with ServerProcess(argv_web) as server:
        table = [r for r in rows(args, web, work, work / "ca.pem")
                 if args.only is None or r.tool == args.only]
        records = interleaved(table, args.runs, server, web.truth, args.run_timeout)
    summary = summarise(records)
    print_table(summary, records)
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores", "args": vars(args),
              "summary": summary, "runs": [asdict(r) for r in records]}
    (work / "results.json").write_text(json.dumps(result, indent=1, default=str), "utf-8")
    print(f"\nresults: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
