"""The store's lookups: which stored verdicts are reused (the age rule at its edges), what comes
back of them, and lookups alongside other processes' writes."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.history import schema
from linkcheck.history import store as store_module
from linkcheck.history.policy import apply_policy
from linkcheck.history.store import UrlHistory, open_store, timestamp
from linkcheck.models import CheckResult, Hop, Status

NOW = datetime(2026, 3, 2, 9, 30, 15, 250_000, tzinfo=UTC)  # not on a whole second
MAX_AGES = [0, -5, 0.2, 0.25, 0.75, 1, 1.25, 59.999_999_5, 3600, 86400.5, 6e10, 1e12, 1e300,
            math.inf, math.nan]
STATUSES = ["ok", "redirected", "unverifiable", "broken", "new-failure", "a-later-status"]


def _open(path: Path):
    store, notes = open_store(path)
    assert store is not None, notes
    return store


def _insert(path: Path, rows: list[tuple[str, str, str]]) -> None:
    """Rows as another process (or an earlier version) left them: (url, status, checked_at)."""
    db = sqlite3.connect(path)
    db.executemany("INSERT INTO verdicts (url, status, reason, checked_at) VALUES (?,?,'r',?)",
                   rows)
    db.commit()
    db.close()


def _fresh(status: str, checked_at: str, max_age: dict[str, float]) -> bool:
    """The rule, written plainly: a status this version knows, never broken, younger than its
    max age and not from the future."""
    if status not in Status._value2member_map_ or status == "broken" or status not in max_age:
        return False
    age = (NOW - datetime.fromisoformat(checked_at)).total_seconds()
    return 0 <= age < max_age[status]


@pytest.mark.parametrize("limit", MAX_AGES)
def test_reuse_follows_the_age_rule_to_the_second(tmp_path, limit):
    path = tmp_path / "h.sqlite"
    _open(path).close()
    seconds = [0, 1, 2, 3, 59, 60, 61, 3599, 3600, 3601, 86400, 86401, 86402, 3e10, 6e10]
    if math.isfinite(limit) and abs(limit) < 1e11:
        seconds += [int(limit) + d for d in range(-2, 3)]
    moments = [NOW - timedelta(seconds=s) for s in seconds] + [NOW + timedelta(seconds=1)]
    stamps = sorted({timestamp(m) for m in moments if m.year >= 1000})
    rows = [(f"https://x.test/{status}/{stamp}", status, stamp)
            for status in STATUSES for stamp in stamps]
    _insert(path, rows)
    max_age = {status: limit for status in STATUSES}
    store = _open(path)
    found = store.reusable([url for url, _, _ in rows], NOW, max_age)
    store.close()
    assert set(found) == {url for url, status, at in rows if _fresh(status, at, max_age)}


def test_each_status_has_its_own_max_age(tmp_path):
    path = tmp_path / "h.sqlite"
    _open(path).close()
    stamp = timestamp(NOW - timedelta(hours=2))
    _insert(path, [(f"https://x.test/{s}", s, stamp) for s in STATUSES])
    store = _open(path)
    found = store.reusable([f"https://x.test/{s}" for s in STATUSES], NOW,
                           {"ok": 7200.5, "redirected": 7199, "broken": 1e9, "no-https": 1e9})
    store.close()
    assert set(found) == {"https://x.test/ok"}


def _recorded(result: CheckResult, stamp: str, history: UrlHistory) -> CheckResult:
    return dataclasses.replace(result, transient=False, from_cache=True, checked_at=stamp,
                               first_failed_at=history.first_failed_at,
                               failed_runs=history.consecutive_failures, suggestion=None)


@pytest.mark.parametrize("json_functions", [True, False])
def test_stored_verdicts_come_back_field_for_field(tmp_path, monkeypatch, json_functions):
    # a sqlite built without its JSON functions answers in rows, with the same verdicts
    monkeypatch.setattr(store_module, "_JSON", json_functions)
    hops = (Hop("https://a.test/\u00e9", 301), Hop("https://a.test/mid?q=\"x\"", 302))
    results = [
        CheckResult("https://a.test/\u00e9", Status.REDIRECTED, "moved \"here\"\n\\", 200,
                    "https://a.test/new", hops, permanent=True, archived=True),
        CheckResult("https://b.test/", Status.OK, "ok \x00\x01\u2028 \U0001f600", None),
        CheckResult("https://c.test/", Status.UNVERIFIABLE, "HTTP 429", 429, transient=True,
                    suggestion="https://web.archive.org/x"),
    ] + [CheckResult(f"https://many.test/{n}", Status.OK, "ok", 200) for n in range(1200)]
    store = _open(tmp_path / "h.sqlite")
    histories = store.record({r.target: r for r in results}, NOW)
    found = store.reusable([r.target for r in results], NOW + timedelta(minutes=1),
                           {"ok": 3600, "redirected": 3600, "unverifiable": 3600})
    store.close()
    stamp = timestamp(NOW)
    assert found == {r.target: _recorded(r, stamp, histories[r.target]) for r in results}
    assert all(found[r.target].status is r.status for r in results)
    assert found[results[0].target].redirects == hops


def test_lookups_see_what_another_process_wrote_meanwhile(tmp_path):
    path = tmp_path / "h.sqlite"
    reader, writer = _open(path), _open(path)
    url = "https://x.test/"
    assert reader.reusable([url], NOW, {"ok": 3600}) == {}
    assert reader.history([url]) == {}
    writer.record({url: CheckResult(url, Status.OK, "ok", 200)}, NOW)
    writer.close()
    assert set(reader.reusable([url], NOW, {"ok": 3600})) == {url}
    assert reader.history([url]) == {url: UrlHistory(url, None, 0, timestamp(NOW))}
    reader.close()


def test_a_current_store_opens_while_another_process_writes(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite"
    url = "https://x.test/"
    store = _open(path)
    store.record({url: CheckResult(url, Status.OK, "ok", 200)}, NOW)
    store.close()
    monkeypatch.setattr(schema, "BUSY_TIMEOUT", 0.05)  # a wait would fail, not just be slow
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("DELETE FROM verdicts")
    store, notes = open_store(path)
    assert store is not None and notes == ()
    assert set(store.reusable([url], NOW, {"ok": 3600})) == {url}  # not the uncommitted delete
    other.execute("ROLLBACK")
    other.close()
    store.close()


def test_the_policy_copies_only_the_verdicts_it_changes():
    ok = CheckResult("https://ok.test/", Status.OK, "ok", 200)
    flaky = CheckResult("https://flaky.test/", Status.BROKEN, "HTTP 503", 503, transient=True)
    gone = CheckResult("https://gone.test/", Status.BROKEN, "HTTP 404", 404)
    twin = CheckResult("https://twin.test/", Status.SKIPPED, "not requested")
    histories = {ok.target: UrlHistory(ok.target, None, 0, "d1"),
                 flaky.target: UrlHistory(flaky.target, "d1", 1, None),
                 gone.target: UrlHistory(gone.target, "d0", 2, None)}
    judged = apply_policy({r.target: r for r in (ok, flaky, gone, twin)}, histories, 2)
    assert judged == {
        ok.target: ok,
        flaky.target: dataclasses.replace(flaky, status=Status.NEW_FAILURE,
                                          first_failed_at="d1", failed_runs=1),
        gone.target: dataclasses.replace(gone, first_failed_at="d0", failed_runs=2),
        twin.target: twin,
    }
    assert judged[ok.target] is ok and judged[twin.target] is twin


def test_a_fact_another_process_forgets_is_forgotten_here_too(tmp_path):
    path = tmp_path / "h.sqlite"
    reader, writer = _open(path), _open(path)
    origin = "https://x.test"
    writer.record_origins({origin: "TLS error"}, NOW)
    assert set(reader.silent_origins([origin], NOW, 3600)) == {origin}
    writer.record_origins({origin: None}, NOW)  # it answered: the table is empty again
    writer.close()
    assert reader.silent_origins([origin], NOW, 3600) == {}
    reader.close()
