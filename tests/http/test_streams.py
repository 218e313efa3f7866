"""The network stream under httpcore: what a server sends is held only to a bound, a broken
connection reads as its error, and a read or write that must wait is timed out. A stand-in
transport, no sockets."""

from __future__ import annotations

import asyncio

import httpcore
import pytest

from linkcheck.http.streams import PAUSE_ABOVE, RESUME_BELOW, _AsyncioStream, _Receiver


class Transport:
    """What the receiver asks of its transport, recorded."""

    def __init__(self) -> None:
        self.paused = False
        self.written: list[bytes] = []

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default=None):
        return default


def stream() -> tuple[_AsyncioStream, _Receiver, Transport]:
    receiver = _Receiver(asyncio.get_running_loop())
    transport = Transport()
    receiver.connection_made(transport)  # type: ignore[arg-type]
    return _AsyncioStream(transport, receiver), receiver, transport  # type: ignore[arg-type]


def test_a_server_sending_faster_than_it_is_read_is_paused_then_resumed():
    async def scenario() -> None:
        reader, receiver, transport = stream()
        receiver.data_received(b"x" * PAUSE_ABOVE)
        assert not transport.paused
        receiver.data_received(b"x")
        assert transport.paused  # the socket is not read while this much waits
        first = await reader.read(PAUSE_ABOVE - RESUME_BELOW)
        assert len(first) == PAUSE_ABOVE - RESUME_BELOW and transport.paused
        await reader.read(1)
        assert not transport.paused  # read down to the low mark: reading goes on
        assert len(await reader.read(1 << 20)) == RESUME_BELOW

    asyncio.run(scenario())


def test_a_read_waits_for_data_and_an_ended_connection_reads_empty():
    async def scenario() -> None:
        reader, receiver, _ = stream()
        loop = asyncio.get_running_loop()
        loop.call_soon(receiver.data_received, b"HTTP/1.1 200 OK\r\n")
        assert await reader.read(100, timeout=5) == b"HTTP/1.1 200 OK\r\n"
        loop.call_soon(receiver.connection_lost, None)
        assert await reader.read(100, timeout=5) == b""

    asyncio.run(scenario())


def test_a_broken_connection_reads_as_its_error_before_what_was_buffered():
    async def scenario() -> None:
        reader, receiver, _ = stream()
        receiver.data_received(b"partial")
        receiver.connection_lost(ConnectionResetError("reset by peer"))
        with pytest.raises(httpcore.ReadError, match="reset by peer"):
            await reader.read(100)
        with pytest.raises(httpcore.WriteError, match="reset by peer"):
            await reader.write(b"GET / HTTP/1.1\r\n\r\n")

    asyncio.run(scenario())


def test_reads_and_writes_that_wait_too_long_time_out():
    async def scenario() -> None:
        reader, receiver, transport = stream()
        with pytest.raises(httpcore.ReadTimeout):
            await reader.read(100, timeout=0.01)
        receiver.pause_writing()  # the kernel's buffer is full
        with pytest.raises(httpcore.WriteTimeout):
            await reader.write(b"data", timeout=0.01)
        assert transport.written == [b"data"]
        asyncio.get_running_loop().call_soon(receiver.resume_writing)
        await reader.write(b"more", timeout=5)  # room again: the write returns
        receiver.connection_lost(None)
        with pytest.raises(httpcore.WriteError, match="Connection lost"):
            await reader.write(b"late")

    asyncio.run(scenario())
