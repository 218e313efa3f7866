"""Whether an origin still deserves requests: once it has proven unreachable, its other URLs are
judged from that one failure instead of each paying its own timeouts and retries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ...http.outcome import Failure, FailureKind, Outcome

# Failures that are the host's, not one page's: once one of them has outlived its retries, the
# origin's other URLs would meet it too.
HOST_WIDE_FAILURES = frozenset(
    {FailureKind.DNS, FailureKind.REFUSED, FailureKind.CONNECT, FailureKind.CONNECT_TIMEOUT,
     FailureKind.TLS, FailureKind.INCOMPLETE_CHAIN, FailureKind.PRIVATE_ADDRESS,
     FailureKind.NO_SUCH_DOMAIN}
)
# No answer in time: one page may be slow; every request in flight at once is the host.
UNANSWERED = frozenset({FailureKind.TIMEOUT, FailureKind.CONNECT_TIMEOUT})
DOUBTFUL = HOST_WIDE_FAILURES | UNANSWERED
PROBE_TIMEOUT = 5.0  # seconds the confirming probe of the front page may take at most


class HostHealth:
    """One origin's standing: alive, or dead with the failure that answers for it.

    A request that gets no answer in time, or a host-wide failure (refused, DNS, TLS...), puts
    the origin in doubt: no new request starts, the requests in flight finish. Any answer ends
    the doubt (so does a HEAD that timed out: some servers never answer HEAD, and the GET
    after it is the test). If none comes (the whole wave in flight failed), one probe of the
    front page (a GET) decides: an answer of any kind keeps the origin alive (only some of
    its pages are slow), none makes the failure the verdict of the origin's other URLs, which
    then cost nothing.
    """

    def __init__(self) -> None:
        self.dead: Failure | None = None
        self._in_flight = 0
        self._failed_in_a_row = 0
        self._doubt: asyncio.Future[None] | None = None  # pending while the origin is in doubt
        self._probing = False

    async def verdict(self) -> Failure | None:
        """The failure that stands for every request to this origin, if any; a request waits
        here while the origin is in doubt."""
        while self._doubt is not None and not self._doubt.done():
            await asyncio.shield(self._doubt)
        return self.dead

    def sent(self) -> None:
        self._in_flight += 1

    def ended(self, outcome: Outcome | None) -> bool:
        """A request ended (None: it was cancelled). True when the whole wave in flight went
        without an answer: the caller runs `confirm` then, while still holding its slot."""
        self._in_flight -= 1
        if outcome is None or not (isinstance(outcome, Failure) and outcome.kind in DOUBTFUL):
            self._failed_in_a_row = 0
            self._resolve()
            return False
        self._failed_in_a_row += 1
        if self._doubt is None or self._doubt.done():
            self._doubt = asyncio.get_running_loop().create_future()
        return self._in_flight == 0 and not self._probing and self.dead is None

    def fail(self, failure: Failure) -> None:
        """A host-wide failure outlived its retries: it answers for the origin from now on."""
        if failure.kind in HOST_WIDE_FAILURES and self.dead is None:
            self.dead = failure
            self._resolve()

    async def confirm(self, failure: Failure, probe: Callable[[], Awaitable[Outcome]]) -> None:
        """The wave in flight went unanswered (its last failure: `failure`): the probe decides."""
        self._probing = True
        try:
            answer = await probe()
            if isinstance(answer, Failure) and answer.kind in DOUBTFUL:
                self.dead = self._condemned(failure, answer)
        finally:
            self._probing = False
            self._failed_in_a_row = 0
            self._resolve()

    def _condemned(self, failure: Failure, probe: Failure) -> Failure:
        if failure.kind not in UNANSWERED:
            return probe  # refused, TLS...: the probe's own failure is the freshest word
        note = (f"{self._failed_in_a_row} requests in a row and a probe of the front page "
                "got no answer")
        return Failure(failure.kind, f"{failure.detail}; {note}" if failure.detail else note)

    def _resolve(self) -> None:
        if self._doubt is not None and not self._doubt.done():
            self._doubt.set_result(None)
