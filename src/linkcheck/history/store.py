"""The persistent result history (sqlite): each remote URL's last verdict and its run of failures.

One row per URL. Several processes may share the file (two CI jobs, a developer's terminal): the
database runs in WAL mode with a busy timeout, and every write is one short `BEGIN IMMEDIATE`
transaction, so a reader never blocks a writer and two writers queue instead of failing.

A store that is not a database, fails its integrity check or has a layout this version does not
know is moved aside as `<name>.corrupt-<n>` (never deleted) and rebuilt empty. A store written by
a newer linkcheck is left alone and not used. Every sqlite error is translated here into
`StoreError` or a note for the run; none escapes to the caller as a crash.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..config import make_dir
from ..models import (
    DEADLINE_REASON,
    NO_NETWORK_REASON,
    RATE_LIMIT_CAP_REASON,
    CheckResult,
    Hop,
    Status,
)
from .schema import COLUMNS, StoreError, Unusable, connect, move_aside

_CHUNK = 500  # URLs per IN (...) query, well under sqlite's variable limit
# The verdicts worth keeping: the others are decided without fetching.
RECORDED = frozenset({Status.OK, Status.REDIRECTED, Status.BROKEN, Status.UNVERIFIABLE})
# The stored statuses a max age may apply to: any this version knows, but broken.
REUSABLE = frozenset(Status._value2member_map_) - {Status.BROKEN}
# Verdicts about the run, not the link (nothing was asked of it): never stored, so never reused.
NOT_OBSERVED = frozenset({NO_NETWORK_REASON, DEADLINE_REASON, RATE_LIMIT_CAP_REASON})

_HISTORY_COLUMNS = "url, first_failed_at, consecutive_failures, last_success_at, counted_at"


@dataclass(frozen=True, slots=True)
class UrlHistory:
    """What the store remembers about one URL across runs."""

    url: str
    first_failed_at: str | None = None  # start of the current run of failures
    consecutive_failures: int = 0  # failed runs in a row, 0 after a success
    last_success_at: str | None = None
    # when the last failure was counted (epoch seconds): bookkeeping, not part of the history
    counted_at: float | None = field(default=None, compare=False)


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC to the second: the only time format the store writes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def advance(previous: UrlHistory | None, status: Status, now: str, url: str,
            started: float | None = None, recorded: float | None = None) -> UrlHistory:
    """The history after one more run: failures extend the streak, a success ends it.

    An unverifiable answer says nothing about the link, so it neither extends nor ends a streak.
    A failure already counted after this run `started` was counted by a run that overlapped
    this one (two jobs started together): the same moment of failure, not a second failing run.
    """
    if status in (Status.OK, Status.REDIRECTED):
        return UrlHistory(url, None, 0, now)
    previous = previous or UrlHistory(url)
    if status == Status.BROKEN:
        if (previous.consecutive_failures and previous.counted_at is not None
                and started is not None and previous.counted_at > started):
            return previous
        started_at = previous.first_failed_at if previous.consecutive_failures else now
        return UrlHistory(url, started_at, previous.consecutive_failures + 1,
                          previous.last_success_at, recorded)
    return previous


@dataclass(frozen=True, slots=True)
class ArchiveLookup:
    """One remembered Wayback Machine lookup for a broken URL."""

    url: str
    failed_since: str  # the start of the failure streak it was looked up for (ISO 8601 UTC)
    looked_up_at: str  # ISO 8601 UTC
    snapshot: str | None  # the verified snapshot; None when none was usable


class ResultStore:
    """An open store. Use `open_store` to get one; close it when the run is over."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._filled: set[str] = set()  # tables seen to hold rows (see `_empty`)

    def close(self) -> None:
        self._db.close()

    def reusable(
        self, urls: Iterable[str], now: datetime, max_age: Mapping[str, float]
    ) -> dict[str, CheckResult]:
        """Stored verdicts still fresh enough to stand in for a fetch; `broken` never is.

        Called as each file is read, so kept cheap: an empty store (a cold run's) is only asked
        whether it holds anything, and the query judges the age itself (stamps are
        `timestamp`'s, which sort as the times do) and answers with one JSON text per chunk of
        URLs, not one row each (at each row, sqlite3 lets another thread take the interpreter:
        the reading one).
        """
        keys = _listed(urls)
        oldest = _oldest_fresh(now, max_age)
        if not keys or not oldest or self._empty("verdicts"):
            return {}
        fresh = [timestamp(now), *(value for pair in oldest.items() for value in pair)]
        found: dict[str, CheckResult] = {}
        for chunk in _chunks(keys):
            rows = self._read(_reusable_query(_marks(chunk), len(oldest)), chunk + fresh)
            for row in json.loads(rows[0][0]) if _JSON else rows:
                found[row[0]] = _result_from_row(row)
        return found

    def count(self) -> int:
        """How many URLs have a stored verdict."""
        try:
            return self._db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not be read: {exc}") from exc

    def failed_last_run(self) -> list[str]:
        """The URLs that the latest run to record verdicts found broken: a verdict's
        `checked_at` is the start of the run that recorded it, and broken is recorded at every
        run that links the URL (it is never reused), so these are what that run still linked
        and found broken."""
        rows = self._read("SELECT url FROM verdicts WHERE status = ? AND checked_at = "
                          "(SELECT MAX(checked_at) FROM verdicts) ORDER BY url",
                          [Status.BROKEN.value])
        return [row[0] for row in rows]

    def history(self, urls: Iterable[str]) -> dict[str, UrlHistory]:
        return {row[0]: UrlHistory(*row) for row in self._rows(urls, _HISTORY_COLUMNS)}

    def record(self, results: Mapping[str, CheckResult], now: datetime,
               recorded_at: datetime | None = None) -> dict[str, UrlHistory]:
        """Store this run's fetched verdicts in one short transaction; return the new histories.
        `now` is when the run started, `recorded_at` is now (see `advance`)."""
        stamp = timestamp(now)
        started, recorded = now.timestamp(), (recorded_at or now).timestamp()
        wanted = {url: r for url, r in results.items()
                  if r.status in RECORDED and not r.from_cache and r.reason not in NOT_OBSERVED}
        if not wanted:
            return {}
        with self._transaction("results"):
            before = self.history(wanted)
            after = {u: advance(before.get(u), r.status, stamp, u, started, recorded)
                     for u, r in wanted.items()}
            self._db.executemany(_UPSERT, [_row(r, after[u], stamp) for u, r in wanted.items()])
        return after

    def silent_origins(
        self, origins: Iterable[str], now: datetime, max_age: float | None
    ) -> dict[str, str]:
        """The origins found not to answer at all less than `max_age` seconds ago (a plain-HTTP
        host's https:// form, say): origin -> why, with the date it was found."""
        if not max_age:
            return {}
        fresh = {}
        for origin, reason, checked_at in self._rows(origins, "origin, reason, checked_at",
                                                     "silent_origins"):
            age = (now - datetime.fromisoformat(checked_at)).total_seconds()
            if 0 <= age < max_age:
                fresh[origin] = f"{reason}, found {checked_at[:10]}"
        return fresh

    def record_origins(self, facts: Mapping[str, str | None], now: datetime) -> None:
        """Remember the origins that did not answer (origin -> why) and forget the ones that
        answered (origin -> None), in one short transaction."""
        stamp = timestamp(now)
        silent = [(o, why, stamp) for o, why in facts.items() if why is not None]
        answered = [(o,) for o, why in facts.items() if why is None]
        with self._transaction("host facts"):
            self._db.executemany(_ORIGIN_UPSERT, silent)
            self._db.executemany("DELETE FROM silent_origins WHERE origin = ?", answered)

    @contextmanager
    def _transaction(self, what: str) -> Iterator[None]:
        """One short write transaction; any sqlite error becomes a StoreError naming `what`."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not save this run's {what}: {exc}") from exc

    def archive_lookups(self, urls: Iterable[str]) -> dict[str, ArchiveLookup]:
        """The Wayback Machine lookups remembered for these URLs."""
        rows = self._rows(urls, "url, failed_since, looked_up_at, snapshot", "archive_lookups")
        return {row[0]: ArchiveLookup(*row) for row in rows}

    def record_archive_lookups(self, lookups: Iterable[ArchiveLookup]) -> None:
        rows = [(x.url, x.failed_since, x.looked_up_at, x.snapshot) for x in lookups]
        with self._transaction("archive lookups"):
            self._db.executemany(
                "INSERT INTO archive_lookups (url, failed_since, looked_up_at, snapshot) "
                "VALUES (?,?,?,?) ON CONFLICT(url) DO UPDATE SET failed_since="
                "excluded.failed_since, looked_up_at=excluded.looked_up_at, "
                "snapshot=excluded.snapshot", rows)

    def _rows(self, keys: Iterable[str], columns: str = COLUMNS,
              table: str = "verdicts") -> list[tuple]:
        """The rows of `table` whose first column is one of `keys`."""
        keys, key = _listed(keys), columns.partition(",")[0]
        rows: list[tuple] = []
        if not keys or self._empty(table):
            return rows
        for chunk in _chunks(keys):
            rows += self._read(f"SELECT {columns} FROM {table} WHERE {key} IN ({_marks(chunk)})",
                               chunk)
        return rows

    def _empty(self, table: str) -> bool:
        """Whether `table` has no rows: then the many lookups of a run need not be made. Once
        it has been seen to hold some it is not asked again (a lookup is right either way)."""
        if table in self._filled:
            return False
        if self._read(f"SELECT EXISTS (SELECT 1 FROM {table})", [])[0][0]:
            self._filled.add(table)
            return False
        return True

    def _read(self, query: str, parameters: list) -> list[tuple]:
        try:
            return self._db.execute(query, parameters).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not read stored results: {exc}") from exc


_ORIGIN_UPSERT = (
    "INSERT INTO silent_origins (origin, reason, checked_at) VALUES (?,?,?) ON CONFLICT(origin) "
    "DO UPDATE SET reason=excluded.reason, checked_at=excluded.checked_at"
)
_UPSERT = (
    f"INSERT INTO verdicts ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(url) DO UPDATE "
    "SET status=excluded.status, reason=excluded.reason, status_code=excluded.status_code, "
    "final_url=excluded.final_url, checked_at=excluded.checked_at, permanent=excluded.permanent, "
    "redirects=excluded.redirects, first_failed_at=excluded.first_failed_at, "
    "consecutive_failures=excluded.consecutive_failures, last_success_at=excluded.last_success_at, "
    "archived=excluded.archived, counted_at=excluded.counted_at"
)


def _row(result: CheckResult, history: UrlHistory, stamp: str) -> tuple:
    hops = result.redirects
    redirects = json.dumps([[hop.url, hop.status_code] for hop in hops]) if hops else "[]"
    return (
        result.target, str(result.status), result.reason, result.status_code, result.final_url,
        stamp, int(result.permanent), redirects, history.first_failed_at,
        history.consecutive_failures, history.last_success_at, int(result.archived),
        history.counted_at,
    )


# what `reusable` reads of a row, as a JSON array
_RESULT_COLUMNS = ("url, status, reason, status_code, final_url, checked_at, permanent, "
                   "redirects, first_failed_at, consecutive_failures, archived")
_STATUSES = Status._value2member_map_


def _listed(keys: Iterable[str]) -> list[str]:
    return keys if isinstance(keys, list) else list(keys)


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


def _marks(chunk: list[str]) -> str:
    return ",".join("?" * len(chunk))  # sqlite keeps each query prepared: few lengths recur


def _reusable_query(marks: str, statuses: int) -> str:
    """The reusable verdicts among the URLs (`marks`), given now and per status the oldest
    fresh stamp (`_oldest_fresh`): one JSON array of `_RESULT_COLUMNS` arrays (rows of them
    where sqlite was built without its JSON functions)."""
    fresh = " OR ".join(["status = ? AND checked_at >= ?"] * statuses)
    columns = f"json_group_array(json_array({_RESULT_COLUMNS}))" if _JSON else _RESULT_COLUMNS
    return (f"SELECT {columns} FROM verdicts "
            f"WHERE url IN ({marks}) AND checked_at <= ? AND ({fresh})")


def _has_json() -> bool:
    """Whether this sqlite has its JSON functions (built in since 3.38, an option before)."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("SELECT json_group_array(json_array(1))").fetchall()
        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()


