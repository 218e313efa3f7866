"""Content-encodings decoded chunk by chunk, never past the caller's room (gzip bombs)."""

from __future__ import annotations

import zlib


def _identity(chunk: bytes, room: int) -> bytes:
    return chunk[:room] if room < len(chunk) else chunk


def decoder_for(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return _identity
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    # wbits 47: accept a gzip or zlib header; max_length bounds what one chunk may expand to.
    inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)
    raw_deflate_possible = encoding == "deflate"

    def decode(chunk: bytes, room: int) -> bytes:
        nonlocal inflater, raw_deflate_possible
        if raw_deflate_possible:  # the first chunk tells zlib's format from raw deflate
            raw_deflate_possible = False
            try:
                return inflater.decompress(chunk, max(room, 1))
            except zlib.error:  # raw deflate, without zlib's header: some servers send it
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        return inflater.decompress(chunk, max(room, 1))

    return decode
