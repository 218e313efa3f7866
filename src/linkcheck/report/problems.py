"""The one list of problems every report walks: input diagnostics, the link verdicts a person
should look at, and content findings, each with its file, line, severity and message."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from ..models import (
    NO_NETWORK_REASON,
    REMOTE_PREFIXES,
    CheckResult,
    Diagnostic,
    Finding,
    Link,
    RunResult,
    Severity,
    Status,
)
from ..rules.moved_permanently import RULE as MOVED_PERMANENTLY

# The link statuses that make a problem, in the order reports list them; the severity of each
LINK_PROBLEMS = {
    Status.BROKEN: Severity.ERROR,
    Status.NEW_FAILURE: Severity.WARNING,
    Status.REDIRECTED: Severity.WARNING,
    Status.UNVERIFIABLE: Severity.INFO,
}
# What the terminal and the markdown report call each of them
LINK_LABELS = {
    Status.BROKEN: "broken",
    Status.NEW_FAILURE: "new failure",
    Status.REDIRECTED: "moved",
    Status.UNVERIFIABLE: "unverifiable",
}


class ProblemKind(StrEnum):
    INPUT = "input"  # a file that could not be read as expected
    LINK = "link"  # a link's verdict
    FINDING = "finding"  # a content-quality rule's finding


# Not frozen: a run's reports make one per finding and link problem (6,000 on the plain-HTTP
# benchmark), a frozen dataclass costs five times as much to make, and no report changes one.
@dataclass(slots=True)
class Problem:
    kind: ProblemKind
    severity: Severity
    file: str
    line: int | None
    column: int | None
    message: str  # plain text, neither capped nor sanitized: each format does that its way
    diagnostic: Diagnostic | None = None
    link: Link | None = None
    result: CheckResult | None = None
    finding: Finding | None = None

    @property
    def identity(self) -> str:
        """With the kind and file, what stays the same when the line moves: made when asked
        (a finding's holds its message, which may name every place of a duplicated URL)."""
        if self.finding is not None:
            return f"{self.finding.url or ''}\0{self.finding.message}"
        if self.link is not None:
            return self.link.resolved_url
        return self.diagnostic.code if self.diagnostic is not None else ""


def said_once(result: CheckResult) -> bool:
    """A verdict every report states once for the whole run instead of on each link.

    With no network every remote link is unverifiable for that one reason; listing each of them
    would bury the links a person should look at.
    """
    return result.reason == NO_NETWORK_REASON


def sorted_links(run: RunResult, targets: Container[str] | None = None) -> list[Link]:
    """The run's links by file and position, sorted once for every report (a copy each);
    with `targets`, only the links to these (then only they are sorted, if need be)."""
    known = run.memo.get("sorted-links")
    if targets is not None:
        chosen = [link for link in known or run.links if link.resolved_url in targets]
        return chosen if known is not None else sorted(chosen, key=_LINK_ORDER)
    if known is None:
        known = run.memo["sorted-links"] = sorted(run.links, key=_LINK_ORDER)
    return list(known)


_LINK_ORDER = attrgetter("file", "line", "column", "url")


def remote_urls(run: RunResult) -> int:
    """How many distinct remote URLs the run's links name."""
    return sum(target.startswith(REMOTE_PREFIXES) for target in set(map(_TARGET, run.links)))


_TARGET = attrgetter("resolved_url")


def problems(run: RunResult) -> list[Problem]:
    """Input problems in document order, then link problems by file and position, then
    findings in the rules' order; each problem once. Made once per run (a copy each call):
    the terminal and every report ask for them."""
    if "problems" not in run.memo:
        findings = _finding_problems(run)
        run.memo["problems"] = [*_input_problems(run),
                                *_without_moved_twice(_link_problems(run), findings), *findings]
    return list(run.memo["problems"])


def _without_moved_twice(links: list[Problem], findings: list[Problem]) -> list[Problem]:
    """A moved link is one problem: the moved-permanently finding, which carries the fix,
    stands for the link's `redirected` verdict wherever it was made (it can be off or
    suppressed on a line, and then the verdict is reported)."""
    moved = {
        (p.file, p.line, p.column, p.finding.url)
        for p in findings
        if p.finding is not None and p.finding.rule == MOVED_PERMANENTLY.slug
    }
    return [
        p for p in links
        if not (p.result is not None and p.result.status == Status.REDIRECTED and p.link
                and (p.file, p.line, p.column, p.link.url) in moved)
    ]


def _input_problems(run: RunResult) -> list[Problem]:
    return [
        Problem(ProblemKind.INPUT, Severity.ERROR, d.file, d.line, None, d.message, diagnostic=d)
        for doc in run.documents
        for d in doc.diagnostics
    ]


def _link_problems(run: RunResult) -> list[Problem]:
    found = []
    results = run.results
    # most links are fine: their targets are told apart once each
    targets = {target for target, result in results.items()
               if result.status in LINK_PROBLEMS and not said_once(result)}
    for link in sorted_links(run, targets):
        result = results[link.resolved_url]
        message = f"{link.url}: {link_reason(result)}"
        found.append(Problem(ProblemKind.LINK, LINK_PROBLEMS[result.status], link.file,
                             link.line, link.column, message, link=link, result=result))
    return found


def link_reason(result: CheckResult) -> str:
    """The verdict's reason, with where a moved link went and an archived copy when known."""
    reason = result.reason
    if result.status == Status.REDIRECTED and result.final_url:
        reason += f"; use {result.final_url}"
    if result.suggestion:
        reason += f"; archived copy: {result.suggestion}"
    return reason


def _finding_problems(run: RunResult) -> list[Problem]:
    return [
        Problem(ProblemKind.FINDING, f.severity, f.file, f.line, f.column, f.message, finding=f)
        for f in run.findings
        if f.severity != Severity.OFF
    ]
