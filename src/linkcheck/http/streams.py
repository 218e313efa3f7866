"""httpcore's network stream and backend on asyncio's own streams."""

from __future__ import annotations

import asyncio
import select
import ssl
from typing import Any

import httpcore

from .errors import forget_frames


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """httpcore's network stream on asyncio's own streams.

    httpcore's default (anyio) stream spends more on cancel scopes and attribute lookups than
    on the reads and writes themselves; this one needs one asyncio.timeout per call.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("no data within the read timeout") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("request not sent within the timeout") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()  # no wait for the peer: a TLS close_notify is not worth a stall

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from forget_frames(exc)
        except (OSError, ssl.SSLError) as exc:  # a refused certificate stays the cause: TLS
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from forget_frames(exc)
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle pooled connection: has the server left?
            return self._reader.at_eof() or _socket_readable(self._writer.get_extra_info("socket"))
        names = {"ssl_object": "ssl_object", "client_addr": "sockname",
                 "server_addr": "peername", "socket": "socket"}
        return self._writer.get_extra_info(names[info]) if info in names else None


def _socket_readable(sock: Any) -> bool:
    if sock is None:
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connects with asyncio.open_connection; errors mapped as httpcore's own backends do."""

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"{host}:{port}: connection timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _AsyncioStream(reader, writer)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not checked")

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        await asyncio.sleep(seconds)
