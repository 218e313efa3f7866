"""A self-signed certificate for 127.0.0.1, made with the openssl command, for TLS servers that
tests start on loopback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def loopback_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) files in `folder`; the test is skipped without openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )
    return cert, key
