"""The remote check spread over worker processes, fed as files are read (check/remote/spread.py,
workers.py, worker.py): real worker processes against the simulated web on loopback."""

from __future__ import annotations

import json
import sys
import time
from urllib.parse import urlsplit

import pytest
from sites_helpers import NO_HTTPS_TWINS

from linkcheck import pipeline
from linkcheck.check.remote import processes, spread, workers
from linkcheck.cli import main
from linkcheck.config import CheckConfig, Config, RuleConfig
from linkcheck.extract import background

PAGES = 120  # per host and file: the first file alone is past what a spread needs (2 x 150)


def write_corpus(tmp_path, simweb, tag: str) -> dict[str, str]:
    """Two files, each with PAGES pages on each of the simulated web's 3 hosts; each tenth
    page a 404. Returns URL -> the status it should get."""
    expected: dict[str, str] = {}
    for name in ("a.md", "b.md"):
        lines = []
        for host in (1, 2, 3):
            for i in range(PAGES):
                key = f"{tag}-{name[0]}{i}"
                path = f"/404?k={key}" if i % 10 == 0 else f"/ok?k={key}"
                url = simweb.url(path, host)
                expected[url] = "broken" if i % 10 == 0 else "ok"
                lines.append(f"- [page {host} {i}]({url})")
        (tmp_path / name).write_text("# Links\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return expected


def run_cli(tmp_path, monkeypatch, *flags: str, twins: bool = False,
            cache: bool = False) -> tuple[int, dict]:
    """`linkcheck run a.md b.md`; without `twins`, the insecure-http rule's https probes are
    off (the simulated web never answers TLS: each probe waits out its timeout)."""
    monkeypatch.chdir(tmp_path)
    if not twins:
        (tmp_path / "linkcheck.yml").write_text(NO_HTTPS_TWINS, encoding="utf-8")
    code = main(["run", "a.md", "b.md", "--output-dir", "out", "--private-ok", "-q",
                 "--timeout", "2" if twins else "10", *([] if cache else ["--no-cache"]), *flags])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    return code, report


def verdicts(report: dict) -> dict[str, str]:
    return {link["url"]: link["status"] for link in report["links"]}


@pytest.fixture
def started(monkeypatch) -> list[int]:
    """The indexes of the worker processes started."""
    seen: list[int] = []
    real = workers.Worker.start

    async def start(self, config, origins, pipes, progress=True):
        seen.append(self.index)
        await real(self, config, origins, pipes, progress)

    monkeypatch.setattr(workers.Worker, "start", start)
    return seen


def test_workers_check_every_link_politely(tmp_path, monkeypatch, simweb, started):
    expected = write_corpus(tmp_path, simweb, "spread")
    before = {host: simweb.max_in_flight[host] for host in simweb.max_in_flight}
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2", "--per-host", "3",
                           twins=True)  # the rule's https probes go to the workers too
    assert started == [0, 1], "two worker processes checked the links"
    assert verdicts(report) == expected
    assert code == 1  # the 404s
    for host, most in simweb.max_in_flight.items():  # one process per host: its limit holds
        assert most <= max(3, before.get(host, 0)), host


def test_a_small_run_stays_in_one_process(tmp_path, monkeypatch, simweb, started):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text(
        "\n".join(f"- [p]({simweb.url(f'/ok?k=small-{i}')})" for i in range(20)) + "\n",
        encoding="utf-8")
    (tmp_path / "b.md").write_text("no links\n", encoding="utf-8")
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2")
    assert started == []
    assert set(verdicts(report).values()) == {"ok"} and len(report["links"]) == 20
    assert code == 0


def test_a_warm_run_checks_what_is_left_in_one_process(tmp_path, monkeypatch, simweb, started):
    expected = write_corpus(tmp_path, simweb, "warm")
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2", cache=True)
    assert started == [0, 1] and verdicts(report) == expected
    asked = len(simweb.requests)
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2", cache=True)
    assert started == [0, 1], "the store answers for most: no worker for the rest"
    assert verdicts(report) == expected
    broken = sum(1 for status in expected.values() if status == "broken")
    assert len(simweb.requests) - asked == broken  # only the broken ones are asked again
    assert code == 1


def test_workers_for_counts_cores_and_pages():
    config = Config(check=CheckConfig(workers=0))
    big = 10 * spread.MIN_PAGES_PER_PROCESS
    assert spread.workers_for(Config(check=CheckConfig(workers=1)), big) == 0
    assert spread.workers_for(Config(check=CheckConfig(workers=3)), big) == 3
    assert spread.workers_for(Config(check=CheckConfig(workers=3)),
                              2 * spread.MIN_PAGES_PER_PROCESS) == 2
    assert spread.workers_for(Config(check=CheckConfig(workers=4)),
                              2 * spread.MIN_PAGES_PER_PROCESS - 1) == 0
    cores = spread._cores()
    assert spread.workers_for(config, big) == (min(cores, spread.MAX_WORKERS) if cores > 1 else 0)


