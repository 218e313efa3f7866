"""The one markdown-it parser: CommonMark, GFM tables and strikethrough, front matter, and our
inline/core rules that record where each link starts (one plugin, built once)."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import normalizeReference
from markdown_it.ruler import Ruler
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from .autolink import bare_href, find_emails, match_url, match_www
from .destination import parse_link_destination
from .positions import source_offsets

SPAN = "linkcheck.span"  # token.meta key: (start, end) offsets in the inline source
DEST = "linkcheck.dest"  # token.meta key: destination exactly as written
LABEL = "linkcheck.label"  # token.meta key: normalised reference label, None for inline links
UNDEFINED = "linkcheck.undefined"  # inline token.meta key: [text][label] uses with no definition
_CURRENT = "linkcheck.inline"  # env key: the inline token being parsed
_OPEN_BRACKETS = "linkcheck.brackets"  # env key: `[` not yet closed by `]` in that token
# markdown-it stops reading blocks nested deeper than its maxNesting (20 in its CommonMark
# preset: a 10-level list or 20 quotes already lose their links) while GitHub renders them.
# Parsing recurses per level, so the limit stays well inside Python's recursion limit.
MAX_NESTING = 100
_LAST_LABEL = "linkcheck.label"  # env key: (src, posMax, start, disableNested, end) of a label


# ---------------------------------------------------------------------------------------------
# The parser and its inline rules

_PARSER: MarkdownIt | None = None


def markdown_parser() -> MarkdownIt:
    """The one configured parser (building it costs more than parsing a small file)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _build_parser()
    return _PARSER


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"inline_definitions": True, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(linkcheck_plugin)
    return md


def linkcheck_plugin(md: MarkdownIt) -> None:
    """Our inline and core rules, as one markdown-it plugin: where each link starts and its
    destination as written, undefined references, and GitHub's autolinks in place of linkify."""
    # Every destination counts, even ones a renderer would refuse (javascript:, odd data:):
    # the local checker reports them instead of letting them vanish from the report.
    md.validateLink = lambda url: True
    # Destinations are read back from the source as written and resolved by urls.resolve,
    # so markdown-it's own percent-encoding and punycoding of hrefs is wasted work.
    md.normalizeLink = lambda url: url
    # The same destination parsing, minus markdown-it's character-at-a-time loop (a large share
    # of the parse in link-heavy files); this parser instance only, the module is untouched.
    md.helpers = SimpleNamespace(
        parseLinkLabel=_remembered_label,
        parseLinkDestination=parse_link_destination,
        parseLinkTitle=helpers.parseLinkTitle,
    )
    md.core.ruler.at("inline", _core_inline)
    md.core.ruler.after("inline", "linkcheck_gfm_email", _gfm_emails)
    for name in ("link", "image", "autolink", "html_inline"):
        md.inline.ruler.at(name, _recording(md.inline.ruler, name))
    md.inline.ruler.after("image", "linkcheck_undefined_reference", _undefined_reference)
    md.inline.ruler.after("linkcheck_undefined_reference", "linkcheck_brackets", _count_brackets)
    md.inline.ruler.before("text", "linkcheck_gfm_autolink", _gfm_autolink)
    md.inline.add_terminator_char("w")  # cmark-gfm looks for `www.` at every `w`
    md.core.ruler.disable("text_join")  # keep escapes as separate tokens


