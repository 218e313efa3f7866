"""Tutorial placeholders (`http://localhost:8080`, `https://example.com/...`, private addresses)
are not resources: skipped by default, never requested, never counted by the no-network
detection, never failing a PR; `check.allow_private: true` checks them.

Names are tested through an httpx transport that records what reaches it (so nothing is ever
resolved); loopback addresses against a real loopback server that counts its requests."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from gitrepo import git
from httpx_pool import httpx_pools
from readerweb import ReaderWeb, answer, page

from linkcheck import pipeline
from linkcheck.cli import main
from linkcheck.config import CheckConfig, Config, StoreConfig
from linkcheck.models import Status
from linkcheck.urls import is_placeholder

PLACEHOLDER = "local or placeholder address"
PLACEHOLDERS = [
    "http://localhost:8080/", "http://LOCALHOST/admin", "http://app.localhost/x",
    "https://example.com/", "https://www.example.org/a", "https://api.example.net/v1",
    "http://my.example/", "https://site.test/page", "http://127.0.0.1:9/", "http://127.8.0.1/",
    "http://10.1.2.3/", "http://192.168.1.1/admin", "http://172.16.0.9/",
    "http://169.254.169.254/latest", "http://0.0.0.0:5000/",
]
REAL = ["https://real.org/", "https://example.community/", "https://examples.com/",
        "https://test.org/", "https://localhost.org/"]


def project(tmp_path: Path, urls: list[str]) -> Path:
    doc = tmp_path / "doc.md"
    doc.write_text("# Links\n\n" + "".join(f"- <{u}>\n" for u in urls), encoding="utf-8")
    return doc


def run(tmp_path: Path, urls: list[str], handler, **check) -> tuple[pipeline.RunResult, list]:
    seen: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return handler(request)

    config = Config(paths=(str(project(tmp_path, urls)),), output_dir=str(tmp_path / "out"),
                    store=StoreConfig(enabled=False),
                    check=CheckConfig(retries=0, **check))
    result = pipeline.run(config, pool_factory=httpx_pools(httpx.MockTransport(recording)))
    return result, seen


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html"}, text="<title>Hi</title>")


def test_placeholders_are_skipped_and_never_requested(tmp_path):
    result, seen = run(tmp_path, PLACEHOLDERS + REAL, ok)
    for url in PLACEHOLDERS:
        verdict = next(r for t, r in result.results.items() if t.lower() == url.lower()
                       or t.rstrip("/") == url.rstrip("/"))
        assert (verdict.status, verdict.reason) == (Status.SKIPPED, PLACEHOLDER), url
    for url in REAL:
        assert result.results[url].status is Status.OK, url
    assert sorted(seen) == sorted(REAL)


@pytest.mark.parametrize("url, placeholder", [
    ("http://[::1]:8000/", True), ("http://[fe80::1]/", True), ("http://[fd00::7]/", True),
    ("http://[::ffff:127.0.0.1]/", True), ("http://LocalHost./", True),
    ("http://docs.example.com/x", True), ("https://[2606:4700::1111]/", False),
    ("https://1.1.1.1/", False), ("https://example.co/", False), ("https://contest.org/", False),
    ("https://localhost.dev/", False), ("not a url", False),
])
def test_what_counts_as_a_placeholder(url, placeholder):
    assert is_placeholder(url) is placeholder


def test_placeholders_do_not_make_a_dead_network_look_alive(tmp_path):
    """localhost answers (a dev server is running); nothing else does: that is no network."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "localhost":
            return ok(request)
        raise httpx.ConnectError("no route to host")

    result, seen = run(tmp_path, ["http://localhost:8080/", "https://a.org/", "https://b.org/"],
                       handler)
    assert result.network_down
    assert [result.results[u].reason for u in ("https://a.org/", "https://b.org/")] == [
        "no network", "no network"]
    assert result.results["http://localhost:8080/"].status is Status.SKIPPED
    assert all("localhost" not in url for url in seen)


def test_allow_private_checks_them(tmp_path):
    result, seen = run(tmp_path, ["http://localhost:8080/", "https://site.test/page"], ok,
                       allow_private=True)
    assert [result.results[u].status for u in ("http://localhost:8080/",
                                               "https://site.test/page")] == [Status.OK] * 2
    assert {"http://localhost:8080/", "https://site.test/page"} <= set(seen)


@pytest.fixture(scope="module")
def web():
    server = ReaderWeb({"/guide": answer(200, page("Guide", "<h1>Guide</h1>"))}).start()
    yield server
    server.stop()


def _report(folder: Path) -> dict[str, dict]:
    report = json.loads((folder / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    return {link["url"]: link for link in report["links"]}


def test_loopback_links_are_not_requested_unless_allowed(web, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    urls = [web.url("/guide"), f"http://localhost:{web.port}/guide"]
    project(tmp_path, urls)
    (tmp_path / "linkcheck.yml").write_text("check: {retries: 0, timeout: 2, connect_timeout: 1}\n")
    before = web.hits["/guide"]
    assert main(["run", "doc.md", "--output-dir", "out", "--no-cache", "-q"]) == 0
    assert {u: _report(tmp_path)[u]["status"] for u in urls} == dict.fromkeys(urls, "skipped")
    assert web.hits["/guide"] == before
    (tmp_path / "linkcheck.yml").write_text(
        "check: {allow_private: true, retries: 0, timeout: 2, connect_timeout: 1}\n")
    assert main(["run", "doc.md", "--output-dir", "out", "--no-cache", "-q"]) == 0
    assert {u: _report(tmp_path)[u]["status"] for u in urls} == dict.fromkeys(urls, "ok")
    assert web.hits["/guide"] == before + 2


def test_a_pr_adding_a_localhost_placeholder_does_not_fail(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    doc = tmp_path / "doc.md"
    doc.write_text("# Setup\n\nRun the server.\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    doc.write_text("# Setup\n\nRun the server, then open http://localhost:8080/ and "
                   "[the API](http://127.0.0.1:5000/api) in your browser.\n", encoding="utf-8")
    code = main(["run", "doc.md", "--changed-since", "HEAD", "--no-cache", "-q",
                 "--output-dir", "out"])
    found = _report(tmp_path)
    assert {found[u]["status"] for u in found} == {"skipped"}
    assert {found[u]["reason"] for u in found} == {PLACEHOLDER}
    assert code == 0
