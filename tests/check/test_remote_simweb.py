"""The remote checker against real servers on loopback (tests/simweb.py): every verdict."""

from __future__ import annotations

import asyncio
import time

import pytest

from linkcheck.check.remote.checker import DEFAULT_USER_AGENT, RemoteOutcome, check_remote
from linkcheck.config import CheckConfig, Config, ConfigError, HostConfig
from linkcheck.http.cookies import CookieJar
from linkcheck.http.fetch import RequestSpec, fetch
from linkcheck.http.pool import Clients, ClientSettings
from linkcheck.models import Status


class FakeClock:
    """Wall-clock time that only moves when the checker sleeps: backoffs take no real time."""

    def __init__(self) -> None:
        self.time = time.time()
        self.slept: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += seconds
        await asyncio.sleep(0)


def check(urls: list[str], clock: FakeClock | None = None, **options) -> RemoteOutcome:
    settings = dict(timeout=2.0, connect_timeout=1.0, read_timeout=1.0, retries=2,
                    allow_private=True)  # the simulated web is on loopback
    settings.update(options)
    clock = clock or FakeClock()
    config = Config(check=CheckConfig(**settings))
    return asyncio.run(
        check_remote(urls, config, clock=clock.now, sleep=clock.sleep, rand=lambda: 0.5)
    )


def verdict(outcome: RemoteOutcome, url: str) -> tuple[Status, str]:
    result = outcome.results[url]
    return result.status, result.reason


def test_fragments_share_one_fetch_and_missing_ones_are_broken(simweb):
    page = simweb.url("/ok?k=frag")
    urls = [page, page + "#intro", page + "#legacy", page + "#nope", page + "#/route"]
    outcome = check(urls)
    assert verdict(outcome, page) == (Status.OK, "ok")
    assert outcome.results[page + "#intro"].status is Status.OK
    assert outcome.results[page + "#legacy"].status is Status.OK  # <a name="legacy">
    assert verdict(outcome, page + "#nope") == (Status.BROKEN, "fragment #nope not found")
    assert outcome.results[page + "#/route"].status is Status.OK
    assert "client-side route" in outcome.results[page + "#/route"].reason
    assert [r.method for r in simweb.seen("/ok?k=frag")] == ["GET"]
    assert set(outcome.results) == set(urls)


def test_refused_head_falls_back_to_get(simweb):
    url = simweb.url("/head-refused.pdf?k=1")
    outcome = check([url])
    assert verdict(outcome, url) == (Status.OK, "ok")
    assert [r.method for r in simweb.seen("/head-refused.pdf?k=1")] == ["HEAD", "GET"]
    assert simweb.seen("/head-refused.pdf?k=1")[0].headers["user-agent"] == DEFAULT_USER_AGENT


def test_retry_after_in_seconds_and_as_http_date_is_honoured(simweb):
    clock = FakeClock()
    seconds = simweb.url("/429-seconds?k=1")
    outcome = check([seconds], clock)
    assert outcome.results[seconds].status is Status.OK
    assert clock.slept == [1.0]
    assert len(simweb.seen("/429-seconds?k=1")) == 2
    clock = FakeClock()
    date = simweb.url("/429-date?k=1")
    outcome = check([date], clock)
    assert outcome.results[date].status is Status.OK
    assert len(clock.slept) == 1 and 0.9 < clock.slept[0] <= 2.1  # a date ~2 s ahead


def test_retry_after_past_the_cap_is_reported_not_waited_for(simweb):
    clock = FakeClock()
    url = simweb.url("/429-long?k=1")
    outcome = check([url], clock, max_retry_after=60.0)
    assert verdict(outcome, url) == (
        Status.UNVERIFIABLE, "rate limited (Retry-After 3600 s exceeds cap)"
    )
    assert clock.slept == []
    assert len(simweb.seen("/429-long?k=1")) == 1


def test_a_503_once_is_retried_and_a_persistent_500_is_broken(simweb):
    once, down = simweb.url("/503-once?k=1"), simweb.url("/500?k=1")
    outcome = check([once, down], retries=2)
    assert outcome.results[once].status is Status.OK
    assert verdict(outcome, down) == (Status.BROKEN, "HTTP 500 Internal Server Error")
    assert len(simweb.seen("/500?k=1")) == 3  # the first try and two retries


