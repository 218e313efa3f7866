"""What every side-by-side benchmark shares: measured child runs, the tools' commands, summaries.

A run is one child process in its own session, with a deadline: past it the session is killed
by its process-group id and the run is reported as killed. Peak RSS and CPU come from
`os.wait4`, so they cover exactly that child's process tree.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from score import Score, read_linkcheck, read_lychee, score

LYCHEE = "lychee"
LINKCHECK = "linkcheck"


@dataclass(frozen=True, slots=True)
class Measured:
    """One child process run: wall time and the peak RSS of its process tree."""

    wall: float
    max_rss_mb: float
    returncode: int | None  # None: killed at the timeout
    cpu: float = 0.0  # user + system seconds of the child's tree
    stderr_tail: str = ""
    tree_rss_mb: float = 0.0  # the most memory its processes held together (PSS, sampled)
    started: float = 0.0  # time.monotonic() at its start (the server's clock too, on Linux)


@dataclass(frozen=True, slots=True)
class RunRecord:
    tool: str  # lychee, linkcheck, floor
    label: str  # the row: "lychee", "linkcheck", "linkcheck, insecure-http off", ...
    round: int
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
    not_http: int = 0  # connections that sent no HTTP (https:// probes of a plain port)
    connections: int = 0
    tree_rss_mb: float = 0.0  # the most memory its processes held together (PSS, sampled)
    # seconds from its start to the web's first request, and from the web's last answer to its
    # end (None where the web does not say): the run's head and tail around the network
    first_request: float | None = None
    after_last_answer: float | None = None


def run_measured(cmd: list[str], cwd: Path, timeout: float, log_prefix: Path,
                 env: dict[str, str] | None = None) -> Measured:
    """Run cmd in its own session; os.wait4 gives the peak RSS of exactly this child's tree.

    ru_maxrss of a waited child covers the largest process among it and its waited descendants.
    """
    env = as_installed(cmd, env)
    err_path = Path(f"{log_prefix}.stderr")
    _reset_own_peak()
    start = time.monotonic()
    with open(f"{log_prefix}.stdout", "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env)
        tree: list[float] = [0.0]
        returncode, rusage = _wait(proc, start + timeout, tree)
    wall = time.monotonic() - start
    tail = err_path.read_text("utf-8", "replace")[-1500:]
    cpu = rusage.ru_utime + rusage.ru_stime
    return Measured(wall, rusage.ru_maxrss / 1024, returncode, cpu, tail, tree[0], start)


def _reset_own_peak() -> None:
    """This process's peak RSS set back to its current RSS (Linux; elsewhere nothing). A child's
    ru_maxrss starts at the peak of the process that spawned it (at exec Linux counts the
    address space it leaves, which subprocess's vfork shares with this one), so reading a big
    report (~250 MB for the JSON of 100,000 links) would lend that peak to the next run."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


_COMPILED: set[str] = set()  # the interpreters whose linkcheck is compiled


def as_installed(cmd: list[str], env: dict[str, str] | None) -> dict[str, str] | None:
    """The environment of a measured Python run: linkcheck's modules run from cached bytecode,
    as a pip install leaves them (pip compiles them), even where the calling shell sets
    PYTHONDONTWRITEBYTECODE; there every run, and every worker process, would compile the
    package again (some 50 ms of a warm run). Compiled once per interpreter, before its first
    measured run; lychee's runs are left as they are."""
    if not Path(cmd[0]).name.startswith("python"):
        return env
    env = {k: v for k, v in (os.environ if env is None else env).items()
           if k != "PYTHONDONTWRITEBYTECODE"}
    if cmd[0] not in _COMPILED:
        subprocess.run([cmd[0], "-c", "import compileall, os, linkcheck; compileall.compile_dir("
                        "os.path.dirname(linkcheck.__file__), quiet=1)"],
                       env=env, capture_output=True, timeout=300, check=False)
        _COMPILED.add(cmd[0])
    return env


def _wait(proc: subprocess.Popen, deadline: float,
          tree: list[float]) -> tuple[int | None, resource.struct_rusage]:
    """Exit code (None when killed at the deadline) and resource usage of the child's tree;
    tree[0]: the most memory (MB, PSS) its processes held at once, sampled."""
    while True:
        tree[0] = max(tree[0], _tree_rss_mb(proc.pid))
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



def _tree_rss_mb(pid: int) -> float:
    """The memory of a process and its descendants, from /proc (0 elsewhere): each one's PSS,
    its resident pages with those it shares (a forked worker's, with its parent) divided among
    the sharers, so that the sum counts each page once."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", "rb") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not Linux
    return total / (1024 * 1024)


def lychee_command(markdown_dir: Path, report: Path, max_concurrency: int, per_host: int,
                   timeout: float) -> list[str]:
    """lychee with its defaults but for the limits both tools are given alike."""
    return [
        shutil.which("lychee") or "lychee",
        "--format", "json", "--output", str(report),
        "-vv",  # without it lychee's JSON lists neither successes nor redirects
        "--no-progress",
        "--max-concurrency", str(max_concurrency),
        "--host-concurrency", str(per_host),
        "--max-redirects", "10",
        "--timeout", f"{timeout:g}",
        str(markdown_dir),
    ]


def linkcheck_command(markdown_dir: Path, out_dir: Path, config: Path | None,
                      extra: tuple[str, ...] = (), python: str = sys.executable) -> list[str]:
    """linkcheck as a user runs it: no flag but the output directory, `--private-ok` (the
    simulated webs are on loopback, which lychee checks by default and linkcheck skips as a
    placeholder address), and what `extra` adds. `python` may be another install (a before)."""
    cmd = [python, "-m", "linkcheck", "run", str(markdown_dir),
           "--output-dir", str(out_dir), "--quiet", "--private-ok", *extra]
    if config is not None:
        cmd += ["--config", str(config)]
    return cmd


def linkcheck_available() -> str | None:
    """None when the remote checker can be imported, else the reason it cannot."""
    probe = subprocess.run(
        [sys.executable, "-c", "import linkcheck.cli, linkcheck.pipeline"],
        capture_output=True, text=True, timeout=60,
    )
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or ["import failed"])[-1]


def read_report(tool: str, report: Path) -> tuple[dict[str, str], str]:
    """Verdict per URL and, when the report is missing or unreadable, why."""
    if not report.is_file():
        return {}, "no report written"
    reader = read_lychee if tool == LYCHEE else read_linkcheck
    try:
        return reader(report), ""
    except (OSError, ValueError, KeyError, TypeError) as exc:  # a half-written or odd report
        return {}, f"{report}: unreadable report: {exc!r}"


def record(tool: str, label: str, round_: int, measured: Measured, load: float,
           stats: dict, server_cpu: float, result: Score, problem: str) -> RunRecord:
    return RunRecord(
        tool, label, round_, measured.wall, measured.cpu, load, measured.max_rss_mb,
        measured.returncode, stats["requests"], stats["max_in_flight"],
        tuple(stats["hosts_over_limit"]), server_cpu, stats["statuses"],
        stats["repeated_requests"], len(result.false_alarms), len(result.misses), result.reported,
        {"false_alarms": list(result.false_alarms[:3]), "misses": list(result.misses[:3])},
        (problem + "\n" + measured.stderr_tail) if problem else "", not problem,
        stats.get("not_http", 0), stats.get("connections", 0), measured.tree_rss_mb,
        *_around_the_network(measured, stats),
    )


def _around_the_network(measured: Measured, stats: dict) -> tuple[float | None, float | None]:
    first, last = stats.get("first_at"), stats.get("last_at")
    if first is None or last is None or not measured.started:
        return None, None
    return first - measured.started, measured.started + measured.wall - last


def one_line(r: RunRecord) -> str:
    over = ""
    if r.hosts_over_limit:
        over = f", over the rate limit on {len(r.hosts_over_limit)} hosts"
    if r.statuses.get("429"):
        over += f", {r.statuses['429']} answered 429"
    if r.not_http:
        over += f", {r.not_http} non-HTTP connections"
    others = {k: v for k, v in r.reported.items() if k not in ("ok", "broken", "redirected")}
    if others:  # unverifiable, new-failure, not-reported...
        over += ", also reported " + ", ".join(f"{k}: {v}" for k, v in sorted(others.items()))
    failed = f", exit {r.returncode}" if r.returncode not in (0, 1, 2) else ""
    if r.returncode is None:
        failed = f", KILLED at the timeout after {r.wall:.1f} s"
    note = f"\n    no usable report: {r.stderr_tail.strip()[-600:]}" if r.stderr_tail else ""
    return (
        f"  [{r.round}] {r.label:<30} {r.wall:6.2f} s (CPU {r.cpu:5.2f} s, load {r.load:3.1f})  "
        f"{r.max_rss_mb:6.1f} MB ({r.tree_rss_mb:.0f} MB all processes, PSS)  "
        f"{r.requests:6d} requests  {r.connections} connections  "
        f"in flight max {r.max_in_flight}{over}  "
        f"{r.false_alarms} false alarms  {r.misses} misses  server CPU {r.server_cpu:.2f} s"
        f"{_head_and_tail(r)}{failed}{note}"
    )


def _head_and_tail(r: RunRecord) -> str:
    if r.first_request is None or r.after_last_answer is None:
        return ""
    return (f"  first request at {r.first_request:.2f} s, "
            f"last answer {r.after_last_answer:.2f} s before its end")


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(records: list[RunRecord]) -> dict[str, dict]:
    """Per row: median and range of each figure; worst run for false alarms and misses."""
    summary: dict[str, dict] = {}
    for label in dict.fromkeys(r.label for r in records):
        runs = [r for r in records if r.label == label and r.report_written]
        if not runs:
            continue
        summary[label] = {
            "runs": len(runs),
            "wall": spread([r.wall for r in runs]),
            "cpu": spread([r.cpu for r in runs]),
            "max_rss_mb": spread([r.max_rss_mb for r in runs]),
            "tree_rss_mb": spread([r.tree_rss_mb for r in runs]),
            "requests": spread([r.requests for r in runs]),
            "connections": spread([r.connections for r in runs]),
            "max_in_flight": max(r.max_in_flight for r in runs),
            "answered_429": max(int(r.statuses.get("429", 0)) for r in runs),
            "false_alarms": max(r.false_alarms for r in runs),
            "misses": max(r.misses for r in runs),
            "server_cpu_share": statistics.mean(r.server_cpu / r.wall for r in runs),
        }
        if all(r.first_request is not None for r in runs):
            summary[label]["first_request"] = spread([r.first_request for r in runs])
            summary[label]["after_last_answer"] = spread([r.after_last_answer for r in runs])
    return summary


def pair_ratios(records: list[RunRecord], label: str, key: str = "wall") -> dict[str, float]:
    """label / lychee within each round (the runs of one round ran back to back)."""
    by_round: dict[int, dict[str, RunRecord]] = {}
    for r in records:
        if r.report_written:
            by_round.setdefault(r.round, {})[r.label] = r
    ratios = [getattr(pair[label], key) / getattr(pair[LYCHEE], key)
              for pair in by_round.values()
              if label in pair and LYCHEE in pair and getattr(pair[LYCHEE], key)]
    return spread(ratios) if ratios else {}


def _cell(figure: dict | float, fmt: str) -> str:
    if isinstance(figure, dict):
        return f"{fmt.format(figure['median'])} ({fmt.format(figure['min'])}-" \
               f"{fmt.format(figure['max'])})"
    return fmt.format(figure)


ROWS = (("wall time, s", "wall", "{:.2f}"), ("CPU time, s", "cpu", "{:.2f}"),
        ("peak RSS, MB (largest process)", "max_rss_mb", "{:.0f}"),
        ("peak memory, MB (all processes: PSS, sampled)", "tree_rss_mb", "{:.0f}"),
        ("requests sent", "requests", "{:.0f}"),
        ("connections", "connections", "{:.0f}"),
        ("most in flight on one host", "max_in_flight", "{:.0f}"),
        ("answered 429 (worst run)", "answered_429", "{:.0f}"),
        ("false alarms (worst run)", "false_alarms", "{:.0f}"),
        ("misses (worst run)", "misses", "{:.0f}"),
        ("server CPU / wall", "server_cpu_share", "{:.0%}"),
        ("first request after the start, s", "first_request", "{:.2f}"),
        ("from the last answer to the end, s", "after_last_answer", "{:.2f}"))


def print_table(summary: dict[str, dict], records: list[RunRecord]) -> None:
    """A markdown table: one column per row label, medians with (min-max), then ratios."""
    labels = list(summary)
    print("\n| figure (median, range) | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for title, key, fmt in ROWS:
        if all(key in summary[lb] for lb in labels):
            print(f"| {title} | " + " | ".join(_cell(summary[lb][key], fmt) for lb in labels)
                  + " |")
    for key in ("wall", "cpu", "max_rss_mb"):
        cells = []
        for label in labels:
            ratio = {}
            if LYCHEE in summary and label != LYCHEE:
                ratio = pair_ratios(records, label, key)
            cells.append(_cell(ratio, "{:.2f}") if ratio else "-")
        print(f"| {key} / lychee, per round | " + " | ".join(cells) + " |")


def fresh_work_dir(work: Path, marker_name: str) -> bool:
    """Empty the work dir, but only one a benchmark made (it carries a marker file)."""
    marker = work / marker_name
    if work.exists() and any(work.iterdir()):
        if not marker.is_file():
            return False
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    marker.write_text("work dir of a benchmark in benchmarks/: emptied on every run\n", "utf-8")
    return True


@dataclass(frozen=True, slots=True)
class Row:
    """One column of the table: a tool run one way, started afresh before every run."""

    label: str
    tool: str
    cmd: tuple[str, ...]
    report: Path
    cwd: Path
    env: dict[str, str] | None = None
    wipe: tuple[Path, ...] = ()  # removed before each run: a cold start (store, caches)


def measure(row: Row, round_: int, web, truth: dict, timeout: float) -> RunRecord:
    """Run one row once against the web (a ServerProcess) and score its report."""
    for path in (*row.wipe, row.report):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    row.report.parent.mkdir(parents=True, exist_ok=True)
    web.command("reset")
    before = web.command("stats")["cpu_seconds"]
    load = os.getloadavg()[0]
    log = row.report.parent / f"{row.label.replace(' ', '_').replace(',', '')}-{round_}"
    measured = run_measured(list(row.cmd), row.cwd, timeout, log, row.env)
    stats = web.command("stats")
    verdicts, problem = read_report(row.tool, row.report)
    if measured.returncode is None:
        problem = problem or "killed at the timeout"
    result = record(row.tool, row.label, round_, measured, load, stats,
                    stats["cpu_seconds"] - before, score(truth, verdicts), problem)
    print(one_line(result), flush=True)
    return result


def interleaved(rows: list[Row], runs: int, web, truth: dict, timeout: float) -> list[RunRecord]:
    """Every row once per round, the order reversed every other round so drift cancels."""
    records = []
    for n in range(runs):
        order = rows if n % 2 == 0 else rows[::-1]
        records += [measure(row, n + 1, web, truth, timeout) for row in order]
    return records
