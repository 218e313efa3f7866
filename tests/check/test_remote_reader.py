"""Verdicts as a reader meets the page, against real loopback servers (tests/readerweb.py):
a 200 whose body is slow, fragments a browser resolves without an id, soft 404s reached by
redirect, HEADs that never answer, bot walls of several shapes, and HTTP as browsers speak it
(raw UTF-8 Location headers, short bodies, chains of up to 20 redirects)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from readerweb import Exchange, ReaderWeb, answer, head, page, raw, redirect

from linkcheck.check.remote.checker import RemoteOutcome, check_remote
from linkcheck.cli import main
from linkcheck.config import CheckConfig, Config
from linkcheck.models import Status

ARTICLE = page("Guide", '<h1 id="intro">Intro</h1><p>Real content of the guide.</p>'
                        '<h2 id="install">Install</h2>')


async def _slow_body(ex: Exchange) -> None:
    """The status and the first part of the page, then nothing: the rest never comes."""
    ex.write(head(200, {"content-type": "text/html"}, 200_000)
             + b'<!doctype html><html><head><title>Slow</title></head><body><h1 id="intro">')
    await ex.stall()


async def _head_hangs(ex: Exchange) -> None:
    if ex.request.method == "HEAD":
        await ex.stall()
    else:
        ex.write(head(200, {"content-type": "application/pdf"}, 4) + b"%PDF")


def _hops(count: int) -> dict:
    return {f"/hops{count}/{i}": redirect(302, f"/hops{count}/{i - 1}" if i > 1 else "/guide")
            for i in range(1, count + 1)}


SHELL = (b'<!doctype html><html><head><title>Console</title><script type="module" '
         b'src="/assets/index-4f3a.js"></script></head><body><div id="root"></div>'
         b"<noscript>You need to enable JavaScript to run this app.</noscript></body></html>")

ROUTES = {
    "/": answer(200, page("Example home", "<h1>Welcome</h1>")),
    "/guide": answer(200, ARTICLE),
    "/slow/page": _slow_body,
    "/shell": answer(200, SHELL),
    # soft 404s reached by redirect, temporary or permanent
    "/docs/deep/page": redirect(302, "/"),
    "/docs/moved": redirect(301, "/404"),
    "/404": answer(200, page("Example", "<p>Sorry.</p>")),
    "/guide/old": redirect(308, "/not-found"),
    "/not-found": answer(200, page("Example docs", "<p>Nothing here.</p>")),
    "/articles/gone": redirect(301, "/articles/unavailable"),
    "/articles/unavailable": answer(200, page("This page isn't available", "<p>Sorry.</p>")),
    "/docs/renamed": redirect(301, "/docs/new-name"),
    "/index.html": redirect(301, "/"),  # the home page under another name
    "/en/": redirect(302, "/"),
    "/docs/new-name": answer(200, ARTICLE),
    "/report.pdf": _head_hangs,
    # bot walls that are not Cloudflare's header
    "/wall/checking": answer(503, page("Checking your browser before accessing the site",
                                       "<p>This process is automatic.</p>")),
    "/wall/robot": answer(405, page("Are you a robot?", '<div class="g-recaptcha"></div>')),
    "/wall/verify": answer(200, page("Verify you are human", "<form id='challenge'></form>")),
    "/wall/999": answer(999, b""),
    "/wall/script": answer(200, b'<!doctype html><html><head><script src="/cdn-cgi/challenge-'
                                b'platform/h/b/orchestrate/jsch/v1"></script></head><body>'
                                b"<noscript>Enable JavaScript and cookies to continue</noscript>"
                                b"</body></html>"),
    "/wall/waf": answer(202, b"", {"x-amzn-waf-action": "challenge"}),
    # HTTP as browsers speak it
    "/utf8-location": raw(head(301, {"location": "/caf\u00e9"}, 0)),
    "/caf%C3%A9": answer(200, page("Caf\u00e9", '<h1 id="menu">Menu</h1>')),
    "/short": raw(head(200, {"content-type": "text/html"}, 5000)
                  + page("Short", '<h1 id="top-part">Top</h1><p>Delivered.</p>')),
    **_hops(15),
    **_hops(21),
}


@pytest.fixture(scope="module")
def web():
    server = ReaderWeb(ROUTES).start()
    yield server
    server.stop()


class FakeClock:
    def __init__(self) -> None:
        self.time = time.time()

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds
        await asyncio.sleep(0)


def check(urls: list[str], **options) -> RemoteOutcome:
    settings = dict(timeout=2.0, connect_timeout=1.0, read_timeout=1.0, retries=1,
                    allow_private=True)
    settings.update(options)
    clock = FakeClock()
    return asyncio.run(check_remote(urls, Config(check=CheckConfig(**settings)),
                                    clock=clock.now, sleep=clock.sleep, rand=lambda: 0.5))


def verdicts(outcome: RemoteOutcome) -> dict[str, tuple[Status, str]]:
    return {url: (r.status, r.reason) for url, r in outcome.results.items()}


# 1. Status known, body slow


def test_a_200_whose_body_is_slow_is_ok_and_its_unread_fragment_unverifiable(web):
    url = web.url("/slow/page")
    started = time.monotonic()
    outcome = check([url, url + "#intro", url + "#later"], timeout=1.0, read_timeout=0.3)
    assert time.monotonic() - started < 5
    found = verdicts(outcome)
    assert found[url][0] is Status.OK
    assert found[url + "#intro"][0] is Status.OK  # the anchor arrived before the stall
    status, reason = found[url + "#later"]
    assert status is Status.UNVERIFIABLE and "in time" in reason
    assert web.hits["/slow/page"] == 1  # a known status is not asked again


# 5. Fragments and soft 404s as a reader meets them


def test_fragments_a_browser_resolves_without_an_id_are_never_broken(web):
    url = web.url("/guide")
    app_state = ["gid=0", "heading=h.x2k3", "tab=t.0&range=A1", "intro:~:text=Real%20content"]
    outcome = check([url + "#" + f for f in app_state] + [url + "#nope:~:text=x", url + "#nope"])
    found = verdicts(outcome)
    for fragment in app_state:
        assert found[url + "#" + fragment][0] is Status.OK, fragment
    # the id before a text directive is still checked
    assert found[url + "#nope:~:text=x"] == (Status.BROKEN, "fragment #nope not found")
    assert found[url + "#nope"] == (Status.BROKEN, "fragment #nope not found")


def test_a_fragment_on_an_empty_javascript_shell_is_unverifiable(web):
    url = web.url("/shell")
    found = verdicts(check([url, url + "#settings"]))
    assert found[url][0] is Status.OK
    status, reason = found[url + "#settings"]
    assert status is Status.UNVERIFIABLE and "JavaScript" in reason


@pytest.mark.parametrize("path, end", [
    ("/docs/deep/page", "/"),  # a temporary redirect of a deep link to the home page
    ("/docs/moved", "/404"),
    ("/guide/old", "/not-found"),
    ("/articles/gone", "/articles/unavailable"),  # "... isn't available"
])
def test_a_deep_link_redirected_to_home_or_an_error_page_is_a_soft_404(web, path, end):
    url = web.url(path)
    result = check([url]).results[url]
    assert (result.status, result.reason) == (Status.BROKEN, "soft 404")
    assert result.redirects and result.redirects[0].url == url
    assert result.final_url == web.url(end)


@pytest.mark.parametrize("path", ["/index.html", "/en/"])
def test_the_home_page_under_another_name_redirected_home_is_no_soft_404(web, path):
    result = check([web.url(path)]).results[web.url(path)]
    assert result.status in (Status.OK, Status.REDIRECTED), result.reason


def test_no_fix_proposes_an_error_page(web, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.md").write_text(
        f"# Links\n\n[moved]({web.url('/docs/moved')}) [renamed]({web.url('/docs/renamed')})\n",
        encoding="utf-8")
    (tmp_path / "linkcheck.yml").write_text(
        "check: {allow_private: true, retries: 0, timeout: 2, connect_timeout: 1}\n")
    main(["run", "doc.md", "--output-dir", "out", "--no-cache", "-q"])
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    moved = [f for f in report["findings"] if f["rule"] == "moved-permanently"]
    assert [f["replacement"] for f in moved] == [web.url("/docs/new-name")]
    status = {link["url"]: link["status"] for link in report["links"]}
    assert status[web.url("/docs/moved")] == "broken"


def test_a_head_that_never_answers_falls_back_to_get(web):
    url = web.url("/report.pdf")
    started = time.monotonic()
    result = check([url], timeout=0.5, read_timeout=0.5, retries=3).results[url]
    assert result.status is Status.OK
    assert time.monotonic() - started < 5
    assert web.methods("/report.pdf").count("GET") == 1


@pytest.mark.parametrize("path", ["/wall/checking", "/wall/robot", "/wall/999", "/wall/waf"])
def test_bot_walls_are_recognised_by_their_shape(web, path):
    url = web.url(path)
    result = check([url]).results[url]
    assert result.status is Status.UNVERIFIABLE, result.reason
    assert web.hits[path] == 1  # a wall is not retried as an overloaded server


@pytest.mark.parametrize("path", ["/wall/verify", "/wall/script"])
def test_a_fragment_behind_a_200_bot_wall_is_unverifiable(web, path):
    url = web.url(path)
    found = check([url, url + "#install"]).results
    assert found[url].status is Status.UNVERIFIABLE, found[url].reason
    assert found[url + "#install"].status is Status.UNVERIFIABLE


# 6. HTTP as browsers do it


def test_a_utf8_location_is_followed_as_browsers_do(web):
    url = web.url("/utf8-location")
    found = check([url, url + "#menu"]).results
    assert found[url].status is Status.REDIRECTED
    assert found[url].final_url == web.url("/caf%C3%A9")
    assert found[url + "#menu"].status is Status.REDIRECTED


def test_a_body_shorter_than_its_length_is_judged_on_what_arrived(web):
    url = web.url("/short")
    found = verdicts(check([url, url + "#top-part", url + "#missing"], retries=0))
    assert found[url][0] is Status.OK
    assert found[url + "#top-part"][0] is Status.OK
    assert found[url + "#missing"][0] is Status.UNVERIFIABLE  # the rest never came


def test_chains_of_up_to_20_redirects_are_followed(web):
    followed, too_long = web.url("/hops15/15"), web.url("/hops21/21")
    found = check([followed, too_long]).results
    assert found[followed].status is Status.OK and len(found[followed].redirects) == 15
    assert (found[too_long].status, found[too_long].reason) == (
        Status.BROKEN, "too many redirects (more than 20)")
