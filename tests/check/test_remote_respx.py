"""The remote checker with respx: no network, mixed failures, method choice, headers, progress.

Routers go in through `pool_factory=httpx_pools(router)` (tests/httpx_pool.py): `respx.mock`'s
patch of httpcore's own pool would not reach linkcheck's per-origin pools, so a test relying on
it would go out to the net.
"""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import respx
from httpx_pool import httpx_pools

from linkcheck.check.remote.checker import (
    DEFAULT_USER_AGENT,
    RemoteOutcome,
    check_remote,
    group_by_page,
)
from linkcheck.config import CheckConfig, Config, HostConfig
from linkcheck.models import Status
from linkcheck.progress import ProgressEvent, ProgressRenderer


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


def check(router, urls: list[str], progress=None, **options) -> RemoteOutcome:
    """Check with a respx router (or a plain handler function) as the transport."""
    config = Config(check=CheckConfig(**{"retries": 2, **options}))
    handler = router.async_handler if isinstance(router, respx.MockRouter) else router
    pools = httpx_pools(httpx.MockTransport(handler))
    return asyncio.run(check_remote(urls, config, pool_factory=pools, sleep=_no_sleep,
                                    rand=lambda: 0.5, progress=progress))


def dns_failure(request: httpx.Request) -> httpx.Response:
    """What httpx raises when the resolver fails (respx would drop the cause: a plain handler
    keeps it). A resolver failure, unlike "no such domain", says nothing about the network."""
    try:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    except socket.gaierror as exc:
        raise httpx.ConnectError("Temporary failure in name resolution",
                                 request=request) from exc


def test_no_answer_from_any_host_means_no_network_and_nothing_broken():
    router = respx.MockRouter(assert_all_called=False)
    router.route().mock(side_effect=httpx.ConnectError("unreachable"))
    urls = [f"https://host{i}.test/page{j}" for i in range(30) for j in range(3)]
    started = time.monotonic()
    outcome = check(router, urls)
    assert time.monotonic() - started < 2.0
    assert outcome.network_down
    assert {(r.status, r.reason) for r in outcome.results.values()} == {
        (Status.UNVERIFIABLE, "no network")
    }
    assert set(outcome.results) == set(urls)


def test_dns_failures_everywhere_also_mean_no_network():
    outcome = check(dns_failure, ["https://a.test/", "https://b.test/x"])
    assert outcome.network_down
    assert outcome.results["https://b.test/x"].reason == "no network"


def test_one_unreachable_host_among_working_ones_is_broken():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        if request.url.host == "dead.test":
            return dns_failure(request)
        if request.url.host == "down.test":
            raise httpx.ConnectError("unreachable")
        return httpx.Response(200)

    urls = ["https://ok1.test/", "https://ok2.test/", "https://dead.test/a",
            "https://dead.test/b", "https://down.test/"]
    outcome = check(handler, urls)
    assert not outcome.network_down
    assert outcome.results["https://ok1.test/"].status is Status.OK
    assert (outcome.results["https://dead.test/a"].status,
            outcome.results["https://dead.test/a"].reason) == (Status.BROKEN, "DNS lookup failed")
    assert outcome.results["https://dead.test/b"].status is Status.BROKEN
    assert (outcome.results["https://down.test/"].status,
            outcome.results["https://down.test/"].reason) == (Status.BROKEN, "connection failed")
    # Once one URL of dead.test has spent its retries, the other reuses the host-wide failure
    # instead of spending its own: fewer than 2 x 3 tries.
    assert calls.count("dead.test") < 6
    assert calls.count("down.test") == 3


def test_one_early_dead_host_does_not_make_a_slow_network_look_down():
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "dead.test":
            raise httpx.ConnectError("unreachable")
        await asyncio.sleep(0.4)  # longer than the no-network grace below
        return httpx.Response(200)

    outcome = check(handler, ["https://dead.test/", "https://slow.test/"], connect_timeout=0.1)
    assert not outcome.network_down
    assert outcome.results["https://slow.test/"].status is Status.OK
    assert outcome.results["https://dead.test/"].status is Status.BROKEN


def test_head_first_where_the_body_cannot_matter_get_where_it_can():
    router = respx.MockRouter(assert_all_called=False)
    router.route().mock(return_value=httpx.Response(200, html="<title>Fine</title>"))
    urls = ["https://a.test/", "https://a.test/paper.pdf", "https://a.test/deep/page",
            "https://b.test/page#part"]
    check(router, urls)
    methods = {str(call.request.url): call.request.method for call in router.calls}
    assert methods == {
        "https://a.test/": "HEAD",
        "https://a.test/paper.pdf": "HEAD",
        "https://a.test/deep/page": "GET",  # soft 404 judged from the title
        "https://b.test/page": "GET",  # fragment looked up; the fragment itself is never sent
    }
    request = router.calls[0].request
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT
    assert request.headers["accept-encoding"] == "gzip, deflate"


def test_soft_404_opt_out_lets_deep_pages_use_head():
    router = respx.MockRouter(assert_all_called=False)
    router.route().mock(return_value=httpx.Response(200))
    check(router, ["https://a.test/deep/page"], hosts={".a.test": HostConfig(soft_404=False)})
    assert router.calls[0].request.method == "HEAD"


