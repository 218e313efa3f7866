"""One connection pool per origin, made lazily, and the requests built for them."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpcore

from .guard import GuardedBackend
from .origin_pool import OriginPool
from .proxied import ProxiedBackend
from .proxies import netrc_auth, proxy_for
from .resolver import DNS_CANARY, Resolver
from .target import Target


class _NoBody:
    """The body of a request that has none, as httpcore reads it: no chunk at all. (Its
    default, one empty chunk, costs an async generator and an empty h11 event per request;
    the bytes sent are the same.)"""

    def __aiter__(self) -> _NoBody:
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


NO_BODY = _NoBody()


@dataclass(frozen=True, slots=True)
class ClientSettings:
    connect_timeout: float
    read_timeout: float
    allow_private: bool
    trust_env: bool = False
    dns_canary: str = DNS_CANARY  # see Resolver: empty believes every "no such name"


class Pool(Protocol):
    """What a request is sent through: an httpcore connection pool, or a stand-in for tests."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response: ...

    async def aclose(self) -> None: ...


# Makes the pool for an origin, given a target of it and the host's concurrency: the seam
# through which tests put a stand-in in place of the network.
PoolFactory = Callable[[Target, int], Pool]


@dataclass
class Clients:
    """One small connection pool per origin (an OriginPool), created lazily, all sharing one
    SSLContext (which loads the CA bundle once), and how requests are built for them."""

    settings: ClientSettings
    pool_factory: PoolFactory | None = None  # in place of the real pools (tests)
    on_connected: Callable[[], None] | None = None  # told of every TCP connection made
    _pools: dict[str, Pool] = field(default_factory=dict)
    _ssl: ssl.SSLContext | None = None
    _resolver: Resolver | None = None
    _timeouts: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.settings
        self._resolver = Resolver(canary=s.dns_canary)
        # httpx's Timeout(read, connect=connect): writes and the wait for a connection get the
        # read timeout. One dict for every request: httpcore only reads it.
        self._timeouts = {"connect": s.connect_timeout, "read": s.read_timeout,
                          "write": s.read_timeout, "pool": s.read_timeout}

    def pool_for(self, target: Target, connections: int) -> Pool:
        pool = self._pools.get(target.origin)
        if pool is None:
            pool = self._pools[target.origin] = self._new_pool(target, connections)
        return pool

    def request(self, method: str, target: Target, headers: Mapping[str, str],
                cookie: str | None, netrc: bool = True) -> httpcore.Request:
        """Headers as the caller chose them, plus what HTTP/1.1 requires (Host) and what the
        URL carries (credentials for this origin, the jar's cookies); netrc's credentials only
        with `netrc` (the checker withholds them as it does configured headers)."""
        fields = [("Host", target.host_header), *headers.items()]
        if target.basic_auth is not None:
            fields.append(("Authorization", target.basic_auth))
        elif netrc and self.settings.trust_env and (
                credentials := netrc_auth(target.host)) is not None:
            fields.append(("Authorization", credentials))
        if cookie is not None:
            fields.append(("Cookie", cookie))
        url = httpcore.URL(scheme=target.scheme.encode(), host=target.host.encode("ascii"),
                           port=target.port, target=target.path)
        return httpcore.Request(method.encode("ascii"), url, headers=fields, content=NO_BODY,
                                extensions={"timeout": self._timeouts})

    def _new_pool(self, target: Target, connections: int) -> Pool:
        if self.pool_factory is not None:
            return self.pool_factory(target, connections)
        tls = self._ssl_context() if target.scheme == "https" else None
        s = self.settings
        proxy = proxy_for(target) if s.trust_env else None
        guard = GuardedBackend(s.allow_private, self._resolver, self.on_connected)
        if proxy is not None:  # the same stack, through the proxy; the guard vets the name
            tunnel = target.scheme == "https"
            backend = ProxiedBackend(proxy, guard, tunnel, self.on_connected)
            return OriginPool(tls, backend, forward=None if tunnel else proxy)
        return OriginPool(tls, guard)

    def _ssl_context(self) -> ssl.SSLContext:
        """The run's one SSLContext, made for its first https origin: loading the CA bundle
        costs some 20 ms, which a run of http:// links alone never pays."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl

    async def release(self, origin: str) -> None:
        """Close the idle connections kept for an origin that will get no more requests (each
        TLS connection holds a 256 KiB buffer); a later request there opens a new pool."""
        if self.pool_factory is None and (pool := self._pools.pop(origin, None)) is not None:
            await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in dict.fromkeys(pools):  # a stand-in may serve every origin: close it once
            await pool.aclose()