def test_a_429_slows_its_whole_host(simweb):
    clock = FakeClock()
    limited, other = simweb.url("/429-seconds?k=host"), simweb.url("/busy?k=after-429")
    outcome = check([limited, other], clock, per_host=1)
    assert outcome.results[limited].status is Status.OK
    assert outcome.results[other].status is Status.OK
    assert sum(clock.slept) >= 1.0


def test_redirect_chains_loops_and_limits(simweb):
    chain, loop = simweb.url("/chain/3?k=1"), simweb.url("/loop-a?k=1")
    outcome = check([chain, loop])
    result = outcome.results[chain]
    assert (result.status, result.reason) == (Status.OK, "ok (temporary redirect)")
    assert [h.status_code for h in result.redirects] == [302, 307, 302]
    assert result.redirects[0].url == chain
    assert result.final_url == simweb.url("/ok")
    assert verdict(outcome, loop) == (Status.BROKEN, "redirect loop")
    limited = check([chain], max_redirects=2)
    assert verdict(limited, chain) == (Status.BROKEN, "too many redirects (more than 2)")


def test_permanent_and_temporary_redirects(simweb):
    perm, perm308, temp = (simweb.url(p) for p in ("/perm?k=1", "/perm308?k=1", "/temp?k=1"))
    outcome = check([perm, perm308, temp])
    assert outcome.results[perm].status is Status.REDIRECTED
    assert outcome.results[perm].permanent
    assert outcome.results[perm].final_url == simweb.url("/ok")
    assert outcome.results[perm308].final_url == simweb.url("/ok", 2)
    assert outcome.results[perm308].status is Status.REDIRECTED
    assert outcome.results[temp].status is Status.OK
    assert not outcome.results[temp].permanent


def test_cookies_are_kept_along_a_redirect_chain(simweb):
    url = simweb.url("/cookie-check?k=1")
    outcome = check([url])
    assert outcome.results[url].status is Status.OK
    assert [h.status_code for h in outcome.results[url].redirects] == [302, 302]


def test_a_relative_location_is_resolved_against_the_hop(simweb):
    url = simweb.url("/rel/deep/start?k=1")
    outcome = check([url])
    assert outcome.results[url].status is Status.OK
    assert outcome.results[url].final_url == simweb.url("/ok")


def test_soft_404s_by_title_and_by_redirect_to_root(simweb):
    titled, to_root = simweb.url("/soft-404?k=1"), simweb.url("/old/deep/page?k=1")
    outcome = check([titled, to_root])
    assert verdict(outcome, titled) == (Status.BROKEN, "soft 404")
    assert verdict(outcome, to_root) == (Status.BROKEN, "soft 404")
    opted_out = check([titled, to_root], hosts={"127.0.0.1": HostConfig(soft_404=False)})
    assert opted_out.results[titled].status is Status.OK
    assert opted_out.results[to_root].status is Status.REDIRECTED


def test_blocked_and_login_pages_are_unverifiable_not_broken(simweb):
    urls = {p: simweb.url(p + "?k=1") for p in ("/challenge", "/challenge-body", "/999", "/401")}
    outcome = check(list(urls.values()))
    assert verdict(outcome, urls["/challenge"]) == (Status.UNVERIFIABLE, "bot challenge (HTTP 403)")
    assert verdict(outcome, urls["/challenge-body"]) == (
        Status.UNVERIFIABLE, "bot challenge (HTTP 503)"
    )
    assert len(simweb.seen("/challenge-body?k=1")) == 1  # a challenge is not retried
    assert verdict(outcome, urls["/999"]) == (
        Status.UNVERIFIABLE, "blocked by the server (HTTP 999)"
    )
    assert verdict(outcome, urls["/401"]) == (Status.UNVERIFIABLE, "login required (HTTP 401)")


def test_a_403_for_robots_only_passes_with_browser_headers(simweb):
    url = simweb.url("/browser-only?k=1")
    outcome = check([url])
    assert outcome.results[url].status is Status.OK
    agents = [r.headers["user-agent"] for r in simweb.seen("/browser-only?k=1")]
    assert agents[0] == DEFAULT_USER_AGENT and "Mozilla" in agents[-1]


