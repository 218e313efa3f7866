"""Sending one request to a host: its slot, its standing (a dead host answers at once, without
a request), the retries with their backoff and the host's wait cap, and the probe that settles
a host in doubt. Every request sent is counted here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from ...http.cookies import CookieJar
from ...http.fetch import RequestSpec, fetch
from ...http.outcome import SILENT_FAILURES, Failure, FailureKind, Outcome, Reply
from ...http.pool import Clients
from .health import PROBE_TIMEOUT, UNANSWERED
from .hosts import Host, Hosts, rate_limited
from .network import NetworkWatch
from .retry import RetryPolicy, backoff_delay, should_retry


class HostSender:
    """The one way a page check reaches a host; `watch` is the run's network watch."""

    def __init__(self, hosts: Hosts, clients: Clients, policy: RetryPolicy,
                 clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]],
                 rand: Callable[[], float]) -> None:
        self.hosts, self.clients, self.policy = hosts, clients, policy
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.watch = NetworkWatch(frozenset())
        self.requests_sent = 0

    async def send(self, host: Host, spec: RequestSpec, jar: CookieJar) -> Outcome:
        """One request, retried per the retry policy."""
        outcome = await self.attempt(host, spec, jar)
        if self._retry(host, outcome, 1, spec.method):
            outcome = await self._retried(host, spec, jar, outcome)
        return outcome

    async def probe_origin(self, host: Host, spec: RequestSpec) -> Outcome:
        """One try, in the host's slot but outside its health (the probe decides for itself)."""
        async with self.hosts.slot(host):
            self.requests_sent += 1
            outcome = await fetch(self.clients, spec, CookieJar())
        self.watch.observe(host, outcome)
        if isinstance(outcome, Failure) and outcome.kind in SILENT_FAILURES:
            if not await self.watch.is_up():
                return Failure(FailureKind.NO_NETWORK)
        return outcome

    async def _retried(self, host: Host, spec: RequestSpec, jar: CookieJar,
                       first: Outcome) -> Outcome:
        """Tenacity takes over after a first try that deserves a retry (most requests need
        none, and setting tenacity up costs more than the request's own bookkeeping)."""
        pending = [first]

        async def next_attempt() -> Outcome:
            return pending.pop() if pending else await self.attempt(host, spec, jar)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            retry=lambda state: self._should_retry(host, state, spec.method),
            wait=lambda state: self._wait(host, state),
            sleep=self.sleep,
            retry_error_callback=lambda state: state.outcome.result(),
            reraise=True,
        )
        return await retrying(next_attempt)

    async def attempt(self, host: Host, spec: RequestSpec, jar: CookieJar) -> Outcome:
        if (standing := host.standing() or await host.health.verdict()) is not None:
            return standing
        if host.silent and not await self.watch.is_up():
            return Failure(FailureKind.NO_NETWORK)
        async with self.hosts.slot(host):
            # Queued behind others, a request looks again: the host may have failed meanwhile.
            if (standing := host.standing() or await host.health.verdict()) is not None:
                return standing
            outcome = await self._sent(host, spec, jar)
        self.watch.observe(host, outcome)
        return host.standing() or outcome

    async def _sent(self, host: Host, spec: RequestSpec, jar: CookieJar) -> Outcome:
        self.requests_sent += 1
        host.health.sent()
        outcome = None
        try:
            outcome = await fetch(self.clients, spec, jar)
        finally:
            # A HEAD that times out says nothing against the host: some never answer HEAD.
            head_timeout = (spec.method == "HEAD" and isinstance(outcome, Failure)
                            and outcome.kind is FailureKind.TIMEOUT)
            wave_failed = host.health.ended(None if head_timeout else outcome)
        if wave_failed:  # the probe takes this request's slot
            await host.health.confirm(outcome, lambda: self._probe(host, spec, outcome))
        return outcome

    async def _probe(self, host: Host, spec: RequestSpec, failure: Failure) -> Outcome:
        """A short GET of the origin's front page, first byte only (some servers never answer
        HEAD): does the host answer anything at all? After a refusal and the like it takes the
        retries the failed request had left (a restarting server refuses for a moment); after
        timeouts one try is enough, the wave has waited already."""
        probe = replace(spec, method="GET", url=host.origin + "/", body_limit=1,
                        total_timeout=min(spec.total_timeout, PROBE_TIMEOUT))
        attempt = 2  # the failure that began the doubt was the first
        while True:
            self.requests_sent += 1
            outcome = await fetch(self.clients, probe, CookieJar())
            if failure.kind in UNANSWERED or not should_retry(outcome, attempt, self.policy,
                                                                self.clock()):
                return outcome
            await self.sleep(backoff_delay(outcome, attempt, self.policy, self.clock(),
                                           self.rand))
            attempt += 1

    def _retry(self, host: Host, outcome: Outcome, attempt: int, method: str) -> bool:
        """A failure that answers for the whole host is never retried: it would be the same."""
        if outcome is host.standing():
            return False
        return should_retry(outcome, attempt, self.policy, self.clock(), method)

    def _should_retry(self, host: Host, state: RetryCallState, method: str) -> bool:
        if state.outcome is None or state.outcome.failed:
            return False
        return self._retry(host, state.outcome.result(), state.attempt_number, method)

    def _wait(self, host: Host, state: RetryCallState) -> float:
        outcome = state.outcome.result()
        delay = backoff_delay(outcome, state.attempt_number, self.policy, self.clock(), self.rand)
        if rate_limited(outcome) and not self.hosts.may_wait(host, delay):
            return 0.0  # past the host's wait cap: the next attempt is answered at once
        if isinstance(outcome, Reply) and outcome.status_code in (429, 503):
            self.hosts.back_off(host, delay)  # the whole host slows down, not only this URL
        return 0.0 if host.standing() else delay
