"""Every report walks one list of problems, with one cap and one control-character sanitizer."""

from __future__ import annotations

import json

from linkcheck.models import (
    CheckResult,
    Diagnostic,
    Document,
    Finding,
    Link,
    LinkKind,
    RunResult,
    Severity,
    Status,
)
from linkcheck.report import github, markdown, sarif
from linkcheck.report.problems import ProblemKind, problems
from linkcheck.report.text import cap, visible

# a C1 control, a right-to-left override, a left-to-right mark, an escape and a bell
HIDDEN = "\x85\u202e\u200e\x1b\x07"
SHOWN = "U+0085U+202EU+200EU+001BU+0007"


def hostile_run(reason: str = f"HTTP 404 {HIDDEN}") -> RunResult:
    url = "https://x.test/gone"
    links = (
        Link("a.md", 3, 5, url, url, "text", LinkKind.INLINE, "Intro"),
        Link("a.md", 4, 1, "https://x.test/ok", "https://x.test/ok", "t", LinkKind.INLINE, ""),
        Link("a.md", 5, 1, "https://x.test/wall", "https://x.test/wall", "t", LinkKind.INLINE,
             ""),
    )
    results = {
        url: CheckResult(url, Status.BROKEN, reason),
        "https://x.test/ok": CheckResult("https://x.test/ok", Status.OK, "HTTP 200"),
        "https://x.test/wall": CheckResult("https://x.test/wall", Status.UNVERIFIABLE, "HTTP 403"),
    }
    diagnostics = (Diagnostic("a.md", 1, f"odd byte {HIDDEN}", "decode-error"),)
    findings = (
        Finding("bare-url", "LC105", Severity.INFO, "a.md", 7, 1, f"bare URL {HIDDEN}"),
        Finding("bare-url", "LC105", Severity.OFF, "a.md", 8, 1, "switched off"),
    )
    return RunResult((Document("a.md", links, diagnostics=diagnostics),), results, findings)


def test_the_one_list_holds_inputs_then_links_then_findings():
    found = problems(hostile_run())
    assert [(p.kind, p.line) for p in found] == [
        (ProblemKind.INPUT, 1), (ProblemKind.LINK, 3), (ProblemKind.LINK, 5),
        (ProblemKind.FINDING, 7),
    ]
    assert [p.severity for p in found] == [
        Severity.ERROR, Severity.ERROR, Severity.INFO, Severity.INFO
    ]


def test_a_problem_s_identity_is_what_stays_the_same_when_its_line_moves():
    """A diagnostic's code, a link's target, a finding's URL and message (SARIF's
    fingerprints are made of it)."""
    found = problems(hostile_run())
    assert [p.identity for p in found] == [
        "decode-error", "https://x.test/gone", "https://x.test/wall", f"\0bare URL {HIDDEN}"]
    with_url = Finding("duplicate-url", "LC101", Severity.WARNING, "a.md", 2, 1, "twice",
                       url="https://x.test/a")
    run = RunResult((Document("a.md"),), {}, (with_url,))
    assert [p.identity for p in problems(run)] == ["https://x.test/a\0twice"]


def test_annotations_sarif_and_markdown_list_the_same_problems():
    run = hostile_run()
    lines = github.render(run).splitlines()
    results = json.loads(sarif.render(run))["runs"][0]["results"]
    report = markdown.render(run)
    assert len(lines) == len(results) == len(problems(run)) == 4
    assert sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"]
                  for r in results) == [1, 3, 5, 7]
    assert "| 3:5 | **broken** |" in report and "| 5:1 | unverifiable |" in report
    assert "4:1" not in report and "switched off" not in report


def test_every_format_shows_hidden_characters_the_same_way():
    run = hostile_run()
    annotations = github.render(run)
    messages = [r["message"]["text"] for r in json.loads(sarif.render(run))["runs"][0]["results"]]
    report = markdown.render(run)
    for text in (annotations, "\n".join(messages), report):
        assert not any(char in text for char in HIDDEN)
    assert annotations.count(SHOWN) == 3
    assert sum(SHOWN in m for m in messages) == 3
    assert report.count(SHOWN) == 2  # the information finding is one row per rule, unquoted


def test_long_text_is_capped_by_the_one_helper():
    assert cap("abcdef", 6) == "abcdef"
    assert cap("abcdefg", 6) == "abcde…"
    assert visible("tab\tline\ncr\r") == "tab\tline\ncr\r"  # line breaks are each format's call
    run = hostile_run(reason="x" * 5000)
    (broken,) = [line for line in github.render(run).splitlines() if "Broken link" in line]
    assert broken.endswith("…") and len(broken.split("::", 2)[2]) == github.MESSAGE_LIMIT
    results = json.loads(sarif.render(run))["runs"][0]["results"]
    assert len(results[1]["message"]["text"]) == sarif.MESSAGE_LIMIT
    assert results[1]["message"]["text"].endswith("…")
