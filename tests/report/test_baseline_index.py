"""The failing entries a run keeps beside the store stand in for parsing that very report."""

from __future__ import annotations

import json

import pytest

from linkcheck import cli
from linkcheck.models import CheckResult, Document, Hop, Link, LinkKind, RunResult, Status
from linkcheck.report import changes, json_report
from linkcheck.report.changes import load_baseline, remember_baseline


def _run() -> RunResult:
    statuses = [Status.BROKEN, Status.NEW_FAILURE, Status.OK, Status.REDIRECTED,
                Status.UNVERIFIABLE]
    links, results = [], {}
    for n in range(60):
        url = f"https://x.test/{n % 25}/\u00e9\u202e\"{n % 7}"
        file = f"docs/{'ab'[n % 2]}.md"
        links.append(Link(file, 60 - n, 1 + n % 3, url, url, f"text {n}", LinkKind.INLINE, "S"))
        status = statuses[n % 25 % len(statuses)]
        results[url] = CheckResult(url, status, f"reason {n % 25}", 404 if n % 2 else None,
                                   redirects=(Hop(url + "/x", 301),) if n % 3 else ())
    long_url = "https://x.test/" + "a" * 9000  # capped in the report
    links.append(Link("docs/a.md", 99, 1, long_url, long_url, "long", LinkKind.INLINE, "S"))
    results[long_url] = CheckResult(long_url, Status.BROKEN, "HTTP 404", 404)
    documents = tuple(Document(f, tuple(x for x in links if x.file == f))
                      for f in ("docs/a.md", "docs/b.md"))
    return RunResult(documents, results)


@pytest.fixture
def written(tmp_path):
    report, index = tmp_path / "linkcheck.json", tmp_path / ".linkcheck" / changes.INDEX_NAME
    index.parent.mkdir()
    run = _run()
    report.write_text(json_report.render(run), encoding="utf-8")
    remember_baseline(report, run, index)
    return report, index


def test_the_index_gives_the_baseline_parsing_the_report_gives(written, monkeypatch):
    report, index = written
    parsed, notes = load_baseline(report)
    assert notes == () and len(parsed.problems) > 10

    def no_parsing(*args):
        raise AssertionError("the report was parsed")

    monkeypatch.setattr(changes, "_baseline", no_parsing)
    indexed, notes = load_baseline(report, index=index)
    assert notes == () and indexed == parsed
    assert list(indexed.problems) == list(parsed.problems)


def test_a_report_of_other_bytes_or_a_damaged_index_is_parsed(written):
    report, index = written
    parsed, _ = load_baseline(report)
    edited = report.read_text(encoding="utf-8").replace('"status": "broken"', '"status": "ok"', 1)
    report.write_text(edited, encoding="utf-8")
    fewer, _ = load_baseline(report, index=index)
    assert fewer == load_baseline(report)[0] and len(fewer.problems) == len(parsed.problems) - 1
    document = json.loads(index.read_text(encoding="utf-8"))
    report.write_text(json_report.render(_run()), encoding="utf-8")  # the indexed bytes again
    for damaged in ("{not json", json.dumps({**document, "format": 2}),
                    json.dumps({**document, "entries": [{"file": "a.md"}]}),
                    json.dumps([document])):
        index.write_text(damaged, encoding="utf-8")
        assert load_baseline(report, index=index) == (parsed, ())


def test_runs_keep_the_index_and_read_their_baseline_from_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("[gone](missing.md) [also](b.md#nope)\n", encoding="utf-8")
    assert cli.main(["run", "--offline", "-q", "a.md"]) == cli.EXIT_BROKEN
    index = tmp_path / ".linkcheck" / changes.INDEX_NAME
    report = tmp_path / "reports" / "linkcheck.json"
    assert index.is_file()
    first = report.read_text(encoding="utf-8")
    with monkeypatch.context() as patched:
        patched.setattr(changes, "_baseline", lambda *a: pytest.fail("the report was parsed"))
        assert cli.main(["run", "--offline", "-q", "a.md"]) == cli.EXIT_BROKEN
    second = json.loads(report.read_text(encoding="utf-8"))["changes"]
    assert [c["url"] for c in second["still_broken"]] == ["b.md#nope", "missing.md"]
    assert not second["new"] and first != report.read_text(encoding="utf-8")
    kept = index.read_bytes()
    (tmp_path / "a.md").write_text("[gone](missing.md)\n", encoding="utf-8")
    assert cli.main(["run", "--offline", "-q", "--no-cache", "a.md"]) == cli.EXIT_BROKEN
    assert index.read_bytes() == kept  # no store, no index: the report is parsed
    fixed = json.loads(report.read_text(encoding="utf-8"))["changes"]["fixed"]
    assert [c["url"] for c in fixed] == ["b.md#nope"]
