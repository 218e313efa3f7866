"""LC113 archived-repository: a link to a repository its host says is archived."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding
from .base import Context, Rule, Settings


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    for document in context.documents:
        for site in context.url_sites(document):
            result = context.results.get(site.resolved_url)
            if not (result and result.archived):
                continue
            cached = " (stored result)" if result.from_cache else ""
            yield settings.finding(
                site.file, site.line, site.column,
                f"archived repository{cached}: {site.url} is read-only and no longer "
                "maintained; link a maintained alternative or say why this one is kept",
                url=site.url,
            )


RULE = Rule(
    id="LC113",
    slug="archived-repository",
    title="Link to an archived repository",
    finds="A link to a GitHub repository (or a file in it) that its owner archived, as the "
    "GitHub API says (checked only with a token, see `sites.github`).",
    why="An archived repository is read-only: its issues are closed, its code gets no fixes, "
    "and learners sent there study and install unmaintained software.",
    example="[Tutorial code](https://github.com/old-org/retired-tutorial)",
    instead="[Tutorial code](https://github.com/new-org/maintained-tutorial)",
    check=check,
)
