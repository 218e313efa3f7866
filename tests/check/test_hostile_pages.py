"""Pages crafted to be slow to read, served on loopback: each check ends with a verdict.

html.parser took minutes on some of these (a long run of `<a` or `<!--`, benchmarks/
bench_html.py); the tokenizer reads them in one pass and the page reader has a CPU budget.
"""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from linkcheck.check.remote.checker import check_remote
from linkcheck.config import CheckConfig, Config
from linkcheck.models import Status

SIZE = 1024 * 1024  # under check.max_body_bytes: the whole page is read
PAGES = {
    "/a-run": b"<html><body>" + b"<a" * (SIZE // 2),
    "/a-space-run": b"<html><body>" + b"<a " * (SIZE // 3),
    "/quote-run": b"<html><body>" + b'<a title="' * (SIZE // 10),
    "/comment-run": b"<html><body>" + b"<!--" * (SIZE // 4),
    "/no-title": b"<html><body>" + b"<p>word word word</p>\n" * (64 * 1024 // 22),
    "/deep": b"<html><body>" + b"<div>" * (SIZE // 5) + b'<p id="deep">x</p>',
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        body = PAGES[self.path.split("?")[0]]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def check(urls: list[str]) -> dict:
    config = Config(check=CheckConfig(timeout=10.0, retries=0, deadline=60.0,
                                      allow_private=True))  # the server is on loopback
    return asyncio.run(check_remote(urls, config)).results


@pytest.mark.timeout(30)
def test_crafted_pages_get_their_verdicts(server):
    urls = [f"{server}{path}#missing" for path in PAGES] + [f"{server}/deep#deep"]
    urls += [f"{server}{path}?k=soft" for path in PAGES]  # read for a soft 404 only
    results = check(urls)
    for path in PAGES:
        # Read to the end: nothing in these pages is an element with that id.
        assert results[f"{server}{path}#missing"].status == Status.BROKEN, path
        assert results[f"{server}{path}?k=soft"].status == Status.OK, path
    assert results[f"{server}/deep#deep"].status == Status.OK


def test_a_page_past_its_cpu_budget_leaves_a_late_fragment_unverifiable(server, monkeypatch):
    # 150,000 ids in 2 MB cost about 0.45 s of CPU to read whole: far past a 0.05 s budget.
    from linkcheck.check.remote import page

    PAGES["/many-ids"] = b"<body>" + b"".join(b"<i id=a%d>" % i for i in range(150_000))
    monkeypatch.setattr(page, "BUDGET", 0.05)
    early, late = f"{server}/many-ids#a10", f"{server}/many-ids#a149999"
    results = check([early, late])
    assert results[early].status == Status.OK  # read before the budget ran out
    assert results[late].status == Status.UNVERIFIABLE
    assert results[late].reason.endswith("not in the part of the page read within its CPU "
                                          "budget (0.05 s)")
