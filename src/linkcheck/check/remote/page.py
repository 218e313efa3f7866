"""What an HTML body prefix tells: its anchors (id/name), its title and main heading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

# Hosts that lowercase the ids they generate from headings, and prefix them (GitHub's
# sanitizer turns id="x" into id="user-content-x" and resolves #x with JavaScript).
_LOWERCASING_HOSTS = ("github.com", "gitlab.com")
_USER_CONTENT = "user-content-"

_SOFT_404_PATTERNS = [
    re.compile(p)
    for p in (
        r"^(error|http)?\s*404\b",  # "404", "Error 404 - Example"
        r"[-:|–—]\s*(error\s*)?404(\s*error)?$",  # "Example | 404"; not "Understanding HTTP 404"
        r"\b404\s*[-:|–—]\s*(page\s+)?not\s+found\b",
        r"\bpage\s+not\s+found\b",
        r"^not\s+found\s*([-:|–—.!]|$)",  # "Not Found", "Not found | Example"
        r"^(this|that|the)\s+page\s+(does\s+not|doesn'?t|no\s+longer)\s+exists?\b",
        r"\b(page|file|article|post|resource)\s+(you\s+\S+\s+)?(does\s+not|doesn'?t)\s+exist\b",
    )
]


@dataclass(frozen=True, slots=True)
class PageInfo:
    anchors: frozenset[str]
    title: str
    heading: str  # the first <h1>


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()
        self.title: list[str] = []
        self.heading: list[str] = []
        self._in: str | None = None
        self._seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag in ("a", "map"))):
                self.anchors.add(value)
        if tag in ("title", "h1") and tag not in self._seen:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._seen.add(tag)
            self._in = None

    def has_title_and_heading(self) -> bool:
        return "title" in self._seen and "h1" in self._seen

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title.append(data)
        elif self._in == "h1":
            self.heading.append(data)


_SLICE = 8192  # characters fed at a time when parsing may stop early


def parse_page(body: bytes, charset: str | None = None, anchors: bool = True) -> PageInfo:
    """Anchors, title and first heading of an HTML document (or of its first bytes).

    With `anchors=False` (no fragment to look up) parsing stops once the title and the first
    heading are known: they usually come early, and the rest of a large page costs far more
    than the request did. The anchors are then only those seen so far."""
    text = body.decode(charset or "utf-8", errors="replace")
    collector = _Collector()
    if anchors:
        collector.feed(text)
    else:
        for start in range(0, len(text), _SLICE):
            collector.feed(text[start:start + _SLICE])
            if collector.has_title_and_heading():
                break
    collector.close()
    return PageInfo(
        frozenset(collector.anchors),
        " ".join("".join(collector.title).split()),
        " ".join("".join(collector.heading).split()),
    )


def ignorable_fragment(fragment: str, host: str) -> str | None:
    """Why a fragment is not an anchor to look for, or None when it is one."""
    if not fragment:
        return "empty fragment"
    if fragment.startswith(("/", "!")):
        return "fragment is a client-side route"
    if fragment.startswith(":~:"):
        return "text fragment"
    if _is_host(host, "github.com") and re.fullmatch(r"L\d+(C\d+)?(-L\d+(C\d+)?)?", fragment):
        return "GitHub line anchor"
    return None


def fragment_found(fragment: str, page: PageInfo, body: bytes, host: str) -> bool:
    """Whether #fragment names an anchor of the page, allowing for how hosts rewrite ids."""
    wanted = {fragment, unquote(fragment)}
    lowercase = any(_is_host(host, h) for h in _LOWERCASING_HOSTS)
    if lowercase:
        wanted |= {w.lower() for w in wanted}
    anchors = page.anchors
    if lowercase:
        anchors = anchors | {a.lower() for a in anchors}
    candidates = wanted | {_USER_CONTENT + w for w in wanted}
    if candidates & anchors:
        return True
    # Pages that ship their content as JSON for a client-side renderer (GitHub's file view)
    # carry the generated ids only as text.
    quoted = (f'{_USER_CONTENT}{w}"'.encode() for w in wanted)
    return any(b'"' + q in body or b'\\"' + q.replace(b'"', b'\\"') in body for q in quoted)


def looks_like_not_found(page: PageInfo) -> bool:
    """A title or main heading that says the page does not exist."""
    for text in (page.title, page.heading):
        lowered = text.lower().strip()
        if lowered and any(p.search(lowered) for p in _SOFT_404_PATTERNS):
            return True
    return False


def _is_host(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)
