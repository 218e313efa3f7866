"""Inline and block HTML, read by a linear tokenizer: tags, their attributes, text.

The tokenizer follows the WHATWG tokenizer where that decides what is a tag (a tag runs to the
first `>` outside a quoted attribute value; a comment to `-->`; `<script>`, `<style>`, `<title>`
and the other raw-text elements to their end tag) and never looks back: every regular
expression is possessive, and a construct left open at the end of the input ends the scan, as it
ends the document in a browser. Its cost is linear in the length of the input whatever that
holds (html.parser rescans an unclosed `<a` or `<!--` from each of its starts: quadratic).
The remote checker reads pages with it too (check/remote/page.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape

# Whitespace as the tokenizer knows it (\r too: the input is not newline-normalised).
_WS = "\t\n\f\r "
_VALUE = rf"""(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^{_WS}>]++)"""
_TAG = re.compile(
    rf"""<(/?)([A-Za-z][^{_WS}/>]*+)
    ((?:[{_WS}/]++|[^{_WS}/>][^{_WS}/>=]*+(?:[{_WS}]*+=[{_WS}]*+{_VALUE}?)?)*+)
    (>)?""",
    re.VERBOSE,
)
_ATTR = re.compile(rf"([^{_WS}/>][^{_WS}/>=]*+)(?:[{_WS}]*+=[{_WS}]*+({_VALUE})?)?")
_COMMENT_END = re.compile(r"--!?>")
# Elements whose content is text up to their own end tag (RAWTEXT and RCDATA in the standard).
RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "title",
                      "textarea"})
_RAW_END = {name: re.compile(rf"</{name}[{_WS}/>]", re.IGNORECASE) for name in RAW_TEXT}

TEXT, START, END = "text", "start", "end"


@dataclass(slots=True)
class Token:
    kind: str  # TEXT, START or END
    start: int  # offset of the token in the input
    end: int
    name: str = ""  # lower-case tag name (START, END)
    raw_attrs: str = ""  # a START tag's attribute text, read with `attributes`


class Skip:
    """What `tokens` may pass over without yielding it: `pattern` (from `skip_pattern`) is
    matched before each token, and the caller may change it between tokens (None: none)."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: re.Pattern[str] | None = None) -> None:
        self.pattern = pattern


def skip_pattern(names: Iterable[str], attrs: Iterable[str], text: bool) -> re.Pattern[str]:
    """Markup a reader does not need, matched in one go: comments, doctypes, a `<` that opens
    nothing, tags not in `names` that carry none of `attrs`, and (with `text`) text.

    Same grammar as the tokenizer, so a match never ends inside a tag; a construct left open
    at the end of the input is not matched, and the tokenizer then ends there as usual."""
    stop_names = "|".join(map(_any_case, sorted(set(names) | RAW_TEXT)))
    stop_attrs = "|".join(map(_any_case, sorted(attrs))) or "(?!)"
    attr = (rf"(?!(?:{stop_attrs})[{_WS}/>=])[^{_WS}/>][^{_WS}/>=]*+"
            rf"""(?:[{_WS}]*+=[{_WS}]*+(?:"[^"]*+"|'[^']*+'|[^{_WS}>]++)?)?""")
    tag = rf"</?(?!(?:{stop_names})[{_WS}/>])[A-Za-z][^{_WS}/>]*+(?:[{_WS}/]++|{attr})*+>"
    comment = r"<!--(?:>|->|(?:[^-]++|-(?!-!?>))*+--!?>)|<!(?!--)[^>]*+>|<\?[^>]*+>"
    plain = r"[^<]++|" if text else ""
    return re.compile(rf"(?:{plain}{tag}|{comment}|<(?![A-Za-z/!?]))*+")


