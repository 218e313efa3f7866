"""Keep-alive HTTP/1.1 connections to one origin, reused once an answer is read."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, AsyncIterator

import httpcore

from .connection import Connection
from .proxied import absolute_form
from .proxies import ProxyRoute

KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept for reuse


class OriginPool:
    """Keep-alive HTTP/1.1 connections to one origin, each reused once its answer is read.

    The per-host slots (check/remote/hosts.py) already bound how many requests run at once on
    an origin, so this needs none of httpcore's pool machinery (queueing, locks, cancellation
    shields), which costs about a tenth of a request's CPU time. A connection goes back for
    reuse only when its exchange ended cleanly; one the server has closed is dropped on the
    next take.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None,
                 backend: httpcore.AsyncNetworkBackend,
                 forward: ProxyRoute | None = None) -> None:
        self._ssl = ssl_context
        self._backend = backend
        self._forward = forward  # a forward proxy that gets each request in absolute form
        self._idle: list[Connection] = []
        self.closed = False  # once closed, a connection handed back is closed, not kept

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if self._forward is not None:
            request = absolute_form(request, self._forward)
        connection = await self._idle_connection() or await self._connect(request)
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            await connection.aclose()
            raise
        # The answer's own body stream, wrapped to hand the connection back once it is closed
        # (a second Response around it cost more than the wrapping).
        response.stream = _Released(response.stream, connection, self)
        return response

    async def _idle_connection(self) -> Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()  # kept too long, or the server has closed it
        return None

    async def _connect(self, request: httpcore.Request) -> Connection:
        url = request.url
        host = url.host.decode("ascii")
        timeout = request.extensions.get("timeout", {}).get("connect")
        stream = await self._backend.connect_tcp(host, url.port, timeout=timeout)
        if url.scheme == b"https":  # the certificate is checked against the name in the URL
            if self._ssl is None:  # a pool is made for its origin's scheme: never plain text
                raise httpcore.ConnectError("no TLS context for an https origin")
            stream = await stream.start_tls(self._ssl, server_hostname=host, timeout=timeout)
        return Connection(url.origin, stream, keepalive_expiry=KEEPALIVE_EXPIRY)

    async def aclose(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()

    def keep(self, connection: Connection) -> bool:
        """Take back an idle connection for reuse; False when this pool is closed."""
        if self.closed:
            return False
        self._idle.append(connection)
        return True


class _Released:
    """A response body that hands its connection back to the pool once closed."""

    def __init__(self, stream: AsyncIterable[bytes], connection: Connection,
                 pool: OriginPool) -> None:
        self._stream, self._connection, self._pool = stream, connection, pool

    def __aiter__(self) -> AsyncIterator[bytes]:
        return aiter(self._stream)

    async def aclose(self) -> None:
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            if not (self._connection.is_idle() and self._pool.keep(self._connection)):
                await self._connection.aclose()
