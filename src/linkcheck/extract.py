"""Markdown -> Link records, from markdown-it-py tokens (never regex over raw markdown).

One parser instance is configured once: CommonMark plus GFM tables and strikethrough, front
matter, reference definitions as tokens, GitHub's autolink extension (autolink.py) in place
of linkify, and a few wrapped inline rules that record where each link starts in the inline
source. Tokens carry block-level line maps only, so those inline offsets are mapped back to
(line, column) in the file by `_Locator`. HTML tokens are read with html.parser and YAML
front matter with PyYAML's safe loader; neither is scanned as text.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import yaml
from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.ruler import Ruler
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from .autolink import bare_href, match_email, match_url, match_www
from .destination import parse_link_destination
from .models import Diagnostic, Document, Link, LinkKind, ReferenceDefinition
from .slug import Slugger
from .urls import resolve

SPAN = "linkcheck.span"  # token.meta key: (start, end) offsets in the inline source
DEST = "linkcheck.dest"  # token.meta key: destination exactly as written
LABEL = "linkcheck.label"  # token.meta key: normalised reference label, None for inline links
UNDEFINED = "linkcheck.undefined"  # inline token.meta key: [text][label] uses with no definition
_CURRENT = "linkcheck.inline"  # env key: the inline token being parsed
_OPEN_BRACKETS = "linkcheck.brackets"  # env key: `[` not yet closed by `]` in that token
_LAST_LABEL = "linkcheck.label"  # env key: (src, posMax, start, disableNested, end) of a label
MAX_FRONT_MATTER_NODES = 100_000  # YAML nodes with aliases expanded; front matter is small

# ---------------------------------------------------------------------------------------------
# Reading files


def extract_file(path: str) -> Document:
    """Read and extract one file; problems with the file become Diagnostics, never exceptions."""
    data, diagnostic = _read_bytes(path)
    if data is None:
        return Document(file=path, diagnostics=(diagnostic,) if diagnostic else ())
    return extract_bytes(data, path)


def extract_bytes(data: bytes, path: str) -> Document:
    """Extract a file's content already read; decoding problems become Diagnostics."""
    text, diagnostic = _decode(data, path)
    if text is None:
        return Document(file=path, diagnostics=(diagnostic,) if diagnostic else ())
    document = extract_text(text, path)
    read_problems = (diagnostic,) if diagnostic else ()
    return replace(document, diagnostics=read_problems + document.diagnostics)


