"""LC112 invalid-suppression: a linkcheck-disable comment naming a rule that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding
from .base import Context, Rule, Settings


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for file, marks in context.suppressions.items():
        for unknown in marks.unknown:
            yield settings.finding(
                file, unknown.line, unknown.column,
                f"unknown rule {unknown.name!r} in a linkcheck suppression comment: it silences "
                "nothing (see `linkcheck rules` for the slugs and ids)",
            )


RULE = Rule(
    id="LC112",
    slug="invalid-suppression",
    title="Suppression comment naming an unknown rule",
    finds="A `linkcheck-disable...` comment with a rule slug or id that no rule has.",
    why="A misspelt rule name silences nothing, so the finding it was meant to hide comes back "
    "and the comment misleads the next editor.",
    example="<!-- linkcheck-disable-next-line duplicate-urls -->",
    instead="<!-- linkcheck-disable-next-line duplicate-url -->",
    check=check,
    reads_verdicts=False,
)
