"""httpcore's HTTP/1.1 connection on the path OriginPool needs: one request at a time.

OriginPool (origin_pool.py) takes a connection off its idle list for one request and keeps it
again only once that answer has been read, so no two tasks ever use a connection at once. For
such a connection, httpcore's request path does work that never changes the exchange, about a
tenth of a request's CPU time on a keep-alive connection: an anyio lock around each change of
state (taking it yields to the event loop even when nobody else wants it: twice per request),
tracing hooks that no request here asks for, a context manager per event to map h11's errors,
and a second write for the end of a body that GET and HEAD never have. `Connection` keeps
httpcore's states, h11 and errors, and sends, reads and closes with the same rules, less those.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import h11
import httpcore
from httpcore._async.http11 import HTTPConnectionState

_READY = (HTTPConnectionState.NEW, HTTPConnectionState.IDLE)


class _Untaken:
    """The state lock of a connection that only one task ever uses (httpcore's methods that
    are kept, such as `_response_closed`, take it): taking it is nothing."""

    async def __aenter__(self) -> _Untaken:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class Connection(httpcore.AsyncHTTP11Connection):
    """An HTTP/1.1 connection handed to one request at a time (see the module's docstring)."""

    def __init__(self, origin: httpcore.Origin, stream: httpcore.AsyncNetworkStream,
                 keepalive_expiry: float | None = None) -> None:
        super().__init__(origin, stream, keepalive_expiry=keepalive_expiry)
        self._state_lock = _Untaken()  # type: ignore[assignment]

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if not self.can_handle_request(request.url.origin):
            raise RuntimeError(f"a request to {request.url.origin} on a connection to "
                               f"{self._origin}")
        if self._state not in _READY:
            raise httpcore.ConnectionNotAvailable()
        self._request_count += 1
        self._state = HTTPConnectionState.ACTIVE
        self._expire_at = None
        timeouts = request.extensions.get("timeout", {})
        try:
            try:
                await self._send_whole(request, timeouts.get("write"))
            except httpcore.WriteError:
                pass  # as httpcore: the server may have answered and closed; read its answer
            timeout = timeouts.get("read")
            while True:
                event = await self._receive_event(timeout)
                if type(event) is h11.Response or (
                        type(event) is h11.InformationalResponse and event.status_code == 101):
                    break
            # No request here asks to upgrade or tunnel (proxied.py opens its tunnels itself),
            # so the stream is never handed over as httpcore does for a 101 or a CONNECT.
            return httpcore.Response(
                status=event.status_code,
                headers=event.headers.raw_items(),
                content=_Body(self, timeout),
                extensions={"http_version": b"HTTP/" + event.http_version,
                            "reason_phrase": event.reason,
                            "network_stream": self._network_stream},
            )
        except BaseException:
            await self._response_closed()
            raise

    async def _send_whole(self, request: httpcore.Request, timeout: float | None) -> None:
        """The request line, headers and body (if any) in one write."""
        h11_state = self._h11_state
        try:
            parts = [h11_state.send(h11.Request(method=request.method,
                                                target=request.url.target,
                                                headers=request.headers))]
            async for chunk in request.stream:  # type: ignore[union-attr]
                parts.append(h11_state.send(h11.Data(data=chunk)))
            parts.append(h11_state.send(h11.EndOfMessage()))
        except h11.LocalProtocolError as exc:
            raise httpcore.LocalProtocolError(exc) from exc
        await self._network_stream.write(b"".join(p for p in parts if p), timeout=timeout)

    async def _receive_event(self, timeout: float | None = None) -> h11.Event | type[h11.PAUSED]:
        h11_state = self._h11_state
        while True:
            try:
                event = h11_state.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(exc) from exc
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            data = await self._network_stream.read(self.READ_NUM_BYTES, timeout=timeout)
            if data == b"" and h11_state.their_state == h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response.")
            h11_state.receive_data(data)


class _Body:
    """An answer's body as httpcore's stream gives it: the connection's state moves on once it
    is read to its end and closed; an error while reading closes it."""

    def __init__(self, connection: Connection, timeout: float | None) -> None:
        self._connection = connection
        self._timeout = timeout
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection, timeout = self._connection, self._timeout
        try:
            while True:
                event = await connection._receive_event(timeout)
                if type(event) is h11.Data:
                    yield bytes(event.data)
                elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                    break
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._connection._response_closed()
