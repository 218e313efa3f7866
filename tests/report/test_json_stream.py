"""The JSON report is written a batch of entries at a time, as the same text, and atomically."""

from __future__ import annotations

import io
import json

import pytest

from linkcheck.config import Config
from linkcheck.pipeline import run
from linkcheck.report import json_report, json_text
from linkcheck.report.output import OutputError, write_with


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("stream")
    lines = ["# Links", ""]
    for i in range(130):
        lines.append(f"- [Ünïcode \\\"{i}\\\" <b>](https://example.com/page/{i % 40}?q=\\u00e9)")
        lines.append(f"- [local {i}](missing-{i % 3}.md) and [same](./#links)")
    (tmp_path / "page.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run(Config(offline=True), [str(tmp_path / "page.md")])


@pytest.mark.parametrize("batch", [1, 7, 500])
def test_streamed_text_is_json_dumps_text(result, monkeypatch, batch):
    monkeypatch.setattr(json_text, "STREAM_BATCH", batch)
    out = io.StringIO()
    json_report.write(result, out)
    whole = json_report.build(result)
    assert len(whole["links"]) == 390 and whole["findings"]  # several batches of each
    assert out.getvalue() == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"


def test_empty_lists_and_dicts_are_written_as_json_writes_them():
    out = io.StringIO()
    items = [("a", json_text.Streamed(iter(()))), ("b", {}), ("c", json_text.Streamed([1, {}]))]
    json_text.dump_indented(iter(items), out)
    assert out.getvalue() == json.dumps({"a": [], "b": {}, "c": [1, {}]}, indent=2)
    empty = io.StringIO()
    json_text.dump_indented(iter(()), empty)
    assert empty.getvalue() == "{}"


def test_a_report_that_fails_midway_leaves_the_previous_one_whole(tmp_path, result, monkeypatch):
    target = tmp_path / "reports" / "linkcheck.json"
    target.parent.mkdir()
    target.write_text("previous report\n", encoding="utf-8")
    calls = []

    def failing(link, outcome):
        calls.append(link)
        if len(calls) > 100:
            raise OSError(28, "No space left on device")
        return {"url": link.url}

    monkeypatch.setattr(json_report, "link_entry", failing)
    with pytest.raises(OutputError, match="No space left on device"):
        write_with(target, lambda out: json_report.write(result, out))
    assert len(calls) == 101  # it failed midway through the links
    assert target.read_text(encoding="utf-8") == "previous report\n"
    assert [p.name for p in target.parent.iterdir()] == ["linkcheck.json"]  # no temporary left
    write_with(target, lambda out: out.write("new\n"))
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in target.parent.iterdir()] == ["linkcheck.json"]
