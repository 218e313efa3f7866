"""What a request came to: a Reply (an answer, with a bounded body prefix) or a Failure."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    """Why no usable HTTP answer came back."""

    DNS = "dns"  # the resolver failed (no answer, a temporary failure): may pass
    NO_SUCH_DOMAIN = "no-such-domain"  # the DNS answered that the name does not exist
    REFUSED = "refused"  # the host answered the connection attempt with a reset
    CONNECT = "connect"  # no connection, no clearer cause (unreachable network, ...)
    CONNECT_TIMEOUT = "connect-timeout"
    TIMEOUT = "timeout"  # connected, but no (complete) answer in time
    RESET = "reset"  # the connection dropped mid-exchange
    TLS = "tls"
    INCOMPLETE_CHAIN = "incomplete-chain"  # no issuer for the certificates the server sent
    PROTOCOL = "protocol"  # not valid HTTP
    INVALID_URL = "invalid-url"
    UNSUPPORTED_SCHEME = "unsupported-scheme"
    PRIVATE_ADDRESS = "private-address"  # refused by the check.allow_private setting
    NO_NETWORK = "no-network"  # concluded for the whole run, not observed on this request
    DEADLINE = "deadline"  # the run deadline passed first
    RATE_LIMITED = "rate-limited"  # the host's rate limits made the run wait past its cap


# Failures that say nothing about the network being up: nobody answered at all.
SILENT_FAILURES = frozenset(
    {FailureKind.DNS, FailureKind.CONNECT, FailureKind.CONNECT_TIMEOUT}
)


# Failures that prove something answered (the network is up).
ANSWERED_FAILURES = frozenset(
    {FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.RESET, FailureKind.TLS,
     FailureKind.INCOMPLETE_CHAIN, FailureKind.PROTOCOL, FailureKind.PRIVATE_ADDRESS,
     FailureKind.NO_SUCH_DOMAIN}
)


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer. `body` is a decoded prefix, never more than the caller's limit."""

    url: str
    status_code: int
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes = b""
    truncated: bool = False  # the body went on past what was read
    undecodable: bool = False  # a content-encoding this module cannot decode, or a corrupt body
    # why the body stopped before its end although the status was known: "not read in time",
    # "ended early" (shorter than its Content-Length); "" when read as far as wanted
    cut_short: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type names, if Python knows it."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                try:
                    return codecs.lookup(value.strip().strip('"')).name
                except LookupError:
                    return None
        return None

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


Outcome = Reply | Failure
