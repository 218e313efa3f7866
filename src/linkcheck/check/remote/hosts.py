"""Per-host politeness: settings and headers, adaptive concurrency slots, Retry-After backoff
and its cap, and the order hosts start in."""

from __future__ import annotations

import asyncio
import os
import re
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ... import __version__
from ...config import CheckConfig, ConfigError, HostConfig
from ...http.outcome import Failure, FailureKind, Outcome, Reply
from ...http.target import origin_of
from .credentials import ENV_REFERENCE, untrusted_headers
from .health import HostHealth
from .retry import is_rate_limited

DEFAULT_USER_AGENT = f"linkcheck/{__version__} (link checker; markdown curriculum)"
# Sent only after a 403 to our own User-Agent: some sites refuse anything that is not a browser.
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
}


@dataclass(slots=True)
class ConcurrencyLimit:
    """How many requests a host may have in flight: additive increase, multiplicative decrease.

    A host that says it is overloaded (a 429, or a 503 that is retried) gets half as many requests
    at once; after `limit` answers in a row without such a complaint it gets one more, never
    more than the configured `ceiling`. Coming back to the limit that drew the last complaint
    takes `PROBE_RUNS` times as long: each complaint costs a backoff of a second or more, far
    more than a request fewer in flight. Complaints about requests that were already in flight
    when the limit was cut say nothing new, so one cut per backoff period is enough.
    """

    PROBE_RUNS = 8

    ceiling: int
    limit: int = 0  # 0: start at the ceiling
    successes: int = 0  # answers since the last increase or complaint
    calm_after: float = float("-inf")  # clock time before which a complaint cuts nothing
    overloaded_at: int = 0  # the limit when the last cut was made; 0: never cut

    def __post_init__(self) -> None:
        self.ceiling = max(1, self.ceiling)
        self.limit = min(self.limit or self.ceiling, self.ceiling)

    def succeeded(self) -> bool:
        """One answer without a complaint; True when the limit grew."""
        self.successes += 1
        needed = self.limit
        if self.overloaded_at and self.limit + 1 >= self.overloaded_at:
            needed *= self.PROBE_RUNS
        if self.successes < needed or self.limit >= self.ceiling:
            return False
        self.successes = 0
        self.limit += 1
        return True

    def overloaded(self, now: float, until: float) -> bool:
        """The host asked to back off until clock time `until`; True when the limit was cut."""
        self.successes = 0
        if now < self.calm_after:
            return False
        self.overloaded_at = self.limit
        self.limit = max(1, self.limit // 2)
        self.calm_after = until
        return True


class HostSlots:
    """A semaphore whose size follows a ConcurrencyLimit: places are handed out in arrival
    order, and when the limit falls, requests already in flight finish but none start until
    fewer than the new limit are left."""

    def __init__(self, limit: ConcurrencyLimit) -> None:
        self.limit = limit
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if not self._waiters and self.in_flight < self.limit.limit:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the place was handed over just before the cancellation
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self.wake()

    def wake(self) -> None:
        """Hand free places to waiters (after a release, or when the limit grew)."""
        while self._waiters and self.in_flight < self.limit.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


@dataclass
class Politeness:
    """What one host name may be asked, shared by its origins (its http:// and https:// forms
    count as one host): its slots, its backoff, and how long it has made the run wait."""

    slots: HostSlots
    concurrency: int  # the configured limit: the most the adaptive one may reach
    not_before: float = 0.0  # clock time before which no request to this host starts
    waited: float = 0.0  # seconds of rate-limit waits asked for so far (overlaps counted once)
    gave_up: Failure | None = None  # past the wait cap: the verdict of every later request


@dataclass
class Host:
    """One origin (scheme://host:port) and what the run learnt about it."""

    origin: str
    name: str  # lower-case host name, what check.hosts keys match
    settings: HostConfig
    headers: Mapping[str, str]  # configured headers with ${VAR} resolved: for this host only
    polite: Politeness
    concurrency: int  # the configured limit: the most the adaptive one may reach
    silent: bool = False  # a request failed without any answer (DNS, connect)
    health: HostHealth = field(default_factory=HostHealth)

    @property
    def slots(self) -> HostSlots:
        return self.polite.slots

    @property
    def not_before(self) -> float:
        return self.polite.not_before

    def standing(self) -> Failure | None:
        """The failure that now answers for every request to this origin, if any."""
        return self.polite.gave_up or self.health.dead


def rate_limited(outcome: Outcome) -> bool:
    """The host asked us to slow down: a 429, a spent request budget, or any answer with a
    Retry-After. (Waits for other reasons, a 503 without one say, never count against the
    host's wait cap.)"""
    return isinstance(outcome, Reply) and (
        outcome.status_code == 429 or "retry-after" in outcome.headers
        or is_rate_limited(outcome))


def host_settings(hosts: Mapping[str, HostConfig], name: str) -> tuple[str, HostConfig]:
    """The check.hosts entry for a (lower-case) host name: exact key, else the longest
    `.suffix` key. Keys match whatever their case, as host names do."""
    exact = [k for k in hosts if k.lower() == name]
    if exact:
        return exact[0], hosts[exact[0]]
    suffixes = [k for k in hosts
                if k.startswith(".") and (name.endswith(k.lower()) or name == k[1:].lower())]
    if suffixes:
        key = max(suffixes, key=len)
        return key, hosts[key]
    return "", HostConfig()


def resolve_headers(
    headers: Mapping[str, str], where: str, environ: Mapping[str, str]
) -> dict[str, str]:
    """Header values with `${VAR}` from the environment; a missing variable is a config error."""
    resolved = {}
    for name, value in headers.items():

        def substitute(match: re.Match[str], name: str = name) -> str:
            variable = match.group(1)
            if variable not in environ:
                raise ConfigError(
                    f"{where}.headers.{name}: environment variable {variable} is not set"
                )
            return environ[variable]

        resolved[name] = ENV_REFERENCE.sub(substitute, value)
    return resolved


class _Slot:
    """Hosts.slot's place, held for one `async with` (a class: a request's cheapest way in)."""

    __slots__ = ("_hosts", "_host")

    def __init__(self, hosts: Hosts, host: Host) -> None:
        self._hosts, self._host = hosts, host

    async def __aenter__(self) -> None:
        await self._hosts._take(self._host)

    async def __aexit__(self, kind, value, traceback) -> None:
        self._hosts._give_back(self._host, kind is None)


class Hosts:
    """All hosts of a run, created on first use, and the global limit on requests in flight."""

    def __init__(
        self,
        check: CheckConfig,
        source: str | None,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        environ: Mapping[str, str] | None = None,
        trusted: bool = True,
    ) -> None:
        self._check = check
        self._clock = clock
        self._sleep = sleep
        self._global = asyncio.Semaphore(max(1, check.max_concurrency))
        self._hosts: dict[str, Host] = {}  # by origin
        self._polite: dict[str, Politeness] = {}  # by host name
        self._header_sets: dict[tuple[str, bool, bool], dict[str, str]] = {}
        environ = os.environ if environ is None else environ
        where = f"{source or '<config>'}: check.hosts"
        self.notes: list[str] = []  # headers a pull request's config may not send
        # Resolved up front so a missing variable stops the run before any request.
        self._headers = {
            key: resolve_headers(cfg.headers, f"{where}.{key}", environ) if trusted
            else untrusted_headers(cfg.headers, f"{where}.{key}", self.notes)
            for key, cfg in check.hosts.items()
        }

    def get(self, url: str) -> Host | None:
        origin = origin_of(url)
        if origin is None:
            return None
        host = self._hosts.get(origin)
        if host is None:
            name = (urlsplit(url).hostname or "").lower()
            key, settings = host_settings(self._check.hosts, name)
            polite = self._polite.get(name)
            if polite is None:
                limit = max(1, settings.concurrency or self._check.per_host)
                polite = self._polite[name] = Politeness(HostSlots(ConcurrencyLimit(limit)), limit)
            host = Host(origin, name, settings, self._headers.get(key, {}), polite,
                        polite.concurrency)
            self._hosts[origin] = host
        return host

    def headers(self, host: Host | None, browser: bool, secrets: bool) -> dict[str, str]:
        """The headers for a host, built once per host (callers only read them); its
        configured ones only with `secrets` (see credentials.may_carry_secrets)."""
        key = (host.origin if host else "", browser, secrets)
        headers = self._header_sets.get(key)
        if headers is None:
            headers = self._header_sets[key] = {
                "User-Agent": self._check.user_agent or DEFAULT_USER_AGENT,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                # Only encodings whose decoded size this checker can bound while streaming.
                "Accept-Encoding": "gzip, deflate",
                **(BROWSER_HEADERS if browser else {}),
                **(host.headers if host is not None and secrets else {}),
            }
        return headers

    def longest_waits_first(self, urls: Iterable[str]) -> list[str]:
        """`urls` with the hosts that have the most requests per slot first (in their order
        within a host), so that the biggest hosts do not start last and define the run's tail;
        URLs that are no request at all come first, they cost nothing."""
        groups: dict[int, list[str]] = {}
        for url in urls:
            host = self.get(url)
            groups.setdefault(id(host.polite) if host else 0, []).append(url)

        def expected_wait(group: list[str]) -> float:
            host = self.get(group[0])
            return len(group) / host.concurrency if host else float("inf")

        return [url for group in sorted(groups.values(), key=expected_wait, reverse=True)
                for url in group]

    def slot(self, host: Host) -> _Slot:
        """Hold a place for one request (`async with`): the host's slot first (waiting out its
        backoff while holding it, so the host's other requests wait too), then a global one. A
        backoff that began while waiting for the global place is waited out too: nothing
        starts inside it."""
        return _Slot(self, host)

    async def _take(self, host: Host) -> None:
        await host.slots.acquire()
        try:
            while True:
                while (wait := host.polite.not_before - self._clock()) > 0:
                    await self._sleep(wait)
                await self._global.acquire()
                if host.polite.not_before <= self._clock():
                    return
                self._global.release()  # backed off meanwhile: not a global place held asleep
        except BaseException:
            host.slots.release()
            raise

    def _give_back(self, host: Host, answered: bool) -> None:
        self._global.release()
        host.slots.release()
        if answered and self._clock() >= host.polite.not_before:  # and no backoff asked since
            self._succeeded(host)

    def back_off(self, host: Host, seconds: float) -> None:
        """The host asked to wait (429, 503): no request to it starts for `seconds`, and it
        gets fewer requests at once from now on."""
        now = self._clock()
        polite = host.polite
        polite.not_before = max(polite.not_before, now + seconds)
        polite.slots.limit.overloaded(now, polite.not_before)

    def may_wait(self, host: Host, seconds: float) -> bool:
        """Whether the host may make the run wait `seconds` more for its rate limit.

        Waits that overlap (several requests told to come back at once) count once. Once the
        host has had its cap (check.max_host_wait) it is not waited for any more: every later
        request to it is answered at once with a rate-limit failure, and False is returned.
        So a host costs at most its cap and one more wait (itself at most max_retry_after).
        """
        polite = host.polite
        if polite.gave_up is None and polite.waited >= self._check.max_host_wait:
            polite.gave_up = Failure(FailureKind.RATE_LIMITED,
                                     f"waited {polite.waited:.0f} s for this host in all")
        if polite.gave_up is not None:
            return False
        now = self._clock()
        polite.waited += max(0.0, now + seconds - max(now, polite.not_before))
        return True

    def _succeeded(self, host: Host) -> None:
        if host.slots.limit.succeeded():
            host.slots.wake()
