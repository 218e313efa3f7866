"""The command line, called in-process: exit codes, written reports, determinism."""

from __future__ import annotations

import json

import pytest

from linkcheck import __version__, cli, pipeline


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A tiny curriculum in a temporary working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "curriculum").mkdir()
    return tmp_path


def write(project, name: str, text: str) -> None:
    (project / "curriculum" / name).write_text(text, encoding="utf-8")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"linkcheck {__version__}"


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "run" in out and "extract" in out


def test_exit_0_when_nothing_is_broken(project):
    write(project, "a.md", "# A\n\n[B](b.md) and [top](#a)\n")
    write(project, "b.md", "# B\n")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_OK
    report = json.loads((project / "reports" / "linkcheck.json").read_text())
    assert report["summary"]["statuses"]["ok"] == 2
    assert report["summary"]["statuses"]["broken"] == 0


def test_exit_1_on_broken_local_link(project):
    write(project, "a.md", "# A\n\nSee [missing](./missing.md).\n")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_BROKEN
    report = json.loads((project / "reports" / "linkcheck.json").read_text())
    (entry,) = report["links"]
    assert (entry["file"], entry["line"], entry["status"]) == ("curriculum/a.md", 3, "broken")
    assert "missing.md" in (project / "reports" / "linkcheck.md").read_text()


def test_exit_2_on_bad_config(project, capsys):
    (project / "linkcheck.yml").write_text("bogus_key: 1\n")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_USAGE
    assert "bogus_key" in capsys.readouterr().err


def test_exit_2_on_missing_path(project, capsys):
    assert cli.main(["run", "--offline", "-q", "nowhere/"]) == cli.EXIT_USAGE
    assert "nowhere/" in capsys.readouterr().err


def test_exit_2_on_bad_flag(project):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--no-such-flag"])
    assert exit_info.value.code == cli.EXIT_USAGE


def test_exit_3_on_internal_error(project, monkeypatch, capsys):
    write(project, "a.md", "# A\n")

    def explode(*args, **kwargs):
        raise RuntimeError("checker bug")

    monkeypatch.setattr(pipeline, "check_local", explode)
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error" in err and "checker bug" in err
    assert "broken" not in err


def test_output_dir_flag(project):
    write(project, "a.md", "# A\n")
    assert cli.main(["run", "--offline", "-q", "--output-dir", "out"]) == cli.EXIT_OK
    assert (project / "out" / "linkcheck.json").is_file()
    assert (project / "out" / "linkcheck.md").is_file()


def test_reports_are_byte_identical_across_runs(project):
    write(project, "a.md", "# A\n\n[x](./gone.md) [y](https://example.test/) [z](#nope)\n")
    cli.main(["run", "--offline", "-q", "--output-dir", "one"])
    cli.main(["run", "--offline", "-q", "--output-dir", "two"])
    for name in ("linkcheck.json", "linkcheck.md"):
        assert (project / "one" / name).read_bytes() == (project / "two" / name).read_bytes()


def test_dangling_symlink_in_a_scanned_directory_is_named(project, capsys):
    write(project, "a.md", "# A\n")
    (project / "curriculum" / "gone.md").symlink_to(project / "nowhere.md")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_BROKEN
    assert capsys.readouterr().out.startswith("curriculum/gone.md: cannot read file")
    report = json.loads((project / "reports" / "linkcheck.json").read_text())
    assert [d["file"] for d in report["diagnostics"]] == ["curriculum/gone.md"]


def test_a_symlink_loop_is_named_and_the_run_goes_on(project, capsys):
    write(project, "a.md", "# A\n\n[loop](loop.md) [also](loop.md#x) [gone](gone.md)\n")
    (project / "curriculum" / "loop.md").symlink_to("loop.md")
    assert cli.main(["run", "--offline", "-q"]) == cli.EXIT_BROKEN
    out = capsys.readouterr().out
    assert "curriculum/loop.md: cannot read file: Too many levels of symbolic links" in out
    assert "curriculum/a.md:3:35: broken gone.md (file not found)" in out


def test_repeated_runs_reach_a_fixed_point(project):
    """With the previous report as baseline, an unchanged curriculum reports the same bytes."""
    write(project, "a.md", "# A\n\n[x](./gone.md) [z](#nope)\n")
    reports = project / "reports"
    cli.main(["run", "--offline", "-q"])
    first = (reports / "linkcheck.md").read_text()
    assert first.count("| *new* |") == 2
    cli.main(["run", "--offline", "-q"])
    second = {name: (reports / name).read_bytes() for name in ("linkcheck.json", "linkcheck.md")}
    assert second["linkcheck.md"].count(b"| still broken (before the last report) |") == 2
    cli.main(["run", "--offline", "-q"])
    third = {name: (reports / name).read_bytes() for name in ("linkcheck.json", "linkcheck.md")}
    assert third == second


def test_summary_names_counts_and_findings(project, capsys):
    write(project, "a.md", "# A\n\nSee https://docs.python.org/3/ and [gone](./gone.md).\n")
    assert cli.main(["run", "--offline"]) == cli.EXIT_BROKEN
    out = capsys.readouterr().out
    assert "2 links in 1 file: 1 broken, 1 unchecked (offline" in out
    assert "1 content finding: 1 warning" in out


@pytest.mark.parametrize("enabled", [True, False])
def test_a_command_runs_with_the_cycle_collector_paused_and_leaves_it_as_it_was(
        monkeypatch, enabled):
    import gc

    seen = []

    def command(args):
        seen.append(gc.isenabled())
        raise cli.ConfigError("stop here")

    monkeypatch.setattr(cli, "_command", command)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert cli.main(["run", "--offline"]) == cli.EXIT_USAGE
        assert seen == [False] and gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def cli_output(argv: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(argv)
    return out.getvalue()


def test_the_command_ends_the_process_with_its_exit_code_and_all_its_output(project):
    """`python -m linkcheck` (and the `linkcheck` script) end the process without the
    interpreter's teardown: what was printed is flushed first."""
    import os
    import subprocess
    import sys

    write(project, "a.md", "".join(f"- [gone {i}](missing-{i}.md)\n" for i in range(3000)))
    done = subprocess.run([sys.executable, "-m", "linkcheck", "run", "--offline", "curriculum/"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == cli.EXIT_BROKEN, done.stderr
    lines = done.stdout.splitlines()
    assert sum("missing-" in line for line in lines) == 100  # the terminal's cap, then the rest
    assert lines[-1].endswith("reports/linkcheck.json")
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    listed = subprocess.run([sys.executable, "-m", "linkcheck", "rules"],  # printed unflushed
                            capture_output=True, text=True, timeout=60, env=buffered)
    assert listed.returncode == 0 and listed.stdout == cli_output(["rules"])
    version = subprocess.run([sys.executable, "-m", "linkcheck", "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and __version__ in version.stdout
