"""Certificates as browsers judge them, against TLS servers on loopback made with trustme: a
server that sends its certificate without the intermediate is `unverifiable` (browsers complete
such chains for public sites), while expired, self-signed and wrong-host certificates are broken.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import Iterator

import pytest
from readerweb import serve_tls

from linkcheck.check.remote.checker import check_remote
from linkcheck.config import CheckConfig, Config
from linkcheck.models import Status

trustme = pytest.importorskip("trustme")


def _context(cert_pem: bytes, key_pem: bytes, folder, name: str) -> ssl.SSLContext:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, str]]:
    """name -> URL of a server; the CA file the client is to trust under "ca"."""
    folder = tmp_path_factory.mktemp("chain")
    root = trustme.CA()
    intermediate = root.create_child_ca()
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=10)
    leaf = intermediate.issue_cert("127.0.0.1")
    expired = intermediate.issue_cert("127.0.0.1", not_before=past - datetime.timedelta(days=5),
                                      not_after=past)
    elsewhere = intermediate.issue_cert("other.test")
    stranger = trustme.CA()  # its own certificate, signed by itself, trusted by nobody
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    contexts = {
        "complete": _context(chain, leaf.private_key_pem.bytes(), folder, "complete"),
        "leaf-only": _context(leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes(),
                              folder, "leaf"),
        "expired": _context(b"".join(b.bytes() for b in expired.cert_chain_pems),
                            expired.private_key_pem.bytes(), folder, "expired"),
        "wrong-host": _context(b"".join(b.bytes() for b in elsewhere.cert_chain_pems),
                               elsewhere.private_key_pem.bytes(), folder, "elsewhere"),
        "self-signed": _context(stranger.cert_pem.bytes(), stranger.private_key_pem.bytes(),
                                folder, "stranger"),
    }
    running = {name: serve_tls(context) for name, context in contexts.items()}
    root.cert_pem.write_to_path(str(folder / "ca.pem"))
    yield {"ca": str(folder / "ca.pem"), **{name: url for name, (_, url) in running.items()}}
    for server, _ in running.values():
        server.shutdown()
        server.server_close()


def check(servers: dict[str, str], monkeypatch) -> dict[str, tuple[Status, str]]:
    monkeypatch.setenv("SSL_CERT_FILE", servers["ca"])  # the default context trusts the root
    urls = {name: url for name, url in servers.items() if name != "ca"}
    config = Config(check=CheckConfig(timeout=5.0, connect_timeout=2.0, read_timeout=2.0,
                                      retries=0, allow_private=True))
    results = asyncio.run(check_remote(list(urls.values()), config)).results
    return {name: (results[url].status, results[url].reason) for name, url in urls.items()}


def test_certificates_are_judged_as_browsers_judge_them(servers, monkeypatch):
    found = check(servers, monkeypatch)
    assert found["complete"][0] is Status.OK
    assert found["leaf-only"] == (Status.UNVERIFIABLE, "incomplete certificate chain")
    for name in ("expired", "self-signed", "wrong-host"):
        status, reason = found[name]
        assert status is Status.BROKEN and reason.startswith("TLS error"), (name, reason)
    assert "expired" in found["expired"][1]
    assert "self-signed" in found["self-signed"][1] or "self signed" in found["self-signed"][1]
    assert "127.0.0.1" in found["wrong-host"][1] or "mismatch" in found["wrong-host"][1]
