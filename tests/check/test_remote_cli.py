"""The remote-checking flags end to end: main(argv) in-process against the simulated web."""

from __future__ import annotations

import json
import re

from linkcheck.cli import main


def run(tmp_path, monkeypatch, capsys, simweb, *flags: str):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.md").write_text(
        f"# Links\n\nSee [fine]({simweb.url('/ok?k=cli')}) "
        f"and [slow]({simweb.url('/hang?k=cli')}).\n",
        encoding="utf-8",
    )
    code = main(["run", "doc.md", "--output-dir", "out", "--no-cache", "--timeout", "5", *flags])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    verdicts = {link["url"]: (link["status"], link["reason"]) for link in report["links"]}
    return code, verdicts, capsys.readouterr().err


def test_deadline_and_progress_line(tmp_path, monkeypatch, capsys, simweb):
    code, verdicts, err = run(tmp_path, monkeypatch, capsys, simweb, "--deadline", "0.5",
                              "--private-ok")  # the simulated web is on loopback
    assert verdicts[simweb.url("/ok?k=cli")] == ("ok", "ok")
    assert verdicts[simweb.url("/hang?k=cli")] == ("unverifiable", "run deadline reached")
    assert code == 0  # unverifiable never fails the run
    # rules add targets of their own (https twins): progress counts the curriculum's alone
    assert re.search(r"^checked 2/2 URLs, 0 broken, 1 unverifiable", err, re.M)


def test_no_private_skips_loopback_and_quiet_silences_progress(
    tmp_path, monkeypatch, capsys, simweb
):
    asked = len(simweb.seen("/ok?k=cli"))
    code, verdicts, err = run(tmp_path, monkeypatch, capsys, simweb, "--no-private", "-q")
    assert verdicts[simweb.url("/ok?k=cli")] == ("skipped", "local or placeholder address")
    assert len(simweb.seen("/ok?k=cli")) == asked  # never requested
    assert code == 0
    assert "checked" not in err
