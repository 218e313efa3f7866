"""LC101 duplicate-url: the same resource linked more than once, reported once per resource."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping

from ..models import CheckResult, Finding, Link, Severity, Status
from .base import Context, Rule, Settings, places, resource_links
from .urls import normalise


def resource_key(link: Link, results: Mapping[str, CheckResult], follow: bool) -> str:
    """Links with the same key reach the same resource: after safe normalisation and, when
    the run checked them, after redirects that ended at a working page."""
    result = results.get(link.resolved_url)
    if follow and result and result.status in (Status.OK, Status.REDIRECTED) and result.final_url:
        return normalise(result.final_url)
    return normalise(link.resolved_url)


def keys_of(context: Context, follow: bool) -> Callable[[Link], str]:
    """`resource_key` of a link of this run, computed once per target for all its rules."""
    keys: dict[str, str] = context.memo.setdefault(("resource-key", follow), {})
    results = context.results

    def key_of(link: Link) -> str:
        key = keys.get(link.resolved_url)
        if key is None:
            key = keys[link.resolved_url] = resource_key(link, results, follow)
        return key

    return key_of


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    options = settings.options
    include_local, key_of = options["include_local"], keys_of(context, options["follow_redirects"])
    groups: dict[str, list[Link]] = defaultdict(list)
    for document in context.documents:
        for link in resource_links(document):
            if not (link.is_remote or include_local):
                continue
            if context.suppressed(settings.rule, link.file, link.line):
                continue  # a suppressed place is an intended repeat: it does not count
            groups[key_of(link)].append(link)
    across = Severity(options["across_files"])
    for links in groups.values():
        if len(links) > 1:
            finding = _finding(sorted(links, key=_place), settings, across)
            if finding is not None:
                yield finding


def _place(link: Link) -> tuple[str, int, int]:
    return link.file, link.line, link.column


def _finding(links: list[Link], settings: Settings, across: Severity) -> Finding | None:
    seen: set[str] = set()
    repeat = None  # the first link repeated inside its own file
    for link in links:
        if link.file in seen and repeat is None:
            repeat = link
        seen.add(link.file)
    if repeat is None and across == Severity.OFF:
        return None
    anchor = repeat or links[1]
    others = [(link.file, link.line) for link in links if link is not anchor]
    spelled = {link.url for link in links}
    same = "the same resource" if len(spelled) > 1 else "the same URL"
    scope = "across files"
    if repeat:  # "4 times (2 in this file)" when the other places are in other files too
        here = sum(link.file == repeat.file for link in links)
        scope = "in this file" if here == len(links) else f"{here} in this file"
    return settings.finding(
        anchor.file, anchor.line, anchor.column,
        f"{same} is linked {len(links)} times ({scope}): {anchor.url} also at {places(others)}",
        url=anchor.url, related=tuple(others),
        severity=settings.severity if repeat else across,
    )


RULE = Rule(
    id="LC101",
    slug="duplicate-url",
    title="The same resource linked more than once",
    finds="Links that reach the same resource, compared after safe normalisation (scheme, `www.`, "
    "host case, default port, trailing slash, `index.html`, tracking parameters, fragment) and, "
    "online, after redirects. Reported once per resource with every place it appears; repeats "
    "inside one file at the rule's severity, repeats only across files at `across_files`.",
    why="A resource listed twice in one page is usually a copy-paste slip that makes the list "
    "look longer than it is; across pages it may be intended, so it is information by default.",
    example="- [Docker docs](https://docs.docker.com/get-started/) ... "
    "- [Docker for ML](https://docs.docker.com/get-started)",
    instead="- [Docker: get started](https://docs.docker.com/get-started/) (listed once)",
    check=check,
    options={"across_files": "info", "include_local": False, "follow_redirects": True},
)
