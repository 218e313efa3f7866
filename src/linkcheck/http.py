"""The HTTP layer: one small httpcore connection pool per origin, and answers as neutral records.

This is the only module that imports httpcore (or httpx), so changing the HTTP library is a
change here alone. Everything else sees `Reply` (an answer, with a bounded body prefix) or
`Failure` (no usable answer, with a `FailureKind`).

httpcore is driven directly rather than through httpx: every header is chosen by the caller,
redirects, cookies and decoding are done here, so httpx's request and response models only
added cost (about a third of a request's CPU time on a loopback benchmark). For the same reason
connections are asyncio streams (not anyio's) and each origin's pool is a small one of our own.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import email.message
import functools
import ipaddress
import select
import socket
import ssl
import threading
import zlib
from collections.abc import AsyncIterable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

import ada_url
import httpcore

if TYPE_CHECKING:  # imported where used: most runs never meet a cookie, a proxy or .netrc
    import http.cookiejar


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
    undecodable: bool = False  # a content-encoding this module cannot decode, or a corrupt body

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type names, if Python knows it."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                try:
                    return codecs.lookup(value.strip().strip('"')).name
                except LookupError:
                    return None
        return None

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


Outcome = Reply | Failure

ERROR_BODY_LIMIT = 16 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Everything httpcore raises for a failed exchange (its exceptions share no base class).
HTTP_ERRORS = (httpcore.NetworkError, httpcore.TimeoutException, httpcore.ProtocolError,
               httpcore.UnsupportedProtocol, httpcore.ProxyError)


class PrivateAddressError(httpcore.ConnectError):
    """A host resolved to an address the configuration refuses."""


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects to a checked address.

    Connecting to the address that was checked (not re-resolving) is what stops DNS rebinding.
    TLS still verifies the original host name: httpcore passes it as server_hostname.
    """

    def __init__(self, allow_private: bool, resolver: Resolver,
                 on_connected: Callable[[], None] | None = None,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or _AsyncioBackend()
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


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """httpcore's network stream on asyncio's own streams.

    httpcore's default (anyio) stream spends more on cancel scopes and attribute lookups than
    on the reads and writes themselves; this one needs one asyncio.timeout per call.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("no data within the read timeout") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("request not sent within the timeout") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()  # no wait for the peer: a TLS close_notify is not worth a stall

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from forget_frames(exc)
        except (OSError, ssl.SSLError) as exc:  # a refused certificate stays the cause: TLS
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from forget_frames(exc)
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle pooled connection: has the server left?
            return self._reader.at_eof() or _socket_readable(self._writer.get_extra_info("socket"))
        names = {"ssl_object": "ssl_object", "client_addr": "sockname",
                 "server_addr": "peername", "socket": "socket"}
        return self._writer.get_extra_info(names[info]) if info in names else None


def _socket_readable(sock: Any) -> bool:
    if sock is None:
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class _AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connects with asyncio.open_connection; errors mapped as httpcore's own backends do."""

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"{host}:{port}: connection timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _AsyncioStream(reader, writer)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not checked")

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        await asyncio.sleep(seconds)


class Resolver:
    """Host name lookups shared by every pool of a run: one lookup per name, however many
    connections wait for it (the system resolver runs in a few threads; slow names must not
    queue behind each other). A failed lookup is forgotten so that a retry asks again."""

    def __init__(self, threads: int = 16) -> None:
        self._lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = {}
        self._threads = asyncio.Semaphore(threads)

    async def resolve(self, host: str, port: int) -> list[str]:
        if _is_ip_literal(host):  # nothing to look up: spares a thread per connection
            return [host]
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


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True, slots=True)
class Target:
    """A URL split the way a request needs it, parsed once (the WHATWG parser, as browsers)."""

    scheme: str
    host: str  # what to connect to: an IPv6 address without its brackets
    port: int
    origin: str  # scheme://host:port, the key of its pool and of its politeness
    host_header: str  # host[:port] as the Host header carries it (default port left out)
    path: bytes  # path and query: what the request line asks for
    basic_auth: str | None = None  # from user:password@ in the URL, for this origin only


