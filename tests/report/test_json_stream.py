"""The JSON report is written a batch of entries at a time, as the same text, and atomically."""

from __future__ import annotations

import io
import json
import random

import pytest

from linkcheck.config import Config
from linkcheck.pipeline import run
from linkcheck.report import json_report, json_text
from linkcheck.report.batches import batched
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


@pytest.mark.parametrize("batch", [1, 7, 500])
def test_the_findings_made_apart_are_the_same_text(result, monkeypatch, batch):
    """cli.py has the findings' text made by one process while another writes the rest."""
    monkeypatch.setattr(json_text, "STREAM_BATCH", batch)
    whole, apart = io.StringIO(), io.StringIO()
    json_report.write(result, whole)
    text = json_report.findings_text(result)
    json_report.write(result, apart, findings=lambda: text)
    assert result.findings and text.startswith("[")
    assert apart.getvalue() == whole.getvalue()


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
    values = json_report.link_values

    def failing(link):
        calls.append(link)
        if len(calls) > 100:
            raise OSError(28, "No space left on device")
        return values(link)

    monkeypatch.setattr(json_report, "link_values", failing)
    with pytest.raises(OutputError, match="No space left on device"):
        write_with(target, lambda out: json_report.write(result, out))
    assert len(calls) == 101  # it failed midway through the links
    assert target.read_text(encoding="utf-8") == "previous report\n"
    assert [p.name for p in target.parent.iterdir()] == ["linkcheck.json"]  # no temporary left
    write_with(target, lambda out: out.write("new\n"))
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in target.parent.iterdir()] == ["linkcheck.json"]


KEYS = ("file", "line", "100% \"odd\" key", "hops", "score")
NUL_STRINGS = ["", "a\u0000b", "\u0000", "\\0", "x\u0000linkcheck\u0000", "é\u2028", "%s %d"]


def _row(rng, shapes=True):
    """A dict of KEYS (hops: nested) as json_report makes them, or now and then another shape."""
    scalar = rng.choice([lambda: rng.choice(NUL_STRINGS), lambda: rng.randint(-5, 10**6),
                         lambda: rng.random(), lambda: rng.choice([True, False, None])])
    hop = {"url": rng.choice(NUL_STRINGS), "status_code": rng.choice([301, None])}
    item = {"file": rng.choice(NUL_STRINGS), "line": rng.randint(1, 500), KEYS[2]: scalar(),
            "hops": rng.choice([[], [], [hop], [hop, dict(hop)], (), None, "text"]),
            "score": rng.choice([1.5, -0.0, float("nan"), 10**30])}
    odd = rng.random() if shapes else 1.0
    if odd < 0.01:
        item["score"] = rng.choice([[], {}])  # an empty container at a plain key
    elif odd < 0.02:
        item.pop("line")  # a key missing
    elif odd < 0.04:
        item["extra"] = 1  # a key more
    elif odd < 0.06:
        item["line"] = [1]  # a container at a plain key
    elif odd < 0.08:
        item["hops"] = [{"deep": [1]}]  # a nested list of dicts that are not flat
    elif odd < 0.09:
        item["hops"] = {"a": 1}  # a dict at the nested key
    elif odd < 0.10:
        item = [item]  # not a dict
    return item


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_items_of_promised_keys_are_written_as_json_dumps_writes_them(monkeypatch, batch):
    monkeypatch.setattr(json_text, "STREAM_BATCH", batch)
    rng = random.Random(20261202)
    items = [_row(rng) for _ in range(600)]
    out = io.StringIO()
    json_text.dump_indented(iter([("x", json_text.Streamed(iter(items), KEYS, ("hops",)))]), out)
    assert out.getvalue() == json.dumps({"x": items}, indent=2, ensure_ascii=False)


