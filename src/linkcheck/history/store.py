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
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
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

SCHEMA_VERSION = 5  # kept in PRAGMA user_version
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another process's transaction
_CHUNK = 500  # URLs per IN (...) query, well under sqlite's variable limit
_CORRUPT_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
# The verdicts worth keeping: the others are decided without fetching.
RECORDED = frozenset({Status.OK, Status.REDIRECTED, Status.BROKEN, Status.UNVERIFIABLE})
# Verdicts about the run, not the link (nothing was asked of it): never stored, so never reused.
NOT_OBSERVED = frozenset({NO_NETWORK_REASON, DEADLINE_REASON, RATE_LIMIT_CAP_REASON})

# _MIGRATIONS[n] takes a store from version n to n + 1; a new store runs them all.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE verdicts (url TEXT PRIMARY KEY, status TEXT NOT NULL, "
        "reason TEXT NOT NULL, status_code INTEGER, final_url TEXT, checked_at TEXT NOT NULL)",
    ),
    (
        "ALTER TABLE verdicts ADD COLUMN permanent INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE verdicts ADD COLUMN redirects TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE verdicts ADD COLUMN first_failed_at TEXT",
        "ALTER TABLE verdicts ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE verdicts ADD COLUMN last_success_at TEXT",
    ),
    (
        "ALTER TABLE verdicts ADD COLUMN archived INTEGER NOT NULL DEFAULT 0",
        # Wayback Machine lookups for broken links: the snapshot found (NULL: none usable)
        "CREATE TABLE archive_lookups (url TEXT PRIMARY KEY, failed_since TEXT NOT NULL, "
        "looked_up_at TEXT NOT NULL, snapshot TEXT)",
    ),
    (  # facts about hosts, not links: an origin (an https:// form) that does not answer at all
        "CREATE TABLE silent_origins (origin TEXT PRIMARY KEY, reason TEXT NOT NULL, "
        "checked_at TEXT NOT NULL)",
    ),
    (  # when the last failure was counted (epoch seconds): overlapping runs count it once
        "ALTER TABLE verdicts ADD COLUMN counted_at REAL",
    ),
)
_COLUMNS = (
    "url, status, reason, status_code, final_url, checked_at, permanent, redirects, "
    "first_failed_at, consecutive_failures, last_success_at, archived, counted_at"
)


class StoreError(Exception):
    """The store could not be read or written; the run goes on without it."""


class _Unusable(Exception):
    """The file is not a store this version can use as it is."""


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
    previous = previous or UrlHistory(url)
    if status == Status.BROKEN:
        if (previous.consecutive_failures and previous.counted_at is not None
                and started is not None and previous.counted_at > started):
            return previous
        started_at = previous.first_failed_at if previous.consecutive_failures else now
        return UrlHistory(url, started_at, previous.consecutive_failures + 1,
                          previous.last_success_at, recorded)
    if status in (Status.OK, Status.REDIRECTED):
        return UrlHistory(url, None, 0, now)
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

    def close(self) -> None:
        self._db.close()

    def reusable(
        self, urls: Iterable[str], now: datetime, max_age: Mapping[str, float]
    ) -> dict[str, CheckResult]:
        """Stored verdicts still fresh enough to stand in for a fetch; `broken` never is."""
        fresh: dict[str, CheckResult] = {}
        known = Status._value2member_map_
        for row in self._rows(urls):
            # a status this version does not know, or one without a max age, is never reused
            limit = max_age.get(row[1]) if row[1] in known else None
            if limit is None or row[1] == Status.BROKEN:
                continue
            age = (now - datetime.fromisoformat(row[5])).total_seconds()
            if 0 <= age < limit:  # a max age of 0 means never reused
                fresh[row[0]] = _result_from_row(row)
        return fresh

    def count(self) -> int:
        """How many URLs have a stored verdict."""
        try:
            return self._db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not be read: {exc}") from exc

    def history(self, urls: Iterable[str]) -> dict[str, UrlHistory]:
        return {row[0]: _history_from_row(row) for row in self._rows(urls)}

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

    def _rows(self, keys: Iterable[str], columns: str = _COLUMNS,
              table: str = "verdicts") -> list[tuple]:
        """The rows of `table` whose first column is one of `keys`."""
        keys = list(keys)
        key = columns.partition(",")[0]
        rows: list[tuple] = []
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})"
                rows += self._db.execute(query, chunk).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: could not read stored results: {exc}") from exc
        return rows