def _core_inline(state: StateCore) -> None:
    """markdown-it's core inline rule, remembering which inline token is being parsed."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            state.env[_CURRENT] = token
            state.env[_OPEN_BRACKETS] = 0
            state.md.inline.parse(token.content, state.md, state.env, token.children)
    state.env.pop(_CURRENT, None)


_RECORDED_TYPES = frozenset({"link_open", "image", "html_inline"})
# Each wrapped rule starts by refusing every position but one character: `[link]`, `![image]`,
# `<autolink>`, `<html>`.
_FIRST_CHAR = {"link": "[", "image": "!", "autolink": "<", "html_inline": "<"}


def _recording(ruler: Ruler, name: str) -> Callable[[StateInline, bool], bool]:
    """Wrap inline rule `name` to note on its token the span it consumed in the source."""
    original = next(rule.fn for rule in ruler.__rules__ if rule.name == name)
    first_char = _FIRST_CHAR[name]

    def rule(state: StateInline, silent: bool) -> bool:
        if state.src[state.pos] != first_char:  # the rule's own first test, without the call
            return False
        start, first_new = state.pos, len(state.tokens)
        if not original(state, silent):
            return False
        if not silent:
            token = next((t for t in state.tokens[first_new:] if t.type in _RECORDED_TYPES), None)
            if token is not None:
                end = state.pos
                token.meta[SPAN] = (start, end)
                if token.type in ("link_open", "image") and token.markup != "autolink":
                    _record_destination(state, token, start, end)
                elif token.markup == "autolink":
                    token.meta[DEST] = state.src[start + 1 : end - 1]
        return True

    return rule


def _record_destination(state: StateInline, token: Token, start: int, end: int) -> None:
    """Work out from the source whether a link is inline or a reference, and its destination."""
    src = state.src
    is_image = token.type == "image"
    bracket = start + 1 if is_image else start
    # The same label parse the link and image rules made (images may nest links in alt text):
    # their result when it was the last one made on this source, else made again.
    known = state.env.get(_LAST_LABEL)
    asked = (state.posMax, bracket, not is_image)
    if known is not None and known[0] is src and known[1:4] == asked:
        label_end = known[4]
    else:
        saved = state.pos
        label_end = state.md.helpers.parseLinkLabel(state, bracket, not is_image)
        state.pos = saved
    if label_end < 0:  # cannot happen for a token those rules produced; keep their href
        token.meta[DEST], token.meta[LABEL] = token.attrGet("src" if is_image else "href"), None
        return
    after = label_end + 1
    if after < end and src[after] == "(" and src[end - 1] == ")":
        token.meta[DEST] = _inline_destination(src, after + 1, end)
        token.meta[LABEL] = None
        return
    label = src[bracket + 1 : label_end]
    if after < end and src[after] == "[" and end - 1 > after + 1:
        label = src[after + 1 : end - 1]
    token.meta[LABEL] = normalizeReference(label)


def _remembered_label(state: StateInline, start: int, disable_nested: bool = False) -> int:
    """markdown-it's parseLinkLabel, noting its result for `_record_destination`."""
    end = helpers.parseLinkLabel(state, start, disable_nested)
    state.env[_LAST_LABEL] = (state.src, state.posMax, start, disable_nested, end)
    return end


def _inline_destination(src: str, pos: int, end: int) -> str:
    while pos < end and src[pos] in " \t\n":
        pos += 1
    result = parse_link_destination(src, pos, end)
    if not result.ok:
        return ""
    written = src[pos : result.pos]
    return written[1:-1] if written.startswith("<") else written


def _undefined_reference(state: StateInline, silent: bool) -> bool:
    """Record `[text][label]` and `[label][]` whose label has no definition; consume nothing.

    markdown-it renders these as plain text, so they are only visible here, where the link
    rule has just failed at this `[` and escapes and code spans are already out of the way.
    """
    src, pos = state.src, state.pos
    token = _current_token(state)
    if silent or token is None or state.linkLevel > 0 or src[pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, pos, True)
    state.pos = pos
    if label_end < 0 or label_end + 1 >= state.posMax or src[label_end + 1] != "[":
        return False
    second_end = state.md.helpers.parseLinkLabel(state, label_end + 1, True)
    state.pos = pos
    if second_end < 0:
        return False
    text = src[pos + 1 : label_end]
    label = normalizeReference(src[label_end + 2 : second_end] or text)
    if label and label not in state.env.get("references", {}):
        is_image = src[pos - 1 : pos] == "!" and src[pos - 2 : pos - 1] != "\\"
        start = pos - 1 if is_image else pos
        token.meta.setdefault(UNDEFINED, []).append((start, text, label, is_image))
    return False


def _current_token(state: StateInline) -> Token | None:
    """The inline token whose content is being parsed; None inside an image's alt text,
    which markdown-it parses as a separate source (its offsets are not the token's)."""
    token = state.env.get(_CURRENT)
    return token if token is not None and state.src is token.content else None


def _count_brackets(state: StateInline, silent: bool) -> bool:
    """Track `[` that did not start a link until a `]` closes it; consume nothing.

    cmark-gfm makes no bare link while such a bracket is open (`[see https://x.test]` is
    plain text on GitHub); rules reached here have already ruled out links, code and escapes.
    """
    if not silent and _current_token(state) is not None:
        char = state.src[state.pos]
        if char == "[":
            state.env[_OPEN_BRACKETS] = state.env.get(_OPEN_BRACKETS, 0) + 1
        elif char == "]" and state.env.get(_OPEN_BRACKETS):
            state.env[_OPEN_BRACKETS] -= 1
    return False


