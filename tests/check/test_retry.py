"""The retry policy as pure functions: no tenacity, no clock, no network."""

from __future__ import annotations

import email.utils

import pytest

from linkcheck.check.remote.retry import (
    RetryPolicy,
    backoff_delay,
    over_retry_after_cap,
    retry_after,
    should_retry,
)
from linkcheck.http.outcome import Failure, FailureKind, Reply

NOW = 1_700_000_000.0
POLICY = RetryPolicy(attempts=4, base_delay=0.5, max_delay=30.0, max_retry_after=60.0)


def reply(status: int, **headers: str) -> Reply:
    return Reply("https://a.test/", status, {k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    assert should_retry(reply(status), 1, POLICY, NOW)


@pytest.mark.parametrize("status", [200, 301, 400, 401, 403, 404, 410, 501, 999])
def test_definite_answers_are_not_retried(status):
    assert not should_retry(reply(status), 1, POLICY, NOW)


@pytest.mark.parametrize(
    "kind, retried",
    [
        (FailureKind.TIMEOUT, True),
        (FailureKind.CONNECT, True),
        (FailureKind.CONNECT_TIMEOUT, True),
        (FailureKind.RESET, True),
        (FailureKind.DNS, True),
        (FailureKind.TLS, False),
        (FailureKind.INVALID_URL, False),
        (FailureKind.PRIVATE_ADDRESS, False),
        (FailureKind.NO_NETWORK, False),
    ],
)
def test_failures(kind, retried):
    assert should_retry(Failure(kind), 1, POLICY, NOW) is retried


def test_attempts_are_bounded():
    assert should_retry(reply(503), 3, POLICY, NOW)
    assert not should_retry(reply(503), 4, POLICY, NOW)


def test_a_bot_challenge_is_not_retried():
    assert not should_retry(reply(503, cf_mitigated="challenge"), 1, POLICY, NOW)


def test_retry_after_seconds_and_http_date():
    assert retry_after(reply(429, retry_after="7"), NOW) == 7.0
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after(reply(429, retry_after=date), NOW) == pytest.approx(30.0)
    past = email.utils.formatdate(NOW - 30, usegmt=True)
    assert retry_after(reply(429, retry_after=past), NOW) == 0.0
    assert retry_after(reply(429, retry_after="soon"), NOW) is None
    assert retry_after(reply(429), NOW) is None
    assert retry_after(Failure(FailureKind.TIMEOUT), NOW) is None


def test_a_retry_after_past_the_cap_stops_retrying():
    long = reply(429, retry_after="3600")
    assert over_retry_after_cap(long, POLICY, NOW) == 3600.0
    assert not should_retry(long, 1, POLICY, NOW)
    assert over_retry_after_cap(reply(429, retry_after="60"), POLICY, NOW) is None
    assert should_retry(reply(429, retry_after="60"), 1, POLICY, NOW)


def test_backoff_honours_retry_after_else_grows_exponentially_with_jitter():
    assert backoff_delay(reply(429, retry_after="12"), 1, POLICY, NOW, lambda: 0.0) == 12.0
    delays = [backoff_delay(reply(503), n, POLICY, NOW, lambda: 1.0) for n in (1, 2, 3, 4)]
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delay(reply(503), 1, POLICY, NOW, lambda: 0.0) == 0.25  # half is random
    assert backoff_delay(reply(503), 20, POLICY, NOW, lambda: 1.0) == POLICY.max_delay
