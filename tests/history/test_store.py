"""The result store: reuse by age, per-URL history, migration, corruption and concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from linkcheck.history.schema import _MIGRATIONS, SCHEMA_VERSION
from linkcheck.history.store import UrlHistory, advance, open_store, timestamp
from linkcheck.models import DEADLINE_REASON, CheckResult, Hop, Status

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MAX_AGE = {"ok": 86400.0, "redirected": 86400.0, "unverifiable": 21600.0, "broken": 1e9}


def _open(path: Path):
    store, notes = open_store(path)
    assert store is not None, notes
    return store, notes


def test_new_store_is_wal_with_current_schema(tmp_path):
    path = tmp_path / "deep" / "history.sqlite"
    store, notes = _open(path)
    store.close()
    assert notes == ()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_targets_the_run_had_no_time_for_are_not_stored(tmp_path):
    store, _ = _open(tmp_path / "h.sqlite")
    late = CheckResult("https://late.test/", Status.UNVERIFIABLE, DEADLINE_REASON)
    assert store.record({late.target: late}, T0) == {}
    assert store.reusable([late.target], T0 + timedelta(minutes=5), MAX_AGE) == {}
    assert store.history([late.target]) == {}
    store.close()


def test_fresh_verdicts_are_reused_and_broken_never(tmp_path):
    store, _ = _open(tmp_path / "h.sqlite")
    results = {
        "https://a.test/": CheckResult("https://a.test/", Status.OK, "HTTP 200", 200),
        "https://b.test/": CheckResult("https://b.test/", Status.BROKEN, "HTTP 404", 404),
        "https://c.test/": CheckResult(
            "https://c.test/", Status.REDIRECTED, "moved", 200, "https://c.test/new",
            (Hop("https://c.test/", 301),), permanent=True,
        ),
        "https://d.test/": CheckResult("https://d.test/", Status.UNVERIFIABLE, "HTTP 429", 429),
    }
    store.record(results, T0)
    later = store.reusable(results, T0 + timedelta(hours=1), MAX_AGE)
    assert set(later) == {"https://a.test/", "https://c.test/", "https://d.test/"}
    moved = later["https://c.test/"]
    assert moved.from_cache and moved.permanent
    assert moved.redirects == (Hop("https://c.test/", 301),)
    assert moved.final_url == "https://c.test/new" and moved.checked_at == timestamp(T0)
    # unverifiable is kept six hours, ok a day; a verdict from the future is not trusted
    assert set(store.reusable(results, T0 + timedelta(hours=7), MAX_AGE)) == {
        "https://a.test/", "https://c.test/"}
    assert store.reusable(results, T0 + timedelta(days=2), MAX_AGE) == {}
    assert store.reusable(results, T0 - timedelta(minutes=1), MAX_AGE) == {}
    store.close()


def test_the_latest_runs_failures_are_what_it_found_broken(tmp_path):
    store, _ = _open(tmp_path / "h.sqlite")
    assert store.failed_last_run() == []

    def verdict(url: str, status: Status) -> dict[str, CheckResult]:
        return {url: CheckResult(url, status, "HTTP 404" if status is Status.BROKEN else "ok")}

    store.record({**verdict("https://gone.test/", Status.BROKEN),  # linked no more after
                  **verdict("https://a.test/", Status.BROKEN)}, T0)
    later = T0 + timedelta(days=7)
    store.record({**verdict("https://a.test/", Status.BROKEN),
                  **verdict("https://b.test/", Status.BROKEN),
                  **verdict("https://ok.test/", Status.OK),
                  **verdict("https://maybe.test/", Status.UNVERIFIABLE)}, later)
    assert store.failed_last_run() == ["https://a.test/", "https://b.test/"]
    store.close()


def test_history_counts_consecutive_failed_runs():
    url = "https://x.test/"
    h = advance(None, Status.BROKEN, "d1", url)
    assert h == UrlHistory(url, "d1", 1, None)
    h = advance(h, Status.BROKEN, "d2", url)
    assert h == UrlHistory(url, "d1", 2, None)
    h = advance(h, Status.UNVERIFIABLE, "d3", url)  # says nothing about the link
    assert h == UrlHistory(url, "d1", 2, None)
    h = advance(h, Status.OK, "d4", url)
    assert h == UrlHistory(url, None, 0, "d4")
    h = advance(h, Status.BROKEN, "d5", url)
    assert h == UrlHistory(url, "d5", 1, "d4")


def test_record_returns_and_keeps_history(tmp_path):
    path = tmp_path / "h.sqlite"
    url = "https://x.test/gone"
    broken = {url: CheckResult(url, Status.BROKEN, "HTTP 404", 404)}
    for day in range(3):
        store, _ = _open(path)
        history = store.record(broken, T0 + timedelta(days=day))
        store.close()
    assert history[url] == UrlHistory(url, timestamp(T0), 3, None)
    store, _ = _open(path)
    assert store.history([url])[url].consecutive_failures == 3
    store.close()


def test_garbage_file_is_moved_aside_not_deleted(tmp_path):
    path = tmp_path / "history.sqlite"
    garbage = b"this is not a database\x00" * 100
    path.write_bytes(garbage)
    store, notes = _open(path)
    store.close()
    assert (tmp_path / "history.sqlite.corrupt-1").read_bytes() == garbage
    assert len(notes) == 1 and str(path) in notes[0] and "corrupt-1" in notes[0]
    path.write_bytes(garbage)  # a second accident keeps the first copy
    store, _ = _open(path)
    store.close()
    assert (tmp_path / "history.sqlite.corrupt-2").exists()
    assert (tmp_path / "history.sqlite.corrupt-1").exists()


def test_damaged_pages_fail_the_integrity_check(tmp_path):
    path = tmp_path / "history.sqlite"
    store, _ = _open(path)
    rows = {f"https://x.test/{i}": CheckResult(f"https://x.test/{i}", Status.OK, "x" * 200)
            for i in range(300)}
    store.record(rows, T0)
    store.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # scribble over every later page
        data[offset + 8 : offset + 64] = b"\xff" * 56
    path.write_bytes(bytes(data))
    store, notes = open_store(path)
    assert store is not None and notes and "moved it to history.sqlite.corrupt-1" in notes[0]
    assert store.reusable(rows, T0, MAX_AGE) == {}
    store.close()


def test_old_schema_is_migrated_keeping_rows(tmp_path):
    path = tmp_path / "history.sqlite"
    db = sqlite3.connect(path)
    for statement in _MIGRATIONS[0]:
        db.execute(statement)
    db.execute("INSERT INTO verdicts VALUES ('https://a.test/', 'ok', 'HTTP 200', 200, NULL, ?)",
               (timestamp(T0),))
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store, notes = _open(path)
    assert notes == ()
    reused = store.reusable(["https://a.test/"], T0 + timedelta(hours=1), MAX_AGE)
    assert reused["https://a.test/"].reason == "HTTP 200"
    assert reused["https://a.test/"].failed_runs == 0
    store.close()


def test_store_from_a_newer_version_is_left_untouched(tmp_path):
    path = tmp_path / "history.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE future (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    store, notes = open_store(path)
    assert store is None and "newer linkcheck" in notes[0] and str(path) in notes[0]
    assert path.read_bytes() == before


def test_unknown_layout_is_moved_aside(tmp_path):
    path = tmp_path / "history.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE verdicts (something_else TEXT)")
    db.commit()
    db.close()
    store, notes = _open(path)
    store.close()
    assert "layout" in notes[0] and (tmp_path / "history.sqlite.corrupt-1").exists()


def _writer(path: str, worker: int, runs: int) -> int:
    for run in range(runs):
        store, notes = open_store(Path(path))
        assert store is not None, notes
        urls = [f"https://w{worker}.test/{i}" for i in range(20)] + ["https://shared.test/"]
        # Stamped as recorded before any run started, so that no failure counts as one an
        # overlapping run already counted: this test is about writes, not about the policy.
        store.record({u: CheckResult(u, Status.BROKEN, "HTTP 404", 404) for u in urls},
                     T0 + timedelta(minutes=run), recorded_at=T0 - timedelta(days=1))
        store.close()
    return runs


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "history.sqlite"
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        done = pool.starmap(_writer, [(str(path), 0, 15), (str(path), 1, 15)], chunksize=1)
    assert done == [15, 15]
    store, notes = _open(path)
    history = store.history(["https://shared.test/", "https://w0.test/3", "https://w1.test/19"])
    store.close()
    assert notes == ()
    # every run of both processes counted: no write was lost to the other
    assert history["https://shared.test/"].consecutive_failures == 30
    assert history["https://w0.test/3"].consecutive_failures == 15
    assert history["https://w1.test/19"].consecutive_failures == 15
