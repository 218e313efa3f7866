"""httpcore's exceptions translated once into a Failure; the tracebacks they hold let go."""

from __future__ import annotations

import socket
import ssl

import httpcore

from .outcome import Failure, FailureKind
from .resolver import NO_SUCH_NAME

# Everything httpcore raises for a failed exchange (its exceptions share no base class).
HTTP_ERRORS = (httpcore.NetworkError, httpcore.TimeoutException, httpcore.ProtocolError,
               httpcore.UnsupportedProtocol, httpcore.ProxyError)


class PrivateAddressError(httpcore.ConnectError):
    """A host resolved to an address the configuration refuses."""


# getaddrinfo's answers that the DNS gave: the name does not exist, or has no address at all.
# OpenSSL's verify codes for "no issuer found for the last certificate sent": a server that
# leaves out its intermediate certificate (browsers fetch it, or know it already).
_ISSUER_NOT_FOUND = frozenset({2, 20, 21})

# What the ssl module raises when the connection ends during the handshake (a reset, a proxy
# that drops the tunnel): the connection dropped, nothing is known about the certificate.
_DROPPED_DURING_TLS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLWantReadError,
                       ssl.SSLWantWriteError, ssl.SSLSyscallError)

_TIMEOUT_DETAILS = {
    httpcore.ReadTimeout: "no data within the read timeout",
    httpcore.WriteTimeout: "request not sent within the timeout",
    httpcore.PoolTimeout: "no free connection within the timeout",
}


def failure_of(exc: Exception) -> Failure:
    """What one of httpcore's exceptions (HTTP_ERRORS) means for the link."""
    chain = _causes(exc)
    cause = chain[-1] if len(chain) > 1 else exc
    detail = str(cause) or str(exc) or type(cause).__name__

    def caused_by(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if caused_by(PrivateAddressError):
        return Failure(FailureKind.PRIVATE_ADDRESS, str(exc))
    if isinstance(exc, httpcore.ConnectTimeout):
        return Failure(FailureKind.CONNECT_TIMEOUT, detail)
    if isinstance(exc, httpcore.TimeoutException):
        return Failure(FailureKind.TIMEOUT, _TIMEOUT_DETAILS.get(type(exc), detail))
    if isinstance(exc, httpcore.UnsupportedProtocol):
        return Failure(FailureKind.UNSUPPORTED_SCHEME, detail)
    if caused_by(socket.gaierror):
        return _dns_failure(chain, detail)
    if caused_by(*_DROPPED_DURING_TLS) and not caused_by(ssl.SSLCertVerificationError):
        return Failure(FailureKind.RESET, detail)  # the peer left mid-handshake: no TLS verdict
    if caused_by(ssl.SSLError):
        return _tls_failure(chain, detail)
    if caused_by(ConnectionRefusedError):
        return Failure(FailureKind.REFUSED, detail)
    if isinstance(exc, httpcore.ConnectError) and caused_by(ConnectionResetError):
        return Failure(FailureKind.RESET, detail)  # dropped during the TLS handshake
    if isinstance(exc, (httpcore.ConnectError, httpcore.ProxyError)):
        return Failure(FailureKind.CONNECT, detail)
    if isinstance(exc, (httpcore.ReadError, httpcore.WriteError)):
        return Failure(FailureKind.RESET, detail)  # the connection dropped under us
    if isinstance(exc, httpcore.RemoteProtocolError):
        if "without sending" in str(exc) or caused_by(ConnectionResetError, BrokenPipeError):
            return Failure(FailureKind.RESET, str(exc))
        return Failure(FailureKind.PROTOCOL, str(exc))
    if isinstance(exc, httpcore.LocalProtocolError):
        return Failure(FailureKind.INVALID_URL, detail)  # a request h11 refuses to write
    if isinstance(exc, httpcore.ProtocolError):
        return Failure(FailureKind.PROTOCOL, detail)
    return Failure(FailureKind.CONNECT, detail)


def _dns_failure(chain: list[BaseException], detail: str) -> Failure:
    codes = {e.errno for e in chain if isinstance(e, socket.gaierror)}
    if codes & NO_SUCH_NAME:
        return Failure(FailureKind.NO_SUCH_DOMAIN, detail)
    return Failure(FailureKind.DNS, detail)


def _tls_failure(chain: list[BaseException], detail: str) -> Failure:
    codes = {getattr(e, "verify_code", None) for e in chain
             if isinstance(e, ssl.SSLCertVerificationError)}
    if codes & _ISSUER_NOT_FOUND:
        return Failure(FailureKind.INCOMPLETE_CHAIN, detail)
    return Failure(FailureKind.TLS, detail)


def forget_frames(exc: BaseException) -> BaseException:
    """Drop the tracebacks of an exception and of everything that led to it; returns it.

    A failed TLS handshake leaves a reference cycle: asyncio's handshake frames hold the error,
    and the error's traceback holds those frames, and with them the SSL protocol and its 256 KiB
    buffer. Only the cycle collector would free them, and in a long run it seldom looks at old
    objects, so thousands of failed handshakes held hundreds of MiB. Without the tracebacks,
    reference counting frees everything as soon as the error has been classified.
    """
    for link in _causes(exc):
        link.__traceback__ = None
    return exc


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what led to it: httpcore and anyio each wrap the OS error."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:  # both links are followed: wrappers (respx, anyio) keep one or the other
        current = pending.pop(0)
        if any(current is seen for seen in chain):
            continue
        chain.append(current)
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return chain
