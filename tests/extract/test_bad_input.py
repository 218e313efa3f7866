"""Bad input: each problem is a Diagnostic naming the file (and line), and the run goes on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from locations import ROOT

from linkcheck.cli import main
from linkcheck.config import ConfigError
from linkcheck.discover import discover
from linkcheck.extract import extract_file


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_non_utf8_is_reported_at_its_line_and_still_extracted() -> None:
    Path("latin1.md").write_bytes(
        b"# Caf\xc3\xa9\n\n[before](https://example.test/a)\nna\xefve text\n[after](b.md)\n"
    )
    document = extract_file("latin1.md")
    [diagnostic] = document.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.code) == ("latin1.md", 4, "decode-error")
    assert "byte 0xef at line 4" in diagnostic.message
    assert [(link.line, link.url) for link in document.links] == [
        (3, "https://example.test/a"),
        (5, "b.md"),
    ]


def test_byte_order_mark_and_crlf_are_not_problems() -> None:
    Path("bom.md").write_bytes(
        "\ufeff# Title\r\n\r\nSee [x](y.md) and https://example.test/\r\n".encode()
    )
    document = extract_file("bom.md")
    assert document.diagnostics == ()
    assert [(link.line, link.column) for link in document.links] == [(3, 5), (3, 19)]
    assert "title" in document.anchors


def test_invalid_yaml_front_matter_names_the_line_and_the_rest_is_extracted() -> None:
    Path("fm.md").write_text(
        "---\ntitle: ok\nurl: [unclosed\nother: x\n---\n# Body\n[link](https://example.test/)\n",
        encoding="utf-8",
    )
    document = extract_file("fm.md")
    [diagnostic] = document.diagnostics
    assert (diagnostic.file, diagnostic.code) == ("fm.md", "front-matter")
    assert diagnostic.line is not None and 3 <= diagnostic.line <= 5
    assert diagnostic.message.startswith("invalid YAML front matter")
    assert document.front_matter is None
    assert [link.url for link in document.links] == ["https://example.test/"]
    assert "body" in document.anchors


def test_front_matter_that_is_not_a_mapping() -> None:
    Path("list.md").write_text("---\n- a\n- b\n---\n[x](y.md)\n", encoding="utf-8")
    document = extract_file("list.md")
    assert [(d.line, d.code) for d in document.diagnostics] == [(2, "front-matter")]
    assert [link.url for link in document.links] == ["y.md"]


@pytest.mark.parametrize(
    "yaml_text",
    [
        'a: &a [*a, "https://x.test/"]',  # an alias inside its own anchor
        # aliases of aliases: 9**9 values from ten short lines ("billion laughs")
        'a: &a ["https://x.test/", 1, 2, 3, 4, 5, 6, 7, 8]\n'
        + "\n".join(f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]"
                    for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
    ],
    ids=["recursive", "exponential"],
)
def test_front_matter_aliases_that_never_end_are_a_diagnostic(yaml_text: str) -> None:
    Path("fm.md").write_text(f"---\n{yaml_text}\n---\n# Body\n[x](y.md)\n", encoding="utf-8")
    started = time.monotonic()
    document = extract_file("fm.md")
    assert time.monotonic() - started < 5
    [diagnostic] = document.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.code) == ("fm.md", 2, "front-matter")
    assert "aliases" in diagnostic.message
    assert [link.url for link in document.links] == ["y.md"]


def test_front_matter_aliases_within_bounds_are_read() -> None:
    Path("fm.md").write_text(
        '---\nhome: &h "https://x.test/"\nmirror: *h\n---\n# Body\n', encoding="utf-8"
    )
    document = extract_file("fm.md")
    assert document.diagnostics == ()
    assert document.front_matter == {"home": "https://x.test/", "mirror": "https://x.test/"}
    assert [link.key for link in document.links] == ["home", "mirror"]


def test_empty_file() -> None:
    Path("empty.md").write_bytes(b"")
    document = extract_file("empty.md")
    assert (document.links, document.diagnostics, document.line_count) == ((), (), 0)


def test_binary_file_named_md_is_skipped() -> None:
    Path("image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR[x](y.md)")
    document = extract_file("image.md")
    assert [(d.file, d.message, d.code) for d in document.diagnostics] == [
        ("image.md", "binary file, skipped", "binary")
    ]
    assert document.links == ()


def test_directory_named_like_markdown() -> None:
    Path("folder.md").mkdir()
    [diagnostic] = extract_file("folder.md").diagnostics
    assert (diagnostic.file, diagnostic.code) == ("folder.md", "unreadable")
    assert "is a directory" in diagnostic.message


def test_dangling_symlink_and_vanished_file() -> None:
    Path("dangling.md").symlink_to("nowhere.md")
    for name in ("dangling.md", "vanished.md"):
        [diagnostic] = extract_file(name).diagnostics
        assert (diagnostic.file, diagnostic.line, diagnostic.code) == (name, None, "unreadable")
        assert "file not found" in diagnostic.message


def test_permission_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("secret.md").write_text("[x](y.md)\n", encoding="utf-8")
    os.chmod("secret.md", 0)
    if os.geteuid() == 0:  # root reads anything: make the read fail the way it would for a user
        original = Path.read_bytes

        def denied(self: Path) -> bytes:
            if self.name == "secret.md":
                raise PermissionError(13, "Permission denied", str(self))
            return original(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    [diagnostic] = extract_file("secret.md").diagnostics
    assert (diagnostic.file, diagnostic.code) == ("secret.md", "unreadable")
    assert diagnostic.message == "cannot read file: permission denied"


@pytest.mark.timeout(30)  # linear extraction takes a few seconds; a quadratic one never ends
def test_a_two_megabyte_file_extracts_whole() -> None:
    # Speed is measured in benchmarks/stages.py; this test holds completeness on a large file.
    page = "\n".join(
        (ROOT / "curriculum" / name).read_text(encoding="utf-8").split("---\n", 2)[-1]
        for name in ("00-prerequisites.md", "mlops-study-resources.md", "mlops-roadmap-2024.md")
    )
    copies = 2 * 1024 * 1024 // len(page.encode()) + 1
    Path("big.md").write_text(page * copies, encoding="utf-8")
    document = extract_file("big.md")
    per_copy = len([link for link in document.links if link.line <= page.count("\n")])
    assert per_copy > 100 and len(document.links) >= per_copy * (copies - 1)
    assert document.diagnostics == ()


def test_a_run_goes_on_past_bad_files(capsys: pytest.CaptureFixture[str]) -> None:
    Path("docs").mkdir()
    Path("docs/good.md").write_text("# Good\n[ok](#good) [gone](missing.md)\n", encoding="utf-8")
    Path("docs/binary.md").write_bytes(b"\x00\x00")
    Path("docs/latin1.md").write_bytes(b"caf\xe9 [x](good.md)\n")
    Path("docs/yaml.md").write_text("---\na: [\n---\n[y](good.md#good)\n", encoding="utf-8")
    Path("docs/dangling.md").symlink_to("nowhere.md")
    code = main(["run", "--offline", "--output-dir", "out", "docs"])
    out = capsys.readouterr().out
    assert code == 1  # a broken link and input problems fail the run; it still completes
    assert "docs/binary.md: binary file, skipped" in out
    assert "docs/latin1.md:1:1: not valid UTF-8" in out
    # The front-matter problem may be reported as a rule finding instead of on stderr.
    report = Path("out/linkcheck.json").read_text(encoding="utf-8")
    assert "docs/yaml.md" in report and "docs/good.md" in report


def test_a_path_without_markdown_says_which_problem_it_has() -> None:
    Path("images").mkdir()
    Path("images/logo.png").write_bytes(b"\x89PNG")
    with pytest.raises(ConfigError, match="^images: no markdown files in it$"):
        discover(["images"])
    with pytest.raises(ConfigError, match="^gone: no such file or directory$"):
        discover(["gone"])


def test_a_directory_given_inside_a_hidden_one_is_searched() -> None:
    Path(".cache/docs/.git").mkdir(parents=True)
    Path(".cache/docs/a.md").write_text("# A\n", encoding="utf-8")
    Path(".cache/docs/.git/b.md").write_text("# B\n", encoding="utf-8")
    assert discover([".cache/docs"]) == [".cache/docs/a.md"]
    assert discover([str(Path(".cache/docs").resolve())]) == [
        Path(".cache/docs/a.md").resolve().as_posix()
    ]


def test_utf16_with_byte_order_mark_is_read_and_reported() -> None:
    Path("wide.md").write_bytes("# Wide\n[x](https://example.test/w)\n".encode("utf-16"))
    document = extract_file("wide.md")
    assert [(d.line, d.code) for d in document.diagnostics] == [(1, "decode-error")]
    assert "UTF-16" in document.diagnostics[0].message
    assert [(link.line, link.url) for link in document.links] == [(2, "https://example.test/w")]
