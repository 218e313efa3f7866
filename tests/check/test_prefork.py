"""check/remote/prefork.py: which command lines fork a worker as the command starts."""

from __future__ import annotations

import pytest

from linkcheck.check.remote import prefork


@pytest.mark.parametrize(("argv", "wanted"), [
    (["run", "docs"], True),
    (["run"], True),
    (["--quiet", "run", "docs", "--workers", "2"], True),
    (["run", "docs", "--workers", "0"], True),  # 0: one per core
    (["run", "docs", "--workers", "1"], False),  # checked in the main process
    (["run", "docs", "--workers=1"], False),
    (["run", "docs", "--offline"], False),
    (["run", "--changed-since", "origin/main"], False),  # a pull request: checked in turn
    (["run", "--changed-since=origin/main"], False),
    (["run", "--help"], False),
    (["extract", "docs"], False),
    (["rules"], False),
    ([], False),
])
def test_a_worker_is_forked_at_the_start_of_runs_that_will_likely_want_one(
        monkeypatch, argv, wanted):
    monkeypatch.setattr(prefork, "cores", lambda: 2)
    assert prefork._may_want_workers(argv) is wanted


def test_not_on_one_core(monkeypatch):
    monkeypatch.setattr(prefork, "cores", lambda: 1)
    assert prefork._may_want_workers(["run", "docs"]) is False


def test_nothing_is_forked_where_forking_is_not_safe(monkeypatch):
    monkeypatch.setattr(prefork, "may_fork", lambda: False)
    prefork.start(1)
    assert not prefork.available() and prefork.take() is None


def test_dismissing_with_nothing_forked_is_nothing():
    prefork.dismiss()
    assert prefork.held() == []
