"""Configured headers (credentials) stay on the origins they were meant for, and a pull
request's config cannot send the runner's environment anywhere. Real servers on loopback."""

from __future__ import annotations

import asyncio
import http.server
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from certs import loopback_certificate

from linkcheck.check.remote.checker import check_remote
from linkcheck.check.remote.credentials import may_carry_secrets
from linkcheck.config import CheckConfig, Config, ConfigError, HostConfig, load_config
from linkcheck.models import Hop, Status

TOKEN_HEADERS = {"Authorization": "Bearer ${LINKCHECK_TEST_TOKEN}", "X-Plain": "plain"}


@pytest.mark.parametrize(("url", "before", "carried"), [
    ("https://api.test/x", [], True),
    ("https://api.test:443/x", ["https://api.test/x"], True),
    ("https://api.test:8443/y", ["https://api.test/x"], False),  # another port
    ("https://api.test:8443/y", ["https://api.test:8443/x"], True),  # the port as written
    ("http://api.test/x", [], False),  # cleartext on a network
    ("http://api.test/x", ["https://api.test/x"], False),  # https -> http
    ("https://api.test/x", ["https://api.test/a", "http://api.test/b"], False),  # and back
    ("http://127.0.0.1:8080/x", [], True),  # loopback: nothing crosses a network
    ("http://localhost/x", [], True),
    ("http://[::1]:9/x", [], True),
    ("http://127.0.0.1:9/x", ["http://127.0.0.1:8080/x"], False),
    ("http://[::1/x", [], False),  # not a URL: nothing goes along
])
def test_which_requests_carry_configured_headers(url, before, carried):
    assert may_carry_secrets(url, [Hop(u, 302) for u in before]) is carried


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request's headers; /to?u=URL redirects there, anything else is a page."""

    seen: list[tuple[str, dict[str, str]]] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        port = self.server.server_address[1]
        self.seen.append((f"{port}{self.path}", {k.lower(): v for k, v in self.headers.items()}))
        if self.path.startswith("/to?u="):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/to?u="))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<!doctype html><title>Page</title><h1>Page</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(context: ssl.SSLContext | None) -> tuple[http.server.HTTPServer, threading.Thread]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[tuple[int, int, int, Path]]:
    """(https port, second https port, plain http port, certificate) on 127.0.0.1."""
    cert, key = loopback_certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    running = [_serve(context), _serve(context), _serve(None)]
    yield (*(server.server_address[1] for server, _ in running), cert)
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(5)


def check(urls: list[str], trusted: bool = True):
    hosts = {"127.0.0.1": HostConfig(headers=TOKEN_HEADERS)}
    config = Config(check=CheckConfig(timeout=5.0, retries=0, hosts=hosts, allow_private=True),
                    trusted=trusted)
    return asyncio.run(check_remote(urls, config))


def sent(port: int, path: str) -> dict[str, str]:
    (headers,) = [h for p, h in _Recorder.seen if p == f"{port}{path}"]
    return headers


def test_credentials_never_follow_a_redirect_to_http_or_to_another_port(servers, monkeypatch):
    tls, other_tls, plain, cert = servers
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv("LINKCHECK_TEST_TOKEN", "s3cret")
    to_http = f"https://127.0.0.1:{tls}/to?u=http://127.0.0.1:{plain}/landed-http"
    to_port = f"https://127.0.0.1:{tls}/to?u=https://127.0.0.1:{other_tls}/landed-port"
    back = f"https://127.0.0.1:{tls}/to?u=http://127.0.0.1:{plain}/to?u=https://127.0.0.1:{tls}/b"
    outcome = check([to_http, to_port, back])
    assert all(r.status is Status.OK for r in outcome.results.values())
    # Any configured header may be a credential: none goes along, not only Authorization.
    for port, path in ((plain, "/landed-http"), (other_tls, "/landed-port"), (tls, "/b")):
        assert not {"authorization", "x-plain"} & set(sent(port, path)), path
    first = sent(tls, f"/to?u=http://127.0.0.1:{plain}/landed-http")
    assert (first["authorization"], first["x-plain"]) == ("Bearer s3cret", "plain")


def test_a_pull_requests_config_expands_no_environment_variable(servers, monkeypatch):
    _, _, plain, _ = servers
    monkeypatch.setenv("LINKCHECK_TEST_TOKEN", "s3cret")
    url = f"http://127.0.0.1:{plain}/untrusted"
    outcome = check([url], trusted=False)
    assert outcome.results[url].status is Status.OK
    headers = sent(plain, "/untrusted")
    assert "authorization" not in headers and headers["x-plain"] == "plain"
    assert any("headers.Authorization: not sent" in note for note in outcome.notes)
    trusted = f"http://127.0.0.1:{plain}/trusted"
    check([trusted])
    assert sent(plain, "/trusted")["authorization"] == "Bearer s3cret"


def test_the_config_file_cannot_declare_itself_trusted(tmp_path):
    (tmp_path / "linkcheck.yml").write_text("trusted: true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'trusted'"):
        load_config(root=tmp_path)


def test_a_pr_run_sends_no_secret_from_the_environment(servers, tmp_path, monkeypatch, capsys):
    from linkcheck.cli import main

    _, _, plain, _ = servers
    monkeypatch.setenv("LINKCHECK_TEST_TOKEN", "s3cret")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid",
           "-c", "commit.gpgsign=false"]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *args], cwd=tmp_path, check=True, capture_output=True, timeout=30)
    (tmp_path / "linkcheck.yml").write_text(
        "check:\n  allow_private: true\n  retries: 0\n  hosts:\n    127.0.0.1:\n      headers:\n"
        "        Authorization: 'Bearer ${LINKCHECK_TEST_TOKEN}'\n", encoding="utf-8")
    (tmp_path / "docs" / "a.md").write_text(
        f"# A\n\n[pr](http://127.0.0.1:{plain}/from-a-pr)\n", encoding="utf-8")
    code = main(["run", "docs", "--changed-since", "HEAD", "--no-cache", "-q"])
    assert code == 0
    assert "authorization" not in sent(plain, "/from-a-pr")
    assert "not expanded from a pull request's config" in capsys.readouterr().err


def test_netrc_credentials_follow_the_same_rule(servers, tmp_path, monkeypatch):
    from linkcheck.http.proxies import netrc_auth

    tls, _, plain, cert = servers
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login user password pw\n")
    (tmp_path / ".netrc").chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    netrc_auth.cache_clear()
    try:
        url = f"https://127.0.0.1:{tls}/to?u=http://127.0.0.1:{plain}/netrc-landed"
        config = Config(check=CheckConfig(timeout=5.0, retries=0, allow_private=True,
                                          trust_env=True))
        outcome = asyncio.run(check_remote([url], config))
    finally:
        netrc_auth.cache_clear()
    assert outcome.results[url].status is Status.OK
    assert sent(tls, f"/to?u=http://127.0.0.1:{plain}/netrc-landed")["authorization"] == (
        "Basic dXNlcjpwdw==")  # user:pw, over https
    assert "authorization" not in sent(plain, "/netrc-landed")  # not after the downgrade
