"""A run's remote check spread over worker processes, each with hosts of its own.

Checking is CPU-bound long before the network is busy (HTTP parsing, TLS and the event loop
share one Python thread), so on a machine with several cores the run's hosts are shared out:
every host (its http and https forms together, as politeness counts them) belongs to one
worker process, which checks all of its pages with the same checker, limits and retries as a
run in one process; the pages a site module answers all go to the first worker (the site APIs
have rate limits of their own). The main process reads the files meanwhile: URLs go to the
workers as the files are read, so the network starts at once. A new host goes to the worker
with the fewest pages.

The run's limit on requests in flight (check.max_concurrency) is divided among the processes.
Between the processes go only what one watch of the network would have seen (an answer
anywhere, an origin gone silent) and progress. A worker that fails to start or ends without its
outcome loses nothing: its URLs are checked by the main process afterwards, and a note says so.
One thing is not shared: a redirect from one worker's host to another's is sent under the first
worker's limit for that host.

The workers start before the first file is read when the files name enough URLs for them
(`start`, from a count of "://" in them), and not in a run whose store already knows most of
them; a smaller run is checked by one forked worker where forking is safe, otherwise in this
process, from the first URL on.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ...config import Config
from ...http.target import PLAIN_AUTHORITY, origin_of
from ...progress import ProgressEvent
from . import prefork, processes
from .network import WatchPeers
from .outcome import RemoteOutcome
from .sites import claim, sites_for
from .workers import Worker

if TYPE_CHECKING:  # the HTTP stack: a run checked by workers only loads it in them
    from .session import RemoteSession

MAX_WORKERS = prefork.MAX_WORKERS  # beyond this the hosts' own latency, not CPU, bounds a run
MIN_PAGES_PER_PROCESS = 150  # a process costs about 0.2 s of CPU to start: not for a few pages


def workers_for(config: Config, pages: int) -> int:
    """Worker processes for a run of `pages` pages: check.workers (1: none), or one per
    available core; none on a single core or for a small run."""
    wanted = config.check.workers or min(MAX_WORKERS, _cores())
    if wanted < 2 or pages < 2 * MIN_PAGES_PER_PROCESS:
        return 0
    return min(wanted, pages // MIN_PAGES_PER_PROCESS)


_cores = prefork.cores


def host_key(page: str) -> str:
    """What a page's politeness is counted by: its host name, whatever the scheme. Split once
    per plain authority (see http.target.PLAIN_AUTHORITY): every URL of a run is routed."""
    plain = PLAIN_AUTHORITY.match(page)
    if plain is not None:
        return _authority_host(plain.group())
    return (urlsplit(page).hostname or "").lower()


@functools.lru_cache(maxsize=4096)
def _authority_host(authority: str) -> str:
    return (urlsplit(authority).hostname or "").lower()


class SpreadSession:
    """RemoteSession's interface over the main process and its workers."""

    def __init__(self, config: Config,
                 progress: Callable[[ProgressEvent], None] | None) -> None:
        self.config, self.progress = config, progress
        self._origins: set[str] = set()
        self._sites = sites_for(config)
        self._owner: dict[str, int] = {}  # host key ("" for the sites' pages) -> worker index
        self._load: list[int] = []  # pages per worker
        self.workers: list[Worker] = []
        self.events: dict[int, ProgressEvent] = {}
        self.peers = WatchPeers(frozenset(), self._tell_workers)
        self.local: RemoteSession | None = None
        self._notes: list[str] = []

    # -- feeding -----------------------------------------------------------------------------

    async def start(self, expected_pages: int) -> None:
        """Start the workers if about `expected_pages` pages call for them; else one forked
        worker, or this process, checks from the first URL on."""
        if count := workers_for(self.config, expected_pages):
            await self._start_workers(count)
        elif self._one_forked_worker_pays():
            await self._start_workers(1)
        else:
            self._settle()
        prefork.dismiss()  # the workers forked at the start that this run does not want

    def _one_forked_worker_pays(self) -> bool:
        """A smaller run (a warm one, most of whose verdicts the store answers) has its checks
        made by one forked worker on another core, where forking is safe: in this process its
        requests would wait for the reading, the rules and the reports; a fork costs a few
        milliseconds. Not where workers are off (check.workers 1) or there is one core."""
        check = self.config.check
        return (check.workers != 1 and (check.workers or _cores()) >= 2
                and processes.can_fork())

    async def add(self, urls: Sequence[str]) -> None:
        self._settle()
        self._note_pages(urls)
        self._route(urls, "add")

    async def add_extras(self, urls: Sequence[str]) -> None:
        self._settle()
        self._note_pages(urls)
        self._route(urls, "extras")

    async def close(self) -> None:
        self._settle()
        every = frozenset(self._origins)
        if self.local is not None:
            self.local.close(every)
        for worker in self.workers:
            worker.send(("close", every))

    async def outcome(self) -> RemoteOutcome:
        """Every process's outcome in one; a worker's that failed is checked here now."""
        outcomes = [await self.local.outcome()] if self.local is not None else []
        for worker in self.workers:
            got = await worker.outcome()
            if isinstance(got, str):  # why it gave none
                self._notes.append(f"a checking process {got}; its {len(worker.urls)} URLs "
                                   "were checked by the main process")
                got = await self._checked_here(worker)
            outcomes.append(got)
        results = {k: v for outcome in outcomes for k, v in outcome.results.items()}
        answered = {k: v for outcome in outcomes for k, v in outcome.origins_answered.items()}
        notes = [note for outcome in outcomes for note in outcome.notes] + self._notes
        return RemoteOutcome(
            results, bool(outcomes) and all(outcome.network_down for outcome in outcomes),
            sum(outcome.requests_sent for outcome in outcomes), tuple(dict.fromkeys(notes)),
            answered)

    async def abandon(self) -> None:
        if self.local is not None:
            await self.local.abandon()
        for worker in self.workers:
            await worker.stop()

    # -- sharing out -------------------------------------------------------------------------

    def _note_pages(self, urls: Sequence[str]) -> None:
        for url in urls:
            if (origin := origin_of(url.partition("#")[0])) is not None:
                self._origins.add(origin)

    def _settle(self) -> None:
        """Check in this process if no worker was started (a small run, or no `start`)."""
        if self.local is None and not self.workers:
            self.local = self._session(self.config, 0)

    async def _start_workers(self, count: int) -> None:
        check = self.config.check
        share = max(check.per_host, check.max_concurrency // count)
        config = dataclasses.replace(self.config, check=dataclasses.replace(
            check, max_concurrency=min(share, check.max_concurrency)))
        self._load = [0] * count
        pipes: list[int] = []
        for index in range(count):
            worker = Worker(index, self)
            await worker.start(config, frozenset(self._origins), pipes,
                               progress=self.progress is not None)
            self.workers.append(worker)

    def _session(self, config: Config, index: int) -> RemoteSession:
        from .session import RemoteSession

        told = None if self.progress is None else (lambda e: self.progressed(index, e))
        return RemoteSession(config, progress=told,
                             peers=self.peers if self.workers else None)

    def _route(self, urls: Sequence[str], kind: str) -> None:
        """Each URL to its host's process: a host seen for the first time to the worker with
        the fewest pages; pages a site module answers to the first worker."""
        if not self.workers:
            getattr(self.local, "add" if kind == "add" else "add_extras")(urls)
            return
        batches: dict[int, list[str]] = {}
        for url in urls:
            batches.setdefault(self._owner_of(url), []).append(url)
        for index, batch in batches.items():
            worker = self.workers[index]
            worker.send((kind, batch))
            worker.urls.extend(batch)
            if kind == "extras":
                worker.extras.update(batch)

    def _owner_of(self, url: str) -> int:
        page = url.partition("#")[0]
        key = "" if claim(self._sites, page) is not None else host_key(page)
        owner = self._owner.get(key)
        if owner is None:  # "" (the sites' pages): the first worker
            owner = self._owner[key] = 0 if key == "" else min(
                range(len(self._load)), key=self._load.__getitem__)
        self._load[owner] += 1
        return owner

    async def _checked_here(self, worker: Worker) -> RemoteOutcome:
        session = self._session(self.config, worker.index)
        links = [u for u in worker.urls if u not in worker.extras]
        session.add(links)
        session.add_extras([u for u in worker.urls if u in worker.extras])
        session.close(frozenset(self._origins))
        return await session.outcome()

    # -- what the processes tell each other ---------------------------------------------------

    def _tell_workers(self, kind: str, origin: str) -> None:
        for worker in self.workers:
            worker.send((kind, origin))

    def heard(self, index: int, kind: str, origin: str) -> None:
        """A worker's watch saw something: the main process's watch and the others learn it."""
        self.peers.receive(kind, origin)
        for worker in self.workers:
            if worker.index != index:
                worker.send((kind, origin))

    def progressed(self, index: int, event: ProgressEvent) -> None:
        self.events[index] = event
        if self.progress is None:
            return
        events = self.events.values()
        self.progress(ProgressEvent(
            sum(e.done for e in events), sum(e.total for e in events),
            sum(e.broken for e in events), sum(e.unverifiable for e in events),
            sum(e.requests for e in events), max(e.elapsed for e in events),
            all(e.finished for e in events)))
