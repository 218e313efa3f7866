"""Loopback servers for tests: `with serving(Handler) as base:` runs a threaded http.server on
127.0.0.1 for one block; `AsyncLoopback` is the thread-hosted asyncio server the webs build on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that answers HEAD as GET and logs nothing (pytest shows stderr)."""

    def do_HEAD(self) -> None:  # noqa: N802 - the name http.server calls
        self.do_GET()  # type: ignore[attr-defined]

    def log_message(self, *args) -> None:
        pass


class AsyncLoopback:
    """An asyncio server on one or more loopback addresses sharing one port, its event loop run
    by a thread of its own. A subclass sets `addresses` and writes `_serve`; `start()` listens
    (the port is chosen on the first address), `stop()` closes the servers, cancels the
    connections still open and joins the thread."""

    addresses: tuple[str, ...] = ("127.0.0.1",)

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []

    def start(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self

    def stop(self) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _listen(self) -> None:
        first = await asyncio.start_server(self._serve, self.addresses[0], 0)
        self.port = first.sockets[0].getsockname()[1]
        self._servers = [first] + [await asyncio.start_server(self._serve, address, self.port)
                                   for address in self.addresses[1:]]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError
