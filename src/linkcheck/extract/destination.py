"""markdown-it's link destination parser, with the same results, skipping plain runs by regex.

markdown-it-py reads a destination one character at a time in Python; on a file with thousands
of links that loop is a large share of extraction. This version jumps over runs of characters
that only move the position forward and handles the rest exactly as markdown-it does
(`markdown_it.helpers.parseLinkDestination`); a test compares the two on many inputs.
"""

from __future__ import annotations

import re

from markdown_it.common.utils import unescapeAll

# characters that, outside <...>, only advance: not space, control, backslash or parenthesis
_BARE_RUN = re.compile(r"[^\x00-\x20\x7f\\()]*")
# characters that, inside <...>, only advance: not a line break, angle bracket or backslash
_ANGLED_RUN = re.compile(r"[^\n<>\\]*")
_MAX_NESTING = 32  # markdown-it gives up on deeper parentheses


class Destination:
    """What markdown-it's parser returns: ok, the position after it, and the unescaped text."""

    __slots__ = ("ok", "pos", "str")

    def __init__(self) -> None:
        self.ok = False
        self.pos = 0
        self.str = ""


def parse_link_destination(string: str, pos: int, maximum: int) -> Destination:
    """`parseLinkDestination(string, pos, maximum)`: `[text](HERE "title")`."""
    if pos < len(string) and string[pos] == "<":
        return _angled(string, pos, maximum)
    return _bare(string, pos, maximum)


def _angled(string: str, start: int, maximum: int) -> Destination:
    result = Destination()
    pos = start + 1
    while pos < maximum:
        pos = _ANGLED_RUN.match(string, pos, maximum).end()
        if pos >= maximum or pos >= len(string):
            break
        char = string[pos]
        if char in "\n<":
            return result
        if char == ">":
            result.pos = pos + 1
            result.str = unescapeAll(string[start + 1 : pos])
            result.ok = True
            return result
        pos += 2 if pos + 1 < maximum else 1  # a backslash escapes whatever follows
    return result  # no closing '>'


def _bare(string: str, start: int, maximum: int) -> Destination:
    result = Destination()
    pos, level = start, 0
    while pos < maximum:
        pos = _BARE_RUN.match(string, pos, maximum).end()
        if pos >= maximum or pos >= len(string):
            break
        char = string[pos]
        if char <= " " or char == "\x7f":  # space or control character
            break
        if char == "\\" and pos + 1 < maximum:
            if string[pos + 1 : pos + 2] == " ":
                break
            pos += 2
            continue
        if char == "(":
            level += 1
            if level > _MAX_NESTING:
                return result
        elif char == ")":
            if level == 0:
                break
            level -= 1
        pos += 1
    if pos == start or level != 0:
        return result
    result.str = unescapeAll(string[start:pos])
    result.pos = pos
    result.ok = True
    return result
