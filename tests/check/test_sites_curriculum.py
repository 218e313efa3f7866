"""Every site check together on a small fixture curriculum (tests/fixtures/sites-curriculum),
against the loopback stand-ins: what the reports show, and what each API was asked."""

from __future__ import annotations

import json
from pathlib import Path

from sites_helpers import NO_HTTPS_TWINS, ON_LOOPBACK

from linkcheck.cli import main

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sites-curriculum"
TOKEN = "ghp_fixture-token"
BEFORE = "20200102030405"


def set_up(tmp_path: Path, apis) -> str:
    dead = f"http://127.0.0.1:{apis.port}"
    (tmp_path / "curriculum").mkdir()
    for page in FIXTURE.glob("*.md"):
        text = page.read_text(encoding="utf-8").replace("{dead}", dead)
        (tmp_path / "curriculum" / page.name).write_text(text, encoding="utf-8")
    state = apis.state
    state.token = TOKEN
    state.add_repo("octocat/Hello-World")
    state.files[("octocat/hello-world", "master")] = {"README.md", "docs/guide.md"}
    state.moved["old-owner/old-name"] = state.add_repo("new-owner/new-name")["id"]
    state.add_repo("octocat/retired", archived=True)
    state.files[("octocat/retired", "master")] = {"README.md"}
    state.videos.update(okVideo0001="ok", privateVid1="private")
    state.snapshots[f"{dead}/dead/essay"] = [(BEFORE, True)]
    config = (
        "store:\n  path: store/history.sqlite\n  failures_before_broken: 1\n"
        f"sites:\n  github:\n    api_url: {apis.api_url}\n    token_env: LC_FIXTURE_TOKEN\n"
        f"  youtube:\n    oembed_url: {apis.oembed_url}\n"
        f"archive:\n  enabled: true\n  api_url: {apis.wayback_url}\n  interval: 0\n"
    )
    (tmp_path / "linkcheck.yml").write_text(config + NO_HTTPS_TWINS + ON_LOOPBACK,
                                            encoding="utf-8")
    return dead


def test_the_reports_show_suggestions_and_archived_repositories(tmp_path, monkeypatch, apis):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LC_FIXTURE_TOKEN", TOKEN)
    dead = set_up(tmp_path, apis)
    assert main(["run", "-q", "--format", "sarif"]) == 1
    report = json.loads((tmp_path / "reports" / "linkcheck.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "reports" / "linkcheck.md").read_text(encoding="utf-8")
    status = {link["url"]: link["status"] for link in report["links"]}
    counts = {k: v for k, v in report["summary"]["statuses"].items() if v}
    assert counts == {"ok": 6, "redirected": 1, "broken": 5, "unverifiable": 1}
    assert status["https://github.com/old-owner/old-name"] == "redirected"
    assert status["https://www.youtube.com/watch?v=removedVid1"] == "broken"
    archived = [f for f in report["findings"] if f["rule"] == "archived-repository"]
    assert [(f["file"], f["line"]) for f in archived] == [
        ("curriculum/01-tools.md", 12), ("curriculum/02-videos.md", 11)]
    snapshot = apis.snapshot_url(BEFORE, f"{dead}/dead/essay")
    assert [link["suggestion"] for link in report["links"] if link["suggestion"]] == [snapshot]
    assert f"archived copy: `{snapshot}`" in markdown
    assert "archived-repository" in markdown and "octocat/retired" in markdown
    # what each API was asked: the figures docs/sites.md and the closing note quote
    # 4 repositories in 5 requests (the moved one takes 2), 3 paths at the default branch
    assert apis.state.count("/gh-api/") == 8
    assert apis.state.count("/oembed") == 3  # 3 distinct videos for 4 links
    # every broken link but the removed video (an archived watch page does not play it)
    assert apis.state.count("/wayback/available") == 4
    assert apis.state.count("/web/") == 1  # the one earlier snapshot, verified
