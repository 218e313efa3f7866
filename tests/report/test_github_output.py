"""GitHub output: workflow-command annotations escaped by GitHub's rules, and the step summary."""

from __future__ import annotations

import re

from linkcheck.report import github

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def unescape(value: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(code, char)
    return value


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in match[2].split(","))
    return match[1], {k: unescape(v) for k, v in props.items()}, unescape(match[3])


def test_escaping_follows_githubs_rules():
    assert github.escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_each_problem_is_one_annotation_on_its_line(sample_run):
    out = github.render(sample_run)
    lines = out.splitlines()
    assert len(lines) == 5 and out.endswith("\n")  # nothing for the ok link
    parsed = [parse(line) for line in lines]
    levels = [level for level, _, _ in parsed]
    assert levels == ["error", "error", "warning", "warning", "notice"]  # errors first
    level, props, message = parsed[1]
    assert props == {"file": "docs/a, b.md", "line": "4", "col": "7", "title": "Broken link"}
    # the hostile URL round-trips exactly and could not start a command of its own
    assert message == "https://x.test/a,b:c%41\r\n::error file=evil::pwned: HTTP 404\nNot Found"
    assert not any(line.startswith("::error file=evil") for line in lines)
    assert parsed[0][1]["title"] == "Input problem" and parsed[0][1]["line"] == "2"
    moved = [p for p in parsed if p[1]["title"] == "Link moved permanently"][0]
    assert moved[2].endswith("use https://x.test/new-home")
    assert parsed[4][1]["title"] == "LC105 bare-url"


def test_paths_are_given_from_the_repository_root(sample_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path / "..")
    workspace = tmp_path.parent.parent
    line = github.render(sample_run, str(workspace)).splitlines()[0]
    assert parse(line)[1]["file"] == f"{tmp_path.parent.name}/docs/a, b.md"
    outside = github.render(sample_run, str(tmp_path / "elsewhere")).splitlines()[0]
    assert parse(outside)[1]["file"] == "docs/a, b.md"


def test_a_name_starting_with_two_dots_is_inside_the_checkout(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert github._from_root("../..draft.md", str(tmp_path)) == "..draft.md"
    assert github._from_root("../../x.md", str(tmp_path)) == "../../x.md"


def test_step_summary_is_capped_at_a_line_boundary():
    report = "# Report\n" + "| row | with text |\n" * 100
    assert github.step_summary(report) == report
    cut = github.step_summary(report, limit=500)
    assert len(cut.encode()) <= 500 and "cut to fit" in cut
    assert cut.split("\n\n*The report")[0].endswith("|\n")


def test_cli_prints_annotations_and_appends_the_step_summary(tmp_path, monkeypatch, capsys):
    from linkcheck.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n[missing](./nope.md)\n", encoding="utf-8")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = main(["run", "docs", "--offline", "--format", "github", "--format", "sarif", "-q"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("::error file=docs/a.md,line=3,col=1,title=Broken link::./nope.md")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n# Link check report")  # appended, not replaced
    assert (tmp_path / "reports" / "linkcheck.sarif").is_file()
    assert main(["run", "docs", "--offline", "--format", "github,pdf"]) == 2


def test_the_comment_fits_githubs_limit_cut_between_rows_with_a_pointer():
    rows = "".join(f"| {i}:1 | **broken** | `https://x.test/{i}` | HTTP 404 |\n"
                   for i in range(5000))
    report = "# Link check report\n\n**Needs action: 5000 broken links**\n\n## Totals\n\n" + rows
    assert github.comment("# Short\n", None) == "# Short\n"
    url = "https://github.test/o/r/actions/runs/7"
    fitted = github.comment(report, url)
    assert len(fitted) <= github.COMMENT_LIMIT < 65_536 - len("<!-- linkcheck-report -->\n")
    kept, notice = fitted.split("\n\n*The report is longer than a comment can hold", 1)
    assert kept.startswith("# Link check report\n\n**Needs action: 5000 broken links**")
    assert kept.endswith("HTTP 404 |\n") and report.startswith(kept), "cut after a whole row"
    assert f"[this run]({url})" in notice
    assert github.run_url({"GITHUB_SERVER_URL": "https://github.test", "GITHUB_REPOSITORY": "o/r",
                           "GITHUB_RUN_ID": "7"}) == url
    assert github.run_url({}) is None


def test_the_comment_format_writes_the_fitted_report(tmp_path, monkeypatch):
    from linkcheck.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("[gone](b.md)\n", encoding="utf-8")
    assert main(["run", "--offline", "-q", "--format", "comment", "a.md"]) == 1
    written = (tmp_path / "reports" / "linkcheck-comment.md").read_text(encoding="utf-8")
    assert written == (tmp_path / "reports" / "linkcheck.md").read_text(encoding="utf-8")


def test_control_characters_in_a_file_name_never_reach_the_workflow_log():
    # GitHub's log viewer acts on ANSI escapes; a file name is contributor text like any other
    found = github.Annotation("error", "docs/esc\x1b[2J\x9b31m\nname.md", 3, 1, "Broken link",
                              "x: file not found")
    line = github.format_annotation(found)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", line)
    assert parse(line)[1]["file"] == "docs/escU+001B[2JU+009B31m\nname.md"
