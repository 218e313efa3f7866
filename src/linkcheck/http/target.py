"""A URL split the way a request needs it (the WHATWG parser), and its origin."""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import ada_url

DEFAULT_PORTS = {"http": 80, "https": 443}


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
    if parts.scheme not in DEFAULT_PORTS or not hostname:
        return None
    port = parts.port or DEFAULT_PORTS[parts.scheme]
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


# scheme://authority of an http(s) URL whose authority holds nothing but letters, digits, dots,
# hyphens and a port colon: it ends at the first / ? # or the end, and (a path never makes a
# URL invalid) it alone decides the origin, so URLs with the same one share it
PLAIN_AUTHORITY = re.compile(r"https?://[A-Za-z0-9.:-]+(?=[/?#]|$)")


def origin_of(url: str) -> str | None:
    """scheme://host:port of a URL, the key of its pool and of its politeness; None if invalid.
    Parsed once per plain authority (the rules' https twins alone are thousands of URLs)."""
    plain = PLAIN_AUTHORITY.match(url)
    if plain is not None:
        return _authority_origin(plain.group())
    target = parse_target(url)
    return target.origin if target else None


@functools.lru_cache(maxsize=4096)
def _authority_origin(authority: str) -> str | None:
    target = parse_target(authority + "/")
    return target.origin if target else None
