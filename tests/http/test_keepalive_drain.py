"""A body read only in part keeps its connection alive when what is left is short.

A real server on loopback counts the connections it accepts; every request is bounded by the
client's timeouts and the server stops with the test.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter

import pytest

from linkcheck.http.cookies import CookieJar
from linkcheck.http.fetch import DRAIN_BYTES, DRAIN_SECONDS, RequestSpec, fetch
from linkcheck.http.outcome import Reply
from linkcheck.http.pool import Clients, ClientSettings

PREFIX = 16 * 1024
PAGES = {
    "/short-rest": b"<title>a</title>" + b"x" * (PREFIX + DRAIN_BYTES // 2),
    "/long-rest": b"<title>b</title>" + b"x" * (PREFIX + DRAIN_BYTES * 3),
}


class CountingServer:
    """HTTP/1.1 with keep-alive on 127.0.0.1; `chunked` paths are sent without a length."""

    def __init__(self) -> None:
        self.connections: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()  # connections the client has closed, by path
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CountingServer:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    async def _shutdown(self) -> None:
        self.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        sock = socket.create_server(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.server = self.loop.run_until_complete(asyncio.start_server(self._serve, sock=sock))
        self._ready.set()
        self.loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first, path = True, ""
        try:
            while True:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                path = head.split(b" ", 2)[1].decode()
                if first:  # counted by the path of its first request
                    self.connections[path] += 1
                    first = False
                if path == "/stalled-rest":  # the prefix, then nothing more: never the rest
                    body = PAGES["/short-rest"]
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(body) + body[:PREFIX * 2])
                    await writer.drain()
                    await asyncio.sleep(10)
                writer.write(self._answer(path))
                await writer.drain()
        except asyncio.IncompleteReadError:  # the client closed the connection
            self.closed[path] += 1
        except (ConnectionError, TimeoutError):
            pass
        finally:
            writer.close()

    def _answer(self, path: str) -> bytes:
        name, chunked, _ = path.partition("?chunked")
        body = PAGES[name]
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        if not chunked:
            return head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        step = 8192
        parts = [b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step])
                 for i in range(0, len(body), step)]
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(parts) + b"0\r\n\r\n"


@pytest.fixture
def server():
    with CountingServer() as running:
        yield running


def fetch_twice(port: int, path: str, times: int = 2) -> list:
    url = f"http://127.0.0.1:{port}{path}"

    async def scenario() -> list:
        clients = Clients(ClientSettings(5.0, 5.0, allow_private=True))
        try:
            return [await fetch(clients, RequestSpec("GET", url, {}, PREFIX, 10.0), CookieJar())
                    for _ in range(times)]
        finally:
            await clients.aclose()

    return asyncio.run(scenario())


@pytest.mark.parametrize(("path", "connections"), [
    ("/short-rest", 1), ("/short-rest?chunked", 1),  # drained: the connection is reused
    ("/long-rest", 2), ("/long-rest?chunked", 2),  # too long to drain: closed, a new one
])
def test_only_a_short_rest_is_drained_and_the_answer_is_kept(server, path, connections):
    replies = fetch_twice(server.port, path)
    for reply in replies:
        assert isinstance(reply, Reply) and reply.status_code == 200
        assert reply.truncated and reply.body == PAGES[path.partition("?")[0]][:PREFIX]
    assert server.connections[path] == connections


def test_a_stalled_rest_costs_at_most_the_drain_time_and_keeps_the_answer(server):
    started = time.monotonic()
    [reply] = fetch_twice(server.port, "/stalled-rest", times=1)
    assert time.monotonic() - started < DRAIN_SECONDS + 2.0
    assert isinstance(reply, Reply) and reply.status_code == 200
    assert reply.truncated and reply.body == PAGES["/short-rest"][:PREFIX]


def test_an_origin_released_closes_its_idle_connections_and_takes_none_back(server):
    url = f"http://127.0.0.1:{server.port}/short-rest"
    origin = f"http://127.0.0.1:{server.port}"

    async def scenario() -> tuple[int, int]:
        clients = Clients(ClientSettings(5.0, 5.0, allow_private=True))
        try:
            await fetch(clients, RequestSpec("GET", url, {}, PREFIX, 10.0), CookieJar())
            kept = server.connections["/short-rest"]
            await clients.release(origin)  # the connection was idle in the pool: closed now
            for _ in range(200):  # the server sees the close within a moment (bounded)
                if server.closed["/short-rest"]:
                    break
                await asyncio.sleep(0.01)
            await fetch(clients, RequestSpec("GET", url, {}, PREFIX, 10.0), CookieJar())
            return kept, server.closed["/short-rest"]
        finally:
            await clients.aclose()

    kept, closed = asyncio.run(scenario())
    assert (kept, closed) == (1, 1)
    assert server.connections["/short-rest"] == 2  # a new pool for the later request


def test_the_tls_context_is_made_for_the_first_https_origin_only(monkeypatch):
    import ssl

    from linkcheck.http.target import parse_target

    made = []
    real = ssl.create_default_context

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    clients = Clients(ClientSettings(5.0, 5.0, allow_private=True))
    clients.pool_for(parse_target("http://127.0.0.1:9/a"), 4)
    clients.pool_for(parse_target("http://127.0.0.2:9/b"), 4)
    assert made == [], "a run of http:// links never loads the CA bundle"
    clients.pool_for(parse_target("https://127.0.0.1:9/a"), 4)
    clients.pool_for(parse_target("https://127.0.0.2:9/b"), 4)
    assert made == [1], "one context for every https origin"
