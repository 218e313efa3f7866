"""The token walker: markdown-it tokens -> a Document of links, anchors and definitions.

Never regex over raw markdown: the one parser (plugin.py) records on each link token where it
starts in the inline source and its destination as written; tokens carry block-level line maps
only, so those offsets are mapped back to (line, column) in the file by `Locator`
(positions.py). HTML is read by our linear tokenizer (html.py), front matter by PyYAML (safe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from sys import intern

from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.rules_core import block, normalize
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from ..models import Diagnostic, Document, Link, LinkKind, ReferenceDefinition
from ..urls import escape_href, resolve
from .chunks import CHUNK_LINES, chunk_starts
from .destination import parse_link_destination
from .front_matter import parse_yaml, url_scalars
from .html import A_TAG, Tag, parse_html
from .plugin import DEST, LABEL, MAX_NESTING, SPAN, UNDEFINED, markdown_parser
from .positions import Locator
from .slug import Slugger

# Docusaurus' explicit heading id: `## Title {#custom-id}` (GitHub shows it as text)
EXPLICIT_HEADING_ID = re.compile(r"\s*\{#([^\s{}]+)\}\s*$")


def extract_text(text: str, file: str, chunk_lines: int = CHUNK_LINES) -> Document:
    """Extract every link a reader can follow, plus anchors and reference definitions.

    A long document is parsed part by part (chunks.py), so its tokens never all exist at once;
    the parts are cut where the result is the same as parsing the whole."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as markdown-it normalises
    lines = text.split("\n")
    walker = _Walker(file, lines)
    starts = chunk_starts(lines, chunk_lines)
    try:
        if len(starts) == 1:
            deepest = _walk(walker, markdown_parser().parse(text, {}), True)
        else:
            deepest = _walk_in_parts(walker, lines, starts, has_definitions="]:" in text)
    except RecursionError:  # nesting the limit below does not bound (never seen in practice)
        message = "markdown nested too deeply to read; its links are not checked"
        return Document(file, diagnostics=(Diagnostic(file, None, message, "too-deep"),))
    if deepest[0] >= MAX_NESTING - 1:  # named at the first block opened that deep
        message = f"blocks nested {MAX_NESTING} levels deep: deeper content is not read"
        walker.diagnostics.append(Diagnostic(file, deepest[1], message, "too-deep"))
    return walker.document(line_count=_line_count(text))


# blocks that hold blocks: markdown-it reads nothing inside one opened at its nesting limit
_CONTAINERS = frozenset({"blockquote_open", "bullet_list_open", "ordered_list_open",
                         "list_item_open"})


def _walk(walker: _Walker, tokens: list[Token], definitions: bool) -> tuple[int, int | None]:
    """Walk the tokens; the deepest level a container block was opened at, and its line."""
    walker.walk(tokens, definitions)
    return max(((t.level, t.map[0] + 1 if t.map else None) for t in tokens
                if t.type in _CONTAINERS), default=(0, None), key=lambda deep: deep[0])


def _walk_in_parts(walker: _Walker, lines: list[str], starts: list[int],
                   has_definitions: bool) -> tuple[int, int | None]:
    """Definitions first (a link may use one defined further down), then each part in turn,
    its line maps moved to the part's place in the file. What `_walk` says of the deepest."""
    md, env = markdown_parser(), {}
    bounds = list(zip(starts, [*starts[1:], len(lines)], strict=True))
    if has_definitions:
        for first, end in bounds:
            state = StateCore("\n".join(lines[first:end]) + "\n", md, env)
            normalize(state)
            block(state)  # block rules only: they record the definitions
            walker.collect_definitions(_moved(state.tokens, first))
    deepest: tuple[int, int | None] = (0, None)
    for first, end in bounds:
        tokens = md.parse("\n".join(lines[first:end]) + "\n", env)
        deepest = max(deepest, _walk(walker, _moved(tokens, first), not has_definitions),
                      key=lambda deep: deep[0])
    return deepest


def _moved(tokens: list[Token], lines_before: int) -> list[Token]:
    for token in tokens:
        if token.map:
            token.map = [token.map[0] + lines_before, token.map[1] + lines_before]
    return tokens


def _resolve_href(destination: str, file: str) -> str:
    """A markdown link's target: the href the renderer writes, resolved as a browser does."""
    return resolve(escape_href(destination), file)


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)