@functools.lru_cache(maxsize=16384)  # asked several times per request; parsing is not free
def parse_target(url: str) -> Target | None:
    """The parts of an http(s) URL, or None if it is invalid or of another scheme."""
    try:
        href = ada_url.normalize_url(url)  # the WHATWG parser: what browsers would refuse
    except ValueError:
        return None
    # A normalised URL splits unambiguously (and ada's own accessors cost more than this).
    parts = urlsplit(href)
    hostname = parts.hostname
    if parts.scheme not in _DEFAULT_PORTS or not hostname:
        return None
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    host_header = parts.netloc.rpartition("@")[2]
    bracketed = f"[{hostname}]" if ":" in hostname else hostname
    path = href[len(parts.scheme) + 3 + len(parts.netloc):].partition("#")[0] or "/"
    return Target(parts.scheme, hostname, port, f"{parts.scheme}://{bracketed}:{port}",
                  host_header, path.encode("ascii"), _basic_auth(parts.username, parts.password))


def _basic_auth(username: str | None, password: str | None) -> str | None:
    if not username and not password:
        return None
    pair = f"{unquote(username or '')}:{unquote(password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def origin_of(url: str) -> str | None:
    """scheme://host:port of a URL, the key of its pool and of its politeness; None if invalid."""
    target = parse_target(url)
    return target.origin if target else None


@dataclass(frozen=True, slots=True)
class ClientSettings:
    connect_timeout: float
    read_timeout: float
    allow_private: bool
    trust_env: bool = False


