"""Remote checking with memory: reuse fresh verdicts, record new ones, apply the flakiness policy.

The policy: a remote link that fails transiently (a timeout, a reset, a 5xx, a resolver
failure) is a *new failure* until it has failed `store.failures_before_broken` runs in a row;
only then is it *broken* (and fails the job). One bad run of a flaky host is not a dead link;
a definitive answer (a 404, a domain that does not exist) is broken at once. Without a store
(`--no-cache`, or a store that cannot be opened) there is nothing to count with, so a failure is
reported broken at once: the job errs on the side of telling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Config
from ..http.target import origin_of
from ..models import CheckResult, Status, origin_not_answering
from .store import ResultStore, StoreError, UrlHistory, open_store

# Fetches the given URLs, of which the second argument's are not links but checks for the rules;
# answers with the remote checker's outcome (results, network_down, origins_answered, ...).
Fetch = Callable[[list[str], frozenset[str]], Awaitable[Any]]
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class RemoteRun:
    """Remote verdicts for a run, whether fetched or reused, after the flakiness policy."""

    results: dict[str, CheckResult]
    network_down: bool = False
    requests_sent: int = 0
    reused: int = 0
    notes: tuple[str, ...] = ()


def utc_now() -> datetime:
    return datetime.now(UTC)


async def check_with_history(
    targets: list[str], config: Config, fetch: Fetch, clock: Clock = utc_now,
    extras: list[str] | None = None,
) -> RemoteRun:
    """Answer `targets` from the store where allowed; fetch the rest, record, apply the policy.

    `extras` are not links but URLs the rules want checked (https:// twins...): those on an
    origin the store knows not to answer at all are skipped, and what this run learnt about
    such origins is stored in turn.
    """
    history = History(config, clock)
    try:
        to_fetch = history.unknown(targets) + history.unknown_extras(extras or [])
        extra = frozenset(extras or ()) & frozenset(to_fetch)
        outcome = await fetch(to_fetch, extra) if to_fetch else None
        return history.judged(outcome)
    finally:
        history.close()


class History:
    """The store's side of a run, as the targets become known: which verdicts are reused,
    then (`judged`) the fetched ones recorded and judged by the flakiness policy."""

    def __init__(self, config: Config, clock: Clock = utc_now) -> None:
        self.config, self.clock = config, clock
        now = clock()
        self.now = now.replace(tzinfo=UTC) if now.tzinfo is None else now  # naive: UTC
        self.store, opened = (open_store(Path(config.store.path)) if config.store.enabled
                              else (None, ()))
        self.notes = list(opened)
        self.decided: dict[str, CheckResult] = {}  # reused, or skipped extras
        self.reused = 0

    def known(self) -> int:
        """How many URLs the store has verdicts for (0 without a store)."""
        try:
            return self.store.count() if self.store is not None else 0
        except StoreError:
            return 0  # the lookups that matter will say what is wrong

    def failed_last(self) -> list[str]:
        """The URLs the latest run found broken (none without a store): see
        ResultStore.failed_last_run."""
        try:
            return self.store.failed_last_run() if self.store is not None else []
        except StoreError:
            return []  # the lookups that matter will say what is wrong

    def unknown(self, targets: list[str]) -> list[str]:
        """The targets the store cannot answer for: to be fetched."""
        reused = _reusable(self.store, targets, self.now, self.config, self.notes)
        self.decided.update(reused)
        self.reused += len(reused)
        return [t for t in targets if t not in reused]

    def unknown_extras(self, extras: list[str]) -> list[str]:
        """Likewise for the rules' URLs, less those on an origin known not to answer."""
        skipped = _known_silent(self.store, extras, self.now, self.config, self.notes)
        self.decided.update(skipped)
        return self.unknown([e for e in extras if e not in skipped])

    def judged(self, outcome: Any) -> RemoteRun:
        """The run's verdicts: the fetched ones (`outcome`, None if nothing was) recorded and
        judged, with those reused."""
        fresh: dict[str, CheckResult] = dict(outcome.results) if outcome else {}
        network_down = bool(outcome and outcome.network_down)
        histories = _record(self.store, fresh, (self.now, self.clock()), network_down,
                            self.notes)
        _record_origins(self.store, getattr(outcome, "origins_answered", {}), self.now,
                        self.notes)
        threshold = self.config.store.failures_before_broken
        results = {**self.decided, **apply_policy(fresh, histories, threshold)}
        sent = getattr(outcome, "requests_sent", 0) if outcome else 0
        notes = self.notes + list(getattr(outcome, "notes", ()) if outcome else ())
        return RemoteRun(results, network_down, sent, self.reused, tuple(notes))

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def _reusable(
    store: ResultStore | None, targets: list[str], now: datetime, config: Config, notes: list[str]
) -> dict[str, CheckResult]:
    if store is None:
        return {}
    try:
        return store.reusable(targets, now, config.store.max_age)
    except StoreError as exc:
        notes.append(f"{exc}; checking every link afresh")
        return {}


def _known_silent(
    store: ResultStore | None, extras: list[str], now: datetime, config: Config, notes: list[str]
) -> dict[str, CheckResult]:
    """The extras whose origin the store knows not to answer (not requested this run)."""
    if store is None or not extras:
        return {}
    origins = {extra: origin_of(extra) or "" for extra in extras}
    try:
        silent = store.silent_origins(set(origins.values()), now,
                                      config.store.max_age.get("no-https"))
    except StoreError as exc:
        notes.append(str(exc))
        return {}
    return {e: origin_not_answering(e, origin, silent[origin], from_cache=True)
            for e, origin in origins.items() if origin in silent}


def _record_origins(
    store: ResultStore | None, facts: Mapping[str, str | None], now: datetime, notes: list[str]
) -> None:
    if store is None or not facts:
        return
    try:
        store.record_origins(facts, now)
    except StoreError as exc:
        notes.append(str(exc))


def _record(
    store: ResultStore | None,
    fresh: dict[str, CheckResult],
    times: tuple[datetime, datetime],
    network_down: bool,
    notes: list[str],
) -> dict[str, UrlHistory] | None:
    """New histories for the fetched URLs; None when there is no history to judge by.
    `times`: when the run started and now (overlapping runs count a failure once)."""
    if store is None:
        return None
    if network_down:
        # "no network" says nothing about the links: keep their verdicts and streaks as they were
        return _safe_history(store, fresh, notes)
    try:
        started, recorded = times
        if recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=UTC)
        return store.record(fresh, started, recorded)
    except StoreError as exc:
        notes.append(f"{exc}; failures are reported broken without the flakiness delay")
        return None


