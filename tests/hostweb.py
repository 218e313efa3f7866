"""Loopback hosts with one behaviour each, for host-level tests: a host that accepts and never
answers, a tarpit that answers 429 to everything, a plain-HTTP host that hangs up on TLS
hellos, a host whose deep pages hang while its front page answers, and a healthy one.

Each host is its own 127.0.0.x address on one shared port (politeness is per host name, so the
hosts must not share an address). The server counts connections, requests and TLS hellos per
address so tests can assert what a run cost each host.
"""

from __future__ import annotations

import asyncio
import http.server
import socket
import ssl
import threading
import time
from collections import Counter

from loopback import AsyncLoopback

HOSTS = {
    "hang": "127.0.0.51",
    "tarpit": "127.0.0.52",
    "plain": "127.0.0.53",
    "slow-deep": "127.0.0.54",
    "ok": "127.0.0.55",
    "plain2": "127.0.0.56",
    "refused": "127.0.0.57",  # nothing listens there: every connection is refused
    "no-head": "127.0.0.59",  # never answers a HEAD, whatever the path; answers GET
}
TARPIT_RETRY_AFTER = 30  # under check.max_retry_after: waited for, not reported at once
PAGE = b"<!doctype html><html><head><title>Page</title></head><body><h1>Page</h1></body></html>"


class HostWeb(AsyncLoopback):
    addresses = tuple(a for name, a in HOSTS.items() if name != "refused")

    def __init__(self, retry_after: int = TARPIT_RETRY_AFTER) -> None:
        super().__init__()
        self.retry_after = retry_after  # what the tarpit asks for
        self.connections: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.tls_hellos: Counter[str] = Counter()
        self.order: list[str] = []  # the address of each request, in the order they came

    def url(self, behaviour: str, path: str, scheme: str = "http") -> str:
        return f"{scheme}://{HOSTS[behaviour]}:{self.port}{path}"

    def urls(self, behaviour: str, count: int, scheme: str = "http") -> list[str]:
        return [self.url(behaviour, f"/page/{i}", scheme) for i in range(count)]

    def reset(self) -> None:
        for counter in (self.connections, self.requests, self.tls_hellos):
            counter.clear()
        self.order.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("sockname")[0]
        behaviour = next(name for name, a in HOSTS.items() if a == address)
        self.connections[address] += 1
        try:
            first = await reader.readexactly(1)
            if first == b"\x16":  # a TLS ClientHello
                self.tls_hellos[address] += 1
                if behaviour in ("hang", "slow-deep"):
                    await asyncio.sleep(3600)  # the handshake never completes
                return  # a plain-HTTP server hangs up on it
            head = first + await reader.readuntil(b"\r\n\r\n")
            while True:
                self.requests[address] += 1
                self.order.append(address)
                await self._answer(behaviour, head, writer)
                head = await reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            writer.close()

    async def _answer(self, behaviour: str, head: bytes, writer: asyncio.StreamWriter) -> None:
        path = head.split(b" ", 2)[1]
        if behaviour == "hang" or (behaviour == "slow-deep" and path.startswith(b"/slow")):
            await asyncio.sleep(3600)
        if behaviour == "no-head" and head.startswith(b"HEAD"):
            await asyncio.sleep(3600)
        if behaviour == "tarpit":
            writer.write(b"HTTP/1.1 429 Too Many Requests\r\nretry-after: %d\r\n"
                         b"content-length: 0\r\n\r\n" % self.retry_after)
        else:
            body = b"" if head.startswith(b"HEAD") else PAGE
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n"
                         b"content-length: %d\r\n\r\n%s" % (len(PAGE), body))
        await writer.drain()


class _DualHandler(http.server.BaseHTTPRequestHandler):
    """Plain HTTP or TLS on one port, told apart by the first byte (a TLS ClientHello)."""

    protocol_version = "HTTP/1.1"  # keep-alive

    def setup(self) -> None:
        if self.request.recv(1, socket.MSG_PEEK) == b"\x16":
            self.server.tls_connections += 1
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def do_HEAD(self) -> None:  # noqa: N802 - the names http.server asks for
        self._answer(with_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(with_body=True)

    def _answer(self, with_body: bool) -> None:
        server = self.server
        with server.lock:
            server.paths.append(self.path)
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        time.sleep(0.05)  # long enough for requests sent together to overlap here
        with server.lock:
            server.in_flight -= 1
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(PAGE)))
        self.end_headers()
        if with_body:
            self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


class DualServer(http.server.ThreadingHTTPServer):
    """A host that serves the same pages over http:// and https:// on one port, so that an
    http:// link's https:// twin (same port) answers; its certificate is for ADDRESS."""

    ADDRESS = "127.0.0.58"
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__((self.ADDRESS, 0), _DualHandler)
        self.tls = tls
        self.tls_connections = 0
        self.paths: list[str] = []
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self._thread = threading.Thread(target=self.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.ADDRESS}:{self.server_address[1]}{path}"

    def start(self) -> DualServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)
