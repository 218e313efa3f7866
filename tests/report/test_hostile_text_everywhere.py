"""Control characters from file names, link text and servers reach no terminal, no workflow
command and no report: the real CLI on a real file whose name holds a line break and
`::error ...`, a link text with C1 and direction controls, and a loopback server whose
redirect names an invalid URL holding a C1 control sequence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from loopback import QuietHandler, serving

from linkcheck import cli

EVIL_NAME = "evil\n::error file=x::pwned\x1b[31m\u202e.md"
# C0 and C1 controls (tab and line feed aside), line separators, direction controls
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                 "\u2066-\u2069]")
INJECTED = re.compile(r"^\s*::error file=x::pwned", re.M)  # the name's own command


class _Redirects(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.send_response(301)
        # obs-text in a header is allowed on the wire; as latin-1 it is a C1 CSI sequence
        self.send_header("Location", "http://[\x9b31mpwned")
        self.send_header("Content-Length", "0")
        self.end_headers()



@pytest.fixture
def web():
    with serving(_Redirects) as base:
        yield base


@pytest.fixture
def project(tmp_path, monkeypatch, web) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / EVIL_NAME).write_text(
        "# Evil\n\n[text \x9b31m \u202edrow\u202c](./missing.md)\n"
        f"[server]({web}/moved)\n\n---\nbroken: [front matter\n", encoding="utf-8")
    (tmp_path / "linkcheck.yml").write_text("check: {allow_private: true, retries: 0}\n",
                                            encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def _clean(text: str, what: str) -> None:
    assert not RAW.search(text), (what, RAW.findall(text))
    assert not INJECTED.search(text), what


def test_run_outputs_carry_no_control_character_and_no_injected_command(project, capsys):
    code = cli.main(["run", "--no-cache", "--format", "github,sarif", "docs/"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "pwned" in out  # the hostile text is shown, made harmless, not dropped
    for text, what in ((out, "stdout"), (err, "stderr")):
        _clean(text, what)
    reports = project / "reports"
    for name in ("linkcheck.md", "linkcheck.json", "linkcheck.sarif"):
        _clean((reports / name).read_text(encoding="utf-8"), name)
    report = json.loads((reports / "linkcheck.json").read_text(encoding="utf-8"))
    files = {link["file"] for link in report["links"]}
    assert any("\n::error" in f for f in files)  # the JSON keeps the data, escaped
    moved = next(link for link in report["links"] if "/moved" in link["url"])
    assert moved["status"] == "broken" and "\x9b" in moved["reason"]


def test_extract_outputs_carry_no_control_character(project, capsys):
    assert cli.main(["extract", "docs/"]) == 0
    out, err = capsys.readouterr()
    _clean(out, "extract stdout")
    _clean(err, "extract stderr")
    assert len(out.splitlines()) == 2  # one line per link, whatever the file name holds
    assert cli.main(["extract", "--json", "docs/"]) == 0
    out, _ = capsys.readouterr()
    _clean(out, "extract --json")
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["file"].endswith(EVIL_NAME) and "\x9b" in records[0]["text"]


def test_a_fix_diff_shows_controls_and_keeps_file_names_on_their_header_line():
    from linkcheck.fix import FileFix

    before = "[a](http://x.test/\x1b]0;title\x07)\r\n"
    fixed = FileFix("docs/x\n::error file=x::pwned.md", before, "[a](https://x.test/)\n", ())
    shown = cli._visible_diff(fixed)
    _clean(shown, "fix diff")
    assert shown.splitlines()[0] == "--- a/docs/x ::error file=x::pwned.md"
    assert "U+001B]0;titleU+0007)U+000D" in shown


def test_json_keeps_the_data_and_escapes_what_a_terminal_would_obey():
    from linkcheck.report.text import json_visible, one_line

    value = {"t": "a\x9b31m\u202eb\u2028c\x7f\x1b", "k\u2066": ["\u061c"]}
    text = json_visible(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    _clean(text, "json")
    assert one_line("a\r\nb\tc\nd\x1b") == "a b c dU+001B"


def test_json_visible_passes_ascii_text_through_as_its_full_pass_would():
    from linkcheck.report import text as text_module

    ascii_text = "".join(map(chr, range(127)))  # all but DEL
    assert text_module._IN_JSON_TEXT.sub("?", ascii_text) == ascii_text  # the shortcut is exact
    assert text_module.json_visible(ascii_text) is ascii_text
    assert text_module.json_visible(ascii_text + "\x7f") == ascii_text + "\\u007f"
    assert text_module.json_visible(ascii_text + "\u202e") == ascii_text + "\\u202e"


def test_a_verbose_traceback_quoting_hostile_text_stays_harmless(project, monkeypatch, capsys):
    from linkcheck import pipeline

    def explode(*args, **kwargs):
        raise RuntimeError("bug near evil\n::error file=x::pwned\x1b[31m")

    monkeypatch.setattr(pipeline, "check_local", explode)
    assert cli.main(["run", "--offline", "-q", "--verbose", "docs/"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" in err and "pwned" in err
    _clean(err, "traceback")
