"""When to retry a request and how long to wait: pure functions that tenacity only wires in."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from dataclasses import dataclass

from ...http.outcome import Failure, FailureKind, Outcome, Reply
from .verdict import is_bot_challenge

# 501 and 505 say the server will never do this; other 5xx are often a passing overload.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})
RETRY_FAILURES = frozenset(
    {
        FailureKind.DNS,  # resolvers in CI do fail transiently (EAI_AGAIN)
        FailureKind.CONNECT,
        FailureKind.CONNECT_TIMEOUT,
        FailureKind.REFUSED,  # a server restarting refuses for a moment
        FailureKind.TIMEOUT,
        FailureKind.RESET,
    }
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first one included
    base_delay: float = 0.5  # first backoff, doubled on each retry
    max_delay: float = 30.0
    max_retry_after: float = 60.0  # a longer Retry-After is reported instead of waited for


def retry_after(outcome: Outcome, now: float) -> float | None:
    """The Retry-After header in seconds from `now` (epoch seconds), or None when absent/invalid."""
    if not isinstance(outcome, Reply):
        return None
    value = outcome.headers.get("retry-after", "").strip()
    if not value:
        return rate_limit_reset(outcome, now)
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def rate_limit_reset(reply: Reply, now: float) -> float | None:
    """Seconds until a spent request budget renews (GitHub's `x-ratelimit-remaining: 0` with
    `x-ratelimit-reset` in epoch seconds), or None when the answer does not say so."""
    if reply.headers.get("x-ratelimit-remaining", "").strip() != "0":
        return None
    reset = reply.headers.get("x-ratelimit-reset", "").strip()
    return max(0.0, float(reset) - now) if reset.isdigit() else None


def is_rate_limited(outcome: Outcome) -> bool:
    """A 403 or 429 that says the request budget is spent: wait for it, never a verdict."""
    return (isinstance(outcome, Reply) and outcome.status_code in (403, 429)
            and outcome.headers.get("x-ratelimit-remaining", "").strip() == "0")


def over_retry_after_cap(outcome: Outcome, policy: RetryPolicy, now: float) -> float | None:
    """The Retry-After seconds when they exceed the cap (report, don't wait), else None."""
    seconds = retry_after(outcome, now)
    if seconds is not None and seconds > policy.max_retry_after:
        return seconds
    return None


def should_retry(outcome: Outcome, attempt: int, policy: RetryPolicy, now: float,
                 method: str = "GET") -> bool:
    """Whether attempt number `attempt` (1-based) deserves another try. A HEAD that timed out
    is not tried again: some servers never answer HEAD, and the GET that follows is the retry."""
    if attempt >= policy.attempts:
        return False
    if isinstance(outcome, Failure):
        if method == "HEAD" and outcome.kind is FailureKind.TIMEOUT:
            return False
        return outcome.kind in RETRY_FAILURES
    retryable = outcome.status_code in RETRY_STATUSES or is_rate_limited(outcome)
    if not retryable or is_bot_challenge(outcome):
        return False
    return over_retry_after_cap(outcome, policy, now) is None


def backoff_delay(
    outcome: Outcome, attempt: int, policy: RetryPolicy, now: float, rand: Callable[[], float]
) -> float:
    """Seconds to wait after attempt `attempt`: the server's Retry-After if it gave one, else
    exponential backoff with jitter (half fixed, half random, so retries of many links spread)."""
    seconds = retry_after(outcome, now)
    if seconds is not None:
        return min(seconds, policy.max_retry_after)
    exponential = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return exponential * (0.5 + 0.5 * rand())