def _safe_history(
    store: ResultStore, urls: Mapping[str, Any], notes: list[str]
) -> dict[str, UrlHistory]:
    try:
        return store.history(urls)
    except StoreError as exc:
        notes.append(str(exc))
        return {}


def apply_policy(
    fresh: Mapping[str, CheckResult], histories: Mapping[str, UrlHistory] | None, threshold: int
) -> dict[str, CheckResult]:
    """Mark transient failures that have not yet failed `threshold` runs in a row as new
    failures; a definitive answer (a 404, a domain that does not exist) stays broken.

    `histories` holds each URL's history including this run; None means no store, where every
    failure is broken at once.
    """
    judged: dict[str, CheckResult] = {}
    for url, result in fresh.items():
        history = histories.get(url) if histories is not None else None
        changes: dict[str, Any] = {}
        if history is not None and (history.first_failed_at != result.first_failed_at
                                    or history.consecutive_failures != result.failed_runs):
            changes.update(first_failed_at=history.first_failed_at,
                           failed_runs=history.consecutive_failures)
        if result.status == Status.BROKEN and result.transient and histories is not None:
            runs = history.consecutive_failures if history else 1
            if runs < max(threshold, 1):
                changes["status"] = Status.NEW_FAILURE
        # most verdicts (every success) are judged as they came: not copied
        judged[url] = dataclasses.replace(result, **changes) if changes else result
    return judged
