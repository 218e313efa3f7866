"""Requests through an HTTP proxy (`check.trust_env` with HTTP_PROXY) go through the same stack,
retries and private-address guard as direct ones: a reset at the proxy is a reset (retried),
not a "TLS error" that condemns the host, and a name that resolves to a private address is
refused before anything is sent to the proxy.

The proxy is a loopback server of the test's own; it forwards only to loopback servers and
answers every other host itself, so nothing leaves the machine."""

from __future__ import annotations

import asyncio
import socket
import struct
from urllib.parse import urlsplit

import pytest
from loopback import AsyncLoopback
from readerweb import ReaderWeb, answer, head, page, serve_tls

from linkcheck.check.remote.checker import check_remote
from linkcheck.config import CheckConfig, Config
from linkcheck.models import Status


class Proxy(AsyncLoopback):
    """A forward proxy for http:// URLs on loopback; resets the first `resets` connections."""

    def __init__(self, resets: int = 0) -> None:
        super().__init__()
        self.resets = resets
        self.connections = 0
        self.asked: list[str] = []
        self.heads: list[bytes] = []  # each request's head as sent to the proxy

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, target = request.decode("ascii").split(" ", 2)[:2]
            self.asked.append(target)
            self.heads.append(request)
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
            if self.connections <= self.resets:  # the tunnel, or the request, is reset
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if method == "CONNECT":
                await self._tunnel(target, reader, writer)
                return
            writer.write(await self._forward(target, request))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()

    async def _tunnel(self, target: str, reader, writer) -> None:
        host, _, port = target.rpartition(":")
        assert host.startswith("127."), target  # never leaves the machine
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await asyncio.wait_for(source.read(65536), 5):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, TimeoutError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def _forward(self, target: str, request: bytes) -> bytes:
        parts = urlsplit(target)
        if not (parts.hostname or "").startswith("127."):  # never leaves the machine
            return head(200, {"content-type": "text/html"}, 5) + b"proxy"
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        writer.write(request.replace(target.encode(), path.encode(), 1))
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)  # the loopback web closes after one
        writer.close()
        return data


@pytest.fixture(scope="module")
def web():
    server = ReaderWeb({"/guide": answer(200, page("Guide", "<h1 id='intro'>Guide</h1>"))})
    yield server.start()
    server.stop()


def check(urls: list[str], **options) -> dict[str, tuple[Status, str]]:
    settings = dict(timeout=3.0, connect_timeout=1.0, read_timeout=1.0, retries=1,
                    trust_env=True, allow_private=True)
    settings.update(options)

    async def no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    outcome = asyncio.run(check_remote(urls, Config(check=CheckConfig(**settings)),
                                       sleep=no_wait, rand=lambda: 0.5))
    return {url: (r.status, r.reason) for url, r in outcome.results.items()}


@pytest.fixture
def proxy(monkeypatch):
    server = Proxy(resets=1).start()
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{server.port}")
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield server
    server.stop()


def test_a_reset_at_the_proxy_is_retried_like_a_direct_one(web, proxy):
    url = web.url("/guide", 2)
    found = check([url, url + "#intro"])
    assert found[url][0] is Status.OK, found[url]
    assert found[url + "#intro"][0] is Status.OK
    assert proxy.connections == 2 and proxy.asked == [url, url]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """(URL, CA file) of a TLS server on 127.0.0.2 whose certificate a trustme CA signed."""
    trustme = pytest.importorskip("trustme")
    import ssl

    folder = tmp_path_factory.mktemp("proxy-tls")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.2").configure_cert(context)
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server, url = serve_tls(context, "127.0.0.2")
    yield url, str(folder / "ca.pem")
    server.shutdown()
    server.server_close()


def test_a_reset_tunnel_is_a_reset_retried_not_a_tls_error(tls_server, proxy, monkeypatch):
    url, ca = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", ca)
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    found = check([url, url + "#intro"])
    assert found[url][0] is Status.OK, found[url]
    assert found[url + "#intro"][0] is Status.OK
    assert proxy.connections == 2


def test_a_name_resolving_to_a_private_address_is_refused_before_the_proxy(proxy, monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        if host == "intranet.corp":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]
        raise socket.gaierror(socket.EAI_AGAIN, "no resolver here: the proxy resolves")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    proxy.resets = 0
    found = check(["http://intranet.corp/wiki", "http://public.org/page"], allow_private=False)
    status, reason = found["http://intranet.corp/wiki"]
    assert status is Status.BROKEN and reason.startswith("private address refused")
    assert found["http://public.org/page"][0] is Status.OK  # the proxy resolves what we cannot
    assert proxy.asked == ["http://public.org/page"]


def test_the_proxy_gets_its_credentials(web, proxy, monkeypatch):
    proxy.resets = 0
    monkeypatch.setenv("HTTP_PROXY", f"http://user:secret@127.0.0.1:{proxy.port}")
    monkeypatch.setenv("http_proxy", f"http://user:secret@127.0.0.1:{proxy.port}")
    url = web.url("/guide", 2)
    assert check([url])[url][0] is Status.OK
    (head,) = proxy.heads
    assert b"Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=" in head  # user:secret
