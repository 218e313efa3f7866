"""Reading a markdown file: its bytes decoded to text, problems with the file as Diagnostics."""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path

from ..models import Diagnostic, Document
from .walker import extract_text


def extract_file(path: str) -> Document:
    """Read and extract one file; problems with the file become Diagnostics, never exceptions."""
    data, diagnostic = _read_bytes(path)
    if data is None:
        return Document(file=path, diagnostics=(diagnostic,) if diagnostic else ())
    return extract_bytes(data, path)


def extract_bytes(data: bytes, path: str) -> Document:
    """Extract a file's content already read; decoding problems become Diagnostics."""
    return extract_decoded(decode(data, path), path)


def extract_decoded(decoded: tuple[str | None, Diagnostic | None], path: str) -> Document:
    """Extract a file's content as `decode` gave it (the bytes need not be held meanwhile)."""
    text, diagnostic = decoded
    if text is None:
        return Document(file=path, diagnostics=(diagnostic,) if diagnostic else ())
    document = extract_text(text, path)
    read_problems = (diagnostic,) if diagnostic else ()
    return replace(document, diagnostics=read_problems + document.diagnostics)


def decode(data: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 text; otherwise a Diagnostic, and the text when there is still some to read."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        message = "UTF-16 text (byte order mark): read as UTF-16; save it as UTF-8"
        return data.decode("utf-16", errors="replace"), Diagnostic(path, 1, message, "decode-error")
    if b"\0" in data:
        return None, Diagnostic(path, None, "binary file, skipped", "binary")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        # Still extract: one bad byte in a long file should not hide its other links.
        line = data.count(b"\n", 0, exc.start) + 1
        message = (
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "undecodable bytes replaced with U+FFFD"
        )
        text = data.decode("utf-8-sig", errors="replace")
        return text, Diagnostic(path, line, message, "decode-error")


def _read_bytes(path: str) -> tuple[bytes | None, Diagnostic | None]:
    try:
        return Path(path).read_bytes(), None
    except IsADirectoryError:
        reason = "is a directory, not a markdown file"
    except FileNotFoundError:
        reason = "file not found (removed during the run, or a dangling symlink)"
    except PermissionError:
        reason = "permission denied"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    return None, Diagnostic(path, None, f"cannot read file: {reason}", "unreadable")

