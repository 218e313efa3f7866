"""Suggested replacements for broken remote links: verified Wayback Machine snapshots.

Runs after the remote check, in what is left of its deadline: each broken link (a soft 404
included) is looked up once per failure streak and the answer kept in the result store for
`archive.max_age`, at most `archive.max_lookups` lookups a run, `archive.interval` seconds
apart. Suggestions are only reported; `linkcheck fix --use-archive` applies them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping, Set
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ...config import Config
from ...history.store import ArchiveLookup, ResultStore, StoreError, open_store, timestamp
from ...models import CheckResult, Status
from .checker import asking
from .sites.wayback import Lookup, look_up
from .sites.youtube import video_id

if TYPE_CHECKING:
    from ...http.pool import PoolFactory


@dataclasses.dataclass(frozen=True, slots=True)
class Suggestions:
    results: dict[str, CheckResult]  # the results given, with `suggestion` set where found
    requests_sent: int = 0
    notes: tuple[str, ...] = ()


async def suggest(results: Mapping[str, CheckResult], linked: Set[str], config: Config,
                  now: datetime, budget: float | None,
                  pool_factory: PoolFactory | None = None) -> Suggestions:
    """Suggestions for the broken remote links in `results` that documents link (not the
    extra targets rules asked for), within `budget` seconds."""
    broken = _broken_pages({t: r for t, r in results.items() if t in linked}, now)
    if not broken:
        return Suggestions(dict(results))
    store, notes = _open(config)
    try:
        known = _remembered(store, broken, now, config.archive.max_age, notes)
        wanted = [page for page in broken if page not in known]
        found, sent = await _look_up_all(wanted, broken, config, budget, pool_factory, notes)
        fresh = [ArchiveLookup(p, broken[p][0], timestamp(now), x.snapshot)
                 for p, x in found.items() if x.settled]
        _remember(store, fresh, notes)
    finally:
        if store is not None:
            store.close()
    snapshots = {**{p: x.snapshot for p, x in known.items()},
                 **{p: x.snapshot for p, x in found.items()}}
    return Suggestions(_with_suggestions(results, snapshots), sent, tuple(notes))


def _broken_pages(results: Mapping[str, CheckResult], now: datetime) -> dict[str, tuple]:
    """Page URL (no fragment) -> (when its failure streak began, ISO; as a datetime)."""
    pages: dict[str, tuple] = {}
    for target, result in results.items():
        if result.status != Status.BROKEN or not target.startswith(("http://", "https://")):
            continue
        if result.reason.startswith("fragment #"):
            continue  # the page answers: an old copy of it is no fix for a missing anchor
        if video_id(target) is not None:
            continue  # an archived watch page does not play the removed video
        since = result.first_failed_at or timestamp(now)
        pages.setdefault(target.partition("#")[0], (since, datetime.fromisoformat(since)))
    return pages


def _open(config: Config) -> tuple[ResultStore | None, list[str]]:
    if not config.store.enabled:
        return None, []
    store, notes = open_store(Path(config.store.path))
    return store, list(notes)


def _remembered(store: ResultStore | None, broken: dict[str, tuple], now: datetime,
                max_age: float, notes: list[str]) -> dict[str, ArchiveLookup]:
    if store is None:
        return {}
    try:
        stored = store.archive_lookups(broken)
    except StoreError as exc:
        notes.append(str(exc))
        return {}
    oldest = now - timedelta(seconds=max_age)
    return {page: x for page, x in stored.items()
            if x.failed_since == broken[page][0]
            and datetime.fromisoformat(x.looked_up_at) > oldest}


def _remember(store: ResultStore | None, lookups: list[ArchiveLookup], notes: list[str]) -> None:
    if store is None or not lookups:
        return
    try:
        store.record_archive_lookups(lookups)
    except StoreError as exc:
        notes.append(str(exc))


async def _look_up_all(wanted: list[str], broken: dict[str, tuple], config: Config,
                       budget: float | None, pool_factory: PoolFactory | None,
                       notes: list[str]) -> tuple[dict[str, Lookup], int]:
    """Lookups one after the other, spaced, capped, and stopped when the budget runs out:
    what was found by then is kept."""
    settings = config.archive
    if len(wanted) > settings.max_lookups:
        notes.append(f"{len(wanted) - settings.max_lookups} broken links wait for an archive "
                     f"lookup in a later run (archive.max_lookups is {settings.max_lookups})")
        wanted = wanted[: settings.max_lookups]
    if not wanted:
        return {}, 0
    if budget is not None and budget <= 0:
        notes.append("no time left before the run deadline for archive lookups")
        return {}, 0
    found: dict[str, Lookup] = {}
    async with asking(config, [settings.api_url], pool_factory) as asker:
        async def each() -> None:
            for i, page in enumerate(wanted):
                if i and settings.interval:
                    await asyncio.sleep(settings.interval)
                found[page] = await look_up(page, broken[page][1], settings.api_url, asker)
                if not found[page].answered:  # the others would wait for it just as long
                    notes.append(f"the Wayback Machine did not answer; {len(wanted) - i - 1} "
                                 "archive lookups wait for a later run")
                    return

        started = time.monotonic()
        try:
            await asyncio.wait_for(each(), budget)
        except TimeoutError:
            notes.append(f"archive lookups stopped at the run deadline after "
                         f"{time.monotonic() - started:.1f} s ({len(found)} of {len(wanted)} done)")
        return found, asker.requests_sent


def _with_suggestions(results: Mapping[str, CheckResult],
                      snapshots: Mapping[str, str | None]) -> dict[str, CheckResult]:
    out = dict(results)
    for target, result in results.items():
        page, sep, fragment = target.partition("#")
        snapshot = snapshots.get(page) if result.status == Status.BROKEN else None
        if snapshot:
            out[target] = dataclasses.replace(result, suggestion=snapshot + sep + fragment)
    return out
