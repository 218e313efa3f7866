"""Resolve a link as written to its target: a WHATWG URL for remote links, a path for local ones.

This is the one place that decides what kind of target a resolved URL is, so extraction and
the local checker never disagree about what is remote, local, skipped or malformed.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit

import ada_url

REMOTE_SCHEMES = frozenset({"http", "https"})
SKIPPED_SCHEMES = frozenset({"mailto", "tel"})

# RFC 3986 scheme: a letter, then letters, digits, `+`, `-` or `.`, then `:`.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


class TargetKind(StrEnum):
    """What a resolved URL points at, as far as checking is concerned."""

    REMOTE = "remote"  # http(s): the remote checker fetches it
    LOCAL = "local"  # a path relative to the working directory, maybe with #fragment
    SKIPPED = "skipped"  # mailto:, tel: - nothing to fetch by design
    UNSUPPORTED = "unsupported"  # ftp:, javascript:, data:, ... - a reader cannot follow it here
    INVALID = "invalid"  # looks remote but no WHATWG parser accepts it


def scheme_of(url: str) -> str | None:
    """The lowercased scheme of `url`, or None when it is a relative reference."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


# What cmark-gfm writes unchanged into an href (houdini_escape_href's HREF_SAFE, plus `&` and
# `'`, which it writes as HTML entities); everything else is percent-encoded as UTF-8.
_HREF_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'()*+,\-./:;=?@_~]+")


def escape_href(destination: str) -> str:
    """The href GitHub's renderer writes for a markdown destination (escapes decoded).

    Backslashes, brackets, spaces, non-ASCII and the like become `%XX`; an existing `%` is
    left as it is. A browser then parses that href, so `[a](https://x.org/a\\b)` requests
    `/a%5Cb`, where parsing the destination as written would turn `\\` into `/`.
    """
    return _HREF_UNSAFE.sub(lambda m: quote(m.group(), safe=""), destination)


def resolve(destination: str, source_file: str) -> str:
    """Resolve a link destination (markdown escapes already decoded) found in `source_file`.

    Remote links become the URL a browser would request (WHATWG, as lychee does); local
    links become a POSIX path relative to the working directory, `#fragment` kept. A remote
    URL that cannot be parsed is returned as written; `target_kind` then says INVALID.
    """
    url = destination.strip()
    if url.startswith("//"):  # protocol-relative: GitHub serves pages over https
        return _whatwg("https:" + url, destination)
    scheme = scheme_of(url)
    if scheme is None:
        return resolve_local(url, source_file)
    if scheme in REMOTE_SCHEMES:
        return _whatwg(url, destination)
    return url


def _whatwg(url: str, as_written: str) -> str:
    try:
        return ada_url.URL(url).href
    except ValueError:
        return as_written


def resolve_local(url: str, source_file: str) -> str:
    """The target of a relative link: path relative to the cwd, percent-decoded, `#fragment` kept.

    A leading `/` is relative to the repository root, which is taken to be the working
    directory (GitHub resolves such links against the repository root).
    """
    path, hash_sign, fragment = url.partition("#")
    path = unquote(path.partition("?")[0])
    if not path:
        target = source_file
    elif path.startswith("/"):
        target = posixpath.normpath(path.lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source_file), path))
    target = _ESCAPED_IN_PATH.sub(lambda m: quote(m.group()), target)
    return f"{target}#{fragment}" if hash_sign and fragment else target


# In a local target, a `#` of the file name (written `%23`) stays encoded so that it is not
# read as the fragment; so does a `%` that would read as such an escape.
_ESCAPED_IN_PATH = re.compile(r"#|%(?=2[35])")
_PATH_ESCAPE = re.compile(r"%2[35]")


def target_kind(resolved_url: str) -> TargetKind:
    """Classify a resolved URL (the output of `resolve`)."""
    scheme = scheme_of(resolved_url)
    if scheme is None:
        return TargetKind.LOCAL
    if scheme in REMOTE_SCHEMES:
        return TargetKind.REMOTE if ada_url.check_url(resolved_url) else TargetKind.INVALID
    if scheme in SKIPPED_SCHEMES:
        return TargetKind.SKIPPED
    return TargetKind.UNSUPPORTED


def split_fragment(local_target: str) -> tuple[str, str | None]:
    """`path#frag` -> (path, percent-decoded frag); no `#` -> (path, None)."""
    path, hash_sign, fragment = local_target.partition("#")
    path = _PATH_ESCAPE.sub(lambda m: unquote(m.group()), path)
    return path, (unquote(fragment) if hash_sign else None)


# Placeholders: what tutorials write for the reader's own machine or as an example
# (`http://localhost:8080`, `https://example.com/`, `http://192.168.1.1`), never a resource the
# curriculum links to. Such links are skipped unless `check.allow_private` asks to check them.
PLACEHOLDER_REASON = "local or placeholder address"
# Names reserved for documentation and the local machine (RFC 2606, RFC 6761).
_RESERVED_NAMES = frozenset({"localhost", "example.com", "example.net", "example.org"})
_RESERVED_SUFFIXES = (".localhost", ".example", ".test", ".example.com", ".example.net",
                      ".example.org")


def is_placeholder(url: str) -> bool:
    """Whether an http(s) URL names the local machine, a private network or an example."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return False
    if host in _RESERVED_NAMES or host.endswith(_RESERVED_SUFFIXES):
        return True
    try:
        return is_private_address(host)
    except ValueError:  # a name, not an address
        return False


# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052), SIIT's
# IPv4-translated form and the deprecated IPv4-compatible form (`::a.b.c.d`).
_LOW_32_BITS = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96"))
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: a network's own translator


def is_private_address(address: str) -> bool:
    """Loopback, private, link-local, multicast or otherwise not a public address.

    IPv6 forms that carry an IPv4 address are judged by that address, so `::ffff:10.0.0.1`,
    `64:ff9b::10.0.0.1` (NAT64), `::10.0.0.1`, `2002:0a00:0001::` (6to4) and a Teredo address
    whose server or client is private are refused, while NAT64 of a public address (what
    DNS64 answers on IPv6-only networks) is not."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return True
        carried = _carried_ipv4(ip)
        if carried:
            if any(_not_public(v4) for v4 in carried):
                return True
            if ip.teredo is None:
                return False  # judged by the IPv4 address it reaches
    return _not_public(ip)


def _carried_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    if ip.ipv4_mapped:
        return (ip.ipv4_mapped,)
    if ip.sixtofour:
        return (ip.sixtofour,)
    if ip.teredo:
        return ip.teredo  # (server, client)
    if int(ip) > 1 and any(ip in net for net in _LOW_32_BITS):  # not :: or ::1
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    return ()


def _not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not ip.is_global or ip.is_multicast
