"""Network-down detection: whether anything answers at all, concluded once per run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from ...http.outcome import ANSWERED_FAILURES, SILENT_FAILURES, Outcome, Reply

if TYPE_CHECKING:  # only named in annotations: a main process that only watches need not load it
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

    When the run's hosts are shared out among processes (spread.py), each process watches all
    of the run's origins and tells the others what it saw (`tell`): the network proven up, or
    an origin found silent; `peer_up` and `peer_silent` take in what the others saw, so every
    process concludes as one watch over the whole run would.
    """

    origins: frozenset[str]
    grace: float = 3.0
    state: NetworkState = NetworkState.UNKNOWN
    _silent: set[str] = field(default_factory=set)
    _settled: asyncio.Event = field(default_factory=asyncio.Event)
    _timer: asyncio.TimerHandle | None = None
    # told of what this process saw: ("up", "") or ("silent", origin)
    tell: Callable[[str, str], None] | None = None
    # False while origins may still come (a streamed run): "all silent" waits for the last
    whole: bool = True

    def observe(self, host: Host, outcome: Outcome) -> None:
        if isinstance(outcome, Reply) or outcome.kind in ANSWERED_FAILURES:
            self._settle(NetworkState.UP)
            return
        if outcome.kind not in SILENT_FAILURES:
            return
        host.silent = True
        if self.tell is not None and host.origin not in self._silent:
            self.tell("silent", host.origin)
        self._add_silent(host.origin)

    def peer_up(self) -> None:
        """Another process of the run had an answer or a connection."""
        self._settle(NetworkState.UP, told=True)

    def peer_silent(self, origin: str) -> None:
        """Another process of the run found one of its origins silent."""
        self._add_silent(origin)

    def _add_silent(self, origin: str) -> None:
        self._silent.add(origin)
        if self.whole and self.origins <= self._silent:
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

    def know_every_origin(self, origins: frozenset[str] = frozenset()) -> None:
        """`origins` completes the run's: from now on "every host silent" can be concluded."""
        self.origins |= origins
        self.whole = True
        if self._silent and self.origins <= self._silent:
            self._settle(NetworkState.DOWN)

    def _settle(self, state: NetworkState, told: bool = False) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.state is NetworkState.UNKNOWN:
            self.state = state
            self._settled.set()
            if state is NetworkState.UP and self.tell is not None and not told:
                self.tell("up", "")


@dataclass
class WatchPeers:
    """This process's link to the other processes checking the same run (see spread.py):
    the run's origins, how to tell the others, and what they told before the watch existed."""

    origins: frozenset[str]  # every origin of the run, whichever process checks it
    tell: Callable[[str, str], None]
    watch: NetworkWatch | None = None
    _early: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, watch: NetworkWatch) -> None:
        watch.tell = self.tell
        self.watch = watch
        early, self._early = self._early, []
        for kind, origin in early:
            self.receive(kind, origin)

    def receive(self, kind: str, origin: str) -> None:
        if self.watch is None:
            self._early.append((kind, origin))
        elif kind == "up":
            self.watch.peer_up()
        elif kind == "silent":
            self.watch.peer_silent(origin)
