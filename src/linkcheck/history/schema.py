"""The store's file: its layout (tables, migrations) and opening it safely.

The database runs in WAL mode with a busy timeout. A file that is not a database, fails its
integrity check or has a layout this version does not know is `Unusable` (the store moves it
aside); one written by a newer linkcheck is a `StoreError` (left alone, not used).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SCHEMA_VERSION = 5  # kept in PRAGMA user_version
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another process's transaction
_CORRUPT_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}

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
COLUMNS = (
    "url, status, reason, status_code, final_url, checked_at, permanent, redirects, "
    "first_failed_at, consecutive_failures, last_success_at, archived, counted_at"
)


class StoreError(Exception):
    """The store could not be read or written; the run goes on without it."""


class Unusable(Exception):
    """The file is not a store this version can use as it is."""


def connect(path: Path) -> sqlite3.Connection:
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
            raise Unusable(f"failed its integrity check ({check[0] if check else 'no answer'})")
        _migrate(db, path)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") in _CORRUPT_CODES:
            raise Unusable(f"is not a readable result store ({exc})") from exc
        raise


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store to SCHEMA_VERSION. A current one is only checked, with no write lock
    (which would wait for another process's transaction)."""
    try:
        if _refuse_newer(db, path) == SCHEMA_VERSION:
            db.execute(f"SELECT {COLUMNS} FROM verdicts LIMIT 0")
            return
        db.execute("BEGIN IMMEDIATE")  # two processes creating the store at once take turns
        try:
            version = _refuse_newer(db, path)
            for step in _MIGRATIONS[version:]:
                for statement in step:
                    db.execute(statement)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(f"SELECT {COLUMNS} FROM verdicts LIMIT 0")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise
        # tables this version did not create, or lacking the columns it expects
        raise Unusable(f"has a layout this version does not know ({exc})") from exc


def _refuse_newer(db: sqlite3.Connection, path: Path) -> int:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer linkcheck (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); left untouched, running without history"
        )
    return version


def move_aside(path: Path) -> Path:
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
