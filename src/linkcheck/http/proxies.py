"""Proxies and .netrc credentials from the environment (only with trust_env)."""

from __future__ import annotations

import base64
import functools

import httpcore

from .target import Target


def proxy_for(target: Target) -> httpcore.Proxy | None:
    """The HTTP(S)_PROXY that applies to a URL (NO_PROXY honoured), as with trust_env in httpx."""
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(target.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(target.host, proxies):
        return None
    return httpcore.Proxy(proxy if "://" in proxy else f"http://{proxy}")


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