def test_the_promised_shape_takes_the_fast_path_and_any_other_shape_does_not():
    rng = random.Random(7)
    shape = json_text._Shape(KEYS, ("hops",))
    good = tuple(_row(rng, shapes=False) for _ in range(200))
    assert any(item["hops"] for item in good)  # nested lists among them
    text = shape.items_text(good, "\n    ", "  ")
    expected = json.dumps({"x": list(good)}, indent=2, ensure_ascii=False)
    assert text is not None and expected == '{\n  "x": [\n    ' + text + "\n  ]\n}"
    odd = [{**good[0], "score": []}, {**good[0], "extra": 1},
           {k: v for k, v in good[0].items() if k != "line"}, {**good[0], "line": [1]},
           {**good[0], "hops": [{"deep": [1]}]}, {**good[0], "hops": {"a": 1}}, [good[0]]]
    for item in odd:
        assert shape.items_text((*good[:3], item), "\n    ", "  ") is None


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_rows_are_written_as_the_dicts_they_stand_for(monkeypatch, batch):
    monkeypatch.setattr(json_text, "STREAM_BATCH", batch)
    rng = random.Random(11)
    dicts = [item for item in (_row(rng) for _ in range(600))
             if type(item) is dict and tuple(item) == KEYS]  # odd values, but these keys
    rows = [tuple(item.values()) for item in dicts]
    out = io.StringIO()
    json_text.dump_indented(iter([("x", json_text.Streamed(iter(rows), KEYS, ("hops",),
                                                           rows=True))]), out)
    assert out.getvalue() == json.dumps({"x": dicts}, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(("batch", "kept"), [(1, 8192), (3, 2), (500, 8192), (500, 1)])
@pytest.mark.parametrize("split", [1, 3, 4])
def test_rows_sharing_their_last_values_are_written_as_their_dicts(monkeypatch, batch, kept,
                                                                    split):
    """The keys after `split` come as one tuple that rows share (the same object, or equal
    ones); the nested key falls on either side of the split."""
    monkeypatch.setattr(json_text, "STREAM_BATCH", batch)
    monkeypatch.setattr(json_text, "SHARED_TEXTS", kept)
    rng = random.Random(split)
    dicts = [item for item in (_row(rng) for _ in range(900))
             if type(item) is dict and tuple(item) == KEYS]
    tails: list[tuple] = []
    rows, expected = [], []
    for item in dicts:
        values = tuple(item.values())
        tail = values[split:]
        if tails and rng.random() < 0.6:  # shares a tuple made for another row
            tail = rng.choice(tails)
        else:
            tails.append(tail)
        rows.append((*values[:split], tail))
        expected.append(dict(zip(KEYS, (*values[:split], *tail), strict=True)))
    streamed = json_text.Streamed(iter(rows), KEYS[:split], ("hops",), rows=True,
                                  shared=KEYS[split:])
    out = io.StringIO()
    json_text.dump_indented(iter([("x", streamed)]), out)
    assert out.getvalue() == json.dumps({"x": expected}, indent=2, ensure_ascii=False)
    assert list(json_text.Streamed(rows, KEYS[:split], rows=True,
                                   shared=KEYS[split:]).entries()) == expected


def test_the_links_of_one_target_and_of_verdicts_alike_share_their_verdict(result):
    rows = list(json_report._link_rows(result))
    verdicts = {id(row[-1]): row[-1] for row in rows}
    assert len(verdicts) < len({row[4] for row in rows})  # fewer than the targets
    assert len(verdicts) == len(set(map(repr, verdicts.values())))  # each distinct once


def test_a_batch_ends_once_its_items_nested_values_are_a_batch_s_worth(monkeypatch):
    """A finding of a resource linked a thousand times holds a thousand related places: the
    batch it is in holds fewer items, so a batch's dicts stay bounded; the text is the same."""
    monkeypatch.setattr(json_text, "STREAM_BATCH", 10)
    rows = [(f"f{n}", [{"file": "a.md", "line": line} for line in range(count)])
            for n, count in enumerate((0, 3, 25, 1, 1, 9, 0))]
    streamed = json_text.Streamed(rows, ("name", "related"), nested=("related",), rows=True)
    batches = list(batched(rows, 10, (1,)))
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert [row for batch in batches for row in batch] == rows
    assert [len(batch) for batch in batched(rows, 3)] == [3, 3, 1]  # no nested places
    dicts = [{"related": related} for _, related in rows]
    assert [len(batch) for batch in batched(dicts, 10, ("related",))] == [3, 3, 1]
    assert [len(batch) for batch in batched([1, "x", (), {}], 2, ("related",))] == [2, 2]
    out = io.StringIO()
    json_text.dump_indented(iter([("findings", streamed)]), out)
    whole = {"findings": [{"name": name, "related": related} for name, related in rows]}
    assert out.getvalue() == json.dumps(whole, indent=2)