@dataclass
class _Walker:
    """Walks the block tokens of one document in order, collecting links and anchors."""

    file: str
    lines: list[str]
    links: list[Link] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    heading_ids: list[tuple[str, str]] = field(default_factory=list)
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
    _section: str = ""  # the heading path, made once per heading: its links share it

    @property
    def section(self) -> str:
        return self._section

    def walk(self, tokens: list[Token], definitions: bool = True) -> None:
        if definitions:
            self.collect_definitions(tokens)
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

    def collect_definitions(self, tokens: list[Token]) -> None:
        for token in tokens:
            if token.type == "definition":
                definition = self._definition(token)
                self.definitions.append(definition)
                self.definitions_by_label.setdefault(definition.label, definition)

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
            heading_ids=tuple(self.heading_ids),
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
        # GitHub slugs the heading's text content as rendered, unstripped: the space before a
        # badge image or an HTML comment stays (`# hello ![x](y)` is `#hello-`).
        title = _plain_text(inline.children or [], for_slug=True)
        slug = self.slugger.slug(title)
        self.anchors.add(slug)
        explicit = EXPLICIT_HEADING_ID.search(title)
        if explicit:
            self.heading_ids.append((slug, explicit.group(1)))
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, " ".join(title.split())))
        self._section = " > ".join(title for _, title in self.headings)

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

    def _locator(self, token: Token) -> Locator:
        first_line = token.map[0]
        min_column = self._row_cursor[1] if self._row_cursor[0] == first_line else 0
        locator = Locator(token.content, first_line, self.lines, min_column)
        if token.content and "\n" not in token.content:
            self._row_cursor = (first_line, locator.end_column)
        return locator

    def _markdown_link(
        self, token: Token, children: list[Token], index: int, locator: Locator
    ) -> None:
        text = _plain_text(_until_close(children, index + 1, "link_close"))
        start = token.meta[SPAN][0]
        if token.markup == "linkify":
            kind = LinkKind.BARE
            written = token.meta[DEST]
            # cmark-gfm keeps a bare URL's backslashes; its href percent-encodes them.
            resolved = _resolve_href(token.attrGet("href") or "", self.file)
        elif token.markup == "autolink":
            kind = LinkKind.AUTOLINK
            written = token.meta[DEST]
            href = token.attrGet("href") or ""
            target = href if href.startswith("mailto:") and ":" not in written else written
            resolved = _resolve_href(target, self.file)
            text = written  # markdown-it's display text is decoded; the record keeps the source
        else:
            kind, written, resolved = self._destination(token, LinkKind.INLINE, LinkKind.REFERENCE)
        self._add(locator, start, written, resolved, text, kind, token.meta.get(LABEL) or "")

    def _markdown_image(self, token: Token, locator: Locator) -> None:
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
            return inline_kind, written, _resolve_href(unescapeAll(written), self.file)
        self.used_labels.add(label)
        definition = self.definitions_by_label.get(label)
        href = token.attrGet("href") or token.attrGet("src") or ""
        written = definition.url if definition else href
        return reference_kind, written, _resolve_href(unescapeAll(written), self.file)

    def _add(
        self,
        locator: Locator,
        offset: int,
        written: str,
        resolved: str,
        text: str,
        kind: LinkKind,
        key: str = "",
    ) -> None:
        line, column = locator.position(offset)
        self.links.append(
            # interned: a URL linked many times, and its text, are held once (~1 KB per link)
            Link(self.file, line, column, intern(written), intern(resolved), intern(text), kind,
                 self.section, key)
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
        self, token: Token, children: list[Token], index: int, locator: Locator
    ) -> None:
        for tag in parse_html(token.content):
            self._anchors_of(tag)
            if tag.name == "a" and tag.attrs.get("href") is not None:
                text = _plain_text(_until_html_close(children, index + 1))
                self._html_link(locator, token.meta[SPAN][0] + tag.offset, tag, "href", text)
            elif tag.name == "img" and tag.attrs.get("src") is not None:
                self._html_link(locator, token.meta[SPAN][0] + tag.offset, tag, "src", "")

    def _html_block(self, token: Token) -> None:
        if token.map is None:
            return
        locator = Locator(token.content.rstrip("\n"), token.map[0], self.lines, 0)
        for tag in parse_html(token.content):
            self._anchors_of(tag)
            attr = {"a": "href", "img": "src"}.get(tag.name)
            if attr and tag.attrs.get(attr) is not None:
                self._html_link(locator, tag.offset, tag, attr, tag.text)

    def _html_link(self, locator: Locator, offset: int, tag: Tag, attr: str, text: str) -> None:
        written = tag.attrs[attr] or ""
        kind = LinkKind.HTML_LINK if attr == "href" else LinkKind.HTML_IMAGE
        text = text if attr == "href" else (tag.attrs.get("alt") or "")
        # html.parser has already decoded entities in attribute values, as a browser does.
        text = " ".join(text.split())
        self._add(locator, offset, written, resolve(written, self.file), text, kind)

    def _anchors_of(self, tag: Tag) -> None:
        for attr in ("id", "name") if tag.name == "a" else ("id",):
            value = tag.attrs.get(attr)
            if value:
                self.anchors.add(value)

    # -- front matter ----------------------------------------------------------------------

    def _front_matter(self, token: Token) -> None:
        first_line = (token.map[0] if token.map else 0) + 2  # 1-based, just after `---`
        parsed = parse_yaml(token.content, first_line)
        if isinstance(parsed, Diagnostic):
            self.diagnostics.append(replace(parsed, file=self.file))
            return
        data, root = parsed
        if data is not None and not isinstance(data, dict):
            message = "front matter is not a mapping"
            self.diagnostics.append(Diagnostic(self.file, first_line, message, "front-matter"))
            return
        self.front_matter = data
        for key, node in url_scalars(root, ""):
            value = node.value.strip()
            quote = 1 if node.style in ("'", '"') else 0  # the URL starts after the quote
            line, column = first_line + node.start_mark.line, node.start_mark.column + 1 + quote
            resolved = resolve(value, self.file)
            self.links.append(
                Link(
                    self.file, line, column, value, resolved, value, LinkKind.FRONT_MATTER, "", key
                )
            )



def _definition_destination(source: str, pos: int) -> str:
    """The destination of a `[label]: dest` definition exactly as written."""
    while pos < len(source) and source[pos] in " \t\n":
        pos += 1
    result = parse_link_destination(source, pos, len(source))
    written = source[pos : result.pos] if result.ok else ""
    return written[1:-1] if written.startswith("<") and written.endswith(">") else written




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
        if child.type == "html_inline" and A_TAG.match(child.content):
            break
        end += 1
    return children[start:end]


def _plain_text(tokens: list[Token], for_slug: bool = False) -> str:
    """The text a reader sees: text and code, emphasis markers gone; image alt text optional.

    For a slug, the text content of the rendered heading: no alt text, and a line break is
    the newline the HTML holds (which the slug then drops)."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline", "text_special"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n" if for_slug else " ")
        elif token.type == "image" and not for_slug:
            parts.append(_plain_text(token.children or []))
    return "".join(parts)


