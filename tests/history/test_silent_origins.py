"""The result store's facts about hosts: origins that do not answer at all (a plain-HTTP host's
https:// form), reused for their max age, forgotten once the origin answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkcheck.history.store import open_store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
A, B, C = "https://a.test:443", "https://b.test:443", "https://c.test:443"


def test_silent_origins_are_reused_for_their_max_age_and_forgotten_once_they_answer(tmp_path):
    store, notes = open_store(tmp_path / "history.sqlite")
    assert store is not None and notes == ()
    try:
        store.record_origins({A: "TLS error: wrong version number", B: "connection refused"}, T0)
        day = 86400.0
        assert store.silent_origins([A, B, C], T0 + timedelta(hours=1), day) == {
            A: "TLS error: wrong version number, found 2026-01-01",
            B: "connection refused, found 2026-01-01",
        }
        assert store.silent_origins([A, B, C], T0 + timedelta(days=2), day) == {}  # expired
        assert store.silent_origins([A, B], T0, 0) == {}  # a max age of 0: never reused
        assert store.silent_origins([A, B], T0, None) == {}  # no max age: never reused
        store.record_origins({A: None}, T0 + timedelta(hours=2))  # A answered at last
        assert list(store.silent_origins([A, B], T0 + timedelta(hours=3), day)) == [B]
    finally:
        store.close()
