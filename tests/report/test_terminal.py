"""What `linkcheck` prints and the exit codes it ends with, as a user at a terminal meets them."""

from __future__ import annotations

import errno
import io
import os
import re
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from linkcheck import cli
from linkcheck.models import CheckResult, Link, LinkKind, Severity, Status
from linkcheck.progress import ProgressEvent, ProgressRenderer, format_bar
from linkcheck.report import output
from linkcheck.report.problems import Problem, ProblemKind
from linkcheck.report.terminal import LIST_LIMIT, problem_line

PROBLEM_LINE = re.compile(r"^[^:\s]+\.md:\d+:\d+: ")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    return tmp_path


def write(project: Path, name: str, text: str) -> None:
    (project / "docs" / name).write_text(text, encoding="utf-8")


def run_cli(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = cli.main(["run", "--offline", "docs/", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


# --- the listing ---------------------------------------------------------------------------


def test_each_problem_is_one_line_then_the_summary_and_the_reports(project, capsys):
    write(project, "a.md", "# A\n\nSee [gone](./gone.md) and https://docs.python.org/3/.\n")
    code, out, err = run_cli(capsys)
    assert code == cli.EXIT_BROKEN
    assert out == [
        "docs/a.md:3:5: broken ./gone.md (file not found)",
        "docs/a.md:3:27: LC106 bare-url bare URL https://docs.python.org/3/: write it as a link, "
        "<https://docs.python.org/3/> or [title](https://docs.python.org/3/)",
        "2 links in 1 file: 1 broken, 1 unchecked (offline: remote links not checked)",
        "1 content finding: 1 warning",
        "reports: reports/linkcheck.md, reports/linkcheck.json",
    ]
    assert err == ""


def test_quiet_keeps_the_problems_only(project, capsys):
    write(project, "a.md", "# A\n\n[gone](./gone.md) [top](#nowhere)\n")
    code, out, err = run_cli(capsys, "--quiet")
    assert code == cli.EXIT_BROKEN
    assert len(out) == 2 and all(PROBLEM_LINE.match(line) for line in out)
    assert err == ""


def test_information_findings_are_counted_not_listed(project, capsys):
    link = "[Guide](https://docs.python.org/3/guide)"
    write(project, "a.md", f"# A\n\n{link}\n")
    write(project, "b.md", f"# B\n\n{link}\n")  # linked from two files: information
    code, out, _ = run_cli(capsys)
    assert code == cli.EXIT_OK
    assert not any(PROBLEM_LINE.match(line) for line in out)
    assert "1 content finding: 1 info" in out


def test_a_long_listing_is_capped_and_verbose_shows_all(project, capsys):
    write(project, "a.md", "# A\n\n" + "".join(f"[x{i}](./gone{i}.md)\n" for i in range(120)))
    code, out, _ = run_cli(capsys)
    assert code == cli.EXIT_BROKEN
    assert sum(bool(PROBLEM_LINE.match(line)) for line in out) == LIST_LIMIT
    assert f"... and {120 - LIST_LIMIT} more problems (all are in the report)" in out
    _, out, _ = run_cli(capsys, "--verbose")
    assert sum(bool(PROBLEM_LINE.match(line)) for line in out) == 120


def test_curriculum_text_cannot_drive_the_terminal(project, capsys):
    write(project, "a.md", "# A\n\n[x](<./gone\x1b[2J\u202e.md>)\n")
    _, out, _ = run_cli(capsys)
    assert "\x1b" not in "".join(out) and "\u202e" not in "".join(out)
    assert "docs/a.md:3:1: broken ./goneU+001B[2JU+202E.md (file not found)" in out


def test_no_output_line_starts_a_workflow_command_whatever_the_file_is_named(
        tmp_path, monkeypatch, capsys):
    # a CI log reads any line starting with "::" (blanks aside) as a command to the runner
    monkeypatch.chdir(tmp_path)
    evil = " ::error file=x::pwned.md"
    (tmp_path / evil).write_text("# E\n\n[x](./gone.md)\n", encoding="utf-8")
    (tmp_path / "::warning::binary.md").write_bytes(b"\x00\x01")
    assert cli.main(["run", "--offline", "--format", "github", "."]) == cli.EXIT_BROKEN
    run_out, run_err = capsys.readouterr()
    assert cli.main(["extract", "."]) == cli.EXIT_OK
    extract_out, extract_err = capsys.readouterr()
    lines = (run_out + run_err + extract_out + extract_err).splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert len(commands) == 2 and all(c.startswith(("::error file=", "::warning file="))
                                      for c in commands), "only --format github's annotations"
    assert f"./{evil}:3:1: broken ./gone.md (file not found)" in lines
    assert f"./{evil}:3:1\tinline\t./gone.md" in lines
    assert "./::warning::binary.md: binary file, skipped" in lines


def test_colours_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli._colour(Tty()) and not cli._colour(open(os.devnull, "w"))  # noqa: SIM115
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli._colour(Tty())
    link = Link("a.md", 1, 2, "./b.md", "a.md/b.md", "b", LinkKind.INLINE, "")
    result = CheckResult("b.md", Status.BROKEN, "file not found")
    problem = Problem(ProblemKind.LINK, Severity.ERROR, "a.md", 1, 2, "", link=link,
                      result=result)
    assert problem_line(problem, colour=True) == (
        "a.md:1:2: \x1b[31mbroken\x1b[0m ./b.md (file not found)"
    )


# --- exit codes ----------------------------------------------------------------------------


def test_abbreviated_options_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--offlin"])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert "unrecognized arguments: --offlin" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_shows_exit_codes_and_examples(capsys, argv):
    with pytest.raises(SystemExit):
        cli.main(argv)
    out = capsys.readouterr().out
    assert "exit codes:" in out and "130  interrupted (Ctrl-C)" in out
    assert "examples:" in out and "linkcheck run --offline docs/" in out


def test_an_output_directory_that_is_a_file_is_exit_2_naming_it(project, capsys):
    write(project, "a.md", "# A\n")
    (project / "out").write_text("not a directory", encoding="utf-8")
    assert cli.main(["run", "--offline", "docs/", "--output-dir", "out"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err == "linkcheck: error: out: cannot write the report: " \
        "a file is in the way\n"
    assert cli.main(["run", "--offline", "docs/", "--output-dir", "out/sub"]) == cli.EXIT_USAGE
    assert "linkcheck: error: out/sub: cannot write the report: " in capsys.readouterr().err


def test_a_read_only_output_directory_is_exit_2_before_any_link_is_fetched(
        project, capsys, monkeypatch):
    write(project, "a.md", "# A\n\n[docs](https://docs.python.org/3/)\n")
    fetched = []
    monkeypatch.setattr("linkcheck.check.remote.checker.check_remote",
                        lambda *args, **kwargs: fetched.append(args))

    def read_only(*args, **kwargs):  # what a read-only directory answers (root ignores modes)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(output.tempfile, "NamedTemporaryFile", read_only)
    assert cli.main(["run", "docs/", "--no-cache", "--output-dir", "out"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err == "linkcheck: error: out: cannot write the report: " \
        "Permission denied\n"
    assert fetched == [], "the network phase is not started for reports that cannot be written"


def test_a_full_disk_is_exit_2_and_the_earlier_report_stays_whole(project, capsys, monkeypatch):
    write(project, "a.md", "# A\n\n[gone](./gone.md)\n")
    assert cli.main(["run", "--offline", "-q", "docs/"]) == cli.EXIT_BROKEN
    before = (project / "reports" / "linkcheck.json").read_bytes()
    write(project, "a.md", "# A\n\n[gone](./other.md)\n")

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "replace", full)
    capsys.readouterr()
    assert cli.main(["run", "--offline", "-q", "docs/"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("linkcheck: error: reports/linkcheck.") and "No space left" in err
    assert (project / "reports" / "linkcheck.json").read_bytes() == before
    assert sorted(p.name for p in (project / "reports").iterdir()) == [
        "linkcheck.json", "linkcheck.md"], "no temporary file is left behind"


def test_a_closed_pipe_ends_quietly(project):
    write(project, "a.md", "".join(f"[{i}](https://docs.python.org/{i})\n" for i in range(3000)))
    script = f'"{sys.executable}" -m linkcheck extract --json docs/ | head -3'
    done = subprocess.run(["bash", "-c", script + '; echo "exit=${PIPESTATUS[0]}" >&2'],
                          capture_output=True, text=True, timeout=60)
    assert len(done.stdout.splitlines()) == 3
    assert done.stderr == "exit=0\n"


class _Hang(BaseHTTPRequestHandler):
    """Answers nothing until the test ends: the run is interrupted while it waits."""

    seen = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:  # noqa: N802
        _Hang.seen.set()
        _Hang.release.wait(20)

    do_HEAD = do_GET

    def log_message(self, *args) -> None:
        pass


def test_ctrl_c_prints_one_clean_line_and_exits_130(project):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hang)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write(project, "a.md", f"[slow](http://127.0.0.1:{server.server_address[1]}/slow)\n")
    _Hang.seen.clear()
    _Hang.release.clear()
    process = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "run", "docs/", "--no-cache", "--private-ok"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as a terminal would: a shell without job control starts background jobs (CI runners
        # among them) with SIGINT ignored, and Python then never turns it into KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert _Hang.seen.wait(30), "the run reached the server"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        _Hang.release.set()
        process.kill()
        server.shutdown()
        server.server_close()
    assert process.returncode == cli.EXIT_INTERRUPTED, (out, err)  # the run's own words
    assert err == "linkcheck: interrupted\n" and out == ""


def test_on_a_terminal_the_interrupt_line_replaces_the_echo_of_ctrl_c(project, monkeypatch):
    # no progress line to clear (extraction, fix): the terminal's "^C" is still on the line
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    write(project, "a.md", "# A\n")
    monkeypatch.setattr("linkcheck.extract.read.extract_file", interrupted)
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert cli.main(["extract", "docs/"]) == cli.EXIT_INTERRUPTED
    assert sys.stderr.getvalue() == "\r\x1b[Klinkcheck: interrupted\n"


# --- fix --check ---------------------------------------------------------------------------


def test_fix_check_exits_1_while_fixes_are_pending_and_changes_nothing(project, capsys):
    page = "# A\n\n[Guide](https://docs.python.org/3/guide?utm_source=x)\n"
    write(project, "a.md", page)
    assert cli.main(["fix", "--check", "--offline", "docs/"]) == cli.EXIT_BROKEN
    assert "+[Guide](https://docs.python.org/3/guide)" in capsys.readouterr().out
    assert (project / "docs" / "a.md").read_text(encoding="utf-8") == page
    assert cli.main(["fix", "--offline", "docs/"]) == cli.EXIT_OK
    assert cli.main(["fix", "--check", "--offline", "docs/"]) == cli.EXIT_OK


# --- progress ------------------------------------------------------------------------------


class _Terminal(list):
    def write(self, text: str) -> None:
        self.append(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("columns", [80, 40, 20])
def test_progress_fits_the_terminal_and_clears_itself(columns):
    terminal = _Terminal()
    now = [0.0]
    render = ProgressRenderer(terminal, is_tty=True, clock=lambda: now[0], width=lambda: columns)
    render(ProgressEvent(12345, 99999, 1234, 567, 20000, 3.0))
    drawn = terminal[-1]
    assert drawn.startswith("\r") and drawn.endswith("\x1b[K")
    assert len(drawn[1:-3]) <= columns - 3, "one line, never wrapped, even with ^C echoed"
    now[0] = 1.0
    render(ProgressEvent(99999, 99999, 1234, 567, 30000, 4.0, finished=True))
    assert terminal[-1] == "\r\x1b[K", "the last thing drawn is the clearing"
    assert len(format_bar(ProgressEvent(1, 2, 0, 0, 1, 1.0), 79)) == 79


def test_the_echo_of_ctrl_c_fits_beside_the_progress_line():
    # The terminal writes "^C" after the bar before linkcheck hears of it; if that wraps the
    # line, the clearing "\r" reaches only the second half and the bar stays on screen.
    terminal = _Terminal()
    render = ProgressRenderer(terminal, is_tty=True, clock=lambda: 0.0, width=lambda: 80)
    render(ProgressEvent(1, 177, 1, 0, 1, 0.1))
    assert len(terminal[-1][1:-3] + "^C") < 80


def test_progress_counts_the_curriculums_urls_not_the_probes(project, monkeypatch):
    from linkcheck.check.remote.spread import SpreadSession

    asked: dict[str, set[str]] = {"links": set(), "extras": set()}
    write(project, "a.md", "[a](http://docs.python.org/x) [b](http://docs.python.org/x) [c](http://peps.python.org/y)\n")

    async def add(self, urls):  # links: counted in progress (RemoteSession.add)
        asked["links"].update(urls)

    async def add_extras(self, urls):  # the rules' probes: fetched, not counted
        asked["extras"].update(urls)
        raise KeyboardInterrupt  # the question asked is all this test needs

    monkeypatch.setattr(SpreadSession, "add", add)
    monkeypatch.setattr(SpreadSession, "add_extras", add_extras)
    assert cli.main(["run", "docs/", "--no-cache", "-q"]) == cli.EXIT_INTERRUPTED
    curriculum = {"http://docs.python.org/x", "http://peps.python.org/y"}  # of 3 links
    assert asked["links"] == curriculum
    assert asked["extras"] and not asked["extras"] & curriculum, "the https probes go as extras"
