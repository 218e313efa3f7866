"""`linkcheck fix`: only the bytes at fault change, the diff is minimal, a second run is a no-op."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkcheck import cli
from linkcheck.config import CheckConfig, Config, ConfigError, StoreConfig
from linkcheck.extract import extract_file
from linkcheck.fix import apply_edits, fix, fix_documents, selected_rules
from linkcheck.history.store import open_store
from linkcheck.models import CheckResult, Status

CURRICULUM = Path(__file__).parent.parent / "curriculum"
OFFLINE = Config(offline=True, store=StoreConfig(enabled=False))
TRACKED = "https://x.test/guide?utm_source=news&page=2&gclid=abc#top"
GARBLED = "unittest \u00e2\u20ac\u201d Unit testing"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(paths: list[Path]) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in paths}


def test_round_trip_keeps_every_other_byte(workdir):
    # CRLF line endings, a byte order mark, a lone CR, and no final newline
    before = (
        "\ufeff# Title\r\n\r\n"
        f"See [the guide]({TRACKED}) and https://bare.test/page\r\n"
        f"{GARBLED}\r"
        "[Keep](https://x.test/keep?page=1&ref=main)\r\n"
        "Tail without newline: [x](https://x.test/t?fbclid=1)"
    ).encode()
    page = workdir / "page.md"
    page.write_bytes(before)
    outcome = fix(OFFLINE, ["page.md"], dry_run=False)
    after = before.replace(TRACKED.encode(), b"https://x.test/guide?page=2#top")
    after = after.replace(b"https://bare.test/page", b"<https://bare.test/page>")
    after = after.replace(GARBLED.encode(), "unittest \u2014 Unit testing".encode())
    after = after.replace(b"https://x.test/t?fbclid=1", b"https://x.test/t")
    assert page.read_bytes() == after
    assert outcome.edit_count == 4 and [f.file for f in outcome.files] == ["page.md"]
    diff = outcome.files[0].diff()
    assert diff.endswith("+Tail without newline: [x](https://x.test/t)\n"
                         "\\ No newline at end of file\n")
    again = fix(OFFLINE, ["page.md"], dry_run=False)
    assert again.files == () and page.read_bytes() == after


def test_a_symlinked_file_is_fixed_through_its_link(workdir):
    (workdir / "shared").mkdir()
    target = workdir / "shared" / "page.md"
    target.write_text(f"[the guide]({TRACKED})\n", encoding="utf-8")
    (workdir / "page.md").symlink_to(target)
    fix(OFFLINE, ["page.md"], dry_run=False)
    assert (workdir / "page.md").is_symlink()
    assert target.read_text(encoding="utf-8") == "[the guide](https://x.test/guide?page=2#top)\n"


def test_a_file_that_is_not_utf8_is_left_as_it_is_and_named(workdir, capsys):
    # the run lists its fixable findings; fix must say why it does not touch them
    latin1 = ("# Caf\u00e9\n\nSee https://bare.test/page\n").encode("latin-1")
    utf16 = b"\xff\xfe" + "See https://bare.test/page\n".encode("utf-16-le")
    (workdir / "latin1.md").write_bytes(latin1)
    (workdir / "utf16.md").write_bytes(utf16)
    assert cli.main(["fix", "--offline", "latin1.md", "utf16.md"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "linkcheck: latin1.md: not UTF-8, so not fixed (save it as UTF-8 first)" in err
    assert "linkcheck: utf16.md: not UTF-8, so not fixed (save it as UTF-8 first)" in err
    assert (workdir / "latin1.md").read_bytes() == latin1
    assert (workdir / "utf16.md").read_bytes() == utf16


def test_a_diff_in_github_actions_carries_no_workflow_command(workdir, capsys, monkeypatch):
    page = workdir / "page.md"
    page.write_text("# T\n\n::error file=x::pwned\nSee https://bare.test/page\n", encoding="utf-8")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert cli.main(["fix", "--dry-run", "--offline", "page.md"]) == cli.EXIT_OK
    plain = capsys.readouterr().out
    assert " ::error file=x::pwned\n" in plain  # the context line, as any diff shows it
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert cli.main(["fix", "--dry-run", "--offline", "page.md"]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) >= 32 and lines[-1] == f"::{token}::"
    assert lines[1:-1] == plain.splitlines()
    assert token not in page.read_text(encoding="utf-8")


def test_dry_run_prints_a_minimal_diff_and_writes_nothing(workdir, capsys):
    page = workdir / "page.md"
    page.write_text(f"# T\n\n[Guide]({TRACKED})\n\nLast line", encoding="utf-8")
    before = page.read_bytes()
    assert cli.main(["fix", "--dry-run", "--offline", "page.md"]) == cli.EXIT_OK
    out = capsys.readouterr()
    assert page.read_bytes() == before
    removed = [line for line in out.out.splitlines() if line.startswith("-") and line[1:2] != "-"]
    added = [line for line in out.out.splitlines() if line.startswith("+") and line[1:2] != "+"]
    assert removed == [f"-[Guide]({TRACKED})"]
    assert added == ["+[Guide](https://x.test/guide?page=2#top)"]
    assert "would fix 1 findings in 1 files" in out.err


def test_rule_selection(workdir):
    page = workdir / "page.md"
    page.write_text(f"[Guide]({TRACKED}) and https://bare.test/\n", encoding="utf-8")
    outcome = fix(OFFLINE, ["page.md"], ("bare-url",), dry_run=True)
    (file_fix,) = outcome.files
    assert file_fix.after == f"[Guide]({TRACKED}) and <https://bare.test/>\n"
    with pytest.raises(ConfigError, match="not a fixable rule"):
        selected_rules(["duplicate-url"])
    assert cli.main(["fix", "--rule", "nope", "page.md"]) == cli.EXIT_USAGE


def test_moved_and_tracking_on_one_url_compose(workdir):
    written = "https://x.test/old?utm_source=a&id=3#part"
    page = workdir / "page.md"
    page.write_text(f"- [Old]({written})\n", encoding="utf-8")
    documents = (extract_file("page.md"),)
    target = documents[0].links[0].resolved_url
    final = "https://x.test/new?id=3&utm_medium=b"
    moved = CheckResult(target, Status.REDIRECTED, "301", final_url=final, permanent=True)
    outcome = fix_documents(documents, {target: moved}, OFFLINE, selected_rules([]))
    (file_fix,) = outcome.files
    assert file_fix.after == "- [Old](https://x.test/new?id=3#part)\n"
    assert [e.rule for e in file_fix.edits] == ["moved-permanently", "tracking-params"]
    assert fix_documents(documents, {}, OFFLINE, selected_rules([])).files[0].after == (
        "- [Old](https://x.test/old?id=3#part)\n"  # offline: the move is not verified, not applied
    )


def test_url_rewrites_need_a_verified_result_from_the_store_when_offline(workdir):
    page = workdir / "page.md"
    page.write_text("[Scrum](http://scrum.test/guide)\n", encoding="utf-8")
    config = replace(OFFLINE, store=StoreConfig(path=str(workdir / "history.sqlite")))
    assert fix(config, ["page.md"], dry_run=True).files == ()  # no store yet: nothing verified
    assert not (workdir / "history.sqlite").exists()  # and fix did not create one
    store, _ = open_store(workdir / "history.sqlite")
    twin = "https://scrum.test/guide"
    store.record({twin: CheckResult(twin, Status.OK, "200")}, datetime.now(UTC))
    store.close()
    (file_fix,) = fix(config, ["page.md"], dry_run=True).files
    assert file_fix.after == "[Scrum](https://scrum.test/guide)\n"


def test_garbled_url_is_repaired_only_when_the_repair_answers(workdir):
    page = workdir / "page.md"
    page.write_text("[IDE](https://x.test/python-\u00f0\u0178\u203a\u00a0/)\n", encoding="utf-8")
    documents = (extract_file("page.md"),)
    assert fix_documents(documents, {}, OFFLINE, selected_rules([])).files == ()
    from linkcheck.urls import resolve

    repaired = resolve("https://x.test/python-\U0001f6e0/", "page.md")
    ok = {repaired: CheckResult(repaired, Status.OK, "200")}
    (file_fix,) = fix_documents(documents, ok, OFFLINE, selected_rules([])).files
    assert file_fix.after == "[IDE](https://x.test/python-\U0001f6e0/)\n"


def test_apply_edits_refuses_an_edit_that_does_not_match():
    from linkcheck.fix import Edit

    with pytest.raises(ValueError):
        apply_edits("abc", [Edit("a.md", 0, 1, "x", "y", "bare-url", 1)])


def test_curriculum_dry_run(tmp_path, monkeypatch, capsys):
    shutil.copytree(CURRICULUM, tmp_path / "curriculum")
    monkeypatch.chdir(tmp_path)
    files = sorted((tmp_path / "curriculum").glob("*.md"))
    before = snapshot(files)
    (tmp_path / "linkcheck.yml").write_text("store: {enabled: false}\n")
    assert cli.main(["fix", "--dry-run", "--offline", "curriculum/"]) == cli.EXIT_OK
    assert snapshot(files) == before
    diff = capsys.readouterr().out
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert len(changed) == 2 * 7  # one line out, one line in, per fixed line
    for old, new in [
        ("https://realpython.com", "<https://realpython.com>"),
        ("https://learngitbranching.js.org/", "<https://learngitbranching.js.org/>"),
        ("***https://huyenchip.com/mlops/***", "***<https://huyenchip.com/mlops/>***"),
        ("Roadmap:https://roadmap.sh/mlops", "Roadmap:<https://roadmap.sh/mlops>"),
        ("unittest \u00e2\u20ac\u201d Unit", "unittest \u2014 Unit"),
        ("&gad_source=1&gclid=", None),
    ]:
        assert any(old in line for line in changed if line.startswith("-")), old
        if new:
            assert any(new in line for line in changed if line.startswith("+")), new
    assert "+- **Tutorial Suggestions:**" in diff and "utm_" not in "".join(
        line for line in changed if line.startswith("+")
    )
    assert "𝖺𝗇𝖽 Dataiku" in diff


def test_online_fix_uses_fresh_results_for_the_https_twin_and_the_move(workdir):
    import httpx
    from httpx_pool import httpx_pools

    page = workdir / "page.md"
    page.write_text(
        "[Scrum](http://scrum.test/guide)\n\n[Old](https://x.test/old?utm_source=a&id=3)\n",
        encoding="utf-8",
    )
    requested: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.path == "/old":
            return httpx.Response(301, headers={"location": "https://x.test/new?id=3"})
        return httpx.Response(200, text="<html><body>a page</body></html>",
                              headers={"content-type": "text/html"})

    # *.test names stand for real sites here: checked, not skipped as placeholders
    config = replace(OFFLINE, offline=False, check=CheckConfig(allow_private=True))
    outcome = fix(config, ["page.md"], dry_run=False,
                  pool_factory=httpx_pools(httpx.MockTransport(answer)))
    assert "https://scrum.test/guide" in requested  # the twin was checked: the hook works
    assert page.read_text(encoding="utf-8") == (
        "[Scrum](https://scrum.test/guide)\n\n[Old](https://x.test/new?id=3)\n"
    )
    rules = {e.rule for f in outcome.files for e in f.edits}
    assert rules == {"insecure-http", "moved-permanently"}


def test_curriculum_fix_is_idempotent_on_a_copy(tmp_path, monkeypatch):
    shutil.copytree(CURRICULUM, tmp_path / "curriculum")
    monkeypatch.chdir(tmp_path)
    first = fix(OFFLINE, ["curriculum/"], dry_run=False)
    assert first.edit_count == 7
    fixed = snapshot(sorted((tmp_path / "curriculum").glob("*.md")))
    assert fix(OFFLINE, ["curriculum/"], dry_run=False).files == ()
    assert snapshot(sorted((tmp_path / "curriculum").glob("*.md"))) == fixed
    skillset = fixed[tmp_path / "curriculum" / "mlops-engineer-skillset.md"]
    assert not skillset.endswith(b"\n")  # the missing final newline stays missing
