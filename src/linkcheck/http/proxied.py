"""Requests through an HTTP proxy on the same stack as direct ones: the same asyncio streams,
the same exception mapping (a reset is a reset, retried as one), and the private-address guard
on the target's name. https goes through a CONNECT tunnel, http is forwarded (the whole URL in
the request line), as browsers and httpx do."""

from __future__ import annotations

from collections.abc import Callable

import httpcore

from .guard import GuardedBackend
from .proxies import ProxyRoute
from .streams import AsyncioBackend
from .target import DEFAULT_PORTS

_MAX_CONNECT_ANSWER = 16 * 1024  # a proxy's answer to CONNECT is a status line and a few headers


class ProxiedBackend(httpcore.AsyncNetworkBackend):
    """Connects to a target through a proxy: to the proxy itself (trusted: it is configured,
    and usually on a private address), then, with `tunnel`, a CONNECT to the target."""

    def __init__(self, route: ProxyRoute, guard: GuardedBackend, tunnel: bool,
                 on_connected: Callable[[], None] | None = None) -> None:
        self._route, self._guard, self._tunnel = route, guard, tunnel
        self._on_connected = on_connected
        self._inner = AsyncioBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        await self._guard.vet_proxied(host, port, timeout)
        stream = await self._inner.connect_tcp(self._route.host, self._route.port, timeout,
                                               local_address, socket_options)
        if self._on_connected is not None:
            self._on_connected()
        if self._tunnel:
            try:
                await _open_tunnel(stream, host, port, self._route.authorization, timeout)
            except BaseException:
                await stream.aclose()
                raise
        return stream

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not checked")

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        await self._inner.sleep(seconds)


async def _open_tunnel(stream: httpcore.AsyncNetworkStream, host: str, port: int,
                       authorization: str | None, timeout: float | None) -> None:
    """Ask the proxy for a tunnel to host:port; ProxyError unless it answers 2xx."""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if authorization is not None:
        lines.append(f"Proxy-Authorization: {authorization}")
    await stream.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), timeout)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = await stream.read(4096, timeout)
        if not chunk:
            raise httpcore.ProxyError("the proxy closed the connection instead of a tunnel")
        answer += chunk
        if len(answer) > _MAX_CONNECT_ANSWER:
            raise httpcore.ProxyError("the proxy's answer to CONNECT is too long")
    status_line = answer.partition(b"\r\n")[0].decode("latin-1")
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[1].startswith("2"):
        raise httpcore.ProxyError(f"the proxy refused the tunnel: {status_line[:200]}")


def absolute_form(request: httpcore.Request, route: ProxyRoute) -> httpcore.Request:
    """A request as a forward proxy reads it: the whole URL in the request line, and the
    proxy's credentials (for the proxy only: it does not pass them on)."""
    url = request.url
    scheme, host = url.scheme.decode("ascii"), url.host.decode("ascii")
    authority = f"[{host}]" if ":" in host else host
    if url.port != DEFAULT_PORTS.get(scheme):
        authority += f":{url.port}"
    target = f"{scheme}://{authority}".encode("ascii") + url.target
    headers = list(request.headers)
    if route.authorization is not None:
        headers.append((b"Proxy-Authorization", route.authorization.encode("ascii")))
    return httpcore.Request(request.method,
                            httpcore.URL(scheme=url.scheme, host=url.host, port=url.port,
                                         target=target),
                            headers=headers, content=request.stream,
                            extensions=request.extensions)
