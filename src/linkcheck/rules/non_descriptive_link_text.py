"""LC107 non-descriptive-link-text: link text that does not say where the link goes."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding, LinkKind
from .base import Context, Rule, Settings, plain_text, text_is_url

GENERIC_TEXTS = (
    "here", "click here", "link", "this link", "this", "read more", "more", "click", "go",
    "this page", "page", "website", "url", "source",
)
_WRITTEN_TEXT = (LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.HTML_LINK)


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    generic = {plain_text(t) for t in settings.options["texts"]}
    for document in context.documents:
        for link in document.links:
            if link.kind not in _WRITTEN_TEXT:
                continue  # bare and autolinks are their URL by design; images have alt text
            problem = _problem(link, generic, settings.options["url_as_text"])
            if problem:
                yield settings.finding(
                    link.file, link.line, link.column,
                    f"{problem}: say what the reader will find at {link.url}", url=link.url,
                )


def _problem(link, generic: set[str], url_as_text: bool) -> str | None:
    text = plain_text(link.text)
    if not text:
        return "empty link text"
    if text in generic:
        return f"link text {link.text.strip()!r} does not describe the target"
    if url_as_text and text_is_url(link):
        return "the URL itself is the link text"
    return None


RULE = Rule(
    id="LC107",
    slug="non-descriptive-link-text",
    title="Link text that does not describe its target",
    finds='Empty link text, generic text such as "here", "link", "click here", "read more", '
    "or the bare URL used as the text of a written link.",
    why="Screen-reader users navigate by link text, and every reader decides from it whether "
    "to follow the link; a URL as text is hard to read and goes stale with the URL.",
    example="[here](https://roadmap.sh/docker)",
    instead="[Docker roadmap](https://roadmap.sh/docker)",
    check=check,
    options={"texts": list(GENERIC_TEXTS), "url_as_text": True},
    reads_verdicts=False,
)