def test_accepted_statuses_and_per_host_headers():
    router = respx.MockRouter(assert_all_called=False)
    router.route(host="api.test").mock(return_value=httpx.Response(418))
    router.route().mock(return_value=httpx.Response(200))
    outcome = check(router, ["https://api.test/x.pdf", "https://www.other.test/"],
                    hosts={"api.test": HostConfig(accept=(418,), headers={"X-Key": "k"})})
    assert outcome.results["https://api.test/x.pdf"].status is Status.OK
    sent = {call.request.url.host: call.request.headers for call in router.calls}
    assert sent["api.test"]["x-key"] == "k"
    assert "x-key" not in sent["www.other.test"]


def test_invalid_and_unsupported_urls_are_broken_without_crashing():
    router = respx.MockRouter(assert_all_called=False)
    router.route().mock(return_value=httpx.Response(200))
    urls = ["https://exa mple.test/", "http://[::1/", "https://ok.test/", "ftp://files.test/x"]
    outcome = check(router, urls)
    assert outcome.results["https://exa mple.test/"].status is Status.BROKEN
    assert outcome.results["http://[::1/"].reason.startswith("invalid URL")
    assert outcome.results["https://ok.test/"].status is Status.OK
    assert outcome.results["ftp://files.test/x"].reason == "unsupported scheme"
    assert [str(call.request.url) for call in router.calls] == ["https://ok.test/"]


def test_anchors_are_read_in_the_charset_the_page_declares():
    page = '<html><title>Caf\u00e9</title><h1 id="caf\u00e9">x</h1></html>'.encode("latin-1")

    def handler(request: httpx.Request) -> httpx.Response:
        charset = request.url.path.strip("/")
        return httpx.Response(200, headers={"content-type": f"text/html; charset={charset}"},
                              content=page)

    latin, bogus = "https://a.test/iso-8859-1#caf%C3%A9", "https://a.test/no-such-codec#caf%C3%A9"
    outcome = check(handler, [latin, bogus])
    assert (outcome.results[latin].status, outcome.results[latin].reason) == (Status.OK, "ok")
    assert bogus in outcome.results  # an unknown charset is read as UTF-8, never a crash


def test_progress_events_count_up_to_the_total():
    router = respx.MockRouter(assert_all_called=False)
    router.route(path="/gone").mock(return_value=httpx.Response(404))
    router.route().mock(return_value=httpx.Response(200))
    events: list[ProgressEvent] = []
    urls = ["https://a.test/", "https://a.test/gone", "https://b.test/"]
    outcome = check(router, urls, progress=events.append)
    assert [e.done for e in events] == [1, 2, 3, 3]
    assert events[-1].finished and events[-1].broken == 1 and events[-1].total == 3
    assert outcome.requests_sent == events[-1].requests == 3


def test_progress_renderer_bar_on_a_terminal_and_lines_in_logs():
    class Stream(list):
        def write(self, text: str) -> None:
            self.append(text)

        def flush(self) -> None:
            pass

    now = [0.0]
    event = ProgressEvent(5, 10, 1, 2, 7, 2.0)
    tty = Stream()
    ProgressRenderer(tty, is_tty=True, clock=lambda: now[0], width=lambda: 80)(event)
    # 77 columns of the 80 (room for the echo of ^C): the bar takes what the counts leave, half
    # of it filled
    assert tty[0] == ("\r[############............] checked 5/10 URLs, 1 broken, "
                      "2 unverifiable, 2.5/s\x1b[K")
    log = Stream()
    render = ProgressRenderer(log, is_tty=False, interval=5.0, clock=lambda: now[0])
    render(event)
    now[0] = 6.0
    render(event)
    render(ProgressEvent(10, 10, 1, 2, 12, 4.0, finished=True))
    assert log == [
        "checked 5/10 URLs, 1 broken, 2 unverifiable, 2.5/s\n",
        "checked 10/10 URLs, 1 broken, 2 unverifiable, 2.5/s\n",
    ]


def test_group_by_page_keeps_every_given_url_once():
    pages = group_by_page(["https://a.test/p#x", "https://a.test/p", "https://a.test/p#x",
                           "https://a.test/p#"])
    assert pages == {"https://a.test/p": [("https://a.test/p#x", "x"), ("https://a.test/p", None),
                                          ("https://a.test/p#", "")]}


def test_anchors_github_makes_with_javascript_are_not_looked_up_there_only():
    page = "<html><head><title>Issue</title></head><body><h1 id='top-x'>Issue</h1></body></html>"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html"}, text=page)

    issue = "https://github.com/owner/repo/issues/7"
    generated = ["issuecomment-1234567", "discussion_r98765", "pullrequestreview-55",
                 "event-4242424242", "issue-1357913", "diff-" + "0a" * 32 + "R12"]
    elsewhere = "https://forum.example.org/t/7#issuecomment-1234567"
    heading = issue + "#issue-7"  # a heading's slug, not an id GitHub's script makes
    outcome = check(handler, [f"{issue}#{f}" for f in generated] + [elsewhere, heading])
    for fragment in generated:
        result = outcome.results[f"{issue}#{fragment}"]
        assert result.status is Status.OK, fragment
        assert "anchor GitHub makes with JavaScript" in result.reason
    assert outcome.results[heading].status is Status.BROKEN
    assert outcome.results[elsewhere].status is Status.BROKEN  # only github.com makes them
