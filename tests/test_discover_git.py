"""Discovery as a repository sees it: .gitignore honoured, the output directory never read, and
linkcheck's own state directory ignoring itself."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from gitrepo import git

from linkcheck import cli
from linkcheck.discover import discover

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q")
    write(tmp_path / ".gitignore", "node_modules/\nbuild/\n*.log.md\n")
    write(tmp_path / "docs" / "a.md", "# A\n")
    write(tmp_path / "node_modules" / "pkg" / "README.md", "[gone](nothing.md)\n")
    write(tmp_path / "build" / "page.md", "[gone](nothing.md)\n")
    write(tmp_path / "docs" / "debug.log.md", "[gone](nothing.md)\n")
    write(tmp_path / ".github" / "PULL_REQUEST_TEMPLATE.md", "# Template\n")
    git(tmp_path, "add", "docs/a.md", ".gitignore", ".github")
    write(tmp_path / "docs" / "new.md", "# Not committed yet, but git would add it\n")
    return tmp_path


def test_a_checkout_is_read_as_git_sees_it(repo):
    assert discover(["."]) == [".github/PULL_REQUEST_TEMPLATE.md", "docs/a.md", "docs/new.md"]
    assert discover(["docs"]) == ["docs/a.md", "docs/new.md"]


def test_a_directory_named_although_ignored_is_read(repo):
    assert discover(["build"]) == ["build/page.md"]
    assert discover(["docs/debug.log.md"]) == ["docs/debug.log.md"], "a file named is read"


def test_outside_a_checkout_hidden_files_are_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "docs" / "a.md", "# A\n")
    write(tmp_path / "docs" / ".draft" / "b.md", "# B\n")
    assert discover(["docs"]) == ["docs/a.md"]


def test_a_glob_skips_pipes_and_directories_as_a_directory_search_does(tmp_path, monkeypatch):
    # reading a named pipe nobody writes to waits forever: the run would never end
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "docs" / "a.md", "# A\n")
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    (tmp_path / "docs" / "folder.md").mkdir()
    (tmp_path / "docs" / "gone.md").symlink_to("nowhere.md")  # kept: extraction names it
    assert discover(["docs/*.md"]) == ["docs/a.md", "docs/gone.md"]
    assert discover(["docs"]) == ["docs/a.md", "docs/gone.md"]


def test_the_output_directory_is_never_read(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no git here: the rule does not depend on it
    write(tmp_path / "a.md", "# A\n\n[B](b.md)\n")
    write(tmp_path / "b.md", "# B\n")
    assert cli.main(["run", "--offline", "-q", "."]) == cli.EXIT_OK
    assert (tmp_path / "reports" / "linkcheck.md").is_file()
    assert cli.main(["run", "--offline", "."]) == cli.EXIT_OK, "its own report is not read"
    assert "1 link in 2 files: 1 ok" in capsys.readouterr().out.splitlines()[0]
    assert discover(["."], output_dir="reports/") == ["a.md", "b.md"]
    assert discover(["**/*.md"], output_dir="reports") == ["a.md", "b.md"]


def test_the_state_directory_ignores_itself(repo, capsys):
    assert cli.main(["run", "--offline", "-q", "--output-dir", ".linkcheck/pre-commit",
                     "docs"]) == cli.EXIT_OK
    assert (repo / ".linkcheck" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert ".linkcheck" not in git(repo, "status", "--porcelain", "--untracked-files=all")
    assert discover(["."]) == [".github/PULL_REQUEST_TEMPLATE.md", "docs/a.md", "docs/new.md"]
