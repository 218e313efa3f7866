"""The private-address guard at the connection level: resolve once, check every address,
connect to a checked address (so a second, different DNS answer cannot slip through)."""

from __future__ import annotations

import asyncio

import pytest

from linkcheck.check.remote.hosts import Host
from linkcheck.check.remote.network import NetworkState, NetworkWatch
from linkcheck.config import HostConfig
from linkcheck.http.errors import PrivateAddressError
from linkcheck.http.guard import GuardedBackend
from linkcheck.http.outcome import Failure, FailureKind


class FakeResolver:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers[host]


class RecordingBackend:
    def __init__(self) -> None:
        self.connected: list[str] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None,
                          socket_options=None):
        self.connected.append(host)
        return "stream"


def guarded(answers: dict[str, list[str]], allow_private: bool):
    backend = GuardedBackend(allow_private, FakeResolver(answers))
    backend._inner = RecordingBackend()
    return backend


@pytest.mark.parametrize(
    "addresses",
    [["10.1.2.3"], ["93.184.215.14", "192.168.0.1"], ["169.254.169.254"], ["::1"],
     ["::ffff:127.0.0.1"], ["fd00::1"]],
)
def test_a_name_with_any_private_address_is_refused_before_connecting(addresses):
    backend = guarded({"rebind.test": addresses}, allow_private=False)
    with pytest.raises(PrivateAddressError, match="rebind.test resolves to"):
        asyncio.run(backend.connect_tcp("rebind.test", 443))
    assert backend._inner.connected == []


def test_the_connection_goes_to_the_address_that_was_checked():
    backend = guarded({"public.test": ["93.184.215.14"]}, allow_private=False)
    assert asyncio.run(backend.connect_tcp("public.test", 443)) == "stream"
    assert backend._inner.connected == ["93.184.215.14"]
    assert backend._resolver.asked == ["public.test"]


def test_private_addresses_pass_when_allowed():
    backend = guarded({"intranet.test": ["10.0.0.7"]}, allow_private=True)
    asyncio.run(backend.connect_tcp("intranet.test", 80))
    assert backend._inner.connected == ["10.0.0.7"]


def _host(origin: str) -> Host:
    return Host(origin, origin, HostConfig(), {}, asyncio.Semaphore(1), 1)


def test_network_watch_all_silent_is_down_at_once_and_a_connection_is_up():
    async def scenario() -> tuple[NetworkState, NetworkState, NetworkState]:
        all_silent = NetworkWatch(frozenset({"a", "b"}), grace=60)
        for origin in ("a", "b"):
            all_silent.observe(_host(origin), Failure(FailureKind.DNS))
        few_silent = NetworkWatch(frozenset("abcde"), grace=0.05)
        for origin in "abc":
            few_silent.observe(_host(origin), Failure(FailureKind.CONNECT))
        await asyncio.wait_for(few_silent.is_up(), 1)  # settles after the grace
        connected = NetworkWatch(frozenset("abcde"), grace=0.05)
        for origin in "abc":
            connected.observe(_host(origin), Failure(FailureKind.CONNECT))
        connected.connected()
        await asyncio.sleep(0.1)
        return all_silent.state, few_silent.state, connected.state

    assert asyncio.run(scenario()) == (NetworkState.DOWN, NetworkState.DOWN, NetworkState.UP)
