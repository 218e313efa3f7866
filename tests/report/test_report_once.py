"""One problem, one report entry: a moved link is one annotation and one SARIF result."""

from __future__ import annotations

import json

from linkcheck.cli import main


def _config(folder, rules: str = "") -> None:
    # the https twin of a loopback http URL would only wait for its timeout
    text = 'rules:\n  insecure-http:\n    severity: "off"\n' + rules
    (folder / "linkcheck.yml").write_text(text, encoding="utf-8")


def test_a_moved_link_is_one_annotation_and_one_sarif_result(
    tmp_path, monkeypatch, capsys, simweb
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    _config(tmp_path)
    moved = simweb.url("/perm?k=once")
    (tmp_path / "doc.md").write_text(f"# Links\n\nSee [moved]({moved}).\n", encoding="utf-8")
    argv = ["run", "doc.md", "--output-dir", "out", "--no-cache", "--private-ok", "-q",
            "--timeout", "2",
            "--format", "github,sarif"]
    assert main(argv) == 0  # a moved link is a warning
    annotations = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::warning file=doc.md,line=3,col=5,title=LC111")
    assert "now lives at" in annotations[0]
    sarif = json.loads((tmp_path / "out" / "linkcheck.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["LC111"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    assert [link["status"] for link in report["links"]] == ["redirected"]  # the data stays


def test_the_verdict_is_reported_when_the_finding_is_off(tmp_path, monkeypatch, capsys, simweb):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    _config(tmp_path, '  moved-permanently:\n    severity: "off"\n')
    (tmp_path / "doc.md").write_text(
        f"See [moved]({simweb.url('/perm?k=off')}).\n", encoding="utf-8"
    )
    argv = ["run", "doc.md", "--output-dir", "out", "--no-cache", "--private-ok", "-q",
            "--timeout", "2",
            "--format", "github"]
    assert main(argv) == 0
    annotations = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert "title=Link moved permanently" in annotations[0]
