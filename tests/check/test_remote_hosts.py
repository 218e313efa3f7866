"""Host-level failures against real loopback hosts (tests/hostweb.py): a dead or hanging host
fails once, a tarpit costs a bounded wait, and the verdicts stay those of a single URL."""

from __future__ import annotations

import asyncio
import time

import pytest
from hostweb import HOSTS, TARPIT_RETRY_AFTER, HostWeb

from linkcheck.check.remote.checker import RemoteOutcome, check_remote
from linkcheck.config import CheckConfig, Config, load_config
from linkcheck.models import Status

WAVE = 4  # per_host in these tests: one full wave of requests


class FakeClock:
    """Wall-clock time that only moves when the checker sleeps: backoffs take no real time."""

    def __init__(self) -> None:
        self.start = self.time = time.time()

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds
        await asyncio.sleep(0)

    @property
    def slept(self) -> float:
        return self.time - self.start


@pytest.fixture(scope="module")
def hosts():
    server = HostWeb().start()
    yield server
    server.stop()


def check(urls: list[str], clock: FakeClock | None = None, **options) -> RemoteOutcome:
    settings = dict(timeout=0.3, connect_timeout=0.3, read_timeout=0.3, retries=3,
                    per_host=WAVE, allow_private=True)  # loopback stands in for the web
    settings.update(options)
    clock = clock or FakeClock()
    config = Config(check=CheckConfig(**settings))
    return asyncio.run(
        check_remote(urls, config, clock=clock.now, sleep=clock.sleep, rand=lambda: 0.5)
    )


def lone_verdict(url: str) -> tuple[Status, str]:
    result = check([url]).results[url]
    return result.status, result.reason


def test_a_host_that_never_answers_costs_one_wave_not_one_timeout_per_url(hosts):
    hosts.reset()
    urls = hosts.urls("hang", 20)
    outcome = check(urls)
    requests = hosts.requests[HOSTS["hang"]]
    alone_status, alone_reason = lone_verdict(hosts.url("hang", "/alone"))
    assert {outcome.results[u].status for u in urls} == {alone_status}
    assert all(outcome.results[u].reason.startswith(alone_reason.partition(":")[0])
               for u in urls)
    # one wave of timeouts, then a probe of the front page confirms; was 20 x 4 attempts
    assert requests <= WAVE + 1


def test_slow_pages_do_not_condemn_a_host_whose_front_page_answers(hosts):
    hosts.reset()
    slow = [hosts.url("slow-deep", f"/slow/{i}") for i in range(WAVE)]
    fast = [hosts.url("slow-deep", f"/fast/{i}") for i in range(8)]
    outcome = check(slow + fast, retries=0)
    assert [outcome.results[u].status for u in fast] == [Status.OK] * len(fast)
    assert {outcome.results[u].reason.partition(":")[0] for u in slow} == {"timed out"}


def test_a_host_that_never_answers_head_is_not_condemned_for_it(hosts):
    urls = [hosts.url("no-head", f"/file/{i}.pdf") for i in range(2 * WAVE)]  # HEAD first
    outcome = check(urls)
    assert {(r.status, r.reason) for r in outcome.results.values()} == {(Status.OK, "ok")}


def test_requests_queued_for_a_refusing_host_look_again_once_they_get_a_slot(hosts):
    urls = hosts.urls("refused", 20)
    clock = FakeClock()
    outcome = check(urls, clock)
    assert {(r.status, r.reason) for r in outcome.results.values()} == {
        (Status.BROKEN, "connection refused")
    }
    # the first wave and its retries; the 16 queued requests were 16 more connections
    assert outcome.requests_sent <= WAVE * 4
    assert clock.slept < 10  # one wave's backoffs (0.5 + 1 + 2 s), not one per URL


def test_a_tls_handshake_that_never_completes_fails_the_host_once(hosts):
    hosts.reset()
    urls = hosts.urls("hang", 20, scheme="https")
    outcome = check(urls)
    statuses = {r.status for r in outcome.results.values()}
    assert statuses == {lone_verdict(hosts.url("hang", "/alone", "https"))[0]}
    assert hosts.tls_hellos[HOSTS["hang"]] - 4 <= WAVE + 1  # 4: the lone URL's own attempts


def test_a_tarpit_costs_the_host_wait_cap_then_its_links_are_unverifiable(hosts):
    hosts.reset()
    urls = hosts.urls("tarpit", 10)
    clock = FakeClock()
    outcome = check(urls, clock, max_host_wait=2 * TARPIT_RETRY_AFTER)
    assert {r.status for r in outcome.results.values()} == {Status.UNVERIFIABLE}
    assert all("rate limit" in r.reason for r in outcome.results.values())
    # the waits asked for stop at the cap: each request sleeps at most one wait past it
    assert clock.slept <= WAVE * 3 * TARPIT_RETRY_AFTER
    assert hosts.requests[HOSTS["tarpit"]] <= WAVE * 3


def test_an_unverifiable_host_failure_is_never_turned_into_broken(hosts):
    """Links past the wait cap are unverifiable like the 429 they stand for, never broken."""
    urls = hosts.urls("tarpit", 6) + hosts.urls("ok", 3)
    outcome = check(urls, FakeClock(), max_host_wait=TARPIT_RETRY_AFTER)
    assert {outcome.results[u].status for u in urls[:6]} == {Status.UNVERIFIABLE}
    assert {outcome.results[u].status for u in urls[6:]} == {Status.OK}


def test_the_host_with_the_most_links_per_slot_starts_first(hosts):
    hosts.reset()
    check(hosts.urls("ok", 1) + hosts.urls("plain", 9), max_concurrency=1)
    assert hosts.order[0] == HOSTS["plain"]  # given last, but it has the longest wait


def test_the_deadline_is_on_by_default_and_zero_or_null_turns_it_off(hosts, tmp_path):
    assert CheckConfig().deadline == 1200
    url = hosts.url("ok", "/page/no-deadline")
    assert check([url], deadline=0).results[url].status is Status.OK
    (tmp_path / "linkcheck.yml").write_text("check:\n  deadline: null\n", encoding="utf-8")
    assert load_config(str(tmp_path / "linkcheck.yml")).check.deadline is None
