"""LC111 moved-permanently: a link whose check followed a permanent redirect."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding, Status
from .base import Context, Rule, Settings
from .urls import with_fragment_of


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for document in context.documents:
        for site in context.url_sites(document):
            result = context.results.get(site.resolved_url)
            # Only a redirect the checker followed to an answering page: the fix is verified.
            if not (result and result.status == Status.REDIRECTED and result.final_url):
                continue
            if not (result.permanent or settings.options["temporary"]):
                continue
            replacement = with_fragment_of(result.final_url, site.url)
            cached = " (stored result)" if result.from_cache else ""
            yield settings.finding(
                site.file, site.line, site.column,
                f"moved permanently{cached}: {site.url} now lives at {replacement}",
                url=site.url, original=site.url, replacement=replacement,
            )


RULE = Rule(
    id="LC111",
    slug="moved-permanently",
    title="Link to a page that moved permanently",
    finds="A remote link whose check answered 301 or 308 and ended at a working page "
    "(run status `redirected`).",
    why="Old addresses stop redirecting when sites are reorganised; linking the final address "
    "saves readers a hop and keeps the link alive.",
    example="[Docs](http://docs.example.org/old-page)",
    instead="[Docs](https://docs.example.org/new-page)",
    check=check,
    options={"temporary": False},
    fixable=True,
)
