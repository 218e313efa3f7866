"""Responses and failures to verdicts, and what HTML bodies tell: one place, tested directly."""

from __future__ import annotations

import pytest

from linkcheck.check.remote.page import (
    fragment_found,
    ignorable_fragment,
    looks_like_not_found,
    parse_page,
)
from linkcheck.check.remote.verdict import Chain, PageRules, classify, classify_fragment
from linkcheck.http.outcome import Failure, FailureKind, Reply
from linkcheck.models import Hop, Status

URL = "https://site.test/docs/page"


def reply(status: int, body: bytes = b"", url: str = URL, **headers: str) -> Reply:
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    if body:
        headers.setdefault("content-type", "text/html; charset=utf-8")
    return Reply(url, status, headers, body)


def verdict(chain: Chain, rules: PageRules | None = None) -> tuple[Status, str]:
    rules = rules or PageRules()
    outcome = chain.outcome
    page = parse_page(outcome.body) if isinstance(outcome, Reply) and outcome.body else None
    result = classify(chain, rules, page)
    return result.status, result.reason


@pytest.mark.parametrize(
    "status, expected",
    [
        (200, (Status.OK, "ok")),
        (204, (Status.OK, "ok")),
        (404, (Status.BROKEN, "HTTP 404 Not Found")),
        (410, (Status.BROKEN, "HTTP 410 Gone")),
        (500, (Status.BROKEN, "HTTP 500 Internal Server Error")),
        (401, (Status.UNVERIFIABLE, "login required (HTTP 401)")),
        (403, (Status.UNVERIFIABLE, "forbidden to automated clients (HTTP 403)")),
        (429, (Status.UNVERIFIABLE, "rate limited (HTTP 429)")),
        (999, (Status.UNVERIFIABLE, "blocked by the server (HTTP 999)")),
        (302, (Status.BROKEN, "redirect without a Location (HTTP 302)")),
    ],
)
def test_statuses(status, expected):
    assert verdict(Chain(URL, reply(status))) == expected


def test_accepted_statuses_are_ok():
    assert verdict(Chain(URL, reply(418)), PageRules(accept=frozenset({418}))) == (Status.OK, "ok")


@pytest.mark.parametrize(
    "kind, expected",
    [
        (FailureKind.DNS, (Status.BROKEN, "DNS lookup failed")),
        (FailureKind.REFUSED, (Status.BROKEN, "connection refused")),
        (FailureKind.RESET, (Status.BROKEN, "connection reset")),
        (FailureKind.TLS, (Status.BROKEN, "TLS error: certificate expired")),
        (FailureKind.TIMEOUT, (Status.BROKEN, "timed out: certificate expired")),
        (FailureKind.PRIVATE_ADDRESS, (Status.BROKEN, "private address refused: "
                                                      "certificate expired")),
        (FailureKind.NO_NETWORK, (Status.UNVERIFIABLE, "no network")),
        (FailureKind.DEADLINE, (Status.UNVERIFIABLE, "run deadline reached")),
    ],
)
def test_failures(kind, expected):
    assert verdict(Chain(URL, Failure(kind, "certificate expired"))) == expected


def test_bot_challenges_by_header_or_page_are_unverifiable():
    by_header = reply(403, cf_mitigated="challenge")
    by_page = reply(503, b"<html><title>Just a moment...</title></html>")
    assert verdict(Chain(URL, by_header)) == (Status.UNVERIFIABLE, "bot challenge (HTTP 403)")
    assert verdict(Chain(URL, by_page)) == (Status.UNVERIFIABLE, "bot challenge (HTTP 503)")


def test_rate_limit_past_the_cap():
    chain = Chain(URL, reply(429, retry_after="600"), rate_limit_over_cap=600.0)
    assert verdict(chain) == (Status.UNVERIFIABLE, "rate limited (Retry-After 600 s exceeds cap)")


def test_redirects_permanent_temporary_and_chain_problems():
    final = reply(200, url="https://site.test/new")
    permanent = classify(Chain(URL, final, (Hop(URL, 301),)), PageRules())
    assert (permanent.status, permanent.permanent) == (Status.REDIRECTED, True)
    assert permanent.final_url == "https://site.test/new"
    temporary = classify(Chain(URL, final, (Hop(URL, 302), Hop(URL + "2", 301))), PageRules())
    assert (temporary.status, temporary.permanent) == (Status.OK, False)
    assert temporary.redirects == (Hop(URL, 302), Hop(URL + "2", 301))
    broken_end = classify(Chain(URL, reply(404, url="https://site.test/new"), (Hop(URL, 301),)),
                          PageRules())
    assert broken_end.status is Status.BROKEN
    loop = Chain(URL, reply(302), (Hop(URL, 302),), problem="redirect loop")
    assert verdict(loop) == (Status.BROKEN, "redirect loop")


