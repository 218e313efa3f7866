"""httpx's exceptions become FailureKinds in one place (http._failure); bodies stay bounded."""

from __future__ import annotations

import gzip
import socket
import ssl

import httpx
import pytest

from linkcheck.http import FailureKind, _decoder, _failure, origin_of


def caused(exc: httpx.HTTPError, cause: BaseException) -> httpx.HTTPError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise exc from inner
    except httpx.HTTPError as outer:
        return outer


@pytest.mark.parametrize(
    "exc, kind",
    [
        (caused(httpx.ConnectError("x"), socket.gaierror(-2, "Name or service not known")),
         FailureKind.DNS),
        (caused(httpx.ConnectError("x"), ConnectionRefusedError(111, "refused")),
         FailureKind.REFUSED),
        (caused(httpx.ConnectError("x"), ssl.SSLCertVerificationError("bad cert")),
         FailureKind.TLS),
        (httpx.ConnectError("unreachable"), FailureKind.CONNECT),
        (httpx.ConnectTimeout("x"), FailureKind.CONNECT_TIMEOUT),
        (httpx.ReadTimeout("x"), FailureKind.TIMEOUT),
        (caused(httpx.ReadError("x"), ConnectionResetError(104, "reset")), FailureKind.RESET),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."),
         FailureKind.RESET),
        (httpx.RemoteProtocolError("illegal status line"), FailureKind.PROTOCOL),
        (httpx.UnsupportedProtocol("ftp"), FailureKind.UNSUPPORTED_SCHEME),
    ],
)
def test_exceptions_map_to_failure_kinds(exc, kind):
    assert _failure(exc).kind is kind


def test_a_read_timeout_says_what_timed_out():
    assert _failure(httpx.ReadTimeout("")).detail == "no data within the read timeout"


def test_decoding_never_expands_past_the_room_left():
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    decode = _decoder("gzip")
    out = decode(bomb, 1000)
    assert len(out) == 1000
    assert _decoder("br") is None  # not asked for, so not decoded: the body is left unread
    assert _decoder("")(b"abcdef", 3) == b"abc"


def test_origins():
    assert origin_of("https://Example.test/a?b#c") == "https://example.test:443"
    assert origin_of("http://example.test:8080/") == "http://example.test:8080"
    assert origin_of("mailto:someone@example.test") is None
    assert origin_of("https://exa mple.test/") is None