class Pool(Protocol):
    """What a request is sent through: an httpcore connection pool, or a stand-in for tests."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response: ...

    async def aclose(self) -> None: ...


@dataclass
class Clients:
    """One small connection pool per origin (an OriginPool), created lazily, all sharing one
    SSLContext (which loads the CA bundle once), and how requests are built for them."""

    settings: ClientSettings
    transport: Any = None  # an httpx transport for tests: used for every origin
    on_connected: Callable[[], None] | None = None  # told of every TCP connection made
    _pools: dict[str, Pool] = field(default_factory=dict)
    _ssl: ssl.SSLContext | None = None
    _resolver: Resolver = field(default_factory=Resolver)
    _timeouts: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.settings
        # httpx's Timeout(read, connect=connect): writes and the wait for a connection get the
        # read timeout. One dict for every request: httpcore only reads it.
        self._timeouts = {"connect": s.connect_timeout, "read": s.read_timeout,
                          "write": s.read_timeout, "pool": s.read_timeout}
        if self.transport is not None:
            self.transport = HttpxTransportPool(self.transport)

    def pool_for(self, target: Target, connections: int) -> Pool:
        pool = self._pools.get(target.origin)
        if pool is None:
            pool = self._pools[target.origin] = self._new_pool(target, connections)
        return pool

    def request(self, method: str, target: Target, headers: Mapping[str, str],
                cookie: str | None) -> httpcore.Request:
        """Headers as the caller chose them, plus what HTTP/1.1 requires (Host) and what the
        URL carries (credentials for this origin, the jar's cookies)."""
        fields = [("Host", target.host_header), *headers.items()]
        if target.basic_auth is not None:
            fields.append(("Authorization", target.basic_auth))
        elif self.settings.trust_env and (netrc_auth := _netrc_auth(target.host)) is not None:
            fields.append(("Authorization", netrc_auth))
        if cookie is not None:
            fields.append(("Cookie", cookie))
        url = httpcore.URL(scheme=target.scheme.encode(), host=target.host.encode("ascii"),
                           port=target.port, target=target.path)
        return httpcore.Request(method.encode("ascii"), url, headers=fields,
                                extensions={"timeout": self._timeouts})

    def _new_pool(self, target: Target, connections: int) -> Pool:
        if self.transport is not None:
            return self.transport
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
            self._ssl.set_alpn_protocols(["http/1.1"])
        s = self.settings
        proxy = _proxy_for(target) if s.trust_env else None
        if proxy is not None:  # through a proxy, the proxy resolves names: no guard
            return httpcore.AsyncConnectionPool(ssl_context=self._ssl, proxy=proxy,
                                                max_connections=connections,
                                                keepalive_expiry=KEEPALIVE_EXPIRY)
        return OriginPool(self._ssl, _GuardedBackend(s.allow_private, self._resolver,
                                                     self.on_connected))

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in dict.fromkeys(pools):  # the test stand-in serves every origin: close it once
            await pool.aclose()


KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept for reuse


class OriginPool:
    """Keep-alive HTTP/1.1 connections to one origin, each reused once its answer is read.

    The per-host slots (hosts.py) already bound how many requests run at once on an origin,
    so this needs none of httpcore's pool machinery (queueing, locks, cancellation shields),
    which costs about a tenth of a request's CPU time. A connection goes back for reuse only
    when its exchange ended cleanly; one the server has closed is dropped on the next take.
    """

    def __init__(self, ssl_context: ssl.SSLContext, backend: httpcore.AsyncNetworkBackend) -> None:
        self._ssl = ssl_context
        self._backend = backend
        self._idle: list[httpcore.AsyncHTTP11Connection] = []

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        connection = await self._idle_connection() or await self._connect(request)
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            await connection.aclose()
            raise
        return httpcore.Response(response.status, headers=response.headers,
                                 content=_Released(response, connection, self._idle),
                                 extensions=response.extensions)

    async def _idle_connection(self) -> httpcore.AsyncHTTP11Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()  # kept too long, or the server has closed it
        return None

    async def _connect(self, request: httpcore.Request) -> httpcore.AsyncHTTP11Connection:
        url = request.url
        host = url.host.decode("ascii")
        timeout = request.extensions.get("timeout", {}).get("connect")
        stream = await self._backend.connect_tcp(host, url.port, timeout=timeout)
        if url.scheme == b"https":  # the certificate is checked against the name in the URL
            stream = await stream.start_tls(self._ssl, server_hostname=host, timeout=timeout)
        return httpcore.AsyncHTTP11Connection(url.origin, stream,
                                              keepalive_expiry=KEEPALIVE_EXPIRY)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()


class _Released:
    """A response body that hands its connection back to the pool once closed."""

    def __init__(self, response: httpcore.Response, connection: httpcore.AsyncHTTP11Connection,
                 idle: list[httpcore.AsyncHTTP11Connection]) -> None:
        self._response, self._connection, self._idle = response, connection, idle

    def __aiter__(self):
        return self._response.aiter_stream()

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            if self._connection.is_idle():
                self._idle.append(self._connection)
            else:
                await self._connection.aclose()


def _proxy_for(target: Target) -> httpcore.Proxy | None:
    """The HTTP(S)_PROXY that applies to a URL (NO_PROXY honoured), as with trust_env in httpx."""
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(target.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(target.host, proxies):
        return None
    return httpcore.Proxy(proxy if "://" in proxy else f"http://{proxy}")


@functools.lru_cache(maxsize=256)  # read once per host, not once per request
def _netrc_auth(host: str) -> str | None:
    import netrc

    try:
        entry = netrc.netrc().authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None  # no .netrc, or one that cannot be read: no credentials
    if entry is None:
        return None
    login, _, password = entry
    return "Basic " + base64.b64encode(f"{login}:{password or ''}".encode()).decode("ascii")


class CookieJar:
    """The cookies of one check, kept along its redirect chain (http.cookiejar's domain rules).

    Most checks never receive a cookie: the jar is made on the first Set-Cookie."""

    def __init__(self) -> None:
        self._jar: http.cookiejar.CookieJar | None = None

    def signature(self) -> tuple[tuple[str, str, str], ...]:
        """What the jar holds: a redirect back to a URL is a loop only if this did not change."""
        if not self._jar:
            return ()
        return tuple(sorted((c.domain, c.name, c.value or "") for c in self._jar))

    def header_for(self, url: str) -> str | None:
        """The Cookie header to send to `url`, if any cookie applies."""
        if not self._jar:
            return None
        import urllib.request

        request = urllib.request.Request(url)
        self._jar.add_cookie_header(request)
        return request.get_header("Cookie")

    def store(self, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        if not any(name.lower() == b"set-cookie" for name, _ in headers):
            return
        import http.cookiejar
        import urllib.request

        if self._jar is None:
            self._jar = http.cookiejar.CookieJar()
        self._jar.extract_cookies(_CookieResponse(headers), urllib.request.Request(url))


class _CookieResponse:
    """The one method http.cookiejar asks of a response."""

    def __init__(self, headers: list[tuple[bytes, bytes]]) -> None:
        self._message = email.message.Message()
        for name, value in headers:
            self._message[name.decode("latin-1")] = value.decode("latin-1")

    def info(self) -> email.message.Message:
        return self._message


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request to send: method, URL, headers, and how much of the body to read."""

    method: str
    url: str
    headers: Mapping[str, str]
    body_limit: int = 0  # decoded bytes to read; 0 reads nothing
    total_timeout: float = 20.0
    connections: int = 4  # the host's concurrency: the size of its connection pool


async def fetch(clients: Clients, spec: RequestSpec, jar: CookieJar) -> Outcome:
    """Send one request (no redirects followed) and read at most `body_limit` decoded bytes."""
    target = parse_target(spec.url)
    if target is None:
        scheme = spec.url.partition(":")[0].lower()
        if scheme.isalpha() and scheme not in _DEFAULT_PORTS:
            return Failure(FailureKind.UNSUPPORTED_SCHEME, scheme)
        return Failure(FailureKind.INVALID_URL, spec.url)
    request = clients.request(spec.method, target, spec.headers, jar.header_for(spec.url))
    pool = clients.pool_for(target, spec.connections)
    try:
        async with asyncio.timeout(spec.total_timeout):
            response = await pool.handle_async_request(request)
            try:
                jar.store(spec.url, response.headers)
                headers = _header_dict(response.headers)
                # An error page is read only far enough to recognise a bot challenge.
                limit = spec.body_limit
                if not 200 <= response.status < 300:
                    limit = min(limit, ERROR_BODY_LIMIT)
                body, truncated, undecodable = await _read_prefix(response, headers, limit)
            finally:
                await response.aclose()
    except TimeoutError:
        return Failure(FailureKind.TIMEOUT, f"no answer within {spec.total_timeout:g} s")
    except HTTP_ERRORS as exc:
        failure = _failure(exc)
        forget_frames(exc)
        return failure
    return Reply(spec.url, response.status, headers, body, truncated, undecodable)


def _header_dict(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


async def _read_prefix(response: httpcore.Response, headers: Mapping[str, str],
                       limit: int) -> tuple[bytes, bool, bool]:
    """Read raw bytes and decode them here, so neither side ever passes `limit` (gzip bombs)."""
    stream: AsyncIterable[bytes] = response.stream  # type: ignore[assignment]
    if limit <= 0:
        async for _ in stream:  # a HEAD answer has no body: this ends the exchange, so the
            pass  # connection goes back to the pool instead of being closed
        return b"", False, False
    decoder = _decoder(headers.get("content-encoding", ""))
    if decoder is None:
        return b"", True, True
    chunks: list[bytes] = []
    size = raw = 0
    try:
        async for chunk in stream:
            raw += len(chunk)
            data = decoder(chunk, limit - size)
            chunks.append(data)
            size += len(data)
            if size >= limit or raw >= limit:
                return b"".join(chunks)[:limit], True, False
    except zlib.error:  # a corrupt body (or raw deflate): what it holds is unknown, not absent
        return b"", True, True
    return b"".join(chunks), False, False


def _identity(chunk: bytes, room: int) -> bytes:
    return chunk[:room] if room < len(chunk) else chunk


def _decoder(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return _identity
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    # wbits 47: accept a gzip or zlib header; max_length bounds what one chunk may expand to.
    inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)
    raw_deflate_possible = encoding == "deflate"

    def decode(chunk: bytes, room: int) -> bytes:
        nonlocal inflater, raw_deflate_possible
        if raw_deflate_possible:  # the first chunk tells zlib's format from raw deflate
            raw_deflate_possible = False
            try:
                return inflater.decompress(chunk, max(room, 1))
            except zlib.error:  # raw deflate, without zlib's header: some servers send it
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        return inflater.decompress(chunk, max(room, 1))

    return decode


_TIMEOUT_DETAILS = {
    httpcore.ReadTimeout: "no data within the read timeout",
    httpcore.WriteTimeout: "request not sent within the timeout",
    httpcore.PoolTimeout: "no free connection within the timeout",
}


def _failure(exc: Exception) -> Failure:
    """What one of httpcore's exceptions (HTTP_ERRORS) means for the link."""
    chain = _causes(exc)
    cause = chain[-1] if len(chain) > 1 else exc
    detail = str(cause) or str(exc) or type(cause).__name__

    def caused_by(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if caused_by(PrivateAddressError):
        return Failure(FailureKind.PRIVATE_ADDRESS, str(exc))
    if isinstance(exc, httpcore.ConnectTimeout):
        return Failure(FailureKind.CONNECT_TIMEOUT, detail)
    if isinstance(exc, httpcore.TimeoutException):
        return Failure(FailureKind.TIMEOUT, _TIMEOUT_DETAILS.get(type(exc), detail))
    if isinstance(exc, httpcore.UnsupportedProtocol):
        return Failure(FailureKind.UNSUPPORTED_SCHEME, detail)
    if caused_by(socket.gaierror):
        return Failure(FailureKind.DNS, detail)
    if caused_by(ssl.SSLError):
        return Failure(FailureKind.TLS, detail)
    if caused_by(ConnectionRefusedError):
        return Failure(FailureKind.REFUSED, detail)
    if isinstance(exc, (httpcore.ConnectError, httpcore.ProxyError)):
        return Failure(FailureKind.CONNECT, detail)
    if isinstance(exc, (httpcore.ReadError, httpcore.WriteError)):
        return Failure(FailureKind.RESET, detail)  # the connection dropped under us
    if isinstance(exc, httpcore.RemoteProtocolError):
        if "without sending" in str(exc) or caused_by(ConnectionResetError, BrokenPipeError):
            return Failure(FailureKind.RESET, str(exc))
        return Failure(FailureKind.PROTOCOL, str(exc))
    if isinstance(exc, httpcore.LocalProtocolError):
        return Failure(FailureKind.INVALID_URL, detail)  # a request h11 refuses to write
    if isinstance(exc, httpcore.ProtocolError):
        return Failure(FailureKind.PROTOCOL, detail)
    return Failure(FailureKind.CONNECT, detail)


def forget_frames(exc: BaseException) -> BaseException:
    """Drop the tracebacks of an exception and of everything that led to it; returns it.

    A failed TLS handshake leaves a reference cycle: asyncio's handshake frames hold the error,
    and the error's traceback holds those frames, and with them the SSL protocol and its 256 KiB
    buffer. Only the cycle collector would free them, and in a long run it seldom looks at old
    objects, so thousands of failed handshakes held hundreds of MiB. Without the tracebacks,
    reference counting frees everything as soon as the error has been classified.
    """
    for link in _causes(exc):
        link.__traceback__ = None
    return exc


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what led to it: httpcore and anyio each wrap the OS error."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:  # both links are followed: wrappers (respx, anyio) keep one or the other
        current = pending.pop(0)
        if any(current is seen for seen in chain):
            continue
        chain.append(current)
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return chain


class HttpxTransportPool:
    """An httpx transport (httpx.MockTransport, a respx router) standing in for every pool, so
    tests can write their fake servers in httpx's terms. httpx is imported only here: a real
    run never loads it."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        import httpx

        url = request.url
        sent = httpx.Request(
            request.method.decode(),
            httpx.URL(scheme=url.scheme.decode(), host=url.host.decode(), port=url.port,
                      raw_path=url.target),
            headers=request.headers, extensions=request.extensions,
        )
        try:
            response = await self._transport.handle_async_request(sent)
        except httpx.TransportError as exc:
            raise _as_httpcore_error(exc) from exc
        return httpcore.Response(response.status_code, headers=response.headers.raw,
                                 content=_raw_body(response))

    async def aclose(self) -> None:
        await self._transport.aclose()


async def _raw_body(response: Any) -> AsyncIterable[bytes]:
    async for chunk in response.stream:  # as sent: content-encoding still applied
        yield chunk


def _as_httpcore_error(exc: Exception) -> Exception:
    """httpx's exception as httpcore's class of the same name (httpx mirrors them)."""
    for cls in type(exc).__mro__:
        mirrored = getattr(httpcore, cls.__name__, None)
        if isinstance(mirrored, type) and issubclass(mirrored, HTTP_ERRORS):
            return mirrored(str(exc))
    return httpcore.NetworkError(str(exc))
