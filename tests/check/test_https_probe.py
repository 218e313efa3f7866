"""The insecure-http rule's https:// check costs a host, not a URL: one probe per host decides
whether it serves https at all, the answer is kept in the store, and a host without TLS is a
fact about the host, never a broken link. Real servers on loopback (tests/hostweb.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import ssl

import pytest
from hostweb import HOSTS, DualServer, HostWeb

from linkcheck import cli
from linkcheck.check.remote.checker import check_remote
from linkcheck.config import CheckConfig, Config

LINKS = 30


@pytest.fixture(scope="module")
def hosts():
    server = HostWeb().start()
    yield server
    server.stop()


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "linkcheck.yml").write_text(
        "paths: [docs/]\ncheck:\n  timeout: 2\n  retries: 1\n  allow_private: true\n",
        encoding="utf-8")
    return tmp_path


def write_links(project, urls: list[str]) -> None:
    lines = [f"- [page {i}]({url})" for i, url in enumerate(urls)]
    (project / "docs" / "a.md").write_text("# Pages\n\n" + "\n".join(lines) + "\n",
                                           encoding="utf-8")


def run(project) -> dict:
    assert cli.main(["run", "--quiet"]) == 0
    return json.loads((project / "reports" / "linkcheck.json").read_text(encoding="utf-8"))


def stored(project, table: str) -> list[tuple]:
    with sqlite3.connect(project / ".linkcheck" / "history.sqlite") as db:
        return db.execute(f"SELECT * FROM {table}").fetchall()


def test_a_host_without_tls_costs_one_probe_and_is_never_a_broken_link(hosts, project):
    hosts.reset()
    write_links(project, hosts.urls("plain", LINKS))
    report = run(project)
    assert hosts.tls_hellos[HOSTS["plain"]] == 1  # was one (or more, with retries) per link
    assert report["summary"]["links"] == LINKS
    assert report["summary"]["statuses"]["ok"] == LINKS
    assert [f for f in report["findings"] if f["rule"] == "insecure-http"] == []
    verdicts = stored(project, "verdicts")
    assert len(verdicts) == LINKS and all(row[0].startswith("http://") for row in verdicts)
    (fact,) = stored(project, "silent_origins")
    assert fact[0] == f"https://{HOSTS['plain']}:{hosts.port}"
    hosts.reset()
    run(project)  # warm: the links are reused, and so is the fact about the host
    assert hosts.tls_hellos[HOSTS["plain"]] == 0 and hosts.requests[HOSTS["plain"]] == 0


def test_the_fact_about_a_host_expires_with_its_max_age(hosts, project):
    hosts.reset()
    write_links(project, hosts.urls("plain2", 5))
    (project / "linkcheck.yml").write_text(
        "paths: [docs/]\ncheck:\n  timeout: 2\n  allow_private: true\n"
        "store:\n  max_age:\n    ok: 86400\n",
        encoding="utf-8")  # no "no-https" entry: the fact is never reused
    run(project)
    run(project)
    assert hosts.tls_hellos[HOSTS["plain2"]] == 2  # one probe per run


@pytest.fixture(scope="module")
def dual(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(DualServer.ADDRESS).configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = DualServer(context).start()
    yield server, ca_file
    server.stop()


def test_a_host_that_serves_https_gets_each_twin_checked_and_suggested(dual, project,
                                                                        monkeypatch):
    server, ca_file = dual
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    urls = [server.url(f"/guide/{i}") for i in range(4)]
    write_links(project, urls)
    report = run(project)
    replacements = sorted(f["replacement"] for f in report["findings"]
                          if f["rule"] == "insecure-http")
    assert replacements == sorted(u.replace("http://", "https://") for u in urls)
    assert server.tls_connections >= 1
    assert stored(project, "silent_origins") == []


def test_the_http_and_https_forms_of_a_host_share_one_limit(dual, monkeypatch):
    server, ca_file = dual
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    plain = [server.url(f"/both/{i}") for i in range(6)]
    urls = plain + [u.replace("http://", "https://") for u in plain]
    config = Config(check=CheckConfig(timeout=5.0, per_host=2, retries=0, allow_private=True))
    server.max_in_flight = 0
    outcome = asyncio.run(check_remote(urls, config))
    assert {r.status for r in outcome.results.values()} == {"ok"}
    assert server.max_in_flight == 2  # 2 per form would have been 4


def test_progress_counts_links_only(hosts):
    links = hosts.urls("ok", 3)
    twins = [u.replace("http://", "https://") for u in links]
    events = []
    config = Config(check=CheckConfig(timeout=2.0, retries=0, allow_private=True))
    outcome = asyncio.run(check_remote(links + twins, config, progress=events.append,
                                       extras=frozenset(twins)))
    assert (events[-1].done, events[-1].total) == (3, 3)
    assert {outcome.results[t].status for t in twins} == {"skipped"}
    assert list(outcome.origins_answered) == [f"https://{HOSTS['ok']}:{hosts.port}"]


def test_extras_checked_before_the_deadline_keep_their_verdicts(hosts):
    """An origin's extras wait for its probe together: when the deadline cuts the slow one
    short, those already checked keep their own verdicts."""
    links = hosts.urls("ok", 1)
    extras = [hosts.url("slow-deep", "/page/1"), hosts.url("slow-deep", "/page/2"),
              hosts.url("slow-deep", "/slow/1")]
    config = Config(check=CheckConfig(timeout=5.0, retries=0, deadline=1.0, allow_private=True))
    outcome = asyncio.run(check_remote(links + extras, config, extras=frozenset(extras)))
    verdicts = [(outcome.results[u].status, outcome.results[u].reason) for u in extras]
    assert verdicts == [("ok", "ok"), ("ok", "ok"), ("unverifiable", "run deadline reached")]
    assert outcome.results[links[0]].status == "ok"
