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


def test_one_table_per_file_what_fails_first_each_problem_once():
    links = [
        link("https://x.test/1", 3, section="Intro"),
        link("https://x.test/2", 9, section="Intro > Tools"),
        link("https://x.test/3", 12, section="Intro"),
        link("https://x.test/1", 13, section="Intro"),  # the same problem again
        link("https://x.test/ok", 14, section="Intro"),
        link("https://y.test/1", 2, section="", file="docs/b.md"),
        link("https://z.test/ok", 1, file="docs/c.md"),
    ]
    statuses = {"https://x.test/1": Status.BROKEN, "https://x.test/2": Status.REDIRECTED,
                "https://x.test/3": Status.UNVERIFIABLE, "https://y.test/1": Status.NEW_FAILURE}
    text = markdown.render(run_of(links, statuses))
    assert text.startswith("# Link check report\n\n**Needs action: 2 broken links**")
    assert text.index("## Totals") < text.index("## docs/a.md") < text.index("## docs/b.md")
    a = text[text.index("## docs/a.md"):text.index("## docs/b.md")]
    assert "5 links; 2 to fix, 2 to review." in a
    assert a.count("| Line | Problem | Change | Section | Link | Detail |") == 1, "one table"
    rows = [r for r in a.splitlines() if r.startswith("| ") and r[2].isdigit()]
    # what fails first, the same problem on two lines one row; then by line
    assert rows == [
        "| 3:1, 13:1 | **broken** |  | Intro | `https://x.test/1` | HTTP 404 |",
        "| 9:1 | moved |  | Intro \\> Tools | `https://x.test/2` | HTTP 404 |",
        "| 12:1 | unverifiable |  | Intro | `https://x.test/3` | HTTP 404 |",
    ]
    assert text.count("https://x.test/1") == 1, "each problem is listed once"
    assert text.rstrip().endswith("Files with nothing to report (1): docs/c.md.")
    assert "| Files |" not in text and "| 0 | 0 |" not in text, "no table of all-zero rows"
    assert "A *new failure*" in text


def test_no_invisible_character_inside_a_url_of_a_message():
    text = escape_cell("insecure link: https://x.test/a?b=1 answers, use it instead (www.x.test)")
    assert "`https://x.test/a?b=1`" in text and "`www.x.test`" in text
    assert "\u2060" not in text and "\u200d" not in text
    html = middle_cell(cell_html(text))
    assert "<a " not in html and "<code>https://x.test/a?b=1</code>" in html


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
    assert "Since the last report: 1 new, 1 still broken, 2 fixed." in text.split("## Totals")[0]
    assert "| 7:1 | new failure | *new* |" in text
    # no stored history for this problem: no run count that would change the report every run
    assert "| 5:1 | **broken** | still broken (before the last report) |" in text
    fixed = text[text.index("## Fixed since the last report (2)"):]
    assert "| docs/a.md | 2 | `https://x.test/fixed` | broken | ok |" in fixed
    assert "| docs/a.md | 3 | `https://x.test/gone` | broken | removed |" in fixed
    assert text.count("https://x.test/old") == 1, "a still-broken link is listed once"
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
    assert "| unverifiable |\n| ---: |\n| 2 |" in text  # the totals


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


def test_a_file_without_links_gets_a_sentence_not_an_empty_table():
    text = markdown.render(RunResult((Document("docs/empty.md", ()),), {}))
    assert "0 links in 1 file (0 distinct remote URLs)." in text
    assert "## Totals\n\nNo links and no findings.\n" in text
    assert "|  |" not in text, "no table without a column"
    two = markdown.render(run_of([link("a.md"), link("b.md", file="docs/b.md")], {}))
    assert "2 links in 2 files" in two


def test_the_changes_are_counted_at_each_place_as_the_rows_mark_them(tmp_path):
    import dataclasses

    links = [link("./gone.md", 3), link("./gone.md", 9, section="Later"), link("./new.md", 12)]
    before = run_of(links[:2], {"./gone.md": Status.BROKEN})
    previous = tmp_path / "linkcheck.json"
    previous.write_text(json_report.render(before), encoding="utf-8")
    run = run_of(links, {"./gone.md": Status.BROKEN, "./new.md": Status.BROKEN})
    changes = compare(run, load_baseline(previous)[0])
    text = markdown.render(dataclasses.replace(run, changes=changes))
    assert "**Needs action: 3 broken links**" in text
    assert "Since the last report: 1 new, 2 still broken, 0 fixed." in text
    assert text.count("still broken (before the last report) |") == 2


def test_a_finding_s_row_has_the_section_of_the_first_link_on_its_line():
    from linkcheck.models import Finding, Severity

    links = [link("https://x.test/a", 3, section="Intro"),
             link("https://x.test/b", 3, section="Intro > Later"),  # the same line: not used
             link("https://x.test/c", 7, section="Tools"),
             link("https://y.test/d", 3, section="Other file", file="docs/b.md")]
    findings = tuple(
        Finding("duplicate-url", "LC101", Severity.WARNING, file, line, 1, f"finding {n}")
        for n, (file, line) in enumerate([("docs/a.md", 3), ("docs/a.md", 7), ("docs/a.md", 5),
                                          ("docs/b.md", 3)]))
    text = markdown.render(run_of(links, {}, findings=findings))
    rows = {r.split(" | ")[5].rstrip(" |"): r.split(" | ")[3] for r in text.splitlines()
            if "finding " in r}
    assert rows == {"finding 0": "Intro", "finding 1": "Tools", "finding 2": "",
                    "finding 3": "Other file"}


def test_the_report_s_lines_are_joined_as_joining_and_stripping_them_would():
    import itertools

    pieces = ["", "\n", "a", "a\n", "b\n\n", "\n\n", "c d"]
    for count in range(4):
        for lines in itertools.product(pieces, repeat=count):
            expected = "\n".join(lines).rstrip("\n") + "\n"
            assert markdown.ended(list(lines)) == expected, lines
