"""The run as a handful of calls: discover, extract, check, apply rules; the CLI reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .check.local import check_local
from .config import Config
from .discover import discover
from .extract.cache import CACHE_NAME, extract_all
from .history import Clock, RemoteRun, check_with_history, utc_now
from .models import CheckResult, Document, Finding, Link, Status
from .progress import ProgressEvent
from .report.changes import Changes
from .rules import apply_rules, extra_targets, without_replaced_diagnostics

if TYPE_CHECKING:  # only named in annotations; offline runs need not import them
    from .http.pool import PoolFactory
    from .scope import ChangeScope


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run found, ready for the reporters."""

    documents: tuple[Document, ...]
    results: dict[str, CheckResult]  # verdict per target (Link.resolved_url)
    findings: tuple[Finding, ...] = ()
    offline: bool = False
    network_down: bool = False
    notes: tuple[str, ...] = field(default=())  # run-level messages for the reports
    changes: Changes | None = None  # against the previous report; set by the CLI before reporting
    requests_sent: int = 0  # HTTP requests this run (the result store saves the rest)
    scope: ChangeScope | None = None  # --changed-since: only these lines were judged
    # links per status, counted once on first use (reports ask for every status, twice)
    _counts: dict[Status, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def links(self) -> list[Link]:
        return [link for doc in self.documents for link in doc.links]

    def result_for(self, link: Link) -> CheckResult:
        return self.results[link.resolved_url]

    def count(self, status: Status) -> int:
        if not self._counts:
            results = self.results
            self._counts.update(
                Counter(results[link.resolved_url].status for link in self.links)
            )
            self._counts.setdefault(status, 0)  # not empty now, even for a run without links
        return self._counts.get(status, 0)


def run(
    config: Config,
    paths: list[str] | None = None,
    *,
    scope: ChangeScope | None = None,
    clock: Clock = utc_now,
    pool_factory: PoolFactory | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
) -> RunResult:
    """Discover, extract, check and apply rules."""
    files = discover(paths or list(config.paths), config.exclude_paths)
    if scope is not None:
        files = [f for f in files if scope.touches_file(f)]
    documents = extract_all(files, _extract_cache(config))
    results = check_local(documents)
    remote_targets = sorted(
        {link.resolved_url for doc in documents for link in doc.links if link.is_remote}
    )
    results.update(_classify_without_fetch(remote_targets, config))
    if scope is not None:
        results.update(_outside_change(documents, remote_targets, results, scope))
    to_fetch = [t for t in remote_targets if t not in results]
    remote = _check_remote(documents, to_fetch, results, config, clock, pool_factory, progress)
    results.update(remote.results)
    findings = tuple(apply_rules(documents, results, config))
    documents = without_replaced_diagnostics(documents, config)  # each problem reported once
    return RunResult(
        documents, results, findings, config.offline, remote.network_down, remote.notes,
        requests_sent=remote.requests_sent, scope=scope,
    )


def _check_remote(
    documents: tuple[Document, ...],
    to_fetch: list[str],
    decided: dict[str, CheckResult],
    config: Config,
    clock: Clock,
    pool_factory: PoolFactory | None,
    progress: Callable[[ProgressEvent], None] | None,
) -> RemoteRun:
    """Verdicts for the remote targets not decided yet: fetched (or reused from the result
    store), or unchecked in an offline run."""
    if config.offline:
        return RemoteRun(
            {t: CheckResult(t, Status.UNCHECKED, "not checked (--offline)") for t in to_fetch}
        )
    if not to_fetch:
        return RemoteRun({})
    # rules ask for a few more targets (https twins, repaired URLs) to verify their fixes
    wanted = set(to_fetch) | set(decided)
    to_fetch = to_fetch + [t for t in extra_targets(documents, config) if t not in wanted]
    # imported here: offline runs and start-up need neither the event loop nor httpx
    import asyncio

    from .check.remote.checker import check_remote

    def fetch(urls: list[str]):
        return check_remote(urls, config, pool_factory=pool_factory, progress=progress)

    return asyncio.run(check_with_history(to_fetch, config, fetch, clock))


def _outside_change(
    documents: tuple[Document, ...],
    targets: list[str],
    decided: dict[str, CheckResult],
    scope: ChangeScope,
) -> dict[str, CheckResult]:
    touched = {link.resolved_url for doc in documents for link in doc.links if scope.touches(link)}
    return {
        t: CheckResult(t, Status.UNCHECKED, "outside the change")
        for t in targets
        if t not in touched and t not in decided
    }


def _extract_cache(config: Config) -> Path | None:
    """Parsed documents are kept beside the result store, and only while it is on."""
    return Path(config.store.path).with_name(CACHE_NAME) if config.store.enabled else None


def _classify_without_fetch(targets: list[str], config: Config) -> dict[str, CheckResult]:
    return {
        t: CheckResult(t, Status.EXCLUDED, "excluded by configuration")
        for t in targets
        if config.is_excluded(t)
    }


