"""The raw text of one markdown file, with line offsets and code-block lines, for rules and fixes.

Lines are split the way markdown-it counts them (`\\r\\n`, `\\r` or `\\n`), so a Link's line and
column map to the same place here; offsets index the decoded text, which re-encodes to the exact
original bytes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLANKS = " \t\r\n"
_BOM = "\ufeff"
# What may stand right before a URL in link syntax: `](url)`, `<url>`, `href="url"`, `[x]: url`.
_URL_OPENERS = "(<\"'=:"


@dataclass(frozen=True)
class Source:
    file: str
    text: str
    # the code-block lines extraction found in this same text: saves parsing the file again
    known_code_lines: frozenset[int] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def read(cls, file: str, code_lines: frozenset[int] | None = None) -> Source | None:
        """The file's text, or None when it cannot be read as UTF-8 (extraction reports that)."""
        try:
            return cls(file, Path(file).read_bytes().decode("utf-8"), code_lines)
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def body(self) -> str:
        """The text without a byte order mark, as extraction sees it."""
        return self.text.removeprefix(_BOM)

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """Offset of the first character of each line (index 0 is line 1)."""
        first = len(self.text) - len(self.body)  # a BOM is not part of line 1's columns
        return (first, *(m.end() for m in _LINE_BREAK.finditer(self.text)))

    @property
    def lines(self) -> tuple[str, ...]:
        """Every line without its line break (index 0 is line 1); made anew on each call."""
        return tuple(self.iter_lines())

    def iter_lines(self) -> Iterator[str]:
        """Every line without its line break, each made as it is read: the lines of a big
        file are never all held beside its text."""
        for number in range(1, len(self.starts) + 1):
            yield self.line(number)

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its line break; "" past the end."""
        starts = self.starts
        if not 1 <= number <= len(starts):
            return ""
        if number == len(starts):
            return self.text[starts[-1]:]
        line = self.text[starts[number - 1]:starts[number]]
        return line[:-2] if line.endswith("\r\n") else line[:-1]

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of an offset."""
        index = max(bisect_right(self.starts, offset) - 1, 0)
        return index + 1, offset - self.starts[index] + 1

    @cached_property
    def code_lines(self) -> frozenset[int]:
        """1-based numbers of the lines inside fenced or indented code blocks."""
        if self.known_code_lines is not None:
            return self.known_code_lines
        from markdown_it import MarkdownIt  # here: a run from the extraction cache never parses

        lines: set[int] = set()
        for token in MarkdownIt("commonmark").parse(self.body):
            if token.type in ("fence", "code_block") and token.map:
                lines.update(range(token.map[0] + 1, token.map[1] + 1))
        return frozenset(lines)

    def locate_url(self, line: int, column: int, url: str, window: int = 8000) -> int | None:
        """Offset of `url` as written in the link starting at (line, column), or None.

        The URL is the first occurrence that is either exactly at the link's start (a bare URL)
        or opened by link syntax, so `[https://x](https://x)` finds the destination, not the text.
        """
        if not url or not 1 <= line <= len(self.starts):
            return None
        start = self.offset(line, column)
        limit = start + window + len(url)
        found = self.text.find(url, start, limit)
        while found != -1:
            before = self.text[start:found].rstrip(_BLANKS)
            if found == start or (before and before[-1] in _URL_OPENERS):
                return found
            found = self.text.find(url, found + 1, limit)
        return None
