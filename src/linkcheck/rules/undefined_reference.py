"""LC108 undefined-reference: a reference-style link whose label has no definition."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding, Severity
from .base import Context, Rule, Settings


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for document in context.documents:
        for link in document.undefined_references:
            label = (link.key or link.text).lower()  # labels are matched case-insensitively
            yield settings.finding(
                link.file, link.line, link.column,
                f"reference [{label}] is used but never defined: "
                f"add `[{label}]: <url>` or write the URL inline",
            )


RULE = Rule(
    id="LC108",
    slug="undefined-reference",
    title="Reference-style link with no definition",
    finds="`[text][label]` where no `[label]: url` definition exists in the file.",
    why="The link renders as literal brackets: readers see markup and cannot follow it.",
    example="See [the guide][guide].",
    instead="See [the guide](https://example.org/guide).",
    check=check,
    severity=Severity.ERROR,
    reads_verdicts=False,
)
