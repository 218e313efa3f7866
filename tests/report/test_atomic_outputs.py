"""Reports are replaced whole or not at all, under real failures: a run killed while it writes,
a file-size limit the operating system enforces mid-write, an output directory in the way
before any request. Each run is a real `linkcheck` process; each is bounded in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from loopback import QuietHandler, serving

PREVIOUS = {"linkcheck.json": '{"previous": true}\n', "linkcheck.md": "# previous report\n"}


def _project(tmp_path: Path, links: int = 3) -> Path:
    (tmp_path / "docs").mkdir()
    body = "".join(f"- [missing {i}](./missing-{i}.md)\n" for i in range(links))
    (tmp_path / "docs" / "a.md").write_text(f"# A\n\n{body}", encoding="utf-8")
    reports = tmp_path / "reports"
    reports.mkdir()
    for name, text in PREVIOUS.items():
        (reports / name).write_text(text, encoding="utf-8")
    return tmp_path


def _child(code: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _reports(project: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (project / "reports").iterdir()
            if not p.name.endswith(".tmp")}


def test_a_run_killed_while_writing_the_json_report_leaves_it_whole(tmp_path):
    project = _project(tmp_path)
    # The hook stops the run inside the JSON report's links, after it wrote some of it.
    child = _child("""
        import sys, time
        from linkcheck import cli
        from linkcheck.report import json_report
        entry = json_report.link_values

        def blocking(*args, **kwargs):
            print("writing", flush=True)
            time.sleep(30)
            return entry(*args, **kwargs)

        json_report.link_values = blocking
        sys.exit(cli.main(["run", "--offline", "-q", "--no-cache", "docs/"]))
    """, project)
    try:
        assert child.stdout.readline().strip() == "writing"
        markdown = project / "reports" / "linkcheck.md"  # written meanwhile by the parent
        deadline = time.monotonic() + 10
        while "missing-0.md" not in markdown.read_text("utf-8") and time.monotonic() < deadline:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)  # the JSON report's child still blocked in its links
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    # killed while the new JSON report was under way in its temporary file...
    assert len(list((project / "reports").glob(".linkcheck.json.*.tmp"))) == 1
    found = _reports(project)
    assert found["linkcheck.json"] == PREVIOUS["linkcheck.json"]  # ...the old report, whole
    assert found["linkcheck.md"].startswith("#") and "missing-0.md" in found["linkcheck.md"]
    # the next run replaces both, and its JSON is complete
    done = subprocess.run([sys.executable, "-m", "linkcheck", "run", "--offline", "-q",
                           "--no-cache", "docs/"], cwd=project, capture_output=True, timeout=60)
    assert done.returncode == 1
    assert json.loads(_reports(project)["linkcheck.json"])["summary"]


def test_a_write_the_system_refuses_midway_is_exit_2_naming_the_report(tmp_path):
    # RLIMIT_FSIZE makes the kernel refuse writes past 16 KiB (EFBIG), as a full disk would
    # refuse them (ENOSPC): a real failure in the middle of a report, no mock.
    project = _project(tmp_path, links=400)
    child = _child("""
        import resource, signal, sys
        from linkcheck import cli
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
        sys.exit(cli.main(["run", "--offline", "-q", "--no-cache", "docs/"]))
    """, project)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 2, err
    assert "linkcheck: error: reports/linkcheck." in err and "too large" in err.lower()
    found = _reports(project)
    assert found["linkcheck.json"] == PREVIOUS["linkcheck.json"]
    assert set(found) == set(PREVIOUS)
    assert not [p for p in (project / "reports").iterdir() if p.name.endswith(".tmp")]


class _Counter(QuietHandler):
    requests = 0

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        type(self).requests += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()



@pytest.fixture
def counted_web():
    with serving(_Counter) as base:
        yield base


def test_an_unusable_output_directory_stops_the_run_before_any_request(tmp_path, counted_web,
                                                                       monkeypatch, capsys):
    from linkcheck import cli

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(f"# A\n\n[page]({counted_web}/page)\n",
                                            encoding="utf-8")
    (tmp_path / "linkcheck.yml").write_text("check: {allow_private: true}\n", encoding="utf-8")
    (tmp_path / "reports").write_text("a file where the directory should be", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = _Counter.requests
    started = time.monotonic()
    assert cli.main(["run", "-q", "--no-cache", "docs/"]) == 2
    assert "reports: cannot write the report: a file is in the way" in capsys.readouterr().err
    assert _Counter.requests == before  # said at once, not after checking every link
    assert time.monotonic() - started < 30
    assert cli.main(["run", "-q", "--no-cache", "--output-dir", "out", "docs/"]) == 0
    assert _Counter.requests > before  # the same run with a usable directory does check


def test_a_step_summary_that_cannot_be_written_is_said_and_the_run_goes_on(tmp_path,
                                                                          monkeypatch, capsys):
    from linkcheck import cli

    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    project = _project(tmp_path)
    monkeypatch.chdir(project)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "/dev/full")  # every write: ENOSPC
    assert cli.main(["run", "--offline", "-q", "--no-cache", "--format", "github",
                     "docs/"]) == 1
    err = capsys.readouterr().err
    assert "/dev/full" in err and "No space left on device" in err
    assert "missing-0.md" in _reports(project)["linkcheck.json"]
