"""Host name lookups shared by every pool of a run, in daemon threads."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading

# A name reserved by IANA (RFC 2606, RFC 6761) that public DNS always resolves: a resolver that
# says it does not exist either is no witness that any other name does not.
DNS_CANARY = "example.com"
NO_SUCH_NAME = frozenset(
    code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
)


class Resolver:
    """Host name lookups shared by every pool of a run: one lookup per name, however many
    connections wait for it (the system resolver runs in a few threads; slow names must not
    queue behind each other). A failed lookup is forgotten so that a retry asks again.

    "No such name" is believed only from a resolver that knows `canary` (asked once, on the
    first such answer): offline machines and sandboxes often answer it for every name, and
    then it says nothing about the link; it becomes a lookup failure (no DNS) instead.
    """

    def __init__(self, threads: int = 16, canary: str = DNS_CANARY) -> None:
        self._lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = {}
        self._threads = asyncio.Semaphore(threads)
        self._canary = canary
        self._canary_known: asyncio.Future[bool] | None = None

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
        try:
            return await self._addresses(host, port)
        except socket.gaierror as exc:
            if exc.errno not in NO_SUCH_NAME or not self._canary or host == self._canary:
                raise
            no_such_name = exc
        if await self._knows_canary():
            raise no_such_name
        # raised outside the handler: the "no such name" must not stay attached as its context
        raise socket.gaierror(getattr(socket, "EAI_AGAIN", -3),
                              f"{no_such_name.strerror} (the resolver does not know "
                              f"{self._canary} either)")

    async def _addresses(self, host: str, port: int, queue: bool = True) -> list[str]:
        if queue:
            async with self._threads:
                return await self._addresses(host, port, queue=False)
        infos = await _in_daemon_thread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))

    async def _knows_canary(self) -> bool:
        if self._canary_known is None:
            self._canary_known = asyncio.ensure_future(self._ask_canary())
        return await asyncio.shield(self._canary_known)

    async def _ask_canary(self) -> bool:
        try:
            # not queued: every "no such name" of the run waits for this answer, and the
            # threads may all be held by lookups the resolver takes its time to fail
            return bool(await self._addresses(self._canary, 443, queue=False))
        except OSError:
            return False

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
