"""The markdown report: hostile contributor text rendered inert, problems by file and section,
per-file health, and the change since the last report at the top.
"""

from __future__ import annotations

import json
import re

from markdown_it import MarkdownIt

from linkcheck.models import CheckResult, Document, Link, LinkKind, RunResult, Status
from linkcheck.report import json_report, markdown
from linkcheck.report.changes import compare, load_baseline
from linkcheck.report.markdown import ZWJ, code_cell, escape_cell

GFM = MarkdownIt("gfm-like")  # tables, strikethrough, linkify: what GitHub does to the report


def link(url: str, line: int = 1, text: str = "text", section: str = "Intro",
         file: str = "docs/a.md") -> Link:
    return Link(file, line, 1, url, url, text, LinkKind.INLINE, section)


def run_of(links: list[Link], statuses: dict[str, Status], **extra) -> RunResult:
    by_file: dict[str, list[Link]] = {}
    for item in links:
        by_file.setdefault(item.file, []).append(item)
    documents = tuple(Document(f, tuple(ls)) for f, ls in sorted(by_file.items()))
    results = {
        item.resolved_url: CheckResult(item.resolved_url, statuses.get(item.resolved_url,
                                       Status.OK), "HTTP 404" if statuses.get(
                                           item.resolved_url) else "HTTP 200")
        for item in links
    }
    return RunResult(documents, results, **extra)


def cell_html(value: str) -> str:
    """The HTML GitHub-like rendering gives a table row holding `value` in its middle cell."""
    return GFM.render(f"| a | b | c |\n| --- | --- | --- |\n| x | {value} | y |\n")


def middle_cell(html: str) -> str:
    body = html.split("<tbody>")[1]
    cells = re.findall(r"<td>(.*?)</td>", body, re.S)
    assert len(cells) == 3, html  # nothing escaped the cell
    return cells[1]


HOSTILE_TEXTS = [
    "a | b | c",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**bold** _it_ ~~gone~~",
    "hi @octocat and @org/team",
    "``` fence",
    "line\nbreak\r\nand\ttab",
    "&lt;b&gt; entity",
    "back\\slash\\|pipe",
    "rtl\u202etxet",
    "see https://evil.test/x or www.evil.test or JavaScript://x",
]


def test_hostile_link_text_stays_literal_text():
    for text in HOSTILE_TEXTS:
        html = middle_cell(cell_html(escape_cell(text)))
        assert "<a " not in html and "<img" not in html and "<script" not in html, text
        assert "<strong>" not in html and "<em>" not in html and "<s>" not in html, text
        assert "\u202e" not in html
    # a mention is broken by a joiner, so GitHub notifies nobody
    assert "@" + ZWJ + "octocat" in escape_cell("hi @octocat")


def test_urls_are_code_never_links_whatever_they_hold():
    urls = [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "https://x.test/`a``b```c|d",
        "`https://x.test/`",
        "https://x.test/<script>",
        "https://x.test/" + "a" * 5000,
    ]
    for url in urls:
        cell = code_cell(url)
        html = middle_cell(cell_html(cell))
        assert html.startswith("<code>") and html.endswith("</code>"), (url, html)
        assert "<a " not in html and "<script" not in html
        assert len(cell) < 260  # overlong values are capped
    inner = middle_cell(cell_html(code_cell("https://x.test/`a``b```c")))
    assert inner == "<code>https://x.test/`a``b```c</code>"


def test_problems_grouped_by_file_then_section_with_health_lines():
    links = [
        link("https://x.test/1", 3, section="Intro"),
        link("https://x.test/2", 9, section="Intro > Tools"),
        link("https://x.test/3", 12, section="Intro"),
        link("https://x.test/ok", 14, section="Intro"),
        link("https://y.test/1", 2, section="", file="docs/b.md"),
    ]
    statuses = {"https://x.test/1": Status.BROKEN, "https://x.test/2": Status.REDIRECTED,
                "https://x.test/3": Status.UNVERIFIABLE, "https://y.test/1": Status.NEW_FAILURE}
    text = markdown.render(run_of(links, statuses))
    a = text.index("### docs/a.md")
    b = text.index("### docs/b.md")
    assert a < b
    assert "4 links: 1 broken, 1 moved, 1 unverifiable" in text[a:b]
    assert "1 links: 0 broken, 1 new failure, 0 moved, 0 unverifiable" in text[b:]
    section_order = re.findall(r"^#### (.*)$", text[a:b], re.M)
    assert section_order == ["Intro", "Intro \\> Tools"]
    assert "#### (before the first heading)" in text[b:]
    assert "| docs/a.md | 4 | 1 | 0 | 1 | 1 |" in text  # the files table
    assert "A *new failure*" in text


