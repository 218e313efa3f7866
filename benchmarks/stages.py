"""Time linkcheck's non-network stages in-process: start-up, extraction, rules, reports.

    python benchmarks/stages.py benchmarks/out/corpus --config benchmarks/out/linkcheck.yml \
        --results benchmarks/out/linkcheck-out/linkcheck.json

Remote verdicts come from an earlier run's JSON report (`--results`), as a warm run gets them
from its result store; without it every remote link is `unchecked`, as offline. Each stage runs
`--repeat` times and the best CPU time is printed (the machine is shared, so CPU time is
steadier than wall time). Start-up is timed in a fresh interpreter. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from linkcheck.check.local import check_local
from linkcheck.config import load_config
from linkcheck.discover import discover
from linkcheck.extract import extract_file
from linkcheck.models import CheckResult, Hop, RunResult, Status
from linkcheck.report import json_report, markdown
from linkcheck.report.changes import compare, load_baseline
from linkcheck.rules import build_context, extra_targets, run_rules, without_replaced_diagnostics


def best(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        _clear_caches()  # each repeat pays what a fresh process pays
        start = time.process_time()
        out = work()
        times.append(time.process_time() - start)
    return min(times), out


def _clear_caches() -> None:
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("linkcheck"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def startup(repeat: int) -> float:
    code = (
        "import time; s = time.process_time(); import linkcheck.cli; "
        "print(time.process_time() - s)"
    )
    return min(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(repeat)
    )


def stored_results(report: Path | None) -> dict[str, CheckResult]:
    if report is None:
        return {}
    results = {}
    for e in json.loads(report.read_text(encoding="utf-8"))["links"]:
        hops = tuple(Hop(h["url"], h["status_code"]) for h in e["redirects"])
        results[e["resolved_url"]] = CheckResult(
            e["resolved_url"], Status(e["status"]), e["reason"], e["status_code"], e["final_url"],
            hops, e["permanent"], from_cache=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--config")
    parser.add_argument("--results", type=Path, help="an earlier JSON report: remote verdicts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(args.config, {})
    files = discover(args.paths, config.exclude_paths)
    figures = {"start-up": startup(args.repeat)}
    figures["extraction"], documents = best(
        args.repeat, lambda: tuple(extract_file(f) for f in files)
    )
    try:
        from linkcheck.extract.cache import extract_all
    except ImportError:  # a version without the cache
        extract_all = None
    if extract_all is not None:
        with tempfile.TemporaryDirectory() as work:
            cache = Path(work) / "extract-cache.json"
            extract_all(files, cache)
            figures["extraction, cached"], _ = best(
                args.repeat, lambda: extract_all(files, cache)
            )
    results = check_local(documents) | stored_results(args.results)
    for link in (link for doc in documents for link in doc.links):
        results.setdefault(link.resolved_url, CheckResult(link.resolved_url, Status.UNCHECKED, ""))

    def rules() -> RunResult:
        context = build_context(documents, {}, config)
        extra_targets(context)
        findings = tuple(run_rules(context.with_results(results)))
        return RunResult(without_replaced_diagnostics(documents, config), results, findings)

    figures["rules"], run = best(args.repeat, rules)
    baseline_file = args.results or Path("/nonexistent/linkcheck.json")
    figures["previous report"], (baseline, _) = best(
        args.repeat, lambda: load_baseline(baseline_file, required=False)
    )

    def reports() -> int:
        done = replace(run, changes=compare(run, baseline))  # a fresh run: nothing counted yet
        return len(markdown.render(done)) + len(json_report.render(done))

    figures["reports"], _ = best(args.repeat, reports)
    links = sum(len(doc.links) for doc in documents)
    print(f"{len(files)} files, {links} links, {len(run.findings)} findings; best CPU seconds:")
    for name, seconds in figures.items():
        print(f"  {name:20s} {seconds:6.3f}")


if __name__ == "__main__":
    main()
