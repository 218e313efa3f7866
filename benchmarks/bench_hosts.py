"""Benchmark host-level failures: what a dead, hanging, tarpitting or TLS-less host costs a run.

    python benchmarks/bench_hosts.py                       # every scenario, default config
    python benchmarks/bench_hosts.py hanging tarpit        # some of them
    python benchmarks/bench_hosts.py --runs 3 --timeout 900

Each scenario writes a small markdown corpus whose links point at tests/hostweb.py's loopback
hosts (127.0.0.0/8 only, served from this process), runs `python -m linkcheck run` on it in a
child process with the default configuration (loopback allowed, the result store moved into the work
directory) and prints the wall time, what the servers saw (connections, requests, TLS hellos)
and the verdicts of the JSON report. It measures; it asserts nothing. To measure another
checkout (the code before a change, say), put its src/ first: PYTHONPATH=OTHER/src python ...

Scenarios:
  hanging    20 URLs on a host that accepts connections and never answers
  refusing   20 URLs on a port where nothing listens (connections refused)
  tls-stall  20 https:// URLs on a host that accepts TCP and never completes the TLS handshake
  tarpit     10 URLs on a host answering every request 429 with Retry-After: 60
  twins      300 http:// URLs on 3 plain-HTTP hosts (insecure-http rule on, as by default),
             run cold then warm from the store: TLS hellos are the https:// probes
  mixed      100 URLs on a healthy host, 20 on a hanging one, 20 on a refusing one
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostweb import HostWeb  # noqa: E402 - the tests' loopback hosts, one behaviour each

SCENARIOS = ("hanging", "refusing", "tls-stall", "tarpit", "twins", "mixed")

LINKS_PER_TWIN_HOST = 100


def scenario_urls(name: str, web: HostWeb) -> list[str]:
    if name == "hanging":
        return web.urls("hang", 20)
    if name == "refusing":
        return web.urls("refused", 20)
    if name == "tls-stall":
        return web.urls("hang", 20, scheme="https")
    if name == "tarpit":
        return web.urls("tarpit", 10)
    if name == "twins":
        return [u for h in ("plain", "plain2", "ok") for u in web.urls(h, LINKS_PER_TWIN_HOST)]
    if name == "mixed":
        return web.urls("ok", 100) + web.urls("hang", 20) + web.urls("refused", 20)
    raise SystemExit(f"unknown scenario {name} (known: {', '.join(SCENARIOS)})")


def run_linkcheck(work: Path, urls: list[str], timeout: float) -> tuple[float, str, dict]:
    """One `linkcheck run` in its own session: wall seconds, how it ended, verdict counts."""
    corpus = work / "corpus"
    corpus.mkdir(exist_ok=True)
    lines = [f"- [link {i}]({url})" for i, url in enumerate(urls)]
    (corpus / "links.md").write_text("# Links\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    config = work / "linkcheck.yml"
    config.write_text(  # loopback stands in for the web: allowed, as in bench_remote.py
        f"check:\n  allow_private: true\nstore:\n  path: {work / 'store' / 'history.sqlite'}\n",
        encoding="utf-8")
    cmd = [sys.executable, "-m", "linkcheck", "run", str(corpus), "--config", str(config),
           "--output-dir", str(work / "reports"), "--quiet"]
    started = time.monotonic()
    with open(work / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
        try:
            code = proc.wait(timeout)
            ended = f"exit {code}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            ended = f"killed at {timeout:g} s"
    wall = time.monotonic() - started
    return wall, ended, _verdicts(work / "reports" / "linkcheck.json")


def _verdicts(report: Path) -> dict:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    counts: Counter[str] = Counter()
    for link in data.get("links", []):
        counts[f"{link.get('status')}: {link.get('reason', '')}"[:90]] += 1
    for finding in data.get("findings", []):
        counts[f"finding {finding.get('rule')}"] += 1
    return dict(counts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="*", help=f"some of: {', '.join(SCENARIOS)}")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="kill a run after this")
    args = parser.parse_args(argv)
    web = HostWeb(retry_after=60).start()
    try:
        for _ in range(args.runs):
            for name in args.scenarios or SCENARIOS:
                measure(name, web, args.timeout)
    finally:
        web.stop()


def measure(name: str, web: HostWeb, timeout: float) -> None:
    urls = scenario_urls(name, web)
    work = Path(tempfile.mkdtemp(prefix=f"bench-hosts-{name}-"))
    try:
        passes = ("cold", "warm") if name == "twins" else ("cold",)
        for label in passes:
            web.reset()
            wall, ended, verdicts = run_linkcheck(work, urls, timeout)
            print(f"{name:9} {label}: {wall:7.2f} s ({ended}), {len(urls)} URLs; server: "
                  f"{sum(web.connections.values())} connections, "
                  f"{sum(web.requests.values())} requests, "
                  f"{sum(web.tls_hellos.values())} TLS hellos", flush=True)
            for verdict, count in sorted(verdicts.items()):
                print(f"    {count:4} x {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
