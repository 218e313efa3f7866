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

    def gated(self, origin: str) -> bool:
        """Whether extra URLs on `origin` wait for its probe (no link uses it)."""
        return origin not in self._link_origins

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


Pages = list[tuple[str, list[tuple[str, str | None]]]]  # (page, its targets)


async def behind_gate(gates: OriginGates, host: Host, pages: Pages,
                      check: Callable[[str, list[tuple[str, str | None]]], Awaitable[None]],
                      refuse: Callable[[str, list[tuple[str, str | None]], str], None]) -> None:
    """The extra pages of one origin that no link uses, in one task: they wait for the probe
    together, and only if the origin answered is each page checked (each in a task of its own);
    otherwise `refuse` records why not. (A task per page cost more than its verdict.)"""
    why_not = await gates.why_not(host, pages[0][0])
    if why_not is None:
        await asyncio.gather(*(check(page, targets) for page, targets in pages))
        return
    for page, targets in pages:
        refuse(page, targets, why_not)