def _any_case(word: str) -> str:
    """`word` in any case, spelt out: re.IGNORECASE would make the whole pattern twice slower."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def tokens(text: str, pos: int = 0, skip: Skip | None = None) -> Iterator[Token]:
    """The text runs and tags of `text`, in order. Comments, doctypes and processing
    instructions are left out; an element in RAW_TEXT yields its content as one TEXT token."""
    length = len(text)
    find = text.find
    while pos < length:
        if skip is not None and skip.pattern is not None:
            pos = skip.pattern.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= length:
                return
        lt = find("<", pos)
        if lt < 0:
            yield Token(TEXT, pos, length)
            return
        if lt > pos:
            yield Token(TEXT, pos, lt)
        after = text[lt + 1:lt + 2]
        if after.isascii() and (after.isalpha() or after == "/"):
            match = _TAG.match(text, lt)
            if match is None:  # "</" and no letter: a bogus comment
                pos = _to_gt(text, lt + 2)
                continue
            if match.group(4) is None:
                return  # a tag left open runs to the end of the document: nothing follows
            name = match.group(2).lower()
            pos = match.end()
            if match.group(1):
                yield Token(END, lt, pos, name)
                continue
            yield Token(START, lt, pos, name, match.group(3))
            if name in RAW_TEXT:
                close = _RAW_END[name].search(text, pos)
                stop = close.start() if close else length
                if stop > pos:
                    yield Token(TEXT, pos, stop)
                pos = stop
        elif after == "!":
            pos = _comment(text, lt) if text.startswith("<!--", lt) else _to_gt(text, lt + 2)
        elif after == "?":
            pos = _to_gt(text, lt + 2)
        else:  # a "<" that opens nothing is text
            yield Token(TEXT, lt, lt + 1)
            pos = lt + 1


def _comment(text: str, lt: int) -> int:
    body = lt + 4
    if text.startswith(">", body):
        return body + 1  # <!-->
    if text.startswith("->", body):
        return body + 2  # <!--->
    end = _COMMENT_END.search(text, body)
    return end.end() if end else len(text)


def _to_gt(text: str, start: int) -> int:
    end = text.find(">", start)
    return end + 1 if end >= 0 else len(text)


def attributes(raw: str) -> dict[str, str | None]:
    """A start tag's attributes: names lower-cased, values with character references decoded
    (None for an attribute without `=`), the first of repeated attributes kept (as a browser
    does)."""
    found: dict[str, str | None] = {}
    for match in _ATTR.finditer(raw):
        name = match.group(1).lower()
        if name not in found:
            found[name] = _value(match.group(2))
    return found


def self_closing(raw: str) -> bool:
    """Whether a start tag ends with `/>` (and not as the end of an unquoted value)."""
    if not raw.endswith("/"):
        return False
    last = None
    for last in _ATTR.finditer(raw):  # noqa: B007 - only the last match matters
        pass
    return last is None or last.end() < len(raw)


def _value(raw: str | None) -> str | None:
    if raw is None:
        return None
    if raw[0] in "\"'":
        raw = raw[1:-1] if len(raw) > 1 and raw[-1] == raw[0] else raw[1:]
    return unescape(raw) if "&" in raw else raw


def text_of(text: str, token: Token) -> str:
    """A TEXT token's characters, character references decoded."""
    chunk = text[token.start:token.end]
    return unescape(chunk) if "&" in chunk else chunk


A_TAG = re.compile(r"</?a[\s/>]", re.IGNORECASE)  # <a ...> or </a>, not <abbr> or </abbr>


@dataclass
class Tag:
    name: str
    attrs: dict[str, str | None]
    offset: int  # offset of `<` in the HTML fragment
    text: str = ""  # for <a>: the text up to </a> (or the next <a>) within the same fragment


def parse_html(fragment: str) -> list[Tag]:
    """The start tags of an HTML fragment, each <a> with its text."""
    tags: list[Tag] = []
    link: Tag | None = None
    text: list[str] = []
    for token in tokens(fragment):
        if token.kind is TEXT:
            if link is not None:
                text.append(text_of(fragment, token))
            continue
        if token.name == "a" and link is not None:  # </a>, or a new <a>, ends the open link
            link.text, link, text = "".join(text), None, []
        if token.kind is START:
            tag = Tag(token.name, attributes(token.raw_attrs), token.start)
            tags.append(tag)
            if token.name == "a" and not self_closing(token.raw_attrs):
                link = tag
    if link is not None:
        link.text = "".join(text)
    return tags