@pytest.mark.parametrize(
    "title",
    ["404", "Error 404 - Example", "Example | 404", "404 - Page Not Found", "Not Found",
     "Not found | Example", "Page not found · GitHub",
     "Sorry, the page you requested does not exist"],
)
def test_not_found_titles(title):
    assert looks_like_not_found(parse_page(f"<title>{title}</title>".encode()))


def test_soft_404_by_title_heading_or_permanent_redirect_to_root():
    titled = reply(200, b"<title>404 - Page Not Found</title>")
    headed = reply(200, b"<title>Docs</title><h1>This page doesn't exist</h1>")
    to_root = Chain(URL, reply(200, url="https://site.test/"), (Hop(URL, 301),))
    assert verdict(Chain(URL, titled)) == (Status.BROKEN, "soft 404")
    assert verdict(Chain(URL, headed)) == (Status.BROKEN, "soft 404")
    assert verdict(to_root) == (Status.BROKEN, "soft 404")
    assert verdict(to_root, PageRules(soft_404=False))[0] is Status.REDIRECTED
    root_to_root = Chain("https://site.test", reply(200, url="https://site.test/"),
                         (Hop("https://site.test", 301),))
    assert verdict(root_to_root)[0] is Status.REDIRECTED


@pytest.mark.parametrize(
    "title",
    ["Handling 404 errors in Flask", "Python ModuleNotFoundError explained", "HTTP status codes",
     "Understanding HTTP 404", "Not found in the docs? Ask the community"],
)
def test_pages_about_errors_are_not_soft_404s(title):
    assert not looks_like_not_found(parse_page(f"<title>{title}</title>".encode()))


def test_fragments_against_ids_names_and_host_rewrites():
    page = parse_page(b'<h2 id="Install">x</h2><a name="old"></a><div id="user-content-usage">'
                      b'<p id="caf\xc3\xa9">')
    assert fragment_found("Install", page, b"", "site.test")
    assert not fragment_found("install", page, b"", "site.test")  # ids are case-sensitive
    assert fragment_found("install", page, b"", "github.com")  # GitHub lowercases
    assert fragment_found("old", page, b"", "site.test")
    assert fragment_found("usage", page, b"", "github.com")
    assert fragment_found("caf%C3%A9", page, b"", "site.test")
    body = b'{"richText":"<h2 id=\\"user-content-setup\\">Setup</h2>"}'
    assert fragment_found("setup", parse_page(body), body, "github.com")


@pytest.mark.parametrize(
    "fragment, host, ignored",
    [
        ("/settings", "app.test", True),
        ("!/route", "app.test", True),
        ("L10-L20", "github.com", True),
        ("L10", "github.com", True),
        ("L10", "site.test", False),
        (":~:text=hello", "site.test", True),
        ("top", "site.test", True),  # the top of the page, as for local links
        ("TOP", "site.test", True),
        ("topics", "site.test", False),
        ("intro", "site.test", False),
    ],
)
def test_fragments_that_are_not_anchors(fragment, host, ignored):
    assert (ignorable_fragment(fragment, host) is not None) is ignored


def test_fragment_verdicts():
    html = reply(200, b'<h2 id="a">A</h2>')
    page_ok = classify(Chain(URL, html), PageRules(), parse_page(html.body))
    page = parse_page(html.body)
    found = classify_fragment(page_ok, URL + "#a", "a", html, page)
    assert (found.target, found.status) == (URL + "#a", Status.OK)
    missing = classify_fragment(page_ok, URL + "#b", "b", html, page)
    assert (missing.status, missing.reason) == (Status.BROKEN, "fragment #b not found")
    pdf = Reply(URL, 200, {"content-type": "application/pdf"}, b"%PDF")
    on_pdf = classify_fragment(page_ok, URL + "#chapter-2", "chapter-2", pdf, None)
    assert on_pdf.status is Status.OK and "not an HTML page" in on_pdf.reason
    gone = classify(Chain(URL, reply(404)), PageRules())
    assert classify_fragment(gone, URL + "#a", "a", reply(404), None).status is Status.BROKEN


def test_without_fragments_parsing_stops_once_title_and_heading_are_known():
    tail = "".join(f'<p id="p{i}">paragraph {i}</p>' for i in range(5000)).encode()
    body = b"<html><head><title>Not Found</title></head><body><h1>Gone</h1>" + tail
    full, quick = parse_page(body), parse_page(body, anchors=False)
    assert (quick.title, quick.heading) == (full.title, full.heading) == ("Not Found", "Gone")
    assert looks_like_not_found(quick)
    assert "p4999" in full.anchors and "p4999" not in quick.anchors  # the tail was not parsed
    late = b"<title>A</title>" + tail + b"<h1>Late heading</h1>"  # no early stop without <h1>
    assert parse_page(late, anchors=False).heading == "Late heading"
