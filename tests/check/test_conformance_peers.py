"""Peers' fixtures give their expected results where they map onto linkcheck's behaviour.

Each peer's fixture tree (tests/conformance/peers/, see SOURCE there) is copied to a temporary
folder, which becomes the repository root, and checked offline with `linkcheck run`. Every
local link the report lists must be in EXPECTED, with the verdict the peer's own tests expect
(broken for what they report, ok for what they accept), or in UNMAPPED with the reason the
peer's expectation does not apply. Remote links that would be fetched are left alone
(offline: unchecked); placeholders and private addresses are judged without a request.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linkcheck import cli
from linkcheck.extract.slug import Slugger

PEERS = Path(__file__).parents[1] / "conformance" / "peers"

# -- markdown-link-check: test/markdown-link-check.test.js ('check hash links', 'should check
# section links to headers in section-links.md', '... in file.md', '... in local-file.md' with
# `/` replaced by the repository root); (alive)/(dead) are also written beside each link.
MARKDOWN_LINK_CHECK = [
    "test/file.md:6 ok hello.jpg",
    "test/file.md:7 broken goodbye.jpg",
    "test/hash-links.md:30 ok #foo",
    "test/hash-links.md:34 ok #bar",
    "test/hash-links.md:36 broken #does-not-exist",
    "test/hash-links.md:40 broken #potato",
    "test/hash-links.md:42 ok #tomato_id",
    "test/hash-links.md:44 ok #tomato_name",
    "test/hash-links.md:46 ok #tomato_id_single_quote",
    "test/hash-links.md:48 ok #tomato_name_single_quote",
    "test/hash-links.md:50 broken #tomato_code",
    "test/hash-links.md:52 ok #tomato_escaped_backticks",
    "test/hash-links.md:54 broken #tomato_comment",
    "test/hash-links.md:56 ok #onion",
    "test/hash-links.md:58 ok #onion_outer",
    "test/hash-links.md:60 ok #onion_inner",
    "test/hash-links.md:64 ok #header-with-special-char-at-end-",
    "test/hash-links.md:68 ok #header-with-multiple-special-chars-at-end-",
    "test/hash-links.md:72 ok #header-with-special--char",
    "test/hash-links.md:76 ok #header-with-multiple-special--chars",
    "test/hash-links.md:80 ok #header-with-german-umlaut-ö",
    "test/hash-links.md:84 ok #header-with-german-umlaut-%C3%B6-manual-encoded-link",
    "test/hash-links.md:88 ok #heading-with-a-link",
    "test/hash-links.md:90 ok #foo",
    "test/hash-links.md:92 ok #heading-with-an-anchor-link",
    "test/hash-links.md:96 ok #--docker",
    "test/hash-links.md:100 ok #step-7---lint--test",
    "test/hash-links.md:104 ok #product-owner--design-approval",
    "test/hash-links.md:110 ok #migrating-from--v1180",
    "test/hash-links.md:116 ok #clientserver-examples-using--networkpeer",
    "test/hash-links.md:118 ok #somewhere",
    "test/hash-links.md:120 ok #this-header-is-linked",
    "test/hash-links.md:128 ok #l-is-the-package-in-the-linux-distro-base-image",
    "test/local-file.md:5 ok /test/hello.jpg",
    "test/local-file.md:7 ok hello.jpg",
    "test/local-file.md:8 ok ./hello.jpg",
    "test/local-file.md:9 broken /test/goodbye.jpg",
    "test/local-file.md:10 broken /hello.jpg",
    "test/section-links.md:18 ok #level-two-heading",
    "test/section-links.md:20 broken #level-two-headingg",
    "test/section-links.md:22 ok #level-four-heading",
    "test/section-links.md:24 ok #test-same-name-repeating",
    "test/section-links.md:26 ok #test-same-name-repeating-1",
    "test/section-links.md:28 broken #test-same-name-repeating-2",
    "test/section-links.md:30 broken #this-is-a-comment-in-a-code-block",
]
MARKDOWN_LINK_CHECK_UNMAPPED = {
    "test/file.md:5": "%%BASE_URL%% is replaced by a test server URL in the peer's test",
    "test/local-file.md:6": "%%BASE_URL%% is replaced by a test server URL in the peer's test",
    # lines under the peer's own `markdown-link-check-disable` comments
    "test/file.md:10": "markdown-link-check's suppression comments",
    "test/file.md:13": "markdown-link-check's suppression comments",
    "test/file.md:14": "markdown-link-check's suppression comments",
    "test/file.md:16": "markdown-link-check's suppression comments",
    "test/local-file.md:15": "markdown-link-check's suppression comments",
    "test/local-file.md:18": "markdown-link-check's suppression comments",
    "test/local-file.md:19": "markdown-link-check's suppression comments",
    "test/local-file.md:21": "markdown-link-check's suppression comments",
}

# -- remark-validate-links: test/index.js, run in test/fixtures with a repository (`/` is the
# fixtures folder): each warning is broken here, every other local link ok. The peer reports
# a broken definition's use on the definition line; linkcheck reports the use.
REMARK_VALIDATE_LINKS = [
    "case-insensitive-headings.md:3 ok #HELLO",
    "case-insensitive-headings.md:5 broken #WORLD",
    "case-insensitive-headings.md:7 ok examples/github.md#HELLO",
    "case-insensitive-headings.md:9 broken examples/github.md#WORLD",
    "definitions.md:3 ok #hello",
    "definitions.md:5 broken #world",
    "examples/github.md:3 ok #hello",
    "examples/github.md:5 broken #world",
    "examples/github.md:13 ok ../github.md",
    "examples/github.md:19 broken ../world.md",
    "examples/github.md:23 ok ../github.md#hello",
    "examples/github.md:29 broken ../github.md#world",
    "examples/github.md:35 broken ../world.md#hello",
    "file-as-folder.md:1 broken file-as-folder.md/other",
    "folder.md:5 ok ./folder/readme.markdown#this",
    "folder.md:7 ok ./folder/readme.markdown#that",
    "folder.md:9 broken ./folder/readme.markdown#missing",
    "folder.md:13 ok ./folder#this",
    "folder.md:15 ok ./folder#that",
    "folder.md:17 broken ./folder#missing",
    "folder.md:21 broken ./missing#missing",
    "folder.md:23 broken ./folder-without-readme#missing",
    "github.md:3 ok #hello",
    "github.md:5 broken #world",
    "github.md:11 ok /examples/github.md",
    "github.md:15 ok ./examples/github.md",
    "github.md:17 ok examples/github.md",
    "github.md:23 broken /examples/world.md",
    "github.md:27 broken ./examples/world.md",
    "github.md:29 broken examples/world.md",
    "github.md:33 ok ./examples/github.md#hello",
    "github.md:35 ok examples/github.md#hello",
    "github.md:41 broken ./examples/github.md#world",
    "github.md:43 broken examples/github.md#world",
    "github.md:49 broken ./examples/world.md#hello",
    "github.md:51 broken examples/world.md#hello",
    "image-alts.md:7 ok #electricitymap---",
    "image-alts.md:8 ok #hello-",
    "image-alts.md:9 ok #hello2-",
    "images.md:5 ok ./examples/image.jpg",
    "images.md:7 ok examples/image.jpg",
    "images.md:11 ok ./examples/image.jpg",
    "images.md:17 ok ./examples/image.jpg#metadata",
    "images.md:21 broken ./examples/missing.jpg",
    "images.md:23 broken examples/missing.jpg",
    "images.md:27 broken ./examples/missing.jpg",
    "line-links.md:3 ok ./examples/example.js#L1",
    "line-links.md:5 broken ./examples/missing.js#L1",
    "query-params.md:3 ok ?foo=bar#query-params",
    "query-params.md:5 ok ./examples/image.jpg?foo=bar",
    "query-params.md:7 ok ./examples/image.jpg?foo=bar#client-params",
    "query-params.md:9 ok ./examples/github.md?foo=bar",
    "query-params.md:11 broken #query-params?",
    "small.md:3 ok #hello",
    "small.md:5 broken #world",
    "suggestions.md:3 broken #helloo",
    "suggestions.md:7 broken github.md#fiiiles",
    "weird-characters.md:3 ok ./examples/weird%23characters.md",
    "weird-characters.md:5 ok ./examples/weird%23character/readme.md",
    "weird-characters.md:7 ok ./examples/weird%23characters.md#hello",
    "weird-characters.md:9 ok ./examples/weird%23character/readme.md#hello",
    "weird-characters.md:11 broken ./examples/missing%23characters.md",
    "weird-characters.md:13 broken ./examples/missing%23character/readme.md",
    "weird-characters.md:15 broken ./examples/weird%23characters.md#world",
    "weird-characters.md:17 broken ./examples/weird%23character/readme.md#world",
    # external links, which the peer ignores: placeholders, never requested
    "github.md:63 skipped http://example.com",
    "github.md:65 skipped http://example.com/foo/bar/baz",
    # 'should support landmarks and references to prototypal values'
    "_generated_proto.md:4 ok #__proto__",
    "_generated_proto.md:4 ok #constructor",
    "_generated_proto.md:4 ok #toString",
    # 'should slug headings with HTML correctly'
    "_generated_html.md:4 ok #a--c",
    "_generated_html.md:4 ok #a-",
    "_generated_html.md:4 ok #a",
]
REMARK_VALIDATE_LINKS_UNMAPPED = {
    # ../index.js leaves the repository: the peer accepts any file on disk, GitHub cannot
    # show it (linkcheck: broken, outside the repository)
    "github.md:19": "target outside the repository root",
    "github.md:61": "irc: is external to the peer; linkcheck reports schemes it cannot follow",
    # the peer takes #readme for GitHub's README landmark in every file
    "github.md:71": "GitHub's #readme landmark of a repository's front page",
}
REMARK_GENERATED = {
    "_generated_proto.md": "# \\_\\_proto__\n# constructor\n# toString\n"
    "[](#__proto__), [](#constructor), [](#toString)\n",
    "_generated_html.md": "# a <!-- b --> c\n# a <!-- b -->\n# a\n[](#a--c) [](#a-), [](#a)\n",
}

# -- lychee: lychee-bin/tests/cli.rs test_fragments (expected_successes, expected_failures).
LYCHEE = [
    "file1.md:7 ok #fragment-2",
    "file1.md:11 ok file2.md#fragment-1",
    "file1.md:15 broken #missing-fragment",
    "file1.md:17 broken file2.md#missing-fragment",
    "file1.md:21 ok #code-heading",
    "file1.md:29 ok #explicit-fragment",
    "file1.md:31 ok file.html#a-word",
    "file1.md:39 ok #kebab-case-fragment",
    "file1.md:41 ok #kebab-case-fragment-1",
    "file1.md:45 ok empty_file#fragment",
    "file1.md:49 ok #IGNORE-CASING",
    "file1.md:53 ok #fünf-süße-äpfel",
    "file1.md:54 ok #fünf-sÜße-Äpfel",
    "file1.md:55 ok #f%C3%BCnf-s%C3%BC%C3%9Fe-%C3%A4pfel",
    "file1.md:62 ok file2.md#",
    "file1.md:63 ok file2.md#top",
    "file1.md:73 ok sub_dir/",
    "file1.md:74 ok sub_dir",
    "file1.md:76 broken sub_dir/#a-link-inside-index-html-inside-sub-dir",
    "file1.md:77 broken sub_dir#a-link-inside-index-html-inside-sub-dir",
    "file1.md:79 broken sub_dir/#non-existing-fragment-1",
    "file1.md:80 broken sub_dir#non-existing-fragment-2",
    "file1.md:82 broken sub_dir_non_existing_1/",
    "file1.md:83 broken sub_dir_non_existing_2",
    "file1.md:85 ok empty_dir/",
    "file1.md:86 ok empty_dir",
    "file1.md:88 broken empty_dir/#non-existing-fragment-3",
    "file1.md:89 broken empty_dir#non-existing-fragment-4",
    "file1.md:101 ok zero.bin",
    "file1.md:102 ok zero.bin#",
    "file1.md:111 ok zero.bin#fragment",
    "file2.md:9 ok file1.md#lets-wear-a-hat-être",
]
# lychee-bin/tests/cli.rs test_exclude_all_private (all 7 excluded), test_verbatim_skipped_by_
# default (no link in code), test_stylesheet_misinterpreted_as_email (no link at all),
# test_email_markdown_with_subject (the mailto: URL with its query, as written).
LYCHEE_OTHERS = [
    "TEST_ALL_PRIVATE.md:3 skipped http://127.0.0.1",
    "TEST_ALL_PRIVATE.md:4 skipped http://169.254.0.1",
    "TEST_ALL_PRIVATE.md:5 skipped https://169.254.10.1:8080",
    "TEST_ALL_PRIVATE.md:6 skipped http://10.0.1.1",
    "TEST_ALL_PRIVATE.md:7 skipped http://172.16.42.42",
    "TEST_ALL_PRIVATE.md:8 skipped http://192.168.10.1",
    "TEST_EMAIL_QUERY_PARAMS.md:1 skipped mailto:hello@example.org?subject=%5BHello%5D",
]
LYCHEE_OTHERS_UNMAPPED = {
    # GitHub writes the href of [IPV6 Address](http://[::1]) as http://%5B::1%5D, which no
    # browser can open: broken (invalid URL) for its readers, not a private address to skip
    "TEST_ALL_PRIVATE.md:12": "GitHub's href for an IPv6 literal is not a URL",
}
LYCHEE_UNMAPPED = {
    # `{#custom-id}` heading attributes are lychee's; GitHub renders them as text, so the
    # heading's anchor is some-other-heading-with-custom-id-custom-id (linkcheck: broken)
    "file1.md:35": "heading attributes, which GitHub does not support",
}

# -- linkinator: test/test.index.ts ('should handle markdown', 'should support directory
# index') and test/test.cli.ts (localbroke).
LINKINATOR = [
    "directoryIndex/README.md:1 ok dir1/",
    "directoryIndex/README.md:1 ok dir2/",
    "localbroke/README.md:3 broken /test",
    "markdown/README.md:2 ok LICENSE.md",
    "markdown/README.md:5 ok boo.jpg",
    "markdown/deep/deep.md:4 ok ../LICENSE.md",
    "markdown/unlinked.md:4 ok LICENSE.md",
]

CASES = {
    "markdown-link-check": (
        "markdown-link-check",
        ["test/hash-links.md", "test/section-links.md", "test/local-file.md", "test/file.md"],
        MARKDOWN_LINK_CHECK,
        MARKDOWN_LINK_CHECK_UNMAPPED,
    ),
    "remark-validate-links": (
        "remark-validate-links/test/fixtures",
        [
            "github.md", "definitions.md", "small.md", "image-alts.md", "folder.md",
            "weird-characters.md", "case-insensitive-headings.md", "file-as-folder.md",
            "images.md", "query-params.md", "line-links.md", "suggestions.md",
            "examples/github.md", *REMARK_GENERATED,
        ],
        REMARK_VALIDATE_LINKS,
        REMARK_VALIDATE_LINKS_UNMAPPED,
    ),
    "lychee": ("lychee/fixtures/fragments", ["file1.md", "file2.md"], LYCHEE, LYCHEE_UNMAPPED),
    "lychee-others": (
        "lychee/fixtures",
        ["TEST_ALL_PRIVATE.md", "TEST_CODE_BLOCKS.md", "TEST_STYLESHEET_LINK.md",
         "TEST_EMAIL_QUERY_PARAMS.md"],
        LYCHEE_OTHERS,
        LYCHEE_OTHERS_UNMAPPED,
    ),
    "linkinator": (
        "linkinator/test/fixtures",
        [
            "markdown/README.md", "markdown/unlinked.md", "markdown/deep/deep.md",
            "localbroke/README.md", "directoryIndex/README.md",
        ],
        LINKINATOR,
        {},
    ),
}


def _run(root: Path, files: list[str], monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.chdir(root)
    argv = ["run", "--offline", "-q", "--no-cache", "--output-dir", str(root / "_reports")]
    assert cli.main([*argv, *files]) == cli.EXIT_BROKEN  # every peer has broken links
    report = json.loads((root / "_reports" / "linkcheck.json").read_text(encoding="utf-8"))
    return report["links"]


@pytest.mark.parametrize("peer", sorted(CASES))
def test_peer_fixtures(peer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, files, expected, unmapped = CASES[peer]
    shutil.copytree(PEERS, tmp_path / "peers")
    root = tmp_path / "peers" / folder
    if peer == "remark-validate-links":
        for name, text in REMARK_GENERATED.items():
            (root / name).write_text(text, encoding="utf-8")
    links = _run(root, files, monkeypatch)
    found = {
        f"{link['file']}:{link['line']} {link['status']} {link['url']}"
        for link in links
        if link["status"] != "unchecked" and f"{link['file']}:{link['line']}" not in unmapped
    }
    assert found == set(expected)
    places = {f"{link['file']}:{link['line']}" for link in links}
    assert set(unmapped) <= places, "an unmapped entry names no link: remove it"


def test_github_slugger_fixtures() -> None:
    """github-slugger's own fixtures (test/fixtures.json, made from GitHub's rendering), in
    order through one slugger, as its test/index.js runs them."""
    fixtures = json.loads((PEERS / "github-slugger" / "fixtures.json").read_text("utf-8"))
    slugger = Slugger()
    results = [(f["name"], slugger.slug(f["input"])) for f in fixtures]
    assert results == [(f["name"], f["expected"]) for f in fixtures]
    assert len(fixtures) == 78
