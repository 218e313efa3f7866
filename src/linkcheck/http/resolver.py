"""Host name lookups shared by every pool of a run, in daemon threads."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading


class Resolver:
    """Host name lookups shared by every pool of a run: one lookup per name, however many
    connections wait for it (the system resolver runs in a few threads; slow names must not
    queue behind each other). A failed lookup is forgotten so that a retry asks again."""

    def __init__(self, threads: int = 16) -> None:
        self._lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = {}
        self._threads = asyncio.Semaphore(threads)

    async def resolve(self, host: str, port: int) -> list[str]:
        if is_ip_literal(host):  # nothing to look up: spares a thread per connection
            return [host]
        key = (host, port)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = self._lookups[key] = asyncio.ensure_future(self._lookup(host, port))
            lookup.add_done_callback(lambda done: self._forget_failure(key, done))
        return await asyncio.shield(lookup)

    async def _lookup(self, host: str, port: int) -> list[str]:
        async with self._threads:
            infos = await _in_daemon_thread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))

    def _forget_failure(self, key: tuple[str, int], done: asyncio.Future[list[str]]) -> None:
        if done.cancelled() or done.exception() is not None:
            if self._lookups.get(key) is done:
                del self._lookups[key]


async def _in_daemon_thread(function, *args):
    """Run a blocking call in a daemon thread: unlike the loop's executor, a lookup stuck in the
    system resolver does not hold up the end of the run (nor the exit of the program)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def deliver(setter, value) -> None:
        if not future.done():
            setter(value)

    def work() -> None:
        try:
            outcome = (future.set_result, function(*args))
        except Exception as exc:  # handed over to the awaiting coroutine as is
            outcome = (future.set_exception, exc)
        try:
            loop.call_soon_threadsafe(deliver, *outcome)
        except RuntimeError:
            pass  # the loop has closed: nobody is waiting any more

    threading.Thread(target=work, name="linkcheck-dns", daemon=True).start()
    return await future


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
