"""Markdown -> Document: reading and decoding, the parser and its rules, the token walker.

The parser (markdown-it and our rules) is imported when one of these is first asked for, not
with the package: a run whose every file the extraction cache answers never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .read import extract_bytes, extract_file
    from .walker import extract_text

__all__ = ["extract_bytes", "extract_file", "extract_text"]


def __getattr__(name: str) -> Any:
    if name in ("extract_bytes", "extract_file"):
        from . import read

        return getattr(read, name)
    if name == "extract_text":
        from .walker import extract_text

        return extract_text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
