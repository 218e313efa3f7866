"""Contributor and server text made inert in a GitHub markdown table cell.

No value can end the cell, open a link or an HTML tag, or mention a user; URLs (and e-mail
addresses) are shown as code, never as links, so no `javascript:` or `data:` link can be
clicked, and a copied URL is the URL: no invisible character is put inside it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import cap, one_line

CELL_LIMIT = 200
_ESCAPED = "\\`*_[]<>()#!~|&"
_TO_ESCAPE = re.compile("[" + re.escape(_ESCAPED) + "]")  # a regex pass beats str.translate
ZWJ = "\u200d"
_TRAILING = ".,:;!?'\"*_~"
# What GitHub would turn into a link in plain text: scheme URLs, www. names, e-mail addresses
_LINKABLE = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://[^\s<>]*|\bwww\.[^\s<>]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)


@lru_cache(maxsize=1 << 14)  # a report repeats its reasons, sections and rule titles often
def escape_cell(value: str, limit: int = CELL_LIMIT) -> str:
    """Make contributor text safe and literal inside a markdown table cell; the URLs in it
    become code spans (whole, so they copy as they are)."""
    value = one_line(cap(value, limit))
    out, start = [], 0
    for match in _LINKABLE.finditer(value):
        linkable = _trimmed(match.group())
        end = match.start() + len(linkable)
        out += [_escape_text(value[start:match.start()]), code_cell(linkable, limit)]
        start = end
    out.append(_escape_text(value[start:]))
    return "".join(out)


def _trimmed(url: str) -> str:
    """Without the punctuation that ends the sentence rather than the URL (GitHub's rule)."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _escape_text(value: str) -> str:
    # a joiner after @ keeps GitHub from notifying the user or team named
    return _TO_ESCAPE.sub(lambda m: "\\" + m.group(), value).replace("@", "@" + ZWJ)


@lru_cache(maxsize=1 << 14)
def code_cell(value: str, limit: int = CELL_LIMIT) -> str:
    """A URL shown as code, never as a clickable link, whatever backticks or pipes it holds."""
    value = one_line(cap(value, limit)).replace("|", "%7C")  # a pipe ends the cell even in code
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    fence = "`" * (longest + 1)
    # a space on each side stops a leading or trailing backtick from joining the fence
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"
