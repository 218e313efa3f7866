"""Proxies and .netrc credentials from the environment (only with trust_env)."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .target import Target


@dataclass(frozen=True, slots=True)
class ProxyRoute:
    """An HTTP proxy to reach a target through: where it listens, and its credentials."""

    host: str
    port: int
    authorization: str | None = None  # Proxy-Authorization, from user:password@ in its URL


def proxy_for(target: Target) -> ProxyRoute | None:
    """The HTTP(S)_PROXY that applies to a URL (NO_PROXY honoured), as with trust_env in httpx."""
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(target.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(target.host, proxies):
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if not parts.hostname:
        return None
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return ProxyRoute(parts.hostname, parts.port or 80, authorization)


@functools.lru_cache(maxsize=256)  # read once per host, not once per request
def netrc_auth(host: str) -> str | None:
    import netrc

    try:
        entry = netrc.netrc().authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None  # no .netrc, or one that cannot be read: no credentials
    if entry is None:
        return None
    login, _, password = entry
    return "Basic " + base64.b64encode(f"{login}:{password or ''}".encode()).decode("ascii")
