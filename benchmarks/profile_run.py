"""Where a linkcheck run's time goes, stage by stage, against the plain-HTTP simulated web.

    python benchmarks/profile_run.py                  # 5,000 URLs: cold, then warm
    python benchmarks/profile_run.py --profile --top 40   # also the top functions (cProfile)
    python benchmarks/profile_run.py --profile --args=--workers=1   # the checker in-process

linkcheck runs in its default configuration in a child process, cold (fresh store and caches),
then warm (its own store from the cold run). The child wraps each stage function where the run
looks it up and prints its wall and CPU time (a coroutine's CPU is shared with the others, so
only its wall time is shown); start-up is the time to import the CLI. With --profile the run
is under cProfile, which slows Python code down by about half: read its shares, not seconds.
The remote checks run in worker processes by default, whose time the profile does not see:
`--args=--workers=1` (any CLI arguments, appended to the run's) keeps them in the profiled one.
Nothing leaves 127.0.0.0/8; the child is killed past `--timeout`.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import json
import pstats
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusSpec, build_corpus  # noqa: E402
from harness import fresh_work_dir, run_measured  # noqa: E402
from simweb_fast import SimWebProcess  # noqa: E402

HERE = Path(__file__).resolve().parent
# (stage, module, function or Class.method): each is timed where the run looks it up
# (pipeline's namespace). A streamed run reads the files while the checks go on: the stages
# from "files read" to "waiting for the checks" overlap the network, which the last one waits
# for; runs in turn (--offline) take _check_remote instead.
STAGES = (
    ("discover", "linkcheck.pipeline", "discover"),
    ("baseline read", "linkcheck.cli", "load_baseline"),
    ("files read, targets sent", "linkcheck.pipeline", "_read_and_send"),
    ("  extraction (and its cache)", "linkcheck.pipeline", "extract_each"),
    ("  store lookups", "linkcheck.history.policy", "History.unknown"),
    ("local checks", "linkcheck.pipeline", "check_local"),
    ("rules' context", "linkcheck.pipeline", "build_context"),
    ("rules' extra URLs", "linkcheck.pipeline", "extra_targets"),
    ("waiting for the checks", "linkcheck.check.remote.spread", "SpreadSession.outcome"),
    ("remote, in turn", "linkcheck.pipeline", "_check_remote"),
    ("rules", "linkcheck.pipeline", "run_rules"),
    ("reports", "linkcheck.cli", "_write_reports"),
    ("baseline: compare and keep", "linkcheck.cli", "compare"),
    ("baseline: compare and keep", "linkcheck.cli", "remember_baseline"),
)


def child(out: Path, profile: Path | None, argv: list[str]) -> None:
    """In the child: time start-up and each stage (wall and CPU), then run the CLI."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    import importlib

    import linkcheck.cli

    figures: dict[str, list[float]] = {
        "start-up (imports)": [time.perf_counter() - wall0, time.process_time() - cpu0]}
    for label, module_name, name in STAGES:
        owner = importlib.import_module(module_name)
        *outer, name = name.split(".")
        for part in outer:
            owner = getattr(owner, part)
        if hasattr(owner, name):
            setattr(owner, name, _timed(getattr(owner, name), figures.setdefault(label, [0, 0])))
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    try:
        code = linkcheck.cli.main(argv)
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(str(profile))
    figures["whole run"] = [time.perf_counter() - wall0, time.process_time() - cpu0]
    out.write_text(json.dumps({"exit": code, "stages": figures}), "utf-8")


def _timed(function, into: list[float]):
    if inspect.isgeneratorfunction(function):  # the time spent making each item
        def timed_items(*args, **kwargs):
            items = function(*args, **kwargs)
            while True:
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    into[0] += time.perf_counter() - wall
                    into[1] += time.process_time() - cpu
                yield item
        return timed_items
    if inspect.iscoroutinefunction(function):
        async def timed_async(*args, **kwargs):
            wall = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                into[0] += time.perf_counter() - wall
                into[1] = float("nan")  # CPU of a coroutine is shared with the others
        return timed_async

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            into[0] += time.perf_counter() - wall
            into[1] += time.process_time() - cpu
    return timed


def show(figures: dict, profile: Path | None, top: int) -> str:
    lines = [f"  {'stage':<30}{'wall, s':>9}{'CPU, s':>9}"]
    for label, (wall, cpu) in figures["stages"].items():
        lines.append(f"  {label:<30}{wall:9.3f}{cpu:9.3f}")
    if profile is not None and profile.is_file():
        out = io.StringIO()
        pstats.Stats(str(profile), stream=out).sort_stats("tottime").print_stats(top)
        body = out.getvalue()
        lines.append(body[body.find("   ncalls"):].rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--urls", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--work-dir", default=str(HERE / "out" / "profile"))
    parser.add_argument("--profile", action="store_true", help="also run under cProfile")
    parser.add_argument("--args", action="append", default=[], metavar="ARGS",
                        help="more arguments for `linkcheck run`, split at spaces")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.child_profile, args.rest)
        return 0
    work = Path(args.work_dir).resolve()
    if not fresh_work_dir(work, ".profile_run"):
        print(f"{work}: not empty and not a work dir of this benchmark; choose another --work-dir")
        return 2
    home = work / "home"
    home.mkdir(exist_ok=True)
    with SimWebProcess(100, 0.05, 4) as web:
        corpus = build_corpus(work, CorpusSpec(urls=args.urls, port=web.port))
        web.command(f"load {corpus.truth_path}")
        for label in ("cold", "warm"):
            if label == "cold":
                shutil.rmtree(home / ".linkcheck", ignore_errors=True)
            profile = work / f"{label}.prof" if args.profile else None
            figures = work / f"{label}.json"
            cmd = [sys.executable, __file__, "--child", str(figures)]
            if profile:
                cmd += ["--child-profile", str(profile)]
            cmd += ["--", "run", str(corpus.markdown_dir), "--output-dir",
                    str(home / "reports"), "--quiet", "--private-ok"]
            cmd += [part for extra in args.args for part in extra.split()]
            web.command("reset")
            measured = run_measured(cmd, home, args.timeout, work / label)
            requests = web.command("stats")["requests"]
            print(f"\n{label}: {measured.wall:.2f} s wall, {measured.cpu:.2f} s CPU, "
                  f"{measured.max_rss_mb:.0f} MB, {requests} requests"
                  + (" (under cProfile)" if profile else ""))
            if figures.is_file():
                print(show(json.loads(figures.read_text("utf-8")), profile, args.top))
            else:
                print(f"  no figures written: {measured.stderr_tail[-600:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
