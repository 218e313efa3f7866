"""What an HTML body prefix tells, read in one linear pass within a CPU budget: its anchors
(id/name), title and first heading, and its shape (visible text, scripts, a bot challenge)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from urllib.parse import unquote

from ...extract.html import RAW_TEXT, START, TEXT, Skip, attributes, skip_pattern, tokens
from .walls import WALL_SCRIPTS, is_wall_title

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
        r"\b(page|content|article|post|video|link)\s+(isn'?t|is\s+not|is\s+no\s+longer)\s+"
        r"available\b",  # "Sorry, this page isn't available."
    )
]
# Fragments that a page's own script reads as its state, never an element id: Google Docs'
# `#heading=h.x`, Sheets' `#gid=0`, `key=value&...` in single-page applications.
_APP_STATE = re.compile(r"[\w.\-]+=[^&]*(&[\w.\-]+=[^&]*)*")
# Anchors GitHub's pages make with JavaScript (comments, reviews, events, diffs).
# (`issue-` and `event-` take database ids: a heading "Issue 7" keeps its slug `issue-7`.)
_GITHUB_GENERATED = re.compile(
    r"(issuecomment|discussioncomment|pullrequestreview|commitcomment|discussion_r)-?\d+|"
    r"(issue|event)-\d{6,}|diff-[0-9a-f]{32,64}([LR]\d+(-[LR]\d+)?)?|"
    r"(commits-pushed|ref-commit|ref-issue|ref-pullrequest)-[\w-]+"
)


BUDGET = 0.25  # CPU seconds one page may cost; reading stops there
TEXT_COUNTED = 512  # visible characters are counted up to this many
_CHECK_EVERY = 128  # tokens between two looks at the clock
_HIDING = frozenset({"template", "noscript"})  # their text is not what a reader sees
# Tags and attributes the reader needs to see; the rest is passed over by one regex match.
_HEADINGS_ONLY = skip_pattern({"h1"}, (), text=True)
_WITH_TEXT = skip_pattern({"h1", "head", "body"} | _HIDING, ("id", "name", "src"), text=False)
_ANCHORS_ONLY = skip_pattern({"h1", "head", "body"} | _HIDING, ("id", "name", "src"), text=True)


@dataclass(frozen=True, slots=True)
class PageInfo:
    anchors: frozenset[str]
    title: str
    heading: str  # the first <h1>
    text_chars: int = 0  # visible text (runs trimmed) outside head, scripts, templates
    scripts: int = 0  # <script> elements
    challenge: bool = False  # a bot wall's title or script, not the page asked for
    complete: bool = True  # the whole body was read
    over_budget: bool = False  # reading stopped at the CPU budget: anchors may be missing

    @property
    def script_only(self) -> bool:
        """A shell that scripts fill in: scripts and (almost) no visible text."""
        return self.complete and self.scripts > 0 and self.text_chars < 32


def parse_page(body: bytes, charset: str | None = None, anchors: bool = True, *,
               budget: float | None = None,
               clock: Callable[[], float] = time.thread_time) -> PageInfo:
    """Anchors, title, first heading and shape of an HTML body (or of its first bytes).

    With `anchors=False` (no fragment to look up) reading stops once the title and first
    heading are known: they usually come early, and the rest of a large page costs far more
    than the request did; the shape fields then describe the part read. Reading also stops
    once it has cost `budget` CPU seconds (BUDGET unless given; a page crafted to be slow to
    read): the record then says so, and holds what was read until then."""
    budget = BUDGET if budget is None else budget
    text = body.decode(charset or "utf-8", errors="replace")
    reader = _Reader(text, anchors)
    started = clock()
    if reader.learnt_all(0):
        return reader.info(complete=False)
    for count, token in enumerate(tokens(text, skip=reader.skip), 1):
        kind = token.kind
        if kind is TEXT:
            reader.data(token.start, token.end)
        elif kind is START:
            reader.start(token.name, token.raw_attrs)
        else:
            reader.end(token.name)
        if reader.learnt_all(token.end):
            return reader.info(complete=False)
        if count % _CHECK_EVERY == 0 and clock() - started > budget:
            return reader.info(complete=False, over_budget=True)
    return reader.info()


_TITLE_START = re.compile(r"<[tT][iI][tT][lL][eE][\t\n\f\r />]")
_H1_START = re.compile(r"<[hH]1[\t\n\f\r />]")


class _Ahead:
    """Where the next `<name` that may start an element is: each search starts past the last
    match, so all of them together read the text once."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self.pattern, self.text, self.at = pattern, text, -1

    def none_after(self, pos: int) -> bool:
        if self.at is not None and self.at < pos:
            match = self.pattern.search(self.text, pos)
            self.at = match.start() if match else None
        return self.at is None


