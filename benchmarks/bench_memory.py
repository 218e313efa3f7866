"""Peak memory per link: linkcheck on one markdown file of 25,000, 100,000 and 200,000 links.

    python benchmarks/bench_memory.py                       # 25k, 100k, 200k links
    python benchmarks/bench_memory.py --links 5000 --links 20000

Each file links `--targets` unique URLs on the plain-HTTP simulated web (simweb_fast.py), each
many times, in list items under headings, so the figure covers extraction, checking, rules and
reports of a big file while the network part stays small. linkcheck runs in its default
configuration, cold. Peak RSS comes from os.wait4 (the child's process tree); a run on a file of
`--base-links` links gives the fixed cost, and the marginal cost per link is
(peak - fixed) / links. Every run is killed past `--timeout`; nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CorpusSpec, Target, build_corpus  # noqa: E402
from harness import LINKCHECK, Row, fresh_work_dir, linkcheck_command, measure  # noqa: E402
from simweb_fast import SimWebProcess  # noqa: E402

HERE = Path(__file__).resolve().parent


def write_file(path: Path, links: int, targets: list[Target], seed: int) -> set[str]:
    """The file of `links` links, drawn from targets; returns the URLs it links."""
    rng = random.Random(seed)
    used = set()
    lines = ["# Reading list", ""]
    for i in range(links):
        if i % 25 == 0:
            lines += ["", f"## Part {i // 25 + 1}", ""]
        t = targets[rng.randrange(len(targets))]
        name = t.path.rsplit("/", 1)[-1]
        used.add(t.url)
        if i % 10 == 9:
            lines.append(f"- Also see <{t.url}>")
        else:
            lines.append(f"- [Resource {name}]({t.url}) for background reading, item {i}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return used


def run_one(links: int, args: argparse.Namespace, work: Path, web: SimWebProcess,
            targets: list[Target]) -> dict[str, float]:
    home = work / f"links-{links}"
    markdown = home / "corpus" / "reading-list.md"
    used = write_file(markdown, links, targets, args.seed)
    size = markdown.stat().st_size
    cmd = linkcheck_command(markdown.parent, home / "reports", None, (), args.python)
    row = Row(f"{links} links", LINKCHECK, tuple(cmd), home / "reports" / "linkcheck.json",
              home, None, (home / ".linkcheck",))
    truth = {t.url: t.truth for t in targets if t.url in used}
    r = measure(row, 1, web, truth, args.timeout)
    shutil.rmtree(home / "corpus")  # the big file is not needed once measured
    return {"links": links, "file_bytes": size, "peak_rss_mb": r.max_rss_mb,
            "wall": r.wall, "cpu": r.cpu, "killed": r.returncode is None,
            "report_written": r.report_written}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--links", type=int, action="append",
                        help="links in the file (repeatable; default 25000, 100000, 200000)")
    parser.add_argument("--targets", type=int, default=1000, help="unique URLs (default 1000)")
    parser.add_argument("--base-links", type=int, default=100)
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter whose linkcheck is measured (default: this one)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--work-dir", default=str(HERE / "out" / "memory"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    work = Path(args.work_dir).resolve()
    if not fresh_work_dir(work, ".bench_memory"):
        print(f"{work}: not empty and not a work dir of this benchmark; choose another --work-dir")
        return 2
    sizes = args.links or [25_000, 100_000, 200_000]
    with SimWebProcess(20, 0.01, 1000) as web:
        spec = CorpusSpec(urls=args.targets, files=1, hosts=20, seed=args.seed, port=web.port)
        corpus = build_corpus(work / "web", spec)  # its files are not checked: the truth is
        web.command(f"load {corpus.truth_path}")
        targets = list(corpus.targets)
        base = run_one(args.base_links, args, work, web, targets)
        results = [run_one(n, args, work, web, targets) for n in sizes]
    print(f"\nfixed cost: {base['peak_rss_mb']:.0f} MB peak at {args.base_links} links")
    print("| links | file, MB | peak RSS, MB | KB per link | marginal KB per link | wall, s |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        per = r["peak_rss_mb"] * 1024 / r["links"]
        marginal = (r["peak_rss_mb"] - base["peak_rss_mb"]) * 1024 / r["links"]
        flag = " (killed)" if r["killed"] else "" if r["report_written"] else " (no report)"
        print(f"| {r['links']:,} | {r['file_bytes'] / 1e6:.1f} | {r['peak_rss_mb']:.0f} | "
              f"{per:.2f} | {marginal:.2f} | {r['wall']:.1f}{flag} |")
    (work / "results.json").write_text(json.dumps({"base": base, "runs": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
