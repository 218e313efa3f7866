"""A loopback web of pages that behave as real sites do for a reader, byte for byte: slow
bodies after a 200, raw UTF-8 Location headers, bodies shorter than their Content-Length, long
redirect chains, error pages reached by redirect, JavaScript shells, bot walls of several
shapes, HEADs that never answer.

Each route writes its answer itself (raw bytes), so the test sees what a browser would. Every
connection serves one request and is closed; stalls end when the client leaves or after
STALL_LIMIT seconds, so no test can hang on it.
"""

from __future__ import annotations

import asyncio
import http.server
import ssl
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from loopback import AsyncLoopback

HOSTS = ("127.0.0.1", "127.0.0.2")
STALL_LIMIT = 10.0  # seconds a stalled answer waits before giving up on its own


@dataclass(frozen=True)
class Request:
    host: str
    method: str
    target: str  # as sent, percent-encoding included
    headers: dict[str, str]


@dataclass(frozen=True)
class Exchange:
    request: Request
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    async def stall(self) -> None:
        """Keep the connection open and silent until the client leaves (or STALL_LIMIT)."""
        await self.writer.drain()
        try:
            await asyncio.wait_for(self.reader.read(), STALL_LIMIT)
        except (TimeoutError, ConnectionError):
            pass


Route = Callable[[Exchange], Awaitable[None]]


def head(status: int, headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    fields = {"connection": "close", **(headers or {})}
    if length is not None:
        fields["content-length"] = str(length)
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def page(title: str, body: str = "") -> bytes:
    return (f"<!doctype html><html><head><title>{title}</title></head>"
            f"<body>{body}</body></html>").encode()


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Route:
    async def route(ex: Exchange) -> None:
        fields = {"content-type": "text/html; charset=utf-8", **(headers or {})}
        sent = b"" if ex.request.method == "HEAD" else body
        ex.write(head(status, fields, len(body)) + sent)

    return route


def redirect(status: int, location: str) -> Route:
    return answer(status, b"", {"location": location})


def raw(data: bytes) -> Route:
    async def route(ex: Exchange) -> None:
        ex.write(data)

    return route


class ReaderWeb(AsyncLoopback):
    """The server, on HOSTS[0] and HOSTS[1] with one port; `url(path)` on the first host."""

    addresses = HOSTS

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__()
        self.routes = routes
        self.requests: list[Request] = []
        self.hits: Counter[str] = Counter()  # per path (percent-encoded, without query)

    def url(self, path: str, host: int = 1) -> str:
        return f"http://{HOSTS[host - 1]}:{self.port}{path}"

    def methods(self, path: str) -> list[str]:
        return [r.method for r in self.requests if urlsplit(r.target).path == path]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read(reader, writer.get_extra_info("sockname")[0])
            path = urlsplit(request.target).path
            self.requests.append(request)
            self.hits[path] += 1
            route = self.routes.get(path) or answer(404, page("Not Found"))
            await route(Exchange(request, reader, writer))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _read(self, reader: asyncio.StreamReader, host: str) -> Request:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
        headers = {k.strip().lower(): v.strip() for k, v in fields.items()}
        return Request(host, method, target, headers)


class _SecurePage(http.server.BaseHTTPRequestHandler):
    """The one page of a TLS server: a small HTML page with an id, kept alive."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server asks for
        body = b"<!doctype html><title>Secure</title><h1 id='intro'>Secure</h1>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


def serve_tls(context: ssl.SSLContext, host: str = HOSTS[0]
              ) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A TLS server on loopback with the given certificate; (server, URL of its page).
    Stop it with server.shutdown() and server.server_close()."""
    server = http.server.ThreadingHTTPServer((host, 0), _SecurePage)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server, f"https://{host}:{server.server_address[1]}/page"
