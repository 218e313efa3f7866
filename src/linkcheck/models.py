"""The records that cross stage boundaries: links, documents, check results, findings, and a
run's result with its change scope and its changes against the last report."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, fields
from enum import StrEnum
from operator import attrgetter


class LinkKind(StrEnum):
    """How a link is written in the markdown source."""

    INLINE = "inline"  # [text](url)
    IMAGE = "image"  # ![alt](src)
    REFERENCE = "reference"  # [text][label] with a [label]: url definition
    REFERENCE_IMAGE = "reference-image"  # ![alt][label]
    AUTOLINK = "autolink"  # <https://...>
    BARE = "bare"  # https://... or www.... in prose (GitHub autolink rules)
    HTML_LINK = "html-link"  # <a href="...">
    HTML_IMAGE = "html-image"  # <img src="...">
    FRONT_MATTER = "front-matter"  # a URL value in YAML front matter


class Status(StrEnum):
    """A link's outcome: a closed set whose values the JSON report and tests depend on."""

    OK = "ok"
    REDIRECTED = "redirected"  # moved permanently: the curriculum should use the final URL
    BROKEN = "broken"
    # a remote link failing for fewer consecutive runs than store.failures_before_broken:
    # reported, but the run does not fail on it (one bad run of a flaky host is not a dead link)
    NEW_FAILURE = "new-failure"
    UNVERIFIABLE = (
        "unverifiable"  # could not be verified (bot wall, login, no network): never broken
    )
    EXCLUDED = "excluded"  # excluded by configuration
    SKIPPED = "skipped"  # not checkable by design: mailto:, tel:, ...
    UNCHECKED = "unchecked"  # remote link in an --offline run, or outside a --changed-since diff


NO_NETWORK_REASON = "no network"  # the reason of every remote verdict in a run with no network
DEADLINE_REASON = "run deadline reached"  # the reason of a remote target the run had no time for
# the reason of a remote target not asked for because its host's rate limits outlasted its cap
RATE_LIMIT_CAP_REASON = "rate limited (the host's waits passed check.max_host_wait)"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"


REMOTE_PREFIXES = ("http://", "https://")  # what a remote link's resolved URL starts with


@dataclass(frozen=True, slots=True)
class Link:
    """One occurrence of a link in a markdown file."""

    file: str  # path as discovered, POSIX separators
    line: int  # 1-based
    column: int  # 1-based, where the link starts in the source line
    url: str  # exactly as written
    resolved_url: (
        str  # WHATWG-resolved URL for remote links; target path (+#fragment) for local ones
    )
    text: str
    kind: LinkKind
    section: str  # heading path, " > "-joined; "" above the first heading
    key: str = ""  # front matter key path for FRONT_MATTER links; reference label for REFERENCE*

    @property
    def is_remote(self) -> bool:
        return self.resolved_url.startswith(REMOTE_PREFIXES)


