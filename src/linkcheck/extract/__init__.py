"""Markdown -> Document: reading and decoding, the parser and its rules, the token walker."""

from .read import extract_bytes, extract_file
from .walker import extract_text

__all__ = ["extract_bytes", "extract_file", "extract_text"]
