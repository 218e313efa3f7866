"""LC109 unused-definition: a `[label]: url` definition that no link uses."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding
from .base import Context, Rule, Settings


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for document in context.documents:
        for definition in document.unused_definitions:
            yield settings.finding(
                definition.file, definition.line, definition.column,
                f"definition [{definition.label.lower()}] is never used: link to it or remove it",
                url=definition.url,
            )


RULE = Rule(
    id="LC109",
    slug="unused-definition",
    title="Reference definition that no link uses",
    finds="A `[label]: url` line that no `[text][label]` link in the file refers to.",
    why="It is usually a link that was meant to be there and got lost in an edit, and it keeps "
    "a URL alive (and checked) that readers never see.",
    example="[guide]: https://example.org/guide",
    instead="See [the guide][guide]. (a link that uses it, or no definition)",
    check=check,
    reads_verdicts=False,
)
