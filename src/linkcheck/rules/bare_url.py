"""LC106 bare-url: a URL in prose that is not written as a link."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding, LinkKind
from .base import Context, Rule, Settings


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for document in context.documents:
        for link in document.links:
            if link.kind != LinkKind.BARE:
                continue
            # `<www.x.org>` is not an autolink in CommonMark: only URLs with a scheme get a fix.
            fixable = "://" in link.url
            yield settings.finding(
                link.file, link.line, link.column,
                f"bare URL {link.url}: write it as a link, <{link.url}> or [title]({link.url})",
                url=link.url,
                replacement=f"<{link.url}>" if fixable else None,
                original=link.url if fixable else None,
            )


RULE = Rule(
    id="LC106",
    slug="bare-url",
    title="A URL in prose that is not written as a link",
    finds="A URL typed into running text (Link kind `bare`), which only some renderers turn "
    "into a link.",
    why="Whether it becomes clickable depends on the renderer (GitHub yes, many static site "
    "generators no); an explicit link renders the same everywhere.",
    example="Roadmap: https://roadmap.sh/mlops",
    instead="Roadmap: <https://roadmap.sh/mlops> (or [MLOps roadmap](https://roadmap.sh/mlops))",
    check=check,
    fixable=True,
    reads_verdicts=False,
)
