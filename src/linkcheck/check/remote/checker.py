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
from dataclasses import replace

import ada_url

from ...config import Config
from ...http.cookies import CookieJar
from ...http.fetch import RequestSpec, fetch
from ...http.outcome import SILENT_FAILURES, Failure, FailureKind, Outcome, Reply
from ...http.pool import Clients, ClientSettings, PoolFactory
from ...http.target import origin_of
from ...models import CheckResult, Hop, Status, origin_not_answering
from ...progress import ProgressEvent
from .choices import SOFT_404_BYTES, head_unreliable, location, page_info, timeout_for, wants_body
from .credentials import may_carry_secrets
from .extras import OriginGates, Pages, behind_gate
from .health import PROBE_TIMEOUT
from .hosts import DEFAULT_USER_AGENT as DEFAULT_USER_AGENT  # re-exported for callers
from .hosts import Host, Hosts
from .network import NetworkState, NetworkWatch, WatchPeers
from .outcome import RemoteOutcome as RemoteOutcome  # re-exported for callers
from .page import ignorable_fragment
from .retry import RetryPolicy, is_rate_limited, over_retry_after_cap
from .sender import HostSender
from .sites import claim, sites_for
from .verdict import Chain, PageRules, classify, classify_fragment, is_bot_challenge

NO_NETWORK_GRACE = 3.0  # seconds without any answer after a silent failure: no network


async def check_remote(
    urls: Sequence[str],
    config: Config,
    *,
    pool_factory: PoolFactory | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    rand: Callable[[], float] | None = None, counted: Collection[str] | None = None,
    extras: frozenset[str] = frozenset(), peers: WatchPeers | None = None,
) -> RemoteOutcome:
    """Check each distinct URL once; each page is fetched once for all of its fragments.

    `extras` (some of `urls`) are not links but URLs the rules ask about: on an origin no link
    uses they wait for one probe of the origin (extras.py).

    `clock` is wall-clock seconds (Retry-After dates are compared with it), `sleep` waits for
    backoffs, `rand` jitters them: all three are injected so tests run in milliseconds.
    `pool_factory`, when given, makes the pools; progress counts the `counted` URLs (all
    but the extras). `peers`: the other processes checking the same run (spread.py).
    """
    pages = group_by_page(urls)
    run = PageChecks(config, pool_factory, clock or time.time, sleep or asyncio.sleep,
                     rand or random.random, progress,
                     frozenset(counted) if counted is not None else frozenset(urls) - extras,
                     extras)
    run.peers = peers
    try:
        results = await run.check_all(pages)
    finally:
        await run.clients.aclose()
    down = run.watch.state is NetworkState.DOWN
    return RemoteOutcome(results, down, run.requests_sent, tuple(dict.fromkeys(run.notes)),
                         run.gates.answered)


@asynccontextmanager
async def asking(config: Config, origins: Sequence[str],
                 pool_factory: PoolFactory | None = None) -> AsyncIterator[PageChecks]:
    """An asker (sites.Asker) for requests outside the page checks, with the same politeness,
    retries and network watch; its `requests_sent` counts what it sent."""
    run = PageChecks(config, pool_factory, time.time, asyncio.sleep, random.random, None,
                     frozenset())
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