def _decode(data: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 text; otherwise a Diagnostic, and the text when there is still some to read."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        message = "UTF-16 text (byte order mark): read as UTF-16; save it as UTF-8"
        return data.decode("utf-16", errors="replace"), Diagnostic(path, 1, message, "decode-error")
    if b"\0" in data:
        return None, Diagnostic(path, None, "binary file, skipped", "binary")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        # Still extract: one bad byte in a long file should not hide its other links.
        line = data.count(b"\n", 0, exc.start) + 1
        message = (
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "undecodable bytes replaced with U+FFFD"
        )
        text = data.decode("utf-8-sig", errors="replace")
        return text, Diagnostic(path, line, message, "decode-error")


def _read_bytes(path: str) -> tuple[bytes | None, Diagnostic | None]:
    try:
        return Path(path).read_bytes(), None
    except IsADirectoryError:
        reason = "is a directory, not a markdown file"
    except FileNotFoundError:
        reason = "file not found (removed during the run, or a dangling symlink)"
    except PermissionError:
        reason = "permission denied"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    return None, Diagnostic(path, None, f"cannot read file: {reason}", "unreadable")


# ---------------------------------------------------------------------------------------------
# Extraction


def extract_text(text: str, file: str) -> Document:
    """Extract every link a reader can follow, plus anchors and reference definitions."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as markdown-it normalises
    env: dict = {}
    tokens = _markdown().parse(text, env)
    walker = _Walker(file, text.split("\n"))
    walker.walk(tokens)
    return walker.document(line_count=_line_count(text))


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


@dataclass
class _Walker:
    """Walks the block tokens of one document in order, collecting links and anchors."""

    file: str
    lines: list[str]
    links: list[Link] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    definitions: list[ReferenceDefinition] = field(default_factory=list)
    undefined: list[Link] = field(default_factory=list)
    used_labels: set[str] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    front_matter: dict | None = None
    headings: list[tuple[int, str]] = field(default_factory=list)
    slugger: Slugger = field(default_factory=Slugger)
    definitions_by_label: dict[str, ReferenceDefinition] = field(default_factory=dict)
    code_lines: set[int] = field(default_factory=set)
    _row_cursor: tuple[int, int] = (-1, 0)  # (line, column) just past the last table cell

    @property
    def section(self) -> str:
        return " > ".join(title for _, title in self.headings)

    def walk(self, tokens: list[Token]) -> None:
        for token in tokens:
            if token.type == "definition":
                definition = self._definition(token)
                self.definitions.append(definition)
                self.definitions_by_label.setdefault(definition.label, definition)
        for index, token in enumerate(tokens):
            if token.type == "front_matter":
                self._front_matter(token)
            elif token.type == "heading_open":
                self._heading(token, tokens[index + 1])
            elif token.type == "inline":
                self._inline(token)
            elif token.type == "html_block":
                self._html_block(token)
            elif token.type in ("fence", "code_block") and token.map:
                self.code_lines.update(range(token.map[0] + 1, token.map[1] + 1))

    def document(self, line_count: int) -> Document:
        unused = tuple(
            d
            for d in self.definitions
            if d.label not in self.used_labels or self.definitions_by_label[d.label] is not d
        )
        return Document(
            file=self.file,
            links=tuple(self.links),
            anchors=frozenset(self.anchors),
            definitions=tuple(self.definitions),
            unused_definitions=unused,
            undefined_references=tuple(self.undefined),
            front_matter=self.front_matter,
            diagnostics=tuple(self.diagnostics),
            line_count=line_count,
            code_lines=frozenset(self.code_lines),
        )

    # -- headings ---------------------------------------------------------------------------

    def _heading(self, token: Token, inline: Token) -> None:
        level = int(token.tag[1])
        title = _plain_text(inline.children or [], for_slug=True).strip()
        self.anchors.add(self.slugger.slug(title))
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, " ".join(title.split())))

    # -- inline content ---------------------------------------------------------------------

    def _inline(self, token: Token) -> None:
        if token.map is None:
            return
        locator = self._locator(token)
        children = token.children or []
        for index, child in enumerate(children):
            if child.type == "link_open" and SPAN in child.meta:
                self._markdown_link(child, children, index, locator)
            elif child.type == "image" and SPAN in child.meta:
                self._markdown_image(child, locator)
            elif child.type == "html_inline" and SPAN in child.meta:
                self._html_inline(child, children, index, locator)
        for start, text, label, is_image in token.meta.get(UNDEFINED, ()):
            line, column = locator.position(start)
            kind = LinkKind.REFERENCE_IMAGE if is_image else LinkKind.REFERENCE
            self.undefined.append(
                Link(self.file, line, column, "", "", text, kind, self.section, label)
            )

    def _locator(self, token: Token) -> _Locator:
        first_line = token.map[0]
        min_column = self._row_cursor[1] if self._row_cursor[0] == first_line else 0
        locator = _Locator(token.content, first_line, self.lines, min_column)
        if token.content and "\n" not in token.content:
            self._row_cursor = (first_line, locator.end_column)
        return locator

    def _markdown_link(
        self, token: Token, children: list[Token], index: int, locator: _Locator
    ) -> None:
        text = _plain_text(_until_close(children, index + 1, "link_close"))
        start = token.meta[SPAN][0]
        if token.markup == "linkify":
            kind = LinkKind.BARE
            written = token.meta[DEST]
            # cmark-gfm keeps a bare URL's backslashes and percent-encodes them in the href.
            resolved = resolve((token.attrGet("href") or "").replace("\\", "%5C"), self.file)
        elif token.markup == "autolink":
            kind = LinkKind.AUTOLINK
            written = token.meta[DEST]
            href = token.attrGet("href") or ""
            target = href if href.startswith("mailto:") and ":" not in written else written
            resolved = resolve(target, self.file)
            text = written  # markdown-it's display text is decoded; the record keeps the source
        else:
            kind, written, resolved = self._destination(token, LinkKind.INLINE, LinkKind.REFERENCE)
        self._add(locator, start, written, resolved, text, kind, token.meta.get(LABEL) or "")

    def _markdown_image(self, token: Token, locator: _Locator) -> None:
        text = _plain_text(token.children or [])
        kind, written, resolved = self._destination(token, LinkKind.IMAGE, LinkKind.REFERENCE_IMAGE)
        label = token.meta.get(LABEL) or ""
        self._add(locator, token.meta[SPAN][0], written, resolved, text, kind, label)

    def _destination(
        self, token: Token, inline_kind: LinkKind, reference_kind: LinkKind
    ) -> tuple[LinkKind, str, str]:
        label = token.meta.get(LABEL)
        if label is None:
            written = token.meta[DEST]
            return inline_kind, written, resolve(unescapeAll(written), self.file)
        self.used_labels.add(label)
        definition = self.definitions_by_label.get(label)
        href = token.attrGet("href") or token.attrGet("src") or ""
        written = definition.url if definition else href
        return reference_kind, written, resolve(unescapeAll(written), self.file)

    def _add(
        self,
        locator: _Locator,
        offset: int,
        written: str,
        resolved: str,
        text: str,
        kind: LinkKind,
        key: str = "",
    ) -> None:
        line, column = locator.position(offset)
        self.links.append(
            Link(self.file, line, column, written, resolved, text, kind, self.section, key)
        )

    # -- reference definitions -------------------------------------------------------------

    def _definition(self, token: Token) -> ReferenceDefinition:
        first, last = token.map
        raw_label = token.meta["label"]
        source = "\n".join(self.lines[first:last])
        column = source.find(f"[{raw_label}]:")
        if column >= 0:
            written = _definition_destination(source, column + len(raw_label) + 3)
        else:  # a label broken over quoted lines: markdown-it's copy of the destination
            column, written = 0, token.meta["url"]
        return ReferenceDefinition(
            self.file, first + 1, column + 1, normalizeReference(raw_label), written
        )

    # -- HTML ------------------------------------------------------------------------------

    def _html_inline(
        self, token: Token, children: list[Token], index: int, locator: _Locator
    ) -> None:
        for tag in _parse_html(token.content):
            self._anchors_of(tag)
            if tag.name == "a" and tag.attrs.get("href") is not None:
                text = _plain_text(_until_html_close(children, index + 1))
                self._html_link(locator, token.meta[SPAN][0] + tag.offset, tag, "href", text)
            elif tag.name == "img" and tag.attrs.get("src") is not None:
                self._html_link(locator, token.meta[SPAN][0] + tag.offset, tag, "src", "")

    def _html_block(self, token: Token) -> None:
        if token.map is None:
            return
        locator = _Locator(token.content.rstrip("\n"), token.map[0], self.lines, 0)
        for tag in _parse_html(token.content):
            self._anchors_of(tag)
            attr = {"a": "href", "img": "src"}.get(tag.name)
            if attr and tag.attrs.get(attr) is not None:
                self._html_link(locator, tag.offset, tag, attr, tag.text)

    def _html_link(self, locator: _Locator, offset: int, tag: _Tag, attr: str, text: str) -> None:
        written = tag.attrs[attr] or ""
        kind = LinkKind.HTML_LINK if attr == "href" else LinkKind.HTML_IMAGE
        text = text if attr == "href" else (tag.attrs.get("alt") or "")
        # html.parser has already decoded entities in attribute values, as a browser does.
        text = " ".join(text.split())
        self._add(locator, offset, written, resolve(written, self.file), text, kind)

    def _anchors_of(self, tag: _Tag) -> None:
        for attr in ("id", "name") if tag.name == "a" else ("id",):
            value = tag.attrs.get(attr)
            if value:
                self.anchors.add(value)

    # -- front matter ----------------------------------------------------------------------

    def _front_matter(self, token: Token) -> None:
        first_line = (token.map[0] if token.map else 0) + 2  # 1-based, just after `---`
        parsed = _parse_yaml(token.content, first_line)
        if isinstance(parsed, Diagnostic):
            self.diagnostics.append(replace(parsed, file=self.file))
            return
        data, root = parsed
        if data is not None and not isinstance(data, dict):
            message = "front matter is not a mapping"
            self.diagnostics.append(Diagnostic(self.file, first_line, message, "front-matter"))
            return
        self.front_matter = data
        for key, node in _url_scalars(root, ""):
            value = node.value.strip()
            quote = 1 if node.style in ("'", '"') else 0  # the URL starts after the quote
            line, column = first_line + node.start_mark.line, node.start_mark.column + 1 + quote
            resolved = resolve(value, self.file)
            self.links.append(
                Link(
                    self.file, line, column, value, resolved, value, LinkKind.FRONT_MATTER, "", key
                )
            )


def _parse_yaml(text: str, first_line: int) -> tuple[object, yaml.Node | None] | Diagnostic:
    """The data and the node tree (for value positions), or a Diagnostic (file left blank)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and not _bounded(root, MAX_FRONT_MATTER_NODES):
            # `&a [*a]`, or aliases of aliases ("billion laughs"): walking it never ends
            message = "front matter aliases refer to themselves or expand too far"
            return Diagnostic("", first_line, message, "front-matter")
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line - 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Diagnostic("", line, f"invalid YAML front matter: {problem}", "front-matter")
    except RecursionError:  # PyYAML recurses once per nesting level
        return Diagnostic("", first_line, "front matter nested too deeply", "front-matter")
    finally:
        loader.dispose()


def _bounded(root: yaml.Node, limit: int) -> bool:
    """Whether the node tree, with every alias expanded, is finite and at most `limit` nodes."""
    sizes: dict[int, int] = {}  # id(node) -> expanded size; -1 while its children are counted

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known if known >= 0 else limit + 1  # -1: a node that contains itself
        sizes[id(node)] = -1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        sizes[id(node)] = total = min(total, limit + 1)
        return total

    return size(root) <= limit


def _url_scalars(node: yaml.Node | None, path: str) -> Iterator[tuple[str, yaml.ScalarNode]]:
    """Every scalar holding an http(s) URL, with its dotted key path (list items by index)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            yield from _url_scalars(value_node, f"{path}.{key}" if path else key)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _url_scalars(item, f"{path}.{index}" if path else str(index))
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        if node.value.strip().lower().startswith(("http://", "https://")):
            yield path, node


def _definition_destination(source: str, pos: int) -> str:
    """The destination of a `[label]: dest` definition exactly as written."""
    while pos < len(source) and source[pos] in " \t\n":
        pos += 1
    result = parse_link_destination(source, pos, len(source))
    written = source[pos : result.pos] if result.ok else ""
    return written[1:-1] if written.startswith("<") and written.endswith(">") else written


# ---------------------------------------------------------------------------------------------
# Token helpers


def _until_close(children: list[Token], start: int, close_type: str) -> list[Token]:
    end = start
    while end < len(children) and children[end].type != close_type:
        end += 1
    return children[start:end]


def _until_html_close(children: list[Token], start: int) -> list[Token]:
    """The tokens of an `<a>`'s text: up to `</a>`, or the next `<a>`, which closes it in HTML
    (stopping there also keeps a line of unclosed `<a>` tags from costing quadratic time)."""
    end = start
    while end < len(children):
        child = children[end]
        if child.type == "html_inline" and _A_TAG.match(child.content):
            break
        end += 1
    return children[start:end]


def _plain_text(tokens: list[Token], for_slug: bool = False) -> str:
    """The text a reader sees: text and code, emphasis markers gone; image alt text optional."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline", "text_special"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image" and not for_slug:
            parts.append(_plain_text(token.children or []))
    return "".join(parts)


@dataclass
class _Locator:
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


# ---------------------------------------------------------------------------------------------
# HTML

_A_TAG = re.compile(r"</?a[\s/>]", re.IGNORECASE)  # <a ...> or </a>, not <abbr> or </abbr>


@dataclass
class _Tag:
    name: str
    attrs: dict[str, str | None]
    offset: int  # offset of `<` in the HTML fragment
    text: str = ""  # for <a>: the text up to </a> within the same fragment


class _TagCollector(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        for index, char in enumerate(fragment):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.tags: list[_Tag] = []
        self._open_link: _Tag | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        first_wins: dict[str, str | None] = {}
        for name, value in attrs:  # browsers keep the first of repeated attributes
            first_wins.setdefault(name, value)
        found = _Tag(tag, first_wins, self._line_starts[line - 1] + column)
        self.tags.append(found)
        if tag == "a":
            self._close_link()
            self._open_link = found

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self._close_link()

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close_link()

    def handle_data(self, data: str) -> None:
        if self._open_link is not None:
            self._text.append(data)

    def _close_link(self) -> None:
        if self._open_link is not None:
            self._open_link.text = "".join(self._text)
        self._open_link, self._text = None, []


def _parse_html(fragment: str) -> list[_Tag]:
    collector = _TagCollector(fragment)
    collector.feed(fragment)
    collector.close()
    collector._close_link()
    return collector.tags


# ---------------------------------------------------------------------------------------------
# The parser and its inline rules

_PARSER: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    """The one configured parser (building it costs more than parsing a small file)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _build_parser()
    return _PARSER


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"inline_definitions": True})
    md.enable(["table", "strikethrough"])
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
    md.use(front_matter_plugin)
    md.core.ruler.at("inline", _core_inline)
    for name in ("link", "image", "autolink", "html_inline"):
        md.inline.ruler.at(name, _recording(md.inline.ruler, name))
    md.inline.ruler.after("image", "linkcheck_undefined_reference", _undefined_reference)
    md.inline.ruler.after("linkcheck_undefined_reference", "linkcheck_brackets", _count_brackets)
    md.inline.ruler.before("text", "linkcheck_gfm_autolink", _gfm_autolink)
    md.inline.add_terminator_char("w")  # cmark-gfm looks for `www.` at every `w`
    md.core.ruler.disable("text_join")  # keep escapes as separate tokens
    return md


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
    """Bare `http(s)://`, `ftp://`, `www.` and email links, delimited as GitHub delimits them.

    Like cmark-gfm, this runs on the raw source at `:`, `w` and `@`, so backslashes and
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
    elif src[pos] == "@":
        span = match_email(src, pos, state.posMax, state.pending)
    else:
        return False
    if span is None:
        return False
    start, end = span
    written = src[start:end]
    if pos > start:
        state.pending = state.pending[: len(state.pending) - (pos - start)]
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": bare_href(written)}
    token.markup, token.info = "linkify", "auto"
    token.meta = {SPAN: (start, end), DEST: written}
    text = state.push("text", "", 0)
    text.content = written
    close = state.push("link_close", "a", -1)
    close.markup, close.info = "linkify", "auto"
    state.pos = end
    return True
