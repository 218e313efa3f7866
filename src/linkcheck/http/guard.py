"""The private-address guard: names resolved here, every address checked, the checked one used."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpcore

from ..urls import is_private_address as is_private
from .errors import PrivateAddressError
from .resolver import Resolver
from .streams import AsyncioBackend


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects to a checked address.

    Connecting to the address that was checked (not re-resolving) is what stops DNS rebinding.
    TLS still verifies the original host name: httpcore passes it as server_hostname.
    """

    def __init__(self, allow_private: bool, resolver: Resolver,
                 on_connected: Callable[[], None] | None = None,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or AsyncioBackend()
        self._allow_private = allow_private
        self._resolver = resolver
        self._on_connected = on_connected  # a TCP connection proves the network is up

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = await self.checked_addresses(host, port, timeout)
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

    async def checked_addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The host's addresses, every one checked (PrivateAddressError if one is refused)."""
        # httpcore maps only its own backend's errors, so ours are mapped the same way here.
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"{host}: DNS lookup timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        self._refuse_private(host, addresses)
        return addresses

    async def vet_proxied(self, host: str, port: int, timeout: float | None) -> None:
        """Before a request goes through a proxy, which resolves the name itself: a name that
        resolves here to a refused address is refused; one that does not resolve here is left
        to the proxy (proxied networks often resolve nothing directly)."""
        if self._allow_private:
            return
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver.resolve(host, port)
        except (TimeoutError, OSError):
            return
        self._refuse_private(host, addresses)

    def _refuse_private(self, host: str, addresses: list[str]) -> None:
        if not self._allow_private:
            refused = [a for a in addresses if is_private(a)]
            if refused:
                raise PrivateAddressError(f"{host} resolves to {refused[0]}")

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise PrivateAddressError("unix sockets are not checked")

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries are off
        await self._inner.sleep(seconds)
