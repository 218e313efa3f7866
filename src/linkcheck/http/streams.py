"""httpcore's network stream and backend on asyncio's own transports."""

from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import Callable
from typing import Any

import httpcore

from .errors import forget_frames

# Bytes received and not yet read, past which the socket is not read until they are (as
# asyncio's StreamReader does with its default limit): a server cannot fill the memory.
PAUSE_ABOVE = 128 * 1024
RESUME_BELOW = 64 * 1024


class _Receiver(asyncio.Protocol):
    """One connection's receiving end: what arrived, until read; whether the server has ended
    or broken the connection; whether writes must wait for the kernel to take more."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = self.lost = self.over_ssl = False
        self.error: BaseException | None = None
        self._paused = self._writes_wait = False
        self._waiter: asyncio.Future[None] | None = None  # a read or a write waiting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self._paused and len(self.buffer) > PAUSE_ABOVE:
            try:
                self.transport.pause_reading()  # type: ignore[union-attr]
                self._paused = True
            except NotImplementedError:
                pass
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return not self.over_ssl  # as StreamReaderProtocol: TLS closes, plain TCP half-closes

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = self.eof = True
        if exc is not None:
            self.error = exc
        self._wake()

    def pause_writing(self) -> None:
        self._writes_wait = True

    def resume_writing(self) -> None:
        self._writes_wait = False
        self._wake()

    def take(self, max_bytes: int) -> bytes:
        if self.error is not None:  # first, as StreamReader does
            raise self.error
        data = bytes(memoryview(self.buffer)[:max_bytes])
        del self.buffer[:max_bytes]
        if self._paused and len(self.buffer) <= RESUME_BELOW:
            self._paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]
        return data

    async def until(self, ready: Callable[[], bool], timeout: float | None) -> None:
        """Wait until `ready()` (data, an end, room for writes); TimeoutError past `timeout`
        seconds. What needs no wait sets no timer."""
        loop = self.loop
        deadline = None if timeout is None else loop.time() + timeout
        while not ready():
            waiter = self._waiter = loop.create_future()
            timer = None if deadline is None else loop.call_at(deadline, _expire, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()

    def readable(self) -> bool:
        return bool(self.buffer) or self.eof or self.error is not None

    def writable(self) -> bool:
        return not self._writes_wait or self.lost

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """httpcore's network stream on an asyncio transport and protocol of our own.

    httpcore's default (anyio) stream spends more on cancel scopes and attribute lookups than
    on the reads and writes themselves, and asyncio's StreamReader and StreamWriter set up a
    timeout for every call; this one sets a timer only for a read or write that must wait.
    """

    def __init__(self, transport: asyncio.Transport, receiver: _Receiver) -> None:
        self._transport, self._receiver = transport, receiver

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        receiver = self._receiver
        try:
            if not receiver.readable():
                await receiver.until(receiver.readable, timeout)
            return receiver.take(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("no data within the read timeout") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        receiver = self._receiver
        try:
            if receiver.error is not None:  # as StreamWriter.drain: the reader's error first
                raise receiver.error
            self._transport.write(buffer)
            if not receiver.writable():
                await receiver.until(receiver.writable, timeout)
            if receiver.lost:
                raise ConnectionResetError("Connection lost")
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("request not sent within the timeout") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._transport.close()  # no wait for the peer: a TLS close_notify is not worth a stall

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = self._receiver.loop
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._receiver, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from forget_frames(exc)
        except (OSError, ssl.SSLError) as exc:  # a refused certificate stays the cause: TLS
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from forget_frames(exc)
        self._transport = transport  # type: ignore[assignment]
        self._receiver.transport, self._receiver.over_ssl = self._transport, True
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle pooled connection: has the server left?
            receiver = self._receiver
            return ((receiver.eof and not receiver.buffer)
                    or _socket_readable(self._transport.get_extra_info("socket")))
        names = {"ssl_object": "ssl_object", "client_addr": "sockname",
                 "server_addr": "peername", "socket": "socket"}
        return self._transport.get_extra_info(names[info]) if info in names else None


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
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, receiver = await loop.create_connection(
                    lambda: _Receiver(loop), host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"{host}:{port}: connection timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _AsyncioStream(transport, receiver)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not checked")

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        await asyncio.sleep(seconds)