def test_changes_open_the_report(tmp_path):
    base_links = [link("https://x.test/old"), link("https://x.test/fixed", 2),
                  link("https://x.test/gone", 3)]
    before = run_of(base_links, {u.url: Status.BROKEN for u in base_links})
    previous = tmp_path / "linkcheck.json"
    previous.write_text(json_report.render(before), encoding="utf-8")
    now_links = [link("https://x.test/old", 5), link("https://x.test/fixed", 2),
                 link("https://x.test/new", 7)]
    run = run_of(now_links, {"https://x.test/old": Status.BROKEN,
                             "https://x.test/new": Status.NEW_FAILURE})
    baseline, notes = load_baseline(previous)
    assert notes == ()
    changes = compare(run, baseline)
    assert [c.url for c in changes.new] == ["https://x.test/new"]
    assert [(c.url, c.line) for c in changes.still_broken] == [("https://x.test/old", 5)]
    assert [(c.url, c.status) for c in changes.fixed] == [
        ("https://x.test/fixed", "ok"), ("https://x.test/gone", "removed")]
    import dataclasses

    text = markdown.render(dataclasses.replace(run, changes=changes))
    assert text.index("## Changes since the last report") < text.index("## Files")
    assert "### New (1)" in text and "### Still broken (1)" in text and "### Fixed (2)" in text
    # no stored history for this problem: no run count that would change the report every run
    assert "| before the last report | HTTP 404 |" in text
    assert [c.failed_runs for c in changes.new + changes.still_broken] == [0, 0]
    data = json.loads(json_report.render(dataclasses.replace(run, changes=changes)))
    assert [e["url"] for e in data["changes"]["fixed"]] == [
        "https://x.test/fixed", "https://x.test/gone"]


def test_unreadable_baseline_is_named_and_ignored(tmp_path):
    bad = tmp_path / "prev.json"
    bad.write_text("{not json", encoding="utf-8")
    baseline, notes = load_baseline(bad)
    assert baseline is None and str(bad) in notes[0]
    missing, notes = load_baseline(tmp_path / "nope.json", required=True)
    assert missing is None and "nope.json" in notes[0]
    assert load_baseline(tmp_path / "nope.json") == (None, ())


def test_an_odd_baseline_is_ignored_not_a_crash(tmp_path):
    odd = tmp_path / "prev.json"
    odd.write_text(json.dumps({"links": [
        {"file": "a.md", "resolved_url": "https://x.test/a", "status": ["broken"]},
        {"file": "a.md", "resolved_url": "https://x.test/b", "status": "broken"},
    ]}), encoding="utf-8")
    baseline, notes = load_baseline(odd)
    assert notes == () and list(baseline.problems) == [("a.md", "https://x.test/b")]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    baseline, notes = load_baseline(deep)
    assert baseline is None and str(deep) in notes[0]


def test_a_file_outside_the_run_is_not_reported_fixed(tmp_path):
    before = run_of([link("https://x.test/a", file="docs/other.md")],
                    {"https://x.test/a": Status.BROKEN})
    previous = tmp_path / "linkcheck.json"
    previous.write_text(json_report.render(before), encoding="utf-8")
    baseline, _ = load_baseline(previous)
    changes = compare(run_of([link("https://x.test/b")], {}), baseline)
    assert changes.fixed == () and changes.new == ()


def test_no_network_is_said_once_not_on_every_link():
    links = [link("https://x.test/a"), link("https://x.test/b", 2)]
    results = {
        "https://x.test/a": CheckResult("https://x.test/a", Status.UNVERIFIABLE, "no network"),
        "https://x.test/b": CheckResult("https://x.test/b", Status.UNVERIFIABLE, "login required"),
    }
    docs = (Document("curriculum/a.md", tuple(links)),)
    text = markdown.render(RunResult(docs, results, network_down=True))
    assert text.count("No network") == 1
    assert "https://x.test/b" in text and "login required" in text
    assert "https://x.test/a" not in text  # counted in the totals, not listed
    assert "| unverifiable | 2 |" in text


def test_no_network_links_get_no_annotation_or_sarif_result():
    from linkcheck.report import github, sarif

    links = [link("https://x.test/a"), link("https://x.test/b", 2)]
    results = {
        "https://x.test/a": CheckResult("https://x.test/a", Status.UNVERIFIABLE, "no network"),
        "https://x.test/b": CheckResult("https://x.test/b", Status.UNVERIFIABLE, "login required"),
    }
    run = RunResult((Document("curriculum/a.md", tuple(links)),), results, network_down=True)
    assert [a.line for a in github.annotations(run)] == [2]
    sarif_results = json.loads(sarif.render(run))["runs"][0]["results"]
    assert len(sarif_results) == 1 and "login required" in sarif_results[0]["message"]["text"]