_JSON = _has_json()


def _oldest_fresh(now: datetime, max_age: Mapping[str, float]) -> dict[str, str]:
    """Per status that may be reused, the oldest stamp still fresh at `now`: one with
    0 <= now - stamp < its max age, in seconds (0: never reused). Stamps are whole seconds."""
    oldest = {}
    for status, limit in max_age.items():
        if status not in REUSABLE or not limit > 0:
            continue
        try:
            moment: datetime | None = now.replace(microsecond=0) - timedelta(
                seconds=math.ceil(limit))
            while (now - moment).total_seconds() >= limit:  # at most twice
                moment += timedelta(seconds=1)
        except OverflowError:  # a max age beyond the calendar
            moment = None
        # before the year 1000 a stamp would not sort as text; every stored one is younger
        oldest[status] = timestamp(moment) if moment and moment.year >= 1000 else ""
    return oldest


def _result_from_row(row: list) -> CheckResult:
    """A stored verdict, from the JSON array of `_RESULT_COLUMNS`."""
    url, status, reason, code, final_url, checked_at, permanent, hops, since, runs, archived = row
    return CheckResult(
        url, _STATUSES[status], reason, code, final_url,
        redirects=() if hops == "[]" else tuple(Hop(*hop) for hop in json.loads(hops)),
        permanent=bool(permanent), from_cache=True, checked_at=checked_at,
        first_failed_at=since, failed_runs=runs, archived=bool(archived),
    )


def open_store(path: Path) -> tuple[ResultStore | None, tuple[str, ...]]:
    """Open (creating or migrating) the store at `path`; None when it cannot be used this run.

    The notes explain anything the user should know: a store moved aside, or why none is used.
    """
    try:
        make_dir(path.parent)
    except OSError as exc:
        return None, (f"{path}: cannot create the result store's directory ({exc}); "
                      "running without history",)
    try:
        return ResultStore(connect(path), path), ()
    except Unusable as exc:
        try:
            moved = move_aside(path)
        except OSError as move_exc:
            return None, (f"{path}: {exc}; could not move it aside ({move_exc}); "
                          "running without history",)
        note = f"{path}: {exc}; moved it to {moved.name} and started a new result store"
    except sqlite3.Error as exc:
        return None, (f"{path}: cannot open the result store ({exc}); running without history",)
    except StoreError as exc:
        return None, (str(exc),)
    try:
        return ResultStore(connect(path), path), (note,)
    except (Unusable, sqlite3.Error, StoreError) as exc:
        return None, (note, f"{path}: cannot create a new result store ({exc}); "
                            "running without history")
