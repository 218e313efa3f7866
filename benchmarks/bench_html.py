"""Time reading HTML: crafted pages (the page reader) and HTML blocks in markdown (extraction).

    python benchmarks/bench_html.py                                  # the checkout's own code
    python benchmarks/bench_html.py --compare OLD/src src --repeat 3   # two checkouts, interleaved

Each case runs in a fresh interpreter per implementation (so a quadratic case can be stopped at
`--timeout` without stopping the others), the implementations alternate, and the median CPU
seconds of `--repeat` runs are printed with the ratio old/new. `--compare` takes two `src`
directories (e.g. one from `git archive <commit> src | tar -x -C OLD`). Nothing here touches
the network, and nothing asserts: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

KIB, MIB = 1024, 1024 * 1024


def _pages() -> dict[str, tuple[bytes, bool]]:
    """name -> (body, anchors wanted). 64 KiB is the soft-404 prefix, 2 MiB max_body_bytes."""
    real = (b"<!doctype html><html><head><meta charset=utf-8><title>Getting started - Docs"
            b"</title><link rel=stylesheet href=/s.css></head><body><nav>"
            + b'<a href="/x" class="nav-link">Section</a>' * 60
            + b"</nav><main><h1>Getting started</h1>"
            + b'<p>Some words of the page, <a href="/y">a link</a>, <code>code</code>.</p>' * 60)
    pages = {
        "real page 8 KiB, title+h1": (real[:8 * KIB], False),
        "real page 8 KiB, anchors": (real[:8 * KIB], True),
        "64 KiB without title/h1": ((b"<p>word word word</p>\n" * 4000)[:64 * KIB], False),
    }
    for size, label in ((64 * KIB, "64 KiB"), (2 * MIB, "2 MiB")):
        anchors = size > 64 * KIB
        pages[f"{label} run of <a"] = (b"<html><body>" + b"<a" * (size // 2), anchors)
        pages[f"{label} run of <a_"] = (b"<html><body>" + b"<a " * (size // 3), anchors)
        pages[f"{label} run of <!--"] = (b"<html><body>" + b"<!--" * (size // 4), anchors)
        pages[f"{label} run of <a title=\""] = (b"<body>" + b'<a title="' * (size // 10), anchors)
    pages["2 MiB nested <div>"] = (b"<body>" + b"<div>" * (2 * MIB // 5), True)
    pages["2 MiB small tags"] = (b"<body>" + b'<b class="x">y</b>' * (2 * MIB // 18), True)
    return pages


def _markdown() -> dict[str, str]:
    n = 16_000
    return {
        "md: HTML block, run of <a_": "<div>\n" + "<a " * n + "\n",
        "md: HTML block, run of <a href": "<div>\n" + '<a href="x"' * n + "\n",
        "md: HTML block, run of <a title=\"": "<div>\n" + '<a title="' * n + "\n",
        "md: HTML block, run of <!--": "<div>\n" + "<!--" * n + "\n",
        "md: inline, run of <a href>": "text " + '<a href="x">' * n + "\n",
    }


def cases() -> list[str]:
    return list(_pages()) + list(_markdown())


def run_case(name: str) -> float:
    """CPU seconds of one case, in this interpreter (with the linkcheck on sys.path)."""
    pages = _pages()
    if name in pages:
        from linkcheck.check.remote.page import parse_page

        body, anchors = pages[name]
        started = time.process_time()
        parse_page(body, "utf-8", anchors=anchors)
        return time.process_time() - started
    from linkcheck.extract.walker import extract_text

    text = _markdown()[name]
    started = time.process_time()
    extract_text(text, "bench.md")
    return time.process_time() - started


def _child(src: str | None, name: str, timeout: float) -> float | None:
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]) if sys.argv[1] else None; "
            "sys.path.insert(0, sys.argv[2]); import bench_html; "
            "print(json.dumps(bench_html.run_case(sys.argv[3])))")
    here = __file__.rsplit("/", 1)[0]
    try:
        done = subprocess.run([sys.executable, "-c", code, src or "", here, name],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout)


def _fmt(seconds: float | None, timeout: float) -> str:
    if seconds is None:
        return f"> {timeout:g} s"
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=2, metavar=("OLD_SRC", "NEW_SRC"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case and run")
    parser.add_argument("--only", help="cases whose name contains this")
    args = parser.parse_args()
    sources = args.compare or [None]
    print(f"{'case':36} " + " ".join(f"{s or 'this checkout':>22}" for s in sources)
          + ("   ratio old/new" if args.compare else ""))
    for name in cases():
        if args.only and args.only not in name:
            continue
        times: dict[str | None, list[float | None]] = {s: [] for s in sources}
        for _ in range(args.repeat):
            for src in sources:  # interleaved: the old and the new code take turns
                times[src].append(_child(src, name, args.timeout))
        medians = [None if None in t else statistics.median(t) for t in times.values()]
        row = f"{name:36} " + " ".join(f"{_fmt(m, args.timeout):>22}" for m in medians)
        if args.compare and medians[1]:
            old = medians[0] if medians[0] is not None else args.timeout
            row += f"   {'>' if medians[0] is None else ''}{old / medians[1]:.0f}x"
        print(row, flush=True)


if __name__ == "__main__":
    main()
