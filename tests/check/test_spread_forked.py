"""Forked workers (check/remote/processes.py): what a real `linkcheck run` does on Linux, run
here as a child process of its own (pytest's threads rule forking out in-process)."""

from __future__ import annotations

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
code = cli.main(sys.argv[2:])
sys.stderr.write(f"forks {forks}\\n")
sys.exit(code)
"""


def run_forked(tmp_path, how: str) -> tuple[subprocess.CompletedProcess, dict]:
    (tmp_path / "linkcheck.yml").write_text(
        'rules:\n  insecure-http:\n    severity: "off"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, how, "run", "a.md", "b.md", "--workers", "2",
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


def test_a_forked_worker_that_fails_loses_nothing(tmp_path, simweb):
    expected = write_corpus(tmp_path, simweb, "forked-crash")
    done, report = run_forked(tmp_path, "crash")
    assert "forks [0, 3]" in done.stderr, done.stderr
    assert verdicts(report) == expected
    assert any("ended without its outcome (exit 1: RuntimeError: boom)" in note
               for note in report["notes"]), report["notes"]
    assert done.returncode == 1