class _Reader:
    def __init__(self, text: str, full: bool) -> None:
        self.text = text
        self.full = full
        self.anchors: set[str] = set()
        self.title: list[str] | None = None
        self.heading: list[str] | None = None
        self.in_title = self.in_heading = self.in_head = self.raw = False
        self.hidden = 0  # depth inside _HIDING elements
        self.text_chars = self.scripts = 0
        self.challenge = False
        self.skip = Skip()
        self._choose_skip()
        self._title_ahead = _Ahead(_TITLE_START, text)
        self._heading_ahead = _Ahead(_H1_START, text)

    def start(self, name: str, raw: str) -> None:
        self.raw = name in RAW_TEXT  # the next text is the element's raw content
        if raw and self.full:
            self._attributes(name, attributes(raw))
        if name == "title" and self.title is None:
            self.title, self.in_title = [], True
        elif name == "h1" and self.heading is None:
            self.heading, self.in_heading = [], True
        elif name == "script":
            self.scripts += 1
        elif name in _HIDING:
            self.hidden += 1
        elif name in ("head", "body"):
            self.in_head = name == "head"
        self._choose_skip()

    def _attributes(self, name: str, attrs: dict[str, str]) -> None:
        if attrs.get("id"):
            self.anchors.add(attrs["id"])
        if name in ("a", "map") and attrs.get("name"):
            self.anchors.add(attrs["name"])
        source = attrs.get("src")
        if source and name == "script" and any(s in source for s in WALL_SCRIPTS):
            self.challenge = True

    def end(self, name: str) -> None:
        self.raw = False
        if name == "title":
            self.in_title = False
        elif name == "h1":
            self.in_heading = False
        elif name in _HIDING and self.hidden:
            self.hidden -= 1
        elif name == "head":
            self.in_head = False
        self._choose_skip()

    def learnt_all(self, pos: int) -> bool:
        """Without anchors wanted: whether the title and first heading are known, or cannot
        come any more (no `<title` or `<h1` in the rest of the text: a literal search)."""
        if self.full:
            return False
        title_done = (not self.in_title if self.title is not None
                      else self._title_ahead.none_after(pos))
        return title_done and (not self.in_heading if self.heading is not None
                               else self._heading_ahead.none_after(pos))

    def data(self, start: int, end: int) -> None:
        raw, self.raw = self.raw, False
        if self.in_title:
            self.title.append(self.text[start:end])  # type: ignore[union-attr]
            return
        if raw or self.hidden:
            return
        if self.in_heading:
            self.heading.append(self.text[start:end])  # type: ignore[union-attr]
        if self.full and self.text_chars < TEXT_COUNTED:
            visible = len(self.text[start:end].strip())
            if visible and self.in_head:
                self.in_head = False  # text ends the head, as in a browser
            if not self.in_head:
                self.text_chars += visible
                self._choose_skip()

    def _choose_skip(self) -> None:
        if self.in_heading:
            self.skip.pattern = None  # its text and inline tags are the heading
        elif not self.full:
            self.skip.pattern = _HEADINGS_ONLY
        elif self.text_chars < TEXT_COUNTED and not self.hidden:
            self.skip.pattern = _WITH_TEXT
        else:
            self.skip.pattern = _ANCHORS_ONLY

    def info(self, complete: bool = True, over_budget: bool = False) -> PageInfo:
        title = " ".join(unescape("".join(self.title or ())).split())
        heading = " ".join(unescape("".join(self.heading or ())).split())
        challenge = self.challenge or is_wall_title(title)
        return PageInfo(frozenset(self.anchors), title, heading, min(self.text_chars,
                        TEXT_COUNTED), self.scripts, challenge, complete, over_budget)


def anchor_of(fragment: str) -> str:
    """The element id a fragment names: a text directive (`#intro:~:text=...`) is dropped."""
    return fragment.partition(":~:")[0]


def ignorable_fragment(fragment: str, host: str) -> str | None:
    """Why a fragment is not an anchor to look for, or None when it is one."""
    if not fragment:
        return "empty fragment"
    if fragment.lower() == "top":  # with no such id, a browser scrolls to the top of the page
        return "top of the page"
    if fragment.startswith(("/", "!")):
        return "fragment is a client-side route"
    if fragment.startswith(":~:"):
        return "text fragment"
    if _APP_STATE.fullmatch(anchor_of(fragment)):
        return "fragment is application state"
    if _is_host(host, "github.com"):
        if re.fullmatch(r"L\d+(C\d+)?(-L\d+(C\d+)?)?", fragment):
            return "GitHub line anchor"
        if _GITHUB_GENERATED.fullmatch(fragment):
            return "anchor GitHub makes with JavaScript"
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
