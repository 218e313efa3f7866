"""One request sent (no redirects followed) and its body read to a bound, decoded here."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import httpcore

from .cookies import CookieJar
from .decoding import decoder_for
from .errors import HTTP_ERRORS, failure_of, forget_frames
from .outcome import Failure, FailureKind, Outcome, Reply
from .pool import Clients
from .target import DEFAULT_PORTS, parse_target

ERROR_BODY_LIMIT = 16 * 1024
# What is left of a body after its prefix is read and discarded, when it is this short, so the
# connection can serve the next request: a new TLS handshake costs more than reading this much.
DRAIN_BYTES = 128 * 1024
DRAIN_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request to send: method, URL, headers, and how much of the body to read."""

    method: str
    url: str
    headers: Mapping[str, str]
    body_limit: int = 0  # decoded bytes to read; 0 reads nothing
    total_timeout: float = 20.0
    connections: int = 4  # the host's concurrency: the size of its connection pool
    netrc: bool = True  # netrc credentials may go along (the caller's rule for credentials)


async def fetch(clients: Clients, spec: RequestSpec, jar: CookieJar) -> Outcome:
    """Send one request (no redirects followed) and read at most `body_limit` decoded bytes."""
    target = parse_target(spec.url)
    if target is None:
        scheme = spec.url.partition(":")[0].lower()
        if scheme.isalpha() and scheme not in DEFAULT_PORTS:
            return Failure(FailureKind.UNSUPPORTED_SCHEME, scheme)
        return Failure(FailureKind.INVALID_URL, spec.url)
    request = clients.request(spec.method, target, spec.headers, jar.header_for(spec.url),
                              netrc=spec.netrc)
    pool = clients.pool_for(target, spec.connections)
    deadline = asyncio.get_running_loop().time() + spec.total_timeout
    response: httpcore.Response | None = None
    headers: dict[str, str] = {}
    body = _Body()
    try:  # one deadline for the answer and its body: what it cuts short tells which it was
        async with asyncio.timeout_at(deadline):
            response = await pool.handle_async_request(request)
            jar.store(spec.url, response.headers)
            headers = _header_dict(response.headers)
            # An error page is read only far enough to recognise a bot challenge.
            limit = spec.body_limit
            if not 200 <= response.status < 300:
                limit = min(limit, ERROR_BODY_LIMIT)
            await body.read(response, headers, limit, deadline)
    except TimeoutError:
        if response is None:
            return Failure(FailureKind.TIMEOUT, f"no answer within {spec.total_timeout:g} s")
        body.cut_off(None)
    except HTTP_ERRORS as exc:
        failure = failure_of(forget_frames(exc))
        if response is None:
            return failure
        body.cut_off(failure)
    finally:
        if response is not None:
            await response.aclose()
    return Reply(spec.url, response.status, headers, body.data, body.truncated,
                 body.undecodable, body.cut_short)


async def _drain(stream: AsyncIterator[bytes], headers: Mapping[str, str], read: int,
                 deadline: float) -> None:
    """Read the rest of a short body (`read` raw bytes are in) so its connection goes back to
    the pool; a long or slow body, or any error, leaves the connection to be closed and never
    changes the answer, which is already known."""
    length = headers.get("content-length", "")
    left = int(length) - read if length.isdigit() else 0  # 0: unknown, read up to the bound
    if left > DRAIN_BYTES:
        return
    if deadline - asyncio.get_running_loop().time() < 2 * DRAIN_SECONDS:
        return  # the drain must never be what makes the request time out
    drained = 0
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            async for chunk in stream:
                drained += len(chunk)
                if drained > DRAIN_BYTES:
                    return
    except (TimeoutError, *HTTP_ERRORS):
        return


def _header_dict(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = _location_text(value) if key == "location" else value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _location_text(value: bytes) -> str:
    """A Location as browsers read it: raw UTF-8 where it is valid UTF-8 (the URL parser then
    percent-encodes it), else byte for byte."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class _Body:
    """The body prefix read so far: once the status is known, a body that stalls or stops
    early leaves what arrived, to be judged on that (the status is not lost with it)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.truncated = self.undecodable = False
        self.cut_short = ""

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def cut_off(self, failure: Failure | None) -> None:
        """The body stopped early: the deadline passed (None), or the exchange failed."""
        self.truncated = True
        self.cut_short = ("not read in time" if failure is None
                          or failure.kind is FailureKind.TIMEOUT else "ended early")

    async def read(self, response: httpcore.Response, headers: Mapping[str, str],
                    limit: int, deadline: float) -> None:
        """Raw bytes decoded here, so neither side ever passes `limit` (gzip bombs).

        One iterator over the body serves the prefix and the drain after it: a second iterator
        would let the first one's clean-up close the connection under the drain."""
        stream = aiter(response.stream)  # type: ignore[call-overload]
        if limit <= 0:
            async for _ in stream:  # a HEAD answer has no body: this ends the exchange, so
                pass  # the connection goes back to the pool instead of being closed
            return
        decoder = decoder_for(headers.get("content-encoding", ""))
        if decoder is None:
            self.truncated = self.undecodable = True
            await _drain(stream, headers, 0, deadline)
            return
        size = raw = 0
        try:
            async for chunk in stream:
                raw += len(chunk)
                data = decoder(chunk, limit - size)
                self.chunks.append(data)
                size += len(data)
                if size >= limit or raw >= limit:
                    self.chunks, self.truncated = [self.data[:limit]], True
                    await _drain(stream, headers, raw, deadline)
                    return
        except zlib.error:  # a corrupt body (or raw deflate): what it holds is unknown
            self.chunks, self.truncated, self.undecodable = [], True, True