def test_a_worker_that_dies_loses_nothing(tmp_path, monkeypatch, simweb, started):
    expected = write_corpus(tmp_path, simweb, "dies")
    monkeypatch.setattr(processes, "may_fork", lambda: False)
    monkeypatch.setattr(processes, "COMMAND",
                        (sys.executable, "-c", "import sys; sys.stderr.write('gone\\n'); "
                                               "sys.exit(3)"))
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2")
    assert started == [0, 1]
    assert verdicts(report) == expected, "the main process checked what the workers did not"
    assert any("ended without its outcome (exit 3: gone)" in note for note in report["notes"])
    assert code == 1


def test_a_worker_that_hangs_is_stopped_at_the_deadline(tmp_path, monkeypatch, simweb):
    expected = write_corpus(tmp_path, simweb, "hangs")
    monkeypatch.setattr(processes, "may_fork", lambda: False)
    monkeypatch.setattr(processes, "COMMAND",
                        (sys.executable, "-c", "import time; time.sleep(60)"))
    monkeypatch.setattr(workers, "DEADLINE_GRACE", 0.5)
    began = time.monotonic()
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2", "--deadline", "1")
    assert time.monotonic() - began < 20
    got = verdicts(report)
    assert set(got) == set(expected)
    assert set(got.values()) <= {"unverifiable"}, "not checked is never broken"
    assert code == 0


def test_a_warm_run_asks_what_was_broken_before_reading_the_files(tmp_path, monkeypatch, simweb):
    expected = write_corpus(tmp_path, simweb, "first")
    broken = sorted(url for url, status in expected.items() if status == "broken")
    run_cli(tmp_path, monkeypatch, cache=True)
    events: list[object] = []  # the URLs of each add, and "read" for each file read
    real_add, real_read = spread.SpreadSession.add, pipeline.extract_each

    async def add(self, urls):
        events.append(sorted(urls))
        await real_add(self, urls)

    def extract_each(files, cache):
        for document in real_read(files, cache):
            events.append("read")
            yield document

    monkeypatch.setattr(spread.SpreadSession, "add", add)
    monkeypatch.setattr(pipeline, "extract_each", extract_each)
    monkeypatch.setattr(background, "extract_each", extract_each)
    asked = len(simweb.requests)
    code, report = run_cli(tmp_path, monkeypatch, cache=True)
    assert events[0] == broken, "asked first, before any file is read"
    assert events[1:] == ["read", "read"], "and not again as the files name them"
    assert verdicts(report) == expected
    assert len(simweb.requests) - asked == len(broken)
    assert code == 1


def test_a_url_found_broken_that_is_named_but_not_linked_any_more(tmp_path, monkeypatch, simweb):
    """Asked first (the file names it), its verdict dropped: it is no link of this run."""
    expected = write_corpus(tmp_path, simweb, "stray")
    run_cli(tmp_path, monkeypatch, cache=True)
    stray = next(url for url, status in expected.items() if status == "broken" and "-b" in url)
    text = (tmp_path / "b.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if f"({stray})" in line)
    (tmp_path / "b.md").write_text(text.replace(line, f"```\n{stray}\n```"), encoding="utf-8")
    del expected[stray]
    asked = len(simweb.requests)
    code, report = run_cli(tmp_path, monkeypatch, cache=True)
    assert verdicts(report) == expected
    assert stray not in {link["resolved_url"] for link in report["links"]}
    host = urlsplit(stray).hostname
    again = [r for r in simweb.requests[asked:] if r.host == host and stray.endswith(r.path)]
    assert len(again) == 1, "one request: it was asked before the files were read"
    assert code == 1


def test_links_are_checked_while_later_files_are_read(tmp_path, monkeypatch, simweb):
    """The network starts with the first file: the second is not read before a worker has
    asked the web for one of the first file's pages."""
    expected = write_corpus(tmp_path, simweb, "stream")
    real = pipeline.extract_each
    asked_before_second: list[bool] = []

    def first_file_asked() -> bool:
        return any("k=stream-a" in r.path for r in simweb.requests)

    def extract_each(files, cache):
        documents = real(files, cache)
        yield next(documents)
        deadline = time.monotonic() + 15  # the first file's links are with the workers
        while time.monotonic() < deadline and not first_file_asked():
            time.sleep(0.02)
        asked_before_second.append(first_file_asked())
        yield from documents

    monkeypatch.setattr(pipeline, "extract_each", extract_each)
    monkeypatch.setattr(background, "extract_each", extract_each)  # where workers read them
    code, report = run_cli(tmp_path, monkeypatch, "--workers", "2")
    assert asked_before_second == [True]
    assert verdicts(report) == expected
    assert code == 1


def test_progress_sums_the_processes(tmp_path, monkeypatch, simweb):
    expected = write_corpus(tmp_path, simweb, "progress")
    monkeypatch.chdir(tmp_path)
    events = []
    config = Config(paths=("a.md", "b.md"), check=CheckConfig(workers=2, allow_private=True),
                    rules={"insecure-http": RuleConfig(severity="off")})
    config = pipeline.dataclasses.replace(
        config, store=pipeline.dataclasses.replace(config.store, enabled=False))
    result = pipeline.run(config, progress=events.append)
    assert {t: r.status.value for t, r in result.results.items() if t in expected} == expected
    last = events[-1]
    assert last.finished and last.done == last.total == len(expected)
    assert last.broken == sum(1 for s in expected.values() if s == "broken")
    assert all(a.done <= b.done for a, b in zip(events, events[1:], strict=False))
