"""What a rule is (its documentation, defaults and check function) and what a rule is given."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from ..config import Config
from ..models import CheckResult, Document, Finding, Link, LinkKind, Severity
from .source import Source
from .suppress import Suppressions

_Placed = TypeVar("_Placed", Link, Finding)  # what has a file and a line


@dataclass(frozen=True, slots=True)
class Rule:
    """One content-quality rule and the documentation the README table is generated from."""

    id: str  # LC101...
    slug: str  # the interface: config keys, suppression comments, reports
    title: str  # one line
    finds: str
    why: str
    example: str  # markdown that triggers the rule
    instead: str  # the same markdown written well
    check: Callable[[Context, Settings], Iterable[Finding]]
    severity: Severity = Severity.WARNING
    options: Mapping[str, Any] = field(default_factory=dict)  # option -> default
    fixable: bool = False
    # Extra remote targets the run should check so this rule can verify a fix (https twins...).
    targets: Callable[[Context, Settings], Iterable[str]] | None = None
    # Diagnostic codes this rule reports itself: the report shows its finding instead.
    replaces_diagnostics: tuple[str, ...] = ()
    # False: the rule never reads the run's verdicts (context.results), so a run may apply it
    # while the links are still being checked
    reads_verdicts: bool = True


@dataclass(frozen=True, slots=True)
class Settings:
    """A rule as configured for this run: severity, merged options, path ignores."""

    rule: Rule
    severity: Severity
    options: Mapping[str, Any]
    ignore_paths: tuple[str, ...] = ()

    def ignores(self, file: str) -> bool:
        return bool(self.ignore_paths) and any(
            fnmatch.fnmatch(file, pattern) for pattern in self.ignore_paths)

    def finding(
        self, file: str, line: int, column: int, message: str, *, url: str | None = None,
        replacement: str | None = None, original: str | None = None,
        related: tuple[tuple[str, int], ...] = (), severity: Severity | None = None,
    ) -> Finding:
        rule = self.rule
        return Finding(rule.slug, rule.id, severity or self.severity, file, line, column,
                       message, url, replacement, original, related)


@dataclass(frozen=True)
class Context:
    """Everything the rules may look at; built once per run."""

    documents: tuple[Document, ...]
    results: Mapping[str, CheckResult]
    config: Config
    sources: Mapping[str, Source]
    suppressions: Mapping[str, Suppressions]
    # url_sites per document, computed once for the several rules that ask
    _sites: dict[str, tuple[Document, list[Site]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # values several rules derive from the same inputs (resource keys...), by purpose
    memo: dict[object, dict] = field(default_factory=dict, compare=False, repr=False)

    def with_results(self, results: Mapping[str, CheckResult]) -> Context:
        """This context with the run's verdicts in; the sources are not read again."""
        return Context(self.documents, results, self.config, self.sources, self.suppressions,
                       self._sites)

    def unsuppressed(self, rule: Rule, items: list[_Placed]) -> list[_Placed]:
        """`items` (links, findings) but those a suppression comment silences for `rule`."""
        marked = self._marked_files
        if not marked:  # most runs: no file has a suppression comment
            return items
        names = (rule.slug, rule.id)
        return [item for item in items if item.file not in marked
                or not self.suppressions[item.file].covers(item.line, names)]

    @cached_property
    def _marked_files(self) -> frozenset[str]:
        """The files with a suppression comment that silences something."""
        return frozenset(file for file, marks in self.suppressions.items()
                         if marks.lines or marks.blocks)

    def url_sites(self, document: Document) -> list[Site]:
        """`url_sites(document)`, shared by the rules of this run (do not mutate the list)."""
        known = self._sites.get(document.file)
        if known is None or known[0] is not document:
            known = self._sites[document.file] = (document, url_sites(document))
        return known[1]


@dataclass(slots=True)  # not frozen: five times as fast to make
class UrlSite:
    """Where a reference link's URL is written: the definition it uses."""

    file: str
    line: int
    column: int
    url: str  # as written
    resolved_url: str


# Where a URL is written: the link itself (its file, line, column, url and resolved_url), or
# the definition a reference link uses
Site = Link | UrlSite


_CONTENT_KINDS = (LinkKind.INLINE, LinkKind.REFERENCE, LinkKind.AUTOLINK, LinkKind.BARE,
                  LinkKind.HTML_LINK)


def resource_links(document: Document) -> list[Link]:
    """Links to resources a reader follows: not images, not front matter values."""
    return [link for link in document.links if link.kind in _CONTENT_KINDS]


def url_sites(document: Document) -> list[Site]:
    """Each place a URL is written in the source, once, in order of place: most often each
    link itself, in the order the document holds them (then nothing else is made)."""
    # reversed: the first definition of a label is the one its links use
    definitions = {d.label: d for d in reversed(document.definitions)}
    links = document.links
    if not (definitions and any(link.kind in _REFERENCE_KINDS and link.key in definitions
                                for link in links)) \
            and all(a < b for a, b in pairwise(map(_PLACE, links))):
        return list(links)
    sites: dict[tuple[int, int, str], Site] = {}
    for link in links:
        definition = definitions.get(link.key) if link.kind in _REFERENCE_KINDS else None
        if definition is None:
            sites.setdefault((link.line, link.column, link.url), link)
        elif (where := (definition.line, definition.column, link.url)) not in sites:
            sites[where] = UrlSite(document.file, *where, link.resolved_url)
    return [site for _, site in sorted(sites.items(), key=_KEY)]


_PLACE = attrgetter("line", "column", "url")
_KEY = itemgetter(0)
_REFERENCE_KINDS = (LinkKind.REFERENCE, LinkKind.REFERENCE_IMAGE)
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\n.,:;!?…-–—*_`'\"“”‘’()[]"


@lru_cache(maxsize=1 << 16)  # several rules compare the same texts
def plain_text(text: str) -> str:
    """Link text compared loosely: case, spacing and edge punctuation do not matter."""
    return _SPACES.sub(" ", text).strip(_EDGE_PUNCTUATION).casefold()


def text_is_url(link: Link) -> bool:
    """The link's text is its own URL (written with or without the scheme)."""
    return _text_is_url(link.text, link.url, link.resolved_url)


@lru_cache(maxsize=1 << 16)
def _text_is_url(text: str, url: str, resolved_url: str) -> bool:
    text = plain_text(text)
    candidates = {url, resolved_url}
    bare = {c.casefold().split("://", 1)[-1].rstrip("/") for c in candidates}
    return text in {c.casefold() for c in candidates} or text.rstrip("/") in bare


def places(pairs: Iterable[tuple[str, int]]) -> str:
    """`a.md:3, b.md:7` for a message."""
    return ", ".join([f"{file}:{line}" for file, line in pairs])
