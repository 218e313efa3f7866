"""LC103 tracking-params: analytics parameters (utm_*, gclid...) left in a URL."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Finding
from .base import Context, Rule, Settings
from .urls import TRACKING_PARAMS, strip_tracking, tracking_names


def stripper(settings: Settings):
    """The configured strip function: built-in names plus `params`, minus `keep`."""
    extra = frozenset(p.lower() for p in settings.options["params"])
    keep = frozenset(p.lower() for p in settings.options["keep"])
    return (lambda url: strip_tracking(url, extra, keep),
            lambda url: tracking_names(url, extra, keep))


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    strip, names_in = stripper(settings)
    for document in context.documents:
        for site in context.url_sites(document):
            names = names_in(site.url)
            if not names:
                continue
            shown = ", ".join(dict.fromkeys(names))
            yield settings.finding(
                site.file, site.line, site.column,
                f"tracking parameters in URL ({shown}): they identify a campaign, not the page",
                url=site.url, original=site.url, replacement=strip(site.url),
            )


RULE = Rule(
    id="LC103",
    slug="tracking-params",
    title="Tracking parameters in a URL",
    finds="Query parameters that only feed analytics: `utm_*`, "
    + ", ".join(f"`{p}`" for p in sorted(TRACKING_PARAMS)) + ".",
    why="They make URLs long and unreadable, count every curriculum reader as a campaign click, "
    "and hide duplicates. Removing them keeps the same page.",
    example="[Guide](https://example.org/guide?utm_source=google&page=2&gclid=abc)",
    instead="[Guide](https://example.org/guide?page=2)",
    check=check,
    options={"params": [], "keep": []},
    fixable=True,
    reads_verdicts=False,
)
