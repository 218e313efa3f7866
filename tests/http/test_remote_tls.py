"""https:// against a real TLS server on loopback: certificates are verified against the URL's
host, a trusted certificate gives an answer over a kept-alive connection, an untrusted one is a
TLS error. The certificate is made by the openssl command for each test module."""

from __future__ import annotations

import asyncio
import gc
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from certs import loopback_certificate

from linkcheck.check.remote.checker import RemoteOutcome, check_remote
from linkcheck.config import CheckConfig, Config
from linkcheck.http.cookies import CookieJar
from linkcheck.http.fetch import RequestSpec, fetch
from linkcheck.http.outcome import Failure, FailureKind
from linkcheck.http.pool import Clients, ClientSettings
from linkcheck.models import Status


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    connections = 0

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 - the name http.server asks for
        body = b"<!doctype html><title>Secure page</title><h1>Secure page</h1>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(base URL, certificate file) of a TLS server on 127.0.0.1."""
    cert, key = loopback_certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()
    thread.join(5)


def check(urls: list[str]) -> RemoteOutcome:
    config = Config(check=CheckConfig(timeout=5.0, connect_timeout=2.0, read_timeout=2.0,
                                      retries=0, per_host=1, allow_private=True))
    return asyncio.run(check_remote(urls, config))


def test_a_trusted_certificate_answers_over_one_kept_alive_connection(tls_server, monkeypatch):
    base, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the default context trusts it
    before = _Handler.connections
    urls = [f"{base}/page/{i}" for i in range(3)]
    outcome = check(urls)
    assert [outcome.results[u].status for u in urls] == [Status.OK] * 3
    assert _Handler.connections - before == 1


def test_an_untrusted_certificate_is_a_tls_error(tls_server, monkeypatch):
    base, _ = tls_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    url = f"{base}/page/untrusted"
    result = check([url]).results[url]
    assert result.status is Status.BROKEN
    assert result.reason.startswith("TLS error: ")
    assert "certificate verify failed" in result.reason


async def _plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """What a plain-HTTP port says to a TLS hello: a 400, then it hangs up."""
    try:
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"\x15\x03\x03\x00\x02garbage that is no TLS record at all")
    try:
        await writer.drain()
    except ConnectionError:
        pass
    writer.close()


def _live(cls: type) -> list:
    return [o for o in gc.get_objects() if isinstance(o, cls)]


def test_failed_handshakes_leave_no_protocol_buffer_or_socket_behind():
    """Each failed handshake used to keep its SSL protocol (and 256 KiB buffer) in a reference
    cycle that only a full garbage collection freed: with the collector off, nothing may stay."""
    probes_per_server = 100

    async def scenario() -> list:
        servers = [await asyncio.start_server(handler, "127.0.0.1", 0)
                   for handler in (_plain_http, _hang_up, _garbage)]
        clients = Clients(ClientSettings(2.0, 2.0, allow_private=True))
        outcomes = []
        for server in servers:
            port = server.sockets[0].getsockname()[1]
            for i in range(probes_per_server):
                spec = RequestSpec("HEAD", f"https://127.0.0.1:{port}/{i}", {})
                outcomes.append(await fetch(clients, spec, CookieJar()))
        await asyncio.sleep(0.05)  # closed transports finish on the next loop iterations
        assert len(_live(asyncio.sslproto.SSLProtocol)) <= 2
        transports = _live(asyncio.selector_events._SelectorTransport)
        assert [t for t in transports if not t.is_closing()] == []
        await clients.aclose()
        for server in servers:
            server.close()
        return outcomes

    gc.collect()
    gc.disable()
    try:
        outcomes = asyncio.run(scenario())
    finally:
        gc.enable()
    assert len(outcomes) == 3 * probes_per_server
    assert all(isinstance(o, Failure) for o in outcomes)
    assert {o.kind for o in outcomes} <= {FailureKind.TLS, FailureKind.RESET,
                                          FailureKind.CONNECT}
    assert sum(o.kind is FailureKind.TLS for o in outcomes) >= probes_per_server
