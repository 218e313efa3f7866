"""Link extraction: every kind of link, GitHub's bare-URL rules, positions, sections, the CLI."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from locations import ROOT

from linkcheck.cli import main
from linkcheck.extract import extract_file, extract_text
from linkcheck.models import LinkKind
from linkcheck.urls import TargetKind, resolve, target_kind

FIXTURES = "tests/fixtures/extract"
CURRICULUM = "curriculum"

# `<!-- expect: kind@column url ... -->` (or `# expect:` in YAML) lists the links a reader can
# follow on that line; `expect above:` refers to the line before; `none` means no link.
_EXPECT = re.compile(r"(?:<!--|#) expect( above)?: (.*?)(?: -->|$)")


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _expectations(path: str) -> dict[int, list[tuple[str, int, str]]]:
    expected: dict[int, list[tuple[str, int, str]]] = {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        match = _EXPECT.search(line)
        if not match:
            continue
        target = number - 1 if match.group(1) else number
        items = "" if match.group(2).strip() == "none" else match.group(2).strip()
        expected[target] = [(kind, int(column), url) for kind, column, url in _ITEM.findall(items)]
    return expected


# `kind@column url`, the url running up to the next `kind@column` (paths may hold spaces).
_ITEM = re.compile(r"([a-z-]+)@(\d+) (.*?)(?= [a-z-]+@\d+ |$)")


@pytest.mark.parametrize("name", ["autolinks.md", "kinds.md", "hrefs.md"])
def test_fixture_links_match_inline_expectations(name: str) -> None:
    path = f"{FIXTURES}/{name}"
    document = extract_file(path)
    expected = _expectations(path)
    assert expected, "the fixture has expectations"
    found: dict[int, list[tuple[str, int, str]]] = {}
    for link in document.links:
        found.setdefault(link.line, []).append((str(link.kind), link.column, link.resolved_url))
    for line, links in found.items():
        assert line in expected, f"{name}:{line}: unexpected links {links}"
    for line, links in expected.items():
        assert found.get(line, []) == links, f"{name}:{line}"
    assert document.diagnostics == ()


def test_url_is_kept_exactly_as_written() -> None:
    text = (
        "[a](<with space.md> 'T') [b](https://Example.test/a/../b) [c](x\\_y.md)\n"
        "Bare https://example.test/a\\_b. <https://Example.test/auto>\n"
    )
    links = extract_text(text, "f.md").links
    assert [link.url for link in links] == [
        "with space.md",
        "https://Example.test/a/../b",
        "x\\_y.md",
        "https://example.test/a\\_b",
        "https://Example.test/auto",
    ]
    assert [link.resolved_url for link in links] == [
        "with space.md",
        "https://example.test/b",
        "x_y.md",
        "https://example.test/a%5C_b",
        "https://example.test/auto",
    ]


def test_link_text_and_keys() -> None:
    document = extract_file(f"{FIXTURES}/kinds.md")
    by_url = {link.url: link for link in document.links}
    assert by_url["https://example.test/inline"].text == "inline link"
    assert by_url["img/pic%20one.png"].text == "alt text"
    assert by_url["https://example.test/ref"].key == "REF ONE"
    assert by_url["https://example.test/ref"].text == "full reference"
    assert by_url["https://example.test/html"].text == "HTML link"
    assert by_url["https://example.test/block"].text == "Block link"
    assert by_url["https://example.test/logo.svg"].text == "Logo"
    assert by_url["https://Example.TEST/home"].key == "homepage"
    assert by_url["https://example.test/a/../docs"].key == "links.0.url"
    assert by_url["https://example.test/a/../docs"].line == 6


def test_inline_html_link_text_ends_at_its_own_closing_tag() -> None:
    text = (
        'See <a href="x.md">the <abbr>HTML</abbr> docs</a>, '
        '<a href="y.md">unclosed <a href="z.md">next</a>.\n'
    )
    links = extract_text(text, "f.md").links
    assert [(link.url, link.text) for link in links] == [
        ("x.md", "the HTML docs"), ("y.md", "unclosed"), ("z.md", "next")
    ]


def test_reference_definitions_used_unused_and_undefined() -> None:
    document = extract_file(f"{FIXTURES}/kinds.md")
    labels = [d.label for d in document.definitions]
    assert labels == ["REF ONE", "COLLAPSED", "SHORTCUT", "PIC", "NEVER USED"]
    shortcut = document.definitions[2]
    assert (shortcut.line, shortcut.column, shortcut.url) == (
        29,
        1,
        "https://example.test/shortcut",
    )
    assert [d.label for d in document.unused_definitions] == ["NEVER USED"]
    undefined = [(r.line, r.column, r.text, r.key) for r in document.undefined_references]
    assert undefined == [
        (25, 4, "undefined", "NOWHERE"),
        (25, 29, "undefined too", "UNDEFINED TOO"),
    ]


def test_undefined_reference_shapes_ignore_escapes_code_and_shortcuts() -> None:
    text = (
        "[a][b] \\[c][d] `[e][f]` [g] [h][] ![i][j] [k][l] \\![m][n] ![alt [o][p]](q.png)\n\n"
        "[l]: https://example.test/l\n"
    )
    document = extract_text(text, "f.md")
    shapes = [(r.column, r.kind, r.key) for r in document.undefined_references]
    assert shapes == [
        (1, LinkKind.REFERENCE, "B"),
        (29, LinkKind.REFERENCE, "H"),
        (35, LinkKind.REFERENCE_IMAGE, "J"),
        (52, LinkKind.REFERENCE, "N"),  # the `!` is escaped: a plain reference
    ]
    assert [link.url for link in document.links] == ["https://example.test/l", "q.png"]


def test_duplicate_definition_first_wins_and_later_is_unused() -> None:
    text = "[x]\n\n[x]: first.md\n[X]: second.md\n"
    document = extract_text(text, "f.md")
    assert [link.url for link in document.links] == ["first.md"]
    assert [d.url for d in document.unused_definitions] == ["second.md"]


def test_anchors_from_headings_and_html() -> None:
    document = extract_file(f"{FIXTURES}/kinds.md")
    assert {"every-kind-of-link", "inline", "references", "block-anchor", "named-anchor"} <= set(
        document.anchors
    )
    assert extract_file(f"{FIXTURES}/other.md").anchors == {
        "other-page",
        "part-two",
        "part-two-1",
        "Custom-ID",
    }


def test_front_matter_is_parsed_not_scanned() -> None:
    document = extract_file(f"{FIXTURES}/kinds.md")
    assert document.front_matter == {
        "title": "Every kind of link",
        "homepage": "https://Example.TEST/home",
        "links": [{"name": "docs", "url": "https://example.test/a/../docs"}],
        "count": 3,
    }
    # The `---` block is not markdown: no setext heading, no hr, no anchors from it.
    assert "title-every-kind-of-link" not in document.anchors


def test_nothing_from_code() -> None:
    text = (
        "`[a](x.md)` and ``<https://example.test/a>``\n\n"
        "```md\n[b](y.md) https://example.test/b\n```\n\n"
        "    [c](z.md)\n\n"
        "~~~\n<a href='w.md'>w</a>\n~~~\n"
    )
    assert extract_text(text, "f.md").links == ()


def test_empty_text_has_no_links() -> None:
    document = extract_text("", "empty.md")
    assert document.links == () and document.diagnostics == () and document.line_count == 0


# -- the real curriculum -----------------------------------------------------------------


def _link_at(path: str, line: int, column: int):
    matches = [
        link for link in extract_file(path).links if (link.line, link.column) == (line, column)
    ]
    assert len(matches) == 1, f"{path}:{line}:{column}: {matches}"
    return matches[0]


@pytest.mark.parametrize(
    ("path", "line", "column", "kind", "url"),
    [
        (f"{CURRICULUM}/mlops-study-resources.md", 3, 1, "inline", "#table-of-contents"),
        (f"{CURRICULUM}/mlops-study-resources.md", 4, 3, "inline", "#books"),
        (
            f"{CURRICULUM}/mlops-study-resources.md",
            12,
            42,
            "inline",
            "https://huyenchip.com/mlops/",
        ),
        (f"{CURRICULUM}/mlops-study-resources.md", 13, 4, "bare", "https://huyenchip.com/mlops/"),
        (f"{CURRICULUM}/mlops-study-resources.md", 15, 15, "bare", "https://roadmap.sh/mlops"),
        (
            f"{CURRICULUM}/mlops-study-resources.md",
            17,
            1,
            "image",
            "Data/Interview/MLOPs/mlops_page-0001.jpg",
        ),
        (
            f"{CURRICULUM}/mlops-study-resources.md",
            49,
            101,
            "inline",
            "https://git-scm.com/book/ms/v2/Getting-Started-About-Version-Control",
        ),
        (
            f"{CURRICULUM}/mlops-roadmap-2024.md",
            71,
            308,
            "bare",
            "https://learngitbranching.js.org/",
        ),
        (f"{CURRICULUM}/00-prerequisites.md", 234, 75, "inline", "./01-mlops-fundamentals.md"),
        (f"{CURRICULUM}/getting-started.md", 186, 63, "inline", "./01-mlops-fundamentals.md"),
        (
            f"{CURRICULUM}/mlops-engineer-skillset.md",
            9,
            1,
            "inline",
            "https://medium.com/marvelous-mlops/mlops-roadmap-2024-ff4216b8bc62",
        ),
    ],
)
def test_positions_on_the_curriculum(
    path: str, line: int, column: int, kind: str, url: str
) -> None:
    link = _link_at(path, line, column)
    assert (str(link.kind), link.url) == (kind, url)
    source_line = Path(path).read_text(encoding="utf-8").splitlines()[line - 1]
    assert source_line[column - 1] in "[!<" or source_line[column - 1 :].startswith(url)


def test_several_links_on_one_line_get_their_own_columns() -> None:
    links = [
        link
        for link in extract_file(f"{CURRICULUM}/mlops-roadmap-2024.md").links
        if link.line == 14
    ]
    source = (
        Path(f"{CURRICULUM}/mlops-roadmap-2024.md").read_text(encoding="utf-8").splitlines()[13]
    )
    assert len(links) == 4
    for link in links:
        assert source[link.column - 1 :].startswith(f"[{link.text}]({link.url})")


@pytest.mark.parametrize(
    ("path", "line", "section"),
    [
        # `**Week 1: ...**` is a bold list item, not a heading: the section is the `##` heading.
        (
            f"{CURRICULUM}/getting-started.md",
            164,
            "Getting Started with MLOps Engineering > Getting Started Action Plan",
        ),
        (
            f"{CURRICULUM}/00-prerequisites.md",
            14,
            "Prerequisites for MLOps Engineering > Software Engineering Foundation",
        ),
        (
            f"{CURRICULUM}/mlops-roadmap-2024.md",
            9,
            "MLOps Roadmap 2024 > 1. Programming > 1.1. Python & IDEs",
        ),
        (f"{CURRICULUM}/mlops-study-resources.md", 3, "MLOps"),
        (f"{CURRICULUM}/mlops-study-resources.md", 24, "MLOps > Books"),
        (
            f"{CURRICULUM}/mlops-study-resources.md",
            49,
            "MLOps > Topics to Study to Become a Machine Learning Engineer"
            " > Path to Becoming a Machine Learning Engineer",
        ),
        (f"{CURRICULUM}/mlops-engineer-skillset.md", 9, ""),
    ],
)
def test_sections_on_the_curriculum(path: str, line: int, section: str) -> None:
    sections = {link.section for link in extract_file(path).links if link.line == line}
    assert sections == {section}


def test_curriculum_extracts_well_under_a_second() -> None:
    paths = sorted(str(p.relative_to(ROOT)) for p in (ROOT / CURRICULUM).glob("*.md"))
    started = time.perf_counter()
    documents = [extract_file(path) for path in paths]
    elapsed = time.perf_counter() - started
    assert sum(len(d.links) for d in documents) == 213
    assert elapsed < 1.0


# -- the CLI ----------------------------------------------------------------------------------


def test_cli_extract_prints_position_kind_and_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", f"{CURRICULUM}/mlops-study-resources.md"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 34
    assert lines[0] == f"{CURRICULUM}/mlops-study-resources.md:3:1\tinline\t#table-of-contents"
    assert f"{CURRICULUM}/mlops-study-resources.md:15:15\tbare\thttps://roadmap.sh/mlops" in lines


def test_cli_extract_json_is_one_link_record_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--json", f"{FIXTURES}/kinds.md"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["kind"] for r in records} == {str(kind) for kind in LinkKind}
    first = records[0]
    assert set(first) == {
        "file",
        "line",
        "column",
        "url",
        "resolved_url",
        "text",
        "kind",
        "section",
        "key",
    }
    assert first["kind"] == "front-matter" and first["key"] == "homepage"


def test_cli_extract_reports_bad_files_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_bytes(b"[x](https://example.test/a)\n\xff\n")
    Path("b.md").write_bytes(b"\x00\x01binary")
    Path("c.md").write_text("[y](y.md)\n", encoding="utf-8")
    assert main(["extract", "."]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "a.md:1:1\tinline\thttps://example.test/a",
        "c.md:1:1\tinline\ty.md",
    ]
    assert "a.md:2: not valid UTF-8" in captured.err
    assert "b.md: binary file, skipped" in captured.err


@pytest.mark.parametrize(
    "text",
    [
        "-\tTab-indented item [t](u.md)\n",
        "- item\n\n\t![i](u.md) continued with a tab\n",
        "> quote\n>\t[t](u.md)\n",
        "1. one\n   - two\n     - three [t](u.md)\n",
        "Para\nlazy continuation [t](u.md)\n",
        "# Heading [t](u.md) ##\n",
        "Setext [t](u.md)\n===\n",
    ],
)
def test_columns_point_at_the_link_in_nested_and_tabbed_blocks(text: str) -> None:
    [link] = extract_text(text, "f.md").links
    line = text.split("\n")[link.line - 1]
    assert line[link.column - 1 :].startswith(("[t](u.md)", "![i](u.md)"))


# -- resolution (urls.py) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "resolved"),
    [
        # remote: WHATWG, as a browser and lychee resolve it
        ("HTTPS://Example.TEST:443/a/./b/../c", "https://example.test/a/c"),
        ("http://example.test:80", "http://example.test/"),
        ("https://example.test:8443/x", "https://example.test:8443/x"),
        ("https://bücher.example.test/straße", "https://xn--bcher-kva.example.test/stra%C3%9Fe"),
        (
            "https://example.test/a b?q=x y#Frag ment",
            "https://example.test/a%20b?q=x%20y#Frag%20ment",
        ),
        ("//cdn.example.test/lib.js", "https://cdn.example.test/lib.js"),
        ("http://[bad", "http://[bad"),  # malformed: kept as written, never an exception
        # local: relative to the linking file, percent-decoded, fragment kept
        ("other.md", "docs/guide/other.md"),
        ("./other.md#Part-Two", "docs/guide/other.md#Part-Two"),
        ("../README.md", "docs/README.md"),
        ("../../../up.md", "../up.md"),
        ("my%20file.md?plain=1#x", "docs/guide/my file.md#x"),
        ("/root.md", "root.md"),  # repository root = working directory
        ("#section", "docs/guide/page.md#section"),
        ("#", "docs/guide/page.md"),
        ("", "docs/guide/page.md"),
        # other schemes: as written
        ("mailto:Me@Example.test", "mailto:Me@Example.test"),
        ("tel:+1-555-0100", "tel:+1-555-0100"),
        ("ftp://files.example.test/x", "ftp://files.example.test/x"),
    ],
)
def test_resolve(written: str, resolved: str) -> None:
    assert resolve(written, "docs/guide/page.md") == resolved


@pytest.mark.parametrize(
    ("resolved", "kind"),
    [
        ("https://example.test/", TargetKind.REMOTE),
        ("http://[bad", TargetKind.INVALID),
        ("HTTP://[bad", TargetKind.INVALID),
        ("docs/x.md#y", TargetKind.LOCAL),
        ("mailto:me@example.test", TargetKind.SKIPPED),
        ("TEL:+1", TargetKind.SKIPPED),
        ("javascript:void(0)", TargetKind.UNSUPPORTED),
        ("data:text/plain,x", TargetKind.UNSUPPORTED),
    ],
)
def test_target_kind(resolved: str, kind: TargetKind) -> None:
    assert target_kind(resolved) is kind


def test_image_inside_link_counts_but_nothing_inside_alt_text() -> None:
    badge = extract_text(
        "[![build](https://ci.example.test/badge.svg)](https://ci.example.test/)", "f.md"
    )
    assert [(link.column, str(link.kind), link.url) for link in badge.links] == [
        (1, "inline", "https://ci.example.test/"),
        (2, "image", "https://ci.example.test/badge.svg"),
    ]
    alt = extract_text("![see [b](c.md) and https://example.test/ ![x](y.png)](e.png)", "f.md")
    assert [link.url for link in alt.links] == ["e.png"]


@pytest.mark.parametrize(
    ("markdown", "anchor"),
    [
        ("# hello ![x](y)", "hello-"),  # the space before a removed badge stays
        ("# ![x](y) hello", "-hello"),
        ("# a <!-- b --> c", "a--c"),
        ("# a <!-- b -->", "a-"),
        ("# [Docs](https://example.test) ✨", "docs-"),
        ("# snake_case and ‿ tie", "snake_case-and-‿-tie"),  # connector punctuation stays
        ("# Ⓐ circled, ² and ① go, ٣ and Ⅻ stay", "ⓐ-circled--and--go-٣-and-ⅻ-stay"),
        ("# `code` &amp; more", "code--more"),
        ("Two\nlines\n===", "twolines"),  # the line break is a newline in the HTML: dropped
    ],
)
def test_heading_anchor_as_github_renders_it(markdown: str, anchor: str) -> None:
    assert extract_text(markdown + "\n", "a.md").anchors == {anchor}


def test_deep_nesting_as_github_renders_it() -> None:
    """markdown-it's own limit (20) drops the links of a 10-level list or 20 quotes."""
    ten_levels = "".join("  " * i + f"- [l{i}](https://example.test/{i})\n" for i in range(10))
    quotes = "> " * 40 + "[q](https://example.test/q)\n"
    mixed = "".join("  " * i + f"- > [m{i}](m{i}.md)\n" for i in range(12))
    for text, count in ((ten_levels, 10), (quotes, 1), (mixed, 12)):
        document = extract_text(text, "a.md")
        assert len(document.links) == count
        assert document.diagnostics == ()


def test_nesting_up_to_the_limit_is_read_without_a_diagnostic() -> None:
    document = extract_text("> " * 99 + "[q](https://example.test/q)\n", "a.md")
    assert (len(document.links), document.diagnostics) == (1, ())
    deeper = extract_text("> " * 100 + "[q](https://example.test/q)\n", "a.md")
    assert (len(deeper.links), [d.code for d in deeper.diagnostics]) == (0, ["too-deep"])
    in_parts = extract_text("[a](b)\n\n" * 30 + "> " * 100 + "[q](r)\n", "a.md", chunk_lines=20)
    assert [(d.code, d.line) for d in in_parts.diagnostics] == [("too-deep", 61)]


def test_nesting_beyond_the_limit_is_said_not_dropped_silently() -> None:
    document = extract_text("# Deep\n\n" + "> " * 300 + "[q](https://example.test/q)\n", "a.md")
    assert [(d.code, d.line) for d in document.diagnostics] == [("too-deep", 3)]
    assert "not read" in document.diagnostics[0].message
    brackets = extract_text("[" * 3000 + "a" + "]" * 3000 + "(u)\n" + "[ok](v)\n", "a.md")
    assert [link.url for link in brackets.links][-1] == "v"  # no crash, the rest is read
