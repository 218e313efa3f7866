"""CPU per request of the remote checker alone, in one process, on the plain-HTTP simulated web.

    python benchmarks/bench_checker.py                    # 5,000 URLs, 5 rounds
    python benchmarks/bench_checker.py --before-python /tmp/before/.venv/bin/python
    python benchmarks/bench_checker.py --profile --top 40 --runs 1   # where the CPU goes

Each round runs `check_remote` in a fresh child process over the corpus's URLs (the links) and
their https:// twins (the rules' extras, as a default run asks about them), in the default
configuration but for private addresses (the web is on loopback), and measures the CPU and
wall time of that call alone: no start-up, extraction, rules or reports. With
`--before-python` another install's rounds alternate with this one's, so both share the
machine's load; both run from cached bytecode (harness.as_installed). Nothing leaves
127.0.0.0/8; each child is killed past `--timeout`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import pstats
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusSpec, build_corpus, load_targets  # noqa: E402
from harness import as_installed, fresh_work_dir  # noqa: E402
from simweb_fast import SimWebProcess  # noqa: E402

HERE = Path(__file__).resolve().parent


def child(truth_path: Path, profile: Path | None) -> dict:
    """In the child: check every URL once and say what it cost."""
    from linkcheck.check.remote.checker import check_remote
    from linkcheck.config import CheckConfig, Config

    links = [t.url for t in load_targets(truth_path)]
    twins = ["https" + url[4:] for url in links if url.startswith("http:")]
    config = Config(check=CheckConfig(allow_private=True))
    gc.freeze()  # as a run does while it checks (pipeline.py): what exists is not walked again
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    box = []  # the outcome leaves the loop this way: asyncio.run reprs its main task's result

    async def main() -> None:
        box.append(await check_remote(links + twins, config, extras=frozenset(twins)))

    asyncio.run(main())
    outcome = box[0]
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    statuses = Counter(outcome.results[url].status.value for url in links)
    return {"wall": wall, "cpu": cpu, "requests": outcome.requests_sent,
            "statuses": dict(sorted(statuses.items()))}


def run_child(python: str, truth_path: Path, profile: Path | None, timeout: float) -> dict:
    cmd = [python, __file__, "--child", str(truth_path)]
    if profile:
        cmd += ["--child-profile", str(profile)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=as_installed(cmd, None))
    if done.returncode != 0:
        raise RuntimeError(f"{python}: exit {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(label: str, rounds: list[dict]) -> str:
    def cell(key: str, scale: float = 1.0, fmt: str = ".2f") -> str:
        values = [r[key] * scale for r in rounds]
        return (f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-"
                f"{max(values):{fmt}})")

    for r in rounds:
        r["ms_per_request"] = r["cpu"] / max(1, r["requests"])
    return (f"  {label:<10} CPU {cell('cpu')} s, wall {cell('wall')} s, "
            f"{cell('ms_per_request', 1000, '.3f')} ms CPU per request, "
            f"requests {cell('requests', fmt='.0f')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--urls", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before-python", metavar="PYTHON",
                        help="also rounds of another install, alternating with these")
    parser.add_argument("--profile", action="store_true", help="run under cProfile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--work-dir", default=str(HERE / "out" / "checker"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.child_profile)))
        return 0
    work = Path(args.work_dir).resolve()
    if not fresh_work_dir(work, ".bench_checker"):
        print(f"{work}: not empty and not a work dir of this benchmark; choose another --work-dir")
        return 2
    installs = {"this": sys.executable}
    if args.before_python:
        installs["before"] = args.before_python
    rounds: dict[str, list[dict]] = {name: [] for name in installs}
    with SimWebProcess(100, 0.05, 4) as web:
        corpus = build_corpus(work, CorpusSpec(urls=args.urls, port=web.port))
        web.command(f"load {corpus.truth_path}")
        for n in range(args.runs):
            order = list(installs.items())
            for name, python in order if n % 2 == 0 else order[::-1]:
                web.command("reset")
                profile = work / f"{name}.prof" if args.profile else None
                result = run_child(python, corpus.truth_path, profile, args.timeout)
                rounds[name].append(result)
                print(f"[{n + 1}] {name:<7} CPU {result['cpu']:.2f} s, wall {result['wall']:.2f}"
                      f" s, {result['requests']} requests, {result['statuses']}", flush=True)
                if profile:
                    out = io.StringIO()
                    pstats.Stats(str(profile), stream=out).sort_stats("tottime").print_stats(
                        args.top)
                    print(out.getvalue()[out.getvalue().find("   ncalls"):].rstrip())
    print("median (range) of", args.runs, "rounds:")
    for name, results in rounds.items():
        print(summary(name, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
