"""linkcheck.http.connection: httpcore's HTTP/1.1 exchange, one request at a time, on a
scripted network stream (what the server sends, chunk by chunk; what the client wrote)."""

from __future__ import annotations

import asyncio

import httpcore
import pytest
from httpcore._async.http11 import HTTPConnectionState

from linkcheck.http.connection import Connection

ORIGIN = httpcore.Origin(b"http", b"example.test", 80)
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"


class ScriptedStream(httpcore.AsyncNetworkStream):
    """Reads give `replies` in turn (then b"": the server closed); writes are kept."""

    def __init__(self, *replies: bytes) -> None:
        self.replies = list(replies)
        self.writes: list[bytes] = []
        self.closed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await asyncio.sleep(0)
        return self.replies.pop(0) if self.replies else b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.writes.append(buffer)

    async def aclose(self) -> None:
        self.closed = True

    def get_extra_info(self, info: str) -> object:
        return False if info == "is_readable" else None


def request(path: bytes = b"/", method: bytes = b"GET", host: bytes = b"example.test",
            headers: tuple[tuple[bytes, bytes], ...] = (),
            content: bytes = b"") -> httpcore.Request:
    return httpcore.Request(method, httpcore.URL(scheme=b"http", host=host, port=80, target=path),
                            headers=[(b"Host", host), *headers], content=content)


async def body_of(response: httpcore.Response) -> bytes:
    chunks = [chunk async for chunk in response.stream]
    await response.stream.aclose()
    return b"".join(chunks)


def test_answers_and_goes_idle_for_the_next_request_on_the_same_connection():
    async def main():
        stream = ScriptedStream(OK[:20], OK[20:],
                                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        connection = Connection(ORIGIN, stream, keepalive_expiry=5.0)
        first = await connection.handle_async_request(request(path=b"/a"))
        assert (first.status, first.headers) == (200, [(b"Content-Length", b"5"), (b"X-A", b"1")])
        assert first.extensions["http_version"] == b"HTTP/1.1"
        assert first.extensions["reason_phrase"] == b"OK"
        assert await body_of(first) == b"hello"
        assert connection.is_idle() and not stream.closed
        second = await connection.handle_async_request(request(path=b"/b"))
        assert second.status == 404 and await body_of(second) == b""
        assert connection.is_idle() and connection._request_count == 2
        assert [w.split(b"\r\n")[0] for w in stream.writes] == [b"GET /a HTTP/1.1",
                                                                 b"GET /b HTTP/1.1"]

    asyncio.run(main())


def test_a_request_goes_out_in_one_write_with_its_body():
    async def main():
        stream = ScriptedStream(OK)
        connection = Connection(ORIGIN, stream)
        sent = request(b"/form", b"POST", headers=((b"Content-Length", b"3"),), content=b"abc")
        response = await connection.handle_async_request(sent)
        assert await body_of(response) == b"hello"
        assert len(stream.writes) == 1
        assert stream.writes[0].startswith(b"POST /form HTTP/1.1\r\n")
        assert stream.writes[0].endswith(b"\r\n\r\nabc")

    asyncio.run(main())


def test_a_busy_connection_refuses_a_second_request():
    async def main():
        connection = Connection(ORIGIN, ScriptedStream(OK))
        response = await connection.handle_async_request(request())
        with pytest.raises(httpcore.ConnectionNotAvailable):
            await connection.handle_async_request(request())
        assert await body_of(response) == b"hello"

    asyncio.run(main())


def test_a_server_that_closes_before_answering():
    async def main():
        stream = ScriptedStream()
        connection = Connection(ORIGIN, stream)
        with pytest.raises(httpcore.RemoteProtocolError, match="disconnected without sending"):
            await connection.handle_async_request(request())
        assert stream.closed and connection._state is HTTPConnectionState.CLOSED

    asyncio.run(main())


def test_a_malformed_answer_is_httpcores_protocol_error_and_closes():
    async def main():
        stream = ScriptedStream(b"HTTP/1.1 2OO OK\r\n\r\n")
        connection = Connection(ORIGIN, stream)
        with pytest.raises(httpcore.RemoteProtocolError) as caught:
            await connection.handle_async_request(request())
        assert caught.value.__cause__ is not None  # h11's error, kept as the cause
        assert stream.closed

    asyncio.run(main())


def test_a_body_cut_short_raises_while_reading_and_closes_the_connection():
    async def main():
        stream = ScriptedStream(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel")
        connection = Connection(ORIGIN, stream)
        response = await connection.handle_async_request(request())
        with pytest.raises(httpcore.RemoteProtocolError):
            [chunk async for chunk in response.stream]
        assert stream.closed and not connection.is_idle()

    asyncio.run(main())


def test_a_body_left_unread_closes_the_connection_instead_of_reusing_it():
    async def main():
        stream = ScriptedStream(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel", b"lo")
        connection = Connection(ORIGIN, stream)
        response = await connection.handle_async_request(request())
        await response.stream.aclose()
        assert stream.closed and connection._state is HTTPConnectionState.CLOSED

    asyncio.run(main())


def test_a_header_h11_refuses_to_send_is_httpcores_local_error():
    async def main():
        stream = ScriptedStream(OK)
        connection = Connection(ORIGIN, stream)
        with pytest.raises(httpcore.LocalProtocolError):
            await connection.handle_async_request(request(headers=((b"X-Bad", b"a\r\nb"),)))
        assert stream.writes == [] and stream.closed

    asyncio.run(main())


def test_a_request_for_another_origin_is_a_programming_error():
    async def main():
        connection = Connection(ORIGIN, ScriptedStream(OK))
        with pytest.raises(RuntimeError, match="other.test"):
            await connection.handle_async_request(request(host=b"other.test"))

    asyncio.run(main())


def test_taking_the_state_lock_never_yields_to_the_event_loop():
    """httpcore's own lock yields once each time it is taken; this connection's never does, so
    an answer already buffered is read without giving other tasks a turn."""
    async def main():
        turns = 0

        async def count_turns() -> None:
            nonlocal turns
            while True:
                await asyncio.sleep(0)
                turns += 1

        class Buffered(ScriptedStream):
            async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
                return self.replies.pop(0) if self.replies else b""  # no turn given

        counter = asyncio.create_task(count_turns())
        await asyncio.sleep(0)
        connection = Connection(ORIGIN, Buffered(OK))
        before = turns
        response = await connection.handle_async_request(request())
        assert await body_of(response) == b"hello"
        assert turns == before and connection.is_idle()
        counter.cancel()

    asyncio.run(main())
