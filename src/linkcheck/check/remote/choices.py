"""What a page check asks for: HEAD or GET, how much of the body, which timeout."""

from __future__ import annotations

from ...http.outcome import Failure, FailureKind, Outcome, Reply
from ...http.target import parse_target
from .hosts import Host
from .page import PageInfo, parse_page
from .verdict import REDIRECTS, PageRules

SOFT_404_BYTES = 64 * 1024  # a page's <title> and <h1> come well before this
# HEAD answers that some servers give wrongly while GET works.
HEAD_UNRELIABLE = frozenset({400, 403, 404, 405, 406, 410, 501})
# Paths whose body cannot show a soft 404 and may be large: checked with HEAD.
_NOT_HTML_SUFFIXES = (
    ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".whl", ".png", ".jpg", ".jpeg",
    ".gif", ".svg", ".webp", ".mp4", ".mp3", ".webm", ".csv", ".json", ".parquet", ".pt",
    ".bin", ".ipynb", ".txt", ".exe", ".dmg", ".iso", ".epub",
)


def wants_body(url: str, rules: PageRules) -> bool:
    """A soft 404 shows in the body of a deep HTML page; other pages are checked with HEAD."""
    target = parse_target(url)  # parsed once per URL, shared with the request itself
    if target is None:  # not a URL at all: the request will say so
        return False
    path = target.path.partition(b"?")[0].decode("ascii")
    deep = path.strip("/") != ""
    return rules.soft_404 and deep and not path.lower().endswith(_NOT_HTML_SUFFIXES)


def head_unreliable(outcome: Outcome) -> bool:
    if isinstance(outcome, Failure):
        return outcome.kind in (FailureKind.RESET, FailureKind.PROTOCOL, FailureKind.TIMEOUT)
    return outcome.status_code in HEAD_UNRELIABLE


def location(outcome: Outcome) -> str | None:
    if isinstance(outcome, Reply) and outcome.status_code in REDIRECTS:
        return outcome.headers.get("location") or None
    return None


def page_info(outcome: Outcome, rules: PageRules, anchors: bool) -> PageInfo | None:
    """What the page says about itself, parsed only when a verdict can use it: an answer that
    is ok (soft 404s, fragments), never an error page."""
    if not isinstance(outcome, Reply) or not outcome.is_html or not outcome.body:
        return None
    if not (200 <= outcome.status_code < 300 or outcome.status_code in rules.accept):
        return None
    return parse_page(outcome.body, outcome.charset, anchors=anchors)


def timeout_for(host: Host | None, default: float) -> float:
    if host is not None and host.settings.timeout is not None:
        return host.settings.timeout
    return default