def test_slow_answers_within_the_timeout_are_fine_and_hung_ones_time_out(simweb):
    slow, hung = simweb.url("/slow?k=1"), simweb.url("/hang?k=1")
    started = time.monotonic()
    outcome = check([slow, hung], timeout=0.6, read_timeout=0.6, retries=1)
    assert outcome.results[slow].status is Status.OK
    assert outcome.results[hung].status is Status.BROKEN
    assert outcome.results[hung].reason.startswith("timed out")
    assert time.monotonic() - started < 3.0


def test_a_per_host_timeout_applies_to_that_host_only(simweb):
    strict, lenient = simweb.url("/slow?k=strict"), simweb.url("/slow?k=lenient", 2)
    outcome = check([strict, lenient], retries=0, hosts={"127.0.0.1": HostConfig(timeout=0.1)})
    assert verdict(outcome, strict) == (Status.BROKEN, "timed out: no answer within 0.1 s")
    assert outcome.results[lenient].status is Status.OK


def test_a_reset_connection_and_a_closed_port_are_broken(simweb):
    reset = simweb.url("/reset?k=1")
    closed = f"http://127.0.0.1:{simweb.closed_port}/ok"
    outcome = check([reset, closed], retries=1)
    assert verdict(outcome, reset) == (Status.BROKEN, "connection reset")
    assert verdict(outcome, closed) == (Status.BROKEN, "connection refused")
    assert not outcome.network_down


def test_huge_bodies_and_gzip_bombs_are_read_only_up_to_the_limit(simweb):
    huge, bomb = simweb.url("/huge?k=1"), simweb.url("/bomb?k=1")
    started = time.monotonic()
    outcome = check([huge, huge + "#nowhere", bomb, bomb + "#nowhere"],
                    max_body_bytes=256 * 1024)
    assert time.monotonic() - started < 5.0
    assert outcome.results[huge].status is Status.OK
    assert verdict(outcome, huge + "#nowhere") == (
        Status.UNVERIFIABLE, f"fragment #nowhere not in the first {256 * 1024} bytes"
    )
    assert outcome.results[bomb].status is Status.OK
    assert outcome.results[bomb + "#nowhere"].status is Status.UNVERIFIABLE
    assert simweb.bytes_sent["127.0.0.1/huge"] < 64 * 1024 * 1024


def test_a_body_whose_gzip_breaks_off_leaves_its_fragments_unchecked_not_broken(simweb):
    late = simweb.url("/bad-gzip?k=1") + "#late"
    outcome = check([late])
    assert verdict(outcome, late) == (
        Status.OK, "ok; fragment not checked (body could not be decoded)"
    )


def test_per_host_concurrency_limits_hold(simweb):
    first = [simweb.url(f"/busy?k=c{i}") for i in range(10)]
    second = [simweb.url(f"/busy?k=d{i}", 2) for i in range(10)]
    outcome = check(first + second, per_host=2, hosts={"127.0.0.2": HostConfig(concurrency=3)})
    assert all(r.status is Status.OK for r in outcome.results.values())
    assert simweb.max_in_flight["127.0.0.1/busy"] == 2
    assert simweb.max_in_flight["127.0.0.2/busy"] == 3
    assert outcome.requests_sent == 20


def test_the_global_limit_holds_across_hosts(simweb):
    urls = [simweb.url(f"/busy-too?k=g{i}", 1 + i % 3) for i in range(12)]
    outcome = check(urls, per_host=4, max_concurrency=3)
    assert all(r.status is Status.OK for r in outcome.results.values())
    assert simweb.max_path_in_flight["/busy-too"] == 3


def test_configured_credentials_never_reach_another_host(simweb, monkeypatch):
    monkeypatch.setenv("SIMWEB_TOKEN", "s3cret")
    url = simweb.url("/to-host2?k=creds")
    hosts = {"127.0.0.1": HostConfig(headers={"Authorization": "Bearer ${SIMWEB_TOKEN}"})}
    outcome = check([url], hosts=hosts)
    assert outcome.results[url].status is Status.OK
    (first,) = simweb.seen("/to-host2?k=creds")
    assert first.headers["authorization"] == "Bearer s3cret"
    followed = [r for r in simweb.requests if r.host == "127.0.0.2" and r.path == "/echo"]
    assert followed and all("authorization" not in r.headers for r in followed)


