"""Forked workers (check/remote/processes.py): what a real `linkcheck run` does on Linux, run
here as a child process of its own (pytest's threads rule forking out in-process)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest
from test_spread import verdicts, write_corpus

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")

SCRIPT = """
import sys
from linkcheck import cli
from linkcheck.check.remote import processes, worker
forks = []
real = processes.forked
async def forked(pipes):
    forks.append(len(pipes))
    return await real(pipes)
processes.forked = forked
if sys.argv[1] == "crash":
    def main():
        raise RuntimeError("boom")
    worker.main = main
heard = []  # what the main process read from its workers, in order
if sys.argv[1] == "handover":
    from linkcheck.check.remote import workers
    worker.VERDICTS_INTERVAL = 0.001  # hand verdicts over at once (inherited by the forks)
    read = workers.read_message
    async def read_message(stream):
        message = await read(stream)
        heard.append((message[0], len(message[1]) if message[0] == "verdicts" else 0))
        return message
    workers.read_message = read_message
preforked, taken = [], []
if sys.argv[1] == "prefork":  # as the command does (linkcheck/__main__.py)
    from linkcheck.check.remote import prefork
    prefork.start(1)
    preforked = [ready.pid for ready in prefork._READY]
    take = prefork.take
    def took():
        ready = take()
        taken.append(ready and ready.pid)
        return ready
    prefork.take = took
code = cli.main(sys.argv[2:])
sys.stderr.write(f"forks {forks}\\n")
sys.stderr.write(f"heard {heard}\\n")
if preforked:
    import os, signal
    signal.alarm(20)  # a worker no run took exits as soon as its input closes
    try:
        _, status = os.waitpid(preforked[0], 0)
        ended = os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        ended = "reaped by the run"
    sys.stderr.write(f"preforked taken {preforked[0] in taken}, ended {ended}\\n")
sys.exit(code)
"""


def run_forked(tmp_path, how: str, *flags: str) -> tuple[subprocess.CompletedProcess, dict]:
    (tmp_path / "linkcheck.yml").write_text(
        'rules:\n  insecure-http:\n    severity: "off"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, how, "run", "a.md", "b.md", *(flags or ("--workers", "2")),
         "--output-dir", "out", "--no-cache", "--private-ok", "-q", "--timeout", "10"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    return done, report


def test_forked_workers_check_every_link(tmp_path, simweb):
    expected = write_corpus(tmp_path, simweb, "forked")
    done, report = run_forked(tmp_path, "plain")
    assert "forks [0, 3]" in done.stderr, done.stderr  # the second closes the first's pipes
    assert verdicts(report) == expected
    assert done.returncode == 1  # the 404s
    assert report["notes"] == []


def test_verdicts_are_handed_over_while_the_checks_go_on(tmp_path, simweb):
    expected = write_corpus(tmp_path, simweb, "forked-handover")
    done, report = run_forked(tmp_path, "handover")
    heard = ast.literal_eval(done.stderr.rpartition("heard ")[2].strip())
    kinds = [kind for kind, _ in heard]
    assert kinds.count("result") == 2, done.stderr
    handed = sum(count for kind, count in heard[:kinds.index("result")] if kind == "verdicts")
    assert handed > 0, "the first outcome came after verdicts handed over before it"
    assert verdicts(report) == expected  # those and the outcome's own, merged: every link
    assert done.returncode == 1


def test_a_forked_worker_that_fails_loses_nothing(tmp_path, simweb):
    expected = write_corpus(tmp_path, simweb, "forked-crash")
    done, report = run_forked(tmp_path, "crash")
    assert "forks [0, 3]" in done.stderr, done.stderr
    assert verdicts(report) == expected
    assert any("ended without its outcome (exit 1: RuntimeError: boom)" in note
               for note in report["notes"]), report["notes"]
    assert done.returncode == 1


def test_a_small_run_is_checked_by_one_forked_worker(tmp_path, simweb):
    (tmp_path / "a.md").write_text(
        "\n".join(f"- [p]({simweb.url(f'/ok?k=one-{i}')})" for i in range(20)) + "\n",
        encoding="utf-8")
    (tmp_path / "b.md").write_text(f"[gone]({simweb.url('/404?k=one')})\n", encoding="utf-8")
    done, report = run_forked(tmp_path, "plain")
    assert "forks [0]" in done.stderr, done.stderr  # the main process reads; one worker checks
    statuses = verdicts(report)
    assert len(statuses) == 21 and statuses.pop(simweb.url("/404?k=one")) == "broken"
    assert set(statuses.values()) == {"ok"}
    assert done.returncode == 1


def test_workers_off_checks_in_the_main_process(tmp_path, simweb):
    (tmp_path / "a.md").write_text(f"[ok]({simweb.url('/ok?k=off')})\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("no links\n", encoding="utf-8")
    done, report = run_forked(tmp_path, "plain", "--workers", "1")
    assert "forks []" in done.stderr, done.stderr
    assert verdicts(report) == {simweb.url("/ok?k=off"): "ok"}


def test_a_worker_forked_at_the_start_is_the_first_one_taken(tmp_path, simweb):
    expected = write_corpus(tmp_path, simweb, "prefork")
    done, report = run_forked(tmp_path, "prefork")
    assert "forks [0, 3]" in done.stderr, done.stderr  # the second still closes its pipes
    assert "preforked taken True, ended reaped by the run" in done.stderr, done.stderr
    assert verdicts(report) == expected
    assert report["notes"] == []
    assert done.returncode == 1


def test_a_worker_forked_at_the_start_checks_a_small_run_alone(tmp_path, simweb):
    (tmp_path / "a.md").write_text(f"[ok]({simweb.url('/ok?k=pre-small')})\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(f"[gone]({simweb.url('/404?k=pre-small')})\n",
                                   encoding="utf-8")
    done, report = run_forked(tmp_path, "prefork", "--timeout", "10")
    assert "forks [0]" in done.stderr, done.stderr
    assert "preforked taken True, ended reaped by the run" in done.stderr, done.stderr
    assert verdicts(report) == {simweb.url("/ok?k=pre-small"): "ok",
                                simweb.url("/404?k=pre-small"): "broken"}


def test_a_worker_forked_at_the_start_that_no_run_wants_exits_quietly(tmp_path, simweb):
    (tmp_path / "a.md").write_text(f"[ok]({simweb.url('/ok?k=pre-off')})\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("no links\n", encoding="utf-8")
    done, report = run_forked(tmp_path, "prefork", "--workers", "1")
    assert "forks []" in done.stderr, done.stderr  # checked in the main process
    assert "preforked taken False, ended 0" in done.stderr, done.stderr  # dismissed, quietly
    assert verdicts(report) == {simweb.url("/ok?k=pre-off"): "ok"}
