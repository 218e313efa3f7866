"""The URLs rules ask about that are not links (the https:// twins of http:// links): checked
once their origin has shown it answers at all, so a host that does not serve https costs one
request, not one per link, and is a fact about the host rather than a broken link."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ...http.outcome import Failure, FailureKind, Outcome
from .hosts import Host
from .verdict import Chain, PageRules, classify

# Failures that say nothing about the origin: the run's, not the host's.
_NOT_ABOUT_THE_ORIGIN = frozenset({FailureKind.NO_NETWORK, FailureKind.DEADLINE})


class OriginGates:
    """One probe per origin that no link uses, shared by every extra URL on it.

    The probe (one short GET of the first such URL, first byte only, no retries: a rule's
    suggestion is not worth more) decides: any answer lets the origin's extra URLs be checked
    as links are; none keeps them all unrequested, and `answered` records why for the store.
    """

    def __init__(self, link_origins: frozenset[str],
                 probe: Callable[[Host, str], Awaitable[Outcome]]) -> None:
        self._link_origins = link_origins
        self._probe = probe
        self._gates: dict[str, asyncio.Future[str | None]] = {}
        self.answered: dict[str, str | None] = {}  # origin -> why it gave no answer; None: did

    async def why_not(self, host: Host, url: str) -> str | None:
        """None when `url` may be checked; else why its origin is not worth a request."""
        if host.origin in self._link_origins:
            return None  # the links check this origin anyway
        gate = self._gates.get(host.origin)
        if gate is None:
            gate = self._gates[host.origin] = asyncio.ensure_future(self._decide(host, url))
        return await asyncio.shield(gate)

    async def _decide(self, host: Host, url: str) -> str | None:
        outcome = await self._probe(host, url)
        if not isinstance(outcome, Failure):
            self.answered[host.origin] = None
            return None
        reason = classify(Chain(url, outcome), PageRules()).reason
        if outcome.kind not in _NOT_ABOUT_THE_ORIGIN:
            self.answered[host.origin] = reason
        return reason
