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


def find_emails(text: str) -> list[tuple[int, int, bool]]:
    """Addresses in a run of rendered text, as cmark-gfm's autolink postprocess finds them.

    GitHub looks for `local@domain.tld` after inline parsing, in text with escapes and
    entities decoded and unmatched emphasis markers kept (so `first_last@x.org` is one
    address); a `mailto:` or `xmpp:` just before the local part is kept in the link.
    Returns (start, end, needs_mailto) for each address, in order.
    """
    found: list[tuple[int, int, bool]] = []
    start = offset = 0
    while start + offset < len(text):
        at = text.find("@", start + offset)
        if at < 0:
            break
        match = _email_at(text, start + offset, at)
        if isinstance(match, int):
            offset = match - start
            continue
        found.append(match)
        start, offset = match[1], 0
    return found


def _email_at(text: str, floor: int, at: int) -> tuple[int, int, bool] | int:
    """The address around the `@` at `at` (rewinding no further than `floor`), or the
    position to search on from when there is none there."""
    while True:
        rewind, needs_mailto, is_xmpp = _email_rewind(text, floor, at)
        if rewind == 0:
            return at + 1
        end, dots, next_at = at + 1, 0, None
        while end < len(text):
            char = text[end]
            if _is_ascii_alnum(char):
                pass
            elif char == "@":  # another `@`: the address can only be around that one
                next_at = end
                break
            elif char == "." and end + 1 < len(text) and _is_ascii_alnum(text[end + 1]):
                dots += 1
            elif not (char == "/" and is_xmpp) and char not in "-_":
                break
            end += 1
        if next_at is not None:
            floor, at = at + 1, next_at
            continue
        last = text[end - 1]
        if end - at < 2 or dots == 0 or not (_is_ascii_alpha(last) or last == "."):
            return end
        end = _autolink_delim(text, at, end)
        return (at - rewind, end, needs_mailto) if end > at else at + 1


def _email_rewind(text: str, floor: int, at: int) -> tuple[int, bool, bool]:
    """How far before `@` the address starts; whether it needs `mailto:`; whether `xmpp:`."""
    rewind, needs_mailto, is_xmpp = 0, True, False
    while rewind < at - floor:
        char = text[at - rewind - 1]
        if _is_ascii_alnum(char) or char in ".+-_":
            rewind += 1
            continue
        if char == ":":
            protocol = _protocol_before(text, floor, at - rewind)
            if protocol:
                needs_mailto, is_xmpp = False, is_xmpp or protocol == "xmpp:"
                rewind += 1
                continue
        break
    return rewind, needs_mailto, is_xmpp


def _protocol_before(text: str, floor: int, local_start: int) -> str | None:
    """`mailto:` or `xmpp:` ending at `local_start`, not glued to a letter or digit before."""
    for protocol in ("mailto:", "xmpp:"):
        begin = local_start - len(protocol)
        if begin >= floor and text.startswith(protocol, begin):
            if begin == floor or not _is_ascii_alnum(text[begin - 1]):
                return protocol
    return None


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
