"""CPU of the result store's part of a run, in-process, on a store filled like bench_remote's.

    python benchmarks/bench_store.py                                 # the checkout's own code
    python benchmarks/bench_store.py --compare OLD/src src --rounds 3  # two checkouts, alternating

The data has the plain-HTTP benchmark's shape: 5,000 URLs on 100 hosts (4,500 ok, 250 permanent
redirects, 250 404s) read in 21 files' worth of lookups, and their 5,000 https:// twins on
origins that do not answer. Each case is timed with `time.process_time`, best of `--repeat`,
in a fresh interpreter per implementation and round (the implementations alternate); the
table gives the best milliseconds of each and the ratio new/old. `--compare` takes two `src`
directories (e.g. one from `git archive <commit> src | tar -x -C OLD`). Nothing here touches
the network, and nothing asserts: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

URLS, HOSTS, FILES = 5000, 100, 21
T0 = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=UTC)
CASES = ("open+close", "unknown, empty store", "unknown, first file, empty store",
         "unknown, warm", "unknown_extras, warm", "judged, cold", "judged, warm",
         "pickle 10,000 results", "unpickle 10,000 results")


def _urls() -> list[str]:
    return [f"http://127.0.0.{1 + n % HOSTS}:8000/doc/{n:05d}-{n * 7919 % 99991:05x}"
            for n in range(URLS)]


def _cold_outcome(urls: list[str]) -> SimpleNamespace:
    """What the checker answers in a cold run: every link and every twin."""
    from linkcheck.models import CheckResult, Hop, Status, origin_not_answering

    results = {}
    for n, url in enumerate(urls):
        if n % 20 == 1:
            new = url.replace("/doc/", "/new/")
            results[url] = CheckResult(url, Status.REDIRECTED, f"moved permanently to {new}", 200,
                                       new, (Hop(url, 301),), permanent=True)
        elif n % 20 == 2:
            results[url] = CheckResult(url, Status.BROKEN, "HTTP 404 Not Found", 404)
        else:
            results[url] = CheckResult(url, Status.OK, "ok", 200)
    why = "TLS error: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"
    for url in urls:
        twin = "https" + url[4:]
        origin = twin.split("/doc/")[0]
        results[twin] = origin_not_answering(twin, origin, why)
    origins = {"https" + url[4:].split("/doc/")[0]: why for url in urls[:HOSTS]}
    return SimpleNamespace(results=results, network_down=False, requests_sent=URLS + HOSTS,
                           origins_answered=origins, notes=())


def _config(path: Path):
    from linkcheck.config import Config, StoreConfig

    return Config(store=StoreConfig(path=str(path)))


def _files(urls: list[str]) -> list[list[str]]:
    return [sorted(urls[i::FILES]) for i in range(FILES)]


def _timed(fn, repeat: int, setup=lambda: None) -> float:
    best = float("inf")
    for _ in range(repeat):
        arg = setup()
        start = time.process_time()
        fn(arg)
        best = min(best, time.process_time() - start)
    return best * 1000


def measure(repeat: int) -> dict[str, float]:
    from linkcheck.history.policy import History

    urls = _urls()
    files, outcome = _files(urls), _cold_outcome(urls)
    twins = ["https" + url[4:] for url in urls]
    warm_outcome = SimpleNamespace(
        results={u: r for u, r in outcome.results.items() if r.status == "broken"},
        network_down=False, requests_sent=250, origins_answered={}, notes=())
    scratch = Path(tempfile.mkdtemp(prefix="bench-store-"))
    count = iter(range(1 << 30))
    at = lambda moment: lambda: moment  # noqa: E731
    warm_clock = at(T0 + timedelta(hours=1))

    def empty() -> History:
        return History(_config(scratch / f"empty-{next(count)}.sqlite"), at(T0))

    filled = scratch / "filled.sqlite"
    history = History(_config(filled), at(T0))
    history.unknown(urls)
    history.judged(outcome)
    history.close()

    def warm() -> History:
        copy = scratch / f"warm-{next(count)}.sqlite"
        shutil.copy(filled, copy)
        return History(_config(copy), warm_clock)

    def each_file(h: History) -> None:
        for names in files:
            h.unknown(names)

    def warm_run_lookups(h: History) -> None:
        each_file(h)
        h.unknown_extras(twins)

    blob = pickle.dumps(outcome.results, protocol=pickle.HIGHEST_PROTOCOL)
    timings = {
        "open+close": _timed(lambda _: History(_config(filled), warm_clock).close(), repeat),
        "unknown, empty store": _timed(each_file, repeat, empty),
        "unknown, first file, empty store": _timed(lambda h: h.unknown(files[0]), repeat, empty),
        "unknown, warm": _timed(each_file, repeat, warm),
        "unknown_extras, warm": _timed(lambda h: h.unknown_extras(twins), repeat,
                                       lambda: _ready(warm(), each_file)),
        "judged, cold": _timed(lambda h: h.judged(outcome), repeat,
                               lambda: _ready(empty(), lambda h: h.unknown(urls))),
        "judged, warm": _timed(lambda h: h.judged(warm_outcome), repeat,
                               lambda: _ready(warm(), warm_run_lookups)),
        "pickle 10,000 results": _timed(
            lambda _: pickle.dumps(outcome.results, protocol=pickle.HIGHEST_PROTOCOL), repeat),
        "unpickle 10,000 results": _timed(lambda _: pickle.loads(blob), repeat),
    }
    shutil.rmtree(scratch, ignore_errors=True)
    return timings


def _ready(history, step):
    step(history)
    return history


def _run(src: str, repeat: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src}
    code = (f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_store; print(json.dumps(bench_store.measure({repeat})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=2, metavar=("OLD_SRC", "NEW_SRC"))
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (--compare)")
    parser.add_argument("--repeat", type=int, default=15, help="best of N within a round")
    args = parser.parse_args()
    if not args.compare:
        for case, ms in measure(args.repeat).items():
            print(f"{case:36s} {ms:8.2f} ms")
        return
    old, new = ({case: float("inf") for case in CASES} for _ in range(2))
    for _ in range(args.rounds):
        for best, src in ((old, args.compare[0]), (new, args.compare[1])):
            for case, ms in _run(src, args.repeat).items():
                best[case] = min(best[case], ms)
    print(f"{'case (ms CPU, best)':36s} {'old':>8s} {'new':>8s} {'new/old':>8s}")
    for case in CASES:
        print(f"{case:36s} {old[case]:8.2f} {new[case]:8.2f} {new[case] / old[case]:8.2f}")


if __name__ == "__main__":
    main()
