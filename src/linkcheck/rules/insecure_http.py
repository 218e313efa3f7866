"""LC104 insecure-http: an http:// link whose https:// form works."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import CheckResult, Finding, Severity, Status
from .base import Context, Rule, Settings
from .urls import https_twin

_ANSWERED = (Status.OK, Status.REDIRECTED)


def targets(context: Context, settings: Settings) -> Iterator[str]:
    """The https:// twin of every remote http:// link, for the checker to verify."""
    linked = {link.resolved_url for document in context.documents for link in document.links}
    return filter(None, map(https_twin, linked))


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    results, unverified = context.results, settings.options["report_unverified"]
    for document in context.documents:
        for site in context.url_sites(document):
            twin = https_twin(site.resolved_url)
            if twin is None:
                continue
            result = results.get(twin)
            if result is None:
                if unverified:
                    yield settings.finding(
                        site.file, site.line, site.column,
                        f"insecure link {site.url}: the https:// form was not checked "
                        "(offline run)", url=site.url, severity=Severity.INFO,
                    )
            elif _served_over_https(result) and (written_twin := https_twin(site.url)):
                yield settings.finding(
                    site.file, site.line, site.column,
                    f"insecure link: {twin} answers, use it instead of {site.url}",
                    url=site.url, original=site.url, replacement=written_twin,
                )


def _served_over_https(result: CheckResult | None) -> bool:
    """The twin answered, and over https: a host that redirects its https:// pages back to
    http:// does not serve them securely."""
    if result is None or result.status not in _ANSWERED:
        return False
    return not (result.final_url or "").lower().startswith("http:")


RULE = Rule(
    id="LC104",
    slug="insecure-http",
    title="http:// link where https:// works",
    finds="An `http://` link whose `https://` form was checked this run (or found in the result "
    "store) and answered over https. One probe per host first learns whether it serves https at "
    "all (a host that does not is remembered for `store.max_age.no-https`, never reported "
    "broken); only then is each link's https form checked. Offline, nothing is reported unless "
    "`report_unverified` is set.",
    why="Plain HTTP can be read and altered on the way; most sites serve HTTPS now, and an "
    "unverified switch could break the link, so the rule only suggests a checked one.",
    example="[Scrum Guide](http://scrumguides.org/scrum-guide.html)",
    instead="[Scrum Guide](https://scrumguides.org/scrum-guide.html)",
    check=check,
    targets=targets,
    options={"report_unverified": False},
    fixable=True,
)