# ---------------------------------------------------------------------------------------------
# GitHub's autolink extension, as a markdown-it inline rule


def _gfm_autolink(state: StateInline, silent: bool) -> bool:
    """Bare `http(s)://`, `ftp://` and `www.` links, delimited as GitHub delimits them.

    Like cmark-gfm, this runs on the raw source at `:` and `w`, so backslashes and
    entities stay part of the URL, and emphasis markers and trailing punctuation are trimmed.
    Nothing matches inside brackets, as on GitHub: not in link-label lookahead (silent mode),
    not in link text, and not after a `[` that no `]` has closed yet.
    """
    if silent or state.linkLevel > 0 or state.env.get(_OPEN_BRACKETS):
        return False
    pos, src = state.pos, state.src
    if src[pos] == ":":
        span = match_url(src, pos, state.posMax, state.pending)
    elif src[pos] == "w":
        span = match_www(src, pos, state.posMax)
    else:
        return False
    if span is None:
        return False
    start, end = span
    written = src[start:end]
    if pos > start:
        state.pending = state.pending[: len(state.pending) - (pos - start)]
    state.tokens.extend(_bare_link(bare_href(written), written, (start, end), written))
    state.pos = end
    return True


def _bare_link(href: str, text: str, span: tuple[int, int], written: str) -> list[Token]:
    """The tokens of a link the autolink extension makes: open, its text, close."""
    token = Token("link_open", "a", 1, attrs={"href": href}, markup="linkify", info="auto")
    token.meta = {SPAN: span, DEST: written}
    content = Token("text", "", 0, content=text)
    return [token, content, Token("link_close", "a", -1, markup="linkify", info="auto")]


# ---------------------------------------------------------------------------------------------
# GitHub's e-mail autolinks, found after inline parsing as cmark-gfm's postprocess does

_TEXT_TYPES = frozenset({"text", "text_special"})
_MAY_HOLD_AT = re.compile(r"@|&(#|commat;)")  # `@` itself, or an entity that may be one


def _gfm_emails(state: StateCore) -> None:
    """Link the addresses in each run of text outside links (escapes and entities decoded)."""
    for token in state.tokens:
        if token.type == "inline" and token.children and _MAY_HOLD_AT.search(token.content):
            token.children = _with_emails(token.children, token.content)


def _with_emails(children: list[Token], src: str) -> list[Token]:
    result: list[Token] = []
    offsets: list[int] | None = None
    depth, run_start = 0, 0
    for index in range(len(children) + 1):
        child = children[index] if index < len(children) else None
        if child is not None and depth == 0 and child.type in _TEXT_TYPES:
            continue
        run = children[run_start:index]
        if any("@" in t.content for t in run):
            offsets = offsets if offsets is not None else source_offsets(children, src)
            result.extend(_split_run(run, offsets[run_start:index], src))
        else:
            result.extend(run)
        if child is not None:
            depth += child.nesting if child.type in ("link_open", "link_close") else 0
            result.append(child)
        run_start = index + 1
    return result


def _split_run(run: list[Token], offsets: list[int], src: str) -> list[Token]:
    """A run of text tokens, with the addresses in their joined text made links."""
    text = "".join(t.content for t in run)
    emails = find_emails(text)
    if not emails:
        return run
    # source offsets of each character of `text` and just past it (an escape or an entity
    # counts as written: `\+` spans two characters of the source)
    starts: list[int] = []
    ends: list[int] = []
    for token, offset in zip(run, offsets, strict=True):
        verbatim = token.type == "text"
        for i in range(len(token.content)):
            starts.append(offset + i if verbatim else offset)
            ends.append(offset + i + 1 if verbatim else offset + len(token.markup))
    tokens: list[Token] = []
    done = 0
    for start, end, needs_mailto in emails:
        if start > done:
            tokens.append(Token("text", "", 0, content=text[done:start]))
        address = text[start:end]
        span = (starts[start], ends[end - 1])
        href = ("mailto:" if needs_mailto else "") + address
        tokens.extend(_bare_link(href, address, span, src[span[0] : span[1]]))
        done = end
    if done < len(text):
        tokens.append(Token("text", "", 0, content=text[done:]))
    return tokens
