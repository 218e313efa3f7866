"""GitHub repository links checked through the REST API (a loopback stand-in serving the
documented response shapes), and page checks that honour GitHub's rate-limit headers."""

from __future__ import annotations

import pytest
from sites_helpers import ON_LOOPBACK, run_linkcheck

from linkcheck.cli import main

TOKEN = "ghp_test-token-not-a-secret"


def config(apis, web: bool = False, token_env: str = "LC_TEST_GITHUB_TOKEN") -> str:
    web_line = f"      web_url: {apis.web_url}\n" if web else ""
    return (
        "store:\n  enabled: false\n"
        "sites:\n  github:\n"
        f"      api_url: {apis.api_url}\n{web_line}"
        f"      token_env: {token_env}\n"
    )


def repositories(apis) -> None:
    state = apis.state
    state.token = TOKEN
    state.add_repo("octocat/Hello-World")
    state.files[("octocat/hello-world", "master")] = {"README.md", "docs/guide.md"}
    state.files[("octocat/hello-world", "feature/x")] = {"docs/new.md"}
    new = state.add_repo("new-owner/new-name")
    state.moved["old-owner/old-name"] = new["id"]
    state.files[("new-owner/new-name", "main")] = {"src/app.py"}
    state.add_repo("octocat/retired", archived=True)
    state.add_repo("octocat/secret", private=True, visibility="private")
    state.add_repo("octocat/frozen", disabled=True)


DOC = """# Repositories

- [hello](https://github.com/octocat/Hello-World)
- [moved](https://github.com/old-owner/old-name)
- [moved file](https://github.com/old-owner/old-name/blob/main/src/app.py#L3)
- [retired](https://github.com/octocat/retired)
- [gone](https://github.com/octocat/gone)
- [secret](https://github.com/octocat/secret)
- [frozen](https://github.com/octocat/frozen)
- [readme](https://github.com/octocat/Hello-World/blob/master/README.md)
- [missing file](https://github.com/octocat/Hello-World/blob/master/missing.md)
- [slashed ref](https://github.com/octocat/Hello-World/tree/feature/x/docs)
- [no such ref](https://github.com/octocat/Hello-World/blob/no-such-ref/README.md)
"""


def test_repositories_through_the_api(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LC_TEST_GITHUB_TOKEN", TOKEN)
    repositories(apis)
    run = run_linkcheck(tmp_path, capsys, config(apis), DOC)
    gh = "https://github.com"
    assert run.verdict(f"{gh}/octocat/Hello-World")[0] == "ok"
    status, reason = run.verdict(f"{gh}/old-owner/old-name")
    assert status == "redirected" and "new-owner/new-name" in reason
    assert run.link(f"{gh}/old-owner/old-name")["final_url"] == f"{gh}/new-owner/new-name"
    moved_file = run.link(f"{gh}/old-owner/old-name/blob/main/src/app.py#L3")
    assert moved_file["status"] == "redirected"
    assert moved_file["final_url"] == f"{gh}/new-owner/new-name/blob/main/src/app.py"
    assert run.verdict(f"{gh}/octocat/retired")[0] == "ok"
    (archived,) = run.findings("archived-repository")
    assert archived["severity"] == "warning" and archived["line"] == 6
    assert "octocat/retired" in archived["message"]
    assert run.verdict(f"{gh}/octocat/gone") == (
        "broken", "repository not found (deleted, or private and not visible to this token)")
    status, reason = run.verdict(f"{gh}/octocat/secret")
    assert status == "unverifiable" and "private" in reason
    assert run.verdict(f"{gh}/octocat/frozen")[0] == "broken"
    assert run.verdict(f"{gh}/octocat/Hello-World/blob/master/README.md")[0] == "ok"
    status, reason = run.verdict(f"{gh}/octocat/Hello-World/blob/master/missing.md")
    assert (status, reason) == ("broken", "missing.md not found at master")
    assert run.verdict(f"{gh}/octocat/Hello-World/tree/feature/x/docs")[0] == "ok"
    status, reason = run.verdict(f"{gh}/octocat/Hello-World/blob/no-such-ref/README.md")
    assert status == "broken" and "no-such-ref" in reason
    assert "archived-repository" in run.markdown and "octocat/retired" in run.markdown
    # every API request carried the token; each repository was asked about once
    api = [r for r in apis.state.requests if r.path.startswith("/gh-api/")]
    assert api and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in api)
    assert apis.state.count("/gh-api/repos/octocat/Hello-World") - sum(
        apis.state.count(f"/gh-api/repos/octocat/Hello-World/{p}") for p in ("contents", "commits")
    ) == 1
    # 6 repositories in 7 requests (the moved one takes 2); paths: the README and the missing
    # file 1 each (default branch), the moved file 1, tree/feature/x/docs 3 (contents at
    # `feature`, commits/feature 422, contents at `feature/x`), the unknown ref 4
    assert len(api) == 17
    assert TOKEN not in run.markdown and TOKEN not in str(run.report) and TOKEN not in run.err