@dataclass(frozen=True, slots=True)
class ReferenceDefinition:
    """A `[label]: url` definition."""

    file: str
    line: int
    column: int
    label: str  # normalised label
    url: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem with the input itself (unreadable file, bad encoding, bad YAML...)."""

    file: str
    line: int | None
    message: str
    code: str  # stable slug, e.g. "decode-error", "front-matter", "unreadable"


@dataclass(frozen=True, slots=True)
class Document:
    """Everything extraction learnt about one markdown file."""

    file: str
    links: tuple[Link, ...] = ()
    anchors: frozenset[str] = frozenset()  # heading slugs plus HTML id/name anchors
    definitions: tuple[ReferenceDefinition, ...] = ()
    unused_definitions: tuple[ReferenceDefinition, ...] = ()
    undefined_references: tuple[Link, ...] = ()  # [text][label] uses with no definition
    front_matter: dict | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    line_count: int = 0
    # 1-based lines inside fenced or indented code blocks, as extraction parsed them, so rules
    # need not parse the file again; None when unknown (a Document built by hand)
    code_lines: frozenset[int] | None = None
    # headings written `## Title {#custom-id}`: (the GitHub slug in `anchors`, the explicit id
    # Docusaurus gives the heading instead), for `site: docusaurus`
    heading_ids: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a redirect chain: the status answered at `url`."""

    url: str
    status_code: int

    def __reduce__(self) -> tuple:
        return Hop, (self.url, self.status_code)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict for one distinct target (a resolved URL, or a local path with fragment)."""

    target: str
    status: Status
    reason: str
    status_code: int | None = None
    final_url: str | None = None
    redirects: tuple[Hop, ...] = ()
    permanent: bool = False  # the redirect chain starts with 301 or 308
    # a failure that may pass (timeout, reset, 5xx, resolver failure): only such failures wait
    # for store.failures_before_broken runs; a definitive answer (404, no such domain) does not
    transient: bool = False
    from_cache: bool = False  # the result store answered; nothing was fetched this run
    checked_at: str | None = None  # ISO 8601 UTC; kept out of the report body
    # from the result store: when the current run of failures began, and its length in runs
    first_failed_at: str | None = None  # ISO 8601 UTC
    failed_runs: int = 0
    archived: bool = False  # the site says so: a read-only, unmaintained repository
    # a verified replacement for a broken link (an archived snapshot of it), never applied
    # unless asked (`linkcheck fix --use-archive`)
    suggestion: str | None = None

    def __reduce__(self) -> tuple:
        # pickled as its fields in order, rebuilt by __init__: the worker processes send
        # thousands (check/remote/wire.py), and a frozen dataclass's own pickling looks the
        # fields up again for each object, at twice the cost
        return CheckResult, _result_fields(self)


_result_fields = attrgetter(*(f.name for f in fields(CheckResult)))


def origin_not_answering(target: str, origin: str, why: str,
                         from_cache: bool = False) -> CheckResult:
    """The result of a URL a rule asked about (an https:// twin), not a link, on an origin that
    does not answer at all: a fact about the host, never a broken link (and never stored)."""
    return CheckResult(target, Status.SKIPPED, f"not requested: {origin} does not answer ({why})",
                       from_cache=from_cache)


@dataclass(frozen=True, slots=True)
class Finding:
    """A content-quality finding from a rule."""

    rule: str  # slug, e.g. "duplicate-url"
    rule_id: str  # e.g. "LC101"
    severity: Severity
    file: str
    line: int
    column: int
    message: str
    url: str | None = None
    replacement: str | None = None  # suggested text when the finding is fixable
    original: str | None = None  # the exact source text the replacement replaces
    related: tuple[tuple[str, int], ...] = field(default=())  # other (file, line) places


@dataclass(frozen=True, slots=True)
class Change:
    """One problem in the comparison, located at its first occurrence in the file."""

    file: str
    line: int
    url: str  # as written
    target: str  # resolved URL or local path: the identity with `file`
    status: str  # now: a Status value, or "removed" for a fixed problem whose link is gone
    reason: str = ""
    previous_status: str | None = None
    since: str | None = None  # from the result store: when the failures began
    failed_runs: int = 0  # from the result store: failed runs in a row


@dataclass(frozen=True, slots=True)
class Changes:
    baseline: str | None  # the report compared with; None when there was none
    new: tuple[Change, ...] = ()
    still_broken: tuple[Change, ...] = ()
    fixed: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeScope:
    """What changed since `ref`: changed line numbers per file, and files new to git."""

    ref: str
    lines: dict[str, frozenset[int]] = field(default_factory=dict)  # resolved path -> lines
    new_files: frozenset[str] = frozenset()  # resolved paths of untracked files: every line

    def touches_file(self, file: str) -> bool:
        key = _resolved(file)
        return key in self.new_files or bool(self.lines.get(key))

    def touches(self, link: Link) -> bool:
        key = _resolved(link.file)
        return key in self.new_files or link.line in self.lines.get(key, frozenset())


def _resolved(file: str) -> str:
    return os.path.realpath(file)  # unlike Path.resolve on Python 3.11, never raises on a loop


_TARGET, _STATUS = attrgetter("resolved_url"), attrgetter("status")


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run found, ready for the reporters."""

    documents: tuple[Document, ...]
    results: dict[str, CheckResult]  # verdict per target (Link.resolved_url)
    findings: tuple[Finding, ...] = ()
    offline: bool = False
    network_down: bool = False
    notes: tuple[str, ...] = field(default=())  # run-level messages for the reports
    changes: Changes | None = None  # against the previous report; set by the CLI before reporting
    requests_sent: int = 0  # HTTP requests this run (the result store saves the rest)
    scope: ChangeScope | None = None  # --changed-since: only these lines were judged
    # links per status, counted once on first use (reports ask for every status, twice)
    _counts: dict[Status, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # what the reports derive from the run, computed once for all of them (`report.problems`)
    memo: dict[str, list] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def links(self) -> list[Link]:
        return [link for doc in self.documents for link in doc.links]

    def result_for(self, link: Link) -> CheckResult:
        return self.results[link.resolved_url]

    def count(self, status: Status) -> int:
        if not self._counts:
            verdicts = map(self.results.__getitem__, map(_TARGET, self.links))
            self._counts.update(Counter(map(_STATUS, verdicts)))
            self._counts.setdefault(status, 0)  # not empty now, even for a run without links
        return self._counts.get(status, 0)
