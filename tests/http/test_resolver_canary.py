"""The DNS canary: asked once, on the first "no such name", and never queued behind the lookups
that hold the resolver's threads (a resolver that fails slowly would make every "no such name"
of the run wait for them). Lookups are answered by a stand-in for the system resolver."""

from __future__ import annotations

import asyncio
import socket
import threading

from linkcheck.http.resolver import Resolver

SLOW_LIMIT = 10.0  # seconds a stand-in slow lookup waits at most before failing by itself


def test_the_canary_skips_the_queue_of_slow_lookups(monkeypatch):
    release = threading.Event()
    asked: list[str] = []

    def getaddrinfo(host, *args, **kwargs):
        asked.append(host)
        if host.startswith("slow"):
            release.wait(SLOW_LIMIT)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    async def scenario() -> str:
        resolver = Resolver(threads=2)
        # one thread held by a slow lookup, one by the dead name; two more slow lookups queue
        # for the threads, and the dead name's canary would queue behind them
        names = ["slow-1.test", "dead.test", "slow-2.test", "slow-3.test"]
        lookups = {name: asyncio.ensure_future(resolver.resolve(name, 443)) for name in names}
        dead = lookups.pop("dead.test")
        slow = list(lookups.values())
        try:
            await asyncio.wait_for(asyncio.gather(dead, return_exceptions=True), 3.0)
            return str(dead.exception())
        finally:
            release.set()
            await asyncio.gather(*slow, return_exceptions=True)

    try:
        said = asyncio.run(scenario())
    finally:
        release.set()
    assert "does not know example.com either" in said  # judged without waiting for the slow
    assert asked.count("example.com") == 1
