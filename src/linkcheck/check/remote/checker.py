"""Checks remote http(s) targets: one fetch per page, redirects, retries and politeness.

The pieces live next door: the `http` package talks to servers, `hosts` keeps each host
polite, `network` tells a dead host from no network, `retry` decides about retries, `page`
reads bodies and `verdict` turns what happened into a verdict. This module only sequences them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import ada_url
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from ... import __version__
from ...config import Config
from ...http.cookies import CookieJar
from ...http.fetch import RequestSpec, fetch
from ...http.outcome import SILENT_FAILURES, Failure, FailureKind, Outcome, Reply
from ...http.pool import Clients, ClientSettings, PoolFactory
from ...http.target import origin_of, parse_target
from ...models import CheckResult, Hop, Status
from ...progress import ProgressEvent
from .hosts import Host, Hosts
from .network import NetworkState, NetworkWatch
from .page import PageInfo, ignorable_fragment, parse_page
from .retry import (
    RetryPolicy,
    backoff_delay,
    is_rate_limited,
    over_retry_after_cap,
    should_retry,
)
from .sites import claim, sites_for
from .verdict import REDIRECTS, Chain, PageRules, classify, classify_fragment, is_bot_challenge

DEFAULT_USER_AGENT = f"linkcheck/{__version__} (link checker; markdown curriculum)"
# Sent only after a 403 to our own User-Agent: some sites refuse anything that is not a browser.
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
}
NO_NETWORK_GRACE = 3.0  # seconds without any answer after a silent failure: no network
SOFT_404_BYTES = 64 * 1024  # a page's <title> and <h1> come well before this
# HEAD answers that some servers give wrongly while GET works.
HEAD_UNRELIABLE = frozenset({400, 403, 404, 405, 406, 410, 501})
HOST_WIDE_FAILURES = frozenset(
    {FailureKind.DNS, FailureKind.REFUSED, FailureKind.CONNECT, FailureKind.CONNECT_TIMEOUT,
     FailureKind.TLS, FailureKind.INCOMPLETE_CHAIN, FailureKind.PRIVATE_ADDRESS,
     FailureKind.NO_SUCH_DOMAIN}
)
# Paths whose body cannot show a soft 404 and may be large: checked with HEAD.
_NOT_HTML_SUFFIXES = (
    ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".whl", ".png", ".jpg", ".jpeg",
    ".gif", ".svg", ".webp", ".mp4", ".mp3", ".webm", ".csv", ".json", ".parquet", ".pt",
    ".bin", ".ipynb", ".txt", ".exe", ".dmg", ".iso", ".epub",
)


@dataclass(frozen=True, slots=True)
class RemoteOutcome:
    results: dict[str, CheckResult]  # keyed by the exact URL passed in (fragment included)
    network_down: bool
    requests_sent: int = 0
    notes: tuple[str, ...] = ()  # run-level messages (a site API that stopped helping...)


async def check_remote(
    urls: Sequence[str],
    config: Config,
    *,
    pool_factory: PoolFactory | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    rand: Callable[[], float] | None = None, counted: Collection[str] | None = None,
) -> RemoteOutcome:
    """Check each distinct URL once; each page is fetched once for all of its fragments.

    `clock` is wall-clock seconds (Retry-After dates are compared with it), `sleep` waits for
    backoffs, `rand` jitters them: all three are injected so tests run in milliseconds.
    `pool_factory`, when given, makes the pools; progress counts the `counted` URLs (all).
    """
    pages = group_by_page(urls)
    run = _RemoteRun(config, pool_factory, clock or time.time, sleep or asyncio.sleep,
                     rand or random.random, progress, frozenset(counted or urls))
    try:
        results = await run.check_all(pages)
    finally:
        await run.clients.aclose()
    down = run.watch.state is NetworkState.DOWN
    return RemoteOutcome(results, down, run.requests_sent, tuple(dict.fromkeys(run.notes)))


@asynccontextmanager
async def asking(config: Config, origins: Sequence[str],
                 pool_factory: PoolFactory | None = None) -> AsyncIterator[_RemoteRun]:
    """An asker (sites.Asker) for requests outside the page checks, with the same politeness,
    retries and network watch; its `requests_sent` counts what it sent."""
    run = _RemoteRun(config, pool_factory, time.time, asyncio.sleep, random.random, None, 0)
    grace = min(config.check.connect_timeout, NO_NETWORK_GRACE)
    run.watch = NetworkWatch(frozenset(filter(None, map(origin_of, origins))), grace)
    try:
        yield run
    finally:
        await run.clients.aclose()


def group_by_page(urls: Sequence[str]) -> dict[str, list[tuple[str, str | None]]]:
    """URL without fragment -> [(url as given, fragment or None)], duplicates dropped."""
    pages: dict[str, list[tuple[str, str | None]]] = {}
    for url in dict.fromkeys(urls):
        page, sep, fragment = url.partition("#")
        pages.setdefault(page, []).append((url, fragment if sep else None))
    return pages


class _RemoteRun:
    def __init__(self, config, pool_factory, clock, sleep, rand, progress, counted) -> None:
        check = config.check
        self.check = check
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.progress, self.counted = progress, counted
        self.hosts = Hosts(check, config.source, clock, sleep)
        self.clients = Clients(
            ClientSettings(check.connect_timeout, check.read_timeout, check.allow_private,
                           check.trust_env),
            pool_factory,
            on_connected=lambda: self.watch.connected(),
        )
        self.policy = RetryPolicy(attempts=check.retries + 1, max_retry_after=check.max_retry_after)
        self.watch = NetworkWatch(frozenset())
        self.requests_sent = 0
        self.results: dict[str, CheckResult] = {}
        self.counts: Counter[Status] = Counter()  # of the counted URLs
        self.started = clock()
        self._header_sets: dict[tuple[str, bool], dict[str, str]] = {}
        self.sites = sites_for(config)
        self.notes: list[str] = []

    async def check_all(self, pages: dict[str, list[tuple[str, str | None]]]) -> dict:
        grace = min(self.check.connect_timeout, NO_NETWORK_GRACE)
        self.watch = NetworkWatch(frozenset(filter(None, map(origin_of, pages))), grace)
        tasks = {asyncio.create_task(self.check_page(page, targets)): targets
                 for page, targets in pages.items()}
        if tasks:
            await self._until_done_down_or_deadline(set(tasks))
        down = self.watch.state is NetworkState.DOWN
        why = Failure(FailureKind.NO_NETWORK if down else FailureKind.DEADLINE)
        for task, targets in tasks.items():
            if task.cancelled():
                for target, _ in targets:
                    self._record(classify(Chain(target, why), PageRules()))
        errors = [t.exception() for t in tasks if not t.cancelled() and t.exception()]
        if errors:
            raise errors[0]  # the checker's own bug: an internal error, never a verdict
        self._emit(finished=True)
        return self.results

    async def _until_done_down_or_deadline(self, tasks: set[asyncio.Task]) -> None:
        """Wait for every page; stop early when the network is found down or the deadline
        passes, cancelling what is left (those pages are then unverifiable)."""
        everything = asyncio.ensure_future(asyncio.wait(tasks))
        down = asyncio.ensure_future(self.watch.wait_down())
        await asyncio.wait({everything, down}, timeout=self.check.deadline,
                           return_when=asyncio.FIRST_COMPLETED)
        leftover = [t for t in tasks if not t.done()]
        for future in (everything, down, *leftover):
            future.cancel()
        await asyncio.gather(everything, down, *leftover, return_exceptions=True)

    async def check_page(self, page: str, targets: list[tuple[str, str | None]]) -> None:
        host = self.hosts.get(page)
        host_name = host.name if host else ""
        settings = host.settings if host else None
        rules = PageRules(
            accept=frozenset(self.check.accept) | frozenset(settings.accept if settings else ()),
            soft_404=settings.soft_404 if settings else True,
        )
        fragments = [f for _, f in targets if f and ignorable_fragment(f, host_name) is None]
        site = claim(self.sites, page)
        site_result = await site.check(page, self) if site is not None else None
        if site_result is not None and not fragments:  # the site's API said it all
            for target, fragment in targets:
                why = ignorable_fragment(fragment, host_name) if fragment else None
                reason = f"{site_result.reason}; fragment not checked ({why})" if why else None
                self._record(replace(site_result, target=target,
                                     reason=reason or site_result.reason))
            return
        chain = await self.check_chain(page, rules, bool(fragments))
        reply = chain.outcome
        info = _page_info(reply, rules, anchors=bool(fragments))
        page_result = site_result or classify(chain, rules, info)
        for target, fragment in targets:
            if fragment is None:
                self._record(page_result if target == page_result.target
                             else replace(page_result, target=target))
            else:
                self._record(classify_fragment(page_result, target, fragment, reply, info))

    async def ask(self, url: str, headers: Mapping[str, str], limit: int) -> Outcome:
        """A site module's GET (see sites.Asker): polite, retried, counted like the others."""
        return await self.request(url, "GET", limit, CookieJar(), False, headers)

    async def verify(self, url: str) -> Status:
        """The verdict of one page checked as a link is (see sites.Asker)."""
        chain = await self.check_chain(url, PageRules(), False)
        return classify(chain, PageRules(), _page_info(chain.outcome, PageRules(), False)).status

    def note(self, text: str) -> None:
        self.notes.append(text)

    async def check_chain(self, page: str, rules: PageRules, has_fragments: bool) -> Chain:
        """HEAD when the body cannot matter, GET otherwise; then the fallbacks."""
        if has_fragments:
            limit = self.check.max_body_bytes
        else:
            wanted = _wants_body(page, rules)
            limit = min(SOFT_404_BYTES, self.check.max_body_bytes) if wanted else 0
        chain = await self.follow(page, "GET" if limit else "HEAD", limit)
        if not limit and _head_unreliable(chain.outcome):
            chain = await self.follow(page, "GET", min(SOFT_404_BYTES, self.check.max_body_bytes))
        last = chain.outcome
        if (isinstance(last, Reply) and last.status_code == 403 and not is_bot_challenge(last)
                and not is_rate_limited(last)):
            browser_limit = limit or min(SOFT_404_BYTES, self.check.max_body_bytes)
            chain = await self.follow(page, "GET", browser_limit, browser=True)
        return chain

    async def follow(self, url: str, method: str, limit: int, browser: bool = False) -> Chain:
        """Follow redirects ourselves: each hop's headers are chosen for that hop's host only."""
        jar, hops, seen = CookieJar(), [], set()
        current = url
        for _ in range(self.check.max_redirects + 1):
            seen.add((current, jar.signature()))
            outcome = await self.request(current, method, limit, jar, browser)
            location = _location(outcome)
            if location is None:
                return self._chain(url, outcome, hops)
            hops.append(Hop(current, outcome.status_code))
            try:
                current = ada_url.join_url(current, location).partition("#")[0]
            except ValueError:
                return self._chain(url, Failure(FailureKind.INVALID_URL, location), hops)
            if outcome.status_code == 303 and method != "HEAD":
                method = "GET"  # 303 means "see other": fetch it, whatever the first method
            if (current, jar.signature()) in seen:
                return Chain(url, outcome, tuple(hops), problem="redirect loop")
        return Chain(url, outcome, tuple(hops),
                     problem=f"too many redirects (more than {self.check.max_redirects})")

    def _chain(self, url: str, outcome: Outcome, hops: list[Hop]) -> Chain:
        return Chain(url, outcome, tuple(hops),
                     rate_limit_over_cap=over_retry_after_cap(outcome, self.policy, self.clock()))

    async def request(self, url: str, method: str, limit: int, jar: CookieJar,
                      browser: bool, extra: Mapping[str, str] | None = None) -> Outcome:
        """One hop, retried per the retry policy; host-wide failures are remembered."""
        host = self.hosts.get(url)
        headers = self._headers(host, browser)
        spec = RequestSpec(method, url, {**headers, **extra} if extra else headers, limit,
                           _timeout(host, self.check.timeout),
                           host.concurrency if host else 1)
        if host is None:
            return await fetch(self.clients, spec, jar)  # invalid: classified without a request
        outcome = await self.attempt(host, spec, jar)
        if should_retry(outcome, 1, self.policy, self.clock(), method):
            outcome = await self._retried(host, spec, jar, outcome)
        if isinstance(outcome, Failure) and outcome.kind in SILENT_FAILURES:
            # Silence from a host is only its fault once some other host has answered.
            if not await self.watch.is_up():
                return Failure(FailureKind.NO_NETWORK)
        if isinstance(outcome, Failure) and outcome.kind in HOST_WIDE_FAILURES:
            host.dead = outcome
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
            retry=lambda state: self._should_retry(state, spec.method),
            wait=lambda state: self._wait(host, state),
            sleep=self.sleep,
            retry_error_callback=lambda state: state.outcome.result(),
            reraise=True,
        )
        return await retrying(next_attempt)

    async def attempt(self, host: Host, spec: RequestSpec, jar: CookieJar) -> Outcome:
        if host.dead is not None:
            return host.dead
        if host.silent and not await self.watch.is_up():
            return Failure(FailureKind.NO_NETWORK)
        async with self.hosts.slot(host):
            self.requests_sent += 1
            outcome = await fetch(self.clients, spec, jar)
        self.watch.observe(host, outcome)
        return outcome

    def _should_retry(self, state: RetryCallState, method: str) -> bool:
        if state.outcome is None or state.outcome.failed:
            return False
        return should_retry(state.outcome.result(), state.attempt_number, self.policy,
                            self.clock(), method)

    def _wait(self, host: Host, state: RetryCallState) -> float:
        outcome = state.outcome.result()
        delay = backoff_delay(outcome, state.attempt_number, self.policy, self.clock(), self.rand)
        if isinstance(outcome, Reply) and outcome.status_code in (429, 503):
            self.hosts.back_off(host, delay)  # the whole host slows down, not only this URL
        return delay

    def _headers(self, host: Host | None, browser: bool) -> dict[str, str]:
        """The headers for a host, built once per host (callers only read them)."""
        key = (host.origin if host else "", browser)
        headers = self._header_sets.get(key)
        if headers is None:
            headers = self._header_sets[key] = self._new_headers(host, browser)
        return headers

    def _new_headers(self, host: Host | None, browser: bool) -> dict[str, str]:
        headers = {
            "User-Agent": self.check.user_agent or DEFAULT_USER_AGENT,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            # Only encodings whose decoded size this checker can bound while streaming.
            "Accept-Encoding": "gzip, deflate",
        }
        if browser:
            headers.update(BROWSER_HEADERS)
        if host is not None:
            headers.update(host.headers)
        return headers

    def _record(self, result: CheckResult) -> None:
        self.results[result.target] = result
        self.counts[result.status] += result.target in self.counted  # probes count 0
        self._emit()

    def _emit(self, finished: bool = False) -> None:
        if self.progress is None:
            return
        self.progress(ProgressEvent(
            self.counts.total(), len(self.counted), self.counts[Status.BROKEN],
            self.counts[Status.UNVERIFIABLE], self.requests_sent,
            max(0.0, self.clock() - self.started), finished,
        ))


