"""An answer (or the lack of one) becomes a verdict here, and only here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from http import HTTPStatus
from urllib.parse import urlsplit

from ...http.outcome import Failure, FailureKind, Outcome, Reply
from ...models import (
    DEADLINE_REASON,
    NO_NETWORK_REASON,
    RATE_LIMIT_CAP_REASON,
    CheckResult,
    Hop,
    Status,
)
from . import page as _page
from .page import TEXT_COUNTED as PAGE_TEXT_COUNTED
from .page import (
    PageInfo,
    anchor_of,
    fragment_found,
    ignorable_fragment,
    looks_like_not_found,
)
from .walls import is_bot_wall

PERMANENT_REDIRECTS = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})

_FAILURE_VERDICTS: dict[FailureKind, tuple[Status, str]] = {
    FailureKind.DNS: (Status.BROKEN, "DNS lookup failed"),
    FailureKind.NO_SUCH_DOMAIN: (Status.BROKEN, "domain does not exist"),
    FailureKind.REFUSED: (Status.BROKEN, "connection refused"),
    FailureKind.CONNECT: (Status.BROKEN, "connection failed"),
    FailureKind.CONNECT_TIMEOUT: (Status.BROKEN, "connection timed out"),
    FailureKind.TIMEOUT: (Status.BROKEN, "timed out"),
    FailureKind.RESET: (Status.BROKEN, "connection reset"),
    FailureKind.TLS: (Status.BROKEN, "TLS error"),
    # Browsers complete such a chain (they fetch or know the intermediate): not verifiable here.
    FailureKind.INCOMPLETE_CHAIN: (Status.UNVERIFIABLE, "incomplete certificate chain"),
    FailureKind.PROTOCOL: (Status.BROKEN, "invalid HTTP response"),
    FailureKind.INVALID_URL: (Status.BROKEN, "invalid URL"),
    FailureKind.UNSUPPORTED_SCHEME: (Status.BROKEN, "unsupported scheme"),
    # Readers cannot reach a private address either: for a published curriculum it is a mistake.
    FailureKind.PRIVATE_ADDRESS: (Status.BROKEN, "private address refused"),
    FailureKind.NO_NETWORK: (Status.UNVERIFIABLE, NO_NETWORK_REASON),
    FailureKind.DEADLINE: (Status.UNVERIFIABLE, DEADLINE_REASON),
    FailureKind.RATE_LIMITED: (Status.UNVERIFIABLE, RATE_LIMIT_CAP_REASON),
}
# Failures that may pass by the next run: the flakiness delay applies to these only. A
# definitive answer (a 404, a domain that does not exist, a bad certificate) is broken at once.
TRANSIENT_FAILURES = frozenset({
    FailureKind.DNS, FailureKind.REFUSED, FailureKind.CONNECT, FailureKind.CONNECT_TIMEOUT,
    FailureKind.TIMEOUT, FailureKind.RESET, FailureKind.PROTOCOL,
})
TRANSIENT_STATUSES = frozenset({408, 429})  # and every 5xx
# The last path segment of an error page a deep link may be redirected to.
_ERROR_PAGE = re.compile(r"(404|410|not[-_]?found|page[-_]?not[-_]?found|error[-_]?404)"
                         r"(\.(html?|php|aspx?))?", re.IGNORECASE)
# Paths that are the home page under another name: their redirect to "/" is no soft 404.
_HOME_ALIAS = re.compile(r"/?((index|default|home)(\.\w{1,5})?|[a-z]{2}([-_][a-z]{2,4})?)/?",
                         re.IGNORECASE)
_WITH_DETAIL = frozenset({FailureKind.TLS, FailureKind.PROTOCOL, FailureKind.INVALID_URL,
                          FailureKind.TIMEOUT, FailureKind.PRIVATE_ADDRESS})


@dataclass(frozen=True, slots=True)
class Chain:
    """How one check of a page went: the redirects followed and the last outcome."""

    url: str
    outcome: Outcome
    hops: tuple[Hop, ...] = ()
    problem: str | None = None  # "redirect loop", "too many redirects": the chain itself is bad
    rate_limit_over_cap: float | None = None  # Retry-After seconds past check.max_retry_after


@dataclass(frozen=True, slots=True)
class PageRules:
    accept: frozenset[int] = frozenset()  # extra statuses that mean ok
    soft_404: bool = True


def is_bot_challenge(reply: Reply) -> bool:
    """A bot wall rather than the page: says nothing about the link."""
    return is_bot_wall(reply.status_code, reply.headers, reply.body)


def classify(chain: Chain, rules: PageRules, page: PageInfo | None = None) -> CheckResult:
    """The verdict for a page (its URL without fragment)."""
    if chain.problem:
        return CheckResult(chain.url, Status.BROKEN, chain.problem, redirects=chain.hops)
    outcome = chain.outcome
    if isinstance(outcome, Failure):
        return _failure_result(chain.url, outcome, chain.hops)
    code = outcome.status_code
    final_url = outcome.url if chain.hops else None
    permanent, transient = _is_permanent(chain.hops), False
    if 200 <= code < 300 and (is_bot_challenge(outcome) or _walled(page)):  # behind the wall
        status, reason = Status.UNVERIFIABLE, f"bot challenge (HTTP {code})"
    elif 200 <= code < 300 or code in rules.accept:
        status, reason = _ok_verdict(chain, rules, page, permanent, final_url)
    else:
        status, reason = _error_verdict(chain, outcome)
        transient = code >= 500 or code in TRANSIENT_STATUSES
    return CheckResult(chain.url, status, reason, code, final_url, chain.hops, permanent,
                       transient)


def classify_fragment(page_result: CheckResult, target: str, fragment: str, reply: Outcome,
                      page: PageInfo | None) -> CheckResult:
    """The verdict for page#fragment, given the page's verdict and body."""
    result = replace(page_result, target=target)
    if page_result.status not in (Status.OK, Status.REDIRECTED):
        return result
    host = (urlsplit(result.final_url or target).hostname or "").lower()
    why_not = ignorable_fragment(fragment, host)
    if why_not is None and isinstance(reply, Reply) and reply.undecodable:
        why_not = "body could not be decoded"
    if why_not is None and (page is None or not isinstance(reply, Reply) or not reply.is_html):
        why_not = "not an HTML page"
    if why_not is not None:
        return replace(result, reason=f"{result.reason}; fragment not checked ({why_not})")
    assert isinstance(reply, Reply) and page is not None
    anchor = anchor_of(fragment)
    if fragment_found(anchor, page, reply.body, host):
        return result
    if page.over_budget:  # a page crafted (or large enough) to be slow to read
        return replace(result, status=Status.UNVERIFIABLE,
                       reason=f"fragment #{anchor} not in the part of the page read within "
                              f"its CPU budget ({_page.BUDGET:g} s)")
    if reply.truncated:
        read = (f"the {len(reply.body)} bytes read (body {reply.cut_short})" if reply.cut_short
                else f"the first {len(reply.body)} bytes")
        return replace(result, status=Status.UNVERIFIABLE,
                       reason=f"fragment #{anchor} not in {read}")
    if page.script_only:
        return replace(result, status=Status.UNVERIFIABLE,
                       reason=f"fragment #{anchor} not checked (page is rendered by JavaScript)")
    return replace(result, status=Status.BROKEN, reason=f"fragment #{anchor} not found")


