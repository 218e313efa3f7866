"""Definitive answers against transient ones: a 404 or 410 (or a domain that does not exist) is
broken on the first run, even with a fresh result store; timeouts, resets, 5xx, 429 and resolver
failures wait for `store.failures_before_broken` runs. A DNS answer "no such domain" proves the
network works: a run whose only remote links point at such domains fails (exit 1), not exit 4.

Name lookups are answered by a stand-in for the system resolver (nothing is resolved for real).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from gitrepo import git
from readerweb import Exchange, ReaderWeb, answer, page

from linkcheck.cli import main


async def _stall(ex: Exchange) -> None:
    await ex.stall()


@pytest.fixture(scope="module")
def web():
    server = ReaderWeb({
        "/ok": answer(200, page("Fine", "<h1>Fine</h1>")),
        "/gone": answer(404, page("Not Found")),
        "/removed": answer(410, page("Gone")),
        "/overloaded": answer(503, page("Service Unavailable")),
        "/busy": answer(429, page("Too Many Requests")),
        "/stalls": _stall,
    }).start()
    yield server
    server.stop()


CONFIG = "check: {allow_private: true, retries: 0, timeout: 1, read_timeout: 0.5}\n"


def run(folder: Path, urls: list[str], *flags: str,
        config: str = CONFIG) -> tuple[int, dict[str, tuple[str, str]]]:
    (folder / "doc.md").write_text("# Links\n\n" + "".join(f"- <{u}>\n" for u in urls),
                                   encoding="utf-8")
    (folder / "linkcheck.yml").write_text(config, encoding="utf-8")
    code = main(["run", "doc.md", "--output-dir", "out", "-q", *flags])
    report = json.loads((folder / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    return code, {link["url"]: (link["status"], link["reason"]) for link in report["links"]}


def test_a_404_fails_the_first_run_while_transient_failures_wait(web, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    definitive = [web.url("/gone"), web.url("/removed")]
    transient = [web.url("/overloaded"), web.url("/busy"), web.url("/stalls")]
    code, found = run(tmp_path, definitive + transient)  # a fresh store: first run
    assert [found[u][0] for u in definitive] == ["broken", "broken"]
    assert found[web.url("/overloaded")][0] == "new-failure"
    assert found[web.url("/stalls")][0] == "new-failure"
    assert found[web.url("/busy")][0] in ("new-failure", "unverifiable")
    assert code == 1


def _resolver(error: int, knows: tuple[str, ...] = ("example.com",)):
    """A stand-in system resolver: the names in `knows` resolve (to loopback; they are only
    looked up, never connected to), every other lookup fails with `error`."""
    def getaddrinfo(host, port, *args, **kwargs):
        if host in knows:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        raise socket.gaierror(error, "stand-in resolver")

    return getaddrinfo


def test_a_domain_that_does_not_exist_is_broken_and_proves_the_network(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(socket.EAI_NONAME))
    urls = ["https://no-such-domain-1.org/", "https://no-such-domain-2.org/page"]
    code, found = run(tmp_path, urls)  # fresh store: definitive all the same
    assert {found[u][0] for u in urls} == {"broken"}
    assert all("does not exist" in found[u][1] for u in urls)
    assert code == 1


def test_a_pr_whose_only_remote_links_do_not_exist_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(socket.EAI_NONAME))
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "doc.md").write_text("# Links\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    code, found = run(tmp_path, ["https://no-such-domain-3.org/"], "--changed-since", "HEAD",
                      "--no-cache")
    assert found["https://no-such-domain-3.org/"] == ("broken", "domain does not exist")
    assert code == 1  # not 4: the DNS answered, so the network works


def test_a_resolver_that_knows_no_name_at_all_is_no_network(tmp_path, monkeypatch):
    # Offline machines and sandboxes answer "no such name" for everything, example.com too:
    # that proves nothing about the links, and none of them is broken.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(socket.EAI_NONAME, knows=()))
    urls = ["https://github.com/a/b", "https://docs.python.org/3/"]
    code, found = run(tmp_path, urls, "--no-cache")
    assert {found[u] for u in urls} == {("unverifiable", "no network")}
    assert code == 4


def test_an_empty_dns_canary_believes_every_no_such_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(socket.EAI_NONAME, knows=()))
    config = CONFIG.replace("retries: 0", 'retries: 0, dns_canary: ""')
    code, found = run(tmp_path, ["https://no-such-domain-4.org/"], "--no-cache", config=config)
    assert found["https://no-such-domain-4.org/"] == ("broken", "domain does not exist")
    assert code == 1


def test_a_failing_resolver_is_still_no_network(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(socket.EAI_AGAIN))
    urls = ["https://a.org/", "https://b.org/"]
    code, found = run(tmp_path, urls, "--no-cache")
    assert {found[u] for u in urls} == {("unverifiable", "no network")}
    assert code == 4
