"""PR scope: lines changed since a git revision, and a run judged only on them."""

from __future__ import annotations

import pytest
from gitrepo import git

from linkcheck.config import ConfigError
from linkcheck.models import Link, LinkKind
from linkcheck.scope import changed_since, parse_diff


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    git(tmp_path, "init", "-q", "-b", "main")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("".join(f"line {i}\n" for i in range(1, 11)), encoding="utf-8")
    (docs / "same.md").write_text("unchanged\n", encoding="utf-8")
    (docs / "gone.md").write_text("bye\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def _link(file: str, line: int) -> Link:
    return Link(file, line, 1, "https://x.test/", "https://x.test/", "x", LinkKind.INLINE, "")


def test_changed_lines_new_files_and_deletions(repo):
    a = repo / "docs" / "a.md"
    lines = a.read_text().splitlines()
    lines[2] = "line 3 changed"  # line 3
    lines.insert(6, "inserted")  # becomes line 7
    del lines[9]  # a pure deletion adds no line
    a.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (repo / "docs" / "gone.md").unlink()
    (repo / "docs" / "my new file.md").write_text("fresh\nmore\n", encoding="utf-8")
    scope = changed_since("HEAD", cwd=repo)
    assert scope.lines[str(a.resolve())] == frozenset({3, 7})
    assert scope.touches(_link(str(a), 3)) and scope.touches(_link(str(a), 7))
    assert not scope.touches(_link(str(a), 4))
    assert not scope.touches_file(str(repo / "docs" / "same.md"))
    assert not scope.touches_file(str(repo / "docs" / "gone.md"))
    new = str(repo / "docs" / "my new file.md")
    assert scope.touches_file(new) and scope.touches(_link(new, 2))  # untracked: every line


def test_committed_changes_since_a_branch_point(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "docs" / "same.md").write_text("unchanged\nadded in the PR\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "pr")
    scope = changed_since("main", cwd=repo)
    assert scope.lines[str((repo / "docs" / "same.md").resolve())] == frozenset({2})


def test_paths_relative_to_a_subdirectory(repo, monkeypatch):
    (repo / "docs" / "same.md").write_text("changed\n", encoding="utf-8")
    monkeypatch.chdir(repo / "docs")
    scope = changed_since("HEAD")
    assert scope.touches_file("same.md") and scope.touches_file("./same.md")


def test_unknown_revision_is_a_usage_error(repo):
    with pytest.raises(ConfigError) as err:
        changed_since("no-such-branch", cwd=repo)
    assert "unknown revision 'no-such-branch'" in str(err.value)
    assert err.value.exit_code == 2
    with pytest.raises(ConfigError, match="expected a git revision"):
        changed_since("--output=/tmp/x", cwd=repo)


def test_outside_a_repository_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(ConfigError, match="not inside a git repository"):
        changed_since("HEAD", cwd=tmp_path)


def test_parse_diff_reads_hunks_and_quoted_names():
    diff = (
        b"diff --git a/x.md b/x.md\n--- a/x.md\n+++ b/x.md\n"
        b"@@ -1 +1 @@\n-a\n+b\n@@ -5,0 +6,3 @@\n+c\n+d\n+e\n@@ -20,2 +22,0 @@\n-f\n-g\n"
        b'diff --git "a/q\\"uote.md" "b/q\\"uote.md"\n--- "a/q\\"uote.md"\n+++ "b/q\\"uote.md"\n'
        b"@@ -1,0 +2 @@\n+h\n"
        b"diff --git a/sp ace.md b/sp ace.md\n--- a/sp ace.md\t\n+++ b/sp ace.md\t\n"
        b"@@ -3 +3 @@\n-i\n+j\n"
        b"diff --git a/del.md b/del.md\n--- a/del.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-k\n"
    )
    assert parse_diff(diff) == {
        "x.md": frozenset({1, 6, 7, 8}),
        'q"uote.md': frozenset({2}),
        "sp ace.md": frozenset({3}),
    }


def test_a_pr_run_judges_only_the_changed_lines(repo, monkeypatch, web):
    import json

    from linkcheck.cli import main

    web.answers = {"/old": 200, "/new": 200}
    monkeypatch.chdir(repo)
    links = repo / "docs" / "links.md"
    links.write_text(f"# Links\n\n[old]({web.url('/old')})\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "links")
    links.write_text(links.read_text() + f"\n[new]({web.url('/new')})\n", encoding="utf-8")

    def run() -> tuple[int, dict[str, dict]]:
        code = main(["run", "docs", "--changed-since", "HEAD", "--no-cache", "-q"])
        report = json.loads((repo / "reports" / "linkcheck.json").read_text())
        assert [d for d in report["summary"].items() if d[0] == "files"] == [("files", 1)]
        return code, {e["url"].rsplit("/", 1)[1]: e for e in report["links"]}

    code, found = run()
    # loopback addresses are skipped (never requested) unless the config file allows them
    assert found["new"]["reason"] == "local or placeholder address"
    assert (found["old"]["status"], found["old"]["reason"]) == ("unchecked", "outside the change")
    assert code == 0 and web.requests == []
    (repo / "linkcheck.yml").write_text("check: {allow_private: true, retries: 0}\n")
    code, found = run()
    assert code == 0 and found["new"]["status"] == "ok" and web.requests == ["/new"]
    assert (found["old"]["status"], found["old"]["reason"]) == ("unchecked", "outside the change")
    assert main(["run", "docs", "--changed-since", "no-such-ref"]) == 2


def test_a_pr_run_judges_only_the_local_links_of_changed_lines(repo, monkeypatch):
    import json

    from linkcheck.cli import main

    monkeypatch.chdir(repo)
    guide = repo / "docs" / "guide.md"
    guide.write_text("# Guide\n\n[old](missing-before.md) and [fine](a.md)\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "guide with a broken link")
    argv = ["run", "docs", "--changed-since", "HEAD", "--no-cache", "-q", "--offline"]

    def verdicts() -> dict[str, tuple[str, str]]:
        report = json.loads((repo / "reports" / "linkcheck.json").read_text(encoding="utf-8"))
        return {e["url"]: (e["status"], e["reason"]) for e in report["links"]}

    # the PR touches the file elsewhere: the old broken link is not its problem
    guide.write_text(guide.read_text() + "\nA new paragraph.\n", encoding="utf-8")
    assert main(argv) == 0
    assert verdicts()["missing-before.md"] == ("unchecked", "outside the change")
    # a broken link on a changed line is, and so is the same target's verdict everywhere
    guide.write_text(guide.read_text() + "\n[again](missing-before.md) [new](missing-new.md)\n",
                     encoding="utf-8")
    assert main(argv) == 1
    found = verdicts()
    assert found["missing-new.md"] == ("broken", "file not found")
    assert found["missing-before.md"] == ("broken", "file not found")
    assert found["a.md"] == ("unchecked", "outside the change")
