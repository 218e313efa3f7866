"""Two runs that overlap in time on one store count a failing link once, not twice: the
flakiness policy (a link is broken after N failing runs) is not defeated by two jobs started
together. Real threads, real sqlite, the real clock; the fetch is a stand-in."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

from linkcheck.config import Config, StoreConfig
from linkcheck.history.policy import check_with_history
from linkcheck.history.store import open_store
from linkcheck.models import CheckResult, Status

URL = "https://gone.test/page"


def _config(tmp_path) -> Config:
    return Config(store=StoreConfig(path=str(tmp_path / "history.sqlite"),
                                    failures_before_broken=2))


def _failing_fetch(barrier: threading.Barrier | None):
    async def fetch(urls, extra=frozenset()):
        if barrier is not None:  # both runs are inside their network phase at once
            await asyncio.to_thread(barrier.wait, 10)
        failed = {u: CheckResult(u, Status.BROKEN, "HTTP 503 Service Unavailable", 503,
                                 transient=True) for u in urls}
        return SimpleNamespace(results=failed, network_down=False)
    return fetch


def _run(config: Config, barrier: threading.Barrier | None = None) -> Status:
    run = asyncio.run(check_with_history([URL], config, _failing_fetch(barrier)))
    return run.results[URL].status


def test_two_overlapping_runs_count_one_failing_run(tmp_path):
    config = _config(tmp_path)
    barrier = threading.Barrier(2)
    statuses: list[Status] = []
    threads = [threading.Thread(target=lambda: statuses.append(_run(config, barrier)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [Status.NEW_FAILURE, Status.NEW_FAILURE]
    store, _ = open_store(tmp_path / "history.sqlite")
    assert store.history([URL])[URL].consecutive_failures == 1
    store.close()
    # The next run, started after both had finished, is a second failing run: broken.
    assert _run(config) == Status.BROKEN


def test_runs_one_after_the_other_each_count(tmp_path):
    config = _config(tmp_path)
    assert _run(config) == Status.NEW_FAILURE
    assert _run(config) == Status.BROKEN
