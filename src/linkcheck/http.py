"""The HTTP layer: one small httpx client per origin, and httpx's answers as neutral records.

This is the only module that imports httpx (or httpcore), so changing the HTTP library is a
change here alone. Everything else sees `Reply` (an answer, with a bounded body prefix) or
`Failure` (no usable answer, with a `FailureKind`).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import ada_url
import httpcore
import httpx


class FailureKind(StrEnum):
    """Why no usable HTTP answer came back."""

    DNS = "dns"  # the name did not resolve
    REFUSED = "refused"  # the host answered the connection attempt with a reset
    CONNECT = "connect"  # no connection, no clearer cause (unreachable network, ...)
    CONNECT_TIMEOUT = "connect-timeout"
    TIMEOUT = "timeout"  # connected, but no (complete) answer in time
    RESET = "reset"  # the connection dropped mid-exchange
    TLS = "tls"
    PROTOCOL = "protocol"  # not valid HTTP
    INVALID_URL = "invalid-url"
    UNSUPPORTED_SCHEME = "unsupported-scheme"
    PRIVATE_ADDRESS = "private-address"  # refused by the check.allow_private setting
    NO_NETWORK = "no-network"  # concluded for the whole run, not observed on this request
    DEADLINE = "deadline"  # the run deadline passed first


# Failures that say nothing about the network being up: nobody answered at all.
SILENT_FAILURES = frozenset(
    {FailureKind.DNS, FailureKind.CONNECT, FailureKind.CONNECT_TIMEOUT}
)


# Failures that prove something answered (the network is up).
ANSWERED_FAILURES = frozenset(
    {FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.RESET, FailureKind.TLS,
     FailureKind.PROTOCOL, FailureKind.PRIVATE_ADDRESS}
)


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer. `body` is a decoded prefix, never more than the caller's limit."""

    url: str
    status_code: int
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes = b""
    truncated: bool = False  # the body went on past what was read
    undecodable: bool = False  # a content-encoding this module cannot decode

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


Outcome = Reply | Failure

ERROR_BODY_LIMIT = 16 * 1024


class PrivateAddressError(httpcore.ConnectError):
    """A host resolved to an address the configuration refuses (httpx passes it on as the
    cause of its own ConnectError)."""


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects to a checked address.

    Connecting to the address that was checked (not re-resolving) is what stops DNS rebinding.
    TLS still verifies the original host name: httpcore passes it as server_hostname.
    """

    def __init__(self, allow_private: bool, resolver: Resolver,
                 on_connected: Callable[[], None] | None = None) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._resolver = resolver
        self._on_connected = on_connected  # a TCP connection proves the network is up

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        # httpcore maps only its own backend's errors, so ours are mapped the same way here.
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"{host}: DNS lookup timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        if not self._allow_private:
            refused = [a for a in addresses if _is_private(a)]
            if refused:
                raise PrivateAddressError(f"{host} resolves to {refused[0]}")
        last: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
                continue
            if self._on_connected is not None:
                self._on_connected()
            return stream
        raise last or httpcore.ConnectError(f"{host}: no address")

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise PrivateAddressError("unix sockets are not checked")

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        await self._inner.sleep(seconds)


class Resolver:
    """Host name lookups shared by every client of a run: one lookup per name, however many
    connections wait for it (the system resolver runs in a few threads; slow names must not
    queue behind each other). A failed lookup is forgotten so that a retry asks again."""

    def __init__(self, threads: int = 16) -> None:
        self._lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = {}
        self._threads = asyncio.Semaphore(threads)

    async def resolve(self, host: str, port: int) -> list[str]:
        key = (host, port)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = self._lookups[key] = asyncio.ensure_future(self._lookup(host, port))
            lookup.add_done_callback(lambda done: self._forget_failure(key, done))
        return await asyncio.shield(lookup)

    async def _lookup(self, host: str, port: int) -> list[str]:
        async with self._threads:
            infos = await _in_daemon_thread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))

    def _forget_failure(self, key: tuple[str, int], done: asyncio.Future[list[str]]) -> None:
        if done.cancelled() or done.exception() is not None:
            if self._lookups.get(key) is done:
                del self._lookups[key]


async def _in_daemon_thread(function, *args):
    """Run a blocking call in a daemon thread: unlike the loop's executor, a lookup stuck in the
    system resolver does not hold up the end of the run (nor the exit of the program)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def deliver(setter, value) -> None:
        if not future.done():
            setter(value)

    def work() -> None:
        try:
            outcome = (future.set_result, function(*args))
        except Exception as exc:  # handed over to the awaiting coroutine as is
            outcome = (future.set_exception, exc)
        try:
            loop.call_soon_threadsafe(deliver, *outcome)
        except RuntimeError:
            pass  # the loop has closed: nobody is waiting any more

    threading.Thread(target=work, name="linkcheck-dns", daemon=True).start()
    return await future


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