def test_fix_updates_a_renamed_repository(tmp_path, monkeypatch, capsys, apis):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LC_TEST_GITHUB_TOKEN", TOKEN)
    repositories(apis)
    (tmp_path / "linkcheck.yml").write_text(config(apis) + ON_LOOPBACK, encoding="utf-8")
    (tmp_path / "doc.md").write_text(
        "See [moved](https://github.com/old-owner/old-name) and "
        "[file](https://github.com/old-owner/old-name/blob/main/src/app.py#L3).\n",
        encoding="utf-8",
    )
    assert main(["fix", "doc.md"]) == 0
    assert (tmp_path / "doc.md").read_text(encoding="utf-8") == (
        "See [moved](https://github.com/new-owner/new-name) and "
        "[file](https://github.com/new-owner/new-name/blob/main/src/app.py#L3).\n"
    )


@pytest.mark.parametrize(("token", "through_api", "through_pages"), [
    (TOKEN, True, False),  # GitHub Enterprise-style base URLs, the API answers
    (None, False, True),  # no token: the pages, as before
    ("wrong", True, True),  # a refused token: one refusal, then the pages
])
def test_enterprise_base_urls_with_and_without_a_usable_token(tmp_path, monkeypatch, capsys,
                                                              apis, token, through_api,
                                                              through_pages):
    monkeypatch.chdir(tmp_path)
    if token:
        monkeypatch.setenv("LC_TEST_GITHUB_TOKEN", token)
    else:
        monkeypatch.delenv("LC_TEST_GITHUB_TOKEN", raising=False)
    repositories(apis)
    web = apis.web_url
    doc = f"[hello]({web}/octocat/Hello-World) and [gone]({web}/octocat/gone)\n"
    run = run_linkcheck(tmp_path, capsys, config(apis, web=True), doc)
    assert run.verdict(f"{web}/octocat/Hello-World")[0] == "ok"
    assert run.verdict(f"{web}/octocat/gone")[0] == "broken"
    # one refusal turns the API off: only the requests already in flight were sent
    assert 0 < apis.state.count("/gh-api/") <= 2 if through_api else \
        apis.state.count("/gh-api/") == 0
    assert (apis.state.count("/", host="127.0.0.2") == 2) == through_pages
    assert not any("authorization" in r.headers for r in apis.state.requests
                   if r.host == "127.0.0.2")  # the token goes to the API only
    refused = [note for note in run.report["notes"] if "GitHub API" in note and "401" in note]
    assert bool(refused) == (token == "wrong")


def test_without_a_token_pages_are_checked_and_rate_limits_honoured(tmp_path, monkeypatch,
                                                                    capsys, apis):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LC_TEST_GITHUB_TOKEN", raising=False)
    repositories(apis)
    apis.state.rate_remaining = 0  # exhausted, resetting far in the future
    web = apis.web_url
    doc = f"[hello]({web}/octocat/Hello-World)\n"
    run = run_linkcheck(tmp_path, capsys, config(apis, web=True), doc)
    status, reason = run.verdict(f"{web}/octocat/Hello-World")
    assert status == "unverifiable" and "rate limit" in reason
    assert apis.state.count("/gh-api/") == 0  # no token, no API
    assert apis.state.count("/", host="127.0.0.2") == 1  # no retries into an exhausted budget