_ORIGIN_UPSERT = (
    "INSERT INTO silent_origins (origin, reason, checked_at) VALUES (?,?,?) ON CONFLICT(origin) "
    "DO UPDATE SET reason=excluded.reason, checked_at=excluded.checked_at"
)
_UPSERT = (
    f"INSERT INTO verdicts ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(url) DO UPDATE "
    "SET status=excluded.status, reason=excluded.reason, status_code=excluded.status_code, "
    "final_url=excluded.final_url, checked_at=excluded.checked_at, permanent=excluded.permanent, "
    "redirects=excluded.redirects, first_failed_at=excluded.first_failed_at, "
    "consecutive_failures=excluded.consecutive_failures, last_success_at=excluded.last_success_at, "
    "archived=excluded.archived, counted_at=excluded.counted_at"
)


def _row(result: CheckResult, history: UrlHistory, stamp: str) -> tuple:
    redirects = json.dumps([[hop.url, hop.status_code] for hop in result.redirects])
    return (
        result.target, str(result.status), result.reason, result.status_code, result.final_url,
        stamp, int(result.permanent), redirects, history.first_failed_at,
        history.consecutive_failures, history.last_success_at, int(result.archived),
        history.counted_at,
    )


def _history_from_row(row: tuple) -> UrlHistory:
    return UrlHistory(row[0], row[8], row[9], row[10], row[12])


def _result_from_row(row: tuple) -> CheckResult:
    hops = () if row[7] == "[]" else tuple(Hop(url, code) for url, code in json.loads(row[7]))
    return CheckResult(
        target=row[0], status=Status(row[1]), reason=row[2], status_code=row[3],
        final_url=row[4], redirects=hops, permanent=bool(row[6]), from_cache=True,
        checked_at=row[5], first_failed_at=row[8], failed_runs=row[9], archived=bool(row[11]),
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
        return ResultStore(_connect(path), path), ()
    except _Unusable as exc:
        try:
            moved = _move_aside(path)
        except OSError as move_exc:
            return None, (f"{path}: {exc}; could not move it aside ({move_exc}); "
                          "running without history",)
        note = f"{path}: {exc}; moved it to {moved.name} and started a new result store"
    except sqlite3.Error as exc:
        return None, (f"{path}: cannot open the result store ({exc}); running without history",)
    except StoreError as exc:
        return None, (str(exc),)
    try:
        return ResultStore(_connect(path), path), (note,)
    except (_Unusable, sqlite3.Error, StoreError) as exc:
        return None, (note, f"{path}: cannot create a new result store ({exc}); "
                            "running without history")


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are opened explicitly, and kept short
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    try:
        _prepare(db, path)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    try:
        _refuse_newer(db, path)  # before anything writes to the file, WAL mode included
        db.execute("PRAGMA journal_mode=WAL")
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise _Unusable(f"failed its integrity check ({check[0] if check else 'no answer'})")
        _migrate(db, path)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") in _CORRUPT_CODES:
            raise _Unusable(f"is not a readable result store ({exc})") from exc
        raise


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    db.execute("BEGIN IMMEDIATE")  # two processes creating the store at once take turns
    try:
        version = _refuse_newer(db, path)
        for step in _MIGRATIONS[version:]:
            for statement in step:
                db.execute(statement)
        if version < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute(f"SELECT {_COLUMNS} FROM verdicts LIMIT 0")
    except BaseException as exc:
        db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError) and "locked" not in str(exc):
            # tables this version did not create, or lacking the columns it expects
            raise _Unusable(f"has a layout this version does not know ({exc})") from exc
        raise
    db.execute("COMMIT")


def _refuse_newer(db: sqlite3.Connection, path: Path) -> int:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer linkcheck (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); left untouched, running without history"
        )
    return version


def _move_aside(path: Path) -> Path:
    n = 1
    while Path(f"{path}.corrupt-{n}").exists():
        n += 1
    target = Path(f"{path}.corrupt-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):  # sqlite finds these next to the moved file by name
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))
    return target
