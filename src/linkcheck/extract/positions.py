"""Offsets in an inline token's content mapped back to (line, column) in the file."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


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

