"""LC101 duplicate-url: the same resource linked more than once, reported once per resource."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from itertools import pairwise
from operator import attrgetter

from ..models import CheckResult, Finding, Link, Severity, Status
from .base import Context, Rule, Settings, places, resource_links
from .urls import normalise


def resource_key(target: str, results: Mapping[str, CheckResult], follow: bool) -> str:
    """Links to `target` (a resolved URL) and links with the same key reach the same resource:
    after safe normalisation and, when the run checked them, after redirects that ended at a
    working page."""
    result = results.get(target)
    if follow and result and result.status in (Status.OK, Status.REDIRECTED) and result.final_url:
        return normalise(result.final_url)
    return normalise(target)


def keys_for(context: Context, follow: bool, links: list[Link]) -> list[str]:
    """`resource_key` of each of these links of the run, computed once per target for all
    the rules that ask."""
    keys: dict[str, str] = context.memo.setdefault(("resource-key", follow), {})
    results = context.results
    for target in {link.resolved_url for link in links}.difference(keys):
        keys[target] = resource_key(target, results, follow)
    return [keys[link.resolved_url] for link in links]


def check(context: Context, settings: Settings) -> Iterator[Finding]:
    options = settings.options
    include_local = options["include_local"]
    links = [link for document in context.documents for link in resource_links(document)
             if include_local or link.is_remote]
    # a suppressed place is an intended repeat: it does not count
    links = context.unsuppressed(settings.rule, links)
    groups: dict[str, list[Link]] = defaultdict(list)
    for key, link in zip(keys_for(context, options["follow_redirects"], links), links, strict=True):
        groups[key].append(link)
    across = Severity(options["across_files"])
    for group in groups.values():
        if len(group) > 1:
            group.sort(key=_PLACE)
            finding = _finding(group, settings, across)
            if finding is not None:
                yield finding


_PLACE = attrgetter("file", "line", "column")


def _finding(links: list[Link], settings: Settings, across: Severity) -> Finding | None:
    """The finding of a group of links sorted by place: the links of one file are together."""
    files = [link.file for link in links]
    repeat = None  # the first link repeated inside its own file
    if len(set(files)) < len(files):
        repeat = next(link for before, link in pairwise(links) if link.file == before.file)
    elif across == Severity.OFF:
        return None
    anchor = repeat or links[1]
    others = [(link.file, link.line) for link in links if link is not anchor]
    same = "the same resource" if len({link.url for link in links}) > 1 else "the same URL"
    scope = "across files"
    if repeat:  # "4 times (2 in this file)" when the other places are in other files too
        here = files.count(repeat.file)
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