class _NoCookies(httpx.Cookies):
    """The shared per-origin client keeps no cookies: each check carries its own jar. This also
    spares httpx's per-response cookiejar work (a fifth of a request's own cost)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ClientSettings:
    connect_timeout: float
    read_timeout: float
    allow_private: bool
    trust_env: bool = False


@dataclass
class Clients:
    """One small AsyncClient per origin, created lazily, all sharing one SSLContext.

    Measured with httpx 0.28: one big shared pool costs several times more CPU per request than
    small per-host pools, and each client would otherwise load the CA bundle again.
    """

    settings: ClientSettings
    transport: Any = None  # an httpx transport for tests: used for every origin
    _clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    _ssl: ssl.SSLContext | None = None
    on_connected: Callable[[], None] | None = None  # told of every TCP connection made
    _resolver: Resolver = field(default_factory=Resolver)

    def client_for(self, origin: str, connections: int) -> httpx.AsyncClient:
        client = self._clients.get(origin)
        if client is None:
            client = self._clients[origin] = self._new_client(connections)
        return client

    def _new_client(self, connections: int) -> httpx.AsyncClient:
        s = self.settings
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        transport = self.transport
        if transport is None and not s.trust_env:
            transport = self._guarded_transport(connections)
        # With trust_env, httpx builds its own transports so that HTTP(S)_PROXY applies; the
        # proxy then resolves names, and the private-address guard cannot see the addresses.
        client = httpx.AsyncClient(
            transport=transport,
            verify=self._ssl,
            limits=httpx.Limits(max_connections=connections),
            follow_redirects=False,
            trust_env=s.trust_env,
        )
        client._cookies = _NoCookies()  # the `cookies` setter would copy it into a plain jar
        return client

    def request(self, method: str, url: str, headers: Mapping[str, str]) -> httpx.Request:
        """A request built directly: the client's merging of defaults (URL, cookies, headers)
        costs more than the rest of our bookkeeping, and every header is set here anyway."""
        s = self.settings
        timeout = httpx.Timeout(s.read_timeout, connect=s.connect_timeout).as_dict()
        return httpx.Request(method, url, headers=headers, extensions={"timeout": timeout})

    def _guarded_transport(self, connections: int) -> httpx.AsyncHTTPTransport:
        s = self.settings
        transport = httpx.AsyncHTTPTransport(verify=self._ssl, trust_env=s.trust_env)
        # httpx does not expose httpcore's network_backend; the pool is swapped for one that
        # has it (same settings httpx would use) so every connection goes through the guard.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl,
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(s.allow_private, self._resolver, self.on_connected),
        )
        return transport

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class CookieJar:
    """The cookies of one check, kept along its redirect chain (http.cookiejar's domain rules)."""

    def __init__(self) -> None:
        self._cookies = httpx.Cookies()

    def signature(self) -> tuple[tuple[str, str, str], ...]:
        """What the jar holds: a redirect back to a URL is a loop only if this did not change."""
        return tuple(sorted((c.domain, c.name, c.value or "") for c in self._cookies.jar))

    def _apply(self, request: httpx.Request) -> None:
        if self._cookies.jar:  # most checks never get a cookie: skip the cookiejar machinery
            self._cookies.set_cookie_header(request)

    def _store(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            self._cookies.extract_cookies(response)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request to send: method, URL, headers, and how much of the body to read."""

    method: str
    url: str
    headers: Mapping[str, str]
    body_limit: int = 0  # decoded bytes to read; 0 reads nothing
    total_timeout: float = 20.0
    connections: int = 4  # the host's concurrency: the size of its connection pool


@functools.lru_cache(maxsize=16384)  # asked several times per request; parsing is not free
def origin_of(url: str) -> str | None:
    """scheme://host:port of a URL, the key of its client and of its politeness; None if invalid."""
    if not ada_url.check_url(url):  # the WHATWG parser: what browsers would refuse
        return None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, 0)
    return f"{parsed.scheme}://{parsed.host}:{port}"


async def fetch(clients: Clients, spec: RequestSpec, jar: CookieJar) -> Outcome:
    """Send one request (no redirects followed) and read at most `body_limit` decoded bytes."""
    origin = origin_of(spec.url)
    if origin is None:
        scheme = spec.url.partition(":")[0].lower()
        if scheme.isalpha() and scheme not in ("http", "https"):
            return Failure(FailureKind.UNSUPPORTED_SCHEME, scheme)
        return Failure(FailureKind.INVALID_URL, spec.url)
    try:
        client = clients.client_for(origin, spec.connections)
        request = clients.request(spec.method, spec.url, spec.headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
        return Failure(FailureKind.INVALID_URL, str(exc))
    jar._apply(request)
    try:
        async with asyncio.timeout(spec.total_timeout):
            response = await client.send(request, stream=True)
            try:
                jar._store(response)
                if spec.method == "HEAD":
                    await response.aread()  # no body: this ends the exchange, so the
                    # connection goes back to the pool instead of being closed
                # An error page is read only far enough to recognise a bot challenge.
                limit = spec.body_limit
                if not 200 <= response.status_code < 300:
                    limit = min(limit, ERROR_BODY_LIMIT)
                body, truncated, undecodable = await _read_prefix(response, limit)
            finally:
                await response.aclose()
    except TimeoutError:
        return Failure(FailureKind.TIMEOUT, f"no answer within {spec.total_timeout:g} s")
    except httpx.HTTPError as exc:
        return _failure(exc)
    headers = {k.lower(): ", ".join(response.headers.get_list(k)) for k in response.headers}
    return Reply(spec.url, response.status_code, headers, body, truncated, undecodable)


async def _read_prefix(response: httpx.Response, limit: int) -> tuple[bytes, bool, bool]:
    """Read raw bytes and decode them here, so neither side ever passes `limit` (gzip bombs)."""
    if limit <= 0:
        return b"", False, False
    try:
        content = response.content  # already in memory: a response built by a mock transport
    except httpx.ResponseNotRead:
        pass
    else:
        return content[:limit], len(content) > limit, False
    decoder = _decoder(response.headers.get("content-encoding", ""))
    if decoder is None:
        return b"", True, True
    chunks: list[bytes] = []
    size = raw = 0
    async for chunk in response.aiter_raw():
        raw += len(chunk)
        data = decoder(chunk, limit - size)
        chunks.append(data)
        size += len(data)
        if size >= limit or raw >= limit:
            return b"".join(chunks)[:limit], True, False
    return b"".join(chunks), False, False


def _decoder(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk, room: chunk[:room] if room < len(chunk) else chunk
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    # wbits 47: accept a gzip or zlib header; max_length bounds what one chunk may expand to.
    inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)

    def decode(chunk: bytes, room: int) -> bytes:
        try:
            return inflater.decompress(chunk, max(room, 1))
        except zlib.error:
            return b""

    return decode


_TIMEOUT_DETAILS = {
    httpx.ReadTimeout: "no data within the read timeout",
    httpx.WriteTimeout: "request not sent within the timeout",
    httpx.PoolTimeout: "no free connection within the timeout",
}


def _failure(exc: httpx.HTTPError) -> Failure:
    chain = _causes(exc)
    cause = chain[-1] if len(chain) > 1 else exc
    detail = str(cause) or str(exc) or type(cause).__name__

    def caused_by(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if caused_by(PrivateAddressError):
        return Failure(FailureKind.PRIVATE_ADDRESS, str(exc))
    if isinstance(exc, httpx.ConnectTimeout):
        return Failure(FailureKind.CONNECT_TIMEOUT, detail)
    if isinstance(exc, httpx.TimeoutException):
        return Failure(FailureKind.TIMEOUT, _TIMEOUT_DETAILS.get(type(exc), detail))
    if isinstance(exc, (httpx.UnsupportedProtocol,)):
        return Failure(FailureKind.UNSUPPORTED_SCHEME, detail)
    if isinstance(exc, httpx.InvalidURL):
        return Failure(FailureKind.INVALID_URL, detail)
    if caused_by(socket.gaierror):
        return Failure(FailureKind.DNS, detail)
    if caused_by(ssl.SSLError):
        return Failure(FailureKind.TLS, detail)
    if caused_by(ConnectionRefusedError):
        return Failure(FailureKind.REFUSED, detail)
    if isinstance(exc, httpx.ConnectError):
        return Failure(FailureKind.CONNECT, detail)
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return Failure(FailureKind.RESET, detail)  # the connection dropped under us
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in str(exc) or caused_by(ConnectionResetError, BrokenPipeError):
            return Failure(FailureKind.RESET, str(exc))
        return Failure(FailureKind.PROTOCOL, str(exc))
    if isinstance(exc, (httpx.DecodingError, httpx.ProtocolError)):
        return Failure(FailureKind.PROTOCOL, detail)
    return Failure(FailureKind.CONNECT, detail)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what led to it: httpx, httpcore and anyio each wrap the OS error."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:  # both links are followed: wrappers (respx, anyio) keep one or the other
        current = pending.pop(0)
        if any(current is seen for seen in chain):
            continue
        chain.append(current)
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return chain