class PageChecks:
    def __init__(self, config, pool_factory, clock, sleep, rand, progress, counted,
                 extras=frozenset()) -> None:
        check = config.check
        self.check = check
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.progress, self.counted, self.extras = progress, counted, extras
        self.hosts = Hosts(check, config.source, clock, sleep, trusted=config.trusted)
        self.clients = Clients(
            ClientSettings(check.connect_timeout, check.read_timeout, check.allow_private,
                           check.trust_env, check.dns_canary),
            pool_factory,
            on_connected=lambda: self.watch.connected(),
        )
        self.policy = RetryPolicy(attempts=check.retries + 1, max_retry_after=check.max_retry_after)
        self.sender = HostSender(self.hosts, self.clients, self.policy, clock, sleep, rand)
        self.gates = OriginGates(frozenset(), self._probe_origin)
        self.results: dict[str, CheckResult] = {}
        self._pages_left: Counter[str | None] = Counter()  # per origin: pages not yet checked
        self._targets: dict[str, set[str]] = {}  # per page: the targets added for it
        self._link_origins: set[str | None] = set()  # origins that links (not extras) use
        self._closed = False  # no pages will be added (see close)
        self.counts: Counter[Status] = Counter()  # of the counted URLs
        self.started = clock()
        self.sites = sites_for(config)
        self.notes: list[str] = list(self.hosts.notes)
        self.peers: WatchPeers | None = None
        self.on_record: Callable[[CheckResult], None] | None = None  # told of every verdict
        self._rules: dict[str, PageRules] = {}  # by host name

    @property
    def watch(self) -> NetworkWatch:
        return self.sender.watch

    @watch.setter
    def watch(self, watch: NetworkWatch) -> None:
        self.sender.watch = watch

    @property
    def requests_sent(self) -> int:
        return self.sender.requests_sent

    async def check_all(self, pages: dict[str, list[tuple[str, str | None]]]) -> dict:
        self.begin(frozenset(filter(None, map(origin_of, pages))))
        extra = {p: 0 for p, targets in pages.items() if all(t in self.extras for t, _ in targets)}
        self.add({p: targets for p, targets in pages.items() if p not in extra})
        self.add_extras({p: pages[p] for p in extra}, self.extras)
        self.close()
        return await self.finish()

    def begin(self, origins: frozenset[str] = frozenset()) -> None:
        """Ready for pages (`add`); `origins`: those of the run known so far (the watch's)."""
        grace = min(self.check.connect_timeout, NO_NETWORK_GRACE)
        self.watch = NetworkWatch(self.peers.origins if self.peers else origins, grace,
                                  whole=False)
        if self.peers is not None:
            self.peers.attach(self.watch)
        self.gates = OriginGates(frozenset(), self._probe_origin)
        self.tasks: dict[asyncio.Task, list[tuple[str, str | None]]] = {}
        self._began = time.monotonic()  # the deadline counts from here

    def add(self, pages: dict[str, list[tuple[str, str | None]]]) -> None:
        """Start checking `pages` (page -> its targets), biggest hosts first. A page added
        again with targets it lacked (a fragment) is checked again for them; pages made only of
        extras wait for their origin's probe unless a link uses the origin (then add them after
        every link's page, see close)."""
        fresh = {}
        for page, targets in pages.items():
            known = self._targets.setdefault(page, set())
            new = [(t, f) for t, f in targets if t not in known]
            known.update(t for t, _ in new)
            if new:
                fresh[page] = new
        self.watch.origins |= frozenset(filter(None, map(origin_of, fresh)))
        gated: dict[str, Pages] = {}  # extras waiting for their origin's probe, by origin
        for page in self.hosts.longest_waits_first(fresh):
            targets, origin = fresh[page], origin_of(page)
            self._pages_left[origin] += 1
            if not all(t in self.extras for t, _ in targets):
                self._link_origins.add(origin)
            elif origin is not None and self.gates.gated(origin):
                gated.setdefault(origin, []).append((page, targets))
                continue
            self.tasks[asyncio.create_task(self._then_release(page, targets))] = targets
        for waiting in gated.values():
            host = self.hosts.get(waiting[0][0])
            assert host is not None  # an origin: a host
            work = behind_gate(self.gates, host, waiting, self._then_release, self._refused)
            self.tasks[asyncio.create_task(work)] = [t for _, ts in waiting for t in ts]

    def add_extras(self, pages: dict[str, list[tuple[str, str | None]]],
                   extras: frozenset[str]) -> None:
        """The rules' URLs (`extras`, in `pages`), once every link's page has been added: their
        gates need to know which origins links use."""
        self.extras = self.extras | extras
        self.gates = OriginGates(frozenset(filter(None, self._link_origins)), self._probe_origin)
        self.add(pages)

    def close(self) -> None:
        """No more pages: an origin with none left may close its connections, and a watch
        that knows every origin may conclude that all of them are silent."""
        self._closed = True
        self.watch.know_every_origin()
        for origin, left in list(self._pages_left.items()):
            if origin is not None and left == 0:
                asyncio.ensure_future(self.clients.release(origin))

    async def finish(self) -> dict:
        """Wait for every page added; what the deadline or a network found down cut short is
        unverifiable."""
        tasks = self.tasks
        if tasks:
            deadline = self.check.deadline
            left = deadline - (time.monotonic() - self._began) if deadline else None
            await self._until_done_down_or_deadline(set(tasks), left)
        down = self.watch.state is NetworkState.DOWN
        why = Failure(FailureKind.NO_NETWORK if down else FailureKind.DEADLINE)
        for task, targets in tasks.items():
            if task.cancelled():  # (an origin's extras in one task: some may have their verdict)
                for target in [t for t, _ in targets if t not in self.results]:
                    self._record(classify(Chain(target, why), PageRules()))
        errors = [t.exception() for t in tasks if not t.cancelled() and t.exception()]
        if errors:
            raise errors[0]  # the checker's own bug: an internal error, never a verdict
        self.emit(finished=True)
        return self.results

    async def _then_release(self, page: str, targets: list[tuple[str, str | None]]) -> None:
        """Check a page; after the last page of its origin, close the origin's connections."""
        await self.check_page(page, targets)
        if (origin := self._done_with(page)) is not None:
            await self.clients.release(origin)

    def _refused(self, page: str, targets: list[tuple[str, str | None]], why_not: str) -> None:
        """An extra page whose origin gave no answer to its probe: not worth a request."""
        for target, _ in targets:
            self._record(origin_not_answering(target, origin_of(page) or "", why_not))
        if (origin := self._done_with(page)) is not None:
            asyncio.ensure_future(self.clients.release(origin))

    def _done_with(self, page: str) -> str | None:
        """One more page of its origin done: the origin, if that was its last one."""
        origin = origin_of(page)
        self._pages_left[origin] -= 1
        last = origin is not None and self._pages_left[origin] == 0 and self._closed
        return origin if last else None

    async def _until_done_down_or_deadline(self, tasks: set[asyncio.Task],
                                           timeout: float | None) -> None:
        """Wait for every page; stop early when the network is found down or the deadline
        passes, cancelling what is left (those pages are then unverifiable)."""
        everything = asyncio.ensure_future(asyncio.wait(tasks))
        down = asyncio.ensure_future(self.watch.wait_down())
        await asyncio.wait({everything, down}, return_when=asyncio.FIRST_COMPLETED,
                           timeout=None if timeout is None else max(0.0, timeout))
        leftover = [t for t in tasks if not t.done()]
        for future in (everything, down, *leftover):
            future.cancel()
        await asyncio.gather(everything, down, *leftover, return_exceptions=True)

    async def _probe_origin(self, host: Host, url: str) -> Outcome:
        spec = RequestSpec("GET", url, self.hosts.headers(host, False, secrets=False), 1,
                           min(timeout_for(host, self.check.timeout), PROBE_TIMEOUT),
                           host.concurrency)
        return await self.sender.probe_origin(host, spec)

    async def check_page(self, page: str, targets: list[tuple[str, str | None]]) -> None:
        host = self.hosts.get(page)
        host_name = host.name if host else ""
        if (rules := self._rules.get(host_name)) is None:  # a host's settings: once per name
            settings = host.settings if host else None
            accept = frozenset(self.check.accept) | frozenset(settings.accept if settings else ())
            rules = self._rules[host_name] = PageRules(
                accept=accept, soft_404=settings.soft_404 if settings else True)
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
        info = page_info(reply, rules, anchors=bool(fragments))
        page_result = site_result or classify(chain, rules, info)
        for target, fragment in targets:
            if fragment is None:
                self._record(page_result if target == page_result.target
                             else replace(page_result, target=target))
            else:
                self._record(classify_fragment(page_result, target, fragment, reply, info))

    async def ask(self, url: str, headers: Mapping[str, str], limit: int) -> Outcome:
        """A site module's GET (see sites.Asker): polite, retried, counted like the others."""
        return await self.request(url, "GET", limit, CookieJar(), False, headers,
                                  secrets=may_carry_secrets(url, ()))

    async def verify(self, url: str) -> Status:
        """The verdict of one page checked as a link is (see sites.Asker)."""
        chain = await self.check_chain(url, PageRules(), False)
        return classify(chain, PageRules(), page_info(chain.outcome, PageRules(), False)).status

    def note(self, text: str) -> None:
        self.notes.append(text)

    async def check_chain(self, page: str, rules: PageRules, has_fragments: bool) -> Chain:
        """HEAD when the body cannot matter, GET otherwise; then the fallbacks."""
        if has_fragments:
            limit = self.check.max_body_bytes
        else:
            wanted = wants_body(page, rules)
            limit = min(SOFT_404_BYTES, self.check.max_body_bytes) if wanted else 0
        chain = await self.follow(page, "GET" if limit else "HEAD", limit)
        if not limit and head_unreliable(chain.outcome):
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
            outcome = await self.request(current, method, limit, jar, browser,
                                         secrets=may_carry_secrets(current, hops))
            to = location(outcome)
            if to is None:
                return self._chain(url, outcome, hops)
            hops.append(Hop(current, outcome.status_code))
            try:
                current = ada_url.join_url(current, to).partition("#")[0]
            except ValueError:
                return self._chain(url, Failure(FailureKind.INVALID_URL, to), hops)
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
                      browser: bool, extra: Mapping[str, str] | None = None,
                      secrets: bool = False) -> Outcome:
        """One hop, retried per the retry policy; host-wide failures are remembered; the host's
        configured headers go along only with `secrets` (see may_carry_secrets)."""
        host = self.hosts.get(url)
        headers = self.hosts.headers(host, browser, secrets)
        spec = RequestSpec(method, url, {**headers, **extra} if extra else headers, limit,
                           timeout_for(host, self.check.timeout),
                           host.concurrency if host else 1, netrc=secrets)
        if host is None:
            return await fetch(self.clients, spec, jar)  # invalid: classified without a request
        outcome = await self.sender.send(host, spec, jar)
        if isinstance(outcome, Failure) and outcome.kind in SILENT_FAILURES:
            # Silence from a host is only its fault once some other host has answered.
            if not await self.watch.is_up():
                return Failure(FailureKind.NO_NETWORK)
        if isinstance(outcome, Failure):
            host.health.fail(outcome)
        return outcome

    def _record(self, result: CheckResult) -> None:
        self.results[result.target] = result
        if self.on_record is not None:
            self.on_record(result)
        self.counts[result.status] += result.target in self.counted  # probes count 0
        self.emit()

    def emit(self, finished: bool = False) -> None:
        if self.progress is None:
            return
        self.progress(ProgressEvent(
            self.counts.total(), len(self.counted), self.counts[Status.BROKEN],
            self.counts[Status.UNVERIFIABLE], self.requests_sent,
            max(0.0, self.clock() - self.started), finished,
        ))
