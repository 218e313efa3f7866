"""Which requests carry a host's configured headers (credentials, as a rule), and what a
pull request's config may not take from the environment."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping, Sequence
from itertools import pairwise
from urllib.parse import urlsplit

from ...http.target import DEFAULT_PORTS, PLAIN_AUTHORITY, origin_of
from ...models import Hop

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def may_carry_secrets(url: str, hops: Sequence[Hop]) -> bool:
    """Whether a request to `url`, after the redirects `hops` (the first is the link as
    written), may carry the host's configured headers.

    Only over https, or plain http to a loopback host (nothing crosses a network); only to the
    scheme's default port, or to the origin of the link as written; and never once the chain
    has gone from https to http."""
    if not hops and (plain := PLAIN_AUTHORITY.match(url)) is not None:
        return _first_hop_to(plain.group())
    return _may_carry(url, hops)


def _may_carry(url: str, hops: Sequence[Hop]) -> bool:
    chain = [hop.url for hop in hops] + [url]
    if any(a[:6].lower() == "https:" and b[:5].lower() == "http:" for a, b in pairwise(chain)):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # not a URL a request can be made to: nothing goes along
        return False
    scheme = parts.scheme.lower()
    if scheme != "https" and not _is_loopback(parts.hostname or ""):
        return False
    return port in (None, DEFAULT_PORTS.get(scheme)) or origin_of(url) == origin_of(chain[0])


@functools.lru_cache(maxsize=4096)
def _first_hop_to(authority: str) -> bool:
    """may_carry_secrets of a link as written whose `scheme://authority` holds nothing but
    letters, digits, dots, hyphens and a port: that part alone decides, once per authority."""
    return _may_carry(authority + "/", ())


def untrusted_headers(headers: Mapping[str, str], where: str, notes: list[str]) -> dict[str, str]:
    """A pull request's headers: those naming an environment variable are left out (the pull
    request could send the runner's secrets anywhere), each with a note."""
    kept = {}
    for name, value in headers.items():
        if ENV_REFERENCE.search(value):
            notes.append(f"{where}.headers.{name}: not sent: environment variables are not "
                         "expanded from a pull request's config (--changed-since)")
        else:
            kept[name] = value
    return kept


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
