"""The HTTP layer's small parts: httpcore's exceptions become FailureKinds in one place
(http/errors.py), URLs become request targets, bodies stay bounded, cookies follow their rules,
proxies come from the environment only with trust_env, and an httpx transport can stand in;
and each host's concurrency halves after a 429 and grows back slowly (check/remote/hosts.py)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import zlib

import httpcore
import httpx
import pytest
from httpx_pool import HttpxTransportPool

from linkcheck.check.remote.hosts import ConcurrencyLimit, Hosts, host_settings
from linkcheck.config import CheckConfig, HostConfig
from linkcheck.http.cookies import CookieJar
from linkcheck.http.decoding import decoder_for
from linkcheck.http.errors import failure_of
from linkcheck.http.outcome import FailureKind
from linkcheck.http.pool import Clients, ClientSettings
from linkcheck.http.proxies import netrc_auth, proxy_for
from linkcheck.http.target import origin_of, parse_target


def caused(exc: Exception, cause: BaseException) -> Exception:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise exc from inner
    except Exception as outer:
        return outer


def _verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, message)
    error.verify_code = code
    return error


@pytest.mark.parametrize(
    "exc, kind",
    [
        (caused(httpcore.ConnectError("x"), socket.gaierror(-3, "Temporary failure")),
         FailureKind.DNS),
        (caused(httpcore.ConnectError("x"), socket.gaierror(-2, "Name or service not known")),
         FailureKind.NO_SUCH_DOMAIN),
        (caused(httpcore.ConnectError("x"), _verify_error(20, "unable to get local issuer")),
         FailureKind.INCOMPLETE_CHAIN),
        (caused(httpcore.ConnectError("x"), _verify_error(10, "certificate has expired")),
         FailureKind.TLS),
        (caused(httpcore.ConnectError("x"), ConnectionResetError(104, "reset")),
         FailureKind.RESET),  # dropped during the TLS handshake (a proxy's tunnel, say)
        (caused(httpcore.ConnectError("x"), ssl.SSLEOFError(8, "EOF in violation of protocol")),
         FailureKind.RESET),
        (caused(httpcore.ConnectError("x"), ConnectionRefusedError(111, "refused")),
         FailureKind.REFUSED),
        (caused(httpcore.ConnectError("x"), ssl.SSLCertVerificationError("bad cert")),
         FailureKind.TLS),
        (httpcore.ConnectError("unreachable"), FailureKind.CONNECT),
        (httpcore.ProxyError("proxy refused the tunnel"), FailureKind.CONNECT),
        (httpcore.ConnectTimeout("x"), FailureKind.CONNECT_TIMEOUT),
        (httpcore.ReadTimeout("x"), FailureKind.TIMEOUT),
        (httpcore.PoolTimeout("x"), FailureKind.TIMEOUT),
        (caused(httpcore.ReadError("x"), ConnectionResetError(104, "reset")), FailureKind.RESET),
        (httpcore.WriteError("broken pipe"), FailureKind.RESET),
        (httpcore.RemoteProtocolError("Server disconnected without sending a response."),
         FailureKind.RESET),
        (httpcore.RemoteProtocolError("illegal status line"), FailureKind.PROTOCOL),
        (httpcore.LocalProtocolError("Illegal header value b'a\\nb'"), FailureKind.INVALID_URL),
        (httpcore.UnsupportedProtocol("ftp"), FailureKind.UNSUPPORTED_SCHEME),
    ],
)
def test_exceptions_map_to_failure_kinds(exc, kind):
    assert failure_of(exc).kind is kind


def test_timeouts_say_what_timed_out():
    assert failure_of(httpcore.ReadTimeout("")).detail == "no data within the read timeout"
    assert failure_of(httpcore.PoolTimeout("")).detail == "no free connection within the timeout"


def test_decoding_never_expands_past_the_room_left():
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    decode = decoder_for("gzip")
    out = decode(bomb, 1000)
    assert len(out) == 1000
    assert decoder_for("br") is None  # not asked for, so not decoded: the body is left unread
    assert decoder_for("")(b"abcdef", 3) == b"abc"


def test_deflate_is_decoded_with_or_without_zlib_header():
    page = b"<title>deflated</title>" * 50
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_body = raw.compress(page) + raw.flush()
    assert decoder_for("deflate")(zlib.compress(page), 10_000) == page
    assert decoder_for("deflate")(raw_body, 10_000) == page
    with pytest.raises(zlib.error):  # a corrupt body stays an error: _read_prefix says so
        decoder_for("gzip")(b"not gzip", 10_000)


def test_origins():
    assert origin_of("https://Example.test/a?b#c") == "https://example.test:443"
    assert origin_of("http://example.test:8080/") == "http://example.test:8080"
    assert origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    assert origin_of("mailto:someone@example.test") is None
    assert origin_of("https://exa mple.test/") is None
    assert origin_of("http://[::1/") is None


@pytest.mark.parametrize("url", [
    "https://Example.test/a?b#c", "http://a.test:80?x", "http://a.test#f", "http://a.test",
    "https://a.test:0443/p\\q", "http://a.test:99999/x", "http://a.test:/x", "https://1.2.3/x",
    "http://0x7f.1/", "http://999.999.999.999/", "http://a..b/", "http://:80/", "https://a:b/",
    "http://a.test/%zz\x01\t é", "http://a.test\\b.test/", "http://u@a.test/", "HTTP://a.test/",
])
def test_an_origin_read_from_its_authority_is_the_one_the_parser_gives(url):
    target = parse_target(url)
    assert origin_of(url) == (target.origin if target else None)


def test_host_settings_match_keys_whatever_their_case():
    exact, suffix = HostConfig(soft_404=False), HostConfig(concurrency=1)
    hosts = {"Docs.Example.test": exact, ".Example.test": suffix}
    assert host_settings(hosts, "docs.example.test") == ("Docs.Example.test", exact)
    assert host_settings(hosts, "api.example.test") == (".Example.test", suffix)
    assert host_settings(hosts, "example.test") == (".Example.test", suffix)
    assert host_settings(hosts, "badexample.test") == ("", HostConfig())


def test_targets_are_what_the_request_line_and_host_header_need():
    target = parse_target("https://bücher.test/ä b?q=1#frag")
    assert (target.host, target.port, target.host_header, target.path) == (
        "xn--bcher-kva.test", 443, "xn--bcher-kva.test", b"/%C3%A4%20b?q=1")
    ipv6 = parse_target("http://[::1]:8080")
    assert (ipv6.host, ipv6.host_header, ipv6.path) == ("::1", "[::1]:8080", b"/")
    assert parse_target("http://a.test:80/x").host_header == "a.test"  # default port left out


def test_credentials_in_a_url_go_to_its_own_origin_as_basic_auth():
    clients = Clients(ClientSettings(1.0, 1.0, allow_private=True))
    target = parse_target("https://user:p%40ss@a.test/private")
    request = clients.request("GET", target, {"User-Agent": "ua"}, cookie=None)
    headers = dict(request.headers)
    assert headers[b"Authorization"] == b"Basic dXNlcjpwQHNz"  # user:p@ss
    assert headers[b"Host"] == b"a.test"
    plain = clients.request("GET", parse_target("https://a.test/"), {}, cookie=None)
    assert b"Authorization" not in dict(plain.headers)


def test_cookies_follow_their_domain_and_change_the_signature():
    jar = CookieJar()
    assert jar.signature() == () and jar.header_for("https://a.test/") is None
    jar.store("https://a.test/login", [(b"Set-Cookie", b"session=1; Path=/"),
                                       (b"Content-Type", b"text/html")])
    assert jar.header_for("https://a.test/next") == "session=1"
    assert jar.header_for("https://other.test/") is None
    assert jar.signature() == (("a.test", "session", "1"),)


def test_proxies_come_from_the_environment_and_no_proxy_is_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", "internal.test")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    proxy = proxy_for(parse_target("https://a.test/"))
    assert proxy is not None and (proxy.host, proxy.port) == ("proxy.test", 3128)
    assert proxy.authorization is None
    assert proxy_for(parse_target("https://internal.test/")) is None
    assert proxy_for(parse_target("http://a.test/")) is None  # no HTTP_PROXY set
    monkeypatch.setenv("HTTP_PROXY", "user:p%40ss@corp-proxy.test:8080")
    proxy = proxy_for(parse_target("http://a.test/"))
    assert proxy is not None and (proxy.host, proxy.port) == ("corp-proxy.test", 8080)
    assert proxy.authorization == "Basic dXNlcjpwQHNz"  # user:p@ss


def test_an_httpx_transport_stands_in_with_its_errors_mapped():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "down.test":
            try:
                raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
            except socket.gaierror as exc:
                raise httpx.ConnectError("no such name", request=request) from exc
        body = gzip.compress(b"<title>hi</title>")
        return httpx.Response(200, headers={"content-encoding": "gzip", "x-seen":
                                            request.headers["host"]}, content=body)

    async def scenario() -> tuple[httpcore.Response, bytes, Exception]:
        pool = HttpxTransportPool(httpx.MockTransport(handler))
        clients = Clients(ClientSettings(1.0, 1.0, allow_private=True))
        response = await pool.handle_async_request(
            clients.request("GET", parse_target("https://up.test/x"), {}, None))
        body = b"".join([chunk async for chunk in response.aiter_stream()])
        try:
            await pool.handle_async_request(
                clients.request("GET", parse_target("https://down.test/"), {}, None))
        except httpcore.ConnectError as exc:
            return response, body, exc
        raise AssertionError("no error raised")

    response, body, error = asyncio.run(scenario())
    assert dict(response.headers)[b"x-seen"] == b"up.test"
    assert gzip.decompress(body) == b"<title>hi</title>"  # raw, as on the wire
    assert failure_of(error).kind is FailureKind.DNS


def test_netrc_credentials_go_only_to_their_own_host_and_only_with_trust_env(tmp_path,
                                                                            monkeypatch):
    netrc_file = tmp_path / ".netrc"
    netrc_file.write_text("machine a.test login user password pw\n")
    netrc_file.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    netrc_auth.cache_clear()
    trusting = Clients(ClientSettings(1.0, 1.0, allow_private=True, trust_env=True))
    plain = Clients(ClientSettings(1.0, 1.0, allow_private=True))
    try:
        def auth(clients: Clients, url: str) -> bytes | None:
            request = clients.request("GET", parse_target(url), {}, cookie=None)
            return dict(request.headers).get(b"Authorization")

        assert auth(trusting, "https://a.test/x") == b"Basic dXNlcjpwdw=="  # user:pw
        assert auth(trusting, "https://b.test/x") is None
        assert auth(plain, "https://a.test/x") is None
    finally:
        netrc_auth.cache_clear()


def test_a_complaint_halves_the_limit_once_per_backoff_and_never_below_one():
    limit = ConcurrencyLimit(8)
    assert limit.overloaded(now=0.0, until=1.0) and limit.limit == 4
    assert not limit.overloaded(now=0.5, until=1.5)  # sent before the cut: nothing new
    assert limit.limit == 4
    assert limit.overloaded(now=1.0, until=2.0) and limit.limit == 2
    for now in (2.0, 3.0, 4.0):
        limit.overloaded(now, now + 1)
    assert limit.limit == 1


def test_answers_raise_the_limit_slowly_and_never_past_the_configured_one():
    limit = ConcurrencyLimit(3, limit=1)
    grown = [limit.succeeded() for _ in range(3)]
    assert grown == [True, False, True] and limit.limit == 3  # one more per `limit` answers
    assert not any(limit.succeeded() for _ in range(50)) and limit.limit == 3


def test_the_limit_that_drew_a_complaint_is_probed_only_after_a_long_calm():
    limit = ConcurrencyLimit(8, limit=6)
    limit.overloaded(now=0.0, until=1.0)  # at 6: down to 3
    assert sum(limit.succeeded() for _ in range(3 + 4)) == 2 and limit.limit == 5
    assert sum(limit.succeeded() for _ in range(5 * ConcurrencyLimit.PROBE_RUNS - 1)) == 0
    assert limit.succeeded() and limit.limit == 6
    limit.successes = 5  # a complaint wipes out the run of answers
    limit.overloaded(now=9.0, until=10.0)
    assert limit.successes == 0 and limit.limit == 3


class SteppedClock:
    def __init__(self) -> None:
        self.time = 100.0

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds
        await asyncio.sleep(0)


def test_after_a_429_fewer_requests_start_and_none_before_the_backoff_ends():
    clock = SteppedClock()
    hosts = Hosts(CheckConfig(per_host=4), None, clock.now, clock.sleep)
    host = hosts.get("https://crowded.test/")
    assert host is not None
    started: list[float] = []
    in_flight = [0, 0]  # now, most

    async def request(release: asyncio.Event) -> None:
        async with hosts.slot(host):
            started.append(clock.now())
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            await release.wait()
            in_flight[0] -= 1

    async def scenario() -> None:
        first = asyncio.Event()
        burst = [asyncio.create_task(request(first)) for _ in range(4)]
        await asyncio.sleep(0)
        hosts.back_off(host, 2.0)  # one of the four got a 429
        first.set()
        await asyncio.gather(*burst)
        in_flight[1] = 0
        later = asyncio.Event()
        after = [asyncio.create_task(request(later)) for _ in range(4)]
        for _ in range(5):
            await asyncio.sleep(0)
        assert in_flight[0] == 2  # the halved limit
        later.set()
        await asyncio.gather(*after)

    asyncio.run(scenario())
    assert started[:4] == [100.0] * 4
    assert all(t >= 102.0 for t in started[4:])
    assert in_flight[1] == 2
    assert host.slots.limit.limit == 3  # two answers at 2 in flight earn one more place


def test_a_backoff_that_begins_while_waiting_for_a_global_place_is_waited_out():
    clock = SteppedClock()
    hosts = Hosts(CheckConfig(per_host=2, max_concurrency=1), None, clock.now, clock.sleep)
    busy, waiting = hosts.get("https://a.test/"), hosts.get("https://b.test/")
    assert busy is not None and waiting is not None
    started: list[float] = []

    async def scenario() -> None:
        release = asyncio.Event()

        async def hold() -> None:
            async with hosts.slot(busy):
                await release.wait()

        async def wait_turn() -> None:
            async with hosts.slot(waiting):
                started.append(clock.now())

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(wait_turn())
        await asyncio.sleep(0)  # it holds its host's slot and waits for the global one
        hosts.back_off(waiting, 3.0)
        release.set()
        await asyncio.gather(holder, waiter)

    asyncio.run(scenario())
    assert started == [103.0]


def test_a_request_cancelled_while_waiting_for_its_host_gives_no_place_away():
    hosts = Hosts(CheckConfig(per_host=1), None, lambda: 0.0, asyncio.sleep)
    host = hosts.get("https://one.test/")
    assert host is not None

    async def scenario() -> int:
        release = asyncio.Event()

        async def hold() -> None:
            async with hosts.slot(host):
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        queued = asyncio.create_task(hold())
        await asyncio.sleep(0)
        queued.cancel()
        release.set()
        await holder
        await asyncio.gather(queued, return_exceptions=True)
        return host.slots.in_flight

    assert asyncio.run(scenario()) == 0
