"""Offsets in an inline token's content mapped back to (line, column) in the file."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from markdown_it.token import Token


@dataclass
class Locator:
    """Maps offsets in an inline token's content back to (line, column) in the file.

    Each content line is the source line minus its block prefix (list indent, `>`), minus
    trailing spaces on the last line; table cells and ATX headings are found by search.
    """

    content: str
    first_line: int  # 0-based line of the block
    lines: list[str]
    min_column: int
    line_starts: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    end_column: int = 0

    def __post_init__(self) -> None:
        offset = 0
        for index, content_line in enumerate(self.content.split("\n")):
            number = self.first_line + index
            source = self.lines[number] if number < len(self.lines) else ""
            column = _column_of(source, content_line, self.min_column if index == 0 else 0)
            self.line_starts.append(offset)
            self.columns.append(column)
            self.end_column = column + len(content_line)
            offset += len(content_line) + 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset into the content."""
        index = bisect_right(self.line_starts, offset) - 1
        column = self.columns[index] + offset - self.line_starts[index]
        return self.first_line + index + 1, column + 1


def _column_of(source: str, content_line: str, min_column: int) -> int:
    """Where `content_line` (an inline content line) starts in its source line."""
    if not content_line:
        return len(source)
    for candidate in (source, source.rstrip()):
        start = len(candidate) - len(content_line)
        if start >= min_column and candidate.endswith(content_line):
            return start
    found = source.find(content_line, min_column)
    if found >= 0:
        return found
    # A tab in the block indent became spaces in the content: align on the first visible
    # character (links never start inside that whitespace).
    visible = content_line.lstrip()
    found = source.find(visible, min_column)
    return found - (len(content_line) - len(visible)) if found >= 0 else 0



_SPAN = "linkcheck.span"  # the key plugin.py records link spans under (offsets in the source)


def source_offsets(children: list[Token], src: str) -> list[int]:
    """Where each inline child token starts in `src`, the inline source it was parsed from.

    markdown-it keeps no inline offsets, so they are found by walking the source alongside the
    tokens: links, images and inline HTML carry their recorded span, text is verbatim source,
    escapes, entities, code and emphasis markers are found by their markup. A token that
    cannot be found is given the position reached so far.
    """
    offsets: list[int] = []
    cursor, link_end = 0, None
    for token in children:
        span = token.meta.get(_SPAN) if token.meta else None
        if span is not None:
            offsets.append(span[0])
            cursor = span[0] if token.type == "link_open" else span[1]
            link_end = span[1] if token.type == "link_open" else link_end
            continue
        if token.type == "link_close" and link_end is not None:
            offsets.append(cursor)
            cursor, link_end = link_end, None
            continue
        needle = _raw_text(token)
        found = src.find(needle, cursor) if needle else -1
        start = found if found >= 0 else cursor
        offsets.append(start)
        cursor = _past(token, src, start, needle) if found >= 0 else cursor
    return offsets


def _raw_text(token: Token) -> str:
    if token.type == "text":
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return "\n"
    return token.markup  # escapes, entities, code spans, emphasis and strikethrough markers


def _past(token: Token, src: str, start: int, needle: str) -> int:
    """Where the source of `token` (found at `start`) ends."""
    end = start + len(needle)
    if token.type == "code_inline":  # past the closing run of as many backticks
        closing = re.compile(rf"(?<!`){re.escape(needle)}(?!`)")
        match = closing.search(src, end)
        end = match.end() if match else end
    return end
