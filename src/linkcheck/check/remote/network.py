"""Network-down detection: whether anything answers at all, concluded once per run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum

from ...http.outcome import ANSWERED_FAILURES, SILENT_FAILURES, Outcome, Reply
from .hosts import Host

SILENT_HOSTS_FOR_SUSPICION = 3  # one dead host early in a run is no reason to suspect the network


class NetworkState(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"


@dataclass
class NetworkWatch:
    """Concludes "no network" when hosts fail without any answer and nobody else answers.

    One answer from anywhere (any HTTP status, a refused connection, a TLS error) proves the
    network works, and then an unreachable host is simply broken; so does a TCP connection
    made, long before its TLS handshake or answer. Silence is concluded to be the network's
    when every host of the run was silent, or when, once a few hosts were silent, `grace`
    seconds pass without a connection or an answer anywhere: a working network connects well
    within that, and a run without network then ends in seconds instead of timeouts.
    """

    origins: frozenset[str]
    grace: float = 3.0
    state: NetworkState = NetworkState.UNKNOWN
    _silent: set[str] = field(default_factory=set)
    _settled: asyncio.Event = field(default_factory=asyncio.Event)
    _timer: asyncio.TimerHandle | None = None

    def observe(self, host: Host, outcome: Outcome) -> None:
        if isinstance(outcome, Reply) or outcome.kind in ANSWERED_FAILURES:
            self._settle(NetworkState.UP)
            return
        if outcome.kind not in SILENT_FAILURES:
            return
        host.silent = True
        self._silent.add(host.origin)
        if self.origins <= self._silent:
            self._settle(NetworkState.DOWN)
        elif (self._timer is None and self.state is NetworkState.UNKNOWN
              and len(self._silent) >= min(SILENT_HOSTS_FOR_SUSPICION, len(self.origins))):
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.grace, self._settle, NetworkState.DOWN)

    def connected(self) -> None:
        """A TCP connection was made somewhere: the network is up, whatever comes next."""
        self._settle(NetworkState.UP)

    async def is_up(self) -> bool:
        """Waits until the question is settled."""
        await self._settled.wait()
        return self.state is NetworkState.UP

    async def wait_down(self) -> None:
        """Returns once the network is found down; never, if it is up."""
        await self._settled.wait()
        if self.state is not NetworkState.DOWN:
            await asyncio.Event().wait()

    def _settle(self, state: NetworkState) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.state is NetworkState.UNKNOWN:
            self.state = state
            self._settled.set()
