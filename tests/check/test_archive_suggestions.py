"""Verified replacements for dead links from the Wayback Machine availability API (a loopback
stand-in answering with the documented shape): the closest snapshot from before the link first
failed, verified to answer, cached in the result store, applied only by `fix --use-archive`."""

from __future__ import annotations

import json

from sites_helpers import NO_HTTPS_TWINS, run_linkcheck

from linkcheck.cli import main

BEFORE, AFTER = "20200102030405", "29990101000000"


def config(apis, **archive: object) -> str:
    settings = {"enabled": "true", "api_url": apis.wayback_url, "interval": 0, **archive}
    lines = "".join(f"  {key}: {value}\n" for key, value in settings.items())
    return ("store:\n  path: store/history.sqlite\n  failures_before_broken: 1\n"
            f"archive:\n{lines}")


def dead(apis, name: str) -> str:
    return f"http://127.0.0.1:{apis.port}/dead/{name}"


def fixture(apis) -> str:
    state = apis.state
    state.snapshots[dead(apis, "archived")] = [(BEFORE, True), (AFTER, True)]
    state.snapshots[dead(apis, "only-later")] = [(AFTER, True)]
    state.snapshots[dead(apis, "snapshot-gone")] = [(BEFORE, False)]
    return (
        "# Reading\n\n"
        f"- [archived]({dead(apis, 'archived')})\n"
        f"- [only later]({dead(apis, 'only-later')})\n"
        f"- [snapshot gone]({dead(apis, 'snapshot-gone')})\n"
        f"- [never archived]({dead(apis, 'never')})\n"
    )


def lookups(apis) -> int:
    return apis.state.count("/wayback/available")


def test_suggestions_are_verified_reported_and_cached(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    doc = fixture(apis)
    run = run_linkcheck(tmp_path, capsys, config(apis), doc, "--format", "sarif")
    archived = run.link(dead(apis, "archived"))
    assert archived["status"] == "broken"
    assert archived["suggestion"] == apis.snapshot_url(BEFORE, dead(apis, "archived"))
    # a snapshot from after the failure may be the error page itself; a dead snapshot is no help
    for name in ("only-later", "snapshot-gone", "never"):
        assert run.link(dead(apis, name))["suggestion"] is None, name
    assert lookups(apis) == 4
    assert apis.state.count("/web/") == 2  # the two earlier snapshots were verified
    assert apis.snapshot_url(BEFORE, dead(apis, "archived")) in run.markdown
    sarif = json.loads((tmp_path / "out" / "linkcheck.sarif").read_text(encoding="utf-8"))
    fixed = [r for r in sarif["runs"][0]["results"] if r.get("fixes")]
    (result,) = fixed
    (change,) = result["fixes"][0]["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["insertedContent"]["text"] == archived["suggestion"]
    # the next run asks the store, not the archive
    again = run_linkcheck(tmp_path, capsys, config(apis), doc)
    assert lookups(apis) == 4
    assert again.link(dead(apis, "archived"))["suggestion"] == archived["suggestion"]


def test_fix_applies_suggestions_only_when_asked(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    doc = fixture(apis)
    run_linkcheck(tmp_path, capsys, config(apis), doc)
    assert main(["fix", "doc.md"]) == 0
    assert (tmp_path / "doc.md").read_text(encoding="utf-8") == doc  # not asked: unchanged
    assert main(["fix", "--use-archive", "doc.md"]) == 0
    fixed = (tmp_path / "doc.md").read_text(encoding="utf-8")
    snapshot = apis.snapshot_url(BEFORE, dead(apis, "archived"))
    assert f"[archived]({snapshot})" in fixed
    assert fixed.replace(snapshot, dead(apis, "archived")) == doc  # nothing else changed
    assert lookups(apis) == 4  # fix reused the stored lookups


def test_lookups_are_capped_per_run(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    doc = fixture(apis)
    run = run_linkcheck(tmp_path, capsys, config(apis, max_lookups=1), doc)
    assert lookups(apis) == 1
    assert any("archive" in note.lower() for note in run.report["notes"])
    run_linkcheck(tmp_path, capsys, config(apis, max_lookups=1), doc)
    assert lookups(apis) == 2  # the next run goes on with the others


def test_lookups_never_hold_a_run_past_its_deadline(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    apis.state.wayback_delay = 3.0
    doc = fixture(apis)
    run = run_linkcheck(tmp_path, capsys, config(apis), doc, "--deadline", "1")
    assert all(run.link(dead(apis, n))["suggestion"] is None
               for n in ("archived", "only-later", "snapshot-gone", "never"))
    assert lookups(apis) <= 1
    apis.state.wayback_delay = 0.0
    run = run_linkcheck(tmp_path, capsys, config(apis), doc)  # nothing half-done was cached
    assert run.link(dead(apis, "archived"))["suggestion"]


def test_archive_lookups_are_off_by_default(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    doc = fixture(apis)
    run = run_linkcheck(tmp_path, capsys, "store:\n  enabled: false\n", doc)
    assert run.link(dead(apis, "archived"))["status"] == "broken"
    assert run.link(dead(apis, "archived"))["suggestion"] is None
    assert lookups(apis) == 0


def test_fix_use_archive_offline_says_why_nothing_changed(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    doc = fixture(apis)
    run_linkcheck(tmp_path, capsys, config(apis), doc)
    assert main(["fix", "--use-archive", "--offline", "doc.md"]) == 0
    assert (tmp_path / "doc.md").read_text(encoding="utf-8") == doc
    assert "--use-archive changed nothing offline" in capsys.readouterr().err


def test_an_archive_that_does_not_answer_is_asked_once(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    apis.state.wayback_delay = 2.0  # longer than the request timeout below
    (tmp_path / "doc.md").write_text(fixture(apis), encoding="utf-8")
    (tmp_path / "linkcheck.yml").write_text(
        config(apis) + NO_HTTPS_TWINS + "check:\n  allow_private: true\n  retries: 0\n",
        encoding="utf-8")
    main(["run", "doc.md", "--output-dir", "out", "--timeout", "0.5", "-q"])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    assert lookups(apis) == 1  # the other three would have waited just as long
    assert any("did not answer; 3 archive lookups wait" in note for note in report["notes"])
    assert all(link["suggestion"] is None for link in report["links"])
