"""GitHub's autolink extension (cmark-gfm extensions/autolink.c) over raw inline source.

GitHub links bare `http://`, `https://`, `ftp://`, `www.` and email addresses in prose. The
match is made on the raw source at `:`, `w` and `@`, so backslashes and entities stay part of
the URL; the end is trimmed of trailing punctuation, unbalanced `)` and an entity-like `&x;`.
Each matcher returns the (start, end) offsets of the link in `src`, or None.
"""

from __future__ import annotations

import unicodedata

_TRAILING_PUNCTUATION = "?!.,:*_~'\""
_ASCII_SPACE = " \t\n\v\f\r"


def match_url(src: str, pos: int, limit: int, pending: str) -> tuple[int, int] | None:
    """`scheme://...` with `src[pos]` the `:`; `pending` is the text just before it."""
    if not src.startswith("//", pos + 1):
        return None
    rewind = 0
    # Only letters glued to `://` can be the scheme ("Roadmap:https://x" links "https://x").
    while rewind < len(pending) and _is_ascii_alpha(pending[-rewind - 1]):
        rewind += 1
    scheme = pending[len(pending) - rewind :].lower()
    if scheme not in ("http", "https", "ftp"):
        return None
    host = pos + 3
    if host >= limit or not _is_host_char(src[host]):
        return None
    if _check_domain(src, host, limit, allow_short=True) is None:
        return None
    end = _link_end(src, pos, limit)
    end = _autolink_delim(src, pos, end)
    return (pos - rewind, end) if end > pos else None


def bare_href(written: str) -> str:
    """The href GitHub gives a bare link: `www.` gets `http://`, an address `mailto:`."""
    lowered = written.lower()
    if lowered.startswith("www."):
        return "http://" + written
    if "@" in written and not lowered.startswith(("mailto:", "xmpp:", "http", "ftp")):
        return "mailto:" + written
    return written


def match_email(src: str, pos: int, limit: int, pending: str) -> tuple[int, int] | None:
    """`local@domain.tld`, optionally after `mailto:`/`xmpp:`, with `src[pos]` the `@`."""
    local = _email_local_part(pending)
    if local is None:
        return None
    rewind, is_xmpp = local
    end, dots = pos + 1, 0
    while end < limit:
        char = src[end]
        if _is_ascii_alnum(char) or char in "-_" or (char == "/" and is_xmpp):
            end += 1
        elif char == "." and end + 1 < limit and _is_ascii_alnum(src[end + 1]):
            dots += 1
            end += 1
        else:
            break
    if end - pos < 2 or dots == 0 or not (_is_ascii_alpha(src[end - 1]) or src[end - 1] == "."):
        return None
    end = _autolink_delim(src, pos, end)
    return (pos - rewind, end) if end > pos + 1 else None


def _email_local_part(pending: str) -> tuple[int, bool] | None:
    """How far before `@` the address starts, and whether it is an `xmpp:` one.

    Only the pending text is searched, so a `_` that markdown-it has already taken as an
    emphasis delimiter ends the local part (cmark-gfm would look past it).
    """
    rewind = 0
    while rewind < len(pending) and (
        _is_ascii_alnum(pending[-rewind - 1]) or pending[-rewind - 1] in ".+-_"
    ):
        rewind += 1
    if rewind == 0:
        return None
    head = pending[: len(pending) - rewind]
    for protocol in ("mailto:", "xmpp:"):
        before = head[: -len(protocol)]
        if head.endswith(protocol) and not (before and _is_ascii_alnum(before[-1])):
            return rewind + len(protocol), protocol == "xmpp:"
    return rewind, False


def match_www(src: str, pos: int, limit: int) -> tuple[int, int] | None:
    """`www.domain...` with `src[pos]` the first `w`, after a space, `*`, `_`, `~` or `(`."""
    if pos > 0 and src[pos - 1] not in "*_~(" and src[pos - 1] not in _ASCII_SPACE:
        return None
    if not src.startswith("www.", pos) or pos + 4 > limit:
        return None
    if _check_domain(src, pos, limit, allow_short=False) is None:
        return None
    end = _autolink_delim(src, pos, _link_end(src, pos, limit))
    return (pos, end) if end > pos else None


def _link_end(src: str, pos: int, limit: int) -> int:
    end = pos
    while end < limit and src[end] not in _ASCII_SPACE and src[end] != "<":
        end += 1
    return end


def _check_domain(src: str, start: int, limit: int, allow_short: bool) -> int | None:
    """cmark-gfm's domain check: no `_` in the last two labels; www links need a dot."""
    i, dots, underscores_last, underscores_prev = start + 1, 0, 0, 0
    while i < limit - 1:
        if src[i] == "\\" and i < limit - 2:
            i += 1
        char = src[i]
        if char == "_":
            underscores_last += 1
        elif char == ".":
            underscores_prev, underscores_last = underscores_last, 0
            dots += 1
        elif char != "-" and not _is_host_char(char):
            break
        i += 1
    if (underscores_prev or underscores_last) and dots <= 10:
        return None
    return i if allow_short or dots else None


def _autolink_delim(src: str, start: int, end: int) -> int:
    """Trim what GitHub leaves outside a bare URL: `<` onwards, trailing punctuation,
    unbalanced `)`, and a trailing entity-like `&name;`."""
    less_than = src.find("<", start, end)
    if less_than >= 0:
        end = less_than
    opening, closing = src.count("(", start, end), src.count(")", start, end)
    while end > start:
        char = src[end - 1]
        if char == ")":
            if closing <= opening:
                return end
            closing -= 1
            end -= 1
        elif char in _TRAILING_PUNCTUATION:
            end -= 1
        elif char == ";":
            entity = end - 2
            while entity > start and _is_ascii_alpha(src[entity]):
                entity -= 1
            end = entity if entity < end - 2 and src[entity] == "&" else end - 1
        else:
            return end
    return end


def _is_ascii_alpha(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _is_host_char(char: str) -> bool:
    """Not whitespace and not punctuation (ASCII punctuation or Unicode P*), as cmark-gfm."""
    if char in _ASCII_SPACE:
        return False
    if char.isascii():
        return char.isalnum()
    category = unicodedata.category(char)
    return not (category.startswith("P") or category == "Zs")
