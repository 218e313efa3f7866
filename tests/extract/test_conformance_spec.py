"""Spec conformance: every link target a spec example renders is the one extraction finds.

For each example of the CommonMark 0.31.2 spec, the GFM 0.29 spec and cmark-gfm's extension
tests (tests/conformance/spec/, see SOURCE there), the targets of the expected HTML (href of
each <a>, src of each <img>, in document order) are compared with the `resolved_url` of every
link extraction finds in the example's markdown, both sides resolved the same way
(`urls.resolve`): remote targets as the WHATWG URL a browser requests, local ones as a path.

GitHub renders with the autolink extension on, which the core examples' expected HTML does
not: the few examples whose rendering it changes carry GitHub's targets in AUTOLINKED.
Examples that cannot apply to link extraction are listed in EXCLUDED, each with its reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from locations import TESTS

from linkcheck.extract import extract_text
from linkcheck.urls import resolve

SPEC_DIR = TESTS / "conformance" / "spec"
SPECS = {
    "commonmark": "commonmark-0.31.2-examples.txt",
    "gfm": "gfm-0.29-examples.txt",
    "extensions": "cmark-gfm-extensions-examples.txt",
}
SOURCE_FILE = "docs/page.md"  # where each example is taken to live
_FENCE = "`" * 32

# The core examples' expected HTML is rendered without GitHub's autolink extension. With it on
# (as GitHub renders), cmark-gfm (0.29.0.gfm.13, checked with cmarkgfm 2025.10.22) also links
# these bare URLs and addresses; these are its targets.
AUTOLINKED: dict[tuple[str, int], list[str]] = {
    # `<https://foo.bar/baz bim>`: not an autolink (space), but the URL in it is a bare link
    ("commonmark", 602): ["https://foo.bar/baz"],
    ("gfm", 610): ["http://foo.bar/baz"],
    # `<foo\+@bar.example.com>`: the address is read after the escape is decoded
    ("commonmark", 606): ["mailto:foo+@bar.example.com"],
    ("gfm", 614): ["mailto:foo+@bar.example.com"],
    # `< https://foo.bar >`: not an autolink (spaces), a bare link inside
    ("commonmark", 608): ["https://foo.bar"],
    ("gfm", 616): ["http://foo.bar"],
    # bare URL and bare address in prose
    ("commonmark", 611): ["https://example.com"],
    ("gfm", 619): ["http://example.com"],
    ("commonmark", 612): ["mailto:foo@bar.example.com"],
    ("gfm", 620): ["mailto:foo@bar.example.com"],
}

# Examples whose expected links cannot apply to what a reader can follow; keep this short.
EXCLUDED: dict[tuple[str, int], str] = {
    # Footnote references and back-references (`#fn1`, `#fnref1`) are links the renderer
    # generates between ids it generates itself; the example holds no link its author wrote,
    # and nothing a writer can break. (GitHub also prefixes and renames those ids.)
    ("extensions", 23): "generated footnote links",
}


@dataclass(frozen=True)
class Example:
    spec: str
    number: int
    section: str
    markdown: str
    html: str

    @property
    def id(self) -> str:
        return f"{self.spec}-{self.number}"


def read_examples(spec: str) -> list[Example]:
    """The examples of one spec file, numbered and read as the specs' own spec_tests.py do
    (`→` stands for a tab); `example disabled` ones and `<IGNORE>` outputs are left out."""
    examples: list[Example] = []
    state, number, section = 0, 0, ""
    markdown: list[str] = []
    html: list[str] = []
    info = ""
    for line in (SPEC_DIR / SPECS[spec]).read_text(encoding="utf-8").splitlines(keepends=True):
        bare = line.rstrip("\n")
        if state == 0 and bare.startswith(_FENCE + " example"):
            state, markdown, html, info = 1, [], [], bare[len(_FENCE) + 8 :]
        elif state == 0 and re.match(r"#+ ", bare):
            section = bare.lstrip("#").strip()
        elif state == 1 and bare == ".":
            state = 2
        elif state == 1:
            markdown.append(line)
        elif state == 2 and bare == _FENCE:
            state, number = 0, number + 1
            text, out = "".join(markdown), "".join(html)
            if "disabled" not in info.split() and out.strip() != "<IGNORE>":
                examples.append(
                    Example(spec, number, section, text.replace("→", "\t"), out.replace("→", "\t"))
                )
        elif state == 2:
            html.append(line)
    return examples


class _Targets(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "img": "src"}.get(tag)
        values = dict(attrs)
        if wanted and wanted in values:
            self.targets.append(values[wanted] or "")

    handle_startendtag = handle_starttag


def html_targets(html: str) -> list[str]:
    """href of each <a> and src of each <img> of rendered HTML, entities decoded, in order."""
    parser = _Targets()
    parser.feed(html)
    parser.close()
    return parser.targets


def expected_targets(example: Example) -> list[str]:
    hrefs = AUTOLINKED.get((example.spec, example.number)) or html_targets(example.html)
    return [resolve(href, SOURCE_FILE) for href in hrefs]


def found_targets(example: Example) -> list[str]:
    return [link.resolved_url for link in extract_text(example.markdown, SOURCE_FILE).links]


ALL_EXAMPLES = [example for spec in SPECS for example in read_examples(spec)]


def test_every_example_is_read() -> None:
    counts = {spec: sum(e.spec == spec for e in ALL_EXAMPLES) for spec in SPECS}
    # 652 CommonMark examples; GFM's 673 less its 2 disabled; 28 extension tests less 1 <IGNORE>
    assert counts == {"commonmark": 652, "gfm": 671, "extensions": 27}
    assert {key for key in AUTOLINKED} | {key for key in EXCLUDED} <= {
        (e.spec, e.number) for e in ALL_EXAMPLES
    }


@pytest.mark.parametrize(
    "example",
    [e for e in ALL_EXAMPLES if (e.spec, e.number) not in EXCLUDED],
    ids=lambda e: e.id,
)
def test_spec_example_links(example: Example) -> None:
    assert found_targets(example) == expected_targets(example), (
        f"{example.id} [{example.section}]\n{example.markdown}"
    )


def test_excluded_examples_still_differ() -> None:
    """An exclusion that no longer differs is stale: it must be removed from the list."""
    for spec, number in EXCLUDED:
        example = next(e for e in ALL_EXAMPLES if (e.spec, e.number) == (spec, number))
        assert found_targets(example) != expected_targets(example), example.id


def test_linkcheck_extract_reports_the_same_targets(tmp_path, monkeypatch, capsys) -> None:
    """The CLI's `linkcheck extract --json` on example files gives what extraction gives."""
    from linkcheck.cli import main

    monkeypatch.chdir(tmp_path)
    chosen = [e for e in ALL_EXAMPLES if e.spec == "gfm" and e.section.startswith("Autolinks")]
    (tmp_path / "docs").mkdir()
    for example in chosen:
        (tmp_path / "docs" / f"{example.id}.md").write_text(example.markdown, encoding="utf-8")
    assert main(["extract", "--json", "docs"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for example in chosen:
        name = f"docs/{example.id}.md"
        found = [r["resolved_url"] for r in records if r["file"] == name]
        expected = [resolve(t, name) for t in
                    (AUTOLINKED.get((example.spec, example.number)) or html_targets(example.html))]
        assert found == expected, example.id
