"""An httpx transport (httpx.MockTransport, a respx router) standing in for every pool."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

import httpcore

from linkcheck.http.errors import HTTP_ERRORS
from linkcheck.http.pool import PoolFactory


class HttpxTransportPool:
    """An httpx transport standing in for a pool, so tests can write their fake servers in
    httpx's terms (the checker itself never imports httpx)."""

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


def httpx_pools(transport: Any) -> PoolFactory:
    """A pool factory sending every origin's requests through one httpx transport."""
    pool = HttpxTransportPool(transport)
    return lambda target, connections: pool
