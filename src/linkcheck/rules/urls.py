"""URL helpers shared by the rules: safe normalisation, tracking parameters, https twins.

Every function here works on the URL string alone and never fetches anything, so a rewrite it
proposes either keeps the same resource (tracking parameters) or must be verified by a check.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

# Parameters that only tell the target site where a visitor came from. `ref` is left out on
# purpose: GitHub and many docs sites use it for a branch or a real page choice.
TRACKING_PARAMS = frozenset(
    {
        "gclid", "gclsrc", "gad_source", "gbraid", "wbraid", "dclid", "fbclid", "msclkid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "yclid", "ref_src", "ref_url", "igshid",
        "mkt_tok", "_ga", "_gl", "oly_anon_id", "oly_enc_id", "vero_id", "s_cid",
    }
)
TRACKING_PREFIXES = ("utm_",)
INDEX_FILES = ("index.html", "index.htm", "index.php")


def param_name(pair: str) -> str:
    """The decoded, lower-cased name of one `name=value` query pair."""
    return unquote(pair.partition("=")[0]).lower()


def is_tracking(
    name: str, extra: frozenset[str] = frozenset(), keep: frozenset[str] = frozenset()
) -> bool:
    if name in keep:
        return False
    return name in TRACKING_PARAMS or name in extra or name.startswith(TRACKING_PREFIXES)


def tracking_names(
    url: str, extra: frozenset[str] = frozenset(), keep: frozenset[str] = frozenset()
) -> list[str]:
    """The tracking parameter names in `url`, in order of appearance."""
    query = _split_query(url)[1]
    if query is None:
        return []
    names = [param_name(p) for p in query.split("&") if p]
    return [name for name in names if is_tracking(name, extra, keep)]


def strip_tracking(
    url: str, extra: frozenset[str] = frozenset(), keep: frozenset[str] = frozenset()
) -> str:
    """`url` without tracking parameters; other parameters keep their order and exact bytes."""
    head, query, fragment = _split_query(url)
    if query is None:
        return url
    kept_query = strip_query(query, extra, keep)
    rebuilt = head + ("?" + kept_query if kept_query else "")
    return rebuilt + ("#" + fragment if fragment is not None else "")


def strip_query(
    query: str, extra: frozenset[str] = frozenset(), keep: frozenset[str] = frozenset()
) -> str:
    """A query string (without `?`) minus its tracking pairs; unchanged when it has none."""
    pairs = query.split("&")
    kept = [p for p in pairs if not (p and is_tracking(param_name(p), extra, keep))]
    if len(kept) == len(pairs):
        return query
    return "&".join(p for p in kept if p)  # empty pairs left between removed ones go too


def _split_query(url: str) -> tuple[str, str | None, str | None]:
    """Split the URL as written into (before ?, query, fragment), leaving every byte as is."""
    rest, hash_mark, fragment = url.partition("#")
    head, question, query = rest.partition("?")
    return head, (query if question else None), (fragment if hash_mark else None)


def https_twin(url: str) -> str | None:
    """The https:// form of an http:// URL, or None."""
    if url[:7].lower() == "http://":
        return "https://" + url[7:]
    return None


def with_fragment_of(new_url: str, written: str) -> str:
    """Keep the written fragment when a redirect target has none (fragments are never sent)."""
    fragment = _split_query(written)[2]
    if fragment is None or "#" in new_url:
        return new_url
    return f"{new_url}#{fragment}"


_DEFAULT_PORTS = {"http": "80", "https": "443"}
_DEFAULT_PORT_NUMBERS = {"http": 80, "https": 443}
_INDEX_SUFFIXES = tuple("/" + index for index in INDEX_FILES)
_SLASHES = re.compile(r"/+$")


@lru_cache(maxsize=1 << 16)  # duplicate-url and inconsistent-link-text ask for each URL often
def normalise(url: str) -> str:
    """A comparison key for `url`: the same key means the same resource, by safe rules only.

    Scheme (http and https alike), a leading `www.`, host case, a default port, a trailing
    slash, a final `index.html`, tracking parameters and the fragment are ignored. The path
    and the other query parameters are compared as written: sites may be case-sensitive.
    """
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:  # most URLs: read without urlsplit, to the same key
        scheme, host, port, path = plain.groups()
        if port is None or int(port) <= 65535:
            host, path = _host_and_path(scheme, host.lower(), port and int(port), path or "")
            return "web://" + host + path if host else "web:" + path  # as urlunsplit joins them
    return _normalise_split(url)


# http(s)://host[:port][/path][#fragment] in plain ASCII, no query: urlsplit would take the
# scheme, the host (its case aside), the port and the path exactly as these groups do.
_PLAIN_URL = re.compile(
    r"(https?)://([A-Za-z0-9._-]+)(?::([0-9]{1,5}))?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?"
    r"(?:#[!-~]*)?"
)


def _normalise_split(url: str) -> str:
    """`normalise` through urlsplit, for any URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return url  # a local path: its fragment names a different place on the page
    scheme = parts.scheme.lower()
    host, path = _host_and_path(scheme, (parts.hostname or "").lower(), port, parts.path)
    return urlunsplit(("web", host, path, strip_query(parts.query), ""))


def _host_and_path(scheme: str, hostname: str, port: int | None, path: str) -> tuple[str, str]:
    """The key's host (`www.` and a default port off) and path (a final index file and
    trailing slashes off)."""
    host = hostname.rstrip(".").removeprefix("www.")
    if port is not None and port != _DEFAULT_PORT_NUMBERS[scheme]:
        host = f"{host}:{port}"
    if path.lower().endswith(_INDEX_SUFFIXES):  # (most paths do not: one test for all)
        for index in INDEX_FILES:
            if path.lower().endswith("/" + index):
                path = path[: -len(index)]
    if path.endswith(("/", "\n")):  # `$` also matches before a final line break
        path = _SLASHES.sub("", path)
    return host, path