def test_a_missing_environment_variable_is_a_config_error_naming_the_key(monkeypatch):
    monkeypatch.delenv("SIMWEB_MISSING", raising=False)
    hosts = {"api.test": HostConfig(headers={"Authorization": "token ${SIMWEB_MISSING}"})}
    with pytest.raises(ConfigError, match=r"check\.hosts\.api\.test\.headers\.Authorization.*"
                                          r"SIMWEB_MISSING"):
        check(["http://api.test/x"], hosts=hosts)


def test_private_addresses_are_refused_when_configured(simweb):
    url = simweb.url("/ok?k=private")
    by_name = f"http://localhost:{simweb.port}/ok?k=private-name"  # resolved, then refused
    outcome = check([url, by_name], allow_private=False)
    for target in (url, by_name):
        assert outcome.results[target].status is Status.BROKEN
        assert outcome.results[target].reason.startswith("private address refused")
    assert simweb.seen("/ok?k=private") == []
    assert not outcome.network_down


def test_the_run_deadline_marks_what_is_left_unverifiable(simweb):
    ok, hung = simweb.url("/ok?k=deadline"), simweb.url("/hang?k=deadline")
    started = time.monotonic()
    outcome = check([ok, hung], deadline=0.5, timeout=10.0, read_timeout=10.0)
    assert time.monotonic() - started < 3.0
    assert outcome.results[ok].status is Status.OK
    assert verdict(outcome, hung) == (Status.UNVERIFIABLE, "run deadline reached")


def test_connections_are_reused_until_the_server_closes_them(simweb):
    kept = [simweb.url(f"/ok?k=keep{i}", 3) for i in range(5)]
    closing = [simweb.url(f"/closing?k=c{i}", 2) for i in range(3)]
    before = dict(simweb.connections)
    outcome = check(kept + closing, per_host=1)
    assert all(r.status is Status.OK for r in outcome.results.values())
    assert simweb.connections["127.0.0.3"] - before.get("127.0.0.3", 0) == 1  # kept alive
    assert simweb.connections["127.0.0.2"] - before.get("127.0.0.2", 0) == 3


def test_a_connection_the_server_dropped_while_idle_is_not_reused(simweb):
    first, second = simweb.url("/idle-close?k=i1"), simweb.url("/idle-close?k=i2")

    async def scenario() -> list:
        clients = Clients(ClientSettings(1.0, 1.0, allow_private=True))
        try:
            outcomes = [await fetch(clients, RequestSpec("GET", first, {}, 1024), CookieJar())]
            await asyncio.sleep(0.2)  # the server closes the idle connection meanwhile
            outcomes.append(await fetch(clients, RequestSpec("GET", second, {}, 1024),
                                        CookieJar()))
            return outcomes
        finally:
            await clients.aclose()

    before = simweb.connections["127.0.0.1"]
    outcomes = asyncio.run(scenario())
    assert [getattr(o, "status_code", o) for o in outcomes] == [200, 200]
    assert simweb.connections["127.0.0.1"] - before == 2  # a new one, not the dead one
    assert len(simweb.seen("/idle-close?k=i")) == 2


def test_a_host_that_answers_429_when_crowded_gets_fewer_requests_at_once(simweb):
    """Sending as many requests again after a 429 draws as many 429s again, and links run out
    of retries; halving the host's concurrency on a 429 lets every link through."""
    urls = [simweb.url(f"/crowded?k=aimd{i}", 3) for i in range(24)]
    started = time.monotonic()
    outcome = check(urls, per_host=8, retries=2)
    assert time.monotonic() - started < 10
    assert [outcome.results[u].status for u in urls] == [Status.OK] * len(urls)
    rejected = len(simweb.seen("/crowded?k=aimd")) - len(urls)  # each 429 cost one more request
    assert 0 < rejected <= 12  # the first burst, and a probe or two above the limit