def _wants_body(url: str, rules: PageRules) -> bool:
    """A soft 404 shows in the body of a deep HTML page; other pages are checked with HEAD."""
    target = parse_target(url)  # parsed once per URL, shared with the request itself
    if target is None:  # not a URL at all: the request will say so
        return False
    path = target.path.partition(b"?")[0].decode("ascii")
    deep = path.strip("/") != ""
    return rules.soft_404 and deep and not path.lower().endswith(_NOT_HTML_SUFFIXES)


def _head_unreliable(outcome: Outcome) -> bool:
    if isinstance(outcome, Failure):
        return outcome.kind in (FailureKind.RESET, FailureKind.PROTOCOL, FailureKind.TIMEOUT)
    return outcome.status_code in HEAD_UNRELIABLE


def _location(outcome: Outcome) -> str | None:
    if isinstance(outcome, Reply) and outcome.status_code in REDIRECTS:
        return outcome.headers.get("location") or None
    return None


def _page_info(outcome: Outcome, rules: PageRules, anchors: bool) -> PageInfo | None:
    """What the page says about itself, parsed only when a verdict can use it: an answer that
    is ok (soft 404s, fragments), never an error page."""
    if not isinstance(outcome, Reply) or not outcome.is_html or not outcome.body:
        return None
    if not (200 <= outcome.status_code < 300 or outcome.status_code in rules.accept):
        return None
    return parse_page(outcome.body, outcome.charset, anchors=anchors)


def _timeout(host: Host | None, default: float) -> float:
    if host is not None and host.settings.timeout is not None:
        return host.settings.timeout
    return default