def _failure_result(url: str, failure: Failure, hops: tuple[Hop, ...]) -> CheckResult:
    status, reason = _FAILURE_VERDICTS[failure.kind]
    if failure.kind in _WITH_DETAIL and failure.detail:
        reason = f"{reason}: {failure.detail}"
    return CheckResult(url, status, reason, redirects=hops, permanent=_is_permanent(hops),
                       transient=failure.kind in TRANSIENT_FAILURES)


def _ok_verdict(chain: Chain, rules: PageRules, page: PageInfo | None, permanent: bool,
                final_url: str | None) -> tuple[Status, str]:
    if rules.soft_404 and (_redirected_to_home_or_error_page(chain) or
                           (page is not None and looks_like_not_found(page))):
        return Status.BROKEN, "soft 404"
    if permanent:
        return Status.REDIRECTED, f"moved permanently to {final_url}"
    if chain.hops:
        return Status.OK, "ok (temporary redirect)"
    return Status.OK, "ok"


def _error_verdict(chain: Chain, reply: Reply) -> tuple[Status, str]:
    code = reply.status_code
    if code == 999:
        return Status.UNVERIFIABLE, "blocked by the server (HTTP 999)"
    if is_bot_challenge(reply):
        return Status.UNVERIFIABLE, f"bot challenge (HTTP {code})"
    if chain.rate_limit_over_cap is not None:
        wait = f"{chain.rate_limit_over_cap:.0f} s"
        if "retry-after" not in reply.headers:  # x-ratelimit-reset (GitHub) said when instead
            return Status.UNVERIFIABLE, f"rate limited (the budget renews in {wait}, over the cap)"
        return Status.UNVERIFIABLE, f"rate limited (Retry-After {wait} exceeds cap)"
    if code in (403, 429) and reply.headers.get("x-ratelimit-remaining", "").strip() == "0":
        return Status.UNVERIFIABLE, f"rate limited (request budget spent, HTTP {code})"
    if code == 429:
        return Status.UNVERIFIABLE, "rate limited (HTTP 429)"
    if code == 401:
        return Status.UNVERIFIABLE, "login required (HTTP 401)"
    if code == 403:
        return Status.UNVERIFIABLE, "forbidden to automated clients (HTTP 403)"
    if code in REDIRECTS:
        return Status.BROKEN, f"redirect without a Location (HTTP {code})"
    return Status.BROKEN, f"HTTP {code} {_phrase(code)}".rstrip()


def _walled(page: PageInfo | None) -> bool:
    """A page read as a challenge (a wall's script or title) with next to no text of its own."""
    return page is not None and page.challenge and page.text_chars < PAGE_TEXT_COUNTED


def _redirected_to_home_or_error_page(chain: Chain) -> bool:
    """A deep link that a redirect (permanent or not) took to the site's home page, or to an
    error page (`/404`, `/not-found`): the page it named is gone."""
    if not chain.hops or not isinstance(chain.outcome, Reply):
        return False
    start, final = urlsplit(chain.url), urlsplit(chain.outcome.url)
    if start.path.strip("/") == "" or final.path == start.path or _HOME_ALIAS.fullmatch(start.path):
        return False
    last = final.path.rstrip("/").rpartition("/")[2]
    return (final.path.strip("/") == "" and not final.query) or bool(_ERROR_PAGE.fullmatch(last))


def _is_permanent(hops: tuple[Hop, ...]) -> bool:
    return bool(hops) and hops[0].status_code in PERMANENT_REDIRECTS


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""
